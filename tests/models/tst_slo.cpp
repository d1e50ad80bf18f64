#include "models/slo.h"

#include <QTest>

#include <cmath>
#include <limits>

using namespace cutover;
using namespace std::chrono_literals;

namespace {

constexpr double noValue = std::numeric_limits<double>::quiet_NaN();

// NaN in a test row means "no data".
std::optional<double> value(double v)
{
    return std::isnan(v) ? std::nullopt : std::optional<double>(v);
}

} // namespace

class TestSlo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaultsFollowTheMigrationGuide();
    void availability_data();
    void availability();
    void latency_data();
    void latency();
    void errorRatio_data();
    void errorRatio();
    void overallIsTheWorst_data();
    void overallIsTheWorst();
    void stateNames();
    void burnRate_data();
    void burnRate();
    void multiWindowBurnRate_data();
    void multiWindowBurnRate();
};

void TestSlo::defaultsFollowTheMigrationGuide()
{
    const SloThresholds t;
    QCOMPARE(t.availabilityTarget, 0.999);
    QVERIFY(t.latencyP95Max == LatencyMs(200.0));
    QCOMPARE(t.errorRatioMax, 0.001);
    const BurnRatePolicy p;
    QVERIFY(p.longWindow == 1h);
    QVERIFY(p.shortWindow == 5min);
    QCOMPARE(p.threshold, 14.4);
}

void TestSlo::availability_data()
{
    QTest::addColumn<double>("availability");
    QTest::addColumn<int>("expected");
    QTest::newRow("no data") << noValue << int(SloState::NoData);
    QTest::newRow("perfect") << 1.0 << int(SloState::Met);
    QTest::newRow("comfortably met") << 0.9995 << int(SloState::Met);
    QTest::newRow("75 % of the budget used") << 0.99925 << int(SloState::Met);
    QTest::newRow("90 % of the budget used") << 0.9991 << int(SloState::AtRisk);
    QTest::newRow("exactly the target is met, at risk") << 0.999 << int(SloState::AtRisk);
    QTest::newRow("breached") << 0.998 << int(SloState::Breached);
    QTest::newRow("down") << 0.0 << int(SloState::Breached);
}

void TestSlo::availability()
{
    QFETCH(double, availability);
    QFETCH(int, expected);
    QCOMPARE(int(evaluateAvailability(value(availability))), expected);
    // NaN behaves like an absent number.
    if (std::isnan(availability))
        QCOMPARE(int(evaluateAvailability(availability)), int(SloState::NoData));
}

void TestSlo::latency_data()
{
    QTest::addColumn<double>("p95Ms");
    QTest::addColumn<int>("expected");
    QTest::newRow("no data") << noValue << int(SloState::NoData);
    QTest::newRow("fast") << 50.0 << int(SloState::Met);
    QTest::newRow("at 75 % of the limit") << 150.0 << int(SloState::Met);
    QTest::newRow("over 80 % of the limit") << 170.0 << int(SloState::AtRisk);
    QTest::newRow("exactly the limit (the 0.2 s bucket edge)") << 200.0 << int(SloState::AtRisk);
    QTest::newRow("over the limit") << 200.5 << int(SloState::Breached);
}

void TestSlo::latency()
{
    QFETCH(double, p95Ms);
    QFETCH(int, expected);
    const std::optional<LatencyMs> p95 = std::isnan(p95Ms) ? std::nullopt : std::optional(LatencyMs(p95Ms));
    QCOMPARE(int(evaluateLatency(p95)), expected);
}

void TestSlo::errorRatio_data()
{
    QTest::addColumn<double>("ratio");
    QTest::addColumn<int>("expected");
    QTest::newRow("no requests") << noValue << int(SloState::NoData);
    QTest::newRow("no errors") << 0.0 << int(SloState::Met);
    QTest::newRow("half the allowance") << 0.0005 << int(SloState::Met);
    QTest::newRow("90 % of the allowance") << 0.0009 << int(SloState::AtRisk);
    QTest::newRow("exactly 0.1 %") << 0.001 << int(SloState::AtRisk);
    QTest::newRow("over 0.1 %") << 0.0011 << int(SloState::Breached);
}

void TestSlo::errorRatio()
{
    QFETCH(double, ratio);
    QFETCH(int, expected);
    QCOMPARE(int(evaluateErrorRatio(value(ratio))), expected);
}

void TestSlo::overallIsTheWorst_data()
{
    QTest::addColumn<double>("availability");
    QTest::addColumn<double>("p95Ms");
    QTest::addColumn<double>("ratio");
    QTest::addColumn<int>("expected");
    QTest::newRow("all met") << 1.0 << 20.0 << 0.0 << int(SloState::Met);
    QTest::newRow("missing latency is not green") << 1.0 << noValue << 0.0 << int(SloState::NoData);
    QTest::newRow("at risk beats no data") << 0.9991 << noValue << 0.0 << int(SloState::AtRisk);
    QTest::newRow("slow") << 1.0 << 350.0 << 0.0 << int(SloState::Breached);
    QTest::newRow("errors") << 1.0 << 20.0 << 0.01 << int(SloState::Breached);
    QTest::newRow("nothing at all") << noValue << noValue << noValue << int(SloState::NoData);
}

void TestSlo::overallIsTheWorst()
{
    QFETCH(double, availability);
    QFETCH(double, p95Ms);
    QFETCH(double, ratio);
    QFETCH(int, expected);
    SloObservation o;
    o.availability = value(availability);
    if (!std::isnan(p95Ms))
        o.latencyP95 = std::chrono::duration<double>(p95Ms / 1000.0); // as histogram_quantile gives it
    o.errorRatio = value(ratio);
    QCOMPARE(int(evaluateSlo(o).overall()), expected);
}

void TestSlo::stateNames()
{
    QCOMPARE(sloStateName(SloState::NoData), QStringLiteral("no data"));
    QCOMPARE(sloStateName(SloState::Met), QStringLiteral("met"));
    QCOMPARE(sloStateName(SloState::AtRisk), QStringLiteral("at risk"));
    QCOMPARE(sloStateName(SloState::Breached), QStringLiteral("breached"));
}

void TestSlo::burnRate_data()
{
    QTest::addColumn<double>("ratio");
    QTest::addColumn<double>("target");
    QTest::addColumn<double>("expected");
    QTest::newRow("spending exactly the budget") << 0.001 << 0.999 << 1.0;
    QTest::newRow("14.4x") << 0.0144 << 0.999 << 14.4;
    QTest::newRow("no errors") << 0.0 << 0.999 << 0.0;
    QTest::newRow("99 % target") << 0.05 << 0.99 << 5.0;
    QTest::newRow("no data") << noValue << 0.999 << noValue;
    QTest::newRow("100 % target leaves no budget") << 0.0 << 1.0 << noValue;
    QTest::newRow("NaN target") << 0.001 << noValue << noValue;
}

void TestSlo::burnRate()
{
    QFETCH(double, ratio);
    QFETCH(double, target);
    QFETCH(double, expected);
    const std::optional<double> rate = cutover::burnRate(value(ratio), target);
    if (std::isnan(expected)) {
        QVERIFY(!rate);
        return;
    }
    QVERIFY(rate);
    QVERIFY2(std::abs(*rate - expected) <= 1e-9 * std::max(1.0, expected), qPrintable(QString::number(*rate)));
}

void TestSlo::multiWindowBurnRate_data()
{
    QTest::addColumn<double>("longRatio");
    QTest::addColumn<double>("shortRatio");
    QTest::addColumn<double>("threshold");
    QTest::addColumn<int>("expected");
    QTest::newRow("both windows burning: page") << 0.02 << 0.03 << 14.4 << int(SloState::Breached);
    QTest::newRow("long only: recovering") << 0.02 << 0.001 << 14.4 << int(SloState::AtRisk);
    QTest::newRow("short only: a spike so far") << 0.001 << 0.05 << 14.4 << int(SloState::AtRisk);
    QTest::newRow("neither") << 0.0005 << 0.002 << 14.4 << int(SloState::Met);
    QTest::newRow("just under the threshold") << 0.0143 << 0.0143 << 14.4 << int(SloState::Met);
    QTest::newRow("no long window") << noValue << 0.05 << 14.4 << int(SloState::NoData);
    QTest::newRow("no short window") << 0.05 << noValue << 14.4 << int(SloState::NoData);
    QTest::newRow("slower policy (6x over 6 h / 30 min)") << 0.007 << 0.008 << 6.0 << int(SloState::Breached);
}

void TestSlo::multiWindowBurnRate()
{
    QFETCH(double, longRatio);
    QFETCH(double, shortRatio);
    QFETCH(double, threshold);
    QFETCH(int, expected);
    BurnRatePolicy policy;
    policy.threshold = threshold;
    const BurnRateEvaluation e = evaluateBurnRate(value(longRatio), value(shortRatio), SloThresholds(), policy);
    QCOMPARE(int(e.state), expected);
    QCOMPARE(e.page(), expected == int(SloState::Breached));
    QCOMPARE(bool(e.longBurnRate), !std::isnan(longRatio));
    QCOMPARE(bool(e.shortBurnRate), !std::isnan(shortRatio));
}

QTEST_GUILESS_MAIN(TestSlo)
#include "tst_slo.moc"
