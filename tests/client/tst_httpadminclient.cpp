// The HTTP admin client against a real cutover-sim: every error class, GET retries, and the
// idempotent retry of an emergency rollback whose response was lost.
#include "client/httpadminclient.h"
#include "client/logsource.h"
#include "tests/support/simfixture.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <optional>

using namespace cutover;
using cutover::test::SimFixture;

namespace {

// Runs one asynchronous backend call to completion on the test's event loop.
template<typename T, typename Start>
Result<T> await(Start start, int timeoutMs = 20000)
{
    std::optional<Result<T>> out;
    QEventLoop loop;
    start([&](Result<T> r) {
        out.emplace(std::move(r));
        loop.quit();
    });
    if (!out) {
        QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
        loop.exec();
    }
    if (!out) {
        ApiError e;
        e.kind = ApiError::Kind::Cancelled;
        e.message = QStringLiteral("test: the callback never ran");
        return e;
    }
    return std::move(*out);
}

QByteArray chaos(SimFixture &sim, const QByteArray &body)
{
    return QByteArray::number(sim.request("POST", QStringLiteral("/sim/chaos"), Role::Admin, body).status);
}

int auditCount(SimFixture &sim, const char *action)
{
    const auto j = sim.get(QStringLiteral("/admin/audit?limit=1000")).json();
    int n = 0;
    for (const auto &e : j["entries"])
        n += e["action"] == action;
    return n;
}

} // namespace

class TestHttpAdminClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void readsEverything();
    void whatIsWorthRetrying();
    void logsBackfillAndStream();
    void errorClasses_data();
    void errorClasses();
    void conflictCarriesTheCurrentRoute();
    void unreachable();
    void timeout();
    void getRetriesTransientFailures();
    void malformedBodyNamesTheField();
    void rollbackRetryAfterLostResponseEngagesOnce();
    void cancelStopsRetrying();
    void tlsIsVerified();

private:
    HttpAdminClient *client(Role role, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
    SimFixture m_sim;
    QNetworkAccessManager m_nam;
};

void TestHttpAdminClient::initTestCase()
{
    QVERIFY2(m_sim.start({QStringLiteral("--seed"), QStringLiteral("11"), QStringLiteral("--manual-clock")}),
             qPrintable(m_sim.error()));
    QVERIFY(m_sim.step(5));
}

HttpAdminClient *TestHttpAdminClient::client(Role role, std::chrono::milliseconds timeout)
{
    HttpEndpoint ep;
    ep.baseUrl = m_sim.url();
    ep.token = m_sim.token(role);
    ep.timeout = timeout;
    auto *c = new HttpAdminClient(&m_nam, ep, this);
    c->setGetRetry({3, std::chrono::milliseconds(20), std::chrono::milliseconds(100)});
    c->setActionRetry({6, std::chrono::milliseconds(20), std::chrono::milliseconds(200)});
    return c;
}

void TestHttpAdminClient::readsEverything()
{
    auto *c = client(Role::Viewer);
    const auto info = await<GatewayInfo>([&](auto cb) { c->fetchInfo(cb); });
    QVERIFY2(info, qPrintable(info ? QString() : info.error().describe()));
    QCOMPARE(info->name, QStringLiteral("cutover-sim"));
    QVERIFY(info->capabilities.percentiles && info->capabilities.rollback && info->capabilities.logStream);

    const auto who = await<WhoAmI>([&](auto cb) { c->fetchWhoAmI(cb); });
    QVERIFY(who);
    QCOMPARE(who->role, Role::Viewer);
    QCOMPARE(who->subject, QStringLiteral("demo-viewer"));

    const auto routes = await<RouteList>([&](auto cb) { c->fetchRoutes(cb); });
    QVERIFY(routes);
    QCOMPARE(routes->routes.size(), 6);
    QCOMPARE(routes->routes.at(2).id, QStringLiteral("posts"));
    QCOMPARE(routes->routes.at(2).microservicePercent, 100);

    const auto flags = await<FlagList>([&](auto cb) { c->fetchFlags(cb); });
    QVERIFY(flags);
    QCOMPARE(flags->flags.size(), 5);
    QCOMPARE(flags->flags.at(1).service, QStringLiteral("post-service"));
    QCOMPARE(flags->flags.at(1).routes, QStringList {QStringLiteral("posts")});

    const auto health = await<HealthSnapshot>([&](auto cb) { c->fetchHealth(cb); });
    QVERIFY(health);
    QCOMPARE(health->services.size(), 6);

    const auto metrics = await<MetricsScrape>([&](auto cb) { c->fetchMetrics(cb); });
    QVERIFY(metrics);
    QVERIFY(metrics->contentType.startsWith("application/openmetrics-text"));
    QVERIFY(metrics->body.endsWith("# EOF\n"));

    const auto rollback = await<RollbackState>([&](auto cb) { c->fetchRollback(cb); });
    QVERIFY(rollback);
    QVERIFY(!rollback->engaged);

    const auto audit = await<AuditPage>([&](auto cb) { c->fetchAudit(0, 10, cb); });
    QVERIFY(audit);
}

void TestHttpAdminClient::whatIsWorthRetrying()
{
    ApiError e;
    for (ApiError::Kind k : {ApiError::Kind::Unreachable, ApiError::Kind::Timeout, ApiError::Kind::Server}) {
        e.kind = k;
        QVERIFY(e.isTransient());
    }
    // A conflict is someone else's change: never retried blindly…
    e.kind = ApiError::Kind::Conflict;
    e.code = QStringLiteral("precondition_failed");
    QVERIFY(!e.isTransient());
    // …but our own action still running at the gateway is: the same key gets the first answer.
    e.code = QStringLiteral("idempotency_in_progress");
    QVERIFY(e.isTransient());
    for (ApiError::Kind k : {ApiError::Kind::Unauthorized, ApiError::Kind::Forbidden, ApiError::Kind::Validation,
                             ApiError::Kind::PreconditionRequired, ApiError::Kind::Malformed, ApiError::Kind::Tls}) {
        e.kind = k;
        QVERIFY(!e.isTransient());
    }
}

void TestHttpAdminClient::logsBackfillAndStream()
{
    auto *c = client(Role::Viewer);
    QVERIFY(m_sim.step(2)); // traffic, so the buffer has lines
    const auto newest = await<LogPage>([&](auto cb) { c->fetchLogs(std::nullopt, 5, cb); });
    QVERIFY2(newest, qPrintable(newest ? QString() : newest.error().describe()));
    QCOMPARE(newest->lines.size(), 5);
    QCOMPARE(newest->lines.last().id, newest->lastId);
    QVERIFY(!newest->gap);
    // Resuming inside the buffer: exactly the lines after.
    const LogId from = newest->lines.at(1).id;
    const auto after = await<LogPage>([&](auto cb) { c->fetchLogs(from, 2, cb); });
    QVERIFY(after);
    QCOMPARE(after->lines.size(), 2);
    QCOMPARE(after->lines.first().id, newest->lines.at(2).id);
    QCOMPARE(after->lines.last().id, newest->lines.at(3).id);

    // The live source of this backend follows the SSE stream, after a resume point.
    std::unique_ptr<LogSource> source(c->createLogSource(nullptr));
    QVERIFY(source);
    QCOMPARE(source->describe(), QStringLiteral("SSE GET /admin/logs/stream"));
    QList<LogLine> lines;
    connect(source.get(), &LogSource::linesReceived, this, [&](const QList<LogLine> &batch) { lines += batch; });
    source->start(newest->lastId);
    QTRY_COMPARE_WITH_TIMEOUT(source->state(), LogSource::State::Streaming, 5000);
    QVERIFY(m_sim.step(1));
    QTRY_VERIFY_WITH_TIMEOUT(!lines.isEmpty(), 5000);
    QCOMPARE(lines.first().id, newest->lastId.next());
    source->stop();
    QCOMPARE(source->state(), LogSource::State::Stopped);
}

void TestHttpAdminClient::errorClasses_data()
{
    QTest::addColumn<int>("role");
    QTest::addColumn<QString>("route");
    QTest::addColumn<bool>("sendVersion");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("field");

    QTest::newRow("401 bad token") << -1 << QStringLiteral("media") << true << QStringLiteral("x")
                                   << int(ApiError::Kind::Unauthorized) << 401 << QString();
    QTest::newRow("403 viewer") << int(Role::Viewer) << QStringLiteral("media") << true << QStringLiteral("x")
                                << int(ApiError::Kind::Forbidden) << 403 << QString();
    QTest::newRow("404 unknown route") << int(Role::Operator) << QStringLiteral("nope") << true << QStringLiteral("x")
                                       << int(ApiError::Kind::NotFound) << 404 << QString();
    QTest::newRow("422 empty reason") << int(Role::Operator) << QStringLiteral("media") << true << QStringLiteral("  ")
                                      << int(ApiError::Kind::Validation) << 422 << QStringLiteral("reason");
    QTest::newRow("428 no version") << int(Role::Operator) << QStringLiteral("media") << false << QStringLiteral("x")
                                    << int(ApiError::Kind::PreconditionRequired) << 428 << QString();
}

void TestHttpAdminClient::errorClasses()
{
    QFETCH(int, role);
    QFETCH(QString, route);
    QFETCH(bool, sendVersion);
    QFETCH(QString, reason);
    QFETCH(int, kind);
    QFETCH(int, status);
    QFETCH(QString, field);

    HttpAdminClient *c;
    if (role < 0) {
        HttpEndpoint ep;
        ep.baseUrl = m_sim.url();
        ep.token = "not-a-valid-token-at-all";
        c = new HttpAdminClient(&m_nam, ep, this);
    } else {
        c = client(Role(role));
    }
    const QString version = sendVersion ? QString::fromLatin1(m_sim.version(QStringLiteral("routes/media"))) : QString();
    const auto r = await<Route>([&](auto cb) { c->setRoutePercent(route, 10, version, reason, cb); });
    QVERIFY(!r);
    QCOMPARE(int(r.error().kind), kind);
    QCOMPARE(r.error().httpStatus, status);
    QCOMPARE(r.error().field, field);
    QVERIFY(!r.error().message.isEmpty());
    QVERIFY(r.error().requestId.startsWith(QStringLiteral("cut-")));
    QVERIFY(r.error().describe().contains(QString::number(status)));
}

void TestHttpAdminClient::conflictCarriesTheCurrentRoute()
{
    auto *c = client(Role::Operator);
    const QString v = QString::fromLatin1(m_sim.version(QStringLiteral("routes/payments")));
    const auto first = await<Route>([&](auto cb) { c->setRoutePercent(QStringLiteral("payments"), 5, v, QStringLiteral("canary"), cb); });
    QVERIFY2(first, qPrintable(first ? QString() : first.error().describe()));
    QCOMPARE(first->microservicePercent, 5);
    QVERIFY(first->version != v);
    // A second operator who read the old version must not overwrite silently.
    const auto second = await<Route>([&](auto cb) { c->setRoutePercent(QStringLiteral("payments"), 50, v, QStringLiteral("stale"), cb); });
    QVERIFY(!second);
    QCOMPARE(second.error().kind, ApiError::Kind::Conflict);
    QCOMPARE(second.error().httpStatus, 412);
    QVERIFY(second.error().details.contains("\"microservice_percent\":5"));
    QVERIFY(second.error().details.contains("demo-operator"));
    // Put it back for the other tests.
    const auto back = await<Route>([&](auto cb) { c->setRoutePercent(QStringLiteral("payments"), 0, first->version, QStringLiteral("reset"), cb); });
    QVERIFY(back);
}

void TestHttpAdminClient::unreachable()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost));
    const quint16 port = probe.serverPort();
    probe.close(); // nothing listens there now
    HttpEndpoint ep;
    ep.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
    ep.token = "whatever-token-value";
    HttpAdminClient c(&m_nam, ep);
    c.setGetRetry({2, std::chrono::milliseconds(10), std::chrono::milliseconds(20)});
    const auto r = await<GatewayInfo>([&](auto cb) { c.fetchInfo(cb); });
    QVERIFY(!r);
    QCOMPARE(r.error().kind, ApiError::Kind::Unreachable);
    QVERIFY(r.error().isTransient());
}

void TestHttpAdminClient::timeout()
{
    QCOMPARE(chaos(m_sim, R"({"delay_ms":3000,"path":"/admin/info","count":3})"), QByteArray("200"));
    auto *c = client(Role::Viewer, std::chrono::milliseconds(300));
    c->setGetRetry({1, std::chrono::milliseconds(10), std::chrono::milliseconds(10)});
    const auto r = await<GatewayInfo>([&](auto cb) { c->fetchInfo(cb); });
    QVERIFY(!r);
    QCOMPARE(r.error().kind, ApiError::Kind::Timeout);
    // Let the delayed answers drain so they do not confuse later tests.
    QTest::qWait(0);
    QCOMPARE(chaos(m_sim, R"({"delay_ms":0,"path":"/admin/info","count":0})"), QByteArray("200"));
}

void TestHttpAdminClient::getRetriesTransientFailures()
{
    QCOMPARE(chaos(m_sim, R"({"fail_status":503,"path":"/admin/routes","count":2})"), QByteArray("200"));
    auto *c = client(Role::Viewer);
    const auto ok = await<RouteList>([&](auto cb) { c->fetchRoutes(cb); });
    QVERIFY2(ok, qPrintable(ok ? QString() : ok.error().describe())); // third try succeeds

    QCOMPARE(chaos(m_sim, R"({"fail_status":503,"path":"/admin/routes","count":3})"), QByteArray("200"));
    const auto failed = await<RouteList>([&](auto cb) { c->fetchRoutes(cb); });
    QVERIFY(!failed);
    QCOMPARE(failed.error().kind, ApiError::Kind::Server);
    QCOMPARE(failed.error().httpStatus, 503);
    QCOMPARE(failed.error().code, QStringLiteral("unavailable"));

    // 4xx is not transient: no retry hides it.
    QCOMPARE(chaos(m_sim, R"({"fail_status":400,"path":"/admin/routes","count":1})"), QByteArray("200"));
    const auto bad = await<RouteList>([&](auto cb) { c->fetchRoutes(cb); });
    QVERIFY(!bad);
    QCOMPARE(bad.error().httpStatus, 400);
}

void TestHttpAdminClient::malformedBodyNamesTheField()
{
    const QByteArray missingPrefix =
        R"({"replace_body":"{\"version\":\"1\",\"routes\":[{\"id\":\"posts\"}]}","path":"/admin/routes","count":1})";
    QCOMPARE(chaos(m_sim, missingPrefix), QByteArray("200"));
    auto *c = client(Role::Viewer);
    const auto r = await<RouteList>([&](auto cb) { c->fetchRoutes(cb); });
    QVERIFY(!r);
    QCOMPARE(r.error().kind, ApiError::Kind::Malformed);
    QCOMPARE(r.error().endpoint, QStringLiteral("GET /admin/routes"));
    QCOMPARE(r.error().field, QStringLiteral("$.routes[0].prefix"));

    const QByteArray html = R"({"replace_body":"<html>gateway error</html>","path":"/admin/whoami","count":1})";
    QCOMPARE(chaos(m_sim, html), QByteArray("200"));
    const auto w = await<WhoAmI>([&](auto cb) { c->fetchWhoAmI(cb); });
    QVERIFY(!w);
    QCOMPARE(w.error().kind, ApiError::Kind::Malformed);
    QVERIFY(w.error().message.contains(QStringLiteral("not valid JSON")));
}

void TestHttpAdminClient::rollbackRetryAfterLostResponseEngagesOnce()
{
    SimFixture sim;
    QVERIFY2(sim.start({QStringLiteral("--manual-clock")}), qPrintable(sim.error()));
    const QString version = QString::fromLatin1(sim.version(QStringLiteral("rollback")));
    // Chaos rules match the path whatever the method: read the version first.
    QCOMPARE(chaos(sim, R"({"drop_response":{"path":"/admin/rollback","count":2}})"), QByteArray("200"));
    HttpEndpoint ep;
    ep.baseUrl = sim.url();
    ep.token = sim.token(Role::Operator);
    HttpAdminClient c(&m_nam, ep);
    c.setActionRetry({6, std::chrono::milliseconds(20), std::chrono::milliseconds(200)});

    ActionRequest req;
    req.expectedVersion = version;
    req.reason = QStringLiteral("p95 over SLO on post-service");
    req.idempotencyKey = ActionRequest::newIdempotencyKey();
    const auto r = await<RollbackState>([&](auto cb) { c.engageRollback(req, cb); });
    QVERIFY2(r, qPrintable(r ? QString() : r.error().describe()));
    QVERIFY(r->engaged);
    QCOMPARE(r->snapshot.size(), 6);
    QCOMPARE(auditCount(sim, "rollback.engage"), 1);
    const auto routes = sim.get(QStringLiteral("/admin/routes")).json();
    for (const auto &route : routes["routes"])
        QCOMPARE(route["microservice_percent"].get<int>(), 0);

    // A second click with the same action (same key) does not engage twice either.
    const auto again = await<RollbackState>([&](auto cb) { c.engageRollback(req, cb); });
    QVERIFY(again);
    QCOMPARE(auditCount(sim, "rollback.engage"), 1);

    // Release restores the snapshot.
    ActionRequest rel;
    rel.expectedVersion = r->version;
    rel.reason = QStringLiteral("fixed");
    rel.idempotencyKey = ActionRequest::newIdempotencyKey();
    const auto released = await<RollbackState>([&](auto cb) { c.releaseRollback(rel, false, cb); });
    QVERIFY2(released, qPrintable(released ? QString() : released.error().describe()));
    QVERIFY(!released->engaged);
    const auto after = sim.get(QStringLiteral("/admin/routes/posts")).json();
    QCOMPARE(after["microservice_percent"].get<int>(), 100);
}

void TestHttpAdminClient::cancelStopsRetrying()
{
    SimFixture sim;
    QVERIFY2(sim.start({QStringLiteral("--manual-clock")}), qPrintable(sim.error()));
    const QString version = QString::fromLatin1(sim.version(QStringLiteral("rollback")));
    QCOMPARE(chaos(sim, R"({"fail_status":503,"path":"/admin/rollback","count":1000})"), QByteArray("200"));
    HttpEndpoint ep;
    ep.baseUrl = sim.url();
    ep.token = sim.token(Role::Operator);
    HttpAdminClient c(&m_nam, ep);
    c.setActionRetry({1000, std::chrono::milliseconds(20), std::chrono::milliseconds(50)});
    ActionRequest req;
    req.expectedVersion = version;
    req.reason = QStringLiteral("drill");
    req.idempotencyKey = ActionRequest::newIdempotencyKey();
    const auto r = await<RollbackState>([&](auto cb) {
        const quint64 id = c.engageRollback(req, cb);
        QTimer::singleShot(300, &c, [&c, id] { c.cancelAction(id); });
    });
    QVERIFY(!r);
    QCOMPARE(r.error().kind, ApiError::Kind::Cancelled);
    QCOMPARE(auditCount(sim, "rollback.engage"), 0);
}

void TestHttpAdminClient::tlsIsVerified()
{
    QTemporaryDir dir;
    const QString cert = dir.filePath(QStringLiteral("cert.pem")), key = dir.filePath(QStringLiteral("key.pem"));
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"),
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
                   QStringLiteral("-nodes"), QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"),
                   QStringLiteral("/CN=127.0.0.1"), QStringLiteral("-addext"), QStringLiteral("subjectAltName=IP:127.0.0.1"),
                   QStringLiteral("-keyout"), key, QStringLiteral("-out"), cert});
    QVERIFY(openssl.waitForFinished(30000));
    QCOMPARE(openssl.exitCode(), 0);

    SimFixture sim;
    QVERIFY2(sim.start({QStringLiteral("--tls-cert"), cert, QStringLiteral("--tls-key"), key}), qPrintable(sim.error()));
    QCOMPARE(sim.url().scheme(), QStringLiteral("https"));
    HttpEndpoint ep;
    ep.baseUrl = sim.url();
    ep.token = sim.token(Role::Viewer);
    {
        // Self-signed and not trusted: refused, never silently accepted.
        HttpAdminClient c(&m_nam, ep);
        c.setGetRetry({1});
        const auto r = await<GatewayInfo>([&](auto cb) { c.fetchInfo(cb); });
        QVERIFY(!r);
        QCOMPARE(r.error().kind, ApiError::Kind::Tls);
    }
    {
        // A fresh network manager: a connection that failed verification must not be reused.
        QNetworkAccessManager nam;
        ep.caBundle = cert;
        HttpAdminClient c(&nam, ep);
        const auto r = await<GatewayInfo>([&](auto cb) { c.fetchInfo(cb); });
        QVERIFY2(r, qPrintable(r ? QString() : r.error().describe()));
        QCOMPARE(r->name, QStringLiteral("cutover-sim"));
    }
}

QTEST_GUILESS_MAIN(TestHttpAdminClient)
#include "tst_httpadminclient.moc"
