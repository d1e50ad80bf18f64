// The `cutover` console as a process (issue 11 §6): its demo gateway never outlives it, however
// it ends, and --help / --version need no display. The real binary, started with QProcess.
#include "tests/app/processtree.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

// A socket among the process's open files: the simulator is listening.
bool hasSocket(qint64 pid)
{
    const QDir fds(u"/proc/%1/fd"_s.arg(pid));
    const QStringList entries = fds.entryList(QDir::System | QDir::NoDotAndDotDot);
    // The link text itself ("socket:[123]"): QFileInfo would resolve it as a relative path.
    for (const QString &fd : entries) {
        const QByteArray path = fds.filePath(fd).toLocal8Bit();
        char target[64] = {};
        const ssize_t n = ::readlink(path.constData(), target, sizeof target - 1);
        if (n > 0 && QByteArray(target, int(n)).startsWith("socket:"))
            return true;
    }
    return false;
}

} // namespace

class TestConsoleProcess : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void demoGatewayEndsWithTheConsole_data();
    void demoGatewayEndsWithTheConsole();
    void helpAndVersionNeedNoDisplay_data();
    void helpAndVersionNeedNoDisplay();
    void unsafeConnectionIsRefused_data();
    void unsafeConnectionIsRefused();

private:
    QProcessEnvironment environment() const;

    QString m_cutover;
    QTemporaryDir m_home;
};

void TestConsoleProcess::initTestCase()
{
    m_cutover = qEnvironmentVariable("CUTOVER_GUI");
    if (m_cutover.isEmpty())
        m_cutover = QCoreApplication::applicationDirPath() + u"/cutover"_s;
    QVERIFY2(QFileInfo(m_cutover).isExecutable(), qPrintable(m_cutover + u" is not an executable"_s));
    QVERIFY(m_home.isValid());
}

QProcessEnvironment TestConsoleProcess::environment() const
{
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.insert(u"XDG_CONFIG_HOME"_s, m_home.filePath(u"config"_s)); // never the user's settings
    e.insert(u"HOME"_s, m_home.filePath(u"home"_s));
    e.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
    return e;
}

void TestConsoleProcess::demoGatewayEndsWithTheConsole_data()
{
    QTest::addColumn<int>("signal");
    QTest::newRow("SIGTERM") << int(SIGTERM);
    QTest::newRow("SIGKILL") << int(SIGKILL);
}

void TestConsoleProcess::demoGatewayEndsWithTheConsole()
{
    QFETCH(int, signal);
    QProcess console;
    console.setProcessEnvironment(environment());
    console.start(m_cutover, {u"--demo"_s});
    QVERIFY(console.waitForStarted());
    qint64 sim = 0;
    QTRY_VERIFY_WITH_TIMEOUT((sim = cutover::test::childNamed(console.processId(), "cutover-sim")) > 0, 30000);
    cutover::test::ProcessReaper reaper(sim); // never leaves it behind, whatever the test finds
    QTRY_VERIFY_WITH_TIMEOUT(hasSocket(sim), 30000);

    QVERIFY(cutover::test::sendSignal(console.processId(), signal));
    QVERIFY(console.waitForFinished(10000));
    QTRY_VERIFY2_WITH_TIMEOUT(!cutover::test::isAlive(sim), "cutover-sim outlived cutover --demo", 5000);
}

void TestConsoleProcess::helpAndVersionNeedNoDisplay_data()
{
    QTest::addColumn<QString>("option");
    QTest::addColumn<QString>("says");
    QTest::newRow("--help") << u"--help"_s << u"--demo"_s;
    QTest::newRow("-h") << u"-h"_s << u"Usage:"_s;
    QTest::newRow("--version") << u"--version"_s << u"cutover "_s;
}

void TestConsoleProcess::helpAndVersionNeedNoDisplay()
{
    QFETCH(QString, option);
    QFETCH(QString, says);
    // Over ssh or in CI: no X, no Wayland, no platform chosen.
    QProcessEnvironment e = environment();
    for (const QString &name : {u"DISPLAY"_s, u"WAYLAND_DISPLAY"_s, u"QT_QPA_PLATFORM"_s})
        e.remove(name);
    QProcess p;
    p.setProcessEnvironment(e);
    p.start(m_cutover, {option});
    QVERIFY(p.waitForFinished(20000));
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QVERIFY2(p.exitCode() == 0, qPrintable(err));
    QVERIFY2(out.contains(says), qPrintable(out));
    if (option == u"--version"_s)
        QVERIFY2(out.trimmed().startsWith(u"cutover "_s) && out.trimmed().size() > 8, qPrintable(out));
}

void TestConsoleProcess::unsafeConnectionIsRefused_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<bool>("emptyCaBundle");
    QTest::addColumn<QString>("says");
    QTest::newRow("CRLF in CUTOVER_TOKEN") << QByteArray("s3cret-part\r\nX-Injected: 1") << false << u"carriage return"_s;
    QTest::newRow("empty CA bundle") << QByteArray("s3cret-part") << true << u"no PEM certificate"_s;
}

void TestConsoleProcess::unsafeConnectionIsRefused()
{
    QFETCH(QByteArray, token);
    QFETCH(bool, emptyCaBundle);
    QFETCH(QString, says);
    QProcessEnvironment e = environment();
    e.insert(u"CUTOVER_TOKEN"_s, QString::fromLatin1(token));
    QStringList args {u"--gateway"_s, u"https://127.0.0.1:1"_s};
    if (emptyCaBundle) {
        const QString bundle = m_home.filePath(u"empty.pem"_s);
        QFile f(bundle);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        args << u"--ca-bundle"_s << bundle;
    }
    QProcess p;
    p.setProcessEnvironment(e);
    p.start(m_cutover, args);
    if (!p.waitForFinished(20000)) {
        p.kill(); // it would have opened a window: it did not refuse
        p.waitForFinished();
        QFAIL("cutover started instead of refusing");
    }
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QCOMPARE(p.exitCode(), 2);
    QVERIFY2(err.contains(says), qPrintable(err));
    QVERIFY2(!err.contains(u"s3cret"_s) && !err.contains(u"X-Injected"_s), qPrintable(err));
}

QTEST_GUILESS_MAIN(TestConsoleProcess)
#include "tst_console_process.moc"
