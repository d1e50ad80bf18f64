// cutoverctl end to end: the real binary, run with QProcess against a real cutover-sim. Tokens go
// to the child through CUTOVER_TOKEN (never argv) and every run gets an isolated settings folder.
#include "client/profile.h"
#include "tests/support/contracthelpers.h"
#include "tests/support/simfixture.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSettings>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace cutover;
using namespace Qt::StringLiterals;
using cutover::test::jsonLines;
using cutover::test::SimFixture;
using Json = nlohmann::json;

// QCOMPARE for JSON values, which QTest cannot print.
#define QCOMPARE_JSON(actual, expected)                                                                          \
    QVERIFY2(Json(actual) == Json(expected),                                                                     \
             qPrintable(u"%1 is %2, expected %3"_s.arg(QString::fromUtf8(#actual),                              \
                                                       QString::fromStdString(Json(actual).dump()),              \
                                                       QString::fromStdString(Json(expected).dump()))))

namespace {

struct Run
{
    int code = -1; // -1: crashed or did not finish
    QByteArray out;
    QByteArray err;
    Json json() const { return Json::parse(out.begin(), out.end(), nullptr, false); }
    QString errText() const { return QString::fromUtf8(err); }
    QString outText() const { return QString::fromUtf8(out); }
};

// NDJSON: one document per non-empty line.
bool writePrivateFile(const QString &path, const QByteArray &content)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(content) == content.size()
        && f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
}

} // namespace

class TestCutoverCtl : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void helpForEveryCommand_data();
    void helpForEveryCommand();
    void usageErrors_data();
    void usageErrors();
    void status();
    void statusNeverCallsFewRequestsMet();
    void routesMatchTheGateway();
    void routeSetChangesTheRoute();
    void routeSetStaleVersionIsAConflict();
    void rejectedByTheGateway_data();
    void rejectedByTheGateway();
    void authenticationAndPermission();
    void unreachableAndTimeout();
    void flagSetKeepsUnspecifiedFields();
    void rollbackEngageThenReleaseRestoresTheSnapshot();
    void rollbackReleaseKeepMonolithAndDoubleEngage();
    void productionProfileNeedsConfirm();
    void profileCommandsShareTheGuiStore();
    void audit();
    void logsBackfillAndFilters();
    void logsFollowUntilTerminated();
    void logsFollowShowsGaps();
    void logsFollowAcrossGatewayRestart();
    void demoGateway();

private:
    // The binary with these arguments; the token of `role` (if any) in CUTOVER_TOKEN.
    Run run(const QStringList &args, std::optional<Role> role, SimFixture &sim, const QMap<QString, QString> &env = {});
    // `command` (split like a shell would) against the real-clock simulator.
    Run ctl(const QString &command, std::optional<Role> role = Role::Operator)
    {
        return run(gw(m_sim) + QProcess::splitCommand(command), role, m_sim);
    }
    // `command` without --gateway (profiles, help, usage errors).
    Run bare(const QString &command, std::optional<Role> role = std::nullopt)
    {
        return run(QProcess::splitCommand(command), role, m_sim);
    }
    void start(QProcess &process, const QString &command, SimFixture &sim);
    QStringList gw(SimFixture &sim) const { return {u"--gateway"_s, sim.url().toString()}; }
    Json routesOnGateway() { return m_sim.get(u"/admin/routes"_s).json(); }
    int percentOf(const QString &route) { return m_sim.get(u"/admin/routes/"_s + route).json().value("microservice_percent", -1); }
    QProcessEnvironment environment() const;

    SimFixture m_sim;  // real clock: traffic, metrics and live logs flow
    SimFixture m_slow; // manual clock and a 16-line log buffer: deterministic logs and gaps
    QTemporaryDir m_home;
    QString m_ctl;
    int m_tokenLeaks = 0;
};

void TestCutoverCtl::initTestCase()
{
    m_ctl = qEnvironmentVariable("CUTOVERCTL");
    if (m_ctl.isEmpty())
        m_ctl = QCoreApplication::applicationDirPath() + u"/cutoverctl"_s;
    QVERIFY2(QFileInfo(m_ctl).isExecutable(), qPrintable(m_ctl + u" is not an executable"_s));
    QVERIFY(m_home.isValid());
    QVERIFY2(m_sim.start({u"--seed"_s, u"21"_s}), qPrintable(m_sim.error()));
    QVERIFY2(m_slow.start({u"--seed"_s, u"5"_s, u"--manual-clock"_s, u"--log-buffer"_s, u"16"_s}), qPrintable(m_slow.error()));
    QVERIFY(m_slow.step(1));
}

void TestCutoverCtl::cleanup()
{
    QCOMPARE(m_tokenLeaks, 0); // no token ever appears in output
}

QProcessEnvironment TestCutoverCtl::environment() const
{
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.remove(u"CUTOVER_TOKEN"_s);
    e.insert(u"XDG_CONFIG_HOME"_s, m_home.filePath(u"config"_s)); // never the user's settings
    e.insert(u"HOME"_s, m_home.filePath(u"home"_s));
    return e;
}

Run TestCutoverCtl::run(const QStringList &args, std::optional<Role> role, SimFixture &sim, const QMap<QString, QString> &env)
{
    QProcess p;
    QProcessEnvironment e = environment();
    if (role)
        e.insert(u"CUTOVER_TOKEN"_s, QString::fromLatin1(sim.token(*role)));
    for (auto it = env.begin(); it != env.end(); ++it)
        e.insert(it.key(), it.value());
    p.setProcessEnvironment(e);
    p.start(m_ctl, args);
    Run r;
    if (!p.waitForFinished(60000)) {
        p.kill();
        p.waitForFinished();
    } else if (p.exitStatus() == QProcess::NormalExit) {
        r.code = p.exitCode();
    }
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    for (Role each : {Role::Viewer, Role::Operator, Role::Admin})
        m_tokenLeaks += r.out.contains(sim.token(each)) || r.err.contains(sim.token(each));
    return r;
}

void TestCutoverCtl::start(QProcess &p, const QString &command, SimFixture &sim)
{
    QProcessEnvironment e = environment();
    e.insert(u"CUTOVER_TOKEN"_s, QString::fromLatin1(sim.token(Role::Viewer)));
    p.setProcessEnvironment(e);
    p.start(m_ctl, gw(sim) + QProcess::splitCommand(command));
}

void TestCutoverCtl::helpForEveryCommand_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<QString>("usage");
    QTest::newRow("overview") << u"--help"_s << u"Usage: cutoverctl [options] COMMAND"_s;
    QTest::newRow("help word") << u"help routes"_s << u"Usage: cutoverctl routes"_s;
    for (const char *words : {"status", "routes", "route set", "flags", "flag set", "rollback engage", "rollback release",
                              "audit", "logs", "profile list", "profile add", "profile remove", "profile use"})
        QTest::newRow(words) << QString::fromUtf8(words) + u" --help"_s << u"Usage: cutoverctl "_s + QString::fromUtf8(words);
}

void TestCutoverCtl::helpForEveryCommand()
{
    QFETCH(QString, command);
    QFETCH(QString, usage);
    const Run r = bare(command);
    QCOMPARE(r.code, 0);
    QVERIFY2(r.outText().startsWith(usage) || r.outText().contains(u'\n' + usage), qPrintable(r.outText()));
    for (const char *text : {"Exit codes:", "3  authentication", "4  conflict", "5  gateway unreachable", "6  rejected"})
        QVERIFY2(r.out.contains(text), text);
    QVERIFY(r.err.isEmpty());
}

void TestCutoverCtl::usageErrors_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<QString>("says");
    QTest::newRow("no command") << QString() << u"no command"_s;
    QTest::newRow("unknown command") << u"frobnicate"_s << u"unknown command"_s;
    QTest::newRow("group without subcommand") << u"route"_s << u"needs one of: set"_s;
    QTest::newRow("unknown option") << u"routes --frob"_s << u"frob"_s;
    QTest::newRow("missing reason") << u"route set payments 10 --gateway http://127.0.0.1:1"_s << u"--reason"_s;
    QTest::newRow("percent not a number") << u"route set payments ten --reason x --gateway http://127.0.0.1:1"_s << u"whole number"_s;
    QTest::newRow("missing argument") << u"route set payments --reason x"_s << u"usage: cutoverctl route set"_s;
    const QString flag = u"flag set use_post_microservice --gateway http://127.0.0.1:1 --reason x"_s;
    QTest::newRow("on and off") << flag + u" --on --off"_s << u"not both"_s;
    QTest::newRow("nothing to change") << flag << u"nothing to change"_s;
    QTest::newRow("bad url") << u"routes --gateway \"not a url\""_s << u"--gateway"_s;
    QTest::newRow("unknown profile") << u"routes --profile nope"_s << u"no profile named"_s;
    QTest::newRow("profile and gateway") << u"routes --profile a --gateway http://127.0.0.1:1"_s << u"not both"_s;
    QTest::newRow("no gateway at all") << u"routes"_s << u"no gateway given"_s;
    QTest::newRow("audit limit") << u"audit --limit 0 --gateway http://127.0.0.1:1"_s << u"--limit"_s;
    QTest::newRow("log level") << u"logs --level loud --gateway http://127.0.0.1:1"_s << u"--level"_s;
    QTest::newRow("timeout") << u"routes --timeout soon --gateway http://127.0.0.1:1"_s << u"--timeout"_s;
}

void TestCutoverCtl::usageErrors()
{
    QFETCH(QString, command);
    QFETCH(QString, says);
    const Run r = bare(command, Role::Operator);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.errText().contains(says) && r.errText().contains(u"cutoverctl"_s), qPrintable(r.errText()));
    QVERIFY(r.out.isEmpty());
}

void TestCutoverCtl::status()
{
    const Run human = ctl(u"status"_s, Role::Viewer);
    QCOMPARE(human.code, 0);
    for (const char *text : {"cutover-sim", "demo-viewer (viewer)", "Rollback", "not engaged", "payment-service",
                             "monolith", "Traffic over the last", "P95", "(all)"})
        QVERIFY2(human.out.contains(text), text);

    const Run r = ctl(u"status --json"_s, Role::Viewer);
    QCOMPARE(r.code, 0);
    const Json j = r.json();
    QVERIFY2(j.is_object(), r.out.constData());
    QCOMPARE_JSON(j["gateway"]["name"], "cutover-sim");
    QCOMPARE_JSON(j["gateway"]["api_version"], "1.1");
    QCOMPARE_JSON(j["gateway"]["capabilities"]["rollback"], true);
    QCOMPARE_JSON(j["whoami"], Json::parse(R"({"subject":"demo-viewer","role":"viewer"})"));
    QVERIFY(j["profile"].is_null());
    QCOMPARE(j["services"].size(), std::size_t(7)); // the gateway and six upstreams
    QCOMPARE_JSON(j["services"][0]["kind"], "gateway");
    for (const Json &s : j["services"]) {
        QVERIFY(s["status"].is_string() && s.contains("latency_ms") && s.contains("db"));
        QVERIFY(s["kind"] == "gateway" || s["db"]["status"].is_string());
    }
    QCOMPARE_JSON(j["rollback"]["engaged"], false);
    const Json &traffic = j["traffic"];
    QVERIFY2(traffic.is_object(), j["traffic_unavailable"].dump().c_str());
    // Sampled over 5 s by default: long enough for a verdict on a busy service.
    QVERIFY2(traffic["window_s"].get<double>() > 4.5, traffic.dump().c_str());
    QCOMPARE_JSON(traffic["slo"], Json::parse(R"({"availability":0.999,"p95_ms":200.0,"error_rate":0.001})"));
    QVERIFY(traffic["overall"]["requests"].get<double>() > 0 && traffic["overall"]["request_rate"].get<double>() > 0);
    QVERIFY(!traffic["services"].empty());
    for (const Json &t : traffic["services"]) {
        QVERIFY(t["service"].is_string());
        const std::string overall = t["slo"]["overall"];
        QVERIFY(overall == "met" || overall == "at_risk" || overall == "breached" || overall == "no_data"
                || overall == "not_enough_traffic");
        // A verdict other than "met" says why, with the numbers it rests on.
        QCOMPARE(t["slo_reason"].is_null(), overall == "met");
    }
}

void TestCutoverCtl::statusNeverCallsFewRequestsMet()
{
    // 5 % of payment-service's requests fail (about 10 req/s): a few seconds can show that it
    // breaches, or too little to tell, but never that it meets 0.1 %.
    QCOMPARE(m_sim.request("POST", u"/sim/faults"_s, Role::Admin, R"({"service":"payment-service","error_rate":0.05})").status, 201);
    const Run r = ctl(u"status --json --window 2"_s, Role::Viewer);
    QCOMPARE(m_sim.request("DELETE", u"/sim/faults"_s, Role::Admin).status, 200);
    QCOMPARE(r.code, 0);
    const Json traffic = r.json()["traffic"];
    QVERIFY2(traffic.is_object(), r.out.constData());
    const double window = traffic["window_s"].get<double>();
    QVERIFY2(window > 1.5 && window < 6, traffic.dump().c_str());
    bool seen = false;
    for (const Json &t : traffic["services"]) {
        if (t["service"] != "payment-service")
            continue;
        seen = true;
        const std::string errors = t["slo"]["error_rate"];
        QVERIFY2(errors == "breached" || errors == "not_enough_traffic", t.dump().c_str());
        const std::string reason = t["slo_reason"];
        // The reason names the window it judged (2 s, or a little more on a slow machine).
        QVERIFY2(reason.find(" over " + std::to_string(std::lround(window)) + " s") != std::string::npos, reason.c_str());
        if (errors == "not_enough_traffic")
            QVERIFY2(reason.find("needed to judge") != std::string::npos, reason.c_str());
    }
    QVERIFY(seen);
    const Run human = ctl(u"status --window 0.5"_s, Role::Viewer);
    QCOMPARE(human.code, 0);
    QVERIFY2(human.out.contains("Traffic over the last 0.5 s") && human.out.contains("not enough traffic")
                 && human.out.contains("Verdicts (met or breached only with 95 % confidence)"),
             human.out.constData());
    QCOMPARE(ctl(u"status --window 301"_s, Role::Viewer).code, 2);
}

void TestCutoverCtl::routesMatchTheGateway()
{
    const Run r = ctl(u"routes --json"_s, Role::Viewer);
    QCOMPARE(r.code, 0);
    const Json theirs = routesOnGateway();
    QCOMPARE_JSON(r.json()["version"], theirs["version"]);
    QCOMPARE_JSON(r.json()["rollback_engaged"], theirs["rollback_engaged"]);
    QCOMPARE_JSON(r.json()["routes"], theirs["routes"]);

    const Run human = ctl(u"routes"_s, Role::Viewer);
    QCOMPARE(human.code, 0);
    const QStringList lines = human.outText().split(u'\n');
    QVERIFY(lines.first().startsWith(u"ROUTE"_s) && lines.at(1).startsWith(u"auth "_s));
    // Aligned: every row's SERVICE column starts where its title does.
    const qsizetype column = lines.first().indexOf(u"SERVICE"_s);
    for (int i = 1; i <= 6; ++i)
        QVERIFY2(lines.at(i).at(column - 1) == u' ' && lines.at(i).at(column) != u' '
                     && lines.at(i).mid(column).contains(u"-service"_s),
                 qPrintable(lines.at(i)));
}

void TestCutoverCtl::routeSetChangesTheRoute()
{
    const Run r = ctl(u"route set payments 30 --reason \"step to 30\" --json"_s);
    QCOMPARE(r.code, 0);
    QCOMPARE_JSON(r.json()["route"]["microservice_percent"], 30);
    QCOMPARE_JSON(r.json()["route"]["updated_by"], "demo-operator");
    QVERIFY(r.json()["previous"]["version"] != r.json()["route"]["version"]);
    QCOMPARE(percentOf(u"payments"_s), 30);

    const Run human = ctl(u"route set payments 35 --reason \"step to 35\""_s);
    QCOMPARE(human.code, 0);
    QVERIFY2(human.out.contains("30 % -> 35 %"), human.out.constData());
    QCOMPARE(percentOf(u"payments"_s), 35);
}

void TestCutoverCtl::routeSetStaleVersionIsAConflict()
{
    const QByteArray stale = m_sim.version(u"routes/media"_s);
    // Someone else changes the route after we read it.
    const auto other = m_sim.request("PUT", u"/admin/routes/media"_s, Role::Admin,
                                     R"({"microservice_percent":15,"reason":"admin's own change"})", {{"If-Match", '"' + stale + '"'}});
    QCOMPARE(other.status, 200);

    const QString command = u"route set media 40 --reason \"based on what I read\" --if-version "_s + QString::fromLatin1(stale);
    const Run r = ctl(command);
    QCOMPARE(r.code, 4);
    QVERIFY2(r.errText().contains(u"demo-admin"_s) && r.errText().contains(u"now 15 %"_s), qPrintable(r.errText()));
    QCOMPARE(r.errText().count(u'\n'), 1); // one sentence
    QCOMPARE(percentOf(u"media"_s), 15);   // nothing changed, nothing retried

    const Run j = ctl(command + u" --json"_s);
    QCOMPARE(j.code, 4);
    QCOMPARE_JSON(j.json()["error"]["http_status"], 412);
    QCOMPARE_JSON(j.json()["error"]["details"]["current"]["microservice_percent"], 15);
    QCOMPARE_JSON(j.json()["error"]["details"]["current"]["updated_by"], "demo-admin");
}

void TestCutoverCtl::rejectedByTheGateway_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<QString>("says");
    QTest::newRow("422 blank reason") << u"route set media 20 --reason \"   \""_s << u"field reason"_s;
    QTest::newRow("422 out of range") << u"route set media 150 --reason x"_s << u"field microservice_percent"_s;
    QTest::newRow("422 flag percent") << u"flag set use_media_microservice --percent 101 --reason x"_s << u"field rollout_percent"_s;
    QTest::newRow("unknown route") << u"route set search 20 --reason x"_s << u"no route \"search\""_s;
    QTest::newRow("unknown flag") << u"flag set use_search_microservice --on --reason x"_s << u"no flag"_s;
}

void TestCutoverCtl::rejectedByTheGateway()
{
    QFETCH(QString, command);
    QFETCH(QString, says);
    const int before = percentOf(u"media"_s);
    const Run r = ctl(command);
    QCOMPARE(r.code, 6);
    QVERIFY2(r.errText().contains(says), qPrintable(r.errText()));
    QCOMPARE(percentOf(u"media"_s), before);
}

void TestCutoverCtl::authenticationAndPermission()
{
    const Run bad = run(gw(m_sim) + QStringList {u"routes"_s}, std::nullopt, m_sim, {{u"CUTOVER_TOKEN"_s, u"not-a-valid-token"_s}});
    QCOMPARE(bad.code, 3);
    QVERIFY2(bad.errText().contains(u"401"_s), qPrintable(bad.errText()));

    const Run viewer = ctl(u"route set media 50 --reason x"_s, Role::Viewer);
    QCOMPARE(viewer.code, 3);
    QVERIFY2(viewer.errText().contains(u"403"_s), qPrintable(viewer.errText()));

    const Run none = ctl(u"routes"_s, std::nullopt);
    QCOMPARE(none.code, 3);
    QVERIFY(none.errText().contains(u"CUTOVER_TOKEN"_s));

    // A token file others can read is refused before anything is sent; a private one is used.
    const QString file = m_home.filePath(u"open.token"_s);
    QVERIFY(writePrivateFile(file, m_sim.token(Role::Operator) + '\n'));
    QVERIFY(QFile::setPermissions(file, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadOther));
    const Run open = ctl(u"routes --token-file "_s + file, std::nullopt);
    QCOMPARE(open.code, 2);
    QVERIFY(open.errText().contains(u"chmod 600"_s));
    QVERIFY(QFile::setPermissions(file, QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    QCOMPARE(ctl(u"routes --token-file "_s + file, std::nullopt).code, 0);
}

void TestCutoverCtl::unreachableAndTimeout()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost));
    const quint16 port = probe.serverPort();
    probe.close();
    const Run refused = bare(u"routes --gateway http://127.0.0.1:%1"_s.arg(port), Role::Operator);
    QCOMPARE(refused.code, 5);
    QVERIFY2(refused.errText().contains(u"unreachable"_s), qPrintable(refused.errText()));

    // A hanging gateway: every attempt (the client tries a GET 3 times) is held back 3 s.
    QCOMPARE(m_sim.request("POST", u"/sim/chaos"_s, Role::Admin, R"({"delay_ms":3000,"path":"/admin/routes","count":3})").status, 200);
    const Run slow = ctl(u"routes --timeout 0.5"_s);
    QCOMPARE(slow.code, 5);
    QVERIFY2(slow.errText().contains(u"timeout"_s), qPrintable(slow.errText()));
}

void TestCutoverCtl::flagSetKeepsUnspecifiedFields()
{
    const QString flag = u"/admin/flags/use_payment_microservice"_s;
    Run r = ctl(u"flag set use_payment_microservice --on --percent 10 --allow u-00042,u-00230 --reason \"start beta\" --json"_s);
    QCOMPARE(r.code, 0);
    const Json description = r.json()["previous"]["description"];
    Json f = m_sim.get(flag).json();
    QCOMPARE_JSON(f["enabled"], true);
    QCOMPARE_JSON(f["rollout_percent"], 10);
    QCOMPARE_JSON(f["allow_users"], Json::parse(R"(["u-00042","u-00230"])"));
    QCOMPARE_JSON(f["description"], description);

    r = ctl(u"flag set use_payment_microservice --percent 25 --reason widen"_s);
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("rollout 25 %"), r.out.constData());
    f = m_sim.get(flag).json();
    QCOMPARE_JSON(f["enabled"], true);                                        // kept
    QCOMPARE_JSON(f["allow_users"], Json::parse(R"(["u-00042","u-00230"])")); // kept, not cleared
    QCOMPARE_JSON(f["rollout_percent"], 25);

    r = run(gw(m_sim) + QStringList {u"flag"_s, u"set"_s, u"use_payment_microservice"_s, u"--off"_s, u"--allow"_s, QString(),
                                     u"--description"_s, u"Payments beta"_s, u"--reason"_s, u"pause"_s},
            Role::Operator, m_sim);
    QCOMPARE(r.code, 0);
    f = m_sim.get(flag).json();
    QCOMPARE_JSON(f["enabled"], false);
    QVERIFY(f["allow_users"].empty());
    QCOMPARE_JSON(f["description"], "Payments beta");
    QCOMPARE_JSON(f["rollout_percent"], 25);

    const Run listed = ctl(u"flags --json"_s, Role::Viewer);
    QCOMPARE(listed.code, 0);
    QCOMPARE_JSON(listed.json()["flags"], m_sim.get(u"/admin/flags"_s).json()["flags"]);
    const QString table = ctl(u"flags"_s, Role::Viewer).outText();
    const qsizetype row = table.indexOf(u"\nuse_payment_microservice "_s);
    QVERIFY2(row > 0 && table.mid(row, table.indexOf(u'\n', row + 1) - row).contains(u" off "_s), qPrintable(table));

    const Run stale = ctl(u"flag set use_payment_microservice --on --if-version 1 --reason \"old view\""_s);
    QCOMPARE(stale.code, 4);
    QVERIFY(stale.errText().contains(u"demo-operator"_s));
    QCOMPARE_JSON(m_sim.get(flag).json()["enabled"], false);
}

void TestCutoverCtl::rollbackEngageThenReleaseRestoresTheSnapshot()
{
    // A fleet mid-migration: some routes fully moved, payments at a quarter.
    const QByteArray version = m_sim.version(u"routes/payments"_s);
    QCOMPARE(m_sim.request("PUT", u"/admin/routes/payments"_s, Role::Operator, R"({"microservice_percent":25,"reason":"setup"})",
                           {{"If-Match", '"' + version + '"'}}).status, 200);
    QMap<std::string, int> before;
    const Json initial = routesOnGateway();
    for (const Json &route : initial["routes"])
        before[route["id"].get<std::string>()] = route["microservice_percent"].get<int>();

    const Run engage = ctl(u"rollback engage --reason \"5xx spike\" --json"_s);
    QCOMPARE(engage.code, 0);
    const Json e = engage.json();
    QCOMPARE_JSON(e["action"], "engage");
    QCOMPARE_JSON(e["rollback"]["engaged"], true);
    QCOMPARE_JSON(e["rollback"]["engaged_by"], "demo-operator");
    int moving = 0;
    for (auto it = before.cbegin(); it != before.cend(); ++it)
        moving += it.value() > 0;
    QCOMPARE(int(e["blast_radius"].size()), moving);
    for (const Json &m : e["blast_radius"]) {
        QCOMPARE_JSON(m["to"], 0);
        QCOMPARE(m["from"].get<int>(), before[m["route"].get<std::string>()]);
    }
    Json routes = routesOnGateway();
    QCOMPARE_JSON(routes["rollback_engaged"], true);
    for (const Json &route : routes["routes"])
        QCOMPARE_JSON(route["microservice_percent"], 0);

    const Run status = ctl(u"status --window 0.2"_s, Role::Viewer);
    QCOMPARE(status.code, 0);
    QVERIFY(status.out.contains("ENGAGED since") && status.out.contains("5xx spike"));

    const Run release = ctl(u"rollback release --reason \"hotfix deployed\""_s);
    QCOMPARE(release.code, 0);
    QVERIFY2(release.out.contains("Blast radius") && release.out.contains("restored"), release.out.constData());
    routes = routesOnGateway();
    QCOMPARE_JSON(routes["rollback_engaged"], false);
    for (const Json &route : routes["routes"])
        QCOMPARE(route["microservice_percent"].get<int>(), before[route["id"].get<std::string>()]);

    // One idempotency key per invocation, and it reached the audit log.
    const Json entries = m_sim.get(u"/admin/audit?after=0&limit=1000"_s).json()["entries"];
    const Json &released = entries.back();
    const Json &engaged = entries[entries.size() - 2];
    QCOMPARE_JSON(released["action"], "rollback.release");
    QCOMPARE_JSON(engaged["action"], "rollback.engage");
    QCOMPARE_JSON(engaged["idempotency_key"], e["idempotency_key"]);
    QVERIFY(released["idempotency_key"] != engaged["idempotency_key"]);
}

void TestCutoverCtl::rollbackReleaseKeepMonolithAndDoubleEngage()
{
    QCOMPARE(ctl(u"rollback engage --reason drill"_s).code, 0);
    const Run twice = ctl(u"rollback engage --reason \"drill again\""_s);
    QCOMPARE(twice.code, 4);
    QVERIFY2(twice.errText().contains(u"409"_s), qPrintable(twice.errText()));

    const Run keep = ctl(u"rollback release --keep-monolith --reason \"step back in\""_s);
    QCOMPARE(keep.code, 0);
    QVERIFY(keep.out.contains("stay on the monolith"));
    const Json routes = routesOnGateway();
    QCOMPARE_JSON(routes["rollback_engaged"], false);
    for (const Json &route : routes["routes"])
        QCOMPARE_JSON(route["microservice_percent"], 0);
    QCOMPARE(ctl(u"rollback release --reason again"_s).code, 4); // not engaged
    for (const char *id : {"auth", "users", "posts"}) // bring the fleet back for the tests that follow
        QCOMPARE(ctl(u"route set %1 100 --reason restore"_s.arg(QString::fromUtf8(id))).code, 0);
}

void TestCutoverCtl::productionProfileNeedsConfirm()
{
    const QString tokenFile = m_home.filePath(u"prod.token"_s);
    QVERIFY(writePrivateFile(tokenFile, m_sim.token(Role::Operator) + '\n'));
    QCOMPARE(bare(u"profile add prod --environment production --gateway %1 --token-file %2"_s.arg(m_sim.url().toString(), tokenFile)).code, 0);

    // The token comes from the profile's token file: no CUTOVER_TOKEN in these runs.
    const QString engage = u"--profile prod rollback engage --reason \"prod incident\""_s;
    Run r = bare(engage);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.errText().contains(u"--confirm"_s), qPrintable(r.errText()));
    QCOMPARE(bare(engage + u" --confirm Prod"_s).code, 2);
    QCOMPARE_JSON(routesOnGateway()["rollback_engaged"], false);

    r = bare(engage + u" --confirm prod"_s);
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.contains("PRODUCTION"));
    QCOMPARE_JSON(routesOnGateway()["rollback_engaged"], true);
    QCOMPARE(bare(u"--profile prod rollback release --reason resolved"_s).code, 2);
    QCOMPARE(bare(u"--profile prod rollback release --reason resolved --confirm prod"_s).code, 0);
    QCOMPARE_JSON(routesOnGateway()["rollback_engaged"], false);
    QCOMPARE(bare(u"profile remove prod"_s).code, 0);
}

void TestCutoverCtl::profileCommandsShareTheGuiStore()
{
    const QString url = m_sim.url().toString();
    QCOMPARE(bare(u"profile add staging-eu --environment staging --gateway "_s + url).code, 0);
    QCOMPARE(bare(u"profile add staging-eu --gateway "_s + url).code, 2); // exists
    QCOMPARE(bare(u"profile add dev --use --gateway "_s + url).code, 0);

    // What the GUI reads: the same QSettings file, through ProfileStore.
    QSettings settings(m_home.filePath(u"config/Cutover/cutover.conf"_s), QSettings::IniFormat);
    ProfileStore store(settings);
    QVERIFY(store.names().contains(u"staging-eu"_s));
    QCOMPARE(store.load(u"staging-eu"_s)->environment, Environment::Staging);
    QCOMPARE(store.load(u"dev"_s)->url, m_sim.url());
    QCOMPARE(store.lastUsed(), u"dev"_s);

    // Neither --profile nor --gateway: the last-used profile.
    const Run routes = bare(u"routes --json"_s, Role::Operator);
    QCOMPARE(routes.code, 0);
    QCOMPARE(routes.json()["routes"].size(), std::size_t(6));

    QCOMPARE(bare(u"profile use staging-eu"_s).code, 0);
    Run list = bare(u"profile list --json"_s);
    QCOMPARE(list.code, 0);
    QCOMPARE_JSON(list.json()["last_used"], "staging-eu");
    QCOMPARE(list.json()["profiles"].size(), std::size_t(2));
    QVERIFY(bare(u"profile list"_s).out.contains("staging"));

    // A HAProxy Runtime API address makes a haproxy profile (driven in tst_haproxybackend).
    QCOMPARE(bare(u"profile add edge --gateway tcp://127.0.0.1:9999"_s).code, 0);
    settings.sync(); // another process wrote the file
    const std::optional<Profile> edge = store.load(u"edge"_s);
    QVERIFY(edge);
    QCOMPARE(edge->kind, GatewayKind::Haproxy);
    QCOMPARE(bare(u"profile add bad --gateway ftp://gw.example"_s).code, 2);
    QCOMPARE(bare(u"profile remove edge"_s).code, 0);

    QCOMPARE(bare(u"profile remove staging-eu"_s).code, 0);
    QCOMPARE(bare(u"profile remove staging-eu"_s).code, 2);
    QCOMPARE(bare(u"profile remove dev"_s).code, 0);
    list = bare(u"profile list --json"_s);
    QVERIFY(list.json()["profiles"].empty() && list.json()["last_used"].is_null());
}

void TestCutoverCtl::audit()
{
    QCOMPARE(ctl(u"route set notifications 5 --reason \"audit me please\""_s).code, 0);
    Run r = ctl(u"audit --limit 3 --json"_s, Role::Viewer);
    QCOMPARE(r.code, 0);
    const Json j = r.json();
    QCOMPARE(j["entries"].size(), std::size_t(3));
    const Json &e = j["entries"].back();
    QCOMPARE_JSON(e["id"], j["latest_id"]);
    QCOMPARE_JSON(e["actor"], "demo-operator");
    QCOMPARE_JSON(e["action"], "route.update");
    QCOMPARE_JSON(e["target"], "routes/notifications");
    QCOMPARE_JSON(e["reason"], "audit me please");
    QVERIFY(!e["request_id"].get<std::string>().empty());
    QCOMPARE_JSON(e["changes"], Json::parse(R"([{"field":"microservice_percent","before":0,"after":5}])"));

    const qint64 latest = j["latest_id"];
    r = ctl(u"audit --limit 1 --json --after %1"_s.arg(latest - 2), Role::Viewer);
    QCOMPARE(r.code, 0);
    QCOMPARE(r.json()["entries"].size(), std::size_t(1));
    QCOMPARE_JSON(r.json()["entries"][0]["id"], latest - 1);

    const Run human = ctl(u"audit --limit 2"_s, Role::Viewer);
    QCOMPARE(human.code, 0);
    for (const char *text : {"WHO", "demo-operator (operator)", "route.update", "microservice_percent 0 -> 5", "audit me please"})
        QVERIFY2(human.out.contains(text), text);
}

void TestCutoverCtl::logsBackfillAndFilters()
{
    auto logs = [this](const QString &command) { return run(gw(m_slow) + QProcess::splitCommand(command), Role::Viewer, m_slow); };
    Run r = logs(u"logs --limit 5 --json"_s);
    QCOMPARE(r.code, 0);
    const QList<Json> lines = jsonLines(r.out);
    QCOMPARE(lines.size(), 5);
    for (qsizetype i = 0; i < lines.size(); ++i) {
        QCOMPARE_JSON(lines[i]["type"], "log");
        QVERIFY(lines[i]["message"].is_string());
        QVERIFY(i == 0 || lines[i]["id"].get<quint64>() > lines[i - 1]["id"].get<quint64>());
    }
    const QString requestId = QString::fromStdString(lines[2]["request_id"]);
    r = logs(u"logs --json --request-id "_s + requestId);
    QCOMPARE(r.code, 0);
    QCOMPARE(jsonLines(r.out).size(), 1);
    QCOMPARE_JSON(jsonLines(r.out)[0], lines[2]);

    const std::string service = lines[0]["service"];
    r = logs(u"logs --json --service "_s + QString::fromStdString(service));
    QVERIFY(!jsonLines(r.out).isEmpty());
    for (const Json &l : jsonLines(r.out))
        QCOMPARE_JSON(l["service"], service);
    for (const Json &l : jsonLines(logs(u"logs --level warn --json"_s).out))
        QVERIFY(l["level"] == "warn" || l["level"] == "error");

    const Run human = logs(u"logs --limit 3"_s);
    QCOMPARE(human.code, 0);
    const QStringList text = human.outText().split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(text.size(), 3);
    QVERIFY(text[0].contains(requestId));
}

void TestCutoverCtl::logsFollowUntilTerminated()
{
    QProcess p;
    start(p, u"logs --follow --limit 2 --json"_s, m_sim);
    QByteArray out;
    QTRY_VERIFY_WITH_TIMEOUT((out += p.readAllStandardOutput()).count('\n') >= 6, 20000);
    p.terminate(); // SIGTERM, handled like Ctrl-C: a clean stop
    QVERIFY(p.waitForFinished(10000));
    out += p.readAllStandardOutput();
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
    const QList<Json> lines = jsonLines(out);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        QCOMPARE_JSON(lines[i]["type"], "log");
        QVERIFY(lines[i]["id"].get<quint64>() > lines[i - 1]["id"].get<quint64>());
    }
}

void TestCutoverCtl::logsFollowShowsGaps()
{
    // The first stream connection fails; while the client waits to reconnect, far more lines than
    // the 16-line buffer holds go by, so the resumed stream starts with a gap.
    QCOMPARE(m_slow.request("POST", u"/sim/chaos"_s, Role::Admin, R"({"fail_status":503,"path":"/admin/logs/stream","count":1})").status, 200);
    QProcess p;
    start(p, u"logs --follow --limit 1"_s, m_slow);
    QByteArray err;
    QTRY_VERIFY_WITH_TIMEOUT((err += p.readAllStandardError()).contains("reconnecting"), 20000);
    QVERIFY(m_slow.step(2));
    QByteArray out;
    QTRY_VERIFY_WITH_TIMEOUT((out += p.readAllStandardOutput()).count('\n') >= 10, 20000);
    p.terminate();
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 0);
    const QStringList lines = QString::fromUtf8(out).split(u'\n', Qt::SkipEmptyParts);
    // The backfilled line, then the gap as a visible line, then the lines still buffered.
    QVERIFY2(lines.at(1).contains(u"GAP"_s) && lines.at(1).contains(u"line(s) missed"_s), out.constData());
    QVERIFY(!lines.at(0).contains(u"GAP"_s) && !lines.at(2).contains(u"GAP"_s));
}

void TestCutoverCtl::logsFollowAcrossGatewayRestart()
{
    // The gateway restarts under a following client: its ids start again at 1, far below where
    // the client was. It must say so and go on with the new instance's lines, not wait silently.
    SimFixture sim;
    QVERIFY2(sim.start({u"--seed"_s, u"8"_s, u"--manual-clock"_s}), qPrintable(sim.error()));
    QVERIFY(sim.step(3));
    const QString port = QString::number(sim.url().port());
    QProcess p;
    start(p, u"logs --follow --limit 1 --json"_s, sim);
    QByteArray out, err;
    QTRY_VERIFY_WITH_TIMEOUT((out += p.readAllStandardOutput()).count('\n') >= 1, 20000);
    const quint64 before = jsonLines(out).constLast()["id"].get<quint64>();
    QVERIFY(before > 300);

    sim.stop();
    QVERIFY2(sim.start({u"--seed"_s, u"8"_s, u"--manual-clock"_s, u"--port"_s, port}), qPrintable(sim.error()));
    QVERIFY(sim.step(1));
    QTRY_VERIFY_WITH_TIMEOUT((err += p.readAllStandardError()).contains("the gateway restarted"), 20000);
    QTRY_VERIFY_WITH_TIMEOUT((out += p.readAllStandardOutput()).contains("\"type\":\"restart\"")
                                 && out.mid(out.indexOf("\"type\":\"restart\"")).count('\n') >= 11,
                             20000);
    p.terminate();
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 0);
    out += p.readAllStandardOutput();
    const QList<Json> lines = jsonLines(out);
    qsizetype restart = -1;
    for (qsizetype i = 0; i < lines.size(); ++i)
        if (lines[i]["type"] == "restart")
            restart = i;
    QVERIFY(restart > 0);
    QVERIFY(lines[restart]["description"].get<std::string>().find("instance") != std::string::npos);
    // The new instance's lines from its first, in order, after the restart line.
    QCOMPARE_JSON(lines[restart + 1]["type"], "log");
    QCOMPARE(lines[restart + 1]["id"].get<quint64>(), quint64(1));
    for (qsizetype i = restart + 2; i < lines.size(); ++i)
        QCOMPARE(lines[i]["id"].get<quint64>(), lines[i - 1]["id"].get<quint64>() + 1);
    QVERIFY(lines.constLast()["id"].get<quint64>() < before);
}

void TestCutoverCtl::demoGateway()
{
    const Run r = bare(u"--demo routes --json"_s);
    QCOMPARE(r.code, 0);
    QCOMPARE(r.json()["routes"].size(), std::size_t(6));
}

QTEST_GUILESS_MAIN(TestCutoverCtl)
#include "tst_cutoverctl.moc"
