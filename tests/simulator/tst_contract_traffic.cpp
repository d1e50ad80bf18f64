// cutover-sim against the gateway admin API contract (docs/admin-api.md), over real HTTP to a real
// simulator process: routing of the simulated traffic (route percentages, flags, allow lists,
// rollback and release, seed repeatability) and the simulator controls (faults, scenarios, chaos).
//
// Part of the contract suite tst_contract_{access,mutations,traffic,streams}; the shared helpers
// are in tests/support/contracthelpers.h.
#include "tests/support/contracthelpers.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <string>

using cutover::Role;
using namespace cutover::test;

class TestContractTraffic : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    // Routing of the simulated traffic.
    void trafficRoutePercent();
    void trafficFlagRollout();
    void trafficAllowUser();
    void trafficRollback();
    void releaseKeepMonolith();
    void seedRepeatable();

    // Simulator controls.
    void faultErrorRate();
    void faultDown();
    void faultDbDown();
    void faultDuration();
    void faultValidation_data();
    void faultValidation();
    void scenario();
    void stepNeedsManualClock();
    void chaosDelay();

private:
    SimFixture m_sim; // shared: --manual-clock --seed 42, for tests that leave no lasting trace
};

void TestContractTraffic::initTestCase()
{
    START_SIM(m_sim, simArgs(42));
    QVERIFY(m_sim.step(5));
}

// ---------------------------------------------------------------------------------------------
// Routing of the simulated traffic (one simulator each: they change the routing)

void TestContractTraffic::trafficRoutePercent()
{
    SimFixture sim;
    START_SIM(sim, simArgs(11));
    const QByteArray m0 = sim.metrics();
    QVERIFY(sim.step(10));
    const QByteArray m1 = sim.metrics();
    // Percent 0 and the flag disabled: media is the monolith's.
    QCOMPARE(requests(m1, "media", "microservice"), requests(m0, "media", "microservice"));
    QVERIFY(requests(m1, "media", "monolith") - requests(m0, "media", "monolith") > 150);

    QCOMPARE(setPercent(sim, QStringLiteral("media"), 50).status, 200);
    QVERIFY(sim.step(20));
    const QByteArray m2 = sim.metrics();
    const double half = requests(m2, "media", "microservice") - requests(m1, "media", "microservice");
    const double halfTotal = requests(m2, "media", nullptr) - requests(m1, "media", nullptr);
    QVERIFY(halfTotal > 300);
    QVERIFY2(half / halfTotal > 0.35 && half / halfTotal < 0.65, QByteArray::number(half / halfTotal).constData());

    QCOMPARE(setPercent(sim, QStringLiteral("media"), 100).status, 200);
    QVERIFY(sim.step(20));
    const QByteArray m3 = sim.metrics();
    QCOMPARE(requests(m3, "media", "monolith"), requests(m2, "media", "monolith"));
    QVERIFY(requests(m3, "media", "microservice") - requests(m2, "media", "microservice") > 300);
}

void TestContractTraffic::trafficFlagRollout()
{
    SimFixture sim;
    START_SIM(sim, simArgs(12));
    const Reply r = putFlag(sim, QStringLiteral("use_media_microservice"),
                            {{"enabled", true}, {"rollout_percent", 100}, {"reason", "everyone on media-service"}});
    QCOMPARE(r.status, 200);
    const QByteArray m0 = sim.metrics();
    QVERIFY(sim.step(20));
    const QByteArray m1 = sim.metrics();
    QCOMPARE(num(at(sim.get(QStringLiteral("/admin/routes/media")).json(), "/microservice_percent")), qint64(0));
    QCOMPARE(requests(m1, "media", "monolith"), requests(m0, "media", "monolith"));
    QVERIFY(requests(m1, "media", "microservice") - requests(m0, "media", "microservice") > 300);
}

void TestContractTraffic::trafficAllowUser()
{
    SimFixture sim;
    START_SIM(sim, simArgs(13, {QStringLiteral("--users"), QStringLiteral("10")}));
    const QByteArray chosen = "u-00003";
    auto mediaLines = [&sim](qint64 after) {
        const J page = sim.get(QStringLiteral("/admin/logs?limit=5000&after=") + QString::number(after)).json();
        J out = J::array();
        for (const J &line : at(page, "/lines"))
            if (line.value("route", std::string()) == "media")
                out.push_back(line);
        return out;
    };

    // Flag disabled: the chosen user is on the monolith like everyone.
    qint64 last = lastLogId(sim);
    QVERIFY(sim.step(5));
    int chosenCount = 0;
    for (const J &line : mediaLines(last)) {
        QCOMPARE(b(line["backend"]), QByteArray("monolith"));
        chosenCount += b(line["user_id"]) == chosen;
    }
    QVERIFY(chosenCount > 0);

    QCOMPARE(putFlag(sim, QStringLiteral("use_media_microservice"),
                     {{"enabled", true}, {"rollout_percent", 0}, {"allow_users", J::array({"u-00003"})}, {"reason", "dog-food"}})
                 .status,
             200);
    last = lastLogId(sim);
    QVERIFY(sim.step(10));
    QVERIFY(lastLogId(sim) - last < 5000); // every line of the step is in the page
    int mine = 0, others = 0;
    for (const J &line : mediaLines(last)) {
        const bool isChosen = b(line["user_id"]) == chosen;
        QCOMPARE(b(line["backend"]), isChosen ? QByteArray("microservice") : QByteArray("monolith"));
        ++(isChosen ? mine : others);
    }
    QVERIFY(mine > 0);
    QVERIFY(others > 0);
}

void TestContractTraffic::trafficRollback()
{
    SimFixture sim;
    START_SIM(sim, simArgs(14));
    QCOMPARE(setPercent(sim, QStringLiteral("media"), 40).status, 200);
    const QMap<QByteArray, qint64> percents = routePercents(sim.get(QStringLiteral("/admin/routes")).json());
    QVERIFY(sim.step(2));
    const QByteArray m0 = sim.metrics();
    QVERIFY(m0.contains("\nrollback_engaged 0\n"));

    QCOMPARE(rollbackAction(sim, false, "traffic-engage", {{"reason", "drill"}}).status, 200);
    QVERIFY(sim.step(10));
    const QByteArray m1 = sim.metrics();
    QCOMPARE(requests(m1, nullptr, "microservice"), requests(m0, nullptr, "microservice")); // flags included
    QVERIFY(requests(m1, nullptr, "monolith") - requests(m0, nullptr, "monolith") > 1000);
    QCOMPARE(sumSamples(m1, "rollback_engaged"), 1.0);
    const J routes = sim.get(QStringLiteral("/admin/routes")).json();
    QVERIFY(at(routes, "/rollback_engaged") == J(true));
    for (qint64 p : routePercents(routes))
        QCOMPARE(p, qint64(0));

    QCOMPARE(rollbackAction(sim, true, "traffic-release", {{"reason", "drill over"}}).status, 200);
    QCOMPARE(routePercents(sim.get(QStringLiteral("/admin/routes")).json()), percents);
    QVERIFY(sim.step(10));
    const QByteArray m2 = sim.metrics();
    QVERIFY(m2.contains("\nrollback_engaged 0\n"));
    QVERIFY(requests(m2, nullptr, "microservice") - requests(m1, nullptr, "microservice") > 1000);
    QVERIFY(requests(m2, "media", "microservice") - requests(m1, "media", "microservice") > 50);
}

void TestContractTraffic::releaseKeepMonolith()
{
    SimFixture sim;
    START_SIM(sim, simArgs(15));
    QCOMPARE(setPercent(sim, QStringLiteral("media"), 40).status, 200);
    QCOMPARE(rollbackAction(sim, false, "keep-engage", {{"reason", "drill"}}).status, 200);
    const Reply r = rollbackAction(sim, true, "keep-release", {{"reason", "back route by route"}, {"keep_monolith", true}});
    QCOMPARE(r.status, 200);
    QVERIFY(at(r.json(), "/engaged") == J(false));
    const J routes = sim.get(QStringLiteral("/admin/routes")).json();
    QVERIFY(at(routes, "/rollback_engaged") == J(false));
    for (qint64 p : routePercents(routes))
        QCOMPARE(p, qint64(0));

    const QByteArray m0 = sim.metrics();
    QVERIFY(m0.contains("\nrollback_engaged 0\n"));
    QVERIFY(sim.step(10));
    const QByteArray m1 = sim.metrics();
    QCOMPARE(requests(m1, "media", "microservice"), requests(m0, "media", "microservice"));
    QVERIFY(requests(m1, "media", "monolith") > requests(m0, "media", "monolith"));

    const J releases = auditOf(sim, "rollback.release");
    QCOMPARE(releases.size(), std::size_t(1));
    QVERIFY(at(releases[0], "/after/keep_monolith") == J(true));
    QCOMPARE(num(at(releases[0], "/after/media")), qint64(0));
}

void TestContractTraffic::seedRepeatable()
{
    SimFixture a, b2, c;
    START_SIM(a, simArgs(99));
    START_SIM(b2, simArgs(99));
    START_SIM(c, simArgs(100));
    for (SimFixture *sim : {&a, &b2, &c}) {
        QVERIFY(sim->step(3));
        QVERIFY(sim->step(4));
    }
    const QByteArray ma = a.metrics(), mb = b2.metrics(), mc = c.metrics();
    QVERIFY(sumSamples(ma, "requests_total") > 1000);
    QVERIFY2(ma == mb, "the same seed and steps gave different /metrics");
    QVERIFY2(ma != mc, "different seeds gave identical /metrics");
}

// ---------------------------------------------------------------------------------------------
// Simulator controls

void TestContractTraffic::faultErrorRate()
{
    SimFixture sim;
    START_SIM(sim, simArgs(21));
    QVERIFY(sim.step(2));
    QCOMPARE(b(at(serviceHealth(sim, "monolith"), "/status")), QByteArray("healthy"));

    const Reply r = sim.request("POST", QStringLiteral("/sim/faults"), Role::Admin,
                                dump({{"service", "monolith"}, {"error_rate", 0.5}, {"reason", "game day"}}));
    QCOMPARE(r.status, 201);
    const J fault = r.json();
    QCOMPARE(b(at(fault, "/id")), QByteArray("f1"));
    QCOMPARE(b(at(fault, "/service")), QByteArray("monolith"));
    QCOMPARE(at(fault, "/error_rate").get<double>(), 0.5);
    QVERIFY(at(fault, "/backend").is_null());
    QVERIFY(at(fault, "/duration_s").is_null());
    QVERIFY(at(fault, "/down") == J(false));
    QCOMPARE(at(sim.get(QStringLiteral("/sim/faults"), Role::Admin).json(), "/faults").size(), std::size_t(1));

    const QByteArray m0 = sim.metrics();
    QVERIFY(sim.step(10));
    const QByteArray m1 = sim.metrics();
    const double total = requests(m1, nullptr, "monolith") - requests(m0, nullptr, "monolith");
    const double errors = serverErrors(m1, nullptr, "monolith") - serverErrors(m0, nullptr, "monolith");
    QVERIFY(total > 300);
    QVERIFY2(errors / total > 0.4 && errors / total < 0.6, QByteArray::number(errors / total).constData());
    const double micro = requests(m1, nullptr, "microservice") - requests(m0, nullptr, "microservice");
    QVERIFY((serverErrors(m1, nullptr, "microservice") - serverErrors(m0, nullptr, "microservice")) / micro < 0.05);

    QCOMPARE(b(at(serviceHealth(sim, "monolith"), "/status")), QByteArray("degraded"));
    bool listed = false;
    for (const J &s : at(sim.get(QStringLiteral("/health/services")).json(), "/services"))
        if (b(s["name"]) == "monolith") {
            listed = true;
            QCOMPARE(b(s["status"]), QByteArray("degraded"));
        }
    QVERIFY(listed);
}

void TestContractTraffic::faultDown()
{
    SimFixture sim;
    START_SIM(sim, simArgs(22));
    QVERIFY(sim.step(2));
    const QByteArray m0 = sim.metrics();
    QCOMPARE(sumSamples(m0, "upstream_up", {{"service", "post-service"}}), 1.0);

    QCOMPARE(sim.request("POST", QStringLiteral("/sim/faults"), Role::Admin,
                         dump({{"service", "post-service"}, {"down", true}}))
                 .status,
             201);
    QVERIFY(sim.step(5));
    const QByteArray m1 = sim.metrics();
    const J health = serviceHealth(sim, "post-service");
    QCOMPARE(b(at(health, "/status")), QByteArray("unhealthy"));
    QVERIFY(at(health, "/latency_ms").is_null());
    QVERIFY(m1.contains("\nupstream_up{service=\"post-service\",kind=\"microservice\"} 0\n"));
    QCOMPARE(sumSamples(m1, "upstream_up", {{"service", "user-service"}}), 1.0);
    const double posts = requests(m1, "posts", nullptr) - requests(m0, "posts", nullptr);
    const double unavailable = requests(m1, "posts", nullptr, "503") - requests(m0, "posts", nullptr, "503");
    QVERIFY(posts > 200);
    QCOMPARE(unavailable, posts); // posts is all on post-service (100 %, flag at 100)

    QCOMPARE(sim.request("DELETE", QStringLiteral("/sim/faults/f1"), Role::Admin).status, 200);
    VERIFY_ERROR(sim.request("DELETE", QStringLiteral("/sim/faults/f1"), Role::Admin), 404, "not_found");
    QCOMPARE(at(sim.get(QStringLiteral("/sim/faults"), Role::Admin).json(), "/faults").size(), std::size_t(0));
    QVERIFY(sim.step(2));
    QCOMPARE(sumSamples(sim.metrics(), "upstream_up", {{"service", "post-service"}}), 1.0);
}

void TestContractTraffic::faultDbDown()
{
    SimFixture sim;
    START_SIM(sim, simArgs(23));
    QVERIFY(sim.step(2));
    const QString db = QStringLiteral("/health/services/user-service/db");
    QCOMPARE(sim.get(db).status, 200);

    QCOMPARE(sim.request("POST", QStringLiteral("/sim/faults"), Role::Admin,
                         dump({{"service", "user-service"}, {"db_down", true}}))
                 .status,
             201);
    QVERIFY(sim.step(2));
    const J health = serviceHealth(sim, "user-service");
    QCOMPARE(b(at(health, "/status")), QByteArray("unhealthy"));
    QCOMPARE(b(at(health, "/checks/db/status")), QByteArray("unhealthy"));
    Reply r = sim.get(db);
    QCOMPARE(r.status, 503);
    // The failing check itself, not the error envelope.
    QVERIFY(!r.json().contains("error"));
    QCOMPARE(b(at(r.json(), "/status")), QByteArray("unhealthy"));
    QVERIFY(at(r.json(), "/message").is_string());
    QVERIFY(r.json().contains("latency_ms"));

    r = sim.request("DELETE", QStringLiteral("/sim/faults"), Role::Admin);
    QCOMPARE(r.status, 200);
    QCOMPARE(at(sim.get(QStringLiteral("/sim/faults"), Role::Admin).json(), "/faults").size(), std::size_t(0));
    // The failed requests stay in the 30 s health window; step past it.
    QVERIFY(sim.step(31));
    QCOMPARE(b(at(serviceHealth(sim, "user-service"), "/status")), QByteArray("healthy"));
    r = sim.get(db);
    QCOMPARE(r.status, 200);
    QCOMPARE(b(at(r.json(), "/status")), QByteArray("healthy"));
}

void TestContractTraffic::faultDuration()
{
    SimFixture sim;
    START_SIM(sim, simArgs(24));
    QVERIFY(sim.step(1));
    const Reply r = sim.request("POST", QStringLiteral("/sim/faults"), Role::Admin,
                                dump({{"service", "payment-service"}, {"extra_latency_ms", 200}, {"duration_s", 5}}));
    QCOMPARE(r.status, 201);
    QCOMPARE(at(r.json(), "/duration_s").get<double>(), 5.0);
    QCOMPARE(b(at(serviceHealth(sim, "payment-service"), "/status")), QByteArray("degraded"));
    QVERIFY(sim.step(3));
    QCOMPARE(at(sim.get(QStringLiteral("/sim/faults"), Role::Admin).json(), "/faults").size(), std::size_t(1));
    QVERIFY(sim.step(3));
    QCOMPARE(at(sim.get(QStringLiteral("/sim/faults"), Role::Admin).json(), "/faults").size(), std::size_t(0));
    QCOMPARE(b(at(serviceHealth(sim, "payment-service"), "/status")), QByteArray("healthy"));

    // duration_s 0: gone after zero seconds, not kept forever.
    const Reply zero = sim.request("POST", QStringLiteral("/sim/faults"), Role::Admin,
                                   dump({{"service", "notification-service"}, {"extra_latency_ms", 10}, {"duration_s", 0}}));
    QCOMPARE(zero.status, 201);
    QVERIFY(at(zero.json(), "/duration_s") == J(0));
    QVERIFY(sim.step(1));
    QCOMPARE(at(sim.get(QStringLiteral("/sim/faults"), Role::Admin).json(), "/faults").size(), std::size_t(0));
}

void TestContractTraffic::faultValidation_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("field");
    auto row = [](const char *name, const J &body, const char *field) {
        QTest::newRow(name) << dump(body) << QByteArray(field);
    };
    row("unknown service", {{"service", "search-service"}}, "service");
    row("missing service", {{"error_rate", 0.1}}, "service");
    row("error_rate above 1", {{"service", "monolith"}, {"error_rate", 1.5}}, "error_rate");
    row("error_rate string", {{"service", "monolith"}, {"error_rate", "0.5"}}, "error_rate");
    row("negative extra_latency_ms", {{"service", "monolith"}, {"extra_latency_ms", -1}}, "extra_latency_ms");
    row("down not boolean", {{"service", "monolith"}, {"down", "yes"}}, "down");
    row("db_down not boolean", {{"service", "monolith"}, {"db_down", 1}}, "db_down");
    row("unknown backend", {{"service", "monolith"}, {"backend", "edge"}}, "backend");
    row("negative duration_s", {{"service", "monolith"}, {"duration_s", -5}}, "duration_s");
}

void TestContractTraffic::faultValidation()
{
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, field);
    const std::size_t before = at(m_sim.get(QStringLiteral("/sim/faults"), Role::Admin).json(), "/faults").size();
    const Reply r = m_sim.request("POST", QStringLiteral("/sim/faults"), Role::Admin, body);
    VERIFY_ERROR(r, 422, "validation_failed");
    QCOMPARE(at(m_sim.get(QStringLiteral("/sim/faults"), Role::Admin).json(), "/faults").size(), before);
    QCOMPARE(b(at(r.json(), "/error/field")), field);
}

void TestContractTraffic::scenario()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString file = dir.filePath(QStringLiteral("scenario.json"));
    QFile out(file);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(dump(J::array({{{"at_s", 5}, {"fault", {{"service", "payment-service"}, {"error_rate", 0.3}}}},
                             {{"at_s", 15}, {"clear", "f1"}}})));
    out.close();

    SimFixture sim;
    START_SIM(sim, simArgs(31, {QStringLiteral("--scenario"), file}));
    auto faults = [&sim] { return at(sim.get(QStringLiteral("/sim/faults"), Role::Admin).json(), "/faults"); };
    QCOMPARE(faults().size(), std::size_t(0));
    QVERIFY(sim.step(4));
    QCOMPARE(faults().size(), std::size_t(0));
    QVERIFY(sim.step(2)); // 6 s
    const J active = faults();
    QCOMPARE(active.size(), std::size_t(1));
    QCOMPARE(b(active[0]["id"]), QByteArray("f1"));
    QCOMPARE(b(active[0]["service"]), QByteArray("payment-service"));
    QCOMPARE(active[0]["error_rate"].get<double>(), 0.3);
    QVERIFY(sim.step(8)); // 14 s
    QCOMPARE(faults().size(), std::size_t(1));
    QVERIFY(sim.step(2)); // 16 s
    QCOMPARE(faults().size(), std::size_t(0));
}

void TestContractTraffic::stepNeedsManualClock()
{
    SimFixture sim;
    START_SIM(sim, (QStringList {QStringLiteral("--seed"), QStringLiteral("3")}));
    const Reply r = sim.request("POST", QStringLiteral("/sim/step"), Role::Admin, dump({{"seconds", 1}}));
    VERIFY_ERROR(r, 409, "conflict");
    QCOMPARE(b(at(sim.get(QStringLiteral("/sim/state"), Role::Admin).json(), "/clock")), QByteArray("real"));
}

void TestContractTraffic::chaosDelay()
{
    SimFixture sim;
    START_SIM(sim, simArgs(8));
    QCOMPARE(sim.request("POST", QStringLiteral("/sim/chaos"), Role::Admin,
                         dump({{"delay_ms", 400}, {"path", "/admin/routes"}, {"count", 1}}))
                 .status,
             200);
    QElapsedTimer timer;
    timer.start();
    Reply r = sim.get(QStringLiteral("/admin/routes"));
    QCOMPARE(r.status, 200);
    QVERIFY2(timer.elapsed() >= 350, QByteArray::number(timer.elapsed()).constData());
    QCOMPARE(at(r.json(), "/routes").size(), std::size_t(6));
}

QTEST_GUILESS_MAIN(TestContractTraffic)
#include "tst_contract_traffic.moc"
