// The emergency rollback's verification and time-to-recovery maths on synthetic traffic, and its
// blast radius.
#include "models/blastradius.h"
#include "models/rollbackverifier.h"

#include <QTest>

using namespace cutover;
using namespace std::chrono_literals;

namespace {

const WallTime t0 {std::chrono::milliseconds(1'800'000'000'000)};

// A window of `requests` (plenty for a verdict unless said otherwise) with that error ratio.
TrafficObservation obs(std::chrono::milliseconds after, std::optional<double> share, std::optional<double> errors,
                       std::optional<double> p95Ms, double requests = 1e6)
{
    TrafficObservation o;
    o.time = t0 + after;
    o.microserviceShare = share;
    if (errors) {
        o.window.requests = requests;
        o.window.errors = *errors * requests;
        o.window.span = std::chrono::seconds(10);
    }
    if (p95Ms)
        o.window.latencyP95 = Milliseconds(*p95Ms);
    return o;
}

Route route(const char *id, int percent)
{
    Route r;
    r.id = QLatin1String(id);
    r.prefix = QStringLiteral("/api/") + r.id;
    r.service = r.id + QStringLiteral("-service");
    r.microservicePercent = percent;
    return r;
}

} // namespace

class TestRollbackVerifier : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void timeToRecovery_data();
    void timeToRecovery();
    void ignoresObservationsBeforeTheEngage();
    void lateConsoleDoesNotClaimATime();
    void stopAndRestart();
    void engageBlastRadius();
    void releaseBlastRadius();
};

// Each row: a series of observations (seconds after the engage, microservice share, error ratio,
// p95 ms, and optionally the requests in the window; a negative value means "no data") and the
// expected drain and recovery times.
void TestRollbackVerifier::timeToRecovery_data()
{
    QTest::addColumn<QList<QList<double>>>("series");
    QTest::addColumn<int>("drainedS");    // -1: never
    QTest::addColumn<int>("recoveredS");  // -1: never

    QTest::newRow("drain then recover")
        << QList<QList<double>> {{1, 0.6, 0.05, 900}, {5, 0.3, 0.04, 800}, {11, 0.0, 0.02, 400},
                                 {20, 0.0, 0.0005, 150}, {30, 0.0, 0.0, 120}}
        << 11 << 20;
    QTest::newRow("drained and healthy at once") << QList<QList<double>> {{2, 0.2, 0.0, 100}, {12, 0.0, 0.0, 100}} << 12 << 12;
    QTest::newRow("at risk counts as within the SLO") << QList<QList<double>> {{10, 0.0, 0.0009, 200}} << 10 << 10;
    QTest::newRow("on the bound is not provably within") << QList<QList<double>> {{10, 0.0, 0.001, 100}} << 10 << -1;
    QTest::newRow("a quiet window is not a recovery")
        << QList<QList<double>> {{10, 0.0, 0.0, 100, 400}, {20, 0.0, 0.0, 100, 2000}} << 10 << -1;
    QTest::newRow("the evidence grows until it suffices")
        << QList<QList<double>> {{10, 0.0, 0.0, 100, 2000}, {20, 0.0, 0.0, 100, 4000}} << 10 << 20;
    QTest::newRow("an error spike in a small window is not a recovery either")
        << QList<QList<double>> {{10, 0.0, 0.02, 100, 400}} << 10 << -1;
    QTest::newRow("still errors after the drain")
        << QList<QList<double>> {{10, 0.0, 0.01, 100}, {20, 0.0, 0.002, 100}} << 10 << -1;
    QTest::newRow("p95 still high") << QList<QList<double>> {{10, 0.0, 0.0, 450}, {40, 0.0, 0.0, 201}} << 10 << -1;
    QTest::newRow("healthy but not drained is not recovered")
        << QList<QList<double>> {{3, 0.1, 0.0, 100}, {8, 0.01, 0.0, 100}} << -1 << -1;
    QTest::newRow("no latency data is not a recovery")
        << QList<QList<double>> {{10, 0.0, 0.0, -1}, {15, 0.0, 0.0, 90}} << 10 << 15;
    QTest::newRow("no traffic cannot drain") << QList<QList<double>> {{10, -1, -1, -1}} << -1 << -1;
    QTest::newRow("a breach after the recovery re-opens it")
        << QList<QList<double>> {{10, 0.0, 0.0, 100}, {20, 0.0, 0.5, 100}} << 10 << -1;
    QTest::newRow("and the recovery is timed again when it holds")
        << QList<QList<double>> {{10, 0.0, 0.0, 100}, {20, 0.0, 0.5, 100}, {30, 0.0, 0.0, 100}} << 10 << 30;
    QTest::newRow("too little traffic for a moment keeps a recovery")
        << QList<QList<double>> {{10, 0.0, 0.0, 100}, {20, 0.0, 0.0, 100, 300}} << 10 << 10;
}

void TestRollbackVerifier::timeToRecovery()
{
    QFETCH(QList<QList<double>>, series);
    QFETCH(int, drainedS);
    QFETCH(int, recoveredS);

    RollbackVerifier v;
    QCOMPARE(v.phase(), RollbackVerifier::Phase::Idle);
    v.start(t0, SloThresholds {});
    QCOMPARE(v.phase(), RollbackVerifier::Phase::Draining);
    auto opt = [](double x) { return x < 0 ? std::nullopt : std::optional<double>(x); };
    for (const QList<double> &row : std::as_const(series))
        v.observe(obs(std::chrono::milliseconds(qint64(row[0] * 1000)), opt(row[1]), opt(row[2]), opt(row[3]),
                      row.size() > 4 ? row[4] : 1e6));

    QVERIFY(v.isMeasurable());
    if (drainedS < 0) {
        QVERIFY(!v.timeToDrain());
        QCOMPARE(v.phase(), RollbackVerifier::Phase::Draining);
    } else {
        QCOMPARE(v.timeToDrain(), std::optional<std::chrono::milliseconds>(std::chrono::seconds(drainedS)));
    }
    if (recoveredS < 0) {
        QVERIFY(!v.timeToRecovery());
        QVERIFY(v.phase() != RollbackVerifier::Phase::Recovered);
    } else {
        QCOMPARE(v.phase(), RollbackVerifier::Phase::Recovered);
        QCOMPARE(v.timeToRecovery(), std::optional<std::chrono::milliseconds>(std::chrono::seconds(recoveredS)));
        QCOMPARE(*v.recoveredAt(), t0 + std::chrono::seconds(recoveredS));
    }
}

void TestRollbackVerifier::ignoresObservationsBeforeTheEngage()
{
    RollbackVerifier v;
    v.start(t0, SloThresholds {});
    // A window that ended before the engage says nothing about it, however healthy.
    QVERIFY(!v.observe(obs(-2s, 0.0, 0.0, 50)));
    QVERIFY(!v.latest());
    QVERIFY(v.observe(obs(4s, 0.0, 0.0, 50)));
    QCOMPARE(v.timeToRecovery(), std::optional<std::chrono::milliseconds>(4s));
    // An older observation after a newer one changes nothing.
    QVERIFY(!v.observe(obs(3s, 0.5, 0.5, 900)));
    QCOMPARE(v.latest()->time, t0 + 4s);
    QCOMPARE(v.elapsed(t0 + 90s), std::chrono::milliseconds(90s));
}

void TestRollbackVerifier::lateConsoleDoesNotClaimATime()
{
    // The console connected an hour after someone engaged: recovered, but not measured.
    RollbackVerifier v;
    v.start(t0, SloThresholds {});
    v.observe(obs(3600s, 0.0, 0.0, 100));
    QCOMPARE(v.phase(), RollbackVerifier::Phase::Recovered);
    QVERIFY(!v.isMeasurable());
    QVERIFY(!v.timeToRecovery());
    QVERIFY(!v.timeToDrain());
}

void TestRollbackVerifier::stopAndRestart()
{
    RollbackVerifier v;
    v.start(t0, SloThresholds {});
    v.observe(obs(10s, 0.0, 0.0, 100));
    QVERIFY(v.timeToRecovery());
    v.stop();
    QCOMPARE(v.phase(), RollbackVerifier::Phase::Idle);
    QVERIFY(!v.timeToRecovery());
    QVERIFY(!v.observe(obs(20s, 0.0, 0.0, 100)));
    // Stricter objectives from a profile are applied.
    SloThresholds strict;
    strict.latencyP95Max = Milliseconds(50.0);
    v.start(t0 + 100s, strict);
    v.observe(obs(110s, 0.0, 0.0, 100));
    QCOMPARE(v.phase(), RollbackVerifier::Phase::Recovering);
    v.observe(obs(125s, 0.0, 0.0, 40));
    QCOMPARE(v.timeToRecovery(), std::optional<std::chrono::milliseconds>(25s));
}

void TestRollbackVerifier::engageBlastRadius()
{
    RouteList routes;
    routes.routes = {route("auth", 100), route("posts", 30), route("media", 0), route("payments", 0)};
    // payments is at 0 % but flags still send users to its microservice: it moves too.
    const QHash<QString, double> rates {{QStringLiteral("auth"), 40.0}, {QStringLiteral("posts"), 12.5},
                                        {QStringLiteral("payments"), 2.0}};
    const BlastRadius r = cutover::engageBlastRadius(routes, [&](const QString &id) -> std::optional<double> {
        if (id == QLatin1String("media"))
            return std::nullopt;
        return rates.value(id, 0.0);
    });
    QCOMPARE(r.moves.size(), qsizetype(3));
    QCOMPARE(r.moves[0].routeId, QStringLiteral("auth"));
    QCOMPARE(r.moves[0].fromPercent, 100);
    QCOMPARE(r.moves[0].toPercent, 0);
    QCOMPARE(r.moves[1].routeId, QStringLiteral("posts"));
    QCOMPARE(r.moves[2].routeId, QStringLiteral("payments"));
    QCOMPARE(r.moves[2].fromPercent, 0);
    QVERIFY(r.hasRates);
    QCOMPARE(*r.movingRate, 54.5);

    // Without metrics the routes are still listed, without a rate.
    const BlastRadius noRates = cutover::engageBlastRadius(routes, {});
    QCOMPARE(noRates.moves.size(), qsizetype(2));
    QVERIFY(!noRates.hasRates);
    QVERIFY(!noRates.movingRate);
}

void TestRollbackVerifier::releaseBlastRadius()
{
    RouteList routes;
    routes.routes = {route("auth", 0), route("posts", 0), route("media", 0)};
    RollbackState state;
    state.engaged = true;
    state.snapshot = {{QStringLiteral("auth"), 100}, {QStringLiteral("posts"), 25}, {QStringLiteral("media"), 0}};
    const BlastRadius r = cutover::releaseBlastRadius(routes, state, false, [](const QString &) { return std::optional<double>(80.0); });
    QCOMPARE(r.moves.size(), qsizetype(2));
    QCOMPARE(r.moves[0].routeId, QStringLiteral("auth"));
    QCOMPARE(r.moves[0].toPercent, 100);
    QCOMPARE(*r.moves[0].movingRate, 80.0);
    QCOMPARE(r.moves[1].toPercent, 25);
    QCOMPARE(*r.moves[1].movingRate, 20.0);
    QCOMPARE(*r.movingRate, 100.0);
    QVERIFY(cutover::releaseBlastRadius(routes, state, true, {}).moves.isEmpty());
}

QTEST_GUILESS_MAIN(TestRollbackVerifier)
#include "tst_rollbackverifier.moc"
