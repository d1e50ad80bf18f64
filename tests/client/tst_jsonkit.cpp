// The shared JSON getters (client/jsonkit.h) behind jsonboundary.cpp and logjson.cpp: each
// either returns the typed member or names it in the error.
#include "client/jsonkit.h"

#include <QtTest/QTest>

using namespace cutover;
using namespace cutover::json::kit;
namespace kit = cutover::json::kit;

namespace {

// Runs f on the parsed text and returns "field: message" of the error, or "ok".
template<typename F>
QString outcome(const char *text, F &&f)
{
    const Result<int> r = guarded<int>(QByteArrayView(text), "GET /x", QStringLiteral("not JSON"), [&](const Json &j) {
        f(j);
        return 0;
    });
    if (r)
        return QStringLiteral("ok");
    return r.error().field + QStringLiteral(": ") + r.error().message;
}

} // namespace

class TestJsonKit : public QObject
{
    Q_OBJECT

private slots:
    void paths();
    void strings();
    void numbers();
    void integers();
    void booleansAndArrays();
    void guardedErrors();
};

void TestJsonKit::paths()
{
    QCOMPARE(joined(QString(), "status"), QStringLiteral("status"));
    QCOMPARE(joined(QStringLiteral("$"), "name"), QStringLiteral("$.name"));
    QCOMPARE(joined(QStringLiteral("lines[3]"), "time"), QStringLiteral("lines[3].time"));
    QCOMPARE(outcome("{}", [](const Json &j) { member(j, "a", QStringLiteral("$")); }), QStringLiteral("$.a: missing"));
    QCOMPARE(outcome("[1]", [](const Json &j) { member(j, "a", QStringLiteral("$.x")); }),
             QStringLiteral("$.x: expected an object"));
}

void TestJsonKit::strings()
{
    QCOMPARE(outcome(R"({"a":"Z\u00fcrich"})", [](const Json &j) { QCOMPARE(string(j, "a", {}), QStringLiteral("Zürich")); }),
             QStringLiteral("ok"));
    QCOMPARE(outcome(R"({"a":1})", [](const Json &j) { string(j, "a", {}); }), QStringLiteral("a: expected a string"));
    QCOMPARE(outcome(R"({"a":null})", [](const Json &j) { QVERIFY(nullableString(j, "a", {}).isEmpty()); }),
             QStringLiteral("ok"));
    QCOMPARE(outcome(R"({"a":[]})", [](const Json &j) { nullableString(j, "a", QStringLiteral("$")); }),
             QStringLiteral("$.a: expected a string"));
    QCOMPARE(outcome(R"({"a":5})", [](const Json &j) {
                 QVERIFY(optionalString(j, "a").isEmpty());
                 QVERIFY(optionalString(j, "b").isEmpty());
             }),
             QStringLiteral("ok"));
    QCOMPARE(outcome(R"({"l":["x",2]})", [](const Json &j) { kit::strings(j, "l", {}); }),
             QStringLiteral("l: expected strings"));
    QCOMPARE(outcome(R"({"l":null})", [](const Json &j) { QVERIFY(kit::strings(j, "l", {}).isEmpty()); }),
             QStringLiteral("ok"));
}

void TestJsonKit::numbers()
{
    QCOMPARE(outcome(R"({"n":1.5,"z":null})", [](const Json &j) {
                 QCOMPARE(optionalNumber(j, "n", {}), std::optional<double>(1.5));
                 QCOMPARE(optionalNumber(j, "z", {}), std::optional<double>());
                 QCOMPARE(optionalNumber(j, "absent", {}), std::optional<double>());
             }),
             QStringLiteral("ok"));
    QCOMPARE(outcome(R"({"n":"1"})", [](const Json &j) { optionalNumber(j, "n", QStringLiteral("$")); }),
             QStringLiteral("$.n: expected a number"));
    QCOMPARE(outcome(R"({"u":18446744073709551615})", [](const Json &j) {
                 QCOMPARE(unsignedInteger(j, "u", {}), std::uint64_t(18446744073709551615ULL));
             }),
             QStringLiteral("ok"));
    QCOMPARE(outcome(R"({"u":-1})", [](const Json &j) { unsignedInteger(j, "u", {}); }),
             QStringLiteral("u: expected a non-negative integer"));
    QCOMPARE(outcome(R"({"u":1.5})", [](const Json &j) { unsignedInteger(j, "u", {}); }),
             QStringLiteral("u: expected an integer"));
}

void TestJsonKit::integers()
{
    QCOMPARE(outcome(R"({"i":-7,"m":2147483647})", [](const Json &j) {
                 QCOMPARE(integer(j, "i", {}), -7);
                 QCOMPARE(integer(j, "m", {}), 2147483647);
             }),
             QStringLiteral("ok"));
    QCOMPARE(outcome(R"({"i":"7"})", [](const Json &j) { integer(j, "i", {}); }), QStringLiteral("i: expected an integer"));
    // jsonboundary's own copy returned 2^32 + 50 as 50; out of range is an error now.
    QCOMPARE(outcome(R"({"i":4294967346})", [](const Json &j) { integer(j, "i", QStringLiteral("$")); }),
             QStringLiteral("$.i: integer out of range"));
    QCOMPARE(outcome(R"({"i":-2147483649})", [](const Json &j) { integer(j, "i", {}); }),
             QStringLiteral("i: integer out of range"));
}

void TestJsonKit::booleansAndArrays()
{
    QCOMPARE(outcome(R"({"b":true,"a":[1]})", [](const Json &j) {
                 QVERIFY(boolean(j, "b", {}));
                 QCOMPARE(array(j, "a", {}).size(), size_t(1));
             }),
             QStringLiteral("ok"));
    QCOMPARE(outcome(R"({"b":1})", [](const Json &j) { boolean(j, "b", {}); }), QStringLiteral("b: expected true or false"));
    QCOMPARE(outcome(R"({"a":{}})", [](const Json &j) { array(j, "a", {}); }), QStringLiteral("a: expected an array"));
}

void TestJsonKit::guardedErrors()
{
    const Result<int> notJson = guarded<int>(QByteArrayView("{"), "GET /x", QStringLiteral("not JSON"),
                                             [](const Json &) { return 1; });
    QVERIFY(!notJson);
    QCOMPARE(notJson.error().kind, ApiError::Kind::Malformed);
    QCOMPARE(notJson.error().endpoint, QStringLiteral("GET /x"));
    QCOMPARE(notJson.error().message, QStringLiteral("not JSON"));
    QVERIFY(notJson.error().field.isEmpty());
    // A library exception (here a type error) is caught too, without a field.
    const Result<int> typeError = guarded<int>(QByteArrayView("[1]"), "GET /x", QStringLiteral("not JSON"),
                                               [](const Json &j) { return j.at("a").get<int>(); });
    QVERIFY(!typeError);
    QVERIFY(!typeError.error().message.isEmpty());
    const Result<int> ok = guarded<int>(QByteArrayView("[1]"), "GET /x", QStringLiteral("not JSON"),
                                        [](const Json &j) { return j[0].get<int>(); });
    QVERIFY(ok);
    QCOMPARE(*ok, 1);
}

QTEST_GUILESS_MAIN(TestJsonKit)
#include "tst_jsonkit.moc"
