// The exposition the HAProxy backend synthesises from `show stat` (client/haproxy/haproxymodel.h),
// read by the console's models: the same rates and error ratios as the admin API's metrics, and
// averages that stand in for percentiles without being shown as one. Captures: tests/client/data.
#include "client/haproxy/haproxymodel.h"
#include "client/haproxy/statcsv.h"
#include "models/metricsaggregator.h"
#include "models/timeseriesstore.h"
#include "tests/support/haproxycaptures.h"

#include <QFile>
#include <QTest>

#include <cmath>

using namespace cutover;
using namespace cutover::haproxy;
using namespace std::chrono_literals;

namespace {

using cutover::test::findRow;

QByteArray capture(const char *name)
{
    return cutover::test::haproxyCapture(name);
}

} // namespace

class TestHaproxyMetrics : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void expositionGivesRatesAndErrors();
    void averagesStandInForPercentiles();
};

void TestHaproxyMetrics::expositionGivesRatesAndErrors()
{
    QList<HaproxyStatRow> rows = *parseShowStat(capture("show_stat_traffic.csv"));
    const QByteArray first = synthesizeExposition(rows, Conventions());
    QVERIFY(first.contains("requests_total{route=\"posts\",service=\"post-service\",backend=\"microservice\",server=\"post-service\",code=\"5xx\"} 1\n"));
    QVERIFY(first.contains("upstream_up{service=\"post-service\",kind=\"microservice\"} 1\n"));
    QVERIFY(first.contains("haproxy_backend_total_time_average_seconds{proxy=\"be_posts\"}"));
    QVERIFY(!first.contains("request_duration_seconds"));

    // Ten seconds later: post-service answered 20 more, 5 of them 5xx.
    HaproxyStatRow *ms = findRow(rows, "be_posts", "post-service");
    ms->responses[HaproxyStatRow::Hrsp2xx] += 15;
    ms->responses[HaproxyStatRow::Hrsp5xx] += 5;
    HaproxyStatRow *be = findRow(rows, "be_posts", "BACKEND");
    be->responses[HaproxyStatRow::Hrsp2xx] += 15;
    be->responses[HaproxyStatRow::Hrsp5xx] += 5;
    // …and HAProxy itself answered 2 × 503 (no server) in be_posts.
    be->responses[HaproxyStatRow::Hrsp5xx] += 2;
    const QByteArray second = synthesizeExposition(rows, Conventions());

    MetricsAggregator agg(nullptr);
    const WallTime t0 {std::chrono::milliseconds(1'000'000)};
    QVERIFY(!agg.ingest(first, ExpositionFormat::PrometheusText, t0));
    QVERIFY(!agg.ingest(second, ExpositionFormat::PrometheusText, t0 + 10s));
    const WindowStats micro = agg.stats({MetricGroup::Scope::Route, QStringLiteral("posts"), MetricGroup::Via::Microservice}, 10s);
    QCOMPARE(micro.requests, 20.0);
    QCOMPARE(*micro.requestRate, 2.0);
    QCOMPARE(*micro.errorRatio, 0.25);
    const WindowStats route = agg.stats({MetricGroup::Scope::Route, QStringLiteral("posts"), MetricGroup::Via::All}, 10s);
    QCOMPARE(route.requests, 22.0);
    QCOMPARE(*route.errorRatio, 7.0 / 22.0);
    // No histogram: no percentiles, and the aggregator knows it.
    QVERIFY(std::isnan(micro.p95));
    QVERIFY(!agg.hasLatency());
}

void TestHaproxyMetrics::averagesStandInForPercentiles()
{
    // show stat's ttime (average of the server's last 1024 requests) becomes the contract-labelled
    // gauge, and the aggregator weighs each server's average by the requests it served.
    QList<HaproxyStatRow> rows = *parseShowStat(capture("show_stat_traffic.csv"));
    HaproxyStatRow *mono = findRow(rows, "be_posts", "monolith");
    HaproxyStatRow *ms = findRow(rows, "be_posts", "post-service");
    QVERIFY(mono && ms);
    mono->totalTimeMs = 100;
    ms->totalTimeMs = 300;
    const QByteArray first = synthesizeExposition(rows, Conventions());
    QVERIFY(first.contains("# TYPE request_duration_average_seconds gauge\n"));
    QVERIFY(first.contains("request_duration_average_seconds{route=\"posts\",service=\"post-service\",backend=\"microservice\","
                           "server=\"post-service\"} 0.3\n"));
    mono->responses[HaproxyStatRow::Hrsp2xx] += 60;
    ms->responses[HaproxyStatRow::Hrsp2xx] += 20;
    const QByteArray second = synthesizeExposition(rows, Conventions());
    ms->totalTimeMs = 500; // no traffic at all in the third scrape
    const QByteArray third = synthesizeExposition(rows, Conventions());

    TimeSeriesStore store;
    MetricsAggregator agg(&store);
    const WallTime t0 {std::chrono::milliseconds(1'000'000)};
    QVERIFY(!agg.ingest(first, ExpositionFormat::PrometheusText, t0));
    QVERIFY(agg.hasAverageLatency());
    const MetricGroup route {MetricGroup::Scope::Route, QStringLiteral("posts"), MetricGroup::Via::All};
    QVERIFY(std::isnan(agg.stats(route, 10s).average)); // nothing to weigh yet
    QVERIFY(!agg.ingest(second, ExpositionFormat::PrometheusText, t0 + 10s));
    QCOMPARE(agg.stats(route, 10s).average, (0.1 * 60 + 0.3 * 20) / 80);
    QCOMPARE(agg.stats({MetricGroup::Scope::Route, QStringLiteral("posts"), MetricGroup::Via::Microservice}, 10s).average, 0.3);
    QCOMPARE(agg.stats({MetricGroup::Scope::Route, QStringLiteral("posts"), MetricGroup::Via::Monolith}, 10s).average, 0.1);
    QVERIFY(std::isnan(agg.stats(route, 10s).p95)); // never dressed up as a percentile
    QVERIFY(!agg.ingest(third, ExpositionFormat::PrometheusText, t0 + 20s));
    QVERIFY(std::isnan(agg.stats(route, 10s).average)); // no requests, no latency for the moment
    // A chart series, with a point per scrape once there is a window to measure over.
    const TimeSeriesId id = agg.series(route, MetricsAggregator::Measure::Average);
    QCOMPARE(store.size(id), qsizetype(2));
}

QTEST_GUILESS_MAIN(TestHaproxyMetrics)
#include "tst_haproxymetrics.moc"
