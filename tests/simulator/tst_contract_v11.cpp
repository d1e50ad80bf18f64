// cutover-sim against what admin API 1.1 added or decided (docs/admin-api.md, changelog 1.1), over
// real HTTP to a real simulator process: the instance in /admin/info, the log and audit pages and
// the SSE stream's `instance` event; resume points from another instance; the empty buffer;
// idempotency keys scoped to subject, method and path; If-Match lists, `*`, weak and malformed
// tags; integral percentages; a null description; /db status codes.
//
// Part of the contract suite tst_contract_*; the shared helpers are in tests/support/contracthelpers.h.
#include "tests/support/contracthelpers.h"

#include <QTest>

#include <nlohmann/json.hpp>

using cutover::Role;
using namespace cutover::test;

class TestContractV11 : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    // A. Log ids across restarts.
    void instanceEverywhere();
    void streamInstanceEvent();
    void streamResumeFromAnotherInstance();
    void streamResumeFromAnotherInstanceWithGap();
    void pageAfterLastId();
    void emptyBuffer();

    // B. Idempotency keys.
    void idempotencyScopedToPath();
    void invalidIdempotencyKey_data();
    void invalidIdempotencyKey();

    // C. If-Match.
    void ifMatch_data();
    void ifMatch();
    void ifMatchStarOnRollback();

    // F. Smaller points.
    void integralPercentages();
    void nullDescription();
    void dbStatusCodes();

private:
    SimFixture m_sim; // --manual-clock --seed 111
};

void TestContractV11::initTestCase()
{
    START_SIM(m_sim, simArgs(111));
    QVERIFY(m_sim.step(2));
}

// ---------------------------------------------------------------------------------------------
// A. Log ids across restarts

void TestContractV11::instanceEverywhere()
{
    const J info = m_sim.get(QStringLiteral("/admin/info")).json();
    QCOMPARE(b(at(info, "/api_version")), QByteArray("1.1"));
    const QByteArray instance = b(at(info, "/gateway/instance"));
    QVERIFY(!instance.isEmpty() && instance.size() <= 128);
    for (char c : instance)
        QVERIFY(c >= 0x20 && c <= 0x7e);

    const J page = m_sim.get(QStringLiteral("/admin/logs?limit=1")).json();
    QCOMPARE(b(at(page, "/instance")), instance);
    const J audit = m_sim.get(QStringLiteral("/admin/audit?limit=1")).json();
    QCOMPARE(b(at(audit, "/instance")), instance);

    // New at every start: another process is another instance.
    SimFixture other;
    START_SIM(other, simArgs(111));
    QVERIFY(b(at(other.get(QStringLiteral("/admin/info")).json(), "/gateway/instance")) != instance);
}

void TestContractV11::streamInstanceEvent()
{
    const J page = m_sim.get(QStringLiteral("/admin/logs?limit=1")).json();
    const qint64 last = num(at(page, "/last_id"));
    RawHttp sse(m_sim.url(), "GET", "/admin/logs/stream",
                bearer(m_sim, Role::Viewer, {{"Last-Event-ID", QByteArray::number(last - 3)}}));
    QTRY_VERIFY_WITH_TIMEOUT(sse.logEvents().size() >= 3, 5000);
    const QList<RawHttp::Event> events = sse.events();
    QCOMPARE(events[0].retry, 2000);
    // Right after retry:, without an id (it must not move the client's Last-Event-ID).
    QCOMPARE(events[1].event, QByteArray("instance"));
    QVERIFY(!sse.raw().mid(sse.raw().indexOf("event: instance")).split('\n').value(1).startsWith("id"));
    QVERIFY(events[1].id.isEmpty());
    const J data = J::parse(events[1].data.toStdString(), nullptr, false);
    QCOMPARE(b(at(data, "/instance")), b(at(page, "/instance")));
    QCOMPARE(num(at(data, "/first_id")), num(at(page, "/first_id")));
    QCOMPARE(num(at(data, "/last_id")), last);
    // Then the lines after the resume point, as before.
    QCOMPARE(events[2].event, QByteArray("log"));
    QCOMPARE(events[2].id.toLongLong(), last - 2);
    QCOMPARE(sse.events().count(), sse.logEvents().count() + 2); // one instance event per connection
}

void TestContractV11::streamResumeFromAnotherInstance()
{
    // A resume point above last_id cannot be from this instance: every buffered line follows.
    const qint64 last = lastLogId(m_sim);
    for (const QByteArray &how : {QByteArray("Last-Event-ID"), QByteArray("after")}) {
        const QByteArray above = QByteArray::number(last + 5000);
        const QByteArray target = how == "after" ? QByteArray("/admin/logs/stream?after=" + above) : QByteArray("/admin/logs/stream");
        RawHttp sse(m_sim.url(), "GET", target,
                    bearer(m_sim, Role::Viewer, how == "after" ? Headers {} : Headers {{"Last-Event-ID", above}}));
        QTRY_VERIFY2_WITH_TIMEOUT(sse.logEvents().size() >= last, how.constData(), 10000);
        const QList<RawHttp::Event> logs = sse.logEvents();
        QCOMPARE(logs.first().id.toLongLong(), qint64(1)); // the buffer still holds every line
        QCOMPARE(logs[last - 1].id.toLongLong(), last);
        for (const RawHttp::Event &e : sse.events())
            QVERIFY(e.event != "gap");
    }
}

void TestContractV11::streamResumeFromAnotherInstanceWithGap()
{
    SimFixture sim;
    START_SIM(sim, simArgs(112, {QStringLiteral("--log-buffer"), QStringLiteral("50")}));
    QVERIFY(sim.step(2));
    const J page = sim.get(QStringLiteral("/admin/logs?limit=1")).json();
    const qint64 first = num(at(page, "/first_id")), last = num(at(page, "/last_id"));
    QVERIFY(first > 1);
    RawHttp sse(sim.url(), "GET", "/admin/logs/stream",
                bearer(sim, Role::Viewer, {{"Last-Event-ID", QByteArray::number(last + 1)}}));
    QTRY_VERIFY_WITH_TIMEOUT(sse.logEvents().size() >= 50, 5000);
    const QList<RawHttp::Event> events = sse.events();
    QCOMPARE(events[1].event, QByteArray("instance"));
    // As if the resume point were 0: the lines that left the buffer as a gap first.
    QCOMPARE(events[2].event, QByteArray("gap"));
    const J gap = J::parse(events[2].data.toStdString(), nullptr, false);
    QCOMPARE(num(at(gap, "/from")), qint64(1));
    QCOMPARE(num(at(gap, "/to")), first - 1);
    QCOMPARE(events[3].id.toLongLong(), first);
    QCOMPARE(sse.logEvents().last().id.toLongLong(), last);
}

void TestContractV11::pageAfterLastId()
{
    const J page = m_sim.get(QStringLiteral("/admin/logs?after=%1").arg(lastLogId(m_sim) + 1000)).json();
    QVERIFY(at(page, "/lines") == J::array());
    QVERIFY(at(page, "/gap").is_null());
    // The page says why: another instance, whose ids end below the resume point.
    QVERIFY(at(page, "/instance").is_string());
    QVERIFY(at(page, "/last_id").is_number_unsigned());
}

void TestContractV11::emptyBuffer()
{
    SimFixture sim;
    START_SIM(sim, simArgs(113, {QStringLiteral("--rate"), QStringLiteral("0")}));
    const J page = sim.get(QStringLiteral("/admin/logs")).json();
    QVERIFY(at(page, "/lines") == J::array());
    QCOMPARE(num(at(page, "/first_id")), qint64(1));
    QCOMPARE(num(at(page, "/last_id")), qint64(0));
    RawHttp sse(sim.url(), "GET", "/admin/logs/stream", bearer(sim, Role::Viewer));
    QTRY_VERIFY_WITH_TIMEOUT(sse.events().size() >= 2, 5000);
    const J data = J::parse(sse.events()[1].data.toStdString(), nullptr, false);
    QCOMPARE(num(at(data, "/first_id")), qint64(1));
    QCOMPARE(num(at(data, "/last_id")), qint64(0));
}

// ---------------------------------------------------------------------------------------------
// B. Idempotency keys

void TestContractV11::idempotencyScopedToPath()
{
    SimFixture sim;
    START_SIM(sim, simArgs(114));
    const QByteArray key = "one-key-for-both";
    auto post = [&](const char *path, const QByteArray &body) {
        return sim.request("POST", QString::fromLatin1(path), Role::Operator, body,
                           {{"If-Match", quoted(sim.version(QStringLiteral("rollback")))}, {"Idempotency-Key", key}});
    };
    const Reply engage = post("/admin/rollback", dump({{"reason", "engage under the key"}}));
    QCOMPARE(engage.status, 200);
    // The same key string on another path is another key: not a reuse, not a replay.
    const Reply release = post("/admin/rollback/release", dump({{"reason", "release under the same key"}}));
    QCOMPARE(release.status, 200);
    QVERIFY(release.header("idempotent-replayed").isEmpty());
    QVERIFY(at(release.json(), "/engaged") == J(false));
    // Each is still replayed on its own path.
    const Reply again = post("/admin/rollback/release", dump({{"reason", "release under the same key"}}));
    QCOMPARE(again.status, 200);
    QCOMPARE(again.header("idempotent-replayed"), QByteArray("true"));
    QCOMPARE(again.body, release.body);
    QCOMPARE(auditOf(sim, "rollback.engage").size(), std::size_t(1));
    QCOMPARE(auditOf(sim, "rollback.release").size(), std::size_t(1));
}

void TestContractV11::invalidIdempotencyKey_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::newRow("only spaces") << QByteArray("   ");
    QTest::newRow("256 characters") << QByteArray(256, 'k');
    QTest::newRow("non-ASCII") << QByteArray("cl\xC3\xA9");
    QTest::newRow("tab inside") << QByteArray("a\tb");
}

void TestContractV11::invalidIdempotencyKey()
{
    QFETCH(QByteArray, key);
    const Reply r = m_sim.request("POST", QStringLiteral("/admin/rollback"), Role::Operator,
                                  dump({{"reason", "invalid key"}}),
                                  {{"If-Match", quoted(m_sim.version(QStringLiteral("rollback")))}, {"Idempotency-Key", key}});
    // Exactly like a missing key.
    VERIFY_ERROR(r, 400, "bad_request", "Idempotency-Key");
    QVERIFY(at(m_sim.get(QStringLiteral("/admin/rollback")).json(), "/engaged") == J(false));
}

// ---------------------------------------------------------------------------------------------
// C. If-Match

void TestContractV11::ifMatch_data()
{
    // "{v}" is the route's current version, "{o}" another one.
    QTest::addColumn<QByteArray>("ifMatch");
    QTest::addColumn<int>("status");
    QTest::newRow("strong") << QByteArray("\"{v}\"") << 200;
    QTest::newRow("unquoted (1.0 leniency)") << QByteArray("{v}") << 200;
    QTest::newRow("list, current last") << QByteArray("\"{o}\", \"{v}\"") << 200;
    QTest::newRow("list, current first") << QByteArray("\"{v}\",\"{o}\"") << 200;
    QTest::newRow("list with empty elements") << QByteArray(", \"{o}\" ,, \"{v}\"") << 200;
    QTest::newRow("list without current") << QByteArray("\"{o}\", \"x{v}\"") << 412;
    QTest::newRow("star") << QByteArray("*") << 428;
    QTest::newRow("weak") << QByteArray("W/\"{v}\"") << 412;
    QTest::newRow("weak in a list") << QByteArray("\"{o}\", W/\"{v}\"") << 412;
    QTest::newRow("unterminated quote") << QByteArray("\"{v}") << 412;
    QTest::newRow("junk after tag") << QByteArray("\"{v}\"x") << 412;
    QTest::newRow("star in a list") << QByteArray("*, \"{v}\"") << 412;
    QTest::newRow("stale") << QByteArray("\"{o}\"") << 412;
}

void TestContractV11::ifMatch()
{
    QFETCH(QByteArray, ifMatch);
    QFETCH(int, status);
    const QString path = QStringLiteral("/admin/routes/notifications");
    const QByteArray version = m_sim.version(QStringLiteral("routes/notifications"));
    const QByteArray other = QByteArray::number(version.toLongLong() + 1000);
    ifMatch.replace("{v}", version).replace("{o}", other);
    const Reply r = m_sim.request("PUT", path, Role::Operator,
                                  dump({{"microservice_percent", 0}, {"reason", "If-Match 1.1"}}), {{"If-Match", ifMatch}});
    if (status == 200) {
        QCOMPARE(r.status, 200);
        return;
    }
    if (status == 428) {
        VERIFY_ERROR(r, 428, "precondition_required", "null");
        QVERIFY2(at(r.json(), "/error/message").get<std::string>().find("If-Match: *") != std::string::npos, r.body.constData());
    } else {
        VERIFY_ERROR(r, 412, "precondition_failed", "null");
        QCOMPARE(r.header("etag"), quoted(version));
    }
    QCOMPARE(b(at(r.json(), "/error/details/current_version")), version);
    QCOMPARE(m_sim.version(QStringLiteral("routes/notifications")), version); // nothing changed
}

void TestContractV11::ifMatchStarOnRollback()
{
    const Reply r = m_sim.request("POST", QStringLiteral("/admin/rollback"), Role::Operator,
                                  dump({{"reason", "star"}}), {{"If-Match", "*"}, {"Idempotency-Key", "star-1"}});
    VERIFY_ERROR(r, 428, "precondition_required", "null");
    QVERIFY(at(m_sim.get(QStringLiteral("/admin/rollback")).json(), "/engaged") == J(false));
}

// ---------------------------------------------------------------------------------------------
// F. Smaller points

void TestContractV11::integralPercentages()
{
    // 25 and 25.0 both mean 25; the server answers with an integer.
    Reply r = putRoute(m_sim, QStringLiteral("notifications"), J::parse(R"({"microservice_percent":25.0,"reason":"25.0"})"));
    QCOMPARE(r.status, 200);
    QCOMPARE(dump(at(r.json(), "/microservice_percent")), QByteArray("25"));
    r = putRoute(m_sim, QStringLiteral("notifications"), J::parse(R"({"microservice_percent":1e2,"reason":"1e2"})"));
    QCOMPARE(r.status, 200);
    QCOMPARE(dump(at(r.json(), "/microservice_percent")), QByteArray("100"));
    r = putRoute(m_sim, QStringLiteral("notifications"), J::parse(R"({"microservice_percent":25.5,"reason":"25.5"})"));
    VERIFY_ERROR(r, 422, "validation_failed", "microservice_percent");
    r = putRoute(m_sim, QStringLiteral("notifications"), J::parse(R"({"microservice_percent":100.5,"reason":"100.5"})"));
    VERIFY_ERROR(r, 422, "validation_failed", "microservice_percent");
    QCOMPARE(setPercent(m_sim, QStringLiteral("notifications"), 0).status, 200);

    const QString flag = QStringLiteral("use_post_microservice");
    r = putFlag(m_sim, flag, J::parse(R"({"enabled":false,"rollout_percent":25.0,"reason":"25.0"})"));
    QCOMPARE(r.status, 200);
    QCOMPARE(dump(at(r.json(), "/rollout_percent")), QByteArray("25"));
    r = putFlag(m_sim, flag, J::parse(R"({"enabled":false,"rollout_percent":25.5,"reason":"25.5"})"));
    VERIFY_ERROR(r, 422, "validation_failed", "rollout_percent");
    QCOMPARE(putFlag(m_sim, flag, {{"enabled", false}, {"rollout_percent", 0}, {"reason", "back"}}).status, 200);
}

void TestContractV11::nullDescription()
{
    const QString flag = QStringLiteral("use_post_microservice");
    const Reply r = putFlag(m_sim, flag, J::parse(R"({"enabled":false,"rollout_percent":0,"description":null,"reason":"null"})"));
    VERIFY_ERROR(r, 422, "validation_failed", "description");
    QVERIFY(at(m_sim.get(QStringLiteral("/admin/flags/") + flag).json(), "/description").is_string());
}

void TestContractV11::dbStatusCodes()
{
    SimFixture sim;
    START_SIM(sim, simArgs(115));
    QVERIFY(sim.step(1));
    Reply r = sim.get(QStringLiteral("/health/services/post-service/db"));
    QCOMPARE(r.status, 200);
    QCOMPARE(b(at(r.json(), "/status")), QByteArray("healthy"));
    // The service down: its database cannot be checked, unknown, 503 with the check as body.
    QCOMPARE(sim.request("POST", QStringLiteral("/sim/faults"), Role::Admin,
                         dump({{"service", "post-service"}, {"down", true}})).status, 201);
    QVERIFY(sim.step(1));
    r = sim.get(QStringLiteral("/health/services/post-service/db"));
    QCOMPARE(r.status, 503);
    QCOMPARE(b(at(r.json(), "/status")), QByteArray("unknown"));
}

QTEST_GUILESS_MAIN(TestContractV11)
#include "tst_contract_v11.moc"
