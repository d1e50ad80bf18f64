#pragma once

#include "models/timeseriesstore.h"

#include <cstddef>
#include <span>
#include <vector>

namespace cutover {

// One kept moment of a metric group's cumulative counters.
struct CounterRow
{
    WallTime time {};
    double total = 0;
    double errors = 0;
    // Running totals of Σ average × requests and Σ requests (see MetricsAggregator).
    double averageSum = 0;
    double averageWeight = 0;
};

// A bounded, time-ordered history of one metric group's counters and, optionally, of its
// cumulative histogram bucket counts: a ring of rows in flat arrays. Its memory is fixed once it
// has grown to fit: no allocation per row, so thousands of groups scraped every second neither
// grow the heap nor fragment it.
//
// Promises: at most maxCapacity rows (a push into a full history at its maximum drops the oldest);
// rows are handed out oldest first. Bucket counts are kept for one layout of bounds (the bucket
// bounds of the group's histogram): a push with other bounds starts a new layout and the rows kept
// before it have no buckets any more (a window across the change has no percentiles, which is what
// a histogram whose buckets changed can honestly give). Refuses nothing; not thread-safe.
class CounterHistory
{
public:
    // Room for initialCapacity rows up front, growing by doubling up to maxCapacity.
    CounterHistory(std::size_t initialCapacity, std::size_t maxCapacity, bool keepBuckets);

    std::size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    std::size_t capacity() const { return m_rows.size(); }

    // Row i, 0 = oldest.
    const CounterRow &row(std::size_t i) const { return m_rows[slot(i)]; }
    const CounterRow &front() const { return row(0); }
    const CounterRow &back() const { return row(m_size - 1); }
    // Row i's cumulative bucket counts in bounds() order; empty if it has none.
    std::span<const double> counts(std::size_t i) const;
    std::span<const double> bounds() const { return m_bounds; }
    // Index of the newest row at or before t, or size() if every row is after t.
    std::size_t lastAtOrBefore(WallTime t) const;

    // counts: the row's cumulative bucket counts, one per bound, bounds ascending (both ignored
    // without keepBuckets).
    void push(const CounterRow &row, std::span<const double> bounds, std::span<const double> counts);
    void popFront();
    // Drops the rows older than cutoff.
    void dropBefore(WallTime cutoff);

    // Heap bytes held (by capacity).
    std::size_t memoryBytes() const;

private:
    std::size_t slot(std::size_t i) const { return (m_head + i) % m_rows.size(); }
    void grow();


    std::vector<CounterRow> m_rows;  // ring of capacity() slots
    std::vector<double> m_counts;    // capacity() × bounds().size(), by slot
    std::vector<double> m_bounds;    // the layout of m_counts
    std::size_t m_head = 0;          // slot of the oldest row
    std::size_t m_size = 0;
    std::size_t m_maxCapacity;
    std::size_t m_layoutFrom = 0;    // rows before this index have no buckets
    bool m_keepBuckets;
};

} // namespace cutover
