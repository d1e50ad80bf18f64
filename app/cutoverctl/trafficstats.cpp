#include "trafficstats.h"

#include "client/prometheusparser.h"
#include "models/quantile.h"
#include "models/rates.h"

#include <cmath>
#include <map>
#include <set>
#include <string_view>
#include <vector>

namespace cutover::ctl {

namespace {

struct Totals
{
    double requests = 0;
    double errors = 0;
    std::map<double, double> buckets; // upper bound -> cumulative count
};

struct ScrapeTotals
{
    std::map<QString, Totals> byService;
    Totals all;
    bool sawHistogram = false;
};

std::string_view view(QUtf8StringView v)
{
    return {v.data(), std::size_t(v.size())};
}

// Sums one scrape's request counters and duration buckets per service. Empty error = success.
QString readScrape(PrometheusParser &parser, const MetricsScrape &scrape, const MetricNames &names, ScrapeTotals &out)
{
    const std::optional<ExpositionFormat> format = expositionFormatFromContentType(scrape.contentType);
    if (!format)
        return QStringLiteral("GET /metrics answered in a format this client cannot read (Content-Type \"%1\")")
            .arg(QString::fromLatin1(scrape.contentType));
    if (!parser.parse(scrape.body, *format))
        return QStringLiteral("cannot read GET /metrics: ") + parser.error().toString();

    const QByteArray requests = names.requestsTotal.toUtf8();
    const QByteArray bucket = names.requestDuration.toUtf8() + "_bucket";
    const QByteArray serviceLabel = names.serviceLabel.toUtf8();
    const QByteArray codeLabel = names.codeLabel.toUtf8();
    for (const Sample &sample : parser.snapshot().samples()) {
        if (std::isnan(sample.value))
            continue;
        const SeriesInfo &info = parser.series(sample.series);
        const std::string_view name = view(info.name);
        const bool isRequest = name == std::string_view(requests.constData(), std::size_t(requests.size()))
            && (info.kind == SampleKind::Total || info.kind == SampleKind::Value);
        const bool isBucket = name == std::string_view(bucket.constData(), std::size_t(bucket.size()))
            && info.kind == SampleKind::Bucket;
        if (!isRequest && !isBucket)
            continue;
        const auto service = parser.labelValue(sample.series, serviceLabel);
        Totals *serviceTotals = nullptr;
        if (service && !service->isEmpty())
            serviceTotals = &out.byService[QString::fromUtf8(service->data(), service->size())];
        for (Totals *t : {&out.all, serviceTotals}) {
            if (!t)
                continue;
            if (isBucket) {
                t->buckets[info.bound] += sample.value;
                continue;
            }
            t->requests += sample.value;
            const auto code = parser.labelValue(sample.series, codeLabel);
            if (code && isServerErrorCode(QString::fromUtf8(code->data(), code->size())))
                t->errors += sample.value;
        }
        out.sawHistogram = out.sawHistogram || isBucket;
    }
    return {};
}

std::vector<HistogramBucket> buckets(const Totals &t)
{
    std::vector<HistogramBucket> out;
    out.reserve(t.buckets.size());
    for (const auto &[bound, count] : t.buckets)
        out.push_back({bound, count});
    return out;
}

ServiceTraffic between(const QString &service, const Totals &a, const Totals &b, double seconds, bool latency,
                       const SloThresholds &thresholds)
{
    ServiceTraffic t;
    t.service = service;
    t.requests = counterDelta(a.requests, b.requests);
    const double errors = counterDelta(a.errors, b.errors);
    if (seconds > 0)
        t.rate = t.requests / seconds;
    t.errorRatio = errorRatio(errors, t.requests);
    if (latency && t.requests > 0) {
        const std::vector<HistogramBucket> earlier = buckets(a);
        const std::vector<HistogramBucket> later = buckets(b);
        const double p95 = histogramQuantileOverWindow(0.95, earlier, later);
        if (std::isfinite(p95))
            t.p95Ms = p95 * 1000.0;
    }
    SloObservation observation;
    if (t.errorRatio)
        observation.availability = 1.0 - *t.errorRatio;
    if (t.p95Ms)
        observation.latencyP95 = LatencyMs(*t.p95Ms);
    observation.errorRatio = t.errorRatio;
    t.slo = evaluateSlo(observation, thresholds);
    return t;
}

} // namespace

TrafficResult compareScrapes(const MetricsScrape &earlier, const MetricsScrape &later, const MetricNames &names,
                             const SloThresholds &thresholds)
{
    PrometheusParser parser;
    ScrapeTotals a;
    ScrapeTotals b;
    if (QString error = readScrape(parser, earlier, names, a); !error.isEmpty())
        return {std::nullopt, error};
    if (QString error = readScrape(parser, later, names, b); !error.isEmpty())
        return {std::nullopt, error};

    TrafficReport report;
    report.windowSeconds = double(earlier.receivedAt.msecsTo(later.receivedAt)) / 1000.0;
    report.latencyAvailable = b.sawHistogram;
    std::set<QString> services;
    for (const auto &entry : b.byService)
        services.insert(entry.first);
    for (const auto &entry : a.byService)
        services.insert(entry.first);
    for (const QString &name : services) {
        const auto ia = a.byService.find(name);
        const auto ib = b.byService.find(name);
        report.services.append(between(name, ia == a.byService.end() ? Totals {} : ia->second,
                                       ib == b.byService.end() ? Totals {} : ib->second, report.windowSeconds,
                                       report.latencyAvailable, thresholds));
    }
    report.overall = between(QString(), a.all, b.all, report.windowSeconds, report.latencyAvailable, thresholds);
    return {std::move(report), {}};
}

SloThresholds thresholdsFor(const std::optional<Profile> &profile)
{
    SloThresholds t;
    if (profile) {
        t.availabilityTarget = profile->slo.availability;
        t.latencyP95Max = LatencyMs(double(profile->slo.p95.count()));
        t.errorRatioMax = profile->slo.errorRate;
    }
    return t;
}

} // namespace cutover::ctl
