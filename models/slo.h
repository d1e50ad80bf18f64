#pragma once

// Service level objectives of the migration and how a window's numbers compare with them.
//
// Defaults are the migration guide's success metrics: availability 99.9 %, p95 response time
// 200 ms, error rate 0.1 %. The guide writes them as strict bounds ("> 99.9 %", "< 200 ms");
// they are applied inclusively here because a p95 interpolated from the gateway's buckets is
// exactly 0.2 s whenever the 95th percentile falls at the 0.2 bucket's edge, and a histogram
// cannot tell "just under" from "at" its bound.
//
// Burn rate (Google SRE workbook, "multiwindow, multi-burn-rate alerts"): the error budget is
// 1 - availability target; burn rate = observed error ratio / budget, i.e. how many times
// faster than sustainable the budget is spent. A page needs the rate to exceed the threshold
// over BOTH the long and the short window: the long window proves the problem is significant,
// the short one that it is still happening (so the page clears soon after recovery). The
// default 14.4 over 1 h / 5 min spends 2 % of a 30-day budget in one hour.

#include "client/profile.h"

#include <QtCore/QString>

#include <chrono>
#include <optional>

namespace cutover {

// Latency in fractional milliseconds; histogram quantiles in seconds convert implicitly.
using LatencyMs = std::chrono::duration<double, std::milli>;

enum class SloState {
    NoData,   // nothing to judge: no requests, no samples, NaN
    Met,      // within the objective with margin
    AtRisk,   // within the objective, but past atRiskFraction of its allowance
    Breached, // outside the objective
};
QString sloStateName(SloState state); // "no data", "met", "at risk", "breached"
// Breached > AtRisk > NoData > Met: a missing number must not hide behind a green summary.
SloState worseSloState(SloState a, SloState b);

struct SloThresholds
{
    double availabilityTarget = 0.999; // availability must be >= this fraction
    LatencyMs latencyP95Max {200.0};   // p95 must be <= this
    double errorRatioMax = 0.001;      // 5xx / all requests must be <= this
    // An objective reads "at risk" once the observed value has used more than this fraction of
    // its allowance: p95 > 0.8 * max, error ratio > 0.8 * max, unavailability > 0.8 * (1 - target).
    double atRiskFraction = 0.8;
};

// A profile's targets as thresholds (the profile stores them; the maths reads these).
SloThresholds sloThresholdsFor(const SloTargets &targets);


// One window's numbers. Absent (or NaN) means no data, e.g. no requests in the window.
struct SloObservation
{
    // Fraction of the window the service was available: of successful health checks or of
    // non-5xx requests, as the caller measures it; in [0, 1].
    std::optional<double> availability;
    std::optional<LatencyMs> latencyP95;
    std::optional<double> errorRatio; // 5xx / all requests, in [0, 1]
};

struct SloEvaluation
{
    SloState availability = SloState::NoData;
    SloState latency = SloState::NoData;
    SloState errorRate = SloState::NoData;

    SloState overall() const; // the worst of the three, per worseSloState()
};

SloState evaluateAvailability(std::optional<double> availability, const SloThresholds &thresholds = {});
SloState evaluateLatency(std::optional<LatencyMs> p95, const SloThresholds &thresholds = {});
SloState evaluateErrorRatio(std::optional<double> errorRatio, const SloThresholds &thresholds = {});
SloEvaluation evaluateSlo(const SloObservation &observation, const SloThresholds &thresholds = {});

struct BurnRatePolicy
{
    // The windows the caller computes error ratios over; here for display and for the caller.
    std::chrono::seconds longWindow = std::chrono::hours(1);
    std::chrono::seconds shortWindow = std::chrono::minutes(5);
    double threshold = 14.4; // both burn rates must be > this to page
};

// errorRatio / (1 - availabilityTarget). std::nullopt without an error ratio, or when the
// target leaves no budget (>= 1) or is not a number.
std::optional<double> burnRate(std::optional<double> errorRatio, double availabilityTarget);

struct BurnRateEvaluation
{
    std::optional<double> longBurnRate;
    std::optional<double> shortBurnRate;
    // Breached: both windows over the threshold (page). AtRisk: exactly one is (a spike that
    // has not lasted yet, or a problem that has just stopped). Met: neither. NoData: either
    // window has no burn rate, since a page cannot be decided on one window.
    SloState state = SloState::NoData;

    bool page() const { return state == SloState::Breached; }
};

BurnRateEvaluation evaluateBurnRate(std::optional<double> longWindowErrorRatio,
                                    std::optional<double> shortWindowErrorRatio,
                                    const SloThresholds &thresholds = {}, const BurnRatePolicy &policy = {});

} // namespace cutover
