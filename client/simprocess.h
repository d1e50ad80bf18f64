#pragma once

#include "domain.h"

#include <QByteArray>
#include <QMap>
#include <QObject>
#include <QProcess>
#include <QUrl>

namespace cutover {

// Runs cutover-sim as a child process on a free loopback port: the built-in demo gateway of
// `cutover --demo`, and the peer of the integration tests. Fresh tokens for each role are handed
// over on the child's stdin, so they never appear on a command line (ps) or in a file.
//
// The child never outlives us: stdin stays an open pipe after the tokens and the simulator exits
// at its EOF (--exit-with-stdin), which the kernel delivers however we end, SIGKILL included;
// on Linux it also gets SIGTERM when the thread that started it ends (PR_SET_PDEATHSIG), so
// start() belongs on a thread that lives as long as the simulator should (the main thread).
class SimProcess : public QObject
{
    Q_OBJECT

public:
    explicit SimProcess(QObject *parent = nullptr);
    ~SimProcess() override;

    // Starts the simulator with these extra arguments (e.g. --seed 7 --manual-clock).
    void start(const QStringList &extraArgs = {});
    void stop();
    bool isRunning() const;
    // The child's process id while it runs (tests freeze it with SIGSTOP: a hung gateway); 0 otherwise.
    qint64 processId() const { return m_process.processId(); }

    QUrl url() const { return m_url; }
    QByteArray token(Role role) const { return m_tokens.value(role); }
    QString subject(Role role) const { return QStringLiteral("demo-") + roleName(role); }
    // What the child wrote to stderr so far, for error reports.
    QString errorOutput() const { return QString::fromUtf8(m_stderr); }

    // cutover-sim next to this executable, else $CUTOVER_SIM, else on PATH.
    static QString findProgram();

Q_SIGNALS:
    void ready(const QUrl &url);
    void failed(const QString &message);
    void exited();

private:
    void readStdout();

    QProcess m_process;
    QMap<Role, QByteArray> m_tokens;
    QByteArray m_stdout;
    QByteArray m_stderr;
    QUrl m_url;
    bool m_stopping = false;
};

} // namespace cutover
