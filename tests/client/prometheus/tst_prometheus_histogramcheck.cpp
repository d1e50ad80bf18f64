// The OpenMetrics bucket rules on their own (client/prometheus/histogramcheck.h); the parser's
// use of them is in tst_prometheusparser (invalidOpenMetrics).
#include "client/prometheus/histogramcheck.h"

#include <QtTest/QTest>

#include <limits>

using namespace cutover;
using namespace cutover::prom;

namespace {
constexpr double Inf = std::numeric_limits<double>::infinity();
constexpr qint64 None = HistogramCheck::NoTimestamp;
} // namespace

class TestPrometheusHistogramCheck : public QObject
{
    Q_OBJECT

private slots:
    void validPoint();
    void anyBucketOrder();
    void missingInf();
    void notCumulative();
    void notCumulativeUnsorted();
    void countMismatch();
    void countWithoutBuckets();
    void pointsByTimestamp();
    void stateIsPerScrape();
    void describe();
};

void TestPrometheusHistogramCheck::validPoint()
{
    HistogramCheck check;
    check.startScrape();
    QVERIFY(check.addBucket(0, None, 0.1, 1, 2));
    QVERIFY(check.addBucket(0, None, 1, 1, 3));
    QVERIFY(check.addBucket(0, None, Inf, 4, 4));
    QVERIFY(check.addCount(0, None, 4, 5));
    QVERIFY(check.endRun()); // _sum
    QVERIFY(check.addBucket(1, None, Inf, 0, 7)); // another metric of the family
    QVERIFY(check.endFamily());
    QCOMPARE(check.problem().issue, HistogramCheck::Issue::None);
}

void TestPrometheusHistogramCheck::anyBucketOrder()
{
    HistogramCheck check;
    check.startScrape();
    QVERIFY(check.addCount(0, None, 4, 1));
    for (const double bound : {Inf, 5.0, 1.0})
        QVERIFY(check.addBucket(0, None, bound, bound == Inf ? 4 : bound == 5 ? 3 : 1, 2));
    QVERIFY(check.addBucket(1, None, 1, 1, 5));
    QVERIFY(check.addBucket(1, None, Inf, 3, 6));
    QVERIFY(check.addBucket(1, None, 0.5, 0, 7));
    QVERIFY(check.endFamily());
}

void TestPrometheusHistogramCheck::missingInf()
{
    HistogramCheck check;
    check.startScrape();
    QVERIFY(check.addBucket(3, None, 1, 1, 2));
    QVERIFY(check.addBucket(3, None, 2, 2, 3));
    QVERIFY(!check.endRun());
    QCOMPARE(check.problem().issue, HistogramCheck::Issue::NoInfBucket);
    QCOMPARE(check.problem().metric, 3u);
    QCOMPARE(check.problem().line, 3);
}

void TestPrometheusHistogramCheck::notCumulative()
{
    HistogramCheck check;
    check.startScrape();
    QVERIFY(check.addBucket(0, None, 1, 5, 2));
    QVERIFY(check.addBucket(0, None, 2, 3, 3));
    QVERIFY(check.addBucket(0, None, Inf, 5, 4));
    QVERIFY(!check.endFamily());
    const HistogramCheck::Problem &p = check.problem();
    QCOMPARE(p.issue, HistogramCheck::Issue::NotCumulative);
    QCOMPARE(p.lowerBound, 1.0);
    QCOMPARE(p.lowerValue, 5.0);
    QCOMPARE(p.upperBound, 2.0);
    QCOMPARE(p.upperValue, 3.0);
    QCOMPARE(p.line, 3);
}

void TestPrometheusHistogramCheck::notCumulativeUnsorted()
{
    // Neither ascending nor descending: sorted before the check, so no pair is missed.
    HistogramCheck check;
    check.startScrape();
    QVERIFY(check.addBucket(0, None, 1, 2, 2));
    QVERIFY(check.addBucket(0, None, Inf, 9, 3));
    QVERIFY(check.addBucket(0, None, 0.5, 3, 4));
    QVERIFY(!check.endRun());
    QCOMPARE(check.problem().issue, HistogramCheck::Issue::NotCumulative);
    QCOMPARE(check.problem().lowerBound, 0.5);
    QCOMPARE(check.problem().line, 4);
}

void TestPrometheusHistogramCheck::countMismatch()
{
    HistogramCheck after;
    after.startScrape();
    QVERIFY(after.addBucket(0, None, Inf, 5, 2));
    QVERIFY(!after.addCount(0, None, 4, 3));
    QCOMPARE(after.problem().issue, HistogramCheck::Issue::CountMismatch);
    QCOMPARE(after.problem().count, 4.0);
    QCOMPARE(after.problem().inf, 5.0);

    HistogramCheck before;
    before.startScrape();
    QVERIFY(before.addCount(0, None, 4, 2));
    QVERIFY(!before.addBucket(0, None, Inf, 5, 3));
    QCOMPARE(before.problem().issue, HistogramCheck::Issue::CountMismatch);
    QCOMPARE(before.problem().line, 3);
}

void TestPrometheusHistogramCheck::countWithoutBuckets()
{
    HistogramCheck check;
    check.startScrape();
    QVERIFY(check.addCount(2, None, 0, 4));
    QVERIFY(!check.endFamily());
    QCOMPARE(check.problem().issue, HistogramCheck::Issue::NoInfBucket);
    QCOMPARE(check.problem().line, 4);
}

void TestPrometheusHistogramCheck::pointsByTimestamp()
{
    // Two points of one metric: each is checked against its own +Inf bucket.
    HistogramCheck check;
    check.startScrape();
    QVERIFY(check.addBucket(0, 1000, 1, 0, 1));
    QVERIFY(check.addBucket(0, 1000, Inf, 1, 2));
    QVERIFY(check.addCount(0, 1000, 1, 3));
    QVERIFY(check.addBucket(0, 2000, 1, 2, 4));
    QVERIFY(check.addBucket(0, 2000, Inf, 2, 5));
    QVERIFY(check.addCount(0, 2000, 2, 6));
    QVERIFY(check.endFamily());
    // A new point without its +Inf bucket is caught even though an earlier point had one.
    QVERIFY(check.addBucket(1, 1000, Inf, 1, 7));
    QVERIFY(!check.addBucket(1, 2000, 1, 1, 8) || !check.endRun());
    QCOMPARE(check.problem().issue, HistogramCheck::Issue::NoInfBucket);
}

void TestPrometheusHistogramCheck::stateIsPerScrape()
{
    HistogramCheck check;
    check.startScrape();
    QVERIFY(check.addBucket(0, None, Inf, 5, 2));
    QVERIFY(check.endFamily());
    check.startScrape();
    // The +Inf of the last scrape does not count for this one.
    QVERIFY(check.addCount(0, None, 3, 2));
    QVERIFY(!check.endFamily());
    check.startScrape();
    QVERIFY(check.addCount(0, None, 3, 2));
    QVERIFY(check.addBucket(0, None, Inf, 3, 3));
    QVERIFY(check.endFamily());
}

void TestPrometheusHistogramCheck::describe()
{
    HistogramCheck::Problem p;
    p.issue = HistogramCheck::Issue::NotCumulative;
    p.lowerBound = 0.25;
    p.lowerValue = 7;
    p.upperBound = Inf;
    p.upperValue = 6;
    QCOMPARE(HistogramCheck::describe(p, MetricType::Histogram, QStringLiteral("lat"), QStringLiteral("{a=\"b\"}")),
             QStringLiteral("histogram family \"lat\", metric {a=\"b\"}: buckets are not cumulative: le=\"0.25\" counts 7 "
                            "but the higher le=\"+Inf\" only 6"));
    p.issue = HistogramCheck::Issue::CountMismatch;
    p.count = 3;
    p.inf = 4;
    QCOMPARE(HistogramCheck::describe(p, MetricType::GaugeHistogram, QStringLiteral("q"), QString()),
             QStringLiteral("gaugehistogram family \"q\", metric {}: q_gcount is 3 but the le=\"+Inf\" bucket is 4: "
                            "they must be equal"));
}

QTEST_GUILESS_MAIN(TestPrometheusHistogramCheck)
#include "tst_prometheus_histogramcheck.moc"
