#pragma once

// Counter maths over scraped samples, following Prometheus' rate()/increase() so that numbers
// computed here agree with the same PromQL run against a Prometheus server.
//
// Counter resets: a sample lower than its predecessor means the counter restarted (process
// restart) and counted up from 0 again, so the increase across that step is the new value
// itself, not the (negative) difference. This is how Prometheus corrects resets.
//
// Gaps: non-finite samples (a failed scrape is stored as NaN) are skipped, as Prometheus
// leaves staleness markers out of range vectors. Samples must be sorted by time.
//
// "No result" is std::nullopt, never 0: 0 requests means there is no ratio, not a good one.

#include "models/timeseriesstore.h"

#include <QtCore/QStringView>

#include <chrono>
#include <optional>
#include <span>

namespace cutover {

// The increase from one counter reading to the next: later - earlier, or later after a reset.
double counterDelta(double earlier, double later);

// Total increase between the first and the last finite sample, with reset correction and no
// extrapolation. std::nullopt with fewer than two finite samples.
std::optional<double> counterIncrease(std::span<const TimeSeriesPoint> samples);

// counterIncrease() per second of the time between the first and the last finite sample.
// std::nullopt with fewer than two finite samples or when they share one timestamp.
std::optional<double> counterRate(std::span<const TimeSeriesPoint> samples);

// Prometheus' increase(x[range]) evaluated at rangeEnd, range = rangeEnd - rangeStart: uses the
// samples in (rangeStart, rangeEnd] (left-open, as Prometheus 3) and extrapolates towards the
// range boundaries the way Prometheus does (all the way when the first/last sample is within
// 1.1 average sample intervals of the boundary, otherwise half an interval; never below the
// counter's extrapolated zero point). std::nullopt with fewer than two finite samples in range.
std::optional<double> extrapolatedIncrease(std::span<const TimeSeriesPoint> samples, WallTime rangeStart,
                                           WallTime rangeEnd);
// Prometheus' rate(x[range]): extrapolatedIncrease() divided by the range in seconds.
std::optional<double> extrapolatedRate(std::span<const TimeSeriesPoint> samples, WallTime rangeStart,
                                       WallTime rangeEnd);

// The share of failed requests, errors / total, clamped to [0, 1] (two counters read at
// slightly different moments can disagree by a little). std::nullopt when total is 0,
// negative or NaN, or errors is negative or NaN: without requests there is no error ratio.
std::optional<double> errorRatio(double errors, double total);

// Whether a status code label counts as a server error: "500".."599", or HAProxy's "5xx".
bool isServerErrorCode(QStringView code);

} // namespace cutover
