// Rates, error ratios and percentiles from successive scrapes: synthetic expositions with known
// answers, then a real cutover-sim whose traffic and faults are known.
#include "models/metricsaggregator.h"
#include "tests/support/simfixture.h"

#include <QTest>

using namespace cutover;
using namespace std::chrono_literals;
using Scope = MetricGroup::Scope;
using Via = MetricGroup::Via;

namespace {

const WallTime t0 {std::chrono::milliseconds(1'700'000'000'000)};

QByteArray exposition(double ok, double errors, const QList<double> &cumulativeBuckets, const char *requests = "requests_total",
                      const char *duration = "request_duration_seconds", const char *routeLabel = "route")
{
    QByteArray out = QByteArrayLiteral("# TYPE ") + requests + " counter\n";
    out += QByteArray(requests) + '{' + routeLabel + "=\"posts\",service=\"post-service\",backend=\"microservice\",code=\"200\"} "
        + QByteArray::number(ok) + '\n';
    out += QByteArray(requests) + '{' + routeLabel + "=\"posts\",service=\"post-service\",backend=\"microservice\",code=\"503\"} "
        + QByteArray::number(errors) + '\n';
    out += QByteArrayLiteral("# TYPE ") + duration + " histogram\n";
    const char *bounds[] = {"0.1", "0.2", "0.5", "+Inf"};
    for (int i = 0; i < 4; ++i)
        out += QByteArray(duration) + "_bucket{" + routeLabel + "=\"posts\",service=\"post-service\",backend=\"microservice\",le=\""
            + bounds[i] + "\"} " + QByteArray::number(cumulativeBuckets.at(i)) + '\n';
    return out;
}

} // namespace

class TestMetricsAggregator : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void ratesAndQuantilesFromDeltas();
    void counterResetIsNotANegativeRate();
    void configurableNames();
    void parseErrorChangesNothing();
    void liveSeriesForCharts();
    void historyStaysBoundedWithManyServices();
    void simulatedTrafficAndFaults();
};

void TestMetricsAggregator::ratesAndQuantilesFromDeltas()
{
    TimeSeriesStore store;
    MetricsAggregator agg(&store);
    QVERIFY(!agg.ingest(exposition(1000, 10, {500, 900, 1000, 1010}), ExpositionFormat::PrometheusText, t0));
    // +200 ok, +2 errors in 10 s; bucket deltas: 100, 180, 200, 202.
    QVERIFY(!agg.ingest(exposition(1200, 12, {600, 1080, 1200, 1212}), ExpositionFormat::PrometheusText, t0 + 10s));
    const MetricGroup route {Scope::Route, QStringLiteral("posts"), Via::Microservice};
    QVERIFY(agg.hasGroup(route));
    const WindowStats w = agg.stats(route, 10s);
    QCOMPARE(w.span, 10000ms);
    QCOMPARE(w.requests, 202.0);
    QCOMPARE(*w.requestRate, 20.2);
    QCOMPARE(*w.errorRatio, 2.0 / 202.0);
    // p50: rank 101 of 202 falls in (0.1, 0.2]: 0.1 + 0.1 * (101 - 100) / 80.
    QCOMPARE(w.p50, 0.1 + 0.1 * 1.0 / 80.0);
    // p99: rank 199.98 falls in (0.2, 0.5]: 0.2 + 0.3 * (199.98 - 180) / 20.
    QVERIFY(qFuzzyCompare(w.p99, 0.2 + 0.3 * 19.98 / 20.0));
    // The same group is also counted in the service and overall groups.
    QCOMPARE(agg.stats({Scope::Service, QStringLiteral("post-service"), Via::All}, 10s).requests, 202.0);
    QCOMPARE(agg.stats({Scope::Overall, QString(), Via::All}, 10s).requests, 202.0);
    QCOMPARE(agg.stats({Scope::Overall, QString(), Via::Monolith}, 10s).requests, 0.0);
    QVERIFY(agg.hasLatency());
}

void TestMetricsAggregator::counterResetIsNotANegativeRate()
{
    MetricsAggregator agg(nullptr);
    QVERIFY(!agg.ingest(exposition(1000, 10, {500, 900, 1000, 1010}), ExpositionFormat::PrometheusText, t0));
    // The gateway restarted: counters start again from zero.
    QVERIFY(!agg.ingest(exposition(50, 1, {20, 40, 50, 51}), ExpositionFormat::PrometheusText, t0 + 5s));
    const WindowStats w = agg.stats({Scope::Route, QStringLiteral("posts"), Via::All}, 5s);
    QCOMPARE(w.requests, 51.0);
    QCOMPARE(*w.requestRate, 51.0 / 5.0);
    QVERIFY(w.p50 > 0 && w.p50 <= 0.2);
}

void TestMetricsAggregator::configurableNames()
{
    MetricNames names;
    names.requestsTotal = QStringLiteral("caddy_http_requests_total");
    names.requestDuration = QStringLiteral("caddy_http_request_duration_seconds");
    names.routeLabel = QStringLiteral("handler");
    MetricsAggregator agg(nullptr, names);
    QVERIFY(!agg.ingest(exposition(0, 0, {0, 0, 0, 0}, "caddy_http_requests_total", "caddy_http_request_duration_seconds", "handler"),
                        ExpositionFormat::PrometheusText, t0));
    QVERIFY(!agg.ingest(exposition(100, 0, {50, 100, 100, 100}, "caddy_http_requests_total",
                                   "caddy_http_request_duration_seconds", "handler"),
                        ExpositionFormat::PrometheusText, t0 + 1s));
    const WindowStats w = agg.stats({Scope::Route, QStringLiteral("posts"), Via::All}, 1s);
    QCOMPARE(w.requests, 100.0);
    QCOMPARE(w.p50, 0.1);
}

void TestMetricsAggregator::parseErrorChangesNothing()
{
    MetricsAggregator agg(nullptr);
    QVERIFY(!agg.ingest(exposition(10, 0, {10, 10, 10, 10}), ExpositionFormat::PrometheusText, t0));
    const auto error = agg.ingest("requests_total{route=\"posts\" 5\n", ExpositionFormat::PrometheusText, t0 + 1s);
    QVERIFY(error);
    QCOMPARE(error->line, qsizetype(1));
    QCOMPARE(agg.scrapes(), qsizetype(1));
}

void TestMetricsAggregator::liveSeriesForCharts()
{
    TimeSeriesStore store;
    MetricsAggregator agg(&store, {}, 2s);
    for (int i = 0; i < 12; ++i)
        QVERIFY(!agg.ingest(exposition(100.0 * i, 1.0 * i, {50.0 * i, 80.0 * i, 100.0 * i, 101.0 * i}),
                            ExpositionFormat::PrometheusText, t0 + std::chrono::seconds(i)));
    const MetricGroup g {Scope::Route, QStringLiteral("posts"), Via::All};
    const TimeSeriesId rps = agg.series(g, MetricsAggregator::Measure::RequestRate);
    QCOMPARE(store.size(rps), qsizetype(11)); // one point per scrape after the first
    QCOMPARE(store.latest(rps)->value, 101.0);
    const TimeSeriesId p95 = agg.series(g, MetricsAggregator::Measure::P95);
    QVERIFY(store.latest(p95)->value > 0.2);
    const MetricGroup service {Scope::Service, QStringLiteral("post-service"), Via::All};
    QCOMPARE(store.size(agg.series(service, MetricsAggregator::Measure::RequestRate)), qsizetype(11));

    // A gateway with many services and routes: theirs take a point every 5 s (at 1, 6 and 11 s),
    // the overall series still every scrape.
    TimeSeriesStore manyStore;
    MetricsAggregator many(&manyStore, {}, 2s);
    for (int i = 0; i < 12; ++i) {
        QByteArray text = "# TYPE requests_total counter\n";
        for (int s = 0; s < 40; ++s)
            text += "requests_total{route=\"r" + QByteArray::number(s) + "\",service=\"svc-" + QByteArray::number(s)
                + "\",backend=\"microservice\",code=\"200\"} " + QByteArray::number(10 * i) + '\n';
        QVERIFY(!many.ingest(text, ExpositionFormat::PrometheusText, t0 + std::chrono::seconds(i)));
    }
    QVERIFY(many.groups().size() > 64);
    const TimeSeriesId sparse = many.series({Scope::Service, QStringLiteral("svc-7"), Via::All}, MetricsAggregator::Measure::RequestRate);
    QCOMPARE(manyStore.size(sparse), qsizetype(3));
    QCOMPARE(manyStore.latest(sparse)->value, 10.0);
    const TimeSeriesId overallBefore = many.series({Scope::Overall, QString(), Via::All}, MetricsAggregator::Measure::RequestRate);
    QCOMPARE(manyStore.size(overallBefore), qsizetype(11));
    // Only the request rate of each service and route is kept from the start; a chart asking for
    // another series gets it filled from the aggregator's own history, 5 s apart.
    const qsizetype pointsBefore = manyStore.pointCount();
    const TimeSeriesId route = many.series({Scope::Route, QStringLiteral("r7"), Via::Microservice}, MetricsAggregator::Measure::RequestRate);
    QCOMPARE(manyStore.pointCount(), pointsBefore + 2); // it did not exist before
    QCOMPARE(manyStore.size(route), qsizetype(2));  // at 4 s and 9 s (every scrape kept for 7 s, one point at 0 s before)
    QCOMPARE(manyStore.latest(route)->value, 10.0);
    for (int i = 12; i < 40; ++i) {
        QByteArray text = "# TYPE requests_total counter\n";
        for (int s = 0; s < 40; ++s)
            text += "requests_total{route=\"r" + QByteArray::number(s) + "\",service=\"svc-" + QByteArray::number(s)
                + "\",backend=\"microservice\",code=\"200\"} " + QByteArray::number(10 * i) + '\n';
        QVERIFY(!many.ingest(text, ExpositionFormat::PrometheusText, t0 + std::chrono::seconds(i)));
    }
    // Asked for once, it goes on by itself; and a later newcomer gets the 10 s history too.
    QVERIFY(manyStore.size(route) >= 7);
    const TimeSeriesId late = many.series({Scope::Route, QStringLiteral("r9"), Via::Microservice}, MetricsAggregator::Measure::ErrorRatio);
    QCOMPARE(manyStore.size(late), qsizetype(4)); // 10, 20, 30 s from the 10 s tier, 35 s from the recent one
    QCOMPARE(manyStore.latest(late)->value, 0.0);

}

void TestMetricsAggregator::historyStaysBoundedWithManyServices()
{
    // A gateway with many services, scraped every 5 s for 70 minutes: the history (an hour of
    // it at most) must stop growing once its windows are full, and its memory must not depend on
    // how long the console has been running. The expositions change every scrape (counters,
    // and a service that comes and goes), as a real gateway's do.
    constexpr int services = 70;
    TimeSeriesStore store;
    MetricsAggregator agg(&store);
    const auto scrape = [](int i) -> QByteArray {
        QByteArray text = "# TYPE requests_total counter\n";
        const auto labels = [](int s, const char *backend) -> QByteArray {
            return "{route=\"r" + QByteArray::number(s) + "\",service=\"svc-" + QByteArray::number(s) + "\",backend=\""
                + backend + '"';
        };
        for (int s = 0; s < services + (i % 7 == 0 ? 1 : 0); ++s)
            for (const char *backend : {"monolith", "microservice"})
                for (const char *code : {"200", "503"})
                    text += "requests_total" + labels(s, backend) + ",code=\"" + code + "\"} "
                        + QByteArray::number(i * (code[0] == '2' ? 37 : 1) + s) + '\n';
        text += "# TYPE request_duration_seconds histogram\n";
        for (int s = 0; s < services; ++s)
            for (const char *backend : {"monolith", "microservice"}) {
                int k = 0;
                for (const char *le : {"0.05", "0.1", "0.5", "1.0", "+Inf"})
                    text += "request_duration_seconds_bucket" + labels(s, backend) + ",le=\"" + le + "\"} "
                        + QByteArray::number(i * 8 * ++k) + '\n';
            }
        return text;
    };
    std::size_t at10min = 0;
    for (int i = 0; i <= 70 * 12; ++i) {
        QVERIFY(!agg.ingest(scrape(i), ExpositionFormat::PrometheusText, t0 + std::chrono::seconds(5 * i)));
        if (i == 10 * 12)
            at10min = agg.historyBytes();
    }
    const std::size_t at70min = agg.historyBytes();
    const auto groups = std::size_t(agg.groups().size());
    QVERIFY(groups > 400);
    // Flat from minute 10 on (the 5-minute and hour-long tiers are laid out once), ...
    QVERIFY2(at70min <= at10min, qPrintable(QStringLiteral("%1 bytes at 10 min, %2 at 70 min").arg(at10min).arg(at70min)));
    // ... and small per group: an hour of counters, 6 minutes of buckets, 15 s of every scrape.
    QVERIFY2(at70min / groups < 12 * 1024, qPrintable(QStringLiteral("%1 bytes per group").arg(at70min / groups)));
    // Still right after all that: the last 5 minutes, and the hour.
    const MetricGroup service {Scope::Service, QStringLiteral("svc-3"), Via::All};
    QCOMPARE(*agg.stats(service, 300s).requestRate, 2.0 * 38.0 / 5.0);
    QCOMPARE(agg.stats(service, 60s).p50, 0.3); // rank 480 of 960, halfway between 384 (0.1) and 576 (0.5)
    // A chart series asked for now is filled from the hour kept (30 s apart, then 10 s, then 5 s).
    const TimeSeriesId errors = agg.series({Scope::Route, QStringLiteral("r5"), Via::Monolith}, MetricsAggregator::Measure::ErrorRatio);
    QVERIFY2(store.size(errors) > 100, qPrintable(QString::number(store.size(errors))));
    QVERIFY(store.points(errors).front().time <= t0 + 10min + 30s);
    QCOMPARE(store.latest(errors)->value, 1.0 / 38.0);
}

void TestMetricsAggregator::simulatedTrafficAndFaults()
{
    test::SimFixture sim;
    QVERIFY2(sim.start({QStringLiteral("--seed"), QStringLiteral("5"), QStringLiteral("--manual-clock"),
                        QStringLiteral("--rate"), QStringLiteral("400")}),
             qPrintable(sim.error()));
    MetricsAggregator agg(nullptr);
    QVERIFY(!agg.ingest(sim.metrics(), ExpositionFormat::PrometheusText, t0));
    QVERIFY(sim.step(30));
    QVERIFY(!agg.ingest(sim.metrics(), ExpositionFormat::PrometheusText, t0 + 30s));
    const WindowStats all = agg.stats({Scope::Overall, QString(), Via::All}, 30s);
    QVERIFY2(*all.requestRate > 340 && *all.requestRate < 460, qPrintable(QString::number(*all.requestRate)));
    // Phase 1: posts on the microservice, media on the monolith; the monolith is slower.
    const WindowStats posts = agg.stats({Scope::Route, QStringLiteral("posts"), Via::Microservice}, 30s);
    const WindowStats media = agg.stats({Scope::Route, QStringLiteral("media"), Via::Monolith}, 30s);
    QVERIFY(posts.requests > 0 && media.requests > 0);
    QCOMPARE(agg.stats({Scope::Route, QStringLiteral("media"), Via::Microservice}, 30s).requests, 0.0);
    QVERIFY2(posts.p50 > 0.01 && posts.p50 < 0.06, qPrintable(QString::number(posts.p50)));
    QVERIFY2(media.p50 > posts.p50, qPrintable(QString::number(media.p50)));

    SloThresholds slo;
    QVERIFY(agg.slo({Scope::Service, QStringLiteral("post-service"), Via::All}, slo).evaluation.errorRate.state
            != SloState::Breached);

    // Half of what the monolith serves now fails.
    QCOMPARE(sim.request("POST", QStringLiteral("/sim/faults"), Role::Admin,
                         R"({"service":"monolith","error_rate":0.5})")
                 .status,
             201);
    QVERIFY(sim.step(30));
    QVERIFY(!agg.ingest(sim.metrics(), ExpositionFormat::PrometheusText, t0 + 60s));
    const WindowStats failing = agg.stats({Scope::Route, QStringLiteral("media"), Via::Monolith}, 30s);
    QVERIFY2(*failing.errorRatio > 0.4 && *failing.errorRatio < 0.6, qPrintable(QString::number(*failing.errorRatio)));
    const SloStatus status = agg.slo({Scope::Service, QStringLiteral("media-service"), Via::All}, slo);
    QCOMPARE(status.evaluation.errorRate.state, SloState::Breached);
    QCOMPARE(status.evaluation.availability.state, SloState::Breached);
    QVERIFY(*status.burn.shortBurnRate > 100);
    QVERIFY(status.burn.page());
}

QTEST_GUILESS_MAIN(TestMetricsAggregator)
#include "tst_metricsaggregator.moc"
