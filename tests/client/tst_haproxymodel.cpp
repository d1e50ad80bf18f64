// The HAProxy strangler-fig model without a HAProxy: maps (listing, dumps, files), the audit
// journal, routes/flags/rollback derived from captures, versions, weights. What the synthesised
// exposition gives through the models is tests/app/tst_haproxymetrics.
#include "client/haproxy/auditjournal.h"
#include "client/haproxy/backendsupport.h"
#include "client/haproxy/eventstream.h"
#include "client/haproxy/haproxybackend.h"
#include "client/haproxy/haproxymodel.h"
#include "client/haproxy/mapentries.h"
#include "client/haproxy/statcsv.h"
#include "tests/support/haproxycaptures.h"

#include <QFile>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QElapsedTimer>
#include <QLockFile>
#include <QTimer>

using namespace cutover;
using namespace cutover::haproxy;
using namespace std::chrono_literals;

namespace {

using cutover::test::findRow;
using cutover::test::haproxyCapture;

// The journal reads and writes its file on the thread pool: these wait for the answer.
std::optional<QString> refreshed(AuditJournal &journal)
{
    std::optional<std::optional<QString>> out;
    journal.refresh([&out](std::optional<QString> error) { out = std::move(error); });
    if (!QTest::qWaitFor([&out] { return out.has_value(); }, 10000))
        return QStringLiteral("the refresh did not finish");
    return *out;
}

Result<JournalEntry> appended(AuditJournal &journal, JournalEntry entry, std::function<void(JournalEntry &)> finalize = {})
{
    std::optional<Result<JournalEntry>> out;
    journal.append(std::move(entry), std::move(finalize), [&out](Result<JournalEntry> r) { out = std::move(r); });
    if (!QTest::qWaitFor([&out] { return out.has_value(); }, 10000)) {
        ApiError e;
        e.message = QStringLiteral("the append did not finish");
        return e;
    }
    return *out;
}

} // namespace

namespace {

ConfigSnapshot capturedConfig()
{
    ConfigSnapshot c;
    c.routesMapFile = QStringLiteral("/tmp/hx/ex/routes.map");
    c.routes = *parseMapDump(haproxyCapture("show_map_routes.txt"));
    c.flagsMapFile = QStringLiteral("/tmp/hx/ex/flags.map");
    c.flags = *parseMapDump(haproxyCapture("show_map_flags.txt"));
    c.rows = *parseShowStat(haproxyCapture("show_stat_traffic.csv"));
    return c;
}

} // namespace

class TestHaproxyModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void mapListing();
    void mapDumpAndVersion();
    void ringFromListing();
    void mapFileMerge();
    void serversState();
    void routesFromCapture();
    void flagsFromCapture();
    void flagValues_data();
    void flagValues();
    void versionsMove();
    void weightsSpread();
    void journalRoundTrip();
    void journalSeesOtherWriters();
    void journalWaitsForTheLockWithoutBlocking();
    void rollbackFromJournal();
    void keptOnMonolithKeepsItsRoute();
    void ringLinesFromCapture();
    void ringFormats_data();
    void ringFormats();
    void actionsRetryThenGiveUpOrCancel();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestHaproxyModel::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestHaproxyModel::mapListing()
{
    const QList<MapInfo> maps = parseMapList(haproxyCapture("show_map_list.txt"));
    QCOMPARE(maps.size(), 2);
    const std::optional<MapInfo> routes = findMap(maps, QString(), QStringLiteral("routes.map"));
    QVERIFY(routes);
    QCOMPARE(routes->file, QStringLiteral("/tmp/hx/ex/routes.map"));
    QCOMPARE(routes->entryCount, 3);
    QVERIFY(findMap(maps, QStringLiteral("/tmp/hx/ex/flags.map"), QString()));
    QVERIFY(!findMap(maps, QStringLiteral("/elsewhere/flags.map"), QString()));
    QVERIFY(!findMap(maps, QString(), QStringLiteral("other.map")));
}

void TestHaproxyModel::mapDumpAndVersion()
{
    const Result<QList<MapEntry>> flags = parseMapDump(haproxyCapture("show_map_flags.txt"));
    QVERIFY(flags.ok());
    QCOMPARE(flags->size(), 3);
    QCOMPARE(flags->at(1), (MapEntry {QStringLiteral("use_payment_microservice"), QStringLiteral("on 10")}));
    QCOMPARE(parsePreparedVersion("New version created: 12"), std::optional<quint32>(12));
    QVERIFY(!parsePreparedVersion("Unknown map identifier"));
}

void TestHaproxyModel::ringFromListing()
{
    const QByteArray listing = haproxyCapture("show_events_list.txt");
    QCOMPARE(pickRing(listing, QString()), QStringLiteral("cutover-log")); // buf0 is HAProxy's own
    QCOMPARE(pickRing(listing, QStringLiteral("buf0")), QStringLiteral("buf0"));
    QVERIFY(pickRing(listing, QStringLiteral("nope")).isEmpty());
    QVERIFY(pickRing("    buf0       : type=buffer, 0 dropped, in-memory ring buffer\n", QString()).isEmpty());
}

void TestHaproxyModel::mapFileMerge()
{
    const QByteArray original = "# routes\n"
                                "/api/posts        be_posts\n"
                                "\n"
                                "  /api/media   be_monolith   \n"
                                "/api/gone be_gone\n";
    QCOMPARE(parseMapFile(original).size(), 3);
    const QList<MapEntry> live {{QStringLiteral("/api/posts"), QStringLiteral("be_monolith")},
                                {QStringLiteral("/api/media"), QStringLiteral("be_monolith")},
                                {QStringLiteral("/api/new"), QStringLiteral("be_new")}};
    const QByteArray merged = mergeMapFile(original, live);
    QCOMPARE(merged, QByteArray("# routes\n"
                                "/api/posts        be_monolith\n"
                                "\n"
                                "  /api/media   be_monolith   \n"
                                "/api/new be_new\n"));
    QCOMPARE(parseMapFile(merged), live);
    // A value with blanks (flags) survives the round trip.
    const QList<MapEntry> flags {{QStringLiteral("use_post_microservice"), QStringLiteral("on 25")}};
    QCOMPARE(parseMapFile(mergeMapFile("use_post_microservice off 0\n", flags)), flags);
}

void TestHaproxyModel::serversState()
{
    const Result<QList<ServerWeight>> weights = parseServersState(haproxyCapture("show_servers_state.txt"));
    QVERIFY(weights.ok());
    QCOMPARE(weights->size(), 5);
    const auto posts = std::find_if(weights->cbegin(), weights->cend(), [](const ServerWeight &w) {
        return w.backend == QLatin1String("be_posts") && w.server == QLatin1String("post-service");
    });
    QVERIFY(posts != weights->cend());
    QCOMPARE(posts->userWeight, 25);   // set at runtime
    QCOMPARE(posts->initialWeight, 0); // haproxy.cfg
}

void TestHaproxyModel::routesFromCapture()
{
    AuditJournal journal(m_dir->filePath(QStringLiteral("j.jsonl")));
    const Model m = buildModel(capturedConfig(), Conventions(), journal);
    QCOMPARE(m.routes.size(), 3);
    const RouteState *posts = m.route(QStringLiteral("posts"));
    QVERIFY(posts);
    QCOMPARE(posts->route.prefix, QStringLiteral("/api/posts"));
    QCOMPARE(posts->route.service, QStringLiteral("post-service"));
    QCOMPARE(posts->route.microservicePercent, 25); // weights 75 / 25 in the capture
    QCOMPARE(posts->backend, QStringLiteral("be_posts"));
    QCOMPARE(m.route(QStringLiteral("payments"))->route.microservicePercent, 10);
    // A prefix the monolith still owns, with no backend to split in.
    const RouteState *media = m.route(QStringLiteral("media"));
    QVERIFY(media);
    QCOMPARE(media->route.microservicePercent, 0);
    QVERIFY(!media->backendExists);
    QVERIFY(!m.rollback.engaged);
    QCOMPARE(m.rollback.version, QStringLiteral("rb-0"));
    QVERIFY(!m.allToMonolith);
    QCOMPARE(m.routeList().version, m.globalVersion);
}

void TestHaproxyModel::flagsFromCapture()
{
    AuditJournal journal(m_dir->filePath(QStringLiteral("j.jsonl")));
    const Model m = buildModel(capturedConfig(), Conventions(), journal);
    QCOMPARE(m.flags.flags.size(), 2);
    const Flag *pay = m.flag(QStringLiteral("use_payment_microservice"));
    QVERIFY(pay);
    QVERIFY(pay->enabled);
    QCOMPARE(pay->rolloutPercent, 10);
    QCOMPARE(pay->allowUsers, QStringList {QStringLiteral("u-00042")});
    QCOMPARE(pay->service, QStringLiteral("payment-service"));
    QCOMPARE(pay->routes, QStringList {QStringLiteral("payments")});
    const Flag *post = m.flag(QStringLiteral("use_post_microservice"));
    QVERIFY(!post->enabled);
    QCOMPARE(post->routes, QStringList {QStringLiteral("posts")});
}

void TestHaproxyModel::flagValues_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<bool>("enabled");
    QTest::addColumn<int>("percent");
    QTest::newRow("on 25") << QStringLiteral("on 25") << true << true << 25;
    QTest::newRow("off 0") << QStringLiteral("off 0") << true << false << 0;
    QTest::newRow("on alone") << QStringLiteral("on") << true << true << 100;
    QTest::newRow("off keeps percent") << QStringLiteral("off 40") << true << false << 40;
    QTest::newRow("garbage") << QStringLiteral("maybe 3") << false << false << 0;
    QTest::newRow("out of range") << QStringLiteral("on 101") << false << false << 0;
}

void TestHaproxyModel::flagValues()
{
    QFETCH(QString, value);
    QFETCH(bool, valid);
    QFETCH(bool, enabled);
    QFETCH(int, percent);
    const std::optional<FlagValue> v = parseFlagValue(value);
    QCOMPARE(v.has_value(), valid);
    if (!v)
        return;
    QCOMPARE(v->enabled, enabled);
    QCOMPARE(v->rolloutPercent, percent);
    QCOMPARE(parseFlagValue(flagValueText(enabled, percent))->rolloutPercent, percent);
}

void TestHaproxyModel::versionsMove()
{
    AuditJournal journal(m_dir->filePath(QStringLiteral("j.jsonl")));
    ConfigSnapshot c = capturedConfig();
    const Model a = buildModel(c, Conventions(), journal);
    // Counters move all the time; versions do not follow them.
    findRow(c.rows, "be_posts", "post-service")->responses[HaproxyStatRow::Hrsp2xx] += 100;
    const Model b = buildModel(c, Conventions(), journal);
    QCOMPARE(b.route(QStringLiteral("posts"))->route.version, a.route(QStringLiteral("posts"))->route.version);
    QCOMPARE(b.globalVersion, a.globalVersion);
    // A weight changed behind our back: that route's version moves, the other's does not.
    findRow(c.rows, "be_posts", "post-service")->userWeight = 50;
    const Model d = buildModel(c, Conventions(), journal);
    QVERIFY(d.route(QStringLiteral("posts"))->route.version != a.route(QStringLiteral("posts"))->route.version);
    QCOMPARE(d.route(QStringLiteral("payments"))->route.version, a.route(QStringLiteral("payments"))->route.version);
    QVERIFY(d.globalVersion != a.globalVersion);
    // A journal entry for the route (a change that set what was there) moves it too.
    JournalEntry e;
    e.audit.action = QStringLiteral("route.update");
    e.audit.target = QStringLiteral("routes/payments");
    QVERIFY(appended(journal, e).ok());
    const Model f = buildModel(c, Conventions(), journal);
    QVERIFY(f.route(QStringLiteral("payments"))->route.version != d.route(QStringLiteral("payments"))->route.version);
    QCOMPARE(f.route(QStringLiteral("payments"))->route.version,
             versionAfterEntry(d.route(QStringLiteral("payments"))->route.version, 1));
}

void TestHaproxyModel::weightsSpread()
{
    RouteState s;
    s.monolithServers = {{QStringLiteral("monolith"), 100}};
    s.microserviceServers = {{QStringLiteral("posts-a"), 0}, {QStringLiteral("posts-b"), 0}};
    const QList<WeightedServer> w = weightsFor(s, 25);
    QCOMPARE(w.size(), 3);
    QCOMPARE(w.at(0).weight, 75);
    QCOMPARE(w.at(1).weight + w.at(2).weight, 25);
    QVERIFY(std::abs(w.at(1).weight - w.at(2).weight) <= 1);
    QCOMPARE(weightsFor(s, 100).at(0).weight, 0);
}

void TestHaproxyModel::journalRoundTrip()
{
    const QString path = m_dir->filePath(QStringLiteral("audit/127.0.0.1_9999.jsonl"));
    AuditJournal journal(path);
    QVERIFY(!refreshed(journal));
    QCOMPARE(journal.latestId(), 0);
    Route before;
    before.id = QStringLiteral("posts");
    before.microservicePercent = 10;
    Route after = before;
    after.microservicePercent = 25;
    JournalEntry e;
    e.audit.actor = QStringLiteral("alice");
    e.audit.role = QStringLiteral("admin");
    e.audit.action = QStringLiteral("route.update");
    e.audit.target = QStringLiteral("routes/posts");
    e.audit.before = AuditJournal::routeJson(before);
    e.audit.reason = QStringLiteral("error rate flat");
    e.audit.requestId = QStringLiteral("cut-1");
    const Result<JournalEntry> written = appended(journal, e, [&after](JournalEntry &j) {
        after.version = QString::number(j.audit.id);
        j.audit.after = AuditJournal::routeJson(after);
    });
    QVERIFY(written.ok());
    QCOMPARE(written->audit.id, 1);
    QVERIFY(written->audit.time.isValid());
    QVERIFY(written->audit.after.contains("\"microservice_percent\":25"));
    QVERIFY(written->audit.after.contains("\"version\":\"1\""));

    // One JSON object per line, the contract's field names.
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray line = f.readAll();
    QCOMPARE(line.count('\n'), 1);
    for (const char *field : {"\"id\":1", "\"time\":", "\"actor\":\"alice\"", "\"role\":\"admin\"", "\"action\":\"route.update\"",
                              "\"target\":\"routes/posts\"", "\"before\":{", "\"after\":{", "\"reason\":\"error rate flat\"",
                              "\"request_id\":\"cut-1\"", "\"idempotency_key\":null"})
        QVERIFY2(line.contains(field), field);

    AuditJournal again(path);
    QVERIFY(!refreshed(again));
    QCOMPARE(again.entries().size(), 1);
    QCOMPARE(again.entries().first().audit.reason, QStringLiteral("error rate flat"));
    const AuditPage page = again.page(0, 10);
    QCOMPARE(page.latestId, 1);
    QCOMPARE(page.entries.size(), 1);
    QCOMPARE(again.page(1, 10).entries.size(), 0);
    QCOMPARE(again.latestFor(QStringLiteral("routes/posts"))->audit.id, 1);
}

void TestHaproxyModel::journalSeesOtherWriters()
{
    const QString path = m_dir->filePath(QStringLiteral("shared.jsonl"));
    AuditJournal a(path), b(path);
    JournalEntry e;
    e.audit.action = QStringLiteral("flag.update");
    e.audit.target = QStringLiteral("flags/x");
    QCOMPARE(appended(a, e)->audit.id, 1);
    QCOMPARE(appended(b, e)->audit.id, 2); // b read a's line before writing
    QVERIFY(!refreshed(a));
    QCOMPARE(a.latestId(), 2);
    // A torn last line (a writer died) is not read until it is complete.
    QFile f(path);
    QVERIFY(f.open(QIODevice::Append));
    f.write("{\"id\":3,\"action\":\"flag.up");
    f.close();
    QVERIFY(!refreshed(a));
    QCOMPARE(a.latestId(), 2);
}

void TestHaproxyModel::journalWaitsForTheLockWithoutBlocking()
{
    // Another Cutover is writing: the append waits for its lock on the thread pool, and the
    // event loop (the board, the rollback button) keeps going meanwhile.
    const QString path = m_dir->filePath(QStringLiteral("locked.jsonl"));
    QLockFile other(path + QStringLiteral(".lock"));
    QVERIFY(other.tryLock());
    AuditJournal journal(path);
    JournalEntry e;
    e.audit.action = QStringLiteral("flag.update");
    e.audit.target = QStringLiteral("flags/x");
    std::optional<Result<JournalEntry>> out;
    QElapsedTimer clock;
    clock.start();
    journal.append(e, {}, [&out](Result<JournalEntry> r) { out = std::move(r); });
    int ticks = 0;
    QTimer ticker;
    ticker.setInterval(20);
    QObject::connect(&ticker, &QTimer::timeout, [&ticks] { ++ticks; });
    ticker.start();
    QTimer::singleShot(600, [&other] { other.unlock(); });
    QTRY_VERIFY_WITH_TIMEOUT(out.has_value(), 10000);
    QVERIFY2(out->ok(), qPrintable(out->ok() ? QString() : out->error().describe()));
    QCOMPARE((*out)->audit.id, 1);
    QVERIFY(clock.elapsed() >= 550);
    QVERIFY2(ticks >= 10, qPrintable(QString::number(ticks)));
    QCOMPARE(journal.latestId(), 1);
}

void TestHaproxyModel::rollbackFromJournal()
{
    AuditJournal journal(m_dir->filePath(QStringLiteral("j.jsonl")));
    ConfigSnapshot c = capturedConfig();
    const Model before = buildModel(c, Conventions(), journal);
    QList<QPair<QString, QString>> snapshot;
    for (const MapEntry &e : c.routes)
        snapshot.append({e.key, e.value});
    JournalEntry e;
    e.audit.action = QStringLiteral("rollback.engage");
    e.audit.target = QStringLiteral("rollback");
    e.audit.actor = QStringLiteral("alice");
    e.audit.reason = QStringLiteral("5xx spike");
    e.audit.before = AuditJournal::percentsJson({{QStringLiteral("posts"), 25}, {QStringLiteral("payments"), 10}});
    e.audit.idempotencyKey = QStringLiteral("key-1");
    e.extra = AuditJournal::rollbackExtra(c.routesMapFile, snapshot);
    const Result<JournalEntry> written = appended(journal, e);
    QVERIFY(written.ok());
    QCOMPARE(journal.findByIdempotencyKey(QStringLiteral("key-1"))->audit.id, written->audit.id);

    // The live map still routes to the microservices: the rollback is not in effect.
    Model lost = buildModel(c, Conventions(), journal);
    QVERIFY(!lost.rollback.engaged);
    QVERIFY(lost.rollbackLost);
    QVERIFY(lost.rollback.version != before.rollback.version);

    for (MapEntry &m : c.routes)
        m.value = QStringLiteral("be_monolith");
    const Model engaged = buildModel(c, Conventions(), journal);
    QVERIFY(engaged.rollback.engaged);
    QVERIFY(!engaged.rollbackLost);
    QCOMPARE(engaged.rollback.engagedBy, QStringLiteral("alice"));
    QCOMPARE(engaged.rollback.reason, QStringLiteral("5xx spike"));
    QCOMPARE(engaged.rollback.snapshot.size(), 2);
    // Routes keep their identity (from the snapshot) and read 0 %.
    QCOMPARE(engaged.routes.size(), 3);
    QCOMPARE(engaged.route(QStringLiteral("posts"))->route.microservicePercent, 0);
    QCOMPARE(engaged.route(QStringLiteral("posts"))->route.service, QStringLiteral("post-service"));
    QVERIFY(engaged.routeList().rollbackEngaged);
    const RollbackRecord rec = *journal.latestRollback();
    QCOMPARE(rec.mapEntries, snapshot);
}

void TestHaproxyModel::keptOnMonolithKeepsItsRoute()
{
    // /api/blog was served by be_posts; a release with keep_monolith left it on the monolith.
    AuditJournal journal(m_dir->filePath(QStringLiteral("j.jsonl")));
    ConfigSnapshot c = capturedConfig();
    JournalEntry engage;
    engage.audit.action = QStringLiteral("rollback.engage");
    engage.audit.target = QStringLiteral("rollback");
    engage.extra = AuditJournal::rollbackExtra(c.routesMapFile, {{QStringLiteral("/api/blog"), QStringLiteral("be_posts")}});
    QVERIFY(appended(journal, engage).ok());
    JournalEntry release;
    release.audit.action = QStringLiteral("rollback.release");
    release.audit.target = QStringLiteral("rollback");
    QVERIFY(appended(journal, release).ok());
    c.routes = {{QStringLiteral("/api/blog"), QStringLiteral("be_monolith")}};
    const Model m = buildModel(c, Conventions(), journal);
    QVERIFY(!m.rollback.engaged);
    QCOMPARE(m.routes.size(), 1);
    QCOMPARE(m.routes.first().route.id, QStringLiteral("posts"));
    QCOMPARE(m.routes.first().backend, QStringLiteral("be_posts"));
    QCOMPARE(m.routes.first().route.microservicePercent, 0);
    QVERIFY(m.rollback.releasedAt.isValid());
}

void TestHaproxyModel::ringLinesFromCapture()
{
    QList<LogLine> lines;
    for (const QByteArray &raw : haproxyCapture("show_events_sample.txt").split('\n')) {
        if (!raw.trimmed().isEmpty())
            lines.append(toLogLine(splitRingLine(raw), Conventions()));
    }
    QCOMPARE(lines.size(), 10);
    // A health event: text and level only.
    QCOMPARE(lines.at(0).level, LogLevel::Error); // <1> alert
    QVERIFY(lines.at(0).message.startsWith(QLatin1String("Server be_monolith/monolith is DOWN")));
    QVERIFY(lines.at(0).path.isEmpty());
    QCOMPARE(QDateTime::fromMSecsSinceEpoch(lines.at(0).time.time_since_epoch().count(), Qt::UTC)
                 .toString(Qt::ISODateWithMs),
             QStringLiteral("2026-11-26T05:44:14.302Z"));
    // httplog lines.
    const LogLine &fail = lines.at(5);
    QCOMPARE(fail.method, QStringLiteral("GET"));
    QCOMPARE(fail.path, QStringLiteral("/api/posts/fail1"));
    QCOMPARE(fail.status, 500);
    QCOMPARE(fail.level, LogLevel::Error);
    QCOMPARE(fail.route, QStringLiteral("posts"));
    QCOMPARE(fail.backend, QStringLiteral("monolith"));
    QCOMPARE(fail.upstream, QStringLiteral("be_posts/monolith"));
    QCOMPARE(fail.latency.count(), 1.0);
    QVERIFY(fail.userId.isEmpty());
    const LogLine &user = lines.at(6);
    QCOMPARE(user.userId, QStringLiteral("u-00042"));
    QCOMPARE(user.route, QStringLiteral("payments"));
    QCOMPARE(user.level, LogLevel::Info);
    const LogLine &micro = lines.at(8);
    QCOMPARE(micro.backend, QStringLiteral("microservice"));
    QCOMPARE(micro.service, QStringLiteral("post-service"));
    QCOMPARE(micro.latency.count(), 6.0);
    const LogLine &nosrv = lines.at(9);
    QCOMPARE(nosrv.backend, QString()); // <NOSRV>: HAProxy answered itself
    QCOMPARE(nosrv.status, 503);
    QVERIFY(nosrv.route.isEmpty());     // the monolith backend is no route
}

void TestHaproxyModel::ringFormats_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<int>("severity");
    QTest::addColumn<QByteArray>("stamp");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("timed") << QByteArray("<6>2026-11-26T05:44:16.902299+00:00 hello world") << 6
                           << QByteArray("2026-11-26T05:44:16.902299+00:00") << QByteArray("hello world");
    QTest::newRow("iso") << QByteArray("2026-11-26T05:44:16.902299+00:00 hello") << -1
                         << QByteArray("2026-11-26T05:44:16.902299+00:00") << QByteArray("hello");
    QTest::newRow("rfc5424") << QByteArray("<134>1 2026-11-26T05:44:16.902299+00:00 host haproxy 77 - - hello") << 6
                             << QByteArray("2026-11-26T05:44:16.902299+00:00") << QByteArray("hello");
    QTest::newRow("rfc3164") << QByteArray("<134>Nov 26 05:44:16 host haproxy[77]: hello") << 6 << QByteArray()
                             << QByteArray("hello");
    QTest::newRow("local") << QByteArray("<134>Nov  6 05:44:16 haproxy[77]: hello") << 6 << QByteArray() << QByteArray("hello");
    QTest::newRow("short") << QByteArray("<3>hello") << 3 << QByteArray() << QByteArray("hello");
    QTest::newRow("raw") << QByteArray("hello") << -1 << QByteArray() << QByteArray("hello");
}

void TestHaproxyModel::ringFormats()
{
    QFETCH(QByteArray, line);
    QFETCH(int, severity);
    QFETCH(QByteArray, stamp);
    QFETCH(QByteArray, message);
    const RingLine r = splitRingLine(line);
    QCOMPARE(r.severity, severity);
    QCOMPARE(r.stamp, stamp);
    QCOMPARE(r.message, message);
    QCOMPARE(r.time.isValid(), !stamp.isEmpty());
}

void TestHaproxyModel::actionsRetryThenGiveUpOrCancel()
{
    // Nobody listens: every attempt is a transient failure.
    quint16 port = 0;
    {
        QTcpServer s;
        QVERIFY(s.listen(QHostAddress::LocalHost, 0));
        port = s.serverPort();
    }
    Result<HaproxyOptions> o = HaproxyOptions::fromUrl(QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(port)));
    QVERIFY(o.ok());
    HaproxyOptions options = *o;
    options.journalPath = m_dir->filePath(QStringLiteral("j.jsonl"));
    auto backend = std::make_unique<HaproxyBackend>(options);
    backend->setActionRetry({3, 10ms, 20ms});
    std::optional<Result<RollbackState>> gaveUp;
    backend->engageRollback({QStringLiteral("rb-0"), QStringLiteral("x"), "k1"}, [&](Result<RollbackState> r) { gaveUp = r; });
    QTRY_VERIFY_WITH_TIMEOUT(gaveUp.has_value(), 5000);
    QCOMPARE(gaveUp->error().kind, ApiError::Kind::Unreachable);

    backend->setActionRetry({100, 20ms, 40ms});
    std::optional<Result<RollbackState>> cancelled;
    const quint64 id = backend->engageRollback({QStringLiteral("rb-0"), QStringLiteral("x"), "k2"},
                                               [&](Result<RollbackState> r) { cancelled = r; });
    backend->cancelAction(id);
    QTRY_VERIFY_WITH_TIMEOUT(cancelled.has_value(), 5000);
    QCOMPARE(cancelled->error().kind, ApiError::Kind::Cancelled);

    // A backend destroyed with an action under way never calls back.
    int calls = 0;
    backend->engageRollback({QStringLiteral("rb-0"), QStringLiteral("x"), "k3"}, [&](Result<RollbackState>) { ++calls; });
    backend.reset();
    QCoreApplication::sendPostedEvents();
    QCoreApplication::processEvents();
    QCOMPARE(calls, 0);
    // Nothing was journaled.
    AuditJournal journal(options.journalPath);
    QVERIFY(!refreshed(journal));
    QCOMPARE(journal.latestId(), 0);
}

QTEST_GUILESS_MAIN(TestHaproxyModel)
#include "tst_haproxymodel.moc"
