#include "models/rates.h"

#include <QTest>

#include <cmath>
#include <limits>

using namespace cutover;
using namespace std::chrono_literals;

namespace {

constexpr double noValue = std::numeric_limits<double>::quiet_NaN();

WallTime at(std::chrono::milliseconds sinceEpoch)
{
    return WallTime(sinceEpoch);
}

// values[i] sampled at i * step, like a promqltest "load <step>" line.
std::vector<TimeSeriesPoint> samples(const QList<double> &values, std::chrono::milliseconds step)
{
    std::vector<TimeSeriesPoint> out;
    for (qsizetype i = 0; i < values.size(); ++i)
        out.push_back({at(step * i), values[i]});
    return out;
}

// "a+bxn": n + 1 values a, a + b, ..., a + n*b.
QList<double> series(double start, double increment, int times)
{
    QList<double> out;
    for (int i = 0; i <= times; ++i)
        out.append(start + increment * i);
    return out;
}

// NaN in a test row means "no result" (std::nullopt).
void compareOptional(std::optional<double> actual, double expected)
{
    if (std::isnan(expected)) {
        QVERIFY2(!actual, actual ? qPrintable(QString::number(*actual, 'g', 17)) : "");
        return;
    }
    QVERIFY(actual);
    QVERIFY2(std::abs(*actual - expected) <= 1e-12 * std::max(1.0, std::abs(expected)),
             qPrintable(QString::number(*actual, 'g', 17)));
}

} // namespace

class TestRates : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void counterDeltaTreatsDecreaseAsReset();
    void counterIncrease_data();
    void counterIncrease();
    void counterRate_data();
    void counterRate();
    void matchesPrometheus_data();
    void matchesPrometheus();
    void errorRatio_data();
    void errorRatio();
    void serverErrorCodes_data();
    void serverErrorCodes();
    void worksOnStoreRanges();
};

void TestRates::counterDeltaTreatsDecreaseAsReset()
{
    QCOMPARE(counterDelta(10, 15), 5.0);
    QCOMPARE(counterDelta(10, 10), 0.0);
    QCOMPARE(counterDelta(10, 4), 4.0); // restarted and counted 4 since
    QCOMPARE(counterDelta(10, 0), 0.0);
}

void TestRates::counterIncrease_data()
{
    QTest::addColumn<QList<double>>("values");
    QTest::addColumn<double>("expected");
    QTest::newRow("monotonic") << QList<double> {1, 2, 5} << 4.0;
    QTest::newRow("flat") << QList<double> {3, 3, 3} << 0.0;
    QTest::newRow("reset to a lower value") << QList<double> {10, 20, 5, 8} << 18.0;
    QTest::newRow("reset to zero") << QList<double> {10, 0, 4} << 4.0;
    QTest::newRow("two resets") << QList<double> {5, 7, 1, 3, 2} << 7.0;
    QTest::newRow("NaN gap skipped") << QList<double> {1, noValue, 3} << 2.0;
    QTest::newRow("reset across a NaN gap") << QList<double> {8, noValue, 3} << 3.0;
    QTest::newRow("single sample") << QList<double> {5} << noValue;
    QTest::newRow("one finite sample") << QList<double> {noValue, 4, noValue} << noValue;
    QTest::newRow("no samples") << QList<double> {} << noValue;
}

void TestRates::counterIncrease()
{
    QFETCH(QList<double>, values);
    QFETCH(double, expected);
    compareOptional(cutover::counterIncrease(samples(values, 15s)), expected);
}

void TestRates::counterRate_data()
{
    QTest::addColumn<QList<double>>("values");
    QTest::addColumn<int>("stepMs");
    QTest::addColumn<double>("expected");
    QTest::newRow("3 per second") << QList<double> {0, 30, 60} << 10'000 << 3.0;
    QTest::newRow("reset inside") << QList<double> {100, 110, 10} << 5'000 << 2.0;
    QTest::newRow("sub-second spacing") << QList<double> {0, 1} << 250 << 4.0;
    QTest::newRow("NaN at the end shortens the interval") << QList<double> {0, 10, noValue} << 1'000 << 10.0;
    QTest::newRow("same timestamp") << QList<double> {0, 10} << 0 << noValue;
    QTest::newRow("single sample") << QList<double> {7} << 1'000 << noValue;
}

void TestRates::counterRate()
{
    QFETCH(QList<double>, values);
    QFETCH(int, stepMs);
    QFETCH(double, expected);
    compareOptional(cutover::counterRate(samples(values, std::chrono::milliseconds(stepMs))), expected);
}

void TestRates::matchesPrometheus_data()
{
    QTest::addColumn<QList<double>>("values");
    QTest::addColumn<int>("stepSeconds");
    QTest::addColumn<int>("evalSeconds");
    QTest::addColumn<int>("rangeSeconds");
    QTest::addColumn<bool>("isRate");
    QTest::addColumn<double>("expected");

    // Cases and answers from Prometheus' promql testdata/functions.test, re-derived by hand:
    // samples in (eval - range, eval], extrapolated towards both ends.
    const QList<double> bar = series(0, 18, 5) + series(0, 18, 4);
    QTest::newRow("increase: extrapolated to the range start") << series(0, 10, 10) << 300 << 3000 << 3000 << false
                                                               << 100.0;
    QTest::newRow("increase: reset in range") << bar << 300 << 3000 << 3000 << false << 160.0;
    QTest::newRow("increase: starts at 0, no extrapolation") << series(0, 10, 10) << 300 << 3000 << 6000 << false
                                                             << 100.0;
    QTest::newRow("increase: reset, starts at 0") << bar << 300 << 3000 << 6000 << false << 162.0;
    QTest::newRow("increase: half-interval extrapolation") << series(10, 10, 10) << 300 << 3000 << 6000 << false
                                                           << 105.0;
    QTest::newRow("increase: cut at the zero point") << series(1, 10, 10) << 300 << 3000 << 6000 << false << 101.0;
    QTest::newRow("increase: 3 2 is 3 0 1 2") << QList<double> {0, 1, 2, 3, 2, 3, 4} << 300 << 1800 << 1800 << false
                                              << 7.0;
    QTest::newRow("rate: reset in the middle") << series(0, 27, 4) + series(0, 27, 5) << 300 << 3000 << 3000 << true
                                               << 0.08;
    const QList<double> resetAtEnd = series(0, 10, 9) + QList<double> {0, 10};
    QTest::newRow("rate: reset at the end") << resetAtEnd << 300 << 3000 << 360 << true << 0.0;
    QTest::newRow("rate: one sample in range") << resetAtEnd << 300 << 3000 << 300 << true << noValue;
    QTest::newRow("rate: per second") << series(0, 80, 10) << 300 << 3000 << 3000 << true << 0.26666666666666666;
    QTest::newRow("rate: offset 5m (a)") << series(0, 10, 10) << 300 << 2700 << 600 << true << 0.03333333333333333;
    QTest::newRow("rate: offset 5m (b)") << series(0, 20, 10) << 300 << 2700 << 600 << true << 0.06666666666666667;
    QTest::newRow("rate: zero cutoff, start 0m") << series(0, 240, 10) << 240 << 600 << 1200 << true << 0.5;
    QTest::newRow("rate: zero cutoff, start 1m") << series(60, 240, 10) << 240 << 600 << 1200 << true << 0.55;
    QTest::newRow("rate: zero cutoff, start 2m") << series(120, 240, 10) << 240 << 600 << 1200 << true << 0.6;
    QTest::newRow("rate: zero cutoff, start 5m") << series(300, 240, 10) << 240 << 600 << 1200 << true << 0.6;
    QTest::newRow("rate: half-interval cutoff") << series(0, 240, 10) << 240 << 3000 << 1200 << true << 0.6;
}

void TestRates::matchesPrometheus()
{
    QFETCH(QList<double>, values);
    QFETCH(int, stepSeconds);
    QFETCH(int, evalSeconds);
    QFETCH(int, rangeSeconds);
    QFETCH(bool, isRate);
    QFETCH(double, expected);
    const std::vector<TimeSeriesPoint> s = samples(values, std::chrono::seconds(stepSeconds));
    const WallTime end = at(std::chrono::seconds(evalSeconds));
    const WallTime start = end - std::chrono::seconds(rangeSeconds);
    compareOptional(isRate ? extrapolatedRate(s, start, end) : extrapolatedIncrease(s, start, end), expected);
}

void TestRates::errorRatio_data()
{
    QTest::addColumn<double>("errors");
    QTest::addColumn<double>("total");
    QTest::addColumn<double>("expected");
    QTest::newRow("no requests: no ratio") << 0.0 << 0.0 << noValue;
    QTest::newRow("one in a thousand") << 1.0 << 1000.0 << 0.001;
    QTest::newRow("no errors") << 0.0 << 10.0 << 0.0;
    QTest::newRow("all errors") << 5.0 << 5.0 << 1.0;
    QTest::newRow("counter skew clamps to 1") << 11.0 << 10.0 << 1.0;
    QTest::newRow("NaN total") << 1.0 << noValue << noValue;
    QTest::newRow("NaN errors") << noValue << 10.0 << noValue;
    QTest::newRow("negative total") << 0.0 << -1.0 << noValue;
    QTest::newRow("negative errors") << -1.0 << 10.0 << noValue;
    QTest::newRow("infinite total") << 1.0 << std::numeric_limits<double>::infinity() << noValue;
}

void TestRates::errorRatio()
{
    QFETCH(double, errors);
    QFETCH(double, total);
    QFETCH(double, expected);
    compareOptional(cutover::errorRatio(errors, total), expected);
}

void TestRates::serverErrorCodes_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<bool>("expected");
    QTest::newRow("500") << QStringLiteral("500") << true;
    QTest::newRow("503") << QStringLiteral("503") << true;
    QTest::newRow("599") << QStringLiteral("599") << true;
    QTest::newRow("HAProxy 5xx") << QStringLiteral("5xx") << true;
    QTest::newRow("upper-case 5XX") << QStringLiteral("5XX") << true;
    QTest::newRow("404") << QStringLiteral("404") << false;
    QTest::newRow("200") << QStringLiteral("200") << false;
    QTest::newRow("600") << QStringLiteral("600") << false;
    QTest::newRow("too short") << QStringLiteral("5") << false;
    QTest::newRow("too long") << QStringLiteral("5000") << false;
    QTest::newRow("not a number") << QStringLiteral("50a") << false;
    QTest::newRow("empty") << QString() << false;
}

void TestRates::serverErrorCodes()
{
    QFETCH(QString, code);
    QFETCH(bool, expected);
    QCOMPARE(isServerErrorCode(code), expected);
}

void TestRates::worksOnStoreRanges()
{
    TimeSeriesStore store;
    const TimeSeriesId total = store.series(QStringLiteral("requests_total"));
    const TimeSeriesId errors = store.series(QStringLiteral("requests_total{code=~5..}"));
    for (int i = 0; i <= 60; ++i) {
        store.append(total, at(i * 1s), i * 100.0);
        store.append(errors, at(i * 1s), i * 1.0);
    }
    const auto from = at(30s);
    const auto to = at(60s);
    const std::optional<double> t = cutover::counterIncrease(store.range(total, from, to));
    const std::optional<double> e = cutover::counterIncrease(store.range(errors, from, to));
    QVERIFY(t && e);
    QCOMPARE(*t, 3000.0);
    compareOptional(cutover::errorRatio(*e, *t), 0.01);
    compareOptional(cutover::counterRate(store.range(total, from, to)), 100.0);
}

QTEST_GUILESS_MAIN(TestRates)
#include "tst_rates.moc"
