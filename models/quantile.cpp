#include "quantile.h"

#include <QtCore/QVarLengthArray>

#include <algorithm>
#include <cmath>
#include <limits>

namespace cutover {

namespace {

// Most histograms have a dozen or so buckets: work on the stack.
using Buckets = QVarLengthArray<HistogramBucket, 32>;

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

// Relative difference under which two neighbouring cumulative counts are treated as equal.
constexpr double precisionTolerance = 1e-12;

bool byBound(const HistogramBucket &a, const HistogramBucket &b)
{
    return a.upperBound < b.upperBound;
}

Buckets sortedCopy(std::span<const HistogramBucket> buckets)
{
    Buckets sorted(buckets.begin(), buckets.end());
    std::stable_sort(sorted.begin(), sorted.end(), byBound);
    return sorted;
}

// Merges buckets with equal bounds (sorted input) by adding their counts: the same bound
// written two ways ("0.2", "2e-1") arrives as two series.
void coalesce(Buckets &b)
{
    qsizetype out = 0;
    for (qsizetype i = 1; i < b.size(); ++i) {
        if (b[i].upperBound == b[out].upperBound)
            b[out].count += b[i].count;
        else
            b[++out] = b[i];
    }
    b.resize(out + 1);
}

// Counts that differ from the previous distinct count by a relative tolerance or less are
// float noise (sums of rates) and are set equal to it.
bool correctPrecision(Buckets &b)
{
    bool fixed = false;
    double previous = b[0].count;
    for (qsizetype i = 1; i < b.size(); ++i) {
        const double current = b[i].count;
        const double delta = std::abs(current - previous);
        if (delta == 0)
            continue;
        if (delta / current <= precisionTolerance) {
            b[i].count = previous;
            fixed = true;
        } else {
            previous = current;
        }
    }
    return fixed;
}

// Cumulative counts must not decrease with the bound (the search below relies on it). Where
// they do (inconsistent sources, races between rule evaluation and scrapes), use the envelope.
bool ensureMonotonic(Buckets &b)
{
    bool forced = false;
    double runningMax = b[0].count;
    for (qsizetype i = 1; i < b.size(); ++i) {
        if (b[i].count > runningMax) {
            runningMax = b[i].count;
        } else if (b[i].count < runningMax) {
            b[i].count = runningMax;
            forced = true;
        }
    }
    return forced;
}

bool hasNaN(std::span<const HistogramBucket> buckets)
{
    return std::any_of(buckets.begin(), buckets.end(), [](const HistogramBucket &b) {
        return std::isnan(b.upperBound) || std::isnan(b.count);
    });
}

} // namespace

QuantileResult histogramQuantileDetailed(double q, std::span<const HistogramBucket> input)
{
    QuantileResult result;
    if (std::isnan(q)) {
        result.value = nan;
        return result;
    }
    if (q < 0) {
        result.value = -inf;
        return result;
    }
    if (q > 1) {
        result.value = inf;
        return result;
    }
    if (input.empty() || hasNaN(input)) {
        result.value = nan;
        return result;
    }
    Buckets b = sortedCopy(input);
    if (b.back().upperBound != inf) {
        result.value = nan;
        return result;
    }
    coalesce(b);
    result.fixedPrecision = correctPrecision(b);
    result.forcedMonotonic = ensureMonotonic(b);
    if (b.size() < 2) {
        result.fixedPrecision = result.forcedMonotonic = false;
        result.value = nan;
        return result;
    }
    const double observations = b.back().count;
    if (observations == 0) {
        result.fixedPrecision = result.forcedMonotonic = false;
        result.value = nan;
        return result;
    }

    double rank = q * observations;
    // The first bucket with count >= rank, among all but +Inf; size() - 1 if none.
    const auto last = b.end() - 1;
    const auto found = std::find_if(b.begin(), last, [rank](const HistogramBucket &x) { return x.count >= rank; });
    const qsizetype index = found - b.begin();
    if (found == last) {
        result.value = b[b.size() - 2].upperBound;
        return result;
    }
    if (index == 0 && b[0].upperBound <= 0) {
        result.value = b[0].upperBound;
        return result;
    }
    double bucketStart = 0;
    const double bucketEnd = b[index].upperBound;
    double count = b[index].count;
    if (index > 0) {
        bucketStart = b[index - 1].upperBound;
        count -= b[index - 1].count;
        rank -= b[index - 1].count;
    }
    // Same operation order as Prometheus, so results match to the last bit.
    result.value = bucketStart + (bucketEnd - bucketStart) * (rank / count);
    return result;
}

double histogramQuantile(double q, std::span<const HistogramBucket> buckets)
{
    return histogramQuantileDetailed(q, buckets).value;
}

HistogramWindow histogramIncrease(std::span<const HistogramBucket> earlier, std::span<const HistogramBucket> later)
{
    HistogramWindow window;
    const Buckets after = sortedCopy(later);
    window.buckets.assign(after.begin(), after.end());
    if (earlier.empty())
        return window;

    const Buckets before = sortedCopy(earlier);
    const bool sameLayout = before.size() == after.size()
        && std::equal(before.begin(), before.end(), after.begin(),
                      [](const HistogramBucket &x, const HistogramBucket &y) { return x.upperBound == y.upperBound; });
    if (!sameLayout) {
        window.reset = true;
        return window;
    }
    for (qsizetype i = 0; i < after.size(); ++i) {
        if (after[i].count < before[i].count) {
            window.reset = true;
            return window;
        }
    }
    for (qsizetype i = 0; i < after.size(); ++i)
        window.buckets[std::size_t(i)].count = after[i].count - before[i].count;
    return window;
}

double histogramQuantileOverWindow(double q, std::span<const HistogramBucket> earlier,
                                   std::span<const HistogramBucket> later)
{
    return histogramQuantile(q, histogramIncrease(earlier, later).buckets);
}

} // namespace cutover
