// HaproxyBackend against a REAL haproxy on loopback, running docs/haproxy/haproxy.cfg with free
// ports and a temporary folder substituted, in front of three tiny HTTP servers in this process
// (monolith, post-service, payment-service: each answers with its name and counts requests; a
// path containing "fail" gets a 500). Traffic goes through haproxy's frontend; everything Cutover
// sees and does goes through the Runtime API.
#include "app/common/appsession.h"
#include "client/haproxy/eventstream.h"
#include "client/haproxy/haproxybackend.h"
#include "models/persistencewatcher.h"
#include "client/logsource.h"
#include "models/boardstate.h"
#include "models/logstore.h"
#include "models/metricsaggregator.h"
#include "models/servicemodel.h"
#include "widgets/chartspanel.h"
#include "widgets/chartwidget.h"
#include "widgets/mainwindow.h"
#include "widgets/persistencebanner.h"
#include "tests/app/haproxytesthelpers.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QScopeGuard>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <array>
#include <csignal>
#include <sys/prctl.h>

using namespace cutover;
using namespace cutover::haproxy;
using namespace std::chrono_literals;

namespace {

using cutover::test::await;
using cutover::test::CliAnswerLoser;
using cutover::test::freePorts;
using cutover::test::getThrough;
using cutover::test::writeHaproxyConfig;
using cutover::test::TinyHttp;
using cutover::test::route;
using cutover::test::service;
using cutover::test::why;
} // namespace

class TestHaproxyBackend : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void infoAndIdentity();
    void unixSocket();
    void healthOfEveryServer();
    void ratesAndErrorsMoveUnderTraffic();
    void cutOverARoute();
    void flagSendsItsUsersToTheMicroservice();
    void rollbackAndRelease();
    void lostRouteAnswersAreReadBack();
    void lostFlagAnswerIsReadBack();
    void lostRollbackAnswerIsReportedAndSentAgain();
    void serverStatesDownMaintDrain();
    void logsAreFollowed();
    void logsThroughTheBackendInterface();
    void cutoverctlDrivesHaproxy();
    void prometheusExporter();
    void persistSurvivesARestart();
    void guiSessionOnHaproxy(); // it persists what earlier tests left unsaved
    void persistenceWatcher();

private:
    void startHaproxy();
    QString launchHaproxy(); // empty when haproxy runs and answers; else why not
    void stopHaproxy();
    QList<int> get(const QString &path, int count, const QByteArray &user = {})
    {
        return getThrough(m_nam, m_frontend, path, count, user);
    }
    Result<RouteList> routes() { return await<RouteList>([this](auto cb) { m_backend->fetchRoutes(cb); }); }
    HaproxyOptions options(const QString &url) const;
    // A backend whose Runtime API goes through `loser` (started here), with a short retry budget.
    std::unique_ptr<HaproxyBackend> lossy(cutover::test::CliAnswerLoser &loser)
    {
        if (!loser.listen())
            return nullptr;
        auto backend = std::make_unique<HaproxyBackend>(options(QStringLiteral("tcp://127.0.0.1:%1").arg(loser.port())), &m_nam);
        backend->setChangeRetry({3, 10ms, 50ms});
        return backend;
    }

    QTemporaryDir m_dir;
    TinyHttp m_monolith {QStringLiteral("monolith")};
    TinyHttp m_posts {QStringLiteral("post-service")};
    TinyHttp m_payments {QStringLiteral("payment-service")};
    quint16 m_frontend = 0, m_stats = 0, m_prometheus = 0;
    QString m_haproxy;
    QProcess m_process;
    QNetworkAccessManager m_nam;
    std::unique_ptr<HaproxyBackend> m_backend;
};

HaproxyOptions TestHaproxyBackend::options(const QString &url) const
{
    Result<HaproxyOptions> o = HaproxyOptions::fromUrl(QUrl(url));
    if (!o)
        qFatal("bad url %s", qPrintable(url));
    HaproxyOptions out = *o;
    out.journalPath = m_dir.filePath(QStringLiteral("journal/audit.jsonl"));
    out.timeout = 5s;
    return out;
}

void TestHaproxyBackend::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // The GUI session's audit journal and settings stay in the test's folder: through these
    // variables, which test mode (tests/support/testmode.cpp) would ignore for ~/.qttest, and
    // which the cutoverctl it starts reads too.
    QStandardPaths::setTestModeEnabled(false);
    qputenv("XDG_DATA_HOME", m_dir.filePath(QStringLiteral("data")).toUtf8());
    qputenv("XDG_CONFIG_HOME", m_dir.filePath(QStringLiteral("config")).toUtf8());
    m_haproxy = qEnvironmentVariable("CUTOVER_HAPROXY");
    if (m_haproxy.isEmpty())
        m_haproxy = QStandardPaths::findExecutable(QStringLiteral("haproxy"));
    if (m_haproxy.isEmpty())
        m_haproxy = QStandardPaths::findExecutable(QStringLiteral("haproxy"),
                                                   {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/local/sbin"), QStringLiteral("/sbin")});
    if (m_haproxy.isEmpty())
        QFAIL("haproxy not found (PATH, /usr/sbin, /usr/local/sbin, or $CUTOVER_HAPROXY): install it with scripts/deps.sh");
    QVERIFY(m_monolith.listen() && m_posts.listen() && m_payments.listen());
    for (const char *map : {"routes.map", "flags.map"})
        QVERIFY(QFile::copy(QFINDTESTDATA(QStringLiteral("../../docs/haproxy/") + QLatin1String(map)), m_dir.filePath(QLatin1String(map))));
    for (const char *map : {"routes.map", "flags.map"})
        QFile::setPermissions(m_dir.filePath(QLatin1String(map)), QFile::ReadOwner | QFile::WriteOwner);

    // A port is free when probed, but another test running beside this one may take it before
    // haproxy binds it: then haproxy exits, and this tries other ports.
    for (int attempt = 1;; ++attempt) {
        const QList<quint16> ports = freePorts(3);
        QCOMPARE(ports.size(), 3);
        m_frontend = ports[0];
        m_stats = ports[1];
        m_prometheus = ports[2];
        writeHaproxyConfig(m_dir.path(), {m_stats, m_frontend, m_prometheus, m_monolith.port(), m_posts.port(), m_payments.port()});
        if (QTest::currentTestFailed())
            return;
        const QString error = launchHaproxy();
        if (error.isEmpty())
            break;
        if (!error.contains(QLatin1String("Address already in use")) || attempt == 5)
            QFAIL(qPrintable(error));
    }
    // All servers pass their first checks.
    QTRY_VERIFY_WITH_TIMEOUT(
        [this] {
            const Result<HealthSnapshot> h = await<HealthSnapshot>([this](auto cb) { m_backend->fetchHealth(cb); });
            return h.ok() && h->services.size() == 3
                && std::all_of(h->services.cbegin(), h->services.cend(),
                               [](const ServiceHealth &s) { return s.status == HealthStatus::Healthy; });
        }(),
        10000);
}

void TestHaproxyBackend::startHaproxy()
{
    const QString error = launchHaproxy();
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

QString TestHaproxyBackend::launchHaproxy()
{
    m_process.setProgram(m_haproxy);
    m_process.setArguments({QStringLiteral("-f"), m_dir.filePath(QStringLiteral("haproxy.cfg")), QStringLiteral("-db")});
    m_process.setWorkingDirectory(m_dir.path());
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    // However this test ends, haproxy ends with it.
    m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    m_process.start();
    if (!m_process.waitForStarted(5000))
        return m_haproxy + QStringLiteral(": ") + m_process.errorString();
    m_backend = std::make_unique<HaproxyBackend>(options(QStringLiteral("tcp://127.0.0.1:%1").arg(m_stats)), &m_nam);
    // Ready once the Runtime API answers (or haproxy gave up). One call per try, so that the
    // last failure is the one reported.
    QDeadlineTimer deadline(10s);
    QString lastError;
    bool ready = false;
    while (!ready && m_process.state() == QProcess::Running && !deadline.hasExpired()) {
        const Result<GatewayInfo> info = await<GatewayInfo>([this](auto cb) { m_backend->fetchInfo(cb); });
        if ((ready = info.ok()))
            break;
        lastError = why(info);
        QTest::qWait(50);
    }
    if (m_process.state() != QProcess::Running) {
        m_backend.reset();
        m_process.waitForFinished(5000);
        return QStringLiteral("haproxy exited: ") + QString::fromLocal8Bit(m_process.readAll());
    }
    if (!ready)
        return QStringLiteral("the Runtime API never answered: ") + lastError;
    return {};
}

void TestHaproxyBackend::stopHaproxy()
{
    m_backend.reset();
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    if (!m_process.waitForFinished(5000)) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

void TestHaproxyBackend::cleanupTestCase()
{
    stopHaproxy();
    // What haproxy said, for a failed run's log.
    const QByteArray output = m_process.readAll();
    if (!output.isEmpty())
        qInfo("haproxy output:\n%s", output.right(4000).constData());
}

void TestHaproxyBackend::infoAndIdentity()
{
    const Result<GatewayInfo> info = await<GatewayInfo>([this](auto cb) { m_backend->fetchInfo(cb); });
    QVERIFY2(info.ok(), qPrintable(why(info)));
    QVERIFY(info->version.startsWith(QLatin1String("2.")));
    QVERIFY(info->capabilities.health && info->capabilities.metrics && info->capabilities.routes);
    QVERIFY(info->capabilities.flags && info->capabilities.rollback && info->capabilities.audit);
    QVERIFY(info->capabilities.logs && info->capabilities.logStream);
    QVERIFY(!info->capabilities.percentiles); // averages only: the UI must say so
    const Result<WhoAmI> me = await<WhoAmI>([this](auto cb) { m_backend->fetchWhoAmI(cb); });
    QVERIFY2(me.ok(), qPrintable(why(me)));
    QCOMPARE(me->role, Role::Admin);
    QCOMPARE(me->subject, m_backend->actor());
}

void TestHaproxyBackend::unixSocket()
{
    HaproxyBackend local(options(QStringLiteral("unix://") + m_dir.filePath(QStringLiteral("admin.sock"))));
    const Result<WhoAmI> me = await<WhoAmI>([&](auto cb) { local.fetchWhoAmI(cb); });
    QVERIFY2(me.ok(), qPrintable(why(me)));
    QCOMPARE(me->role, Role::Admin);
    const Result<RouteList> list = await<RouteList>([&](auto cb) { local.fetchRoutes(cb); });
    QVERIFY2(list.ok(), qPrintable(why(list)));
    QCOMPARE(list->routes.size(), 3);
}

void TestHaproxyBackend::healthOfEveryServer()
{
    const Result<HealthSnapshot> h = await<HealthSnapshot>([this](auto cb) { m_backend->fetchHealth(cb); });
    QVERIFY2(h.ok(), qPrintable(why(h)));
    QCOMPARE(h->gateway.status, HealthStatus::Healthy);
    QVERIFY(h->gateway.latency.has_value());
    const ServiceHealth *mono = service(*h, "monolith");
    QVERIFY(mono);
    QCOMPARE(mono->kind, ServiceKind::Monolith);
    QCOMPARE(mono->checks.size(), 3); // be_monolith, be_posts, be_payments
    QVERIFY(mono->latency.has_value()); // check duration
    QVERIFY(mono->checks.first().message.contains(QStringLiteral("L7OK")));
    QCOMPARE(service(*h, "post-service")->kind, ServiceKind::Microservice);
}

void TestHaproxyBackend::ratesAndErrorsMoveUnderTraffic()
{
    MetricsAggregator agg(nullptr);
    const auto now = [] { return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()); };
    const Result<MetricsScrape> before = await<MetricsScrape>([this](auto cb) { m_backend->fetchMetrics(cb); });
    QVERIFY2(before.ok(), qPrintable(why(before)));
    const WallTime t0 = now();
    QVERIFY(!agg.ingest(before->body, ExpositionFormat::PrometheusText, t0));

    const int monolithBefore = m_monolith.requests;
    QList<int> statuses = get(QStringLiteral("/api/posts/1"), 15) + get(QStringLiteral("/api/posts/fail"), 5);
    QCOMPARE(statuses.count(200), 15);
    QCOMPARE(statuses.count(500), 5);
    QCOMPARE(m_monolith.requests - monolithBefore, 20); // posts is at 0 %: all to the monolith

    const Result<MetricsScrape> after = await<MetricsScrape>([this](auto cb) { m_backend->fetchMetrics(cb); });
    QVERIFY(after.ok());
    const WallTime t1 = std::max(now(), t0 + 1ms);
    QVERIFY(!agg.ingest(after->body, ExpositionFormat::PrometheusText, t1));
    const auto window = std::chrono::ceil<std::chrono::seconds>(t1 - t0);
    const WindowStats posts = agg.stats({MetricGroup::Scope::Route, QStringLiteral("posts"), MetricGroup::Via::Monolith}, window);
    QCOMPARE(posts.requests, 20.0);
    QVERIFY(posts.requestRate && *posts.requestRate > 0);
    QCOMPARE(*posts.errorRatio, 0.25);
    QVERIFY(std::isnan(posts.p95)); // no histogram in HAProxy

    // The typed snapshot agrees, and has HAProxy's latency averages.
    const Result<HaproxyStats> stats = await<HaproxyStats>([this](auto cb) { m_backend->fetchStats(cb); });
    QVERIFY(stats.ok());
    const HaproxyStatRow *srv = stats->find(QStringLiteral("be_posts"), QStringLiteral("monolith"));
    QVERIFY(srv);
    QVERIFY(srv->responses[HaproxyStatRow::Hrsp5xx] >= 5);
    QVERIFY(srv->totalTimeMs.has_value() && srv->responseTimeMs.has_value());
}

void TestHaproxyBackend::cutOverARoute()
{
    const Result<RouteList> list = routes();
    QVERIFY2(list.ok(), qPrintable(why(list)));
    const Route posts = *route(*list, "posts");
    QCOMPARE(posts.microservicePercent, 0);
    QCOMPARE(posts.service, QStringLiteral("post-service"));
    QCOMPARE(route(*list, "payments")->microservicePercent, 10);

    auto set = [this](const char *id, int percent, const QString &version, const QString &reason) {
        return await<Route>([&](auto cb) { m_backend->setRoutePercent(QLatin1String(id), percent, version, reason, cb); });
    };
    QCOMPARE(set("posts", 50, QString(), QStringLiteral("x")).error().kind, ApiError::Kind::PreconditionRequired);
    QCOMPARE(set("posts", 50, posts.version, QStringLiteral("  ")).error().field, QStringLiteral("reason"));
    QCOMPARE(set("posts", 101, posts.version, QStringLiteral("x")).error().field, QStringLiteral("microservice_percent"));
    QCOMPARE(set("nope", 5, posts.version, QStringLiteral("x")).error().kind, ApiError::Kind::NotFound);
    QCOMPARE(set("media", 5, route(*list, "media")->version, QStringLiteral("x")).error().kind, ApiError::Kind::Validation);

    QSignalSpy unpersisted(m_backend.get(), &HaproxyBackend::unpersistedChangesChanged);
    const Result<Route> changed = set("posts", 50, posts.version, QStringLiteral("error rate flat, next step"));
    QVERIFY2(changed.ok(), qPrintable(why(changed)));
    QCOMPARE(changed->microservicePercent, 50);
    QVERIFY(changed->version != posts.version);
    QCOMPARE(changed->updatedBy, m_backend->actor());
    QVERIFY(m_backend->hasUnpersistedChanges());
    QCOMPARE(route(*routes(), "posts")->version, changed->version);

    const int msBefore = m_posts.requests, monoBefore = m_monolith.requests;
    QCOMPARE(get(QStringLiteral("/api/posts/2"), 40).count(200), 40);
    QCOMPARE((m_posts.requests - msBefore) + (m_monolith.requests - monoBefore), 40);
    QVERIFY2(m_posts.requests - msBefore >= 15 && m_posts.requests - msBefore <= 25, "round robin 50/50");

    // Someone holding the old version is refused, with the current state in the details.
    const Result<Route> stale = set("posts", 100, posts.version, QStringLiteral("stale"));
    QCOMPARE(stale.error().kind, ApiError::Kind::Conflict);
    QVERIFY(stale.error().details.contains(changed->version.toUtf8()));
}

void TestHaproxyBackend::flagSendsItsUsersToTheMicroservice()
{
    // payments to 0 %: only flagged users may reach payment-service.
    const Route payments = *route(*routes(), "payments");
    QVERIFY(await<Route>([&](auto cb) { m_backend->setRoutePercent(payments.id, 0, payments.version, QStringLiteral("flags only"), cb); }).ok());
    const Result<FlagList> flags = await<FlagList>([this](auto cb) { m_backend->fetchFlags(cb); });
    QVERIFY2(flags.ok(), qPrintable(why(flags)));
    const auto flag = std::find_if(flags->flags.cbegin(), flags->flags.cend(),
                                   [](const Flag &f) { return f.name == QLatin1String("use_payment_microservice"); });
    QVERIFY(flag != flags->flags.cend());
    QCOMPARE(flag->routes, QStringList {QStringLiteral("payments")});
    FlagChange change;
    change.enabled = true;
    change.rolloutPercent = 0;
    change.allowUsers = {QStringLiteral("u-tester")};
    change.description = QStringLiteral("payments beta");
    const Result<Flag> updated = await<Flag>([&](auto cb) {
        m_backend->updateFlag(flag->name, change, flag->version, QStringLiteral("beta tester"), cb);
    });
    QVERIFY2(updated.ok(), qPrintable(why(updated)));
    QCOMPARE(updated->allowUsers, change.allowUsers);
    QCOMPARE(updated->description, QStringLiteral("payments beta"));
    QVERIFY(updated->version != flag->version);

    const int ms = m_payments.requests;
    QCOMPARE(get(QStringLiteral("/api/payments/a"), 6, "u-tester").count(200), 6);
    QCOMPARE(m_payments.requests - ms, 6);
    QCOMPARE(get(QStringLiteral("/api/payments/b"), 6, "u-other").count(200), 6);
    QCOMPARE(get(QStringLiteral("/api/payments/c"), 6).count(200), 6);
    QCOMPARE(m_payments.requests - ms, 6);
}

void TestHaproxyBackend::rollbackAndRelease()
{
    const Result<RollbackState> initial = await<RollbackState>([this](auto cb) { m_backend->fetchRollback(cb); });
    QVERIFY2(initial.ok(), qPrintable(why(initial)));
    QVERIFY(!initial->engaged);
    const qint64 journalBefore = m_backend->journal().latestId();

    ActionRequest engage {initial->version, QStringLiteral("payment-service 5xx spike"), ActionRequest::newIdempotencyKey()};
    const Result<RollbackState> engaged = await<RollbackState>([&](auto cb) { m_backend->engageRollback(engage, cb); });
    QVERIFY2(engaged.ok(), qPrintable(why(engaged)));
    QVERIFY(engaged->engaged);
    QCOMPARE(engaged->reason, engage.reason);
    const auto snap = std::find_if(engaged->snapshot.cbegin(), engaged->snapshot.cend(),
                                   [](const RollbackSnapshotEntry &s) { return s.route == QLatin1String("posts"); });
    QVERIFY(snap != engaged->snapshot.cend());
    QCOMPARE(snap->microservicePercent, 50);

    // Every request reaches the monolith, flagged users included.
    const int posts = m_posts.requests, payments = m_payments.requests;
    QCOMPARE(get(QStringLiteral("/api/posts/3"), 20).count(200), 20);
    QCOMPARE(get(QStringLiteral("/api/payments/d"), 10, "u-tester").count(200), 10);
    QCOMPARE(m_posts.requests, posts);
    QCOMPARE(m_payments.requests, payments);

    // The same request again (a lost answer): replayed, not applied twice.
    const Result<RollbackState> replayed = await<RollbackState>([&](auto cb) { m_backend->engageRollback(engage, cb); });
    QVERIFY2(replayed.ok(), qPrintable(why(replayed)));
    QCOMPARE(replayed->version, engaged->version);
    QCOMPARE(m_backend->journal().latestId(), journalBefore + 1);
    // A new engage, or a route change, while engaged: conflict.
    ActionRequest again {engaged->version, QStringLiteral("again"), ActionRequest::newIdempotencyKey()};
    QCOMPARE(await<RollbackState>([&](auto cb) { m_backend->engageRollback(again, cb); }).error().kind, ApiError::Kind::Conflict);
    const Result<RouteList> during = routes();
    QVERIFY(during->rollbackEngaged);
    QCOMPARE(route(*during, "posts")->microservicePercent, 0);
    const Route p = *route(*during, "posts");
    QCOMPARE(await<Route>([&](auto cb) { m_backend->setRoutePercent(p.id, 10, p.version, QStringLiteral("x"), cb); }).error().kind,
             ApiError::Kind::Conflict);

    ActionRequest release {engaged->version, QStringLiteral("hotfix deployed"), ActionRequest::newIdempotencyKey()};
    const Result<RollbackState> released = await<RollbackState>([&](auto cb) { m_backend->releaseRollback(release, false, cb); });
    QVERIFY2(released.ok(), qPrintable(why(released)));
    QVERIFY(!released->engaged);
    QCOMPARE(released->releasedBy, m_backend->actor());
    QCOMPARE(route(*routes(), "posts")->microservicePercent, 50);
    const int msBefore = m_posts.requests;
    QCOMPARE(get(QStringLiteral("/api/posts/4"), 20).count(200), 20);
    QVERIFY(m_posts.requests - msBefore >= 5);
    QCOMPARE(get(QStringLiteral("/api/payments/e"), 4, "u-tester").count(200), 4);
    QCOMPARE(m_payments.requests, payments + 4);

    // The journal: one entry per change, with reasons and keys.
    const Result<AuditPage> audit = await<AuditPage>([this](auto cb) { m_backend->fetchAudit(0, 100, cb); });
    QVERIFY(audit.ok());
    QStringList actions;
    for (const AuditEntry &e : audit->entries)
        actions.append(e.action);
    QCOMPARE(actions, (QStringList {QStringLiteral("route.update"), QStringLiteral("route.update"), QStringLiteral("flag.update"),
                                    QStringLiteral("rollback.engage"), QStringLiteral("rollback.release")}));
    const AuditEntry &e = audit->entries.at(3);
    QCOMPARE(e.idempotencyKey, QString::fromLatin1(engage.idempotencyKey));
    QCOMPARE(e.reason, engage.reason);
    QVERIFY(e.before.contains("\"posts\":50"));
    QVERIFY(e.after.contains("\"posts\":0"));
}

// Through a link that drops the answer to one `set weight` HAProxy applied.
void TestHaproxyBackend::lostRouteAnswersAreReadBack()
{
    QCOMPARE(route(*routes(), "posts")->microservicePercent, 50);
    qint64 journal = m_backend->journal().latestId();
    const struct { int percent, lost, seen; } cases[] {
        {70, 1, 2}, // the last applied: the read back finds the route at the target; nothing goes again
        {50, 0, 3}, // the first applied: the read back finds it partly in; the whole plan goes again
    };
    for (const auto &c : cases) {
        const Route before = *route(*routes(), "posts");
        CliAnswerLoser loser(m_stats, "set weight ", c.lost);
        const auto backend = lossy(loser);
        QVERIFY(backend);
        const Result<Route> changed = await<Route>([&](auto cb) {
            backend->setRoutePercent(before.id, c.percent, before.version, QStringLiteral("lost answer drill"), cb);
        });
        QVERIFY(loser.cut);
        QVERIFY2(changed.ok(), qPrintable(why(changed)));
        QCOMPARE(changed->microservicePercent, c.percent);
        QCOMPARE(loser.seen, c.seen);
        QCOMPARE(route(*routes(), "posts")->version, changed->version);
        QCOMPARE(m_backend->journal().latestId(), ++journal); // journaled once
    }
}

// A flag's one map change applied, its answer lost: read back, journaled once, not sent again.
void TestHaproxyBackend::lostFlagAnswerIsReadBack()
{
    const auto payments = [this] {
        return cutover::test::flagNamed(await<FlagList>([this](auto cb) { m_backend->fetchFlags(cb); }), "use_payment_microservice");
    };
    const Flag flag = payments();
    QVERIFY(!flag.version.isEmpty());
    const qint64 journal = m_backend->journal().latestId();
    const FlagChange change {flag.enabled, flag.rolloutPercent == 20 ? 30 : 20, flag.allowUsers, std::nullopt};
    CliAnswerLoser loser(m_stats, "set map ", 0);
    const auto backend = lossy(loser);
    QVERIFY(backend);
    const Result<Flag> updated = await<Flag>([&](auto cb) {
        backend->updateFlag(flag.name, change, flag.version, QStringLiteral("lost answer drill"), cb);
    });
    QVERIFY(loser.cut);
    QVERIFY2(updated.ok(), qPrintable(why(updated)));
    QCOMPARE(updated->rolloutPercent, change.rolloutPercent);
    QCOMPARE(updated->allowUsers, change.allowUsers);
    QCOMPARE(loser.seen, 1);
    QCOMPARE(payments().version, updated->version);
    QCOMPARE(m_backend->journal().latestId(), journal + 1);
}

// The engage's `prepare map` answer is lost before anything was committed: the backend's own action
// (the one layer that resends) reads HAProxy back, finds it not applied, reports that step with the
// action's id (GatewayBackend::actionProgress), and sends the plan again itself.
void TestHaproxyBackend::lostRollbackAnswerIsReportedAndSentAgain()
{
    const Result<RollbackState> initial = await<RollbackState>([this](auto cb) { m_backend->fetchRollback(cb); });
    QVERIFY2(initial.ok(), qPrintable(why(initial)));
    QVERIFY(!initial->engaged);
    const qint64 journal = m_backend->journal().latestId();
    CliAnswerLoser loser(m_stats, "prepare map ", 0);
    const auto lossyBackend = lossy(loser);
    QVERIFY(lossyBackend);
    GatewayBackend *backend = lossyBackend.get();
    backend->setActionRetry({3, 10ms, 50ms});
    QCOMPARE(backend->actionRetry().attempts, 3);
    QList<QPair<quint64, ActionStep>> steps;
    connect(backend, &GatewayBackend::actionProgress, this, [&](quint64 id, const ActionStep &s) { steps.append({id, s}); });
    const ActionRequest engage {initial->version, QStringLiteral("lost answer drill"), ActionRequest::newIdempotencyKey()};
    quint64 id = 0;
    const Result<RollbackState> engaged = await<RollbackState>([&](auto cb) { id = backend->engageRollback(engage, cb); });
    // Back as it was for the tests after this one, whatever is found here.
    const auto release = qScopeGuard([&] {
        const Result<RollbackState> now = await<RollbackState>([this](auto cb) { m_backend->fetchRollback(cb); });
        if (!now || !now->engaged)
            return;
        const ActionRequest r {now->version, QStringLiteral("drill over"), ActionRequest::newIdempotencyKey()};
        const Result<RollbackState> released = await<RollbackState>([&](auto cb) { m_backend->releaseRollback(r, false, cb); });
        if (!released)
            qWarning("release after the drill: %s", qPrintable(why(released)));
    });
    QVERIFY(loser.cut);
    QVERIFY2(engaged.ok(), qPrintable(why(engaged)));
    QVERIFY(engaged->engaged);
    QCOMPARE(lossyBackend->journal().latestId(), journal + 1); // journaled once
    QCOMPARE(loser.seen, 2); // one `prepare map` per try of the one action
    QCOMPARE(steps.size(), 3);
    for (qsizetype i = 0; i < steps.size(); ++i) {
        const auto &[stepId, s] = steps.at(i);
        QCOMPARE(stepId, id);
        QCOMPARE(s.kind, i == 1 ? ActionStep::Kind::Again : ActionStep::Kind::Sending);
        QCOMPARE(s.of, 3);
    }
    const ActionStep &again = steps.at(1).second;
    QCOMPARE(again.number, 0);
    QVERIFY(again.error.answerLost);
    QVERIFY(again.readBack && again.notApplied);
    QVERIFY2(!again.evidence.isEmpty(), qPrintable(again.line));
}

void TestHaproxyBackend::serverStatesDownMaintDrain()
{
    auto health = [this] { return await<HealthSnapshot>([this](auto cb) { m_backend->fetchHealth(cb); }); };
    auto statusOf = [&](const char *name) {
        const Result<HealthSnapshot> h = health();
        const ServiceHealth *s = h.ok() ? service(*h, name) : nullptr;
        return s ? s->status : HealthStatus::Unknown;
    };
    m_posts.stop();
    QTRY_COMPARE_WITH_TIMEOUT(statusOf("post-service"), HealthStatus::Unhealthy, 5000);
    const Result<HaproxyStats> stats = await<HaproxyStats>([this](auto cb) { m_backend->fetchStats(cb); });
    const HaproxyStatRow *down = stats->find(QStringLiteral("be_posts"), QStringLiteral("post-service"));
    QCOMPARE(down->state, HaproxyStatRow::State::Down);
    QVERIFY(down->checkStatus.startsWith(QLatin1String("L4")));
    QVERIFY(service(*health(), "post-service")->message.contains(QStringLiteral("DOWN")));
    QCOMPARE(get(QStringLiteral("/api/posts/5"), 6).count(200), 6); // the monolith takes over
    QVERIFY(m_posts.restart());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf("post-service"), HealthStatus::Healthy, 5000);

    RuntimeClient cli(m_backend->options().endpoint);
    auto run = [&](const QByteArray &command) {
        return await<RuntimeClient::Replies>([&](auto cb) { cli.run({command}, cb); });
    };
    QVERIFY(run("set server be_payments/payment-service state maint").ok());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf("payment-service"), HealthStatus::Unhealthy, 5000);
    QVERIFY(service(*health(), "payment-service")->message.contains(QStringLiteral("MAINT")));
    QVERIFY(run("set server be_payments/payment-service state ready").ok());
    QVERIFY(run("set server be_posts/monolith state drain").ok());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf("monolith"), HealthStatus::Degraded, 5000);
    QVERIFY(run("set server be_posts/monolith state ready").ok());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf("monolith"), HealthStatus::Healthy, 5000);
}

void TestHaproxyBackend::logsAreFollowed()
{
    EventStream stream(m_backend->options().endpoint, QString());
    EventStream::Options o;
    o.reconnectDelay = 50ms;
    stream.setOptions(o);
    QList<LogLine> lines;
    connect(&stream, &EventStream::linesReceived, this, [&](const QList<LogLine> &batch) { lines += batch; });
    QSignalSpy gaps(&stream, &EventStream::gap);
    QList<EventStream::State> states;
    QStringList errors;
    connect(&stream, &EventStream::connectionStateChanged, this, [&](EventStream::State st, const std::optional<ApiError> &e) {
        states.append(st);
        if (e)
            errors.append(e->describe());
    });
    stream.start();
    QTRY_COMPARE_WITH_TIMEOUT(stream.state(), EventStream::State::Streaming, 5000);
    QCOMPARE(stream.ring(), QStringLiteral("cutover-log"));
    auto count = [&](const QString &path) {
        return std::count_if(lines.cbegin(), lines.cend(), [&](const LogLine &l) { return l.path == path; });
    };
    QCOMPARE(get(QStringLiteral("/api/posts/log-1"), 1, "u-log").count(200), 1);
    QCOMPARE(get(QStringLiteral("/api/posts/fail-log"), 1).count(500), 1);
    QTRY_COMPARE_WITH_TIMEOUT(count(QStringLiteral("/api/posts/fail-log")), 1, 5000);
    const auto first = std::find_if(lines.cbegin(), lines.cend(), [](const LogLine &l) { return l.path == QLatin1String("/api/posts/log-1"); });
    QVERIFY(first != lines.cend());
    QCOMPARE(first->status, 200);
    QCOMPARE(first->route, QStringLiteral("posts"));
    QCOMPARE(first->userId, QStringLiteral("u-log"));
    QCOMPARE(first->method, QStringLiteral("GET"));
    QVERIFY(first->backend == QLatin1String("monolith") || first->backend == QLatin1String("microservice"));

    // HAProxy ends "show events -w" when its stats timeout expires (not always armed, so the test
    // ends the session itself, over the UNIX socket: the follower is the only TCP CLI session). The
    // stream comes back and neither loses nor repeats a line.
    Endpoint unixSocket;
    unixSocket.transport = Endpoint::Transport::Unix;
    unixSocket.path = m_dir.filePath(QStringLiteral("admin.sock"));
    RuntimeClient admin(unixSocket);
    const Result<RuntimeClient::Replies> sessions = await<RuntimeClient::Replies>([&](auto cb) { admin.run({"show sess"}, cb); });
    QVERIFY2(sessions.ok(), qPrintable(why(sessions)));
    QByteArray follower;
    for (const QByteArray &line : sessions->first().output.split('\n')) {
        if (line.contains("proto=tcpv4") && line.contains("fe=GLOBAL"))
            follower = line.left(line.indexOf(':'));
    }
    QVERIFY2(!follower.isEmpty(), sessions->first().output.constData());
    const qsizetype before = states.size();
    QVERIFY(await<RuntimeClient::Replies>([&](auto cb) { admin.run({"shutdown session " + follower}, cb); }).ok());
    QCOMPARE(get(QStringLiteral("/api/posts/log-gap"), 1).count(200), 1); // while it reconnects
    QTRY_VERIFY2_WITH_TIMEOUT(states.mid(before).contains(EventStream::State::Reconnecting)
                                  && stream.state() == EventStream::State::Streaming,
                              qPrintable(errors.join(QStringLiteral("; "))), 5000);
    QVERIFY(errors.isEmpty());
    QCOMPARE(get(QStringLiteral("/api/posts/log-2"), 1).count(200), 1);
    QTRY_COMPARE_WITH_TIMEOUT(count(QStringLiteral("/api/posts/log-2")), 1, 5000);
    QCOMPARE(count(QStringLiteral("/api/posts/log-1")), 1);
    QCOMPARE(count(QStringLiteral("/api/posts/log-gap")), 1);
    for (qsizetype i = 1; i < lines.size(); ++i)
        QVERIFY(lines.at(i).id > lines.at(i - 1).id);
    QCOMPARE(gaps.size(), 0);
    stream.stop();
}

void TestHaproxyBackend::logsThroughTheBackendInterface()
{
    // Backfill: the newest lines of the ring, numbered within the page.
    QCOMPARE(get(QStringLiteral("/api/posts/backfill-me"), 1).count(200), 1);
    Result<LogPage> page = LogPage {};
    QTRY_VERIFY_WITH_TIMEOUT((page = await<LogPage>([this](auto cb) { m_backend->fetchLogs(std::nullopt, 3, cb); })).ok()
                                 && !page->lines.isEmpty() && page->lines.last().path == QLatin1String("/api/posts/backfill-me"),
                             5000);
    QCOMPARE(page->lines.size(), 3);
    QCOMPARE(page->firstId, LogId {1});
    QCOMPARE(page->lastId, LogId {3});
    for (qsizetype i = 0; i < page->lines.size(); ++i)
        QCOMPARE(page->lines.at(i).id, LogId {quint64(i) + 1});
    QCOMPARE(page->lines.last().route, QStringLiteral("posts"));
    // A ring has no ids to resume after: refused, not answered with the wrong lines.
    const Result<LogPage> after = await<LogPage>([this](auto cb) { m_backend->fetchLogs(LogId {1}, 3, cb); });
    QVERIFY(!after.ok());
    QCOMPARE(after.error().kind, ApiError::Kind::Validation);
    QCOMPARE(after.error().field, QStringLiteral("after"));

    // The live source, started after an id: a gap it cannot count, then new lines numbered on.
    std::unique_ptr<LogSource> source(m_backend->createLogSource(nullptr));
    QVERIFY(source);
    QVERIFY(source->describe().contains(QLatin1String("HAProxy")));
    QList<LogLine> lines;
    QList<std::array<quint64, 3>> gaps;
    connect(source.get(), &LogSource::linesReceived, this, [&](const QList<LogLine> &batch) { lines += batch; });
    connect(source.get(), &LogSource::gap, this, [&](LogId from, LogId to, quint64 missed) {
        gaps.append({from.value, to.value, missed});
        QVERIFY(lines.isEmpty()); // the marker comes before the lines after it
    });
    source->start(LogId {100});
    QTRY_COMPARE_WITH_TIMEOUT(source->state(), LogSource::State::Streaming, 5000);
    QCOMPARE(gaps.size(), 1);
    QCOMPARE(gaps.first(), (std::array<quint64, 3> {101, 101, 0}));
    QCOMPARE(get(QStringLiteral("/api/posts/after-gap"), 1).count(200), 1);
    QTRY_VERIFY_WITH_TIMEOUT(!lines.isEmpty() && lines.last().path == QLatin1String("/api/posts/after-gap"), 5000);
    QVERIFY(lines.first().id > LogId {101});
    source->stop();
}

void TestHaproxyBackend::cutoverctlDrivesHaproxy()
{
    // The CLI picks the HAProxy backend for a tcp:// gateway, with no token (the Runtime API has
    // none), and reads everything through the same interface as the GUI.
    const QString ctl = qEnvironmentVariable("CUTOVERCTL");
    QVERIFY2(!ctl.isEmpty(), "CUTOVERCTL is not set (ctest sets it)");
    const auto run = [&](const QStringList &args, QByteArray *out = nullptr) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("CUTOVER_TOKEN"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_dir.filePath(QStringLiteral("data")));
        p.setProcessEnvironment(env);
        // The upstreams answer HAProxy's health checks from this process's event loop: it must keep
        // running while the CLI works (a blocking wait of 2 s marks every server DOWN).
        QEventLoop loop;
        connect(&p, &QProcess::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(30s, &loop, &QEventLoop::quit);
        p.start(ctl, QStringList {QStringLiteral("--gateway"), QStringLiteral("tcp://127.0.0.1:%1").arg(m_stats)} + args);
        if (!p.waitForStarted(5000))
            return -1;
        loop.exec();
        if (p.state() != QProcess::NotRunning) {
            p.kill();
            p.waitForFinished();
            return -1;
        }
        if (out)
            *out = p.readAllStandardOutput() + p.readAllStandardError();
        return p.exitCode();
    };
    QByteArray out;
    QCOMPARE(run({QStringLiteral("routes"), QStringLiteral("--json")}, &out), 0);
    QVERIFY2(out.contains("\"posts\"") && out.contains("\"payments\""), out.constData());
    QCOMPARE(run({QStringLiteral("status")}, &out), 0);
    QVERIFY2(out.contains("post-service"), out.constData());
    QCOMPARE(get(QStringLiteral("/api/payments/ctl-log"), 1).count(200), 1);
    QTRY_VERIFY_WITH_TIMEOUT(run({QStringLiteral("logs"), QStringLiteral("--limit"), QStringLiteral("5")}, &out) == 0
                                 && out.contains("/api/payments/ctl-log"),
                             10000);
    QCOMPARE(run({QStringLiteral("flags"), QStringLiteral("--json")}, &out), 0);
    QVERIFY2(out.contains("use_payment_microservice"), out.constData());

    // The controls too: a cutover, then the emergency rollback and its release, seen at HAProxy.
    const Route before = *route(*routes(), "posts");
    const int percent = before.microservicePercent == 25 ? 75 : 25;
    QCOMPARE(run({QStringLiteral("route"), QStringLiteral("set"), QStringLiteral("posts"), QString::number(percent),
                  QStringLiteral("--reason"), QStringLiteral("ctl cutover")},
                 &out),
             0);
    QCOMPARE(route(*routes(), "posts")->microservicePercent, percent);
    QCOMPARE(run({QStringLiteral("rollback"), QStringLiteral("engage"), QStringLiteral("--reason"), QStringLiteral("ctl drill")}, &out), 0);
    const Result<RouteList> engaged = routes(); // kept: the loop must not walk a destroyed temporary
    QVERIFY2(engaged.ok(), qPrintable(why(engaged)));
    for (const Route &r : engaged->routes)
        QVERIFY2(r.microservicePercent == 0 || r.id == QLatin1String("monolith"), qPrintable(r.id));
    const int atMonolith = m_monolith.requests;
    QCOMPARE(get(QStringLiteral("/api/posts/ctl-rolled-back"), 4).count(200), 4);
    QCOMPARE(m_monolith.requests, atMonolith + 4);
    QCOMPARE(run({QStringLiteral("rollback"), QStringLiteral("release"), QStringLiteral("--reason"), QStringLiteral("ctl drill over")}, &out), 0);
    QCOMPARE(route(*routes(), "posts")->microservicePercent, percent);
    QCOMPARE(run({QStringLiteral("route"), QStringLiteral("set"), QStringLiteral("posts"),
                  QString::number(before.microservicePercent), QStringLiteral("--reason"), QStringLiteral("ctl restore")},
                 &out),
             0);
    QCOMPARE(route(*routes(), "posts")->microservicePercent, before.microservicePercent);
    // A malformed address is a usage error, not a crash or a hang.
    QProcess bad;
    bad.start(ctl, {QStringLiteral("--gateway"), QStringLiteral("tcp://127.0.0.1"), QStringLiteral("routes")});
    QVERIFY(bad.waitForFinished(10000));
    QCOMPARE(bad.exitCode(), 2);
}

void TestHaproxyBackend::guiSessionOnHaproxy()
{
    // The GUI's session with a "haproxy" profile: the board fills from `show stat`, the log view
    // follows the ring, and no token is asked for.
    QSettings settings(m_dir.filePath(QStringLiteral("gui.ini")), QSettings::IniFormat);
    AppSession session(&settings);
    Profile profile;
    profile.name = QStringLiteral("edge-haproxy");
    profile.kind = profileKindForUrl(QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(m_stats))).value_or(GatewayKind::Http);
    QCOMPARE(profile.kind, GatewayKind::Haproxy);
    profile.url = QUrl(QStringLiteral("tcp://127.0.0.1:%1?server_state_file=%2")
                           .arg(m_stats)
                           .arg(m_dir.filePath(QStringLiteral("cutover-server-state"))));
    QSignalSpy connected(&session, &AppSession::connected);
    QSignalSpy failed(&session, &AppSession::failed);
    session.connectTo(profile, {});
    QCOMPARE(failed.size(), 0);
    QCOMPARE(connected.size(), 1);
    QVERIFY(qobject_cast<HaproxyBackend *>(session.backend()));
    ServiceModel *services = session.state()->services();
    QTRY_VERIFY_WITH_TIMEOUT(services->rowOf(QStringLiteral("post-service")) >= 0, 10000);
    QVERIFY(services->rowOf(QStringLiteral("payment-service")) >= 0);
    QVERIFY(session.logSource());
    QTRY_COMPARE_WITH_TIMEOUT(session.logSource()->state(), LogSource::State::Streaming, 10000);
    const quint64 before = session.state()->logs()->endSeq();
    QCOMPARE(get(QStringLiteral("/api/posts/gui-session"), 1).count(200), 1);
    QTRY_VERIFY_WITH_TIMEOUT(session.state()->logs()->endSeq() > before
                                 && session.state()->logs()->line(session.state()->logs()->endSeq() - 1).path
                                     == QLatin1String("/api/posts/gui-session"),
                             10000);

    // No histogram in HAProxy: the board and the charts show its averages, labelled as such,
    // and never a p95.
    const QModelIndex p95 = services->index(services->rowOf(QStringLiteral("post-service")), ServiceModel::P95Column);
    QTRY_VERIFY_WITH_TIMEOUT((get(QStringLiteral("/api/posts/avg"), 3), services->data(p95).toString().startsWith(QLatin1String("avg "))),
                             15000);
    QVERIFY(services->data(p95, Qt::ToolTipRole).toString().contains(QLatin1String("no p95")));
    QVERIFY(session.state()->metrics()->hasAverageLatency());
    QVERIFY(!session.state()->metrics()->hasLatency());
    auto *charts = session.window()->findChild<ChartsPanel *>();
    QVERIFY(charts);
    QTRY_VERIFY_WITH_TIMEOUT(charts->latencyChart()->title().contains(QLatin1String("avg")), 5000);

    // A runtime change shows on the board as not persisted; saving it (with a reason) clears it.
    auto *banner = session.window()->findChild<PersistenceBanner *>();
    QVERIFY(banner);
    session.window()->show();
    QVERIFY(QTest::qWaitForWindowExposed(session.window()));
    // Versions are the backend's own (they count its journal): read them where they are used.
    const Result<RouteList> list = await<RouteList>([&](auto cb) { session.backend()->fetchRoutes(cb); });
    QVERIFY2(list.ok(), qPrintable(why(list)));
    const Route posts = *route(*list, "posts");
    const int percent = posts.microservicePercent == 40 ? 60 : 40;
    const Result<Route> changed = await<Route>([&](auto cb) {
        session.backend()->setRoutePercent(posts.id, percent, posts.version, QStringLiteral("gui persistence"), cb);
    });
    QVERIFY2(changed.ok(), qPrintable(why(changed)));
    QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible() && banner->message()->text().contains(QLatin1String("reload")), 10000);
    QVERIFY(!banner->saveButton()->isEnabled()); // a reason first
    // For looking at it: CUTOVER_SCREENSHOT_DIR=dir gets the window as an operator sees it now.
    if (const QString dir = qEnvironmentVariable("CUTOVER_SCREENSHOT_DIR"); !dir.isEmpty()) {
        session.window()->resize(1600, 1000);
        QTest::qWait(1500);
        QVERIFY(session.window()->grab().save(dir + QStringLiteral("/haproxy-session.png")));
    }
    QTest::keyClicks(banner->reasonField(), QStringLiteral("keep the 40/60 split"));
    QVERIFY(banner->saveButton()->isEnabled());
    QTest::mouseClick(banner->saveButton(), Qt::LeftButton);
    QTRY_VERIFY2_WITH_TIMEOUT(!banner->isVisible(), qPrintable(banner->message()->text()), 10000);
    auto *sessionBackend = qobject_cast<HaproxyBackend *>(session.backend());
    QVERIFY(!sessionBackend->hasUnpersistedChanges());
    QVERIFY(!sessionBackend->journal().entries().isEmpty());
}

void TestHaproxyBackend::prometheusExporter()
{
    HaproxyBackend promex(options(QStringLiteral("tcp://127.0.0.1:%1?metrics=http://127.0.0.1:%2/metrics").arg(m_stats).arg(m_prometheus)),
                          &m_nam);
    const Result<MetricsScrape> scrape = await<MetricsScrape>([&](auto cb) { promex.fetchMetrics(cb); });
    QVERIFY2(scrape.ok(), qPrintable(why(scrape)));
    QVERIFY(scrape->contentType.startsWith("text/plain"));
    QVERIFY(scrape->body.contains("haproxy_server_http_responses_total{proxy=\"be_posts\",server=\"post-service\",code=\"2xx\"}"));
    const Result<GatewayInfo> info = await<GatewayInfo>([&](auto cb) { promex.fetchInfo(cb); });
    QCOMPARE(info->requestsMetric, QStringLiteral("haproxy_server_http_responses_total"));
}

void TestHaproxyBackend::persistSurvivesARestart()
{
    const Result<HaproxyPersistence> risky = await<HaproxyPersistence>([this](auto cb) { m_backend->fetchPersistence(cb); });
    QVERIFY2(risky.ok(), qPrintable(why(risky)));
    QVERIFY(risky->atRisk());
    QVERIFY(risky->flags && risky->flags->readable && !risky->flags->inSync);
    QVERIFY(!risky->weightsChanged.isEmpty()); // posts at 50/50, payments at 100/0
    QVERIFY(!risky->weightsSaved);

    HaproxyOptions withState = options(QStringLiteral("tcp://127.0.0.1:%1?server_state_file=%2")
                                           .arg(m_stats)
                                           .arg(m_dir.filePath(QStringLiteral("cutover-server-state"))));
    HaproxyBackend saver(withState);
    const Result<HaproxyPersistence> saved = await<HaproxyPersistence>([&](auto cb) { saver.persistMaps(QStringLiteral("before reload"), cb); });
    QVERIFY2(saved.ok(), qPrintable(why(saved)));
    QVERIFY2(!saved->atRisk(), "everything live is on disk");
    QVERIFY(saved->weightsSaved);
    QFile flags(m_dir.filePath(QStringLiteral("flags.map")));
    QVERIFY(flags.open(QIODevice::ReadOnly));
    const QByteArray text = flags.readAll();
    QVERIFY(text.startsWith("# Feature flags")); // comments kept
    QVERIFY(text.contains("use_payment_microservice@u-tester allow"));
    // Read back from the files (on a worker thread), not from what was just written.
    const Result<HaproxyPersistence> again = await<HaproxyPersistence>([&](auto cb) { saver.fetchPersistence(cb); });
    QVERIFY2(again.ok(), qPrintable(why(again)));
    QVERIFY(!again->atRisk());
    QVERIFY(again->flags && again->flags->readable && again->flags->inSync);
    QVERIFY(again->weightsSaved);

    // A restart loads the maps and the weights from disk: routing as before.
    const Route before = *route(*routes(), "posts");
    stopHaproxy();
    startHaproxy();
    if (QTest::currentTestFailed())
        return;
    const Result<RouteList> after = routes();
    QVERIFY2(after.ok(), qPrintable(why(after)));
    QCOMPARE(route(*after, "posts")->microservicePercent, before.microservicePercent);
    QCOMPARE(route(*after, "payments")->microservicePercent, 0);
    const Result<FlagList> f = await<FlagList>([this](auto cb) { m_backend->fetchFlags(cb); });
    QVERIFY(std::any_of(f->flags.cbegin(), f->flags.cend(), [](const Flag &x) { return x.allowUsers.contains(QStringLiteral("u-tester")); }));
}

// A watcher on `backend`, wired as the console's session wires it.
std::unique_ptr<PersistenceWatcher> watcherOn(HaproxyBackend *backend, std::chrono::milliseconds interval)
{
    return std::make_unique<PersistenceWatcher>(
        [backend](PersistenceWatcher::Done done) { backend->fetchPersistence(std::move(done)); },
        [backend](const QString &reason, PersistenceWatcher::Done done) { backend->persistMaps(reason, std::move(done)); },
        nullptr, interval);
}

void TestHaproxyBackend::persistenceWatcher()
{
    // Checks now and again each interval, says when a reload would undo a change, and saves.
    // With a server-state file, so that saving keeps the weights too and nothing stays at risk.
    HaproxyBackend saver(options(QStringLiteral("tcp://127.0.0.1:%1?server_state_file=%2")
                                     .arg(m_stats)
                                     .arg(m_dir.filePath(QStringLiteral("cutover-server-state")))));
    const auto owned = watcherOn(&saver, 100ms);
    PersistenceWatcher &watcher = *owned;
    QSignalSpy checked(&watcher, &PersistenceWatcher::checked);
    QSignalSpy saving(&watcher, &PersistenceWatcher::savingChanged);
    QSignalSpy saved(&watcher, &PersistenceWatcher::saved);
    watcher.start();
    QTRY_VERIFY_WITH_TIMEOUT(checked.size() >= 3, 10000);
    QVERIFY(watcher.persistence());
    QVERIFY(watcher.checkError().isEmpty());

    const Route posts = *route(*routes(), "posts");
    const int percent = posts.microservicePercent == 30 ? 70 : 30;
    const Result<Route> changed = await<Route>([&](auto cb) {
        saver.setRoutePercent(posts.id, percent, posts.version, QStringLiteral("watcher"), cb);
    });
    QVERIFY2(changed.ok(), qPrintable(why(changed)));
    QTRY_VERIFY_WITH_TIMEOUT(watcher.persistence()->atRisk(), 10000);

    watcher.save(QStringLiteral("watcher keeps 30/70"));
    QVERIFY(watcher.isSaving());
    watcher.save(QStringLiteral("a second click")); // not a second save
    QCOMPARE(saving.size(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(saved.size(), 1, 10000);
    QVERIFY(!watcher.isSaving());
    QCOMPARE(saving.size(), 2);
    QCOMPARE(saving.at(1).at(0).toBool(), false);
    QVERIFY(!saved.first().first().value<HaproxyPersistence>().atRisk());
    QVERIFY(!watcher.persistence()->atRisk());

    // A Runtime API that does not answer is a failed check, with why.
    HaproxyBackend nowhere(options(QStringLiteral("tcp://127.0.0.1:1")));
    const auto ownedBlind = watcherOn(&nowhere, 100ms);
    PersistenceWatcher &blind = *ownedBlind;
    QSignalSpy failed(&blind, &PersistenceWatcher::checkFailed);
    blind.start();
    QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 10000);
    QVERIFY(!blind.checkError().isEmpty());
    QCOMPARE(failed.first().first().toString(), blind.checkError());
    QVERIFY(!blind.persistence());
}

QTEST_MAIN(TestHaproxyBackend)
#include "tst_haproxybackend.moc"
