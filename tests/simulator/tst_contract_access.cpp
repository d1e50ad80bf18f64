// cutover-sim against the gateway admin API contract (docs/admin-api.md), over real HTTP to a real
// simulator process: authentication and roles, request ids, the error envelope (404, 405), health,
// whoami and info.
//
// Part of the contract suite tst_contract_{access,mutations,traffic,streams}; the shared helpers
// are in tests/support/contracthelpers.h.
#include "tests/support/contracthelpers.h"

#include <QRegularExpression>
#include <QTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>

using cutover::Role;
using namespace cutover::test;

class TestContractAccess : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    // Authentication, roles, request ids, errors.
    void health();
    void access_data();
    void access();
    void unauthorized_data();
    void unauthorized();
    void whoami_data();
    void whoami();
    void info();
    void healthServices();
    void requestId_data();
    void requestId();
    void notFoundAndMethod_data();
    void notFoundAndMethod();

private:
    SimFixture m_sim; // shared: --manual-clock --seed 42, for tests that leave no lasting trace
};

void TestContractAccess::initTestCase()
{
    START_SIM(m_sim, simArgs(42));
    QVERIFY(m_sim.step(5));
}

// ---------------------------------------------------------------------------------------------
// Authentication, roles, request ids, errors

void TestContractAccess::health()
{
    const Reply r = m_sim.request("GET", QStringLiteral("/health"), std::nullopt);
    QCOMPARE(r.status, 200);
    QVERIFY(r.header("content-type").startsWith("application/json"));
    const J j = r.json();
    QCOMPARE(b(at(j, "/status")), QByteArray("ok"));
    QVERIFY(isTime(at(j, "/time")));
}

void TestContractAccess::access_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("who");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("code");

    const QByteArray route = dump({{"microservice_percent", 100}, {"reason", "access check"}});
    const QByteArray flag = dump({{"enabled", true}, {"rollout_percent", 100}, {"reason", "access check"}});
    const QByteArray reason = dump({{"reason", "access check"}});
    // error_rate 0 and one simulated second: a fault that changes nothing in the shared simulator.
    const QByteArray fault = dump({{"service", "notification-service"}, {"error_rate", 0}, {"duration_s", 1}});
    const QByteArray step = dump({{"seconds", 0.1}});
    const QByteArray none;

    const char *reads[] = {"/admin/info",   "/admin/whoami",
                           "/health/services", "/health/services/monolith",
                           "/health/services/post-service/db", "/metrics",
                           "/admin/routes", "/admin/routes/posts",
                           "/admin/flags",  "/admin/flags/use_post_microservice",
                           "/admin/rollback", "/admin/audit",
                           "/admin/logs?limit=5"};
    for (const char *path : reads) {
        QTest::addRow("no token GET %s", path) << QByteArray("GET") << QString::fromLatin1(path) << int(Nobody) << none
                                              << 401 << QByteArray("unauthorized");
        QTest::addRow("viewer GET %s", path) << QByteArray("GET") << QString::fromLatin1(path) << int(Viewer) << none
                                            << 200 << QByteArray();
    }
    struct Row { const char *name; const char *method; const char *path; int who; QByteArray body; int status; const char *code; };
    const Row rows[] = {
        {"no token GET /health", "GET", "/health", Nobody, none, 200, ""},
        {"no token GET /admin/logs/stream", "GET", "/admin/logs/stream", Nobody, none, 401, "unauthorized"},
        {"no token GET /sim/state", "GET", "/sim/state", Nobody, none, 401, "unauthorized"},
        {"no token GET /sim/faults", "GET", "/sim/faults", Nobody, none, 401, "unauthorized"},
        {"no token PUT route", "PUT", "/admin/routes/posts", Nobody, route, 401, "unauthorized"},
        {"no token PUT flag", "PUT", "/admin/flags/use_post_microservice", Nobody, flag, 401, "unauthorized"},
        {"no token POST rollback", "POST", "/admin/rollback", Nobody, reason, 401, "unauthorized"},
        {"no token POST release", "POST", "/admin/rollback/release", Nobody, reason, 401, "unauthorized"},
        {"no token POST /sim/faults", "POST", "/sim/faults", Nobody, fault, 401, "unauthorized"},
        {"no token POST /sim/step", "POST", "/sim/step", Nobody, step, 401, "unauthorized"},
        {"no token DELETE /sim/faults", "DELETE", "/sim/faults", Nobody, none, 401, "unauthorized"},
        {"viewer PUT route", "PUT", "/admin/routes/posts", Viewer, route, 403, "forbidden"},
        {"viewer PUT flag", "PUT", "/admin/flags/use_post_microservice", Viewer, flag, 403, "forbidden"},
        {"viewer POST rollback", "POST", "/admin/rollback", Viewer, reason, 403, "forbidden"},
        {"viewer POST release", "POST", "/admin/rollback/release", Viewer, reason, 403, "forbidden"},
        {"viewer POST /sim/faults", "POST", "/sim/faults", Viewer, fault, 403, "forbidden"},
        {"viewer GET /sim/faults", "GET", "/sim/faults", Viewer, none, 403, "forbidden"},
        {"viewer GET /sim/state", "GET", "/sim/state", Viewer, none, 403, "forbidden"},
        {"operator POST /sim/faults", "POST", "/sim/faults", Operator, fault, 403, "forbidden"},
        {"operator POST /sim/step", "POST", "/sim/step", Operator, step, 403, "forbidden"},
        {"operator POST /sim/chaos", "POST", "/sim/chaos", Operator, dump({{"delay_ms", 1}, {"path", "/x"}}), 403, "forbidden"},
        {"operator DELETE /sim/faults", "DELETE", "/sim/faults", Operator, none, 403, "forbidden"},
        {"operator DELETE /sim/faults/f1", "DELETE", "/sim/faults/f1", Operator, none, 403, "forbidden"},
        {"operator GET /sim/faults", "GET", "/sim/faults", Operator, none, 403, "forbidden"},
        // Past the role check: the next rule in line answers.
        {"operator PUT route reaches If-Match", "PUT", "/admin/routes/posts", Operator, route, 428, "precondition_required"},
        {"operator PUT flag reaches If-Match", "PUT", "/admin/flags/use_post_microservice", Operator, flag, 428, "precondition_required"},
        {"operator POST rollback reaches key", "POST", "/admin/rollback", Operator, reason, 400, "bad_request"},
        {"operator POST release reaches key", "POST", "/admin/rollback/release", Operator, reason, 400, "bad_request"},
        {"admin PUT route reaches If-Match", "PUT", "/admin/routes/posts", Admin, route, 428, "precondition_required"},
        {"admin POST /sim/faults", "POST", "/sim/faults", Admin, fault, 201, ""},
        {"admin GET /sim/faults", "GET", "/sim/faults", Admin, none, 200, ""},
        {"admin GET /sim/state", "GET", "/sim/state", Admin, none, 200, ""},
        {"admin POST /sim/step", "POST", "/sim/step", Admin, step, 200, ""},
    };
    for (const Row &r : rows)
        QTest::newRow(r.name) << QByteArray(r.method) << QString::fromLatin1(r.path) << r.who << r.body << r.status
                              << QByteArray(r.code);
}

void TestContractAccess::access()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(int, who);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QByteArray, code);

    const Reply r = m_sim.request(method, path, asRole(who), body);
    QCOMPARE(r.status, status);
    if (status >= 400) {
        VERIFY_ERROR(r, status, code);
        if (status == 401)
            QCOMPARE(r.header("www-authenticate"), QByteArray("Bearer realm=\"cutover\""));
    } else if (status == 201) {
        QVERIFY(b(at(r.json(), "/id")).startsWith('f'));
    }
}

void TestContractAccess::unauthorized_data()
{
    QTest::addColumn<QByteArray>("authorization");
    const QByteArray token = m_sim.token(Role::Viewer);
    QTest::newRow("absent") << QByteArray();
    QTest::newRow("unknown token") << QByteArray("Bearer not-a-token");
    QTest::newRow("token with a suffix") << QByteArray("Bearer " + token + 'x');
    QTest::newRow("token without scheme") << token;
    QTest::newRow("basic scheme") << QByteArray("Basic ZGVtbzpkZW1v");
    QTest::newRow("empty bearer") << QByteArray("Bearer ");
}

void TestContractAccess::unauthorized()
{
    QFETCH(QByteArray, authorization);
    Headers headers;
    if (!authorization.isNull())
        headers.append({"Authorization", authorization});
    const Reply r = m_sim.request("GET", QStringLiteral("/admin/whoami"), std::nullopt, {}, headers);
    VERIFY_ERROR(r, 401, "unauthorized", "null");
    QCOMPARE(r.header("www-authenticate"), QByteArray("Bearer realm=\"cutover\""));
}

void TestContractAccess::whoami_data()
{
    QTest::addColumn<int>("who");
    QTest::addColumn<QByteArray>("subject");
    QTest::addColumn<QByteArray>("role");
    QTest::addColumn<QByteArray>("permissions");
    QTest::newRow("viewer") << int(Viewer) << QByteArray("demo-viewer") << QByteArray("viewer") << QByteArray("[\"read\"]");
    QTest::newRow("operator") << int(Operator) << QByteArray("demo-operator") << QByteArray("operator")
                              << QByteArray("[\"read\",\"routes.write\",\"flags.write\",\"rollback\"]");
    QTest::newRow("admin") << int(Admin) << QByteArray("demo-admin") << QByteArray("admin")
                           << QByteArray("[\"read\",\"routes.write\",\"flags.write\",\"rollback\",\"sim.control\"]");
}

void TestContractAccess::whoami()
{
    QFETCH(int, who);
    QFETCH(QByteArray, subject);
    QFETCH(QByteArray, role);
    QFETCH(QByteArray, permissions);
    const Reply r = m_sim.get(QStringLiteral("/admin/whoami"), asRole(who));
    QCOMPARE(r.status, 200);
    const J j = r.json();
    QCOMPARE(b(at(j, "/subject")), subject);
    QCOMPARE(b(at(j, "/role")), role);
    QCOMPARE(dump(at(j, "/permissions")), permissions);
}

void TestContractAccess::info()
{
    const Reply r = m_sim.get(QStringLiteral("/admin/info"));
    QCOMPARE(r.status, 200);
    const J j = r.json();
    QCOMPARE(b(at(j, "/api_version")), QByteArray("1.1"));
    QCOMPARE(b(at(j, "/gateway/name")), QByteArray("cutover-sim"));
    QVERIFY(at(j, "/gateway/version").is_string());
    QVERIFY(at(j, "/gateway/instance").is_string());
    for (const char *cap : {"/capabilities/health", "/capabilities/metrics", "/capabilities/percentiles",
                            "/capabilities/routes", "/capabilities/flags", "/capabilities/rollback",
                            "/capabilities/audit", "/capabilities/logs", "/capabilities/log_stream",
                            "/capabilities/simulator"})
        QVERIFY2(at(j, cap) == J(true), cap);
    QCOMPARE(b(at(j, "/metrics/requests_total")), QByteArray("requests_total"));
    QCOMPARE(b(at(j, "/metrics/request_duration_seconds")), QByteArray("request_duration_seconds"));
    QVERIFY(isTime(at(j, "/server_time")));

    // The bootstrap configuration is a resource like any other: its updated_at is a time.
    const J route = m_sim.get(QStringLiteral("/admin/routes/auth")).json();
    QCOMPARE(b(at(route, "/updated_by")), QByteArray("bootstrap"));
    QVERIFY(isTime(at(route, "/updated_at")));
    const J flag = m_sim.get(QStringLiteral("/admin/flags/use_user_microservice")).json();
    QVERIFY(isTime(at(flag, "/updated_at")));
}

void TestContractAccess::healthServices()
{
    const Reply r = m_sim.get(QStringLiteral("/health/services"));
    QCOMPARE(r.status, 200);
    const J j = r.json();
    QVERIFY(isTime(at(j, "/checked_at")));
    QCOMPARE(b(at(j, "/gateway/name")), QByteArray("gateway"));
    QCOMPARE(b(at(j, "/gateway/kind")), QByteArray("gateway"));
    QVERIFY(at(j, "/gateway/checks").is_object());
    QVERIFY(!at(j, "/gateway").contains("url"));

    QStringList names;
    for (const J &s : at(j, "/services")) {
        const QByteArray name = b(s["name"]);
        names.append(QString::fromLatin1(name));
        QCOMPARE(b(s["kind"]), QByteArray(name == "monolith" ? "monolith" : "microservice"));
        QVERIFY2(QByteArrayList({"healthy", "degraded", "unhealthy", "unknown"}).contains(b(s["status"])), name.constData());
        QVERIFY(s["url"].is_string());
        QVERIFY(isTime(s["checked_at"]));
        QVERIFY(at(s, "/checks/db/status").is_string());
        // GET /health/services/{name} is the same service object.
        QCOMPARE(b(at(serviceHealth(m_sim, name.constData()), "/name")), name);
    }
    QCOMPARE(names, (QStringList {QStringLiteral("monolith"), QStringLiteral("user-service"),
                                  QStringLiteral("post-service"), QStringLiteral("media-service"),
                                  QStringLiteral("payment-service"), QStringLiteral("notification-service")}));
}

void TestContractAccess::requestId_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("who");
    QTest::addColumn<QByteArray>("sent"); // null: no header
    QTest::addColumn<bool>("echoed");
    QTest::addColumn<int>("status");

    const QByteArray get("GET");
    const QString health = QStringLiteral("/health");
    QTest::newRow("absent") << get << health << int(Nobody) << QByteArray() << false << 200;
    QTest::newRow("valid") << get << health << int(Nobody) << QByteArray("cutover-7f3a9c") << true << 200;
    QTest::newRow("every allowed character") << get << health << int(Nobody) << QByteArray("AZaz09._:-") << true << 200;
    QTest::newRow("128 characters") << get << health << int(Nobody) << QByteArray(128, 'a') << true << 200;
    QTest::newRow("129 characters") << get << health << int(Nobody) << QByteArray(129, 'a') << false << 200;
    QTest::newRow("200 characters") << get << health << int(Nobody) << QByteArray(200, 'b') << false << 200;
    QTest::newRow("space") << get << health << int(Nobody) << QByteArray("bad id") << false << 200;
    QTest::newRow("slash") << get << health << int(Nobody) << QByteArray("a/b") << false << 200;
    QTest::newRow("non-ASCII") << get << health << int(Nobody) << QByteArray("caf\xc3\xa9") << false << 200;
    QTest::newRow("401 valid") << get << QStringLiteral("/admin/info") << int(Nobody) << QByteArray("cutover-401") << true << 401;
    QTest::newRow("401 invalid") << get << QStringLiteral("/admin/info") << int(Nobody) << QByteArray("bad id") << false << 401;
    QTest::newRow("404 valid") << get << QStringLiteral("/nope") << int(Nobody) << QByteArray("cutover-404") << true << 404;
    QTest::newRow("404 absent") << get << QStringLiteral("/nope") << int(Nobody) << QByteArray() << false << 404;
    QTest::newRow("405 absent") << QByteArray("POST") << health << int(Nobody) << QByteArray() << false << 405;
    QTest::newRow("422 valid") << get << QStringLiteral("/admin/audit?limit=0") << int(Viewer) << QByteArray("cutover-422")
                               << true << 422;
    QTest::newRow("422 too long") << get << QStringLiteral("/admin/audit?limit=0") << int(Viewer) << QByteArray(200, 'c')
                                  << false << 422;
}

void TestContractAccess::requestId()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(int, who);
    QFETCH(QByteArray, sent);
    QFETCH(bool, echoed);
    QFETCH(int, status);

    Headers headers;
    if (!sent.isNull())
        headers.append({"X-Request-ID", sent});
    const Reply r = m_sim.request(method, path, asRole(who), {}, headers);
    QCOMPARE(r.status, status);
    const QByteArray id = r.header("x-request-id");
    if (echoed) {
        QCOMPARE(id, sent);
    } else {
        static const QRegularExpression generated(QStringLiteral("^req-[0-9a-f]{16}$"));
        QVERIFY2(generated.match(QString::fromLatin1(id)).hasMatch(), id.constData());
    }
    if (status >= 400)
        QCOMPARE(b(at(r.json(), "/error/request_id")), id);

    // Generated ids identify one request each.
    if (!echoed) {
        const Reply again = m_sim.request(method, path, asRole(who), {}, headers);
        QVERIFY(again.header("x-request-id") != id);
    }
}

void TestContractAccess::notFoundAndMethod_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("who");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("allow"); // sorted, comma-separated

    auto row = [](const char *name, const char *method, const char *path, int who, int status, const char *allow) {
        QTest::newRow(name) << QByteArray(method) << QString::fromLatin1(path) << who << status << QByteArray(allow);
    };
    row("unknown top-level path", "GET", "/nope", Nobody, 404, "");
    row("unknown admin path", "GET", "/admin/nope", Viewer, 404, "");
    row("unknown sim path", "GET", "/sim/nope", Admin, 404, "");
    row("route sub-path", "GET", "/admin/routes/posts/extra", Viewer, 404, "");
    row("unknown route", "GET", "/admin/routes/nope", Viewer, 404, "");
    row("unknown flag", "GET", "/admin/flags/use_search_microservice", Viewer, 404, "");
    row("unknown service", "GET", "/health/services/nope", Viewer, 404, "");
    row("unknown service db", "GET", "/health/services/nope/db", Viewer, 404, "");
    row("unknown fault", "DELETE", "/sim/faults/f999", Admin, 404, "");
    row("POST /health", "POST", "/health", Nobody, 405, "GET");
    row("DELETE route", "DELETE", "/admin/routes/posts", Operator, 405, "GET,PUT");
    row("PATCH flag", "PATCH", "/admin/flags/use_post_microservice", Operator, 405, "GET,PUT");
    row("POST route list", "POST", "/admin/routes", Admin, 405, "GET");
    row("PUT metrics", "PUT", "/metrics", Operator, 405, "GET");
    row("PUT rollback", "PUT", "/admin/rollback", Operator, 405, "GET,POST");
    row("GET release", "GET", "/admin/rollback/release", Viewer, 405, "POST");
    row("DELETE audit", "DELETE", "/admin/audit", Operator, 405, "GET");
    row("POST log stream", "POST", "/admin/logs/stream", Operator, 405, "GET");
    row("GET /sim/step", "GET", "/sim/step", Admin, 405, "POST");
    row("PUT /sim/faults", "PUT", "/sim/faults", Admin, 405, "DELETE,GET,POST");
}

void TestContractAccess::notFoundAndMethod()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(int, who);
    QFETCH(int, status);
    QFETCH(QByteArray, allow);

    const Reply r = m_sim.request(method, path, asRole(who));
    VERIFY_ERROR(r, status, status == 404 ? QByteArray("not_found") : QByteArray("method_not_allowed"), "null");
    if (status == 405) {
        QList<QByteArray> methods = r.header("allow").split(',');
        for (QByteArray &m : methods)
            m = m.trimmed();
        std::sort(methods.begin(), methods.end());
        QCOMPARE(methods.join(','), allow);
    }
}

QTEST_GUILESS_MAIN(TestContractAccess)
#include "tst_contract_access.moc"
