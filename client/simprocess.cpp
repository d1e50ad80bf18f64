#include "simprocess.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QStandardPaths>

#include <csignal>

#include <sys/prctl.h>
#include <unistd.h>

namespace cutover {

SimProcess::SimProcess(QObject *parent)
    : QObject(parent)
{
    connect(&m_process, &QProcess::readyReadStandardOutput, this, &SimProcess::readStdout);
    connect(&m_process, &QProcess::readyReadStandardError, this,
            [this] { m_stderr += m_process.readAllStandardError().right(16 * 1024); });
    connect(&m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            Q_EMIT failed(QStringLiteral("cannot start %1: %2").arg(m_process.program(), m_process.errorString()));
    });
    connect(&m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus) {
        if (m_stopping)
            return;
        if (!m_url.isValid())
            Q_EMIT failed(QStringLiteral("cutover-sim exited (%1) before listening: %2")
                              .arg(code)
                              .arg(QString::fromUtf8(m_stderr).trimmed()));
        Q_EMIT exited();
    });
}

SimProcess::~SimProcess()
{
    stop();
}

QString SimProcess::findProgram()
{
    const QString local = QCoreApplication::applicationDirPath() + QStringLiteral("/cutover-sim");
    if (QFileInfo(local).isExecutable())
        return local;
    const QString env = qEnvironmentVariable("CUTOVER_SIM");
    if (!env.isEmpty())
        return env;
    return QStandardPaths::findExecutable(QStringLiteral("cutover-sim"));
}

void SimProcess::start(const QStringList &extraArgs)
{
    const QString program = findProgram();
    if (program.isEmpty()) {
        Q_EMIT failed(QStringLiteral("cutover-sim not found next to this program or on PATH"));
        return;
    }
    // Tokens are made once per SimProcess: a restarted simulator accepts the same ones, as a
    // restarted real gateway would.
    QByteArray tokenLines;
    for (Role role : {Role::Viewer, Role::Operator, Role::Admin}) {
        if (!m_tokens.contains(role))
            m_tokens[role] = "demo_" + QByteArray::number(QRandomGenerator::system()->generate64(), 16)
                + QByteArray::number(QRandomGenerator::system()->generate64(), 16);
        tokenLines += m_tokens[role] + ' ' + subject(role).toUtf8() + ' ' + roleName(role).toUtf8() + '\n';
    }
    m_stopping = false;
    m_url.clear();
    m_stdout.clear();
    m_stderr.clear();
    m_process.setProgram(program);
    // The simulator ends with us however we end: it exits when its stdin (our pipe, which the
    // kernel closes when we die, even by SIGKILL) reaches EOF, so the write channel stays open;
    // the token lines end at an empty line instead.
    m_process.setArguments(QStringList {QStringLiteral("--listen"), QStringLiteral("127.0.0.1"),
                                        QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--tokens-stdin"),
                                        QStringLiteral("--exit-with-stdin")}
                           + extraArgs);
    // Belt and braces on Linux: SIGTERM when the thread that started it dies. The check of the
    // parent's pid covers our death between fork and prctl.
    const pid_t parent = ::getpid();
    m_process.setChildProcessModifier([parent] {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent)
            ::_exit(1);
    });
    m_process.start();
    m_process.write(tokenLines + '\n');
}

void SimProcess::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_stopping = true;
    m_process.terminate();
    // Bounded: the simulator quits on SIGTERM at once; kill it if it does not.
    if (!m_process.waitForFinished(2000)) {
        m_process.kill();
        m_process.waitForFinished(1000);
    }
    Q_EMIT exited();
}

bool SimProcess::isRunning() const
{
    return m_process.state() == QProcess::Running;
}

void SimProcess::readStdout()
{
    m_stdout += m_process.readAllStandardOutput();
    if (m_url.isValid())
        return;
    static const QByteArray marker = "listening on ";
    const qsizetype at = m_stdout.indexOf(marker);
    const qsizetype eol = m_stdout.indexOf('\n', at);
    if (at < 0 || eol < 0)
        return;
    m_url = QUrl(QString::fromUtf8(m_stdout.mid(at + marker.size(), eol - at - marker.size()).trimmed()));
    Q_EMIT ready(m_url);
}

} // namespace cutover
