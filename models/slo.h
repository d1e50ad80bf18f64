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

#include "client/timetypes.h"
#include "client/profile.h"

#include <QtCore/QString>

#include <chrono>
#include <optional>

namespace cutover {


enum class SloState {
    NoData,           // nothing to judge: no requests, no samples, NaN
    Met,              // within the objective with margin, with 95 % confidence
    AtRisk,           // within the objective with 95 % confidence, but past atRiskFraction of its allowance
    Breached,         // outside the objective with 95 % confidence
    NotEnoughTraffic, // some traffic, too little to tell met from breached
};
QString sloStateName(SloState state); // "no data", "met", "at risk", "breached", "not enough traffic"
// The same with underscores, as JSON carries it: "no_data", "met", "at_risk", "breached", "not_enough_traffic".
QString sloStateKey(SloState state);
// Breached > AtRisk > NotEnoughTraffic > NoData > Met: a missing number must not hide behind a
// green summary.
SloState worseSloState(SloState a, SloState b);

struct SloThresholds
{
    double availabilityTarget = 0.999; // availability must be >= this fraction
    Milliseconds latencyP95Max {200.0};   // p95 must be <= this
    double errorRatioMax = 0.001;      // 5xx / all requests must be <= this
    // An objective reads "at risk" once the observed value has used more than this fraction of
    // its allowance: p95 > 0.8 * max, error ratio > 0.8 * max, unavailability > 0.8 * (1 - target).
    double atRiskFraction = 0.8;
    // p95 is judged only over at least this many requests: below it the 95th percentile rests on
    // a handful of the slowest requests (the top 5 % of 200 is 10).
    double minLatencyRequests = 200;
};

// A profile's targets as thresholds (the profile stores them; the maths reads these).
SloThresholds sloThresholdsFor(const SloTargets &targets);

// The 95 % Wilson score interval of a binomial proportion: `hits` of `trials`. Both bounds are in
// [0, 1]; with no trials the interval is [0, 1].
struct ProportionInterval
{
    double lower = 0;
    double upper = 1;
};
ProportionInterval wilsonInterval(double hits, double trials);

// What one window of traffic holds, as counted from the gateway's counters and histogram.
struct SloWindow
{
    double requests = 0;                 // requests completed in the window
    double errors = 0;                   // of which 5xx
    std::optional<Milliseconds> latencyP95; // none without the histogram or without requests
    std::chrono::milliseconds span {0};  // how long the window really is
};

// One objective's verdict on a window, with what it rests on.
struct Verdict
{
    enum class Objective : quint8 { Availability, Latency, ErrorRate };
    explicit Verdict(Objective o = Objective::ErrorRate) : objective(o) {}

    Objective objective;
    SloState state = SloState::NoData;
    double limit = 0;                    // the objective: a fraction, or ms for latency
    std::optional<double> observed;      // the window's value: a fraction, or ms
    ProportionInterval interval;         // for ratios: the 95 % interval of the observed fraction
    double requests = 0;
    std::chrono::milliseconds span {0};
    // Not enough traffic: roughly how many requests a window would need, at the rate of errors
    // (or of latency samples) seen so far, for a verdict. None when no amount would do (the
    // observed ratio sits on the objective).
    std::optional<double> requestsNeeded;

    // "errors 2.6 % > 0.1 % over 1 min (1,240 requests)", "p95 77 ms ≤ 200 ms over 5 min (…)",
    // "errors 0.00 % over 5 s: 50 requests, about 3,800 needed to judge ≤ 0.1 %".
    QString explain() const;
};

// The one verdict function: every place that says "met" or "breached" (board, SLO panel, rollback
// verification, cutoverctl) asks here. Ratio objectives (availability, error rate) are judged
// with the Wilson interval of the window's counts: breached only when even its optimistic bound
// is beyond the objective, met only when even its pessimistic bound is within it, otherwise not
// enough traffic. p95 is judged only over minLatencyRequests or more.
Verdict judgeErrorRate(const SloWindow &window, const SloThresholds &thresholds = {});
Verdict judgeAvailability(const SloWindow &window, const SloThresholds &thresholds = {});
Verdict judgeLatency(const SloWindow &window, const SloThresholds &thresholds = {});

struct SloEvaluation
{
    Verdict availability {Verdict::Objective::Availability};
    Verdict latency {Verdict::Objective::Latency};
    Verdict errorRate {Verdict::Objective::ErrorRate};

    SloState overall() const; // the worst of the three, per worseSloState()
    // The verdicts that decide overall(), explained, joined by "; " (empty when all are met).
    QString explain() const;
};
SloEvaluation evaluateSlo(const SloWindow &window, const SloThresholds &thresholds = {});

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

// "5 min", "1 h", "40 s": a window's length as the panels and the CLI write it.
QString windowText(std::chrono::milliseconds span);

struct BurnRateEvaluation
{
    std::optional<double> longBurnRate;
    std::optional<double> shortBurnRate;
    // How much of each window the data really covers: a window not yet full is shown as such
    // ("5 min of 1 h").
    std::chrono::milliseconds longSpan {0};
    std::chrono::milliseconds shortSpan {0};
    // Breached: both windows over the threshold with 95 % confidence (page). AtRisk: exactly one
    // is. Met: both are under it with 95 % confidence. NotEnoughTraffic: otherwise. NoData: a
    // window without requests, since a page cannot be decided on one window.
    SloState state = SloState::NoData;

    bool page() const { return state == SloState::Breached; }
};

// The burn rates of two windows' counts (SloWindow: requests and errors; latency is not used).
BurnRateEvaluation evaluateBurnRate(const SloWindow &longWindow, const SloWindow &shortWindow,
                                    const SloThresholds &thresholds = {}, const BurnRatePolicy &policy = {});

} // namespace cutover
