#include "slo.h"

#include <cmath>

namespace cutover {

namespace {

int severity(SloState state)
{
    switch (state) {
    case SloState::Met: return 0;
    case SloState::NoData: return 1;
    case SloState::AtRisk: return 2;
    case SloState::Breached: return 3;
    }
    return 1;
}

std::optional<double> finite(std::optional<double> value)
{
    if (value && std::isfinite(*value))
        return value;
    return std::nullopt;
}

// For "lower is better" numbers with an upper limit.
SloState judgeUpperLimit(double observed, double limit, double atRiskFraction)
{
    if (observed > limit)
        return SloState::Breached;
    if (observed > limit * atRiskFraction)
        return SloState::AtRisk;
    return SloState::Met;
}

} // namespace

QString sloStateName(SloState state)
{
    switch (state) {
    case SloState::NoData: return QStringLiteral("no data");
    case SloState::Met: return QStringLiteral("met");
    case SloState::AtRisk: return QStringLiteral("at risk");
    case SloState::Breached: return QStringLiteral("breached");
    }
    return QStringLiteral("no data");
}

SloState worseSloState(SloState a, SloState b)
{
    return severity(a) >= severity(b) ? a : b;
}

SloState SloEvaluation::overall() const
{
    return worseSloState(worseSloState(availability, latency), errorRate);
}

SloState evaluateAvailability(std::optional<double> availability, const SloThresholds &thresholds)
{
    const std::optional<double> a = finite(availability);
    if (!a)
        return SloState::NoData;
    // Compared as availability, not as 1 - availability, so that exactly the target is met
    // without rounding noise (1 - 0.999 is not 0.001 in binary floating point).
    if (*a < thresholds.availabilityTarget)
        return SloState::Breached;
    const double budget = 1.0 - thresholds.availabilityTarget;
    if (*a < 1.0 - budget * thresholds.atRiskFraction)
        return SloState::AtRisk;
    return SloState::Met;
}

SloState evaluateLatency(std::optional<LatencyMs> p95, const SloThresholds &thresholds)
{
    if (!p95 || !std::isfinite(p95->count()))
        return SloState::NoData;
    return judgeUpperLimit(p95->count(), thresholds.latencyP95Max.count(), thresholds.atRiskFraction);
}

SloState evaluateErrorRatio(std::optional<double> errorRatio, const SloThresholds &thresholds)
{
    const std::optional<double> r = finite(errorRatio);
    if (!r)
        return SloState::NoData;
    return judgeUpperLimit(*r, thresholds.errorRatioMax, thresholds.atRiskFraction);
}

SloEvaluation evaluateSlo(const SloObservation &observation, const SloThresholds &thresholds)
{
    SloEvaluation e;
    e.availability = evaluateAvailability(observation.availability, thresholds);
    e.latency = evaluateLatency(observation.latencyP95, thresholds);
    e.errorRate = evaluateErrorRatio(observation.errorRatio, thresholds);
    return e;
}

std::optional<double> burnRate(std::optional<double> errorRatio, double availabilityTarget)
{
    const std::optional<double> r = finite(errorRatio);
    const double budget = 1.0 - availabilityTarget;
    if (!r || !(budget > 0))
        return std::nullopt;
    return *r / budget;
}

BurnRateEvaluation evaluateBurnRate(std::optional<double> longWindowErrorRatio,
                                    std::optional<double> shortWindowErrorRatio, const SloThresholds &thresholds,
                                    const BurnRatePolicy &policy)
{
    BurnRateEvaluation e;
    e.longBurnRate = burnRate(longWindowErrorRatio, thresholds.availabilityTarget);
    e.shortBurnRate = burnRate(shortWindowErrorRatio, thresholds.availabilityTarget);
    if (!e.longBurnRate || !e.shortBurnRate) {
        e.state = SloState::NoData;
        return e;
    }
    const bool longOver = *e.longBurnRate > policy.threshold;
    const bool shortOver = *e.shortBurnRate > policy.threshold;
    if (longOver && shortOver)
        e.state = SloState::Breached;
    else if (longOver || shortOver)
        e.state = SloState::AtRisk;
    else
        e.state = SloState::Met;
    return e;
}

SloThresholds sloThresholdsFor(const SloTargets &targets)
{
    SloThresholds t;
    t.availabilityTarget = targets.availability;
    t.latencyP95Max = LatencyMs(double(targets.p95.count()));
    t.errorRatioMax = targets.errorRate;
    return t;
}

} // namespace cutover
