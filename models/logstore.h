#pragma once

#include "client/logline.h"
#include "models/logfilter.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringEncoder>

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

namespace cutover {

// The console's copy of a gateway's log: a ring of structured lines and gap markers bounded by a
// byte budget, oldest evicted first.
//
// Storage is compact and counted honestly: lines live in chunks, each one fixed-size array of
// 48-byte records plus one contiguous UTF-8 arena holding the free-text fields (path, request id,
// user id, message) back to back; service, backend, upstream, route and method are interned as
// 16-bit ids. bytesUsed() adds up the allocated capacity of every chunk and an estimate of the
// intern table; it never exceeds byteBudget().
//
// Entries are addressed by sequence number: 0 for the first entry ever appended, +1 per entry,
// stable while the entry is kept (evicted entries are below firstSeq()). Qt Core only. The store
// itself belongs to one thread; snapshot() hands another thread a read-only view of it.
class LogStore
{
public:
    // Defined in logstore_p.h, for the store's own sources.
    struct Entry;
    struct Chunk;
    struct Compiled;
    class EntryView;
    class Snapshot;

    static constexpr std::size_t kDefaultBudget = 64 * 1024 * 1024;
    static constexpr std::size_t kMinimumBudget = 256 * 1024;
    // Longer fields are cut (at a UTF-8 character boundary) and counted in truncatedFields().
    static constexpr qsizetype kMaxPathBytes = 4096;
    static constexpr qsizetype kMaxIdBytes = 255;
    static constexpr qsizetype kMaxMessageBytes = 64 * 1024;

    explicit LogStore(std::size_t byteBudget = kDefaultBudget);
    ~LogStore();
    LogStore(const LogStore &) = delete;
    LogStore &operator=(const LogStore &) = delete;

    // Ids must increase: a line or gap whose id is not above lastId() is not stored (false),
    // until a restart marker starts them again.
    bool append(const LogLine &line);
    // Returns how many of the lines were stored.
    qsizetype append(const QList<LogLine> &lines);
    // A marker for lines that will never arrive; its id is gap.to.
    bool appendGap(const LogGap &gap);
    // A marker for a gateway restart: every entry before it is from the previous instance, and
    // ids start again after it (lastId() is reset). `text` says what happened; id 0.
    void appendRestart(const QString &text, WallTime at);
    // Forgets every entry (sequence numbers go on from where they were).
    void clear();

    quint64 firstSeq() const { return m_firstSeq; }
    quint64 endSeq() const { return m_endSeq; }
    qsizetype size() const { return qsizetype(m_endSeq - m_firstSeq); }
    bool contains(quint64 seq) const { return seq >= m_firstSeq && seq < m_endSeq; }
    // The id of the newest entry stored since the last restart marker (kept after eviction and clear()).
    std::optional<LogId> lastId() const { return m_lastId; }
    // Entries before this sequence number are from a previous instance of the gateway.
    quint64 restartSeq() const { return m_restartSeq; }

    // Per-entry accessors; `seq` must be contained. A marker is not a line: a gap or a restart.
    bool isGap(quint64 seq) const;
    bool isRestart(quint64 seq) const;
    // The restart marker's text and time; empty for anything else.
    QString restartText(quint64 seq) const;
    WallTime restartTime(quint64 seq) const;
    LogId id(quint64 seq) const;
    LogLevel level(quint64 seq) const;
    // The full line, built on demand (for the rows a view shows). Empty for a gap.
    LogLine line(quint64 seq) const;
    // The gap of a gap marker; {} for a line.
    LogGap gap(quint64 seq) const;

    std::size_t byteBudget() const { return m_budget; }
    std::size_t bytesUsed() const { return m_bytes; }
    // Entries dropped to stay within the budget.
    quint64 evictedEntries() const { return m_evicted; }
    quint64 truncatedFields() const { return m_truncated; }
    // Lines whose service/backend/upstream/route/method value was new after the intern table had
    // reached its limit (and compacting it freed too little); they show "…" for that field.
    quint64 internOverflows() const { return m_internOverflows; }
    // Distinct service/backend/upstream/route/method values held, and how often the table was
    // compacted (values only evicted lines used dropped).
    qsizetype internedValues() const { return m_internText.size() - 1; }
    quint64 internCompactions() const { return m_internCompactions; }

    // Matching entries, ascending, from `fromSeq` on (to extend an earlier result as lines come).
    // The compiled form of the last filter is kept, so calling again with the same filter (the
    // log view does, every frame) costs no recompiling.
    struct Query
    {
        std::vector<quint64> matches;
        QString error; // set (and matches empty) when the filter is invalid
        bool ok() const { return error.isEmpty(); }
    };
    Query filter(const LogFilter &filter, quint64 fromSeq = 0) const;
    // Why the filter cannot be used (an invalid regular expression), or an empty string.
    static QString validate(const LogFilter &filter);

    // The entries held now, frozen, for reading on another thread while this store goes on.
    Snapshot snapshot() const;

private:
    quint16 intern(const QString &value);
    bool compactInterns();
    const Compiled &compiled(const LogFilter &filter) const;
    Chunk &writableChunk(std::size_t textBytes);
    void evictOldest();
    void enforceBudget(std::size_t incoming);
    EntryView at(quint64 seq) const;
    char *encode(char *out, const QString &text, qsizetype maxBytes);

    std::size_t m_budget;
    std::size_t m_bytes = 0;
    std::size_t m_chunkLines;   // records per chunk
    std::size_t m_chunkArena;   // arena bytes per chunk
    // Shared with snapshots: a chunk evicted here lives on until the last snapshot holding it goes.
    std::deque<std::shared_ptr<Chunk>> m_chunks;
    quint64 m_firstSeq = 0;
    quint64 m_endSeq = 0;
    std::optional<LogId> m_lastId;
    quint64 m_restartSeq = 0;
    quint64 m_evicted = 0;
    quint64 m_truncated = 0;
    quint64 m_internOverflows = 0;

    // Intern table: id -> display text and UTF-8 bytes (for searching), text -> id.
    QList<QString> m_internText;
    QList<QByteArray> m_internUtf8;
    QHash<QString, quint16> m_internIds;
    std::size_t m_internBytes = 0;
    quint64 m_internCompactions = 0;
    quint64 m_evictedAtCompaction = 0;
    quint64 m_internGeneration = 0; // changes whenever ids are reassigned

    // The last filter compiled, for the intern generation it was compiled against.
    mutable std::unique_ptr<Compiled> m_compiled;
    QStringEncoder m_encoder {QStringEncoder::Utf8, QStringConverter::Flag::Stateless};
};

// The entries [firstSeq(), endSeq()) of a LogStore as they were when snapshot() was called, and
// the intern table they refer to. It costs a reference per chunk (about 32) and copies nothing:
// the store never rewrites a record a snapshot holds (a compaction copies such a chunk first),
// and keeps appending after the records counted here. Chunks the store evicts stay alive while a
// snapshot holds them, outside the store's bytesUsed(). Any thread may read a snapshot, one at a
// time; the store may be used, appended to, cleared or destroyed meanwhile.
class LogStore::Snapshot
{
public:
    Snapshot();
    ~Snapshot();
    Snapshot(Snapshot &&) noexcept;
    Snapshot &operator=(Snapshot &&) noexcept;

    quint64 firstSeq() const { return m_firstSeq; }
    quint64 endSeq() const { return m_endSeq; }
    qsizetype size() const { return qsizetype(m_endSeq - m_firstSeq); }
    bool contains(quint64 seq) const { return seq >= m_firstSeq && seq < m_endSeq; }

    // As LogStore::filter(), over [fromSeq, toSeq) of the snapshot; the compiled filter is kept
    // for the next call.
    Query filter(const LogFilter &filter, quint64 fromSeq, quint64 toSeq) const;

    // As the LogStore accessors; `seq` must be contained.
    bool isGap(quint64 seq) const;
    bool isRestart(quint64 seq) const;
    QString restartText(quint64 seq) const;
    WallTime restartTime(quint64 seq) const;
    LogLine line(quint64 seq) const;
    LogGap gap(quint64 seq) const;

private:
    friend class LogStore;
    struct Piece
    {
        std::shared_ptr<const Chunk> chunk;
        std::size_t count; // records that existed when the snapshot was taken
    };
    EntryView at(quint64 seq) const;

    std::vector<Piece> m_pieces;
    quint64 m_firstSeq = 0;
    quint64 m_endSeq = 0;
    quint64 m_generation = 0;
    QList<QString> m_internText;
    QHash<QString, quint16> m_internIds;
    mutable std::unique_ptr<Compiled> m_compiled;
};

} // namespace cutover
