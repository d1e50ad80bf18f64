#pragma once

#include "models/logstore.h"

#include <QObject>
#include <QString>

#include <memory>
#include <vector>

namespace cutover {

// Writes log entries to a file, one per line as the log view copies them
// (LogTableModel::rowText: tab-separated, the full time and message), on the thread pool: the
// entries are read from a snapshot of the store taken at start(), so the file holds what was
// shown then, however the store moves on, and the calling thread only collects the sequence
// numbers. progress() reports as it goes and finished() once, both on the main thread. Qt Core
// only; `cutoverctl logs` prints another format and does not use it.
class LogExport : public QObject
{
    Q_OBJECT

public:
    explicit LogExport(QObject *parent = nullptr);
    ~LogExport() override;

    // Starts writing the entries `seqs` (ascending or not, in the order given) of `store` to
    // `path`. False (nothing started) while an export is running.
    bool start(const LogStore &store, std::vector<quint64> seqs, const QString &path);
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    // Percent of the entries formatted.
    void progress(int percent);
    // `message` says how many lines went where, or why the file could not be written.
    void finished(bool ok, const QString &message);

private:
    struct Result;
    void done(const Result &result);

    bool m_running = false;
    QString m_path;
};

} // namespace cutover
