#include "client/logjson.h"

#include <QTest>

using namespace cutover;

namespace {

// docs/admin-api.md §6.2, plus cutover-sim's extra "upstream".
const QByteArray kLine = R"({"id":1041,"time":"2026-11-26T04:38:45.101Z","level":"error","service":"payment-service",)"
                         R"("backend":"microservice","upstream":"payment-service","method":"POST","path":"/api/payments/create",)"
                         R"("status":502,"latency_ms":207.9,"request_id":"req-6a0f3c91d2b84e57","user_id":"u-00042",)"
                         R"("route":"payments","message":"POST /api/payments/create 502 207.9ms"})";

// kLine with one member's value replaced (or the member removed when `value` is empty).
QByteArray with(const char *key, const QByteArray &value)
{
    const QByteArray name = '"' + QByteArray(key) + "\":";
    const qsizetype at = kLine.indexOf(name);
    Q_ASSERT(at >= 0);
    qsizetype end = at + name.size();
    if (kLine.at(end) == '"')
        end = kLine.indexOf('"', end + 1) + 1;
    else
        while (kLine.at(end) != ',' && kLine.at(end) != '}')
            ++end;
    if (!value.isEmpty())
        return kLine.left(at + name.size()) + value + kLine.mid(end);
    // Drop the member and the comma that separated it.
    return kLine.at(end) == ',' ? kLine.left(at) + kLine.mid(end + 1) : kLine.left(at - 1) + kLine.mid(end);
}

} // namespace

class TestLogJson : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesTheContractExample();
    void fastPathAgreesWithFullParser();
    void badLine_data();
    void badLine();
    void page();
    void pageErrorNamesTheLine();
    void gapEvent_data();
    void gapEvent();
    void rfc3339_data();
    void rfc3339();
};

void TestLogJson::parsesTheContractExample()
{
    const auto line = json::parseLogLine(kLine);
    QVERIFY2(line.ok(), qPrintable(line.ok() ? QString() : line.error().describe()));
    QCOMPARE(line->id, LogId {1041});
    QCOMPARE(line->time.time_since_epoch().count(), 1795667925101LL);
    QCOMPARE(line->level, LogLevel::Error);
    QCOMPARE(line->service, QStringLiteral("payment-service"));
    QCOMPARE(line->backend, QStringLiteral("microservice"));
    QCOMPARE(line->upstream, QStringLiteral("payment-service"));
    QCOMPARE(line->method, QStringLiteral("POST"));
    QCOMPARE(line->path, QStringLiteral("/api/payments/create"));
    QCOMPARE(line->status, 502);
    QCOMPARE(line->latency.count(), 207.9);
    QCOMPARE(line->requestId, QStringLiteral("req-6a0f3c91d2b84e57"));
    QCOMPARE(line->userId, QStringLiteral("u-00042"));
    QCOMPARE(line->route, QStringLiteral("payments"));
    QCOMPARE(line->message, QStringLiteral("POST /api/payments/create 502 207.9ms"));

    const auto anonymous = json::parseLogLine(with("user_id", "null"));
    QVERIFY(anonymous.ok());
    QVERIFY(anonymous->userId.isEmpty());
    QVERIFY(json::parseLogLine(with("upstream", {})).ok()); // not in the contract: optional
}

namespace {

bool sameLine(const LogLine &a, const LogLine &b)
{
    return a.id == b.id && a.time == b.time && a.level == b.level && a.service == b.service && a.backend == b.backend
        && a.upstream == b.upstream && a.route == b.route && a.method == b.method && a.path == b.path
        && a.status == b.status && a.latency == b.latency && a.requestId == b.requestId && a.userId == b.userId
        && a.message == b.message;
}

// parseLogLine (flat-object fast path first) and the full parser must give the same answer.
QString disagreement(const QByteArray &json)
{
    const auto fast = json::parseLogLine(json);
    const auto full = json::parseLogLineWithFullParser(json);
    if (fast.ok() != full.ok())
        return QStringLiteral("ok %1 vs %2").arg(fast.ok()).arg(full.ok());
    if (fast.ok() && !sameLine(*fast, *full))
        return QStringLiteral("different values");
    if (!fast.ok() && (fast.error().field != full.error().field || fast.error().message != full.error().message))
        return QStringLiteral("errors differ: %1 vs %2").arg(fast.error().describe(), full.error().describe());
    return {};
}

} // namespace

void TestLogJson::fastPathAgreesWithFullParser()
{
    const QList<QByteArray> bases {
        kLine,
        with("user_id", "null"),
        with("upstream", {}),
        with("upstream", "null"),
        with("message", R"("a \"quoted\" \\ tab\t slash\/ nl\n")"),
        with("message", R"("caf\u00e9")"),
        with("message", "\"caf\xc3\xa9 \xe2\x82\xac\""),
        with("latency_ms", "2.079e2"),
        with("latency_ms", "-0"),
        with("latency_ms", "0"),
        with("status", "0"),
        with("id", "18446744073709551615"),
        with("id", "18446744073709551616"),
        " \r\n\t" + kLine + " \n",
        kLine.left(kLine.size() - 1) + R"(,"extra":{"nested":[1,2]}})",
        kLine.left(kLine.size() - 1) + R"(,"status":"dup"})",
        kLine.left(kLine.size() - 1) + R"(,"flag":true,"other":false})",
        QByteArray(R"({"status":"first",)") + kLine.mid(1),
    };
    const QByteArray probes = QByteArray("\"\\,:{}[]0-+ .eEx\x01\x7f") + QByteArray("\xc3\x00", 2);
    int checked = 0;
    for (qsizetype b = 0; b < bases.size(); ++b) {
        const QByteArray &base = bases.at(b);
        QVERIFY2(disagreement(base).isEmpty(), qPrintable(QString::fromUtf8(base) + QStringLiteral(": ") + disagreement(base)));
        // Every byte of the first bases deleted, replaced and preceded by each probe; the rest
        // only with deletions (they differ from the first in one member).
        for (qsizetype at = 0; at < base.size(); ++at) {
            QList<QByteArray> variants {base.left(at) + base.mid(at + 1)};
            for (char c : b < 3 ? probes : QByteArray()) {
                variants.append(base.left(at) + c + base.mid(at + 1));
                variants.append(base.left(at) + c + base.mid(at));
            }
            for (const QByteArray &v : std::as_const(variants)) {
                const QString why = disagreement(v);
                QVERIFY2(why.isEmpty(), qPrintable(QString::fromLatin1(v.toPercentEncoding(" {}[]:,\"")) + QStringLiteral(": ") + why));
                ++checked;
            }
        }
    }
    QVERIFY(checked > 20000);
}

void TestLogJson::badLine_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("message");

    QTest::newRow("not JSON") << QByteArray("{\"id\":") << QString() << QStringLiteral("not valid JSON");
    QTest::newRow("not an object") << QByteArray("[1,2]") << QString() << QStringLiteral("expected an object");
    for (const char *key : {"id", "time", "level", "service", "backend", "method", "path", "status", "latency_ms",
                            "request_id", "user_id", "route", "message"})
        QTest::addRow("missing %s", key) << with(key, {}) << QString::fromLatin1(key) << QStringLiteral("missing");
    QTest::newRow("id negative") << with("id", "-4") << QStringLiteral("id") << QStringLiteral("expected a non-negative integer");
    QTest::newRow("id as string") << with("id", "\"4\"") << QStringLiteral("id") << QStringLiteral("expected an integer");
    QTest::newRow("id fractional") << with("id", "4.5") << QStringLiteral("id") << QStringLiteral("expected an integer");
    QTest::newRow("time not RFC 3339") << with("time", "\"26/11/2026 04:38\"") << QStringLiteral("time") << QStringLiteral("expected an RFC 3339 time");
    QTest::newRow("time without zone") << with("time", "\"2026-11-26T04:38:45.101\"") << QStringLiteral("time") << QStringLiteral("expected an RFC 3339 time");
    QTest::newRow("level unknown") << with("level", "\"trace\"") << QStringLiteral("level") << QStringLiteral("unknown level \"trace\"");
    QTest::newRow("status as string") << with("status", "\"502\"") << QStringLiteral("status") << QStringLiteral("expected an HTTP status code");
    QTest::newRow("status out of range") << with("status", "1000") << QStringLiteral("status") << QStringLiteral("expected an HTTP status code");
    QTest::newRow("latency as string") << with("latency_ms", "\"fast\"") << QStringLiteral("latency_ms") << QStringLiteral("expected a number");
    QTest::newRow("user id number") << with("user_id", "42") << QStringLiteral("user_id") << QStringLiteral("expected a string or null");
    QTest::newRow("service null") << with("service", "null") << QStringLiteral("service") << QStringLiteral("expected a string");
    QTest::newRow("upstream number") << with("upstream", "1") << QStringLiteral("upstream") << QStringLiteral("expected a string");
}

void TestLogJson::badLine()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, field);
    QFETCH(QString, message);
    const auto line = json::parseLogLine(json);
    QVERIFY(!line.ok());
    QCOMPARE(line.error().kind, ApiError::Kind::Malformed);
    QCOMPARE(line.error().field, field);
    QCOMPARE(line.error().message, message);
    QCOMPARE(line.error().endpoint, QStringLiteral("GET /admin/logs/stream"));
}

void TestLogJson::page()
{
    const QByteArray body = "{\"lines\":[" + kLine + ',' + with("id", "1042") + "],\"first_id\":12,\"last_id\":1042,"
                            "\"gap\":{\"from\":6,\"to\":11,\"missed\":6}}";
    const auto page = json::parseLogPage(body);
    QVERIFY2(page.ok(), qPrintable(page.ok() ? QString() : page.error().describe()));
    QCOMPARE(page->lines.size(), 2);
    QCOMPARE(page->lines.last().id, LogId {1042});
    QCOMPARE(page->firstId, LogId {12});
    QCOMPARE(page->lastId, LogId {1042});
    QCOMPARE(page->gap, std::optional(LogGap {LogId {6}, LogId {11}}));

    const auto empty = json::parseLogPage("{\"lines\":[],\"first_id\":1,\"last_id\":0,\"gap\":null}");
    QVERIFY(empty.ok());
    QVERIFY(empty->lines.isEmpty());
    QVERIFY(!empty->gap);
}

void TestLogJson::pageErrorNamesTheLine()
{
    const QByteArray body = "{\"lines\":[" + kLine + ',' + with("status", "\"ok\"") + "],\"first_id\":1,\"last_id\":2,\"gap\":null}";
    const auto page = json::parseLogPage(body);
    QVERIFY(!page.ok());
    QCOMPARE(page.error().field, QStringLiteral("lines[1].status"));
    QCOMPARE(page.error().endpoint, QStringLiteral("GET /admin/logs"));

    const QByteArray unordered = "{\"lines\":[" + kLine + ',' + kLine + "],\"first_id\":1,\"last_id\":2,\"gap\":null}";
    QCOMPARE(json::parseLogPage(unordered).error().field, QStringLiteral("lines[1].id"));
    QCOMPARE(json::parseLogPage("{\"lines\":[],\"last_id\":2,\"gap\":null}").error().field, QStringLiteral("first_id"));
    QCOMPARE(json::parseLogPage("{\"lines\":[],\"first_id\":1,\"last_id\":2,\"gap\":{\"from\":3}}").error().field,
             QStringLiteral("gap.to"));
}

void TestLogJson::gapEvent_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("field"); // empty: valid
    QTest::newRow("contract example") << QByteArray("{\"from\":6,\"to\":11,\"missed\":6}") << QString();
    QTest::newRow("missed is optional") << QByteArray("{\"from\":6,\"to\":6}") << QString();
    QTest::newRow("missed disagrees") << QByteArray("{\"from\":6,\"to\":11,\"missed\":5}") << QStringLiteral("missed");
    QTest::newRow("backwards") << QByteArray("{\"from\":11,\"to\":6,\"missed\":0}") << QStringLiteral("to");
    QTest::newRow("from missing") << QByteArray("{\"to\":6}") << QStringLiteral("from");
}

void TestLogJson::gapEvent()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, field);
    const auto gap = json::parseLogGap(json);
    QCOMPARE(gap.ok(), field.isEmpty());
    if (!gap.ok())
        QCOMPARE(gap.error().field, field);
}

void TestLogJson::rfc3339_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<qint64>("ms"); // -1: rejected
    QTest::newRow("contract form") << QByteArray("2026-11-26T04:38:45.123Z") << 1795667925123LL;
    QTest::newRow("no fraction") << QByteArray("2026-11-26T04:38:45Z") << 1795667925000LL;
    QTest::newRow("one digit") << QByteArray("2026-11-26T04:38:45.1Z") << 1795667925100LL;
    QTest::newRow("microseconds cut") << QByteArray("2026-11-26T04:38:45.123999Z") << 1795667925123LL;
    QTest::newRow("offset") << QByteArray("2026-11-26T05:38:45.123+01:00") << 1795667925123LL;
    QTest::newRow("negative offset") << QByteArray("2026-11-25T23:08:45.123-05:30") << 1795667925123LL;
    QTest::newRow("epoch") << QByteArray("1970-01-01T00:00:00.000Z") << 0LL;
    QTest::newRow("leap day") << QByteArray("2028-02-29T00:00:00Z") << 1835395200000LL;
    QTest::newRow("not a leap day") << QByteArray("2026-02-29T00:00:00Z") << -1LL;
    QTest::newRow("month 13") << QByteArray("2026-13-01T00:00:00Z") << -1LL;
    QTest::newRow("hour 24") << QByteArray("2026-11-26T24:00:00Z") << -1LL;
    QTest::newRow("no zone") << QByteArray("2026-11-26T04:38:45") << -1LL;
    QTest::newRow("empty fraction") << QByteArray("2026-11-26T04:38:45.Z") << -1LL;
    QTest::newRow("trailing text") << QByteArray("2026-11-26T04:38:45Zjunk") << -1LL;
    QTest::newRow("letters in date") << QByteArray("2026-1a-26T04:38:45Z") << -1LL;
    QTest::newRow("empty") << QByteArray() << -1LL;
}

void TestLogJson::rfc3339()
{
    QFETCH(QByteArray, text);
    QFETCH(qint64, ms);
    const auto t = json::parseRfc3339(std::string_view(text.constData(), std::size_t(text.size())));
    QCOMPARE(t ? t->time_since_epoch().count() : -1LL, ms);
}

QTEST_GUILESS_MAIN(TestLogJson)
#include "tst_logjson.moc"
