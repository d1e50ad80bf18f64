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

SloWindow counts(double requests, double errors, double p95Ms = noValue, std::chrono::milliseconds span = 5s)
{
    SloWindow w;
    w.requests = requests;
    w.errors = errors;
    if (!std::isnan(p95Ms))
        w.latencyP95 = Milliseconds(p95Ms);
    w.span = span;
    return w;
}

} // namespace

class TestSlo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaultsFollowTheMigrationGuide();
    void wilson_data();
    void wilson();
    void errorRate_data();
    void errorRate();
    void fewRequestsAreNotAVerdict();
    void availability_data();
    void availability();
    void latency_data();
    void latency();
    void overallIsTheWorst_data();
    void overallIsTheWorst();
    void explanations();
    void stateNames();
    void windowTexts();
    void burnRate_data();
    void burnRate();
    void multiWindowBurnRate_data();
    void multiWindowBurnRate();
};

void TestSlo::defaultsFollowTheMigrationGuide()
{
    const SloThresholds t;
    QCOMPARE(t.availabilityTarget, 0.999);
    QVERIFY(t.latencyP95Max == Milliseconds(200.0));
    QCOMPARE(t.errorRatioMax, 0.001);
    QCOMPARE(t.minLatencyRequests, 200.0);
    const BurnRatePolicy p;
    QVERIFY(p.longWindow == 1h);
    QVERIFY(p.shortWindow == 5min);
    QCOMPARE(p.threshold, 14.4);
}

// Reference values: the Wilson score interval at 95 % (z = 1.96), as statsmodels'
// proportion_confint(method="wilson") gives them.
void TestSlo::wilson_data()
{
    QTest::addColumn<double>("hits");
    QTest::addColumn<double>("trials");
    QTest::addColumn<double>("lower");
    QTest::addColumn<double>("upper");
    QTest::newRow("0 of 10") << 0.0 << 10.0 << 0.0 << 0.277532;
    QTest::newRow("5 of 100") << 5.0 << 100.0 << 0.021544 << 0.111752;
    QTest::newRow("1 of 405") << 1.0 << 405.0 << 0.000436 << 0.013852;
    QTest::newRow("10 of 10") << 10.0 << 10.0 << 0.722468 << 1.0;
    QTest::newRow("500 of 1000") << 500.0 << 1000.0 << 0.469070 << 0.530930;
    QTest::newRow("no trials") << 0.0 << 0.0 << 0.0 << 1.0;
}

void TestSlo::wilson()
{
    QFETCH(double, hits);
    QFETCH(double, trials);
    QFETCH(double, lower);
    QFETCH(double, upper);
    const ProportionInterval i = wilsonInterval(hits, trials);
    QVERIFY2(std::abs(i.lower - lower) < 2e-6, qPrintable(QString::number(i.lower, 'g', 10)));
    QVERIFY2(std::abs(i.upper - upper) < 2e-6, qPrintable(QString::number(i.upper, 'g', 10)));
}

void TestSlo::errorRate_data()
{
    QTest::addColumn<double>("requests");
    QTest::addColumn<double>("errors");
    QTest::addColumn<int>("expected");
    QTest::newRow("no requests") << 0.0 << 0.0 << int(SloState::NoData);
    // The cases: 5 % errors on a 10 req/s service.
    QTest::newRow("5 % over 5 s (50 requests): breached") << 50.0 << 2.5 << int(SloState::Breached);
    QTest::newRow("one error in 10 requests: breached") << 10.0 << 1.0 << int(SloState::Breached);
    QTest::newRow("no error in 10 requests is not 'met'") << 10.0 << 0.0 << int(SloState::NotEnoughTraffic);
    QTest::newRow("one error in 405 requests is not 'breached'") << 405.0 << 1.0 << int(SloState::NotEnoughTraffic);
    QTest::newRow("no error in 3,000 requests: still not enough") << 3000.0 << 0.0 << int(SloState::NotEnoughTraffic);
    QTest::newRow("no error in 5,000 requests: met") << 5000.0 << 0.0 << int(SloState::Met);
    QTest::newRow("0.03 % of 100,000: met") << 100000.0 << 30.0 << int(SloState::Met);
    QTest::newRow("0.09 % of 1,000,000: at risk") << 1e6 << 900.0 << int(SloState::AtRisk);
    QTest::newRow("0.085 % of 100,000: cannot tell") << 100000.0 << 85.0 << int(SloState::NotEnoughTraffic);
    QTest::newRow("0.2 % of 100,000: breached") << 100000.0 << 200.0 << int(SloState::Breached);
    QTest::newRow("0.11 % of 10,000: cannot tell") << 10000.0 << 11.0 << int(SloState::NotEnoughTraffic);
}

void TestSlo::errorRate()
{
    QFETCH(double, requests);
    QFETCH(double, errors);
    QFETCH(int, expected);
    const Verdict v = judgeErrorRate(counts(requests, errors));
    QCOMPARE(int(v.state), expected);
    QCOMPARE(v.requests, requests);
    QCOMPARE(bool(v.observed), requests > 0);
    if (v.state == SloState::NotEnoughTraffic)
        QVERIFY2(v.requestsNeeded && *v.requestsNeeded > requests, qPrintable(v.explain()));
    else
        QVERIFY(!v.requestsNeeded);
}

void TestSlo::fewRequestsAreNotAVerdict()
{
    // No error in 405 requests: about 3,800 are needed before "≤ 0.1 %" can be said.
    const Verdict quiet = judgeErrorRate(counts(405, 0));
    QCOMPARE(quiet.state, SloState::NotEnoughTraffic);
    QVERIFY2(*quiet.requestsNeeded > 3700 && *quiet.requestsNeeded < 3900, qPrintable(QString::number(*quiet.requestsNeeded)));
    // Sitting exactly on the objective, no amount of traffic decides.
    const Verdict onTheLine = judgeErrorRate(counts(10000, 10));
    QCOMPARE(onTheLine.state, SloState::NotEnoughTraffic);
    QVERIFY(!onTheLine.requestsNeeded);
    QVERIFY(onTheLine.explain().contains(QStringLiteral("too close to 0.1 % to tell")));
    // The verdict the count said is needed is the one reached with it.
    const double n = *quiet.requestsNeeded;
    QCOMPARE(judgeErrorRate(counts(n, 0)).state, SloState::Met);
    QCOMPARE(judgeErrorRate(counts(n - 50, 0)).state, SloState::NotEnoughTraffic);
}

void TestSlo::availability_data()
{
    QTest::addColumn<double>("requests");
    QTest::addColumn<double>("errors");
    QTest::addColumn<int>("expected");
    QTest::newRow("no requests") << 0.0 << 0.0 << int(SloState::NoData);
    QTest::newRow("perfect, plenty") << 10000.0 << 0.0 << int(SloState::Met);
    QTest::newRow("perfect, few") << 100.0 << 0.0 << int(SloState::NotEnoughTraffic);
    QTest::newRow("99.91 % of 1,000,000: at risk") << 1e6 << 900.0 << int(SloState::AtRisk);
    QTest::newRow("97.4 % of 1,000: breached") << 1000.0 << 26.0 << int(SloState::Breached);
    QTest::newRow("down") << 50.0 << 50.0 << int(SloState::Breached);
}

void TestSlo::availability()
{
    QFETCH(double, requests);
    QFETCH(double, errors);
    QFETCH(int, expected);
    const Verdict v = judgeAvailability(counts(requests, errors));
    QCOMPARE(int(v.state), expected);
    // Availability and error rate are the same counts against mirrored objectives.
    if (requests > 0)
        QCOMPARE(*v.observed, 1.0 - errors / requests);
}

void TestSlo::latency_data()
{
    QTest::addColumn<double>("p95Ms");
    QTest::addColumn<double>("requests");
    QTest::addColumn<int>("expected");
    QTest::newRow("no histogram") << noValue << 1000.0 << int(SloState::NoData);
    QTest::newRow("no requests") << 50.0 << 0.0 << int(SloState::NoData);
    QTest::newRow("fast but 120 requests") << 50.0 << 120.0 << int(SloState::NotEnoughTraffic);
    QTest::newRow("slow but 120 requests") << 900.0 << 120.0 << int(SloState::NotEnoughTraffic);
    QTest::newRow("fast") << 50.0 << 1000.0 << int(SloState::Met);
    QTest::newRow("at 75 % of the limit") << 150.0 << 1000.0 << int(SloState::Met);
    QTest::newRow("over 80 % of the limit") << 170.0 << 1000.0 << int(SloState::AtRisk);
    QTest::newRow("exactly the limit (the 0.2 s bucket edge)") << 200.0 << 1000.0 << int(SloState::AtRisk);
    QTest::newRow("over the limit") << 200.5 << 200.0 << int(SloState::Breached);
}

void TestSlo::latency()
{
    QFETCH(double, p95Ms);
    QFETCH(double, requests);
    QFETCH(int, expected);
    const Verdict v = judgeLatency(counts(requests, 0, p95Ms));
    QCOMPARE(int(v.state), expected);
    if (v.state == SloState::NotEnoughTraffic) {
        QCOMPARE(*v.requestsNeeded, 200.0);
        QVERIFY2(v.explain().contains(QStringLiteral("120 requests, about 200 needed")), qPrintable(v.explain()));
    }
}

void TestSlo::overallIsTheWorst_data()
{
    QTest::addColumn<double>("requests");
    QTest::addColumn<double>("errors");
    QTest::addColumn<double>("p95Ms");
    QTest::addColumn<int>("expected");
    QTest::newRow("all met") << 10000.0 << 0.0 << 20.0 << int(SloState::Met);
    QTest::newRow("missing latency is not green") << 10000.0 << 0.0 << noValue << int(SloState::NoData);
    QTest::newRow("not enough traffic beats no data") << 100.0 << 0.0 << noValue << int(SloState::NotEnoughTraffic);
    QTest::newRow("at risk beats not enough traffic") << 300.0 << 0.0 << 190.0 << int(SloState::AtRisk);
    QTest::newRow("slow") << 10000.0 << 0.0 << 350.0 << int(SloState::Breached);
    QTest::newRow("errors") << 10000.0 << 100.0 << 20.0 << int(SloState::Breached);
    QTest::newRow("nothing at all") << 0.0 << 0.0 << noValue << int(SloState::NoData);
}

void TestSlo::overallIsTheWorst()
{
    QFETCH(double, requests);
    QFETCH(double, errors);
    QFETCH(double, p95Ms);
    QFETCH(int, expected);
    QCOMPARE(int(evaluateSlo(counts(requests, errors, p95Ms)).overall()), expected);
}

void TestSlo::explanations()
{
    const Verdict breached = judgeErrorRate(counts(1240, 52, noValue, 60s));
    QCOMPARE(breached.explain(), QStringLiteral("errors 4.2 % > 0.1 % over 1 min (1,240 requests)"));
    const Verdict met = judgeErrorRate(counts(60000, 6, noValue, 5min));
    QCOMPARE(met.explain(), QStringLiteral("errors 0.01 % ≤ 0.1 % over 5 min (60,000 requests)"));
    const Verdict few = judgeErrorRate(counts(50, 0));
    QCOMPARE(few.explain(), QStringLiteral("errors 0.00 % over 5 s: 50 requests, about 3,900 needed to judge against 0.1 %"));
    const Verdict down = judgeAvailability(counts(1000, 26, noValue, 60s));
    QCOMPARE(down.explain(), QStringLiteral("availability 97.4 % < 99.9 % over 1 min (1,000 requests)"));
    const Verdict slow = judgeLatency(counts(600, 0, 340, 60s));
    QCOMPARE(slow.explain(), QStringLiteral("p95 340 ms > 200 ms over 1 min (600 requests)"));
    QCOMPARE(judgeErrorRate(counts(0, 0)).explain(), QStringLiteral("errors: no requests over 5 s"));
    // The evaluation names what decides it.
    const SloEvaluation e = evaluateSlo(counts(1240, 52, 80, 60s));
    QCOMPARE(e.overall(), SloState::Breached);
    QCOMPARE(e.explain(), QStringLiteral("errors 4.2 % > 0.1 % over 1 min (1,240 requests); "
                                         "availability 95.8 % < 99.9 % over 1 min (1,240 requests)"));
    QVERIFY(evaluateSlo(counts(100000, 0, 80, 60s)).explain().isEmpty());
}

void TestSlo::stateNames()
{
    QCOMPARE(sloStateName(SloState::NoData), QStringLiteral("no data"));
    QCOMPARE(sloStateName(SloState::Met), QStringLiteral("met"));
    QCOMPARE(sloStateName(SloState::AtRisk), QStringLiteral("at risk"));
    QCOMPARE(sloStateName(SloState::Breached), QStringLiteral("breached"));
    QCOMPARE(sloStateName(SloState::NotEnoughTraffic), QStringLiteral("not enough traffic"));
    QCOMPARE(sloStateKey(SloState::NotEnoughTraffic), QStringLiteral("not_enough_traffic"));
    QCOMPARE(sloStateKey(SloState::AtRisk), QStringLiteral("at_risk"));
    QCOMPARE(sloStateKey(SloState::NoData), QStringLiteral("no_data"));
}

void TestSlo::windowTexts()
{
    QCOMPARE(windowText(5s), QStringLiteral("5 s"));
    QCOMPARE(windowText(59'600ms), QStringLiteral("1 min"));
    QCOMPARE(windowText(5min), QStringLiteral("5 min"));
    QCOMPARE(windowText(1h), QStringLiteral("1 h"));
    QCOMPARE(windowText(90min), QStringLiteral("1.5 h"));
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

// Each window as requests and errors (NaN requests: no window); 14.4× of a 0.1 % budget is 1.44 %.
void TestSlo::multiWindowBurnRate_data()
{
    QTest::addColumn<double>("longRequests");
    QTest::addColumn<double>("longErrors");
    QTest::addColumn<double>("shortRequests");
    QTest::addColumn<double>("shortErrors");
    QTest::addColumn<double>("threshold");
    QTest::addColumn<int>("expected");
    QTest::newRow("both windows burning: page") << 100000.0 << 2000.0 << 10000.0 << 300.0 << 14.4 << int(SloState::Breached);
    QTest::newRow("long only: recovering") << 100000.0 << 2000.0 << 10000.0 << 10.0 << 14.4 << int(SloState::AtRisk);
    QTest::newRow("short only: a spike so far") << 100000.0 << 100.0 << 10000.0 << 500.0 << 14.4 << int(SloState::AtRisk);
    QTest::newRow("neither") << 100000.0 << 50.0 << 10000.0 << 20.0 << 14.4 << int(SloState::Met);
    QTest::newRow("one error in 50 requests is no page") << 50.0 << 1.0 << 50.0 << 1.0 << 14.4 << int(SloState::NotEnoughTraffic);
    QTest::newRow("just under the threshold") << 1e6 << 14300.0 << 1e6 << 14300.0 << 14.4 << int(SloState::NotEnoughTraffic);
    QTest::newRow("no long window") << noValue << 0.0 << 10000.0 << 500.0 << 14.4 << int(SloState::NoData);
    QTest::newRow("no short window") << 10000.0 << 500.0 << noValue << 0.0 << 14.4 << int(SloState::NoData);
    QTest::newRow("slower policy (6x over 6 h / 30 min)") << 1e6 << 7000.0 << 100000.0 << 800.0 << 6.0 << int(SloState::Breached);
}

void TestSlo::multiWindowBurnRate()
{
    QFETCH(double, longRequests);
    QFETCH(double, longErrors);
    QFETCH(double, shortRequests);
    QFETCH(double, shortErrors);
    QFETCH(double, threshold);
    QFETCH(int, expected);
    BurnRatePolicy policy;
    policy.threshold = threshold;
    const SloWindow longWindow = std::isnan(longRequests) ? SloWindow {} : counts(longRequests, longErrors, noValue, 1h);
    const SloWindow shortWindow = std::isnan(shortRequests) ? SloWindow {} : counts(shortRequests, shortErrors, noValue, 5min);
    const BurnRateEvaluation e = evaluateBurnRate(longWindow, shortWindow, SloThresholds(), policy);
    QCOMPARE(int(e.state), expected);
    QCOMPARE(e.page(), expected == int(SloState::Breached));
    QCOMPARE(bool(e.longBurnRate), !std::isnan(longRequests));
    QCOMPARE(bool(e.shortBurnRate), !std::isnan(shortRequests));
    QCOMPARE(e.longSpan, longWindow.span);
}

QTEST_GUILESS_MAIN(TestSlo)
#include "tst_slo.moc"
