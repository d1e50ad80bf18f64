#include "logscan.h"

#include <QCoreApplication>
#include <QPointer>
#include <QThreadPool>

#ifdef Q_OS_LINUX
#include <sys/resource.h>
#include <unistd.h>
#endif

namespace cutover {

namespace {

Q_GLOBAL_STATIC(QThreadPool, scanPool)

// A scan is background work: whatever else wants the CPU, the GUI thread above all, comes first.
// Qt's thread priorities do nothing under Linux's default policy; a thread's own nice value does.
// Raising it needs no privilege (lowering it again would: the pool is the scans' own).
void lowerThisThreadsPriority()
{
#ifdef Q_OS_LINUX
    setpriority(PRIO_PROCESS, id_t(gettid()), 19);
#endif
}

} // namespace

QThreadPool *LogScan::pool()
{
    QThreadPool *pool = scanPool();
    // One scan at a time: a cancelled one gives its thread up within a step.
    pool->setMaxThreadCount(1);
    return pool;
}

struct LogScan::Shared
{
    LogStore::Snapshot snapshot;
    LogFilter filter;
    std::atomic<bool> cancelled {false};
    std::atomic<quint64> scanned {0};
    std::atomic<bool> done {false};
};

LogScan::LogScan(LogStore::Snapshot snapshot, const LogFilter &filter, quint64 from, quint64 to, QObject *parent)
    : QObject(parent)
    , m_shared(std::make_shared<Shared>())
    , m_from(std::max(from, snapshot.firstSeq()))
    , m_to(std::min(to, snapshot.endSeq()))
    , m_deliveredTo(m_from)
{
    m_to = std::max(m_to, m_from);
    m_shared->snapshot = std::move(snapshot);
    m_shared->filter = filter;
}

LogScan::~LogScan()
{
    cancel();
}

void LogScan::cancel()
{
    m_shared->cancelled = true;
}

quint64 LogScan::workerScanned() const
{
    return m_shared->scanned;
}

bool LogScan::isWorkerDone() const
{
    return m_shared->done;
}

void LogScan::start()
{
    QPointer<LogScan> guard(this);
    pool()->start([guard, shared = m_shared, from = m_from, to = m_to] {
        lowerThisThreadsPriority();
        // Results go back through the application object (it outlives the pool's work) and are
        // dropped there if the scan was cancelled or destroyed meanwhile.
        const auto post = [&](std::vector<quint64> matches, quint64 scannedTo, bool last) {
            if (!QCoreApplication::instance())
                return;
            QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [guard, shared, matches = std::move(matches), scannedTo, last]() mutable {
                    if (guard && !shared->cancelled)
                        guard->deliver(std::move(matches), scannedTo, last);
                },
                Qt::QueuedConnection);
        };
        std::vector<quint64> pending;
        quint64 sincePost = 0;
        quint64 at = from;
        while (at < to) {
            if (shared->cancelled)
                break;
            const quint64 end = std::min(to, at + kStep);
            const LogStore::Query q = shared->snapshot.filter(shared->filter, at, end);
            pending.insert(pending.end(), q.matches.begin(), q.matches.end());
            sincePost += end - at;
            at = end;
            shared->scanned = at - from;
            if (sincePost >= kBatch && at < to) {
                post(std::move(pending), at, false);
                pending = {};
                sincePost = 0;
            }
        }
        if (!shared->cancelled)
            post(std::move(pending), at, true);
        // The chunks go as soon as nobody scans them.
        shared->snapshot = LogStore::Snapshot();
        shared->done = true;
    });
}

void LogScan::deliver(std::vector<quint64> matches, quint64 scannedTo, bool last)
{
    m_deliveredTo = scannedTo;
    Q_EMIT batchReady(matches, scannedTo);
    if (last && !m_shared->cancelled) {
        m_finished = true;
        Q_EMIT finished();
    }
}

} // namespace cutover
