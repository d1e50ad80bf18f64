#include "slo.h"

#include <QLocale>
#include <QStringList>

#include <algorithm>
#include <cmath>

namespace cutover {

namespace {

// The normal quantile of a two-sided 95 % interval.
constexpr double kZ = 1.959963984540054;

int severity(SloState state)
{
    switch (state) {
    case SloState::Met: return 0;
    case SloState::NoData: return 1;
    case SloState::NotEnoughTraffic: return 2;
    case SloState::AtRisk: return 3;
    case SloState::Breached: return 4;
    }
    return 1;
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

// Of a fraction `observed` that must stay at or below `limit` (error ratio), or at or above it
// (availability, `atLeast`): met or breached when the interval says so, else not enough traffic.
SloState judgeProportion(const ProportionInterval &i, double limit, bool atLeast)
{
    if (atLeast) {
        if (i.upper < limit)
            return SloState::Breached;
        return i.lower >= limit ? SloState::Met : SloState::NotEnoughTraffic;
    }
    if (i.lower > limit)
        return SloState::Breached;
    return i.upper <= limit ? SloState::Met : SloState::NotEnoughTraffic;
}

// Roughly how many trials a window needs, at the observed proportion, for judgeProportion() to
// decide. None when the proportion sits on the limit (no number of trials would do).
std::optional<double> trialsNeeded(double proportion, double trials, double limit, bool atLeast)
{
    if (proportion == limit)
        return std::nullopt;
    auto decided = [&](double n) {
        return judgeProportion(wilsonInterval(proportion * n, n), limit, atLeast) != SloState::NotEnoughTraffic;
    };
    double high = std::max(1.0, trials);
    constexpr double kNever = 1e12;
    while (!decided(high)) {
        high *= 2;
        if (high > kNever)
            return std::nullopt;
    }
    double low = high / 2;
    for (int i = 0; i < 60 && high - low > 1; ++i) {
        const double mid = (low + high) / 2;
        (decided(mid) ? high : low) = mid;
    }
    return std::ceil(high);
}

QString count(double n)
{
    return QLocale(QLocale::English).toString(qint64(std::llround(n)));
}

// About two significant figures: "3,800", "120", "45,000".
QString roughCount(double n)
{
    if (n < 100)
        return count(std::ceil(n));
    const double scale = std::pow(10.0, std::floor(std::log10(n)) - 1);
    return count(std::ceil(n / scale) * scale);
}

QString percent(double fraction, bool availability)
{
    const double p = fraction * 100.0;
    int decimals = 1;
    if (availability)
        decimals = p >= 99.0 ? 3 : 1;
    else if (p < 1.0)
        decimals = 2;
    return QStringLiteral("%1 %").arg(p, 0, 'f', decimals);
}

QString limitPercent(double fraction)
{
    // Objectives are written as people set them: 0.1 %, 99.9 %, 99.95 %.
    return QString::number(fraction * 100.0, 'g', 6) + QStringLiteral(" %");
}

} // namespace

QString sloStateName(SloState state)
{
    switch (state) {
    case SloState::NoData: return QStringLiteral("no data");
    case SloState::Met: return QStringLiteral("met");
    case SloState::AtRisk: return QStringLiteral("at risk");
    case SloState::Breached: return QStringLiteral("breached");
    case SloState::NotEnoughTraffic: return QStringLiteral("not enough traffic");
    }
    return QStringLiteral("no data");
}

QString sloStateKey(SloState state)
{
    return sloStateName(state).replace(QLatin1Char(' '), QLatin1Char('_'));
}

SloState worseSloState(SloState a, SloState b)
{
    return severity(a) >= severity(b) ? a : b;
}

ProportionInterval wilsonInterval(double hits, double trials)
{
    if (!(trials > 0) || !std::isfinite(trials) || !std::isfinite(hits))
        return {};
    const double p = std::clamp(hits / trials, 0.0, 1.0);
    const double z2 = kZ * kZ;
    const double denominator = 1.0 + z2 / trials;
    const double centre = (p + z2 / (2.0 * trials)) / denominator;
    const double half = kZ / denominator * std::sqrt(p * (1.0 - p) / trials + z2 / (4.0 * trials * trials));
    // At p = 0 (or 1) the interval touches 0 (or 1) exactly; keep rounding from leaving [0, 1].
    return {p == 0.0 ? 0.0 : std::clamp(centre - half, 0.0, 1.0), p == 1.0 ? 1.0 : std::clamp(centre + half, 0.0, 1.0)};
}

Verdict judgeErrorRate(const SloWindow &window, const SloThresholds &thresholds)
{
    Verdict v(Verdict::Objective::ErrorRate);
    v.limit = thresholds.errorRatioMax;
    v.requests = window.requests;
    v.span = window.span;
    if (!(window.requests > 0) || !std::isfinite(window.errors))
        return v;
    const double ratio = std::clamp(window.errors / window.requests, 0.0, 1.0);
    v.observed = ratio;
    v.interval = wilsonInterval(window.errors, window.requests);
    v.state = judgeProportion(v.interval, v.limit, false);
    if (v.state == SloState::Met && ratio > v.limit * thresholds.atRiskFraction)
        v.state = SloState::AtRisk;
    if (v.state == SloState::NotEnoughTraffic)
        v.requestsNeeded = trialsNeeded(ratio, window.requests, v.limit, false);
    return v;
}

Verdict judgeAvailability(const SloWindow &window, const SloThresholds &thresholds)
{
    Verdict v(Verdict::Objective::Availability);
    v.limit = thresholds.availabilityTarget;
    v.requests = window.requests;
    v.span = window.span;
    if (!(window.requests > 0) || !std::isfinite(window.errors))
        return v;
    const double good = std::clamp(window.requests - window.errors, 0.0, window.requests);
    const double availability = good / window.requests;
    v.observed = availability;
    v.interval = wilsonInterval(good, window.requests);
    v.state = judgeProportion(v.interval, v.limit, true);
    const double budget = 1.0 - v.limit;
    if (v.state == SloState::Met && availability < 1.0 - budget * thresholds.atRiskFraction)
        v.state = SloState::AtRisk;
    if (v.state == SloState::NotEnoughTraffic)
        v.requestsNeeded = trialsNeeded(availability, window.requests, v.limit, true);
    return v;
}

Verdict judgeLatency(const SloWindow &window, const SloThresholds &thresholds)
{
    Verdict v(Verdict::Objective::Latency);
    v.limit = thresholds.latencyP95Max.count();
    v.requests = window.requests;
    v.span = window.span;
    if (!window.latencyP95 || !std::isfinite(window.latencyP95->count()) || !(window.requests > 0))
        return v;
    v.observed = window.latencyP95->count();
    if (window.requests < thresholds.minLatencyRequests) {
        v.state = SloState::NotEnoughTraffic;
        v.requestsNeeded = thresholds.minLatencyRequests;
        return v;
    }
    v.state = judgeUpperLimit(*v.observed, v.limit, thresholds.atRiskFraction);
    return v;
}

QString Verdict::explain() const
{
    const bool latency = objective == Objective::Latency;
    const bool availability = objective == Objective::Availability;
    const QString name = latency ? QStringLiteral("p95") : availability ? QStringLiteral("availability") : QStringLiteral("errors");
    const QString over = windowText(span);
    auto value = [&](double x) {
        return latency ? QStringLiteral("%1 ms").arg(x, 0, 'f', 0) : percent(x, availability);
    };
    const QString limitText = latency ? QStringLiteral("%1 ms").arg(limit, 0, 'f', 0) : limitPercent(limit);
    if (state == SloState::NoData || !observed)
        return latency && requests > 0 ? QStringLiteral("p95: no latency histogram over %1").arg(over)
                                       : QStringLiteral("%1: no requests over %2").arg(name, over);
    if (state == SloState::NotEnoughTraffic) {
        const QString need = requestsNeeded
            ? QStringLiteral("about %1 needed to judge against %2").arg(roughCount(*requestsNeeded), limitText)
            : QStringLiteral("too close to %1 to tell").arg(limitText);
        return QStringLiteral("%1 %2 over %3: %4 requests, %5").arg(name, value(*observed), over, count(requests), need);
    }
    const bool bad = state == SloState::Breached;
    const QString relation = availability ? (bad ? QStringLiteral("<") : QStringLiteral("≥"))
                                          : (bad ? QStringLiteral(">") : QStringLiteral("≤"));
    QString text = QStringLiteral("%1 %2 %3 %4 over %5 (%6 requests)")
                       .arg(name, value(*observed), relation, limitText, over, count(requests));
    if (state == SloState::AtRisk)
        text += QStringLiteral(", at risk");
    return text;
}

SloState SloEvaluation::overall() const
{
    return worseSloState(worseSloState(availability.state, latency.state), errorRate.state);
}

QString SloEvaluation::explain() const
{
    const SloState worst = overall();
    QStringList parts;
    for (const Verdict *v : {&errorRate, &availability, &latency})
        if (v->state == worst && worst != SloState::Met)
            parts.append(v->explain());
    return parts.join(QStringLiteral("; "));
}

SloEvaluation evaluateSlo(const SloWindow &window, const SloThresholds &thresholds)
{
    SloEvaluation e;
    e.availability = judgeAvailability(window, thresholds);
    e.latency = judgeLatency(window, thresholds);
    e.errorRate = judgeErrorRate(window, thresholds);
    return e;
}

std::optional<double> burnRate(std::optional<double> errorRatio, double availabilityTarget)
{
    const double budget = 1.0 - availabilityTarget;
    if (!errorRatio || !std::isfinite(*errorRatio) || !(budget > 0))
        return std::nullopt;
    return *errorRatio / budget;
}

QString windowText(std::chrono::milliseconds span)
{
    using namespace std::chrono;
    const qint64 s = (span.count() + 500) / 1000;
    if (s < 60)
        return QStringLiteral("%1 s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1 min").arg((s + 30) / 60);
    const double h = double(s) / 3600.0;
    return QStringLiteral("%1 h").arg(h, 0, 'f', std::abs(h - std::round(h)) < 0.05 ? 0 : 1);
}

BurnRateEvaluation evaluateBurnRate(const SloWindow &longWindow, const SloWindow &shortWindow,
                                    const SloThresholds &thresholds, const BurnRatePolicy &policy)
{
    BurnRateEvaluation e;
    e.longSpan = longWindow.span;
    e.shortSpan = shortWindow.span;
    auto ratio = [](const SloWindow &w) {
        return w.requests > 0 ? std::optional<double>(w.errors / w.requests) : std::nullopt;
    };
    e.longBurnRate = burnRate(ratio(longWindow), thresholds.availabilityTarget);
    e.shortBurnRate = burnRate(ratio(shortWindow), thresholds.availabilityTarget);
    if (!e.longBurnRate || !e.shortBurnRate) {
        e.state = SloState::NoData;
        return e;
    }
    // The threshold as an error ratio; each window is over it, under it, or cannot tell.
    const double limit = policy.threshold * (1.0 - thresholds.availabilityTarget);
    const SloState longState = judgeProportion(wilsonInterval(longWindow.errors, longWindow.requests), limit, false);
    const SloState shortState = judgeProportion(wilsonInterval(shortWindow.errors, shortWindow.requests), limit, false);
    const bool longOver = longState == SloState::Breached, shortOver = shortState == SloState::Breached;
    if (longOver && shortOver)
        e.state = SloState::Breached;
    else if (longOver || shortOver)
        e.state = SloState::AtRisk;
    else if (longState == SloState::Met && shortState == SloState::Met)
        e.state = SloState::Met;
    else
        e.state = SloState::NotEnoughTraffic;
    return e;
}

SloThresholds sloThresholdsFor(const SloTargets &targets)
{
    SloThresholds t;
    t.availabilityTarget = targets.availability;
    t.latencyP95Max = Milliseconds(double(targets.p95.count()));
    t.errorRatioMax = targets.errorRate;
    return t;
}

} // namespace cutover
