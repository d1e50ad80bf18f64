// cutoverctl when answers are lost: the real binary against a real cutover-sim behind a
// fault-injecting proxy (tests/support/faultproxy.h). A change whose answer is cut off, unreadable
// or reset is an unknown outcome, decided by reading the gateway back, never reported as a failure
// when it took effect; and every command ends by its --timeout, even against a trickling gateway.
#include "tests/support/contracthelpers.h"
#include "tests/support/faultproxy.h"
#include "tests/support/simfixture.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <QTest>
#include <QTimer>

using namespace cutover;
using namespace Qt::StringLiterals;
using cutover::test::FaultProxy;
using cutover::test::SimFixture;
using Json = nlohmann::json;
using Fault = FaultProxy::Fault;

namespace {

struct Run
{
    int code = -1; // -1: crashed or killed after the test's own limit
    QByteArray out;
    QByteArray err;
    qint64 ms = 0;
    QString errText() const { return QString::fromUtf8(err); }
    QString outText() const { return QString::fromUtf8(out); }
    QString both() const { return u"exit %1 after %2 ms\nstdout:\n%3\nstderr:\n%4"_s.arg(code).arg(ms).arg(outText(), errText()); }
};

} // namespace

class TestCutoverCtlOutcomes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void helpNamesTheDeadline();
    void engageWithCutAnswersIsConfirmed();
    void releaseWithResetAnswersIsConfirmed();
    void engageWithUnreadableAnswerIsConfirmed();
    void routeSetLostAnswerApplied();
    void routeSetLostRequestNotApplied();
    void routeSetResetOnceIsApplied();
    void flagSetUnreadableAnswerApplied();
    void readAgainstTricklingGatewayEndsByTheDeadline();
    void engageAgainstTricklingAnswerIsReadBack();
    void engageWithNothingReadableIsOutcomeUnknown();
    void logsFollowSeesARestartByTheInstance();
    void logsFollowStoppedWhileBlockedEndsOnALine();

private:
    // Runs cutoverctl against the proxy as an operator, spinning this event loop (the proxy's).
    Run ctl(const QString &command, int limitMs = 60000);
    Json get(const QString &path) { return m_sim.get(path).json(); }
    // cutoverctl's environment: `token`, and config and home in the test's own folder.
    QProcessEnvironment ctlEnvironment(const QByteArray &token) const;
    // Starts `cutoverctl logs --follow --limit 1 --json` against `gateway` as a viewer of `sim`.
    void startFollow(QProcess &p, SimFixture &sim, const QUrl &gateway) const;
    // Audit entries of `action` after m_auditMark.
    QList<Json> audit(const char *action);
    void releaseIfEngaged();

    QString m_ctl;
    QTemporaryDir m_home;
    SimFixture m_sim;
    std::unique_ptr<FaultProxy> m_proxy;
    qint64 m_auditMark = 0;
};

void TestCutoverCtlOutcomes::initTestCase()
{
    m_ctl = qEnvironmentVariable("CUTOVERCTL");
    if (m_ctl.isEmpty())
        m_ctl = QCoreApplication::applicationDirPath() + u"/cutoverctl"_s;
    QVERIFY2(QFileInfo(m_ctl).isExecutable(), qPrintable(m_ctl + u" is not an executable"_s));
    QVERIFY(m_home.isValid());
    QVERIFY2(m_sim.start({u"--seed"_s, u"21"_s}), qPrintable(m_sim.error()));
}

void TestCutoverCtlOutcomes::init()
{
    m_proxy = std::make_unique<FaultProxy>(m_sim.url());
    QVERIFY(m_proxy->start());
    m_auditMark = get(u"/admin/audit?after=0&limit=1"_s)["latest_id"].get<qint64>();
}

void TestCutoverCtlOutcomes::cleanup()
{
    m_proxy.reset();
    releaseIfEngaged();
}

void TestCutoverCtlOutcomes::releaseIfEngaged()
{
    if (!get(u"/admin/rollback"_s)["engaged"].get<bool>())
        return;
    const QByteArray version = m_sim.version(u"rollback"_s);
    const auto r = m_sim.request("POST", u"/admin/rollback/release"_s, Role::Operator, R"({"reason":"test cleanup"})",
                                 {{"If-Match", '"' + version + '"'}, {"Idempotency-Key", "cleanup-" + version}});
    QCOMPARE(r.status, 200);
}

QList<Json> TestCutoverCtlOutcomes::audit(const char *action)
{
    QList<Json> out;
    const Json page = get(u"/admin/audit?after=%1&limit=1000"_s.arg(m_auditMark));
    for (const Json &e : page["entries"])
        if (e["action"] == action)
            out.append(e);
    return out;
}

QProcessEnvironment TestCutoverCtlOutcomes::ctlEnvironment(const QByteArray &token) const
{
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.insert(u"CUTOVER_TOKEN"_s, QString::fromLatin1(token));
    e.insert(u"XDG_CONFIG_HOME"_s, m_home.filePath(u"config"_s));
    e.insert(u"HOME"_s, m_home.filePath(u"home"_s));
    return e;
}

void TestCutoverCtlOutcomes::startFollow(QProcess &p, SimFixture &sim, const QUrl &gateway) const
{
    p.setProcessEnvironment(ctlEnvironment(sim.token(Role::Viewer)));
    p.start(m_ctl, {u"--gateway"_s, gateway.toString(), u"logs"_s, u"--follow"_s, u"--limit"_s, u"1"_s, u"--json"_s});
}

Run TestCutoverCtlOutcomes::ctl(const QString &command, int limitMs)
{
    QProcess p;
    p.setProcessEnvironment(ctlEnvironment(m_sim.token(Role::Operator)));
    Run r;
    QEventLoop loop;
    connect(&p, &QProcess::finished, &loop, &QEventLoop::quit);
    connect(&p, &QProcess::errorOccurred, &loop, &QEventLoop::quit);
    QTimer::singleShot(limitMs, &loop, &QEventLoop::quit);
    QElapsedTimer clock;
    clock.start();
    p.start(m_ctl, QStringList {u"--gateway"_s, m_proxy->url().toString()} + QProcess::splitCommand(command));
    loop.exec(); // the proxy works while the child runs
    r.ms = clock.elapsed();
    if (p.state() != QProcess::NotRunning) {
        p.kill();
        p.waitForFinished();
    } else if (p.exitStatus() == QProcess::NormalExit) {
        r.code = p.exitCode();
    }
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    const QByteArray token = m_sim.token(Role::Operator);
    [&] { QVERIFY2(!r.out.contains(token) && !r.err.contains(token), "the token appeared in the output"); }();
    return r;
}

void TestCutoverCtlOutcomes::helpNamesTheDeadline()
{
    for (const QString &command : {u"rollback engage --help"_s, u"routes --help"_s, u"--help"_s}) {
        const Run r = ctl(command);
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains("--timeout <seconds>") && r.out.contains("120 for rollback") && r.out.contains("outcome unknown"),
                 qPrintable(r.both()));
    }
}

void TestCutoverCtlOutcomes::engageWithCutAnswersIsConfirmed()
{
    // Every answer to the engage (the first and each replay) is cut off mid-body.
    m_proxy->addRule({"POST", u"/admin/rollback"_s, Fault::CutBody});
    const Run r = ctl(u"rollback engage --reason \"5xx spike\""_s);
    QVERIFY2(r.code == 0, qPrintable(r.both()));
    QVERIFY2(r.out.contains("Rollback ENGAGED") && r.out.contains("read back"), qPrintable(r.both()));
    QVERIFY2(m_proxy->seen("POST", u"/admin/rollback"_s) >= 2, qPrintable(r.both())); // resent with the same key
    // Progress on stderr while it retries and reads back.
    QVERIFY2(r.err.contains("sending it again") && r.err.contains("reading its state back"), qPrintable(r.both()));
    QVERIFY(get(u"/admin/rollback"_s)["engaged"].get<bool>());
    const QList<Json> engages = audit("rollback.engage");
    QCOMPARE(engages.size(), 1); // applied once, however often it was sent
    QVERIFY2(r.out.contains(QByteArray::fromStdString(engages.first()["idempotency_key"].get<std::string>())), qPrintable(r.both()));
}

void TestCutoverCtlOutcomes::releaseWithResetAnswersIsConfirmed()
{
    QCOMPARE(ctl(u"rollback engage --reason drill"_s).code, 0);
    m_proxy->addRule({"POST", u"/admin/rollback/release"_s, Fault::ResetAnswer});
    const Run r = ctl(u"rollback release --reason \"hotfix out\""_s);
    QVERIFY2(r.code == 0, qPrintable(r.both()));
    QVERIFY2(r.out.contains("Rollback released"), qPrintable(r.both()));
    QVERIFY(!get(u"/admin/rollback"_s)["engaged"].get<bool>());
    QCOMPARE(audit("rollback.release").size(), 1);
}

void TestCutoverCtlOutcomes::engageWithUnreadableAnswerIsConfirmed()
{
    // A 200 whose body is not JSON, once: the replay with the same key brings the real answer.
    m_proxy->addRule({"POST", u"/admin/rollback"_s, Fault::BadJson, 1});
    const Run r = ctl(u"rollback engage --reason \"5xx spike\" --json"_s);
    QVERIFY2(r.code == 0, qPrintable(r.both()));
    const Json out = Json::parse(r.out.begin(), r.out.end(), nullptr, false);
    QVERIFY2(out.is_object() && out["rollback"]["engaged"] == true, qPrintable(r.both()));
    QCOMPARE(m_proxy->seen("POST", u"/admin/rollback"_s), 2);
    QCOMPARE(audit("rollback.engage").size(), 1);
    QVERIFY(get(u"/admin/rollback"_s)["engaged"].get<bool>());
}

void TestCutoverCtlOutcomes::routeSetLostAnswerApplied()
{
    const int percent = get(u"/admin/routes/payments"_s)["microservice_percent"].get<int>() == 35 ? 40 : 35;
    m_proxy->addRule({"PUT", u"/admin/routes/payments"_s, Fault::CutBody});
    const Run r = ctl(u"route set payments %1 --reason \"widen\""_s.arg(percent));
    QVERIFY2(r.code == 0, qPrintable(r.both()));
    QVERIFY2(r.out.contains("applied") && r.out.contains("Route payments"), qPrintable(r.both()));
    QCOMPARE(get(u"/admin/routes/payments"_s)["microservice_percent"].get<int>(), percent);
    QCOMPARE(audit("route.update").size(), 1);
}

void TestCutoverCtlOutcomes::routeSetLostRequestNotApplied()
{
    const Json before = get(u"/admin/routes/payments"_s);
    const int percent = before["microservice_percent"].get<int>() == 35 ? 40 : 35;
    // The connection breaks once the request is in: it never reaches the gateway.
    m_proxy->addRule({"PUT", u"/admin/routes/payments"_s, Fault::DropRequest});
    const Run r = ctl(u"route set payments %1 --reason \"widen\""_s.arg(percent));
    QVERIFY2(r.code == 5, qPrintable(r.both()));
    QVERIFY2(r.err.contains("NOT applied") && r.err.contains("route payments is at"), qPrintable(r.both()));
    QVERIFY(get(u"/admin/routes/payments"_s) == before);
    QCOMPARE(audit("route.update").size(), 0);
}

void TestCutoverCtlOutcomes::routeSetResetOnceIsApplied()
{
    const int percent = get(u"/admin/routes/payments"_s)["microservice_percent"].get<int>() == 35 ? 40 : 35;
    // Applied, then the connection resets before any answer: Qt may send the PUT again by itself,
    // and the gateway then refuses that copy with 412 because the first one moved the version.
    m_proxy->addRule({"PUT", u"/admin/routes/payments"_s, Fault::ResetAnswer, 1});
    const Run r = ctl(u"route set payments %1 --reason \"widen\""_s.arg(percent));
    QVERIFY2(r.code == 0, qPrintable(r.both()));
    QVERIFY2(r.out.contains("applied") && r.out.contains("Route payments"), qPrintable(r.both()));
    QCOMPARE(get(u"/admin/routes/payments"_s)["microservice_percent"].get<int>(), percent);
    QCOMPARE(audit("route.update").size(), 1);
}

void TestCutoverCtlOutcomes::flagSetUnreadableAnswerApplied()
{
    const bool wasOn = get(u"/admin/flags/use_payment_microservice"_s)["enabled"].get<bool>();
    m_proxy->addRule({"PUT", u"/admin/flags/use_payment_microservice"_s, Fault::BadJson});
    const Run r = ctl(u"flag set use_payment_microservice %1 --reason beta"_s.arg(wasOn ? u"--off"_s : u"--on"_s));
    QVERIFY2(r.code == 0, qPrintable(r.both()));
    QVERIFY2(r.out.contains("applied") && r.out.contains("Flag use_payment_microservice"), qPrintable(r.both()));
    QCOMPARE(get(u"/admin/flags/use_payment_microservice"_s)["enabled"].get<bool>(), !wasOn);
    QCOMPARE(audit("flag.update").size(), 1);
}

void TestCutoverCtlOutcomes::readAgainstTricklingGatewayEndsByTheDeadline()
{
    m_proxy->addRule({"GET", u"/admin/routes"_s, Fault::Trickle});
    const Run r = ctl(u"routes --timeout 2"_s, 30000);
    QVERIFY2(r.code == 5, qPrintable(r.both()));
    QVERIFY2(r.ms < 4000, qPrintable(r.both())); // well before 2× the deadline
    QVERIFY2(r.err.contains("timeout") && r.err.contains("deadline"), qPrintable(r.both()));
}

void TestCutoverCtlOutcomes::engageAgainstTricklingAnswerIsReadBack()
{
    // The engage reaches the gateway; its answer trickles. The state read back confirms it.
    m_proxy->addRule({"POST", u"/admin/rollback"_s, Fault::Trickle});
    const Run r = ctl(u"rollback engage --reason \"5xx spike\" --timeout 4"_s, 30000);
    QVERIFY2(r.code == 0, qPrintable(r.both()));
    QVERIFY2(r.ms < 8000, qPrintable(r.both()));
    QVERIFY2(r.out.contains("Rollback ENGAGED"), qPrintable(r.both()));
    QCOMPARE(audit("rollback.engage").size(), 1);
}

void TestCutoverCtlOutcomes::engageWithNothingReadableIsOutcomeUnknown()
{
    // The engage is applied but its answer trickles, and so does every later read of the rollback
    // (the first read, before the engage, gets through): nothing can tell, so nothing is claimed.
    m_proxy->addRule({"POST", u"/admin/rollback"_s, Fault::Trickle});
    m_proxy->addRule({"GET", u"/admin/rollback"_s, Fault::Trickle, -1, 1});
    const Run r = ctl(u"rollback engage --reason \"5xx spike\" --timeout 4"_s, 30000);
    QVERIFY2(r.code == 1, qPrintable(r.both()));
    QVERIFY2(r.ms < 8000, qPrintable(r.both()));
    QVERIFY2(r.err.contains("outcome unknown") && r.err.contains("rollback state could not be read"), qPrintable(r.both()));
    QVERIFY2(!r.out.contains("ENGAGED"), qPrintable(r.both()));
    QVERIFY(get(u"/admin/rollback"_s)["engaged"].get<bool>()); // it did take effect
}

void TestCutoverCtlOutcomes::logsFollowSeesARestartByTheInstance()
{
    // /admin/info is lost, and the gateway restarts between the backfill page and the stream, its
    // new instance already past the resume point, so its ids never go back: only the instance
    // (admin API 1.1: the page's, then the stream's) shows the restart. cutoverctl must say so and
    // follow the new instance from its first line, not resume "after N" and miss lines 1..N.
    SimFixture sim;
    QVERIFY2(sim.start({u"--seed"_s, u"9"_s, u"--manual-clock"_s}), qPrintable(sim.error()));
    QVERIFY(sim.step(1));
    const QString port = QString::number(sim.url().port());
    FaultProxy proxy(sim.url());
    QVERIFY(proxy.start());
    const FaultProxy::Rule noInfo {"GET", u"/admin/info"_s, Fault::DropRequest};
    proxy.addRule(noInfo);
    proxy.addRule({"GET", u"/admin/logs/stream"_s, Fault::DropRequest}); // held back for now

    QProcess p;
    startFollow(p, sim, proxy.url());
    QByteArray out, err;
    QTRY_VERIFY_WITH_TIMEOUT((out += p.readAllStandardOutput()).count('\n') >= 1, 20000);
    const quint64 before = Json::parse(out.left(out.indexOf('\n')).toStdString())["id"].get<quint64>();
    QTRY_VERIFY_WITH_TIMEOUT(proxy.seen("GET", u"/admin/logs/stream"_s) >= 1, 20000);

    sim.stop();
    QVERIFY2(sim.start({u"--seed"_s, u"9"_s, u"--manual-clock"_s, u"--port"_s, port}), qPrintable(sim.error()));
    QVERIFY(sim.step(3));
    const quint64 lastAfter = sim.get(u"/admin/logs?limit=1"_s).json()["last_id"].get<quint64>();
    QVERIFY(lastAfter > before + 10);
    proxy.clearRules();
    proxy.addRule(noInfo);

    QTRY_VERIFY_WITH_TIMEOUT((err += p.readAllStandardError()).contains("the gateway restarted"), 40000);
    QTRY_VERIFY_WITH_TIMEOUT((out += p.readAllStandardOutput()).contains("\"type\":\"restart\"")
                                 && out.mid(out.indexOf("\"type\":\"restart\"")).count('\n') >= 11,
                             20000);
    p.terminate();
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 0);
    out += p.readAllStandardOutput();
    const QList<Json> lines = test::jsonLines(out);
    qsizetype restart = -1;
    for (qsizetype i = 0; i < lines.size(); ++i)
        if (lines[i]["type"] == "restart")
            restart = i;
    QVERIFY2(restart == 1, out.constData()); // the backfilled line, then the restart
    QVERIFY2(lines[restart]["description"].get<std::string>().find("instance") != std::string::npos, out.constData());
    QCOMPARE(lines[restart + 1]["id"].get<quint64>(), quint64(1));
    // Every line of the new instance, none twice, none missing. (A line once went missing here: the
    // TERM above interrupted a write to the full pipe, see logsFollowStoppedWhileBlockedEndsOnALine.)
    for (qsizetype i = restart + 2; i < lines.size(); ++i)
        QVERIFY2(lines[i]["id"].get<quint64>() == lines[i - 1]["id"].get<quint64>() + 1,
                 qPrintable(u"line %1 has id %2 after %3 (resumed after %4)\nstdout:\n%5\nstderr:\n%6"_s.arg(i)
                                .arg(lines[i]["id"].get<quint64>())
                                .arg(lines[i - 1]["id"].get<quint64>())
                                .arg(before)
                                .arg(QString::fromUtf8(out), QString::fromUtf8(err + p.readAllStandardError()))));
}

void TestCutoverCtlOutcomes::logsFollowStoppedWhileBlockedEndsOnALine()
{
    // `cutoverctl logs --follow --json | slow-reader`, then Ctrl-C or a TERM: the signal arrives
    // while a write to the full pipe blocks. The output must end at a line, never skip one: an
    // interrupted write used to drop its line while the rest of the batch was printed after it, a
    // hole no reader could see (and the cause of a rare failure of the restart test above).
    SimFixture sim;
    QVERIFY2(sim.start({u"--seed"_s, u"9"_s, u"--manual-clock"_s}), qPrintable(sim.error()));
    QVERIFY(sim.step(1));
    QProcess p;
    startFollow(p, sim, sim.url());
    QByteArray out;
    QTRY_VERIFY_WITH_TIMEOUT((out += p.readAllStandardOutput()).count('\n') >= 1, 20000);
    // About 1,600 lines (600 kB) in one go, far more than a pipe holds. Nothing reads the pipe while
    // this thread sleeps (no event loop), so cutoverctl is soon blocked writing a line.
    QVERIFY(sim.step(3));
    QThread::sleep(3);
    p.terminate();
    QThread::msleep(300);
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
    out += p.readAllStandardOutput();
    const QList<Json> lines = test::jsonLines(out);
    QVERIFY2(lines.size() > 100, out.right(2000).constData()); // it had printed a pipe's worth
    for (qsizetype i = 1; i < lines.size(); ++i)
        QVERIFY2(!lines[i].is_discarded() && lines[i]["id"].get<quint64>() == lines[i - 1]["id"].get<quint64>() + 1,
                 qPrintable(u"line %1 (id %2) follows id %3\nstderr:\n%4"_s.arg(i)
                                .arg(QString::fromStdString(lines[i].is_discarded() ? "not JSON" : lines[i]["id"].dump()))
                                .arg(lines[i - 1]["id"].get<quint64>())
                                .arg(QString::fromUtf8(p.readAllStandardError()))));
}

QTEST_GUILESS_MAIN(TestCutoverCtlOutcomes)
#include "tst_cutoverctl_outcomes.moc"
