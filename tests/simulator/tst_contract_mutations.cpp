// cutover-sim against the gateway admin API contract (docs/admin-api.md), over real HTTP to a real
// simulator process: If-Match, reasons, validation, malformed bodies, conflicts, idempotency keys
// (a lost response too) and the audit entry a change leaves.
//
// Part of the contract suite tst_contract_{access,mutations,traffic,streams}; the shared helpers
// are in tests/support/contracthelpers.h.
#include "tests/support/contracthelpers.h"

#include <QTest>

#include <nlohmann/json.hpp>

#include <string>
#include <utility>

using cutover::Role;
using namespace cutover::test;

class TestContractMutations : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    // Mutations: If-Match, reason, validation, conflicts, idempotency.
    void ifMatch();
    void reason_data();
    void reason();
    void routeValidation_data();
    void routeValidation();
    void flagValidation_data();
    void flagValidation();
    void flagDefaults();
    void badBody_data();
    void badBody();
    void unknownTargets();
    void rollbackConflicts();
    void idempotency();
    void lostResponse();

    // Audit.
    void auditEntry();

private:
    SimFixture m_sim; // shared: --manual-clock --seed 42, for tests that leave no lasting trace
};

void TestContractMutations::initTestCase()
{
    START_SIM(m_sim, simArgs(42));
    QVERIFY(m_sim.step(5));
}

// ---------------------------------------------------------------------------------------------
// Mutations

void TestContractMutations::ifMatch()
{
    const QString path = QStringLiteral("/admin/routes/payments");
    const QByteArray v0 = m_sim.version(QStringLiteral("routes/payments"));
    QVERIFY(!v0.isEmpty());
    const Reply before = m_sim.get(path);
    QCOMPARE(before.header("etag"), quoted(v0));
    const QByteArray generation0 = b(at(m_sim.get(QStringLiteral("/admin/routes")).json(), "/version"));
    const QByteArray body = dump({{"microservice_percent", 10}, {"reason", "If-Match check"}});

    Reply r = m_sim.request("PUT", path, Role::Operator, body);
    VERIFY_ERROR(r, 428, "precondition_required");
    QCOMPARE(b(at(r.json(), "/error/field")), QByteArray("null"));

    r = m_sim.request("PUT", path, Role::Operator, body, {{"If-Match", "\"0\""}});
    VERIFY_ERROR(r, 412, "precondition_failed");
    QCOMPARE(b(at(r.json(), "/error/details/current_version")), v0);
    QVERIFY(at(r.json(), "/error/details/current") == before.json());
    QCOMPARE(b(at(r.json(), "/error/field")), QByteArray("null"));
    QCOMPARE(m_sim.version(QStringLiteral("routes/payments")), v0); // nothing changed

    // Quoted (canonical) form.
    r = m_sim.request("PUT", path, Role::Operator, body, {{"If-Match", quoted(v0)}});
    QCOMPARE(r.status, 200);
    const QByteArray v1 = b(at(r.json(), "/version"));
    QVERIFY(v1 != v0);
    QCOMPARE(r.header("etag"), quoted(v1));
    QCOMPARE(num(at(r.json(), "/microservice_percent")), qint64(10));
    QCOMPARE(b(at(r.json(), "/updated_by")), QByteArray("demo-operator"));
    QVERIFY(isTime(at(r.json(), "/updated_at")));
    QCOMPARE(m_sim.version(QStringLiteral("routes/payments")), v1);
    QVERIFY(b(at(m_sim.get(QStringLiteral("/admin/routes")).json(), "/version")) != generation0);

    // Unquoted form; the same percentage again still makes a new version and an audit entry.
    const qint64 audited = latestAudit(m_sim);
    r = m_sim.request("PUT", path, Role::Operator, body, {{"If-Match", v1}});
    QCOMPARE(r.status, 200);
    const QByteArray v2 = b(at(r.json(), "/version"));
    QVERIFY(v2 != v1 && v2 != v0);
    QCOMPARE(r.header("etag"), quoted(v2));
    QCOMPARE(latestAudit(m_sim), audited + 1);

    // What was current a moment ago is stale now.
    r = m_sim.request("PUT", path, Role::Operator, body, {{"If-Match", quoted(v1)}});
    VERIFY_ERROR(r, 412, "precondition_failed");
    QCOMPARE(b(at(r.json(), "/error/details/current_version")), v2);
    QCOMPARE(num(at(r.json(), "/error/details/current/microservice_percent")), qint64(10));

    // Flags follow the same rules.
    const QString flagPath = QStringLiteral("/admin/flags/use_notification_microservice");
    const Reply flag = m_sim.get(flagPath);
    const QByteArray f0 = b(at(flag.json(), "/version"));
    QCOMPARE(flag.header("etag"), quoted(f0));
    const QByteArray flagBody = dump({{"enabled", false}, {"rollout_percent", 0}, {"reason", "If-Match check"}});
    VERIFY_ERROR(m_sim.request("PUT", flagPath, Role::Operator, flagBody), 428, "precondition_required");
    r = m_sim.request("PUT", flagPath, Role::Operator, flagBody, {{"If-Match", "\"0\""}});
    VERIFY_ERROR(r, 412, "precondition_failed");
    QCOMPARE(b(at(r.json(), "/error/details/current_version")), f0);
    QVERIFY(at(r.json(), "/error/details/current") == flag.json());
    r = m_sim.request("PUT", flagPath, Role::Operator, flagBody, {{"If-Match", f0}});
    QCOMPARE(r.status, 200);
    QVERIFY(b(at(r.json(), "/version")) != f0);
    QCOMPARE(r.header("etag"), quoted(b(at(r.json(), "/version"))));

    QCOMPARE(setPercent(m_sim, QStringLiteral("payments"), 0).status, 200);
}

void TestContractMutations::reason_data()
{
    QTest::addColumn<QByteArray>("target"); // route, flag or rollback
    QTest::addColumn<QByteArray>("reason"); // JSON text; empty: no reason member
    QTest::addColumn<bool>("accepted");

    const QByteArray none;
    auto text = [](const std::string &s) { return dump(J(s)); };
    std::string umlauts;
    for (int i = 0; i < 500; ++i)
        umlauts += "\xc3\xbc";
    QTest::newRow("route, missing") << QByteArray("route") << none << false;
    QTest::newRow("route, null") << QByteArray("route") << QByteArray("null") << false;
    QTest::newRow("route, number") << QByteArray("route") << QByteArray("5") << false;
    QTest::newRow("route, empty") << QByteArray("route") << text("") << false;
    QTest::newRow("route, spaces") << QByteArray("route") << text("     ") << false;
    QTest::newRow("route, mixed whitespace") << QByteArray("route") << text(" \t\r\n ") << false;
    QTest::newRow("route, 501 characters") << QByteArray("route") << text(std::string(501, 'x')) << false;
    QTest::newRow("route, 500 characters") << QByteArray("route") << text(std::string(500, 'x')) << true;
    QTest::newRow("route, padded") << QByteArray("route") << text("  padded  ") << true;
    QTest::newRow("route, 500 non-ASCII characters") << QByteArray("route") << text(umlauts) << true;
    QTest::newRow("flag, missing") << QByteArray("flag") << none << false;
    QTest::newRow("flag, blank") << QByteArray("flag") << text("  ") << false;
    QTest::newRow("flag, 501 characters") << QByteArray("flag") << text(std::string(501, 'y')) << false;
    QTest::newRow("rollback, missing") << QByteArray("rollback") << none << false;
    QTest::newRow("rollback, blank") << QByteArray("rollback") << text("\t") << false;
    QTest::newRow("rollback, not a string") << QByteArray("rollback") << QByteArray("[\"x\"]") << false;
    QTest::newRow("rollback, 501 characters") << QByteArray("rollback") << text(std::string(501, 'z')) << false;
}

void TestContractMutations::reason()
{
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, reason);
    QFETCH(bool, accepted);

    J body = target == "route" ? J {{"microservice_percent", 0}}
        : target == "flag"     ? J {{"enabled", false}, {"rollout_percent", 0}}
                               : J::object();
    if (!reason.isEmpty())
        body["reason"] = J::parse(reason.toStdString());
    const QString resource = target == "route" ? QStringLiteral("routes/notifications")
        : target == "flag"                     ? QStringLiteral("flags/use_payment_microservice")
                                               : QStringLiteral("rollback");
    const QByteArray version = m_sim.version(resource);
    const qint64 audited = latestAudit(m_sim);
    static int keys = 0;
    const Reply r = m_sim.request(target == "rollback" ? "POST" : "PUT", QStringLiteral("/admin/") + resource,
                                  Role::Operator, dump(body),
                                  {{"If-Match", quoted(version)},
                                   {"Idempotency-Key", "reason-check-" + QByteArray::number(++keys)}});
    if (accepted) {
        QCOMPARE(r.status, 200);
        QCOMPARE(latestAudit(m_sim), audited + 1);
        return;
    }
    VERIFY_ERROR(r, 422, "validation_failed", "reason");
    // A failed request changes nothing and is not audited.
    QCOMPARE(m_sim.version(resource), version);
    QCOMPARE(latestAudit(m_sim), audited);
}

void TestContractMutations::routeValidation_data()
{
    QTest::addColumn<QByteArray>("percent"); // JSON text; empty: no member
    QTest::addColumn<bool>("accepted");
    QTest::newRow("101") << QByteArray("101") << false;
    QTest::newRow("-1") << QByteArray("-1") << false;
    QTest::newRow("string \"50\"") << QByteArray("\"50\"") << false;
    QTest::newRow("50.5") << QByteArray("50.5") << false;
    QTest::newRow("null") << QByteArray("null") << false;
    QTest::newRow("true") << QByteArray("true") << false;
    QTest::newRow("array") << QByteArray("[50]") << false;
    QTest::newRow("missing") << QByteArray() << false;
    QTest::newRow("0") << QByteArray("0") << true;
    QTest::newRow("100") << QByteArray("100") << true;
}

void TestContractMutations::routeValidation()
{
    QFETCH(QByteArray, percent);
    QFETCH(bool, accepted);
    J body = {{"reason", "validation check"}};
    if (!percent.isEmpty())
        body["microservice_percent"] = J::parse(percent.toStdString());
    const QString id = QStringLiteral("notifications");
    const QByteArray version = m_sim.version(QStringLiteral("routes/") + id);
    const Reply r = putRoute(m_sim, id, body);
    if (accepted) {
        QCOMPARE(r.status, 200);
        QCOMPARE(dump(at(r.json(), "/microservice_percent")), percent);
        QCOMPARE(setPercent(m_sim, id, 0).status, 200);
        return;
    }
    VERIFY_ERROR(r, 422, "validation_failed", "microservice_percent");
    QCOMPARE(m_sim.version(QStringLiteral("routes/") + id), version);
}

void TestContractMutations::flagValidation_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("field"); // empty: accepted

    auto with = [](const char *member, const J &value) {
        J body = {{"enabled", false}, {"rollout_percent", 0}, {"reason", "flag validation"}};
        if (value.is_discarded())
            body.erase(member);
        else
            body[member] = value;
        return dump(body);
    };
    const J missing = J(J::value_t::discarded);
    auto users = [](int n, const std::string &id) {
        J a = J::array();
        for (int i = 0; i < n; ++i)
            a.push_back(id + std::to_string(i));
        return a;
    };
    std::string wide;
    for (int i = 0; i < 64; ++i)
        wide += "\xc3\xbc";
    QTest::newRow("rollout 101") << with("rollout_percent", 101) << QByteArray("rollout_percent");
    QTest::newRow("rollout -1") << with("rollout_percent", -1) << QByteArray("rollout_percent");
    QTest::newRow("rollout string") << with("rollout_percent", "10") << QByteArray("rollout_percent");
    QTest::newRow("rollout 10.5") << with("rollout_percent", 10.5) << QByteArray("rollout_percent");
    QTest::newRow("rollout missing") << with("rollout_percent", missing) << QByteArray("rollout_percent");
    QTest::newRow("enabled string") << with("enabled", "true") << QByteArray("enabled");
    QTest::newRow("enabled 1") << with("enabled", 1) << QByteArray("enabled");
    QTest::newRow("enabled null") << with("enabled", nullptr) << QByteArray("enabled");
    QTest::newRow("enabled missing") << with("enabled", missing) << QByteArray("enabled");
    QTest::newRow("allow_users string") << with("allow_users", "u-00001") << QByteArray("allow_users");
    QTest::newRow("allow_users object") << with("allow_users", J {{"u", 1}}) << QByteArray("allow_users");
    QTest::newRow("allow_users number element") << with("allow_users", J::array({1})) << QByteArray("allow_users");
    QTest::newRow("allow_users empty id") << with("allow_users", J::array({""})) << QByteArray("allow_users");
    QTest::newRow("allow_users 65 characters") << with("allow_users", J::array({std::string(65, 'u')})) << QByteArray("allow_users");
    QTest::newRow("allow_users 1001 entries") << with("allow_users", users(1001, "u-")) << QByteArray("allow_users");
    QTest::newRow("description number") << with("description", 5) << QByteArray("description");
    QTest::newRow("allow_users 64 characters") << with("allow_users", J::array({std::string(64, 'u')})) << QByteArray();
    QTest::newRow("allow_users 1000 entries") << with("allow_users", users(1000, "u-")) << QByteArray();
    QTest::newRow("allow_users 64 non-ASCII characters") << with("allow_users", J::array({wide})) << QByteArray();
}

void TestContractMutations::flagValidation()
{
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, field);
    const QString name = QStringLiteral("use_payment_microservice");
    const QByteArray version = m_sim.version(QStringLiteral("flags/") + name);
    const Reply r = putFlag(m_sim, name, J::parse(body.toStdString()));
    if (field.isEmpty()) {
        QCOMPARE(r.status, 200);
        QCOMPARE(dump(at(r.json(), "/allow_users")), dump(at(J::parse(body.toStdString()), "/allow_users")));
        return;
    }
    VERIFY_ERROR(r, 422, "validation_failed", field);
    QCOMPARE(m_sim.version(QStringLiteral("flags/") + name), version);
}

void TestContractMutations::flagDefaults()
{
    const QString name = QStringLiteral("use_payment_microservice");
    Reply r = putFlag(m_sim, name,
                      {{"enabled", false}, {"rollout_percent", 5}, {"allow_users", J::array({"u-00042"})},
                       {"description", "Payments beta users"}, {"reason", "defaults check"}});
    QCOMPARE(r.status, 200);
    QCOMPARE(dump(at(r.json(), "/allow_users")), QByteArray("[\"u-00042\"]"));
    QCOMPARE(b(at(r.json(), "/description")), QByteArray("Payments beta users"));
    QCOMPARE(b(at(r.json(), "/service")), QByteArray("payment-service"));
    QCOMPARE(dump(at(r.json(), "/routes")), QByteArray("[\"payments\"]"));
    QCOMPARE(b(at(r.json(), "/updated_by")), QByteArray("demo-operator"));
    QCOMPARE(r.header("etag"), quoted(b(at(r.json(), "/version"))));

    // Omitted allow_users becomes []; omitted description is kept.
    r = putFlag(m_sim, name, {{"enabled", false}, {"rollout_percent", 0}, {"reason", "defaults check"}});
    QCOMPARE(r.status, 200);
    QCOMPARE(dump(at(r.json(), "/allow_users")), QByteArray("[]"));
    QCOMPARE(b(at(r.json(), "/description")), QByteArray("Payments beta users"));
    QCOMPARE(num(at(r.json(), "/rollout_percent")), qint64(0));
    QVERIFY(at(r.json(), "/enabled") == J(false));
}

void TestContractMutations::badBody_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");

    struct Target { const char *name; const char *method; const char *path; };
    const Target targets[] = {{"route", "PUT", "/admin/routes/media"},
                              {"flag", "PUT", "/admin/flags/use_media_microservice"},
                              {"rollback", "POST", "/admin/rollback"},
                              {"release", "POST", "/admin/rollback/release"},
                              {"sim fault", "POST", "/sim/faults"}};
    const std::pair<const char *, QByteArray> bodies[] = {{"malformed JSON", "{\"reason\": \"x\""},
                                                          {"JSON array", "[{\"reason\":\"x\"}]"},
                                                          {"JSON string", "\"x\""},
                                                          {"JSON number", "5"},
                                                          {"empty", ""}};
    for (const Target &t : targets)
        for (const auto &[name, body] : bodies)
            QTest::addRow("%s, %s", t.name, name) << QByteArray(t.method) << QString::fromLatin1(t.path) << body;
}

void TestContractMutations::badBody()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    // Everything else about the request is right, so that only the body can be at fault.
    Headers headers;
    if (path.startsWith(QLatin1String("/admin/rollback")))
        headers = {{"If-Match", quoted(m_sim.version(QStringLiteral("rollback")))}, {"Idempotency-Key", "bad-body"}};
    else if (path.startsWith(QLatin1String("/admin/")))
        headers = {{"If-Match", quoted(m_sim.version(path.mid(7)))}};
    const qint64 audited = latestAudit(m_sim);
    const Reply r = m_sim.request(method, path, Role::Admin, body, headers);
    VERIFY_ERROR(r, 400, "bad_request");
    QCOMPARE(latestAudit(m_sim), audited);
}

void TestContractMutations::unknownTargets()
{
    Reply r = m_sim.request("PUT", QStringLiteral("/admin/routes/search"), Role::Operator,
                            dump({{"microservice_percent", 10}, {"reason", "no such route"}}), {{"If-Match", "\"1\""}});
    VERIFY_ERROR(r, 404, "not_found", "null");
    r = m_sim.request("PUT", QStringLiteral("/admin/flags/use_search_microservice"), Role::Operator,
                      dump({{"enabled", true}, {"rollout_percent", 10}, {"reason", "flags are not created"}}),
                      {{"If-Match", "\"1\""}});
    VERIFY_ERROR(r, 404, "not_found", "null");
    QVERIFY(m_sim.get(QStringLiteral("/admin/flags/use_search_microservice")).status == 404);
}

void TestContractMutations::rollbackConflicts()
{
    SimFixture sim;
    START_SIM(sim, simArgs(5));
    const Reply initial = sim.get(QStringLiteral("/admin/rollback"));
    QCOMPARE(initial.status, 200);
    const QByteArray v0 = b(at(initial.json(), "/version"));
    QCOMPARE(initial.header("etag"), quoted(v0));
    QVERIFY(at(initial.json(), "/engaged") == J(false));
    QVERIFY(at(initial.json(), "/snapshot").is_null());
    QVERIFY(at(initial.json(), "/engaged_by").is_null());

    // Release while not engaged.
    VERIFY_ERROR(rollbackAction(sim, true, "release-early", {{"reason", "nothing to release"}}), 409, "conflict");

    // If-Match: missing, then stale.
    const QByteArray engageBody = dump({{"reason", "payment-service 5xx spike"}});
    Reply r = sim.request("POST", QStringLiteral("/admin/rollback"), Role::Operator, engageBody,
                          {{"Idempotency-Key", "engage-1"}});
    VERIFY_ERROR(r, 428, "precondition_required");
    r = sim.request("POST", QStringLiteral("/admin/rollback"), Role::Operator, engageBody,
                    {{"Idempotency-Key", "engage-1"}, {"If-Match", "\"0\""}});
    VERIFY_ERROR(r, 412, "precondition_failed");
    QCOMPARE(b(at(r.json(), "/error/details/current_version")), v0);
    QVERIFY(at(r.json(), "/error/details/current") == initial.json());

    // Failed attempts are not remembered: the same key now executes.
    QCOMPARE(setPercent(sim, QStringLiteral("media"), 30).status, 200);
    const J routesBefore = sim.get(QStringLiteral("/admin/routes")).json();
    r = sim.request("POST", QStringLiteral("/admin/rollback"), Role::Operator, engageBody,
                    {{"Idempotency-Key", "engage-1"}, {"If-Match", v0}});
    QCOMPARE(r.status, 200);
    QVERIFY(r.header("idempotent-replayed").isEmpty());
    const J engaged = r.json();
    QVERIFY(at(engaged, "/engaged") == J(true));
    QCOMPARE(b(at(engaged, "/engaged_by")), QByteArray("demo-operator"));
    QCOMPARE(b(at(engaged, "/reason")), QByteArray("payment-service 5xx spike"));
    QVERIFY(isTime(at(engaged, "/engaged_at")));
    QVERIFY(b(at(engaged, "/version")) != v0);
    QCOMPARE(r.header("etag"), quoted(b(at(engaged, "/version"))));
    QMap<QByteArray, qint64> snapshot;
    for (const J &s : at(engaged, "/snapshot"))
        snapshot.insert(b(s["route"]), num(s["microservice_percent"]));
    QCOMPARE(snapshot, routePercents(routesBefore));

    const J routesEngaged = sim.get(QStringLiteral("/admin/routes")).json();
    QVERIFY(at(routesEngaged, "/rollback_engaged") == J(true));
    QVERIFY(b(at(routesEngaged, "/version")) != b(at(routesBefore, "/version")));
    for (std::size_t i = 0; i < at(routesEngaged, "/routes").size(); ++i) {
        const J route = routesEngaged["routes"][i];
        QCOMPARE(num(route["microservice_percent"]), qint64(0));
        QVERIFY(route["version"] != routesBefore["routes"][i]["version"]);
    }

    // Route changes are refused while engaged; a second engage too.
    VERIFY_ERROR(setPercent(sim, QStringLiteral("media"), 50), 409, "conflict");
    QCOMPARE(num(at(sim.get(QStringLiteral("/admin/routes/media")).json(), "/microservice_percent")), qint64(0));
    VERIFY_ERROR(rollbackAction(sim, false, "engage-2", {{"reason", "again"}}), 409, "conflict");

    // keep_monolith must be a boolean.
    VERIFY_ERROR(rollbackAction(sim, true, "release-1", {{"reason", "fixed"}, {"keep_monolith", "yes"}}), 422,
                 "validation_failed", "keep_monolith");

    r = rollbackAction(sim, true, "release-1", {{"reason", "Hotfix deployed"}});
    QCOMPARE(r.status, 200);
    const J released = r.json();
    QVERIFY(at(released, "/engaged") == J(false));
    QCOMPARE(b(at(released, "/released_by")), QByteArray("demo-operator"));
    QVERIFY(isTime(at(released, "/released_at")));
    for (const char *p : {"/snapshot", "/engaged_by", "/engaged_at", "/reason"})
        QVERIFY2(at(released, p).is_null(), p);
    QCOMPARE(routePercents(sim.get(QStringLiteral("/admin/routes")).json()), routePercents(routesBefore));

    // One audit entry per action, not one per route.
    const J engages = auditOf(sim, "rollback.engage");
    QCOMPARE(engages.size(), std::size_t(1));
    QCOMPARE(b(engages[0]["target"]), QByteArray("rollback"));
    QCOMPARE(b(engages[0]["idempotency_key"]), QByteArray("engage-1"));
    QCOMPARE(num(engages[0]["before"]["media"]), qint64(30));
    for (const auto &item : engages[0]["after"].items())
        QVERIFY2(item.value() == J(0), item.key().c_str());
    const J releases = auditOf(sim, "rollback.release");
    QCOMPARE(releases.size(), std::size_t(1));
    QCOMPARE(num(releases[0]["after"]["media"]), qint64(30));
}

void TestContractMutations::idempotency()
{
    SimFixture sim;
    START_SIM(sim, simArgs(6));
    const QByteArray body = dump({{"reason", "payment-service 5xx spike"}});

    for (const char *path : {"/admin/rollback", "/admin/rollback/release"}) {
        const Reply r = sim.request("POST", QString::fromLatin1(path), Role::Operator, body,
                                    {{"If-Match", quoted(sim.version(QStringLiteral("rollback")))}});
        VERIFY_ERROR(r, 400, "bad_request", "Idempotency-Key");
    }

    const QByteArray key = "6f1c2a8e-3d94-4b7e-a0f5-92c1d7e4b380";
    const Headers headers = {{"If-Match", quoted(sim.version(QStringLiteral("rollback")))}, {"Idempotency-Key", key}};
    const Reply first = sim.request("POST", QStringLiteral("/admin/rollback"), Role::Operator, body, headers);
    QCOMPARE(first.status, 200);
    QVERIFY(first.header("idempotent-replayed").isEmpty());

    // The rollback moves on: released under another key (replayed too, members reordered).
    const QByteArray releaseBody = "{\"reason\":\"false alarm\",\"keep_monolith\":false}";
    const Headers releaseHeaders = {{"If-Match", quoted(sim.version(QStringLiteral("rollback")))},
                                    {"Idempotency-Key", "release-1"}};
    const Reply release = sim.request("POST", QStringLiteral("/admin/rollback/release"), Role::Operator, releaseBody,
                                      releaseHeaders);
    QCOMPARE(release.status, 200);
    const Reply releaseAgain = sim.request("POST", QStringLiteral("/admin/rollback/release"), Role::Operator,
                                           "{\"keep_monolith\":false,\"reason\":\"false alarm\"}", releaseHeaders);
    QCOMPARE(releaseAgain.status, 200);
    QCOMPARE(releaseAgain.header("idempotent-replayed"), QByteArray("true"));
    QCOMPARE(releaseAgain.body, release.body);
    const QByteArray movedOn = sim.version(QStringLiteral("rollback"));
    QVERIFY(movedOn != b(at(first.json(), "/version")));

    // Same key, same body, the If-Match of the first attempt: the first response again.
    Reply replay = sim.request("POST", QStringLiteral("/admin/rollback"), Role::Operator, body, headers);
    QCOMPARE(replay.status, 200);
    QCOMPARE(replay.header("idempotent-replayed"), QByteArray("true"));
    QCOMPARE(replay.body, first.body);
    QCOMPARE(replay.header("etag"), first.header("etag"));
    // Insignificant whitespace does not make another body.
    replay = sim.request("POST", QStringLiteral("/admin/rollback"), Role::Operator,
                         "{ \"reason\" :\n  \"payment-service 5xx spike\" }", headers);
    QCOMPARE(replay.status, 200);
    QCOMPARE(replay.header("idempotent-replayed"), QByteArray("true"));
    QCOMPARE(replay.body, first.body);

    // A replay changes nothing.
    const J state = sim.get(QStringLiteral("/admin/rollback")).json();
    QVERIFY(at(state, "/engaged") == J(false));
    QCOMPARE(b(at(state, "/version")), movedOn);

    // Same key, different body.
    const Reply reused = sim.request("POST", QStringLiteral("/admin/rollback"), Role::Operator,
                                     dump({{"reason", "another reason"}}), headers);
    VERIFY_ERROR(reused, 422, "idempotency_key_reused", "Idempotency-Key");

    J engages = auditOf(sim, "rollback.engage");
    QCOMPARE(engages.size(), std::size_t(1));
    QCOMPARE(b(engages[0]["idempotency_key"]), key);
    QCOMPARE(auditOf(sim, "rollback.release").size(), std::size_t(1));

    // Keys belong to a subject: the admin's identical key is a new request.
    const Reply admin = sim.request("POST", QStringLiteral("/admin/rollback"), Role::Admin, body,
                                    {{"If-Match", quoted(movedOn)}, {"Idempotency-Key", key}});
    QCOMPARE(admin.status, 200);
    QVERIFY(admin.header("idempotent-replayed").isEmpty());
    QCOMPARE(b(at(admin.json(), "/engaged_by")), QByteArray("demo-admin"));
    engages = auditOf(sim, "rollback.engage");
    QCOMPARE(engages.size(), std::size_t(2));
    QCOMPARE(b(engages[1]["actor"]), QByteArray("demo-admin"));
    QCOMPARE(b(engages[1]["role"]), QByteArray("admin"));
}

void TestContractMutations::lostResponse()
{
    SimFixture sim;
    START_SIM(sim, simArgs(7));
    // Read first: the rule drops the next response on the path, whatever the method.
    const QByteArray ifMatch = quoted(sim.version(QStringLiteral("rollback")));
    const Reply chaos = sim.request("POST", QStringLiteral("/sim/chaos"), Role::Admin,
                                    dump({{"drop_response", {{"path", "/admin/rollback"}, {"count", 1}}}}));
    QCOMPARE(chaos.status, 200);

    const QByteArray body = dump({{"reason", "lost response drill"}});
    const QByteArray key = "lost-response-1";
    {
        RawHttp lost(sim.url(), "POST", "/admin/rollback",
                     bearer(sim, Role::Operator, {{"If-Match", ifMatch}, {"Idempotency-Key", key}, {"Connection", "close"}}),
                     body);
        QTRY_VERIFY_WITH_TIMEOUT(lost.closed(), 5000);
        QCOMPARE(lost.raw(), QByteArray()); // no status line, nothing at all
    }
    // It happened nevertheless.
    QVERIFY(at(sim.get(QStringLiteral("/admin/rollback")).json(), "/engaged") == J(true));

    const Reply retry = sim.request("POST", QStringLiteral("/admin/rollback"), Role::Operator, body,
                                    {{"If-Match", ifMatch}, {"Idempotency-Key", key}});
    QCOMPARE(retry.status, 200);
    QCOMPARE(retry.header("idempotent-replayed"), QByteArray("true"));
    QVERIFY(at(retry.json(), "/engaged") == J(true));
    QCOMPARE(b(at(retry.json(), "/engaged_by")), QByteArray("demo-operator"));
    QVERIFY(at(sim.get(QStringLiteral("/admin/rollback")).json(), "/engaged") == J(true));
    QCOMPARE(auditOf(sim, "rollback.engage").size(), std::size_t(1));
}

// ---------------------------------------------------------------------------------------------
// Audit

void TestContractMutations::auditEntry()
{
    const qint64 latest = latestAudit(m_sim);
    const qint64 percentBefore = num(at(m_sim.get(QStringLiteral("/admin/routes/media")).json(), "/microservice_percent"));
    const Reply r = putRoute(m_sim, QStringLiteral("media"), {{"microservice_percent", 25}, {"reason", "Audit: media to 25%"}},
                             Role::Operator, {{"X-Request-ID", "contract-audit-1"}});
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("x-request-id"), QByteArray("contract-audit-1"));

    J page = m_sim.get(QStringLiteral("/admin/audit?after=") + QString::number(latest)).json();
    QCOMPARE(at(page, "/entries").size(), std::size_t(1));
    J e = page["entries"][0];
    QCOMPARE(num(e["id"]), latest + 1);
    QCOMPARE(num(at(page, "/latest_id")), latest + 1);
    QVERIFY(isTime(e["time"]));
    QCOMPARE(b(e["actor"]), QByteArray("demo-operator"));
    QCOMPARE(b(e["role"]), QByteArray("operator"));
    QCOMPARE(b(e["action"]), QByteArray("route.update"));
    QCOMPARE(b(e["target"]), QByteArray("routes/media"));
    QCOMPARE(num(at(e, "/before/microservice_percent")), percentBefore);
    QCOMPARE(num(at(e, "/after/microservice_percent")), qint64(25));
    QVERIFY(at(e, "/after") == r.json());
    QVERIFY(at(e, "/before/version") != at(e, "/after/version"));
    QCOMPARE(b(e["reason"]), QByteArray("Audit: media to 25%"));
    QCOMPARE(b(e["request_id"]), QByteArray("contract-audit-1"));
    QVERIFY(at(e, "/idempotency_key").is_null());

    // The actor is the token's subject, with that token's role; a generated request id is recorded too.
    const Reply flag = putFlag(m_sim, QStringLiteral("use_media_microservice"),
                               {{"enabled", false}, {"rollout_percent", 0}, {"reason", "Audit: admin edit"}}, Role::Admin);
    QCOMPARE(flag.status, 200);
    page = m_sim.get(QStringLiteral("/admin/audit?after=") + QString::number(latest + 1)).json();
    QCOMPARE(at(page, "/entries").size(), std::size_t(1));
    e = page["entries"][0];
    QCOMPARE(b(e["actor"]), QByteArray("demo-admin"));
    QCOMPARE(b(e["role"]), QByteArray("admin"));
    QCOMPARE(b(e["action"]), QByteArray("flag.update"));
    QCOMPARE(b(e["target"]), QByteArray("flags/use_media_microservice"));
    QCOMPARE(b(at(e, "/before/name")), QByteArray("use_media_microservice"));
    QCOMPARE(b(e["request_id"]), flag.header("x-request-id"));

    QCOMPARE(setPercent(m_sim, QStringLiteral("media"), 0).status, 200);
}

QTEST_GUILESS_MAIN(TestContractMutations)
#include "tst_contract_mutations.moc"
