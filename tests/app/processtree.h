#pragma once

// Linux process-tree helpers for tests that kill a program and check what it leaves behind.

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QString>

#include <csignal>

#include <sys/types.h>

namespace cutover::test {

// The pid of a child of `parent` whose command name is `name`; 0 when there is none.
inline qint64 childNamed(qint64 parent, const QByteArray &name)
{
    const QString base = QStringLiteral("/proc/%1/task").arg(parent);
    const QStringList tasks = QDir(base).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &task : tasks) {
        QFile children(base + QLatin1Char('/') + task + QStringLiteral("/children"));
        if (!children.open(QIODevice::ReadOnly))
            continue;
        for (const QByteArray &pid : children.readAll().simplified().split(' ')) {
            if (pid.isEmpty())
                continue;
            QFile comm(QStringLiteral("/proc/%1/comm").arg(QString::fromLatin1(pid)));
            if (comm.open(QIODevice::ReadOnly) && comm.readAll().trimmed() == name)
                return pid.toLongLong();
        }
    }
    return 0;
}

// Running or sleeping; false once it has exited (gone, or a zombie no one has reaped yet).
inline bool isAlive(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray text = stat.readAll();
    const qsizetype paren = text.lastIndexOf(')'); // the name may hold spaces and parentheses
    if (paren < 0 || paren + 2 >= text.size())
        return false;
    const char state = text.at(paren + 2);
    return state != 'Z' && state != 'X';
}

inline bool sendSignal(qint64 pid, int signal)
{
    return ::kill(pid_t(pid), signal) == 0;
}

// Kills the process when the test ends, whether it passed or not: a failing test must not leave
// an orphan behind either.
class ProcessReaper
{
public:
    explicit ProcessReaper(qint64 pid)
        : m_pid(pid)
    {
    }
    ~ProcessReaper()
    {
        if (m_pid > 0 && isAlive(m_pid))
            ::kill(pid_t(m_pid), SIGKILL);
    }
    ProcessReaper(const ProcessReaper &) = delete;
    ProcessReaper &operator=(const ProcessReaper &) = delete;

private:
    qint64 m_pid;
};

} // namespace cutover::test
