#include "trafficstats.h"

#include "models/metricsaggregator.h"

#include <algorithm>
#include <cmath>

namespace cutover::ctl {

namespace {

ServiceTraffic fromWindow(const QString &service, const WindowStats &w, const SloThresholds &thresholds)
{
    ServiceTraffic t;
    t.service = service;
    t.requests = w.requests;
    t.rate = w.requestRate;
    t.errorRatio = w.errorRatio;
    if (w.requests > 0 && std::isfinite(w.p95))
        t.p95Ms = w.p95 * 1000.0;
    t.slo = evaluateSlo(w.sloWindow(), thresholds);
    return t;
}

} // namespace

TrafficResult compareScrapes(const MetricsScrape &earlier, const MetricsScrape &later, const MetricNames &names,
                             const SloThresholds &thresholds)
{
    // The same aggregation the board uses, over the two scrapes only.
    MetricsAggregator metrics(nullptr, names);
    for (const MetricsScrape *scrape : {&earlier, &later})
        if (const QString error = metrics.ingest(*scrape); !error.isEmpty())
            return {std::nullopt, QStringLiteral("cannot read GET /metrics: ") + error};

    TrafficReport report;
    report.windowSeconds = double(earlier.receivedAt.msecsTo(later.receivedAt)) / 1000.0;
    report.latencyAvailable = metrics.hasLatency();
    // A window at least as long as the gap reaches back to the first scrape.
    const auto window = std::chrono::seconds(qint64(std::ceil(report.windowSeconds)) + 1);
    const QList<MetricGroup> services = metrics.serviceGroups();
    for (const MetricGroup &g : services)
        report.services.append(fromWindow(g.name, metrics.stats(g, window), thresholds));
    report.overall = fromWindow(QString(), metrics.stats({MetricGroup::Scope::Overall, QString(), MetricGroup::Via::All}, window),
                                thresholds);
    return {std::move(report), {}};
}

SloThresholds thresholdsFor(const std::optional<Profile> &profile)
{
    return profile ? sloThresholdsFor(profile->slo) : SloThresholds {};
}

} // namespace cutover::ctl
