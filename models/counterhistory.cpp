#include "counterhistory.h"

#include <algorithm>

namespace cutover {

CounterHistory::CounterHistory(std::size_t initialCapacity, std::size_t maxCapacity, bool keepBuckets)
    : m_rows(std::max<std::size_t>(std::min(initialCapacity, std::max<std::size_t>(maxCapacity, 1)), 1))
    , m_maxCapacity(std::max<std::size_t>(maxCapacity, 1))
    , m_keepBuckets(keepBuckets)
{
}

std::span<const double> CounterHistory::counts(std::size_t i) const
{
    if (i < m_layoutFrom || i >= m_size || m_bounds.empty())
        return {};
    return std::span<const double>(m_counts).subspan(slot(i) * m_bounds.size(), m_bounds.size());
}

std::size_t CounterHistory::lastAtOrBefore(WallTime t) const
{
    // The first row after t, by binary search over the ring's logical order.
    std::size_t lo = 0, hi = m_size;
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (row(mid).time <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? m_size : lo - 1;
}

void CounterHistory::push(const CounterRow &row, std::span<const double> bounds, std::span<const double> counts)
{
    if (m_keepBuckets && !std::equal(bounds.begin(), bounds.end(), m_bounds.begin(), m_bounds.end())) {
        // Counts kept under other bounds cannot be compared with these: those rows lose them.
        m_bounds.assign(bounds.begin(), bounds.end());
        m_counts.assign(m_rows.size() * m_bounds.size(), 0.0);
        m_layoutFrom = m_size;
    }
    if (m_size == m_rows.size()) {
        if (m_rows.size() < m_maxCapacity)
            grow();
        else
            popFront();
    }
    const std::size_t s = slot(m_size);
    m_rows[s] = row;
    if (m_keepBuckets)
        std::copy_n(counts.begin(), std::min(counts.size(), m_bounds.size()), m_counts.begin() + std::ptrdiff_t(s * m_bounds.size()));
    ++m_size;
}

void CounterHistory::popFront()
{
    if (m_size == 0)
        return;
    m_head = (m_head + 1) % m_rows.size();
    --m_size;
    if (m_layoutFrom > 0)
        --m_layoutFrom;
}

void CounterHistory::dropBefore(WallTime cutoff)
{
    while (m_size > 0 && front().time < cutoff)
        popFront();
}

void CounterHistory::grow()
{
    const std::size_t capacity = std::min(m_rows.size() * 2, m_maxCapacity);
    const std::size_t stride = m_bounds.size();
    std::vector<CounterRow> rows(capacity);
    std::vector<double> counts(capacity * stride);
    for (std::size_t i = 0; i < m_size; ++i) {
        rows[i] = row(i);
        std::copy_n(m_counts.data() + slot(i) * stride, stride, counts.data() + i * stride);
    }
    m_rows = std::move(rows);
    m_counts = std::move(counts);
    m_head = 0;
}

std::size_t CounterHistory::memoryBytes() const
{
    return m_rows.capacity() * sizeof(CounterRow) + (m_counts.capacity() + m_bounds.capacity()) * sizeof(double);
}

} // namespace cutover
