// cutoverctl and the terminal and network it runs in (issue 11 §5, §6): gateway text never drives
// the terminal, a token never injects headers, a CA bundle that trusts nothing is an error, a
// profile name is one line, and the demo gateway never outlives the command. The real binary
// against a real cutover-sim, as in tst_cutoverctl.
#include "tests/app/processtree.h"
#include "tests/support/simfixture.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <optional>

using namespace cutover;
using namespace Qt::StringLiterals;
using cutover::test::SimFixture;
using Json = nlohmann::json;

namespace {

struct Run
{
    int code = -1; // -1: crashed or did not finish
    QByteArray out;
    QByteArray err;
    QString errText() const { return QString::fromUtf8(err); }
    QString outText() const { return QString::fromUtf8(out); }
};

bool writePrivateFile(const QString &path, const QByteArray &content)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(content) == content.size()
        && f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
}

// The test's own oracle, independent of models/displaytext: the first code point in `bytes` that
// a terminal could obey (other than the line break between lines), as "U+XXXX"; empty if none.
QString firstActiveCharacter(const QByteArray &bytes)
{
    const QString text = QString::fromUtf8(bytes);
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        const bool active = (u < 0x20 && u != u'\n') || (u >= 0x7f && u <= 0x9f) || (u >= 0x202a && u <= 0x202e)
            || (u >= 0x2066 && u <= 0x2069) || u == 0x200e || u == 0x200f || u == 0x061c || u == 0x2028 || u == 0x2029;
        if (active)
            return u"U+%1"_s.arg(uint(u), 4, 16, QLatin1Char('0'));
    }
    return {};
}

} // namespace

class TestCutoverCtlSafety : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void auditReasonCannotDriveTheTerminal();
    void gatewayErrorMessageIsInert();
    void tokenWithControlCharactersIsRefused_data();
    void tokenWithControlCharactersIsRefused();
    void tokenWithOneTrailingNewlineIsAccepted_data();
    void tokenWithOneTrailingNewlineIsAccepted();
    void caBundleWithoutCertificatesIsAnError_data();
    void caBundleWithoutCertificatesIsAnError();
    void profileNameWithControlCharactersIsRefused_data();
    void profileNameWithControlCharactersIsRefused();
    void demoGatewayEndsWithTheCommand_data();
    void demoGatewayEndsWithTheCommand();

private:
    Run run(const QStringList &args, const QMap<QString, QString> &env = {});
    QStringList gw() const { return {u"--gateway"_s, m_sim.url().toString()}; }
    QProcessEnvironment environment() const;

    SimFixture m_sim;
    QTemporaryDir m_home;
    QString m_ctl;
    int m_tokenLeaks = 0;
};

void TestCutoverCtlSafety::initTestCase()
{
    m_ctl = qEnvironmentVariable("CUTOVERCTL");
    if (m_ctl.isEmpty())
        m_ctl = QCoreApplication::applicationDirPath() + u"/cutoverctl"_s;
    QVERIFY2(QFileInfo(m_ctl).isExecutable(), qPrintable(m_ctl + u" is not an executable"_s));
    QVERIFY(m_home.isValid());
    QVERIFY2(m_sim.start({u"--seed"_s, u"11"_s, u"--manual-clock"_s}), qPrintable(m_sim.error()));
}

void TestCutoverCtlSafety::cleanup()
{
    QCOMPARE(m_tokenLeaks, 0); // no token, and no part of a refused one, ever appears in output
}

QProcessEnvironment TestCutoverCtlSafety::environment() const
{
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.remove(u"CUTOVER_TOKEN"_s);
    e.insert(u"XDG_CONFIG_HOME"_s, m_home.filePath(u"config"_s)); // never the user's settings
    e.insert(u"HOME"_s, m_home.filePath(u"home"_s));
    return e;
}

Run TestCutoverCtlSafety::run(const QStringList &args, const QMap<QString, QString> &env)
{
    QProcess p;
    QProcessEnvironment e = environment();
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
        m_tokenLeaks += r.out.contains(m_sim.token(each)) || r.err.contains(m_sim.token(each));
    for (const char *secret : {"s3cret-part", "X-Injected"})
        m_tokenLeaks += r.out.contains(secret) || r.err.contains(secret);
    return r;
}

void TestCutoverCtlSafety::auditReasonCannotDriveTheTerminal()
{
    // An operator's reason that clears the screen, retitles the terminal, forges a line and
    // reverses "gnp.exe" into "exe.png": accepted by the gateway, recorded in its audit log.
    const QString reason = u"ok\x1b[2J\x1b[H\x1b]0;pwned\x07 forged\r\nline \u202egnp.exe \u009b31m"_s;
    const QString operatorToken = QString::fromLatin1(m_sim.token(Role::Operator));
    const Run set = run(gw() + QStringList {u"route"_s, u"set"_s, u"payments"_s, u"20"_s, u"--reason"_s, reason},
                        {{u"CUTOVER_TOKEN"_s, operatorToken}});
    QCOMPARE(set.code, 0);
    QVERIFY2(firstActiveCharacter(set.out).isEmpty(), qPrintable(firstActiveCharacter(set.out)));

    const QString viewerToken = QString::fromLatin1(m_sim.token(Role::Viewer));
    const Run audit = run(gw() + QStringList {u"audit"_s, u"--limit"_s, u"5"_s}, {{u"CUTOVER_TOKEN"_s, viewerToken}});
    QCOMPARE(audit.code, 0);
    QVERIFY2(firstActiveCharacter(audit.out).isEmpty(),
             qPrintable(firstActiveCharacter(audit.out) + u" in "_s + audit.outText()));
    QVERIFY2(firstActiveCharacter(audit.err).isEmpty(), qPrintable(firstActiveCharacter(audit.err)));
    // Shown, as visible escapes, on the entry's one line (the table elides the reason at 40).
    QVERIFY2(audit.out.contains("ok\\e[2J\\e[H\\e]0;pwned\\x07"), audit.out.constData());
    const QList<QByteArray> lines = audit.out.split('\n');
    qsizetype withReason = 0;
    for (const QByteArray &line : lines)
        withReason += line.contains("ok\\e[2J");
    QCOMPARE(withReason, 1);
    QVERIFY(!audit.out.contains("\nline "));

    // JSON keeps the exact text, with every control character escaped by the encoder.
    const Run json = run(gw() + QStringList {u"audit"_s, u"--limit"_s, u"5"_s, u"--json"_s}, {{u"CUTOVER_TOKEN"_s, viewerToken}});
    QCOMPARE(json.code, 0);
    for (const char c : json.out)
        QVERIFY2(static_cast<unsigned char>(c) >= 0x20 || c == '\n', qPrintable(u"raw byte 0x%1"_s.arg(int(c), 2, 16)));
    QVERIFY2(!json.out.contains("\xc2\x9b"), "raw C1 CSI in JSON");
    const Json doc = Json::parse(json.out.begin(), json.out.end(), nullptr, false);
    QVERIFY(!doc.is_discarded());
    bool found = false;
    for (const Json &e : doc["entries"])
        found |= e.value("reason", Json()).is_string() && QString::fromStdString(e["reason"].get<std::string>()) == reason.trimmed();
    QVERIFY2(found, json.out.constData());
}

void TestCutoverCtlSafety::gatewayErrorMessageIsInert()
{
    // The gateway echoes a route id it does not know in its 404 message; the id has ESC in it.
    const QString operatorToken = QString::fromLatin1(m_sim.token(Role::Operator));
    const Run r = run(gw() + QStringList {u"route"_s, u"set"_s, u"no\x1b]0;x\x07such"_s, u"10"_s, u"--reason"_s, u"r"_s},
                      {{u"CUTOVER_TOKEN"_s, operatorToken}});
    QVERIFY2(r.code != 0, r.out.constData());
    QVERIFY2(firstActiveCharacter(r.err).isEmpty(), qPrintable(firstActiveCharacter(r.err) + u" in "_s + r.errText()));
    QVERIFY2(firstActiveCharacter(r.out).isEmpty(), qPrintable(firstActiveCharacter(r.out)));
}

void TestCutoverCtlSafety::tokenWithControlCharactersIsRefused_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<bool>("inFile");
    QTest::addColumn<QString>("says");
    // Each would add a request header (or split the Authorization line) if it were sent.
    QTest::newRow("env CRLF header") << QByteArray("s3cret-part\r\nX-Injected: 1") << false << u"carriage return"_s;
    QTest::newRow("env LF header") << QByteArray("s3cret-part\nX-Injected: 1") << false << u"line break"_s;
    QTest::newRow("env inner space") << QByteArray("s3cret-part X-Injected") << false << u"a space"_s;
    QTest::newRow("env tab") << QByteArray("s3cret-part\tX-Injected") << false << u"a tab"_s;
    QTest::newRow("env leading space") << QByteArray(" s3cret-part") << false << u"a space"_s;
    QTest::newRow("env ESC") << QByteArray("s3cret-part\x1bX-Injected") << false << u"control character"_s;
    QTest::newRow("file CRLF header") << QByteArray("s3cret-part\r\nX-Injected: 1\n") << true << u"carriage return"_s;
    QTest::newRow("file two lines") << QByteArray("s3cret-part\nX-Injected: 1\n") << true << u"line break"_s;
    QTest::newRow("file two trailing newlines") << QByteArray("s3cret-part\n\n") << true << u"line break"_s;
    QTest::newRow("file NUL") << QByteArray("s3cret-part\0X-Injected\n", 24) << true << u"control character"_s;
}

void TestCutoverCtlSafety::tokenWithControlCharactersIsRefused()
{
    QFETCH(QByteArray, token);
    QFETCH(bool, inFile);
    QFETCH(QString, says);
    QStringList args = gw() + QStringList {u"routes"_s};
    QMap<QString, QString> env;
    if (inFile) {
        const QString file = m_home.filePath(u"bad.token"_s);
        QVERIFY(writePrivateFile(file, token));
        args << u"--token-file"_s << file;
    } else {
        env.insert(u"CUTOVER_TOKEN"_s, QString::fromLatin1(token));
    }
    const Run r = run(args, env);
    QCOMPARE(r.code, 2);
    QVERIFY(r.out.isEmpty());
    QVERIFY2(r.errText().contains(says), r.err.constData());
    QVERIFY2(r.errText().contains(inFile ? u"token file"_s : u"CUTOVER_TOKEN"_s), r.err.constData());
}

void TestCutoverCtlSafety::tokenWithOneTrailingNewlineIsAccepted_data()
{
    QTest::addColumn<QByteArray>("suffix");
    QTest::addColumn<bool>("inFile");
    QTest::newRow("file LF") << QByteArray("\n") << true;
    QTest::newRow("file CRLF") << QByteArray("\r\n") << true;
    QTest::newRow("env LF") << QByteArray("\n") << false;
}

void TestCutoverCtlSafety::tokenWithOneTrailingNewlineIsAccepted()
{
    QFETCH(QByteArray, suffix);
    QFETCH(bool, inFile);
    const QByteArray token = m_sim.token(Role::Viewer) + suffix;
    QStringList args = gw() + QStringList {u"routes"_s, u"--json"_s};
    QMap<QString, QString> env;
    if (inFile) {
        const QString file = m_home.filePath(u"good.token"_s);
        QVERIFY(writePrivateFile(file, token));
        args << u"--token-file"_s << file;
    } else {
        env.insert(u"CUTOVER_TOKEN"_s, QString::fromLatin1(token));
    }
    const Run r = run(args, env);
    QVERIFY2(r.code == 0, r.err.constData());
}

void TestCutoverCtlSafety::caBundleWithoutCertificatesIsAnError_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("command");
    QTest::newRow("empty, routes") << QByteArray() << u"routes"_s;
    QTest::newRow("garbage, routes") << QByteArray("not a certificate\n\x01\x02") << u"routes"_s;
    QTest::newRow("broken PEM, routes")
        << QByteArray("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n") << u"routes"_s;
    QTest::newRow("empty, profile add") << QByteArray() << u"profile add cafile --gateway https://127.0.0.1:1"_s;
}

void TestCutoverCtlSafety::caBundleWithoutCertificatesIsAnError()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, command);
    const QString file = m_home.filePath(u"bundle.pem"_s);
    QFile f(file);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(content);
    f.close();
    QStringList args = QProcess::splitCommand(command) << u"--ca-bundle"_s << file;
    if (!command.startsWith(u"profile"_s))
        args << u"--gateway"_s << u"https://127.0.0.1:1"_s;
    const Run r = run(args, {{u"CUTOVER_TOKEN"_s, QString::fromLatin1(m_sim.token(Role::Viewer))}});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.errText().contains(u"no PEM certificate"_s), r.err.constData());
    QVERIFY2(r.errText().contains(file), r.err.constData());
    // Nothing was saved either.
    QVERIFY(!run({u"profile"_s, u"list"_s}).out.contains("cafile"));
}

void TestCutoverCtlSafety::profileNameWithControlCharactersIsRefused_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("inner newline") << u"prod\nstaging"_s;
    QTest::newRow("trailing newline") << u"prod\n"_s;
    QTest::newRow("carriage return") << u"pr\rod"_s;
    QTest::newRow("ESC") << u"prod\x1b[2J"_s;
    QTest::newRow("bidi override") << u"prod\u202edorp"_s;
}

void TestCutoverCtlSafety::profileNameWithControlCharactersIsRefused()
{
    QFETCH(QString, name);
    const Run r = run({u"profile"_s, u"add"_s, name, u"--gateway"_s, u"https://gw.example:9443"_s});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.errText().contains(u"profile name cannot contain"_s), r.err.constData());
    QVERIFY2(firstActiveCharacter(r.err).isEmpty(), qPrintable(firstActiveCharacter(r.err)));
    const Run list = run({u"profile"_s, u"list"_s});
    QCOMPARE(list.code, 0);
    QVERIFY2(!list.out.contains("prod"), list.out.constData());
}

void TestCutoverCtlSafety::demoGatewayEndsWithTheCommand_data()
{
    QTest::addColumn<int>("signal");
    QTest::newRow("SIGTERM") << int(SIGTERM);
    QTest::newRow("SIGKILL") << int(SIGKILL);
}

void TestCutoverCtlSafety::demoGatewayEndsWithTheCommand()
{
    QFETCH(int, signal);
    QProcess ctl;
    ctl.setProcessEnvironment(environment());
    ctl.start(m_ctl, {u"--demo"_s, u"logs"_s, u"--follow"_s, u"--limit"_s, u"1"_s});
    QVERIFY(ctl.waitForStarted());
    QByteArray out;
    // A log line: the demo gateway is up and streaming.
    QTRY_VERIFY_WITH_TIMEOUT((out += ctl.readAllStandardOutput()).contains('\n'), 30000);
    const qint64 sim = test::childNamed(ctl.processId(), "cutover-sim");
    QVERIFY2(sim > 0, "no cutover-sim child of cutoverctl --demo");
    test::ProcessReaper reaper(sim); // never leaves it behind, whatever the test finds

    QVERIFY(test::sendSignal(ctl.processId(), signal));
    QVERIFY(ctl.waitForFinished(10000));
    QTRY_VERIFY2_WITH_TIMEOUT(!test::isAlive(sim), "cutover-sim outlived cutoverctl --demo", 5000);
}

QTEST_GUILESS_MAIN(TestCutoverCtlSafety)
#include "tst_cutoverctl_safety.moc"
