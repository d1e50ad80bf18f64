#pragma once

// One vocabulary for time in every layer above the parser: an instant is a WallTime, a measured
// duration with fractions of a millisecond is Milliseconds. Log lines, audit entries, chart points
// and SLO windows all speak it, so a log line's time and a chart's x value compare directly.

#include <chrono>

namespace cutover {

// A wall-clock instant, millisecond precision: the contract's RFC 3339 times carry ms, and
// time_since_epoch().count() is the x value QDateTimeAxis expects.
using WallTime = std::chrono::sys_time<std::chrono::milliseconds>;

// A duration in fractional milliseconds: latencies, percentiles, check times. Histogram
// quantiles in seconds convert implicitly.
using Milliseconds = std::chrono::duration<double, std::milli>;

} // namespace cutover
