// The poller against a real cutover-sim: every source arrives, a dead gateway marks sources stale
// and backs off, a restarted one recovers, a mutation refreshes at once.
#include "client/httpadminclient.h"
#include "client/poller.h"
#include "tests/support/simfixture.h"

#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTest>

using namespace cutover;
using namespace std::chrono_literals;
using cutover::test::SimFixture;

class TestPoller : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everySourceArrives();
    void deadGatewayIsStaleBacksOffAndRecovers();
    void mutationRefreshesImmediately();
    void oneRequestInFlightPerSource();
    void auditIsIncremental();

private:
    std::unique_ptr<HttpAdminClient> client(SimFixture &sim, Role role = Role::Viewer)
    {
        HttpEndpoint ep;
        ep.baseUrl = sim.url();
        ep.token = sim.token(role);
        ep.timeout = 2000ms;
        auto c = std::make_unique<HttpAdminClient>(&m_nam, ep);
        c->setGetRetry({1});
        return c;
    }
    QNetworkAccessManager m_nam;
};

void TestPoller::everySourceArrives()
{
    SimFixture sim;
    QVERIFY2(sim.start(), qPrintable(sim.error()));
    auto c = client(sim);
    Poller poller(c.get());
    QSignalSpy health(&poller, &Poller::healthUpdated), metrics(&poller, &Poller::metricsUpdated),
        routes(&poller, &Poller::routesUpdated), flags(&poller, &Poller::flagsUpdated),
        rollback(&poller, &Poller::rollbackUpdated), audit(&poller, &Poller::auditUpdated);
    poller.start();
    QTRY_VERIFY_WITH_TIMEOUT(!health.isEmpty() && !metrics.isEmpty() && !routes.isEmpty() && !flags.isEmpty()
                                 && !rollback.isEmpty() && !audit.isEmpty(),
                             5000);
    for (int i = 0; i < kSourceCount; ++i) {
        const SourceState &st = poller.state(Source(i));
        QVERIFY2(st.lastSuccess.isValid(), qPrintable(sourceName(Source(i))));
        QVERIFY(!st.lastError);
        QVERIFY(!st.isStale(QDateTime::currentDateTimeUtc()));
    }
    // Metrics poll every second by default: a second scrape follows.
    QTRY_VERIFY_WITH_TIMEOUT(metrics.size() >= 2, 3000);
}

void TestPoller::deadGatewayIsStaleBacksOffAndRecovers()
{
    SimFixture sim;
    QVERIFY2(sim.start(), qPrintable(sim.error()));
    const QString port = QString::number(sim.url().port());
    auto c = client(sim);
    Poller poller(c.get());
    for (int i = 0; i < kSourceCount; ++i)
        poller.setEnabled(Source(i), Source(i) == Source::Health);
    poller.setInterval(Source::Health, 100ms);
    QSignalSpy changed(&poller, &Poller::sourceStateChanged);
    poller.start();
    QTRY_VERIFY_WITH_TIMEOUT(poller.state(Source::Health).lastSuccess.isValid(), 5000);

    sim.stop();
    // Stale within two poll intervals of the stop (a refused connection reports at once).
    QTRY_VERIFY_WITH_TIMEOUT(poller.state(Source::Health).lastError.has_value(), 300);
    QVERIFY(poller.state(Source::Health).isStale(QDateTime::currentDateTimeUtc()));
    QCOMPARE(poller.state(Source::Health).lastError->kind, ApiError::Kind::Unreachable);

    // Backing off: 200, 400, 800 ms… so over ~1.6 s a handful of attempts, not sixteen.
    changed.clear();
    QTest::qWait(1600);
    QVERIFY2(changed.size() <= 5, qPrintable(QString::number(changed.size())));
    QVERIFY(poller.state(Source::Health).consecutiveFailures >= 3);

    // The gateway comes back on the same address: the poller recovers by itself.
    QVERIFY2(sim.start({QStringLiteral("--port"), port}), qPrintable(sim.error()));
    QTRY_VERIFY_WITH_TIMEOUT(!poller.state(Source::Health).lastError.has_value(), 12000);
    QCOMPARE(poller.state(Source::Health).consecutiveFailures, 0);
    QVERIFY(!poller.state(Source::Health).isStale(QDateTime::currentDateTimeUtc()));
}

void TestPoller::mutationRefreshesImmediately()
{
    SimFixture sim;
    QVERIFY2(sim.start(), qPrintable(sim.error()));
    auto c = client(sim);
    Poller poller(c.get());
    poller.setInterval(Source::Routes, 60000ms);
    QSignalSpy routes(&poller, &Poller::routesUpdated);
    poller.start();
    QVERIFY(routes.wait(3000));
    const auto before = routes.takeFirst().first().value<RouteList>();
    const QByteArray v = sim.version(QStringLiteral("routes/media"));
    QCOMPARE(sim.request("PUT", QStringLiteral("/admin/routes/media"), Role::Operator,
                         R"({"microservice_percent":5,"reason":"canary"})", {{"If-Match", v}})
                 .status,
             200);
    poller.refreshAfterMutation();
    QVERIFY(routes.wait(1000)); // not after the 60 s interval
    const auto after = routes.takeFirst().first().value<RouteList>();
    QVERIFY(after.version != before.version);
    QCOMPARE(after.routes.at(3).microservicePercent, 5);
}

void TestPoller::oneRequestInFlightPerSource()
{
    SimFixture sim;
    QVERIFY2(sim.start(), qPrintable(sim.error()));
    // Every answer takes 600 ms while the interval is 50 ms.
    QCOMPARE(sim.request("POST", QStringLiteral("/sim/chaos"), Role::Admin,
                         R"({"delay_ms":600,"path":"/health/services","count":100})")
                 .status,
             200);
    auto c = client(sim);
    Poller poller(c.get());
    for (int i = 0; i < kSourceCount; ++i)
        poller.setEnabled(Source(i), Source(i) == Source::Health);
    poller.setInterval(Source::Health, 100ms);
    QSignalSpy health(&poller, &Poller::healthUpdated);
    poller.start();
    QVERIFY(poller.state(Source::Health).inFlight || health.isEmpty());
    QTest::qWait(1400);
    // Sequential: at most two answers fit in 1.4 s when each takes 600 ms.
    QVERIFY2(health.size() >= 1 && health.size() <= 2, qPrintable(QString::number(health.size())));
}

void TestPoller::auditIsIncremental()
{
    SimFixture sim;
    QVERIFY2(sim.start(), qPrintable(sim.error()));
    auto c = client(sim);
    Poller poller(c.get());
    poller.setInterval(Source::Audit, 100ms);
    QSignalSpy audit(&poller, &Poller::auditUpdated);
    poller.start();
    QVERIFY(audit.wait(3000));
    for (int i = 0; i < 3; ++i) {
        const QByteArray v = sim.version(QStringLiteral("routes/media"));
        QCOMPARE(sim.request("PUT", QStringLiteral("/admin/routes/media"), Role::Operator,
                             QByteArrayLiteral(R"({"microservice_percent":)") + QByteArray::number(i)
                                 + R"(,"reason":"step"})",
                             {{"If-Match", v}})
                     .status,
                 200);
    }
    // Every entry arrives exactly once across the incremental pages.
    QList<qint64> ids;
    QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                 for (const auto &args : std::as_const(audit))
                                     for (const AuditEntry &e : args.first().value<AuditPage>().entries)
                                         if (!ids.contains(e.id))
                                             ids << e.id;
                                 return ids.size() == 3;
                             }()),
                             3000);
    int total = 0;
    for (const auto &args : std::as_const(audit))
        total += int(args.first().value<AuditPage>().entries.size());
    QCOMPARE(total, 3);
}

QTEST_GUILESS_MAIN(TestPoller)
#include "tst_poller.moc"
