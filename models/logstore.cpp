#include "logstore.h"
#include "logstore_p.h"

#include <algorithm>
#include <cstring>

namespace cutover {

namespace {

using logstore::kNoSuchId;
using logstore::kRestartStatus;
constexpr quint16 kOverflowId = 0;             // "…": a value that did not fit the intern table
constexpr qsizetype kMaxInterned = 65535;      // ids 0 … 65534
constexpr std::size_t kBytesPerInternedString = 160; // hash node, two array headers, allocator slack

// Free-text bytes per record the arena is sized for (cutover-sim's lines average ~90).
constexpr std::size_t kArenaPerLine = 112;

std::size_t internCost(const QString &text)
{
    // UTF-16 copy, UTF-8 copy and the hash key (sharing the UTF-16 data) plus fixed overhead.
    return std::size_t(text.size()) * 2 + std::size_t(text.size()) * 3 + kBytesPerInternedString;
}

// Cuts a UTF-8 string to at most `max` bytes without splitting a character.
qsizetype utf8Cut(const char *s, qsizetype size, qsizetype max)
{
    if (size <= max)
        return size;
    qsizetype cut = max;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
        --cut;
    return cut;
}

} // namespace

LogStore::LogStore(std::size_t byteBudget)
    : m_budget(std::max(byteBudget, kMinimumBudget))
{
    static_assert(sizeof(Entry) == 48, "keep records compact");
    // About 32 chunks per budget, so eviction frees ~3 % at a time; 64 … 8192 lines each.
    m_chunkLines = std::clamp<std::size_t>(m_budget / 32 / (sizeof(Entry) + kArenaPerLine), 64, 8192);
    m_chunkArena = m_chunkLines * kArenaPerLine;
    clear();
}

LogStore::~LogStore() = default;

void LogStore::clear()
{
    m_chunks.clear();
    ++m_internGeneration;
    m_firstSeq = m_endSeq;
    m_internText = {QStringLiteral("…")};
    m_internUtf8 = {QByteArray()}; // matches no text search: the real value is unknown
    m_internIds.clear();
    m_internBytes = internCost(m_internText.front());
    m_bytes = m_internBytes;
}

quint16 LogStore::intern(const QString &value)
{
    if (const auto it = m_internIds.constFind(value); it != m_internIds.cend())
        return it.value();
    // A gateway sending unbounded values here is broken; the table must not eat the budget.
    const std::size_t cost = internCost(value);
    const auto full = [&] { return m_internText.size() >= kMaxInterned || m_internBytes + cost > m_budget / 8; };
    if (full() && (!compactInterns() || full())) {
        ++m_internOverflows;
        return kOverflowId;
    }
    const auto id = quint16(m_internText.size());
    m_internText.append(value);
    m_internUtf8.append(value.toUtf8());
    m_internIds.insert(value, id);
    m_internBytes += cost;
    m_bytes += cost;
    enforceBudget(0);
    return id;
}

bool LogStore::compactInterns()
{
    // Worth a full pass only when a good part of the store has turned over since the last one;
    // otherwise most values are still in use and a gateway with endless distinct values would
    // make every append pay for a scan.
    const quint64 turnedOver = m_evicted - m_evictedAtCompaction;
    if (turnedOver == 0 || turnedOver < quint64(size()) / 4)
        return false;
    m_evictedAtCompaction = m_evicted;
    std::vector<quint16> remap(std::size_t(m_internText.size()), kNoSuchId);
    remap[kOverflowId] = kOverflowId;
    for (const auto &chunk : m_chunks) {
        for (std::size_t i = 0; i < chunk->count; ++i) {
            const Entry &e = chunk->entries[i];
            if (!e.gap)
                for (quint16 id : {e.service, e.backend, e.upstream, e.route, e.method})
                    remap[id] = 0; // in use; numbered below
        }
    }
    QList<QString> text {m_internText.front()};
    QList<QByteArray> utf8 {m_internUtf8.front()};
    std::size_t bytes = internCost(text.front());
    m_internIds.clear();
    for (std::size_t id = 1; id < remap.size(); ++id) {
        if (remap[id] == kNoSuchId)
            continue;
        remap[id] = quint16(text.size());
        m_internIds.insert(m_internText.at(qsizetype(id)), remap[id]);
        bytes += internCost(m_internText.at(qsizetype(id)));
        text.append(m_internText.at(qsizetype(id)));
        utf8.append(m_internUtf8.at(qsizetype(id)));
    }
    for (auto &chunk : m_chunks) {
        // A snapshot reads this chunk's ids against the table it copied: renumber a copy.
        if (chunk.use_count() > 1)
            chunk = chunk->clone();
        for (std::size_t i = 0; i < chunk->count; ++i) {
            Entry &e = chunk->entries[i];
            if (e.gap)
                continue;
            for (quint16 *id : {&e.service, &e.backend, &e.upstream, &e.route, &e.method})
                *id = remap[*id];
        }
    }
    m_internText = std::move(text);
    m_internUtf8 = std::move(utf8);
    m_bytes = m_bytes - m_internBytes + bytes;
    m_internBytes = bytes;
    ++m_internCompactions;
    ++m_internGeneration;
    return true;
}

void LogStore::evictOldest()
{
    const Chunk &oldest = *m_chunks.front();
    m_evicted += oldest.count;
    m_firstSeq += oldest.count;
    m_bytes -= oldest.bytes();
    m_chunks.pop_front();
}

void LogStore::enforceBudget(std::size_t incoming)
{
    while (!m_chunks.empty() && m_bytes + incoming > m_budget)
        evictOldest();
}

LogStore::Chunk &LogStore::writableChunk(std::size_t textBytes)
{
    if (!m_chunks.empty()) {
        Chunk &last = *m_chunks.back();
        if (last.count < last.capacity && last.arenaCapacity - last.arenaUsed >= textBytes)
            return last;
    }
    // A line longer than a normal arena gets a chunk of its own size.
    const std::size_t arena = std::max(m_chunkArena, textBytes);
    const std::size_t cost = sizeof(Chunk) + m_chunkLines * sizeof(Entry) + arena;
    enforceBudget(cost);
    m_chunks.push_back(std::make_shared<Chunk>(m_endSeq, m_chunkLines, arena));
    m_bytes += m_chunks.back()->bytes();
    return *m_chunks.back();
}

char *LogStore::encode(char *out, const QString &text, qsizetype maxBytes)
{
    // Every UTF-16 unit is at least one UTF-8 byte: no need to encode more units than maxBytes.
    QStringView view(text);
    if (view.size() > maxBytes) {
        view.truncate(maxBytes);
        if (view.back().isHighSurrogate())
            view.chop(1);
    }
    char *end = m_encoder.appendToBuffer(out, view);
    const qsizetype kept = utf8Cut(out, end - out, maxBytes);
    if (view.size() < text.size() || kept < end - out)
        ++m_truncated;
    return out + kept;
}

bool LogStore::append(const LogLine &line)
{
    if (m_lastId && line.id <= *m_lastId)
        return false;
    Entry e {};
    // Interning first: it may evict, and the chunk chosen below must survive. A compaction
    // renumbers ids (and drops values not yet in any entry), so then intern again.
    const auto internAll = [&] {
        e.service = intern(line.service);
        e.backend = intern(line.backend);
        e.upstream = intern(line.upstream);
        e.route = intern(line.route);
        e.method = intern(line.method);
    };
    const quint64 generation = m_internGeneration;
    internAll();
    if (generation != m_internGeneration)
        internAll();

    const auto units = [](const QString &s, qsizetype max) { return std::size_t(std::min(s.size(), max)); };
    const std::size_t worst = 3 * (units(line.path, kMaxPathBytes) + units(line.requestId, kMaxIdBytes)
                                   + units(line.userId, kMaxIdBytes) + units(line.message, kMaxMessageBytes))
        + 4;
    Chunk &chunk = writableChunk(worst);
    char *const start = chunk.arena.get() + chunk.arenaUsed;
    char *p = start;
    char *fieldStart = p;
    p = encode(p, line.path, kMaxPathBytes);
    e.pathLen = quint16(p - fieldStart);
    *p++ = '\0';
    fieldStart = p;
    p = encode(p, line.requestId, kMaxIdBytes);
    e.requestIdLen = quint8(p - fieldStart);
    *p++ = '\0';
    fieldStart = p;
    p = encode(p, line.userId, kMaxIdBytes);
    e.userIdLen = quint8(p - fieldStart);
    *p++ = '\0';
    fieldStart = p;
    p = encode(p, line.message, kMaxMessageBytes);
    e.messageLen = quint32(p - fieldStart);
    *p++ = '\0';

    e.id = line.id.value;
    e.timeMs = line.time.time_since_epoch().count();
    e.text = quint32(chunk.arenaUsed);
    e.latencyMs = float(line.latency.count());
    e.status = quint16(std::clamp(line.status, 0, 65535));
    e.level = line.level;
    e.gap = false;
    chunk.arenaUsed += std::size_t(p - start);
    chunk.entries[chunk.count++] = e;
    ++m_endSeq;
    m_lastId = line.id;
    return true;
}

qsizetype LogStore::append(const QList<LogLine> &lines)
{
    qsizetype stored = 0;
    for (const LogLine &line : lines)
        stored += append(line) ? 1 : 0;
    return stored;
}

bool LogStore::appendGap(const LogGap &gap)
{
    if (gap.to < gap.from || (m_lastId && gap.to <= *m_lastId))
        return false;
    Entry e {};
    e.id = gap.to.value;
    e.gapFrom = gap.from.value;
    e.status = gap.counted ? 0 : 1;
    e.gap = true;
    e.level = LogLevel::Error;
    Chunk &chunk = writableChunk(4);
    e.text = quint32(chunk.arenaUsed);
    std::memset(chunk.arena.get() + chunk.arenaUsed, 0, 4); // four empty fields
    chunk.arenaUsed += 4;
    chunk.entries[chunk.count++] = e;
    ++m_endSeq;
    m_lastId = gap.to;
    return true;
}

void LogStore::appendRestart(const QString &text, WallTime at)
{
    const qsizetype units = std::min(text.size(), kMaxMessageBytes);
    Chunk &chunk = writableChunk(std::size_t(units) * 3 + 4);
    Entry e {};
    e.timeMs = at.time_since_epoch().count();
    e.status = kRestartStatus;
    e.gap = true;
    e.level = LogLevel::Error;
    e.text = quint32(chunk.arenaUsed);
    char *const start = chunk.arena.get() + chunk.arenaUsed;
    char *p = start;
    for (int i = 0; i < 3; ++i)
        *p++ = '\0'; // no path, request id or user id
    char *const message = p;
    p = encode(p, text, kMaxMessageBytes);
    e.messageLen = quint32(p - message);
    *p++ = '\0';
    chunk.arenaUsed += std::size_t(p - start);
    chunk.entries[chunk.count++] = e;
    m_restartSeq = m_endSeq;
    ++m_endSeq;
    m_lastId.reset(); // the new instance numbers its lines from 1 again
}

LogStore::EntryView LogStore::at(quint64 seq) const
{
    Q_ASSERT(contains(seq));
    return EntryView::find(m_chunks, [](const std::shared_ptr<Chunk> &c) { return c.get(); }, seq, m_internText);
}

bool LogStore::isGap(quint64 seq) const
{
    return at(seq).isGap();
}

bool LogStore::isRestart(quint64 seq) const
{
    return at(seq).isRestart();
}

QString LogStore::restartText(quint64 seq) const
{
    return at(seq).restartText();
}

WallTime LogStore::restartTime(quint64 seq) const
{
    return at(seq).restartTime();
}

LogId LogStore::id(quint64 seq) const
{
    return at(seq).id();
}

LogLevel LogStore::level(quint64 seq) const
{
    return at(seq).level();
}

LogGap LogStore::gap(quint64 seq) const
{
    return at(seq).gap();
}

LogLine LogStore::line(quint64 seq) const
{
    return at(seq).line();
}

} // namespace cutover
