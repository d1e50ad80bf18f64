#pragma once

// LogStore's records, chunks and compiled filters, shared by the store (logstore.cpp) and the
// filter scan over the store or a snapshot of it (logstorefilter.cpp). Not a public header.

#include "models/bytesearcher.h"
#include "models/logstore.h"

#include <QRegularExpression>
#include <QStringDecoder>

#include <algorithm>
#include <memory>
#include <vector>

namespace cutover {

// One record; gaps reuse `id` for gap.to, the time slot for gap.from and `status` for "not
// counted" (1). A restart marker is a gap record with `status` kRestartStatus, its time, and
// its text as the message.
struct LogStore::Entry
{
    quint64 id;
    union {
        qint64 timeMs;
        quint64 gapFrom;
    };
    quint32 text;        // arena offset: path \0 request id \0 user id \0 message \0
    quint32 messageLen;
    float latencyMs;
    quint16 status;
    quint16 pathLen;
    quint16 service, backend, upstream, route, method;
    quint8 requestIdLen;
    quint8 userIdLen;
    LogLevel level;
    bool gap;

    quint32 textBytes() const { return quint32(pathLen) + requestIdLen + userIdLen + messageLen + 4; }
};

// Records [0, count) and the arena below arenaUsed are written once and then only read, except
// by an intern compaction, which copies a chunk that a snapshot still holds before renumbering
// it. So a snapshot may read the records it counted while the store appends after them.
struct LogStore::Chunk
{
    Chunk(quint64 first, std::size_t lines, std::size_t arenaBytes)
        : Chunk(first, lines, std::shared_ptr<char[]>(new char[arenaBytes]), arenaBytes)
    {
    }

    Chunk(quint64 first, std::size_t lines, std::shared_ptr<char[]> sharedArena, std::size_t arenaBytes)
        : firstSeq(first)
        , entries(new Entry[lines])
        , arena(std::move(sharedArena))
        , capacity(lines)
        , arenaCapacity(arenaBytes)
    {
    }

    // A copy of the records sharing the (never rewritten) arena, for a compaction.
    std::shared_ptr<Chunk> clone() const
    {
        auto copy = std::make_shared<Chunk>(firstSeq, capacity, arena, arenaCapacity);
        std::copy(entries.get(), entries.get() + count, copy->entries.get());
        copy->count = count;
        copy->arenaUsed = arenaUsed;
        return copy;
    }

    // Everything this chunk allocated, by capacity, not by use.
    std::size_t bytes() const { return sizeof(Chunk) + capacity * sizeof(Entry) + arenaCapacity; }

    quint64 firstSeq;
    std::unique_ptr<Entry[]> entries;
    std::shared_ptr<char[]> arena;
    std::size_t count = 0;
    std::size_t capacity;
    std::size_t arenaUsed = 0;
    std::size_t arenaCapacity;
};

// A filter turned into what the scan needs: ids instead of names, bytes instead of text.
struct LogStore::Compiled
{
    LogFilter filter;           // what this was compiled from
    quint64 generation = 0;     // the intern ids it knows
    QString error;              // the filter is unusable (a bad regular expression)
    std::optional<LogLevel> minLevel;
    bool includeGaps = true;
    bool hasService = false;
    quint16 serviceId = 0;
    bool hasRequestId = false;
    QByteArray requestId;
    bool hasText = false;
    bool fastText = false; // byte search in the arena; else decode and compare as text
    ByteSearcher searcher;
    QString text;
    Qt::CaseSensitivity textCase = Qt::CaseInsensitive;
    std::vector<char> internText; // per interned id: does it match the text criterion
    bool hasPattern = false;
    QRegularExpression pattern;
    std::vector<char> internPattern;
    mutable QString scratch;
    mutable QStringDecoder decoder {QStringDecoder::Utf8, QStringConverter::Flag::Stateless};

    // UTF-8 to UTF-16 into a reused buffer: no allocation per line.
    QStringView decode(QByteArrayView bytes) const
    {
        if (scratch.size() < bytes.size())
            scratch.resize(bytes.size());
        const QChar *end = decoder.appendToBuffer(scratch.data(), bytes);
        return QStringView(scratch.constData(), end - scratch.constData());
    }

    static bool anyInterned(const std::vector<char> &hits, const Entry &e)
    {
        return hits[e.service] | hits[e.backend] | hits[e.upstream] | hits[e.route] | hits[e.method];
    }
};

namespace logstore {

constexpr quint16 kRestartStatus = 2;
constexpr quint16 kNoSuchId = 0xFFFF; // never assigned: a filter value nothing has

enum class Field { Path, RequestId, UserId, Message };

QByteArrayView field(const LogStore::Chunk &chunk, const LogStore::Entry &e, Field which);

// (Re)compiles `compiled` for `filter` against an intern table (ids -> text, text -> ids) of
// `generation`, and extends its per-id verdicts to values interned since.
void compile(std::unique_ptr<LogStore::Compiled> &compiled, const LogFilter &filter, quint64 generation,
             const QList<QString> &internText, const QHash<QString, quint16> &internIds);

// Appends the matching sequence numbers among records [from, to) of `chunk`.
void filterChunk(const LogStore::Compiled &c, const LogStore::Chunk &chunk, std::size_t from, std::size_t to,
                 std::vector<quint64> &out);

// The matches in [from, to) over chunks ordered by firstSeq; `view(element)` gives an element's
// chunk and how many of its records count.
template<typename Chunks, typename View>
void filterRange(const LogStore::Compiled &c, const Chunks &chunks, View view, quint64 from, quint64 to,
                 std::vector<quint64> &out)
{
    auto it = std::upper_bound(chunks.begin(), chunks.end(), from,
                               [&](quint64 s, const auto &element) { return s < view(element).first->firstSeq; });
    if (it != chunks.begin())
        --it;
    for (; it != chunks.end(); ++it) {
        const auto [chunk, count] = view(*it);
        if (chunk->firstSeq >= to)
            break;
        const std::size_t begin = from > chunk->firstSeq ? std::size_t(from - chunk->firstSeq) : 0;
        const std::size_t end = std::min<std::size_t>(count, std::size_t(to - chunk->firstSeq));
        if (begin < end)
            filterChunk(c, *chunk, begin, end, out);
    }
}

} // namespace logstore

// One entry as the per-entry accessors read it. The store and its snapshots both answer through
// this view of their chunks, so what a record means is written once. `internText` is the table
// the entry's ids refer to. Valid while the chunk and the table are.
class LogStore::EntryView
{
public:
    EntryView(const Chunk &chunk, const Entry &entry, const QList<QString> &internText)
        : m_chunk(chunk)
        , m_entry(entry)
        , m_internText(internText)
    {
    }

    // Entry `seq`, which must be there, among chunks ordered by firstSeq; `chunkOf(element)`
    // gives an element's chunk.
    template<typename Chunks, typename ChunkOf>
    static EntryView find(const Chunks &chunks, ChunkOf chunkOf, quint64 seq, const QList<QString> &internText)
    {
        // Chunks are few (about 32 per budget); the last one is where views look most.
        const Chunk *chunk = chunkOf(chunks.back());
        if (seq < chunk->firstSeq) {
            const auto it = std::upper_bound(chunks.begin(), chunks.end(), seq,
                                             [&](quint64 s, const auto &element) { return s < chunkOf(element)->firstSeq; });
            chunk = chunkOf(*std::prev(it));
        }
        return EntryView(*chunk, chunk->entries[std::size_t(seq - chunk->firstSeq)], internText);
    }

    // A marker is not a line: a gap or a restart.
    bool isGap() const { return m_entry.gap; }
    bool isRestart() const { return m_entry.gap && m_entry.status == logstore::kRestartStatus; }
    // The restart marker's text and time; empty for anything else.
    QString restartText() const;
    WallTime restartTime() const;
    LogId id() const { return LogId {m_entry.id}; }
    LogLevel level() const { return m_entry.level; }
    // The full line; empty for a marker.
    LogLine line() const;
    // The gap of a gap marker; {} for anything else.
    LogGap gap() const;

private:
    const Chunk &m_chunk;
    const Entry &m_entry;
    const QList<QString> &m_internText;
};

} // namespace cutover
