#pragma once

// Cutover's own audit journal for a HAProxy: HAProxy records nothing about who changed a map or a
// weight, and forgets runtime changes on reload. One JSON object per line (JSON Lines), with the
// fields of the contract's audit entries (docs/admin-api.md §7.1), plus an optional "haproxy"
// member holding what Cutover needs later (the routes map before a rollback).

#include "client/apierror.h"
#include "client/domain.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

namespace cutover::haproxy {

struct JournalEntry
{
    AuditEntry audit;
    QByteArray extra; // JSON text of the "haproxy" member; empty when absent
};

// The emergency rollback as the journal knows it.
struct RollbackRecord
{
    qint64 entryId = 0;          // the rollback.engage / rollback.release entry
    bool engaged = false;
    QDateTime at;
    QString by;
    QString reason;
    QList<RollbackSnapshotEntry> snapshot; // route percentages before the engage
    QString mapFile;                       // the routes map as it was before the engage
    QList<QPair<QString, QString>> mapEntries;
    QDateTime releasedAt;                  // of the latest release before (or at) this entry
    QString releasedBy;
};

// The journal as this Cutover last read it, on the thread that owns it. Reading and appending
// the file happen on the thread pool, one operation at a time and in the order asked; each
// hands its result back to the owner's thread. Nothing here waits on the file.
class AuditJournal
{
public:
    // AppDataLocation/haproxy-audit/<key>.jsonl
    static QString defaultPath(const QString &fileKey);

    explicit AuditJournal(QString path);
    ~AuditJournal();

    const QString &path() const { return m_path; }
    // Reads what was appended since the last read (by this or another Cutover), then calls
    // `done` with an error if the file could not be read (a missing file is an empty journal).
    // Refreshes asked for while one waits to start share its read.
    void refresh(std::function<void(std::optional<QString> error)> done);
    // Appends one entry under a lock file (waiting up to 5 s for another Cutover's write), with
    // the next id and the current time, both set in the entry `done` gets. `finalize`, if given,
    // completes the entry once both are known; it runs on the thread pool, so it must only use
    // what it captured by value.
    void append(JournalEntry entry, std::function<void(JournalEntry &)> finalize,
                std::function<void(Result<JournalEntry>)> done);

    const QList<JournalEntry> &entries() const { return m_entries; }
    qint64 latestId() const { return m_entries.isEmpty() ? 0 : m_entries.last().audit.id; }
    // Lines that were not valid entries (kept in the file, skipped here).
    int skippedLines() const { return m_skipped; }

    AuditPage page(qint64 afterId, int limit) const;
    const JournalEntry *findByIdempotencyKey(const QString &key) const;
    const JournalEntry *latestFor(const QString &target) const;
    std::optional<RollbackRecord> latestRollback() const;
    static RollbackRecord rollbackFrom(const JournalEntry &entry);
    // The description of a flag as last set through Cutover.
    QString flagDescription(const QString &flag) const;
    // Id of the latest entry that changed HAProxy, and of the latest "maps.persist".
    qint64 latestChangeId() const;
    qint64 latestPersistId() const;

    // JSON helpers for the entries' before/after members.
    static QByteArray routeJson(const Route &route);
    static QByteArray flagJson(const Flag &flag);
    static QByteArray percentsJson(const QList<RollbackSnapshotEntry> &percents, std::optional<bool> keepMonolith = {});
    static QByteArray rollbackExtra(const QString &mapFile, const QList<QPair<QString, QString>> &entries);
    static QByteArray rollbackStateJson(const RollbackState &state);

    // What one read of the file found past an offset (made on the thread pool).
    struct Tail
    {
        qint64 from = 0;          // where the read started (0 after a truncation)
        qint64 to = 0;            // just past the last complete line
        bool restarted = false;   // the file was shorter than the offset: read again from the start
        QList<JournalEntry> entries;
        int unreadable = 0;
        std::optional<QString> error;
    };

private:
    struct Operation;
    void runNext();
    void apply(const Tail &tail);

    QString m_path;
    QList<JournalEntry> m_entries;
    qint64 m_readOffset = 0;
    int m_skipped = 0;
    QList<std::shared_ptr<Operation>> m_queue; // the first one is under way
    std::unique_ptr<QObject> m_context;        // drops the results of a journal that is gone
};

} // namespace cutover::haproxy
