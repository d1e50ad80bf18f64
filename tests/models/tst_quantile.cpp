#include "models/quantile.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <limits>

using namespace cutover;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double notANumber = std::numeric_limits<double>::quiet_NaN();

std::vector<HistogramBucket> buckets(const QList<double> &bounds, const QList<double> &counts)
{
    std::vector<HistogramBucket> out;
    for (qsizetype i = 0; i < bounds.size(); ++i)
        out.push_back({bounds[i], counts[i]});
    return out;
}

// Prometheus' own tests compare with a tolerance; same operation order keeps us far inside it.
bool sameValue(double actual, double expected)
{
    if (std::isnan(expected))
        return std::isnan(actual);
    if (std::isinf(expected))
        return actual == expected;
    return std::abs(actual - expected) <= 1e-12 * std::max(1.0, std::abs(expected));
}

} // namespace

class TestQuantile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matchesPrometheus_data();
    void matchesPrometheus();
    void specialCases_data();
    void specialCases();
    void correctsFloatNoiseWithoutForcingMonotonicity();
    void windowFromSnapshots_data();
    void windowFromSnapshots();
};

void TestQuantile::matchesPrometheus_data()
{
    QTest::addColumn<QList<double>>("bounds");
    QTest::addColumn<QList<double>>("counts");
    QTest::addColumn<double>("q");
    QTest::addColumn<double>("expected");
    QTest::addColumn<bool>("forcedMonotonic");

    // Expected values are those of Prometheus' promql testdata/histograms.test, re-derived by
    // hand from the bucket counts at the evaluation time (the "load 5m" series at 50m).
    const QList<double> positive {0.1, 0.2, 1, inf};
    const QList<double> positiveCounts {50, 70, 110, 120};
    QTest::newRow("positive: q=0 interpolates from 0") << positive << positiveCounts << 0.0 << 0.0 << false;
    QTest::newRow("positive: q=0.2 in the lowest bucket") << positive << positiveCounts << 0.2 << 0.048 << false;
    QTest::newRow("positive: q=0.5") << positive << positiveCounts << 0.5 << 0.15 << false;
    QTest::newRow("positive: q=0.8") << positive << positiveCounts << 0.8 << 0.72 << false;
    QTest::newRow("positive: q=1 in +Inf gives 2nd-highest bound") << positive << positiveCounts << 1.0 << 1.0 << false;
    QTest::newRow("positive: unsorted input")
        << QList<double> {inf, 0.2, 1, 0.1} << QList<double> {120, 70, 110, 50} << 0.8 << 0.72 << false;

    const QList<double> negative {-0.2, -0.1, 0.3, inf};
    const QList<double> negativeCounts {10, 20, 20, 30};
    QTest::newRow("negative: q=0 returns lowest bound <= 0") << negative << negativeCounts << 0.0 << -0.2 << false;
    QTest::newRow("negative: q=0.2 in lowest bucket") << negative << negativeCounts << 0.2 << -0.2 << false;
    QTest::newRow("negative: q=0.5") << negative << negativeCounts << 0.5 << -0.15 << false;
    QTest::newRow("negative: q=0.8 in +Inf") << negative << negativeCounts << 0.8 << 0.3 << false;
    QTest::newRow("negative: q=1") << negative << negativeCounts << 1.0 << 0.3 << false;

    // request_duration_seconds summed by le, by job and by instance.
    const QList<double> rd {0.1, 0.2, inf};
    QTest::newRow("sum by le: q=0.3") << rd << QList<double> {100, 190, 250} << 0.3 << 0.075 << false;
    QTest::newRow("sum by le: q=0.5") << rd << QList<double> {100, 190, 250} << 0.5 << 0.1277777777777778 << false;
    QTest::newRow("job1: q=0.3 at a bucket edge") << rd << QList<double> {30, 80, 100} << 0.3 << 0.1 << false;
    QTest::newRow("job1: q=0.5") << rd << QList<double> {30, 80, 100} << 0.5 << 0.14 << false;
    QTest::newRow("job2: q=0.3") << rd << QList<double> {70, 110, 150} << 0.3 << 0.0642857142857143 << false;
    QTest::newRow("job2: q=0.5") << rd << QList<double> {70, 110, 150} << 0.5 << 0.1125 << false;
    QTest::newRow("ins1: q=0.5") << rd << QList<double> {40, 70, 100} << 0.5 << 0.1333333333333333 << false;
    QTest::newRow("ins2: q=0.5") << rd << QList<double> {60, 120, 150} << 0.5 << 0.125 << false;
    QTest::newRow("job1 ins1: q=0.3") << rd << QList<double> {10, 30, 40} << 0.3 << 0.11 << false;
    QTest::newRow("job2 ins2: q=0.5") << rd << QList<double> {40, 70, 90} << 0.5 << 0.1166666666666667 << false;

    // testhistogram2: quantiles in the middle of a bucket.
    const QList<double> h2 {0, 2, 4, 6, inf};
    const QList<double> h2Counts {0, 1, 2, 3, 3};
    QTest::newRow("mid-bucket: q=1/6") << h2 << h2Counts << 1.0 / 6.0 << 1.0 << false;
    QTest::newRow("mid-bucket: q=1/2") << h2 << h2Counts << 0.5 << 3.0 << false;
    QTest::newRow("mid-bucket: q=5/6") << h2 << h2Counts << 5.0 / 6.0 << 5.0 << false;

    // testhistogram3: empty +Inf bucket, lowest bound exactly 0 / negative.
    const QList<double> h3p {0, 0.1, 0.2, 1, inf};
    const QList<double> h3pCounts {0, 50, 70, 110, 110};
    QTest::newRow("h3 positive: q=0") << h3p << h3pCounts << 0.0 << 0.0 << false;
    QTest::newRow("h3 positive: q=0.25") << h3p << h3pCounts << 0.25 << 0.055 << false;
    QTest::newRow("h3 positive: q=0.5") << h3p << h3pCounts << 0.5 << 0.125 << false;
    QTest::newRow("h3 positive: q=0.75") << h3p << h3pCounts << 0.75 << 0.45 << false;
    QTest::newRow("h3 positive: q=1") << h3p << h3pCounts << 1.0 << 1.0 << false;
    const QList<double> h3n {-0.25, -0.2, -0.1, 0.3, inf};
    const QList<double> h3nCounts {0, 10, 20, 20, 20};
    QTest::newRow("h3 negative: q=0") << h3n << h3nCounts << 0.0 << -0.25 << false;
    QTest::newRow("h3 negative: q=0.25") << h3n << h3nCounts << 0.25 << -0.225 << false;
    QTest::newRow("h3 negative: q=0.5") << h3n << h3nCounts << 0.5 << -0.2 << false;
    QTest::newRow("h3 negative: q=0.75") << h3n << h3nCounts << 0.75 << -0.15 << false;
    QTest::newRow("h3 negative: q=1") << h3n << h3nCounts << 1.0 << -0.1 << false;

    // nonmonotonic_bucket: counts raised to their running maximum (20 20 50 50 90 90).
    const QList<double> nm {0.1, 1, 10, 100, 1000, inf};
    const QList<double> nmCounts {20, 10, 50, 40, 90, 80};
    QTest::newRow("non-monotonic: q=0.01") << nm << nmCounts << 0.01 << 0.0045 << true;
    QTest::newRow("non-monotonic: q=0.5") << nm << nmCounts << 0.5 << 8.5 << true;
    QTest::newRow("non-monotonic: q=0.99") << nm << nmCounts << 0.99 << 979.75 << true;

    // mixed_bucket: "0.2", "2e-1" and "2.0e-1" are one bound; their counts add up.
    const QList<double> mixed {0.1, 0.2, 0.2, 0.2, inf};
    const QList<double> mixedCounts {1, 1, 1, 1, 4};
    QTest::newRow("duplicate bounds: q=0.5") << mixed << mixedCounts << 0.5 << 0.15 << false;
    QTest::newRow("duplicate bounds: q=0.75") << mixed << mixedCounts << 0.75 << 0.2 << false;
    QTest::newRow("duplicate bounds: q=1") << mixed << mixedCounts << 1.0 << 0.2 << false;
}

void TestQuantile::matchesPrometheus()
{
    QFETCH(QList<double>, bounds);
    QFETCH(QList<double>, counts);
    QFETCH(double, q);
    QFETCH(double, expected);
    QFETCH(bool, forcedMonotonic);
    const std::vector<HistogramBucket> b = buckets(bounds, counts);
    const QuantileResult r = histogramQuantileDetailed(q, b);
    QVERIFY2(sameValue(r.value, expected), qPrintable(QString::number(r.value, 'g', 17)));
    QCOMPARE(r.forcedMonotonic, forcedMonotonic);
    QCOMPARE(r.fixedPrecision, false);
    QVERIFY(sameValue(histogramQuantile(q, b), expected));
}

void TestQuantile::specialCases_data()
{
    QTest::addColumn<QList<double>>("bounds");
    QTest::addColumn<QList<double>>("counts");
    QTest::addColumn<double>("q");
    QTest::addColumn<double>("expected");

    const QList<double> ok {0.1, 0.2, inf};
    const QList<double> okCounts {1, 2, 3};
    QTest::newRow("q < 0 is -Inf") << ok << okCounts << -0.1 << -inf;
    QTest::newRow("q > 1 is +Inf") << ok << okCounts << 1.01 << inf;
    QTest::newRow("q NaN is NaN") << ok << okCounts << notANumber << notANumber;
    QTest::newRow("q range checked before buckets") << QList<double> {} << QList<double> {} << 2.0 << inf;
    QTest::newRow("no +Inf bucket") << QList<double> {0.1, 0.2} << QList<double> {1, 2} << 0.5 << notANumber;
    QTest::newRow("only the +Inf bucket") << QList<double> {inf} << QList<double> {5} << 0.5 << notANumber;
    QTest::newRow("two +Inf spellings coalesce to one bucket")
        << QList<double> {inf, inf} << QList<double> {3, 4} << 0.5 << notANumber;
    QTest::newRow("no buckets") << QList<double> {} << QList<double> {} << 0.5 << notANumber;
    QTest::newRow("zero observations") << ok << QList<double> {0, 0, 0} << 0.5 << notANumber;
    QTest::newRow("zero observations, q=1") << ok << QList<double> {0, 0, 0} << 1.0 << notANumber;
    QTest::newRow("NaN count") << ok << QList<double> {1, notANumber, 3} << 0.5 << notANumber;
    QTest::newRow("NaN bound") << QList<double> {0.1, notANumber, inf} << okCounts << 0.5 << notANumber;
    QTest::newRow("everything in +Inf") << ok << QList<double> {0, 0, 7} << 0.5 << 0.2;
    QTest::newRow("lowest bound exactly 0") << QList<double> {0, 1, inf} << QList<double> {4, 8, 8} << 0.25 << 0.0;
}

void TestQuantile::specialCases()
{
    QFETCH(QList<double>, bounds);
    QFETCH(QList<double>, counts);
    QFETCH(double, q);
    QFETCH(double, expected);
    const double value = histogramQuantile(q, buckets(bounds, counts));
    QVERIFY2(sameValue(value, expected), qPrintable(QString::number(value, 'g', 17)));
}

void TestQuantile::correctsFloatNoiseWithoutForcingMonotonicity()
{
    // A sum of rates can leave a higher bucket a hair below a lower one; that is noise, not a
    // non-monotonic histogram, and Prometheus reports it differently.
    const std::vector<HistogramBucket> b {{1, 100}, {2, 100 * (1 - 1e-13)}, {inf, 100}};
    const QuantileResult r = histogramQuantileDetailed(0.5, b);
    QVERIFY(r.fixedPrecision);
    QVERIFY(!r.forcedMonotonic);
    QVERIFY(sameValue(r.value, 0.5));
}

void TestQuantile::windowFromSnapshots_data()
{
    QTest::addColumn<QList<double>>("earlierBounds");
    QTest::addColumn<QList<double>>("earlierCounts");
    QTest::addColumn<QList<double>>("laterBounds");
    QTest::addColumn<QList<double>>("laterCounts");
    QTest::addColumn<double>("q");
    QTest::addColumn<double>("expected");
    QTest::addColumn<bool>("reset");

    const QList<double> b {0.1, 0.2, inf};
    // Deltas 50 60 100: rank 55 falls halfway into (0.1, 0.2].
    QTest::newRow("deltas") << b << QList<double> {10, 20, 30} << b << QList<double> {60, 80, 130} << 0.55 << 0.15
                            << false;
    QTest::newRow("deltas, +Inf") << b << QList<double> {10, 20, 30} << b << QList<double> {60, 80, 130} << 0.95
                                  << 0.2 << false;
    QTest::newRow("snapshots in any order")
        << QList<double> {inf, 0.1, 0.2} << QList<double> {30, 10, 20} << QList<double> {0.2, inf, 0.1}
        << QList<double> {80, 130, 60} << 0.55 << 0.15 << false;
    // One bucket went down: the target restarted, so the later snapshot is the window.
    QTest::newRow("reset in one bucket") << b << QList<double> {50, 70, 120} << b << QList<double> {5, 80, 130}
                                         << 0.5 << 0.18 << true;
    QTest::newRow("bucket layout changed") << QList<double> {0.1, inf} << QList<double> {50, 120} << b
                                           << QList<double> {60, 80, 130} << 0.5 << 0.1 + 0.1 * (5.0 / 20.0) << true;
    QTest::newRow("no earlier snapshot") << QList<double> {} << QList<double> {} << b << QList<double> {60, 80, 130}
                                         << 0.5 << 0.1 + 0.1 * (5.0 / 20.0) << false;
    QTest::newRow("no traffic in window") << b << QList<double> {60, 80, 130} << b << QList<double> {60, 80, 130}
                                          << 0.5 << notANumber << false;
}

void TestQuantile::windowFromSnapshots()
{
    QFETCH(QList<double>, earlierBounds);
    QFETCH(QList<double>, earlierCounts);
    QFETCH(QList<double>, laterBounds);
    QFETCH(QList<double>, laterCounts);
    QFETCH(double, q);
    QFETCH(double, expected);
    QFETCH(bool, reset);
    const std::vector<HistogramBucket> earlier = buckets(earlierBounds, earlierCounts);
    const std::vector<HistogramBucket> later = buckets(laterBounds, laterCounts);
    const HistogramWindow window = histogramIncrease(earlier, later);
    QCOMPARE(window.reset, reset);
    QVERIFY(std::is_sorted(window.buckets.begin(), window.buckets.end(),
                           [](const HistogramBucket &x, const HistogramBucket &y) { return x.upperBound < y.upperBound; }));
    const double value = histogramQuantileOverWindow(q, earlier, later);
    QVERIFY2(sameValue(value, expected), qPrintable(QString::number(value, 'g', 17)));
}

QTEST_GUILESS_MAIN(TestQuantile)
#include "tst_quantile.moc"
