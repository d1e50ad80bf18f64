// The JSON boundary (client/jsonboundary.h, client/logjson.h) against what admin API 1.1 says a
// client must accept: percentages as integral numbers (25.0 is 25), unknown members and unknown
// capability keys ignored, and the instance in the log page and the stream's `instance` event.
#include "client/jsonboundary.h"
#include "client/logjson.h"

#include <QTest>

using namespace cutover;

namespace {

QByteArray routeBody(const QByteArray &percent)
{
    return R"({"id":"posts","prefix":"/api/posts","service":"post-service","microservice_percent":)" + percent
        + R"(,"version":"7","updated_at":null,"updated_by":null})";
}

QByteArray pageBody(const QByteArray &extra)
{
    return R"({"lines":[],"first_id":1,"last_id":0,"gap":null)" + extra + '}';
}

} // namespace

class TestJsonBoundary : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void routePercent_data();
    void routePercent();
    void flagAndSnapshotPercent();
    void unknownMembersAreIgnored();
    void pageInstance();
    void instanceEvent_data();
    void instanceEvent();
};

void TestJsonBoundary::routePercent_data()
{
    QTest::addColumn<QByteArray>("percent");
    QTest::addColumn<int>("expected"); // -1: not a percentage
    QTest::newRow("25") << QByteArray("25") << 25;
    QTest::newRow("25.0") << QByteArray("25.0") << 25;
    QTest::newRow("0.0") << QByteArray("0.0") << 0;
    QTest::newRow("1e2") << QByteArray("1e2") << 100;
    QTest::newRow("100") << QByteArray("100") << 100;
    QTest::newRow("25.5") << QByteArray("25.5") << -1;
    QTest::newRow("100.5") << QByteArray("100.5") << -1;
    QTest::newRow("101") << QByteArray("101") << -1;
    QTest::newRow("-1") << QByteArray("-1") << -1;
    QTest::newRow("-0.5") << QByteArray("-0.5") << -1;
    QTest::newRow("huge") << QByteArray("18446744073709551615") << -1;
    QTest::newRow("string") << QByteArray("\"25\"") << -1;
    QTest::newRow("true") << QByteArray("true") << -1;
    QTest::newRow("null") << QByteArray("null") << -1;
}

void TestJsonBoundary::routePercent()
{
    QFETCH(QByteArray, percent);
    QFETCH(int, expected);
    const auto route = json::parseRoute(routeBody(percent));
    if (expected < 0) {
        QVERIFY(!route);
        QCOMPARE(route.error().kind, ApiError::Kind::Malformed);
        QCOMPARE(route.error().field, QStringLiteral("$.microservice_percent"));
        return;
    }
    QVERIFY2(route, qPrintable(route ? QString() : route.error().describe()));
    QCOMPARE(route->microservicePercent, expected);
}

void TestJsonBoundary::flagAndSnapshotPercent()
{
    const auto flags = json::parseFlags(
        R"({"version":"3","flags":[{"name":"use_post_microservice","enabled":true,"rollout_percent":25.0,)"
        R"("allow_users":[],"description":"","version":"2","service":"post-service","routes":["posts"]}]})");
    QVERIFY2(flags, qPrintable(flags ? QString() : flags.error().describe()));
    QCOMPARE(flags->flags.first().rolloutPercent, 25);
    const auto half = json::parseFlags(
        R"({"version":"3","flags":[{"name":"f","enabled":true,"rollout_percent":25.5,"allow_users":[],"version":"2"}]})");
    QVERIFY(!half);
    QCOMPARE(half.error().field, QStringLiteral("$.flags[0].rollout_percent"));

    const auto rollback = json::parseRollback(
        R"({"engaged":true,"version":"4","engaged_at":"2026-11-26T04:38:45.000Z","engaged_by":"alice","reason":"5xx",)"
        R"("snapshot":[{"route":"posts","microservice_percent":40.0}],"released_at":null,"released_by":null})");
    QVERIFY2(rollback, qPrintable(rollback ? QString() : rollback.error().describe()));
    QCOMPARE(rollback->snapshot.size(), 1);
    QCOMPARE(rollback->snapshot.first().microservicePercent, 40);
}

void TestJsonBoundary::unknownMembersAreIgnored()
{
    // Servers may add members and capability keys in any 1.x; clients ignore what they do not know.
    const auto info = json::parseInfo(
        R"({"api_version":"1.7","future":{"x":[1,2]},"gateway":{"name":"gw","version":"2.0","instance":"i-1","region":"eu"},)"
        R"("capabilities":{"health":true,"logs":true,"time_travel":true,"conformance":{"level":2},"audit":false},)"
        R"("server_time":"2026-11-26T04:38:45.000Z"})");
    QVERIFY2(info, qPrintable(info ? QString() : info.error().describe()));
    QCOMPARE(info->instance, QStringLiteral("i-1"));
    QVERIFY(info->capabilities.health && info->capabilities.logs && !info->capabilities.audit);

    const auto routes = json::parseRoutes(R"({"version":"9","rollback_engaged":false,"etag_kind":"strong","routes":[)"
                                          + routeBody("10").chopped(1) + R"(,"weight_hint":0.5}]})");
    QVERIFY2(routes, qPrintable(routes ? QString() : routes.error().describe()));
    QCOMPARE(routes->routes.first().microservicePercent, 10);

    const QByteArray line = R"({"id":5,"time":"2026-11-26T04:38:45.101Z","level":"info","service":"s","backend":"monolith",)"
                            R"("method":"GET","path":"/","status":200,"latency_ms":1.5,"request_id":"r","user_id":null,)"
                            R"("route":"posts","message":"m","trace_id":"abc","tags":{"k":"v"}})";
    const auto parsed = json::parseLogLine(line);
    QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().describe()));
    QCOMPARE(parsed->id.value, 5u);
    const auto page = json::parseLogPage(QByteArray(R"({"lines":[)" + line + R"(],"first_id":1,"last_id":5,"gap":null,"next":"x"})"));
    QVERIFY2(page, qPrintable(page ? QString() : page.error().describe()));
    QCOMPARE(page->lines.size(), 1);

    const auto audit = json::parseAudit(R"({"entries":[],"latest_id":0,"instance":"i-1","retention_days":30})");
    QVERIFY2(audit, qPrintable(audit ? QString() : audit.error().describe()));
}

void TestJsonBoundary::pageInstance()
{
    auto page = json::parseLogPage(pageBody(R"(,"instance":"sim-3f2a09bc")"));
    QVERIFY2(page, qPrintable(page ? QString() : page.error().describe()));
    QCOMPARE(page->instance, QStringLiteral("sim-3f2a09bc"));
    QCOMPARE(page->firstId.value, 1u);
    QCOMPARE(page->lastId.value, 0u); // an empty buffer: first_id = last_id + 1

    page = json::parseLogPage(pageBody({})); // a 1.0 gateway
    QVERIFY(page);
    QVERIFY(page->instance.isEmpty());

    // Present, it must be one: a wrong instance would hide a restart.
    for (const QByteArray &bad : {QByteArray(R"(,"instance":5)"), QByteArray(R"(,"instance":"")"),
                                 QByteArray(R"(,"instance":")" + QByteArray(129, 'x') + '"')}) {
        page = json::parseLogPage(pageBody(bad));
        QVERIFY2(!page, bad.constData());
        QCOMPARE(page.error().field, QStringLiteral("instance"));
    }
}

void TestJsonBoundary::instanceEvent_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QString>("instance"); // empty: malformed
    QTest::newRow("contract example") << QByteArray(R"({"instance":"sim-3f2a09bc","first_id":12,"last_id":1042})")
                                      << QStringLiteral("sim-3f2a09bc");
    QTest::newRow("members in any order, extra ignored")
        << QByteArray(R"({"last_id":0,"epoch_started":"2026-11-26T04:38:45Z","first_id":1,"instance":"a b~"})")
        << QStringLiteral("a b~");
    QTest::newRow("128 characters") << QByteArray(R"({"instance":")" + QByteArray(128, 'i') + R"(","first_id":1,"last_id":0})")
                                    << QString(128, QLatin1Char('i'));
    QTest::newRow("no instance") << QByteArray(R"({"first_id":1,"last_id":0})") << QString();
    QTest::newRow("129 characters") << QByteArray(R"({"instance":")" + QByteArray(129, 'i') + R"(","first_id":1,"last_id":0})")
                                    << QString();
    QTest::newRow("not printable ASCII") << QByteArray(R"({"instance":"sim-\u00e9","first_id":1,"last_id":0})") << QString();
    QTest::newRow("control character") << QByteArray(R"({"instance":"a\tb","first_id":1,"last_id":0})") << QString();
    QTest::newRow("no last_id") << QByteArray(R"({"instance":"a","first_id":1})") << QString();
    QTest::newRow("not JSON") << QByteArray("sim-1") << QString();
}

void TestJsonBoundary::instanceEvent()
{
    QFETCH(QByteArray, data);
    QFETCH(QString, instance);
    const auto event = json::parseLogInstance(data);
    if (instance.isEmpty()) {
        QVERIFY(!event);
        QCOMPARE(event.error().kind, ApiError::Kind::Malformed);
        return;
    }
    QVERIFY2(event, qPrintable(event ? QString() : event.error().describe()));
    QCOMPARE(event->instance, instance);
}

QTEST_GUILESS_MAIN(TestJsonBoundary)
#include "tst_jsonboundary.moc"
