#pragma once

#include "models/logfilter.h"
#include "models/logstore.h"

#include <QObject>

class QThreadPool;

#include <atomic>
#include <memory>
#include <vector>

namespace cutover {

// One filter run over a LogStore::Snapshot on a thread pool of its own, klogg-style: the worker
// scans [from, to) in steps of kStep entries and hands the matches back in ascending batches
// (about every kBatch entries scanned) through batchReady(), queued to the main thread, each with
// how far it has got; finished() follows the last batch. cancel() (or destroying the LogScan)
// stops it at once for the caller: no signal is emitted after it, and the worker gives up at its
// next step. The snapshot keeps what it scans alive, so the store may append, evict and clear
// meanwhile; a match may have been evicted by the time its batch arrives (the receiver drops
// sequence numbers below the store's firstSeq()). Qt Core only.
class LogScan : public QObject
{
    Q_OBJECT

public:
    static constexpr quint64 kStep = 2048;
    static constexpr quint64 kBatch = 16384;

    // `filter` must be valid (LogStore::validate()).
    LogScan(LogStore::Snapshot snapshot, const LogFilter &filter, quint64 from, quint64 to, QObject *parent = nullptr);
    ~LogScan() override;

    void start();
    void cancel();

    // Where scans run: one thread, at the lowest priority the system gives without privilege
    // (Linux: nice 19), so a scan never competes with the GUI thread for a core.
    static QThreadPool *pool();

    quint64 from() const { return m_from; }
    quint64 to() const { return m_to; }
    // Everything below this has been delivered (from() until the first batch).
    quint64 deliveredTo() const { return m_deliveredTo; }
    bool isFinished() const { return m_finished; }
    // The worker's side, for tests and benchmarks: entries it has scanned, and whether it has
    // returned (a cancelled worker returns within kStep entries).
    quint64 workerScanned() const;
    bool isWorkerDone() const;

Q_SIGNALS:
    void batchReady(const std::vector<quint64> &matches, quint64 scannedTo);
    void finished();

private:
    struct Shared;
    void deliver(std::vector<quint64> matches, quint64 scannedTo, bool last);

    std::shared_ptr<Shared> m_shared;
    quint64 m_from;
    quint64 m_to;
    quint64 m_deliveredTo;
    bool m_finished = false;
};

} // namespace cutover
