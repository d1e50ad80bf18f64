// The poller against a real cutover-sim: every source arrives, a dead gateway marks sources stale
// and backs off, a restarted one recovers, a mutation refreshes at once.
#include "client/httpadminclient.h"
#include "client/poller.h"
#include "models/auditlog.h"
#include "models/boardstate.h"
#include "models/metricsaggregator.h"
#include "tests/support/faultproxy.h"
#include "tests/support/simfixture.h"

#include <QElapsedTimer>

#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTest>

using namespace cutover;
using namespace std::chrono_literals;
using cutover::test::FaultProxy;
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
    void unusableMetricsAreAFailedScrape_data();
    void unusableMetricsAreAFailedScrape();
    void restartedGatewayStartsTheAuditOver();

private:
    std::unique_ptr<HttpAdminClient> client(SimFixture &sim, Role role = Role::Viewer,
                                            std::chrono::milliseconds timeout = 2000ms)
    {
        HttpEndpoint ep;
        ep.baseUrl = sim.url();
        ep.token = sim.token(role);
        ep.timeout = timeout;
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

    // Backing off: after the n-th failure in a row the next try waits interval << n (200, 400,
    // 800 ms…), not the 100 ms interval. Each failure is stamped as it is reported.
    QElapsedTimer clock;
    clock.start();
    QList<QPair<int, qint64>> failures; // consecutiveFailures, ms since the clock started
    connect(&poller, &Poller::sourceStateChanged, this, [&](Source source) {
        const SourceState &st = poller.state(source);
        if (source == Source::Health && st.lastError)
            failures.append({st.consecutiveFailures, clock.elapsed()});
    });
    QTRY_VERIFY_WITH_TIMEOUT(poller.state(Source::Health).consecutiveFailures >= 4, 5000);
    QVERIFY(failures.size() >= 2);
    for (qsizetype i = 1; i < failures.size(); ++i) {
        const auto [n, at] = failures.at(i - 1);
        const qint64 gap = failures.at(i).second - at;
        // A coarse timer may fire up to 5 % early.
        const qint64 backoff = qint64(100) << n;
        QVERIFY2(gap >= backoff * 9 / 10,
                 qPrintable(QStringLiteral("after %1 failures the next try came %2 ms later, not %3").arg(n).arg(gap).arg(backoff)));
    }
    disconnect(&poller, &Poller::sourceStateChanged, this, nullptr);

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
    // Through a proxy that counts the requests as they reach it.
    FaultProxy proxy(sim.url());
    QVERIFY(proxy.start());
    HttpEndpoint ep;
    ep.baseUrl = proxy.url();
    ep.token = sim.token(Role::Viewer);
    ep.timeout = 2000ms;
    HttpAdminClient c(&m_nam, ep);
    Poller poller(&c);
    for (int i = 0; i < kSourceCount; ++i)
        poller.setEnabled(Source(i), Source(i) == Source::Health);
    poller.setInterval(Source::Health, 100ms);
    // When an answer arrives, the gateway has seen exactly as many requests as answers came:
    // the next request goes out only after the answer (a 100 ms interval would otherwise have
    // sent five more while each answer took 600 ms).
    QList<int> seenAtAnswer;
    connect(&poller, &Poller::healthUpdated, this,
            [&] { seenAtAnswer.append(proxy.seen("GET", QStringLiteral("/health/services"))); });
    poller.start();
    QTRY_VERIFY_WITH_TIMEOUT(seenAtAnswer.size() >= 3, 10000);
    for (qsizetype i = 0; i < seenAtAnswer.size(); ++i)
        QVERIFY2(seenAtAnswer.at(i) == i + 1,
                 qPrintable(QStringLiteral("answer %1 came after %2 requests").arg(i + 1).arg(seenAtAnswer.at(i))));
    disconnect(&poller, &Poller::healthUpdated, this, nullptr);
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

void TestPoller::unusableMetricsAreAFailedScrape_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("repeat");
    QTest::addColumn<QString>("expected"); // in the source's error
    QTest::newRow("garbage") << QByteArray("<html><body>\"Bad gateway\"</body></html>\n") << 1
                             << QStringLiteral("line 1, column 1");
    QTest::newRow("truncated") << QByteArray("# TYPE requests_total counter\nrequests_total{route=\"posts\",code=\"2") << 1
                               << QStringLiteral("line 2, column");
    // 64 MiB: refused once past the cap, never read whole nor parsed.
    QTest::newRow("64 MiB") << QByteArray("xxxxxxxxxxxxxxx\n") << 4 * 1024 * 1024
                            << QStringLiteral("larger than the 32 MiB");
}

void TestPoller::unusableMetricsAreAFailedScrape()
{
    QFETCH(QByteArray, body);
    QFETCH(int, repeat);
    QFETCH(QString, expected);
    SimFixture sim;
    QVERIFY2(sim.start(), qPrintable(sim.error()));
    // The simulator takes a few seconds to make a 64 MiB answer (a debug build, under sanitizers).
    auto c = client(sim, Role::Viewer, 20000ms);
    Poller poller(c.get());
    for (int i = 0; i < kSourceCount; ++i)
        poller.setEnabled(Source(i), Source(i) == Source::Metrics);
    poller.setInterval(Source::Metrics, 200ms);
    BoardState board;
    board.attach(&poller, nullptr);
    poller.start();
    QTRY_VERIFY_WITH_TIMEOUT(board.metrics()->scrapes() >= 1, 5000);
    QVERIFY(!poller.state(Source::Metrics).lastError);

    // Answered 200, with the Content-Type of an exposition, but a body that is not one.
    const nlohmann::json rule {{"replace_body", body.toStdString()}, {"path", "/metrics"}, {"count", 3}, {"repeat", repeat}};
    QCOMPARE(sim.request("POST", QStringLiteral("/sim/chaos"), Role::Admin, QByteArray::fromStdString(rule.dump())).status, 200);
    const SourceState &st = poller.state(Source::Metrics);
    QTRY_VERIFY_WITH_TIMEOUT(st.lastError.has_value(), 30000);
    QCOMPARE(st.lastError->kind, ApiError::Kind::Malformed);
    QVERIFY2(st.lastError->describe().contains(expected), qPrintable(st.lastError->describe()));
    QVERIFY(st.isStale(QDateTime::currentDateTimeUtc()));
    // "Last good update" stays at the last scrape that parsed, failure after failure.
    const QDateTime lastGood = st.lastSuccess;
    const qsizetype scrapes = board.metrics()->scrapes();
    QTRY_VERIFY_WITH_TIMEOUT(st.consecutiveFailures >= 2, 30000);
    QCOMPARE(st.lastSuccess, lastGood);
    QCOMPARE(board.metrics()->scrapes(), scrapes);

    // Once the gateway answers properly again, the source recovers by itself.
    QTRY_VERIFY_WITH_TIMEOUT(!st.lastError.has_value(), 30000);
    QVERIFY(st.lastSuccess > lastGood);
    QVERIFY(board.metrics()->scrapes() > scrapes);
}

void TestPoller::restartedGatewayStartsTheAuditOver()
{
    SimFixture sim;
    QVERIFY2(sim.start(), qPrintable(sim.error()));
    const QString port = QString::number(sim.url().port());
    auto c = client(sim);
    Poller poller(c.get());
    for (int i = 0; i < kSourceCount; ++i)
        poller.setEnabled(Source(i), Source(i) == Source::Audit);
    poller.setInterval(Source::Audit, 200ms);
    AuditLog log;
    log.attach(&poller);
    QSignalSpy restarted(&poller, &Poller::gatewayRestarted);
    auto change = [&](int percent) {
        const QByteArray v = sim.version(QStringLiteral("routes/media"));
        return sim.request("PUT", QStringLiteral("/admin/routes/media"), Role::Operator,
                           QByteArrayLiteral(R"({"microservice_percent":)") + QByteArray::number(percent)
                               + R"(,"reason":"restart test"})",
                           {{"If-Match", v}})
                   .status;
    };
    for (int percent : {1, 2, 3})
        QCOMPARE(change(percent), 200);
    poller.start();
    QTRY_VERIFY_WITH_TIMEOUT(log.rowCount() >= 3, 5000);
    const int before = log.rowCount();
    QVERIFY(restarted.isEmpty());

    // A new gateway on the same address: a new instance, whose audit ids start again at 1.
    sim.stop();
    QVERIFY2(sim.start({QStringLiteral("--port"), port}), qPrintable(sim.error()));
    QCOMPARE(change(7), 200);
    QTRY_COMPARE_WITH_TIMEOUT(restarted.size(), 1, 10000);
    QVERIFY2(restarted.first().first().toString().contains(QLatin1String("instance")),
             qPrintable(restarted.first().first().toString()));
    QTRY_VERIFY_WITH_TIMEOUT(log.rowCount() > before, 10000);
    QVERIFY(log.restartedAt().isValid());
    // The new entry shows, although the previous instance had an entry with its id.
    const int row = log.rowCount() - 1;
    QCOMPARE(log.entry(row).target, QStringLiteral("routes/media"));
    QVERIFY(log.entry(row).after.contains("\"microservice_percent\":7"));
    QVERIFY(!log.index(row, 0).data(AuditLog::PreviousInstanceRole).toBool());
    for (int r = 0; r < before; ++r)
        QVERIFY(log.index(r, 0).data(AuditLog::PreviousInstanceRole).toBool());
    QCOMPARE(log.rowOf(log.entry(row).id), row);
}

QTEST_GUILESS_MAIN(TestPoller)
#include "tst_poller.moc"
