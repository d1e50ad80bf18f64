#pragma once

// Quantiles from classic (cumulative, "le"-labelled) histogram buckets with exactly the
// semantics of Prometheus' histogram_quantile(), so that a p95 computed client-side from
// scraped buckets matches what the same PromQL returns:
//
// - q is NaN: NaN. q < 0: -Inf. q > 1: +Inf.
// - Buckets are sorted by upper bound here; the highest must be +Inf, else NaN.
// - Buckets with the same bound ("1" and "1.0") are merged by adding their counts; counts that
//   differ by a relative 1e-12 or less are made equal (float noise from rate()/sum()); then
//   counts that decrease with a growing bound are raised to the running maximum
//   (forcedMonotonic, which Prometheus reports as an info annotation).
// - Fewer than 2 buckets, or 0 observations (the +Inf bucket's count): NaN.
// - rank = q * observations; the quantile lies in the first bucket whose count >= rank and is
//   interpolated linearly within it. The lowest bucket starts at 0 if its bound is > 0; if its
//   bound is <= 0, that bound is returned. A rank in the +Inf bucket returns the second-highest
//   bound.
//
// One deliberate addition: a NaN count or bound returns NaN (Prometheus never sees those from
// a well-formed scrape and would return a meaningless bound).

#include <span>
#include <vector>

namespace cutover {

struct HistogramBucket
{
    double upperBound = 0.0; // the "le" label, numerically; +Inf for the last bucket
    double count = 0.0;      // cumulative: observations <= upperBound
};

struct QuantileResult
{
    double value = 0.0;
    bool forcedMonotonic = false; // non-monotonic counts had to be raised
    bool fixedPrecision = false;  // counts within float noise of each other were made equal
};

QuantileResult histogramQuantileDetailed(double q, std::span<const HistogramBucket> buckets);
double histogramQuantile(double q, std::span<const HistogramBucket> buckets);

// The observations made between two cumulative snapshots of one histogram, per bucket: what
// rate()/increase() per bucket feeds histogram_quantile() in PromQL, without extrapolation.
struct HistogramWindow
{
    std::vector<HistogramBucket> buckets; // sorted by bound; counts still cumulative
    // The later snapshot was taken as the window's content because the histogram restarted:
    // some count decreased, or the bucket bounds changed.
    bool reset = false;
};

// Reset handling is per histogram, not per bucket: if any bucket's count decreased (or the
// bounds differ), the target restarted and the later snapshot counts from zero, for all
// buckets alike. Correcting buckets one by one, as rate() does per series, could mix
// pre- and post-restart counts into a non-monotonic histogram. An empty earlier snapshot
// means "since the start": the window is the later snapshot (reset stays false).
HistogramWindow histogramIncrease(std::span<const HistogramBucket> earlier, std::span<const HistogramBucket> later);

// histogramQuantile() over histogramIncrease(earlier, later).
double histogramQuantileOverWindow(double q, std::span<const HistogramBucket> earlier,
                                   std::span<const HistogramBucket> later);

} // namespace cutover
