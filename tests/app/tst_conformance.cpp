// The conformance checker (client/conformance/, `cutoverctl conformance`): its schema validator on
// its own, the whole suite against the reference gateway (every check must pass there, mutating
// ones included), a gateway broken on purpose (the check that covers it must fail, and say what
// is wrong), and the command's refusals and exit codes as a process.
#include "client/conformance/conformancesuite.h"
#include "client/conformance/openapischema.h"
#include "tests/support/simfixture.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace cutover;
using namespace Qt::StringLiterals;
using cutover::test::SimFixture;
using Json = nlohmann::json;
using Status = ConformanceResult::Status;

class TestConformance : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void schemaAcceptsTheContractsExamples();
    void schemaNamesWhatIsWrong_data();
    void schemaNamesWhatIsWrong();
    void schemaChecksAPartOfTheBody();
    void readOnlyRunPassesAgainstTheReferenceGateway();
    void mutatingRunPassesAndLeavesRoutingAsItWas();
    void brokenShapeFailsItsCheck();
    void brokenAuthFailsItsCheck();
    void commandPrintsOneLinePerCheckAndExitsZero();
    void commandRefusesMutatingOnAGatewayWithRealUsers();
    void commandReportsAnUnreachableGateway();

private:
    QList<ConformanceResult> runSuite(bool mutating, QByteArray viewerToken = {});
    ConformanceResult find(const QList<ConformanceResult> &results, const QString &id);
    struct Run
    {
        int code = -1;
        QString out;
        QString err;
    };
    Run ctl(const QStringList &args, Role role = Role::Operator);

    SimFixture m_sim;
    QNetworkAccessManager m_nam;
    QString m_ctl;
    QTemporaryDir m_home;
};

void TestConformance::initTestCase()
{
    m_ctl = qEnvironmentVariable("CUTOVERCTL");
    if (m_ctl.isEmpty())
        m_ctl = QCoreApplication::applicationDirPath() + u"/cutoverctl"_s;
    QVERIFY2(QFileInfo(m_ctl).isExecutable(), qPrintable(m_ctl + u" is not an executable"_s));
    QVERIFY(m_home.isValid());
    QVERIFY2(m_sim.start({u"--seed"_s, u"31"_s}), qPrintable(m_sim.error()));
    // Some traffic, so the log buffer and the metrics have lines and samples to check.
    QTRY_VERIFY_WITH_TIMEOUT(m_sim.get(u"/admin/logs?limit=5"_s).json().value("last_id", 0) >= 5, 10000);
}

void TestConformance::schemaAcceptsTheContractsExamples()
{
    const OpenApiSchema &schema = OpenApiSchema::adminApi();
    QVERIFY(schema.hasSchema(u"Route"_s));
    QVERIFY(!schema.hasSchema(u"NoSuchThing"_s));
    const QByteArray route = R"({"id":"payments","prefix":"/api/payments","service":"payment-service",
        "microservice_percent":25,"version":"15","updated_at":"2026-11-26T04:38:45.123Z","updated_by":"alice",
        "a_member_from_a_newer_gateway":{"x":1}})";
    QCOMPARE(schema.problems(route, u"Route"_s), QStringList());
    // What the reference gateway answers, too.
    QCOMPARE(schema.problems(m_sim.get(u"/admin/routes"_s).body, u"RouteList"_s), QStringList());
    QCOMPARE(schema.problems(m_sim.get(u"/health/services"_s).body, u"ServicesHealth"_s), QStringList());
}

void TestConformance::schemaNamesWhatIsWrong_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("schemaName");
    QTest::addColumn<QString>("problem");
    const QByteArray ok = R"("id":"p","prefix":"/api/p","service":"post-service","version":"1",)"
                          R"("updated_at":"2026-11-26T04:38:45.123Z","updated_by":"alice")";
    QTest::newRow("missing member") << QByteArray("{" + ok + "}") << u"Route"_s << u"$: the member \"microservice_percent\" is missing"_s;
    QTest::newRow("above maximum") << QByteArray("{" + ok + R"(,"microservice_percent":140})") << u"Route"_s
                                   << u"$.microservice_percent: 140 is above the maximum 100"_s;
    QTest::newRow("not integral") << QByteArray("{" + ok + R"(,"microservice_percent":2.5})") << u"Route"_s
                                  << u"$.microservice_percent: expected an integer, got a number 2.5"_s;
    QTest::newRow("string for integer") << QByteArray("{" + ok + R"(,"microservice_percent":"25"})") << u"Route"_s
                                        << u"$.microservice_percent: expected an integer, got a string \"25\""_s;
    QTest::newRow("null not allowed") << QByteArray(R"({"subject":null,"role":"viewer","permissions":["read"]})") << u"WhoAmI"_s
                                      << u"$.subject: null, but the schema does not allow null"_s;
    QTest::newRow("enum") << QByteArray(R"({"subject":"a","role":"root","permissions":["read"]})") << u"WhoAmI"_s
                          << u"$.role: \"root\" is not one of \"viewer\", \"operator\", \"admin\""_s;
    QTest::newRow("array item") << QByteArray(R"({"subject":"a","role":"viewer","permissions":["read",7]})") << u"WhoAmI"_s
                                << u"$.permissions[1]: expected a string, got an integer 7"_s;
    QTest::newRow("time format") << QByteArray("{" + QByteArray(ok).replace("04:38:45.123Z", "04:38:45Z") + R"(,"microservice_percent":5})")
                                 << u"Route"_s << u"$.updated_at: \"2026-11-26T04:38:45Z\" is not a time in the contract's form (2026-11-26T04:38:45.123Z)"_s;
    QTest::newRow("not json") << QByteArray("<html>oops</html>") << u"Route"_s << u"the body is not JSON"_s;
}

void TestConformance::schemaNamesWhatIsWrong()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, schemaName);
    QFETCH(QString, problem);
    const QStringList problems = OpenApiSchema::adminApi().problems(body, schemaName);
    QVERIFY2(problems.contains(problem), qPrintable(problems.join(u" | "_s)));
}

void TestConformance::schemaChecksAPartOfTheBody()
{
    const QByteArray stale = R"({"error":{"details":{"current":{"id":"p"}}}})";
    const QStringList problems = OpenApiSchema::adminApi().problems(stale, u"Route"_s, u"/error/details/current"_s);
    QVERIFY2(problems.contains(u"$.error.details.current: the member \"version\" is missing"_s), qPrintable(problems.join(u" | "_s)));
    QCOMPARE(OpenApiSchema::adminApi().problems(stale, u"Route"_s, u"/error/nothing"_s), QStringList {u"/error/nothing is missing"_s});
}

QList<ConformanceResult> TestConformance::runSuite(bool mutating, QByteArray viewerToken)
{
    HttpEndpoint endpoint;
    endpoint.baseUrl = m_sim.url();
    endpoint.token = m_sim.token(Role::Operator);
    const ConformanceHttp http(&m_nam, endpoint);
    ConformanceSuite suite(http, {mutating, std::move(viewerToken)});
    QList<ConformanceResult> results;
    suite.run([&](const ConformanceResult &r) { results.append(r); });
    return results;
}

ConformanceResult TestConformance::find(const QList<ConformanceResult> &results, const QString &id)
{
    for (const ConformanceResult &r : results)
        if (r.id == id)
            return r;
    return {id, Status::Skip, u"(not reported)"_s};
}

namespace {

QString failures(const QList<ConformanceResult> &results)
{
    QStringList out;
    for (const ConformanceResult &r : results)
        if (r.status != Status::Pass)
            out << ConformanceResult::statusName(r.status) + u" "_s + r.id + u": "_s + r.detail;
    return out.join(u"\n"_s);
}

} // namespace

void TestConformance::readOnlyRunPassesAgainstTheReferenceGateway()
{
    const QList<ConformanceResult> results = runSuite(false);
    QVERIFY(results.size() >= 30);
    int passed = 0;
    for (const ConformanceResult &r : results) {
        QVERIFY2(r.status != Status::Fail, qPrintable(failures(results)));
        if (r.status == Status::Skip)
            QVERIFY2(r.detail.contains(u"--mutating"_s), qPrintable(r.id + u": "_s + r.detail));
        passed += r.status == Status::Pass;
    }
    QVERIFY(passed >= 19);
    // Each id once, so scripts can rely on them.
    QSet<QString> ids;
    for (const ConformanceResult &r : results) {
        QVERIFY2(!ids.contains(r.id), qPrintable(r.id));
        ids.insert(r.id);
    }
}

void TestConformance::mutatingRunPassesAndLeavesRoutingAsItWas()
{
    const Json routesBefore = m_sim.get(u"/admin/routes"_s).json()["routes"];
    const QList<ConformanceResult> results = runSuite(true, m_sim.token(Role::Viewer));
    for (const ConformanceResult &r : results)
        QVERIFY2(r.status == Status::Pass, qPrintable(failures(results)));
    QCOMPARE(find(results, u"rollback.restored"_s).status, Status::Pass);
    // Every route has its percentage back and the rollback is released.
    const Json routesAfter = m_sim.get(u"/admin/routes"_s).json()["routes"];
    QCOMPARE(int(routesAfter.size()), int(routesBefore.size()));
    for (size_t i = 0; i < routesBefore.size(); ++i)
        QVERIFY(routesAfter[i]["microservice_percent"] == routesBefore[i]["microservice_percent"]);
    QVERIFY(m_sim.get(u"/admin/rollback"_s).json()["engaged"] == false);
}

void TestConformance::brokenShapeFailsItsCheck()
{
    // The next answer to GET /admin/routes loses a member every route must have.
    const QByteArray broken = R"({"version":"1","rollback_engaged":false,"routes":[{"id":"auth","prefix":"/api/auth"}]})";
    const auto chaos = m_sim.request("POST", u"/sim/chaos"_s, Role::Admin,
                                     QByteArray::fromStdString(Json {{"replace_body", broken.toStdString()}, {"path", "/admin/routes"}, {"count", 1}}.dump()));
    QCOMPARE(chaos.status, 200);
    const ConformanceResult r = find(runSuite(false), u"routes.read"_s);
    QCOMPARE(r.status, Status::Fail);
    QVERIFY2(r.detail.contains(u"$.routes[0]: the member \"microservice_percent\" is missing"_s), qPrintable(r.detail));
}

void TestConformance::brokenAuthFailsItsCheck()
{
    // The next GET /health, which auth.health-open reads without a token, fails.
    const auto chaos = m_sim.request("POST", u"/sim/chaos"_s, Role::Admin,
                                     R"({"fail_status":503,"path":"/health","count":1})");
    QCOMPARE(chaos.status, 200);
    const ConformanceResult r = find(runSuite(false), u"auth.health-open"_s);
    QCOMPARE(r.status, Status::Fail);
    QVERIFY2(r.detail.contains(u"expected 200, got HTTP 503"_s), qPrintable(r.detail));
}

TestConformance::Run TestConformance::ctl(const QStringList &args, Role role)
{
    QProcess p;
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.insert(u"HOME"_s, m_home.path());
    e.insert(u"XDG_CONFIG_HOME"_s, m_home.path() + u"/config"_s);
    e.insert(u"XDG_DATA_HOME"_s, m_home.path() + u"/data"_s);
    e.insert(u"CUTOVER_TOKEN"_s, QString::fromLatin1(m_sim.token(role)));
    p.setProcessEnvironment(e);
    p.start(m_ctl, args);
    Run r;
    if (!p.waitForFinished(120000))
        p.kill();
    else if (p.exitStatus() == QProcess::NormalExit)
        r.code = p.exitCode();
    p.waitForFinished();
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    for (Role each : {Role::Viewer, Role::Operator, Role::Admin})
        if (r.out.contains(QString::fromLatin1(m_sim.token(each))) || r.err.contains(QString::fromLatin1(m_sim.token(each))))
            r.code = -2; // a token in the output fails whatever compares the exit code
    return r;
}

void TestConformance::commandPrintsOneLinePerCheckAndExitsZero()
{
    const Run text = ctl({u"conformance"_s, u"--gateway"_s, m_sim.url().toString()});
    QVERIFY2(text.code == 0, qPrintable(text.out + text.err));
    const QStringList lines = text.out.split(u'\n', Qt::SkipEmptyParts);
    QVERIFY(lines.first().startsWith(u"pass  info.shape"_s));
    QVERIFY2(text.out.contains(u"skip  rollback.engage-replay"_s), qPrintable(text.out));
    QVERIFY2(lines.last().contains(u"0 failed"_s), qPrintable(lines.last()));

    QFile viewer(m_home.filePath(u"viewer.token"_s));
    QVERIFY(viewer.open(QIODevice::WriteOnly));
    viewer.write(m_sim.token(Role::Viewer));
    viewer.close();
    QVERIFY(viewer.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    const Run json = ctl({u"conformance"_s, u"--gateway"_s, m_sim.url().toString(), u"--json"_s, u"--mutating"_s,
                          u"--viewer-token-file"_s, viewer.fileName()});
    QVERIFY2(json.code == 0, qPrintable(json.out + json.err));
    const Json doc = Json::parse(json.out.toStdString());
    QVERIFY(doc["mutating"] == true);
    QVERIFY(doc["test_gateway"] == true);
    QVERIFY2(doc["failed"] == 0, qPrintable(json.out));
    QVERIFY2(doc["skipped"] == 0, qPrintable(json.out));
    QCOMPARE(int(doc["checks"].size()), doc["passed"].get<int>());
    QVERIFY(doc["checks"][0]["id"] == "info.shape");
}

void TestConformance::commandRefusesMutatingOnAGatewayWithRealUsers()
{
    // The next /admin/info answer says nothing about being a test gateway.
    Json info = m_sim.get(u"/admin/info"_s).json();
    info["gateway"].erase("test");
    const auto chaos = m_sim.request("POST", u"/sim/chaos"_s, Role::Admin,
                                     QByteArray::fromStdString(Json {{"replace_body", info.dump()}, {"path", "/admin/info"}, {"count", 1}}.dump()));
    QCOMPARE(chaos.status, 200);
    const QString versionBefore = QString::fromLatin1(m_sim.version(u"rollback"_s));
    const Run r = ctl({u"conformance"_s, u"--gateway"_s, m_sim.url().toString(), u"--mutating"_s});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(u"refusing --mutating"_s) && r.err.contains(u"--i-know-this-changes-routing"_s), qPrintable(r.err));
    QVERIFY(r.out.isEmpty()); // no check ran
    QCOMPARE(QString::fromLatin1(m_sim.version(u"rollback"_s)), versionBefore);
}

void TestConformance::commandReportsAnUnreachableGateway()
{
    const Run r = ctl({u"conformance"_s, u"--gateway"_s, u"http://127.0.0.1:1"_s});
    QCOMPARE(r.code, 5);
    QVERIFY2(r.err.contains(u"cannot reach the gateway"_s), qPrintable(r.err));
}

QTEST_GUILESS_MAIN(TestConformance)
#include "tst_conformance.moc"
