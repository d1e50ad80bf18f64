#include "logstore.h"

#include "models/bytesearcher.h"

#include <QRegularExpression>
#include <QStringDecoder>

#include <algorithm>
#include <cstring>

namespace cutover {

namespace {

constexpr quint16 kRestartStatus = 2;
constexpr quint16 kOverflowId = 0;             // "…": a value that did not fit the intern table
constexpr qsizetype kMaxInterned = 65535;      // ids 0 … 65534
constexpr quint16 kNoSuchId = 0xFFFF;          // never assigned: a filter value nothing has
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

struct LogStore::Chunk
{
    Chunk(quint64 first, std::size_t lines, std::size_t arenaBytes)
        : firstSeq(first)
        , entries(new Entry[lines])
        , arena(new char[arenaBytes])
        , capacity(lines)
        , arenaCapacity(arenaBytes)
    {
    }

    // Everything this chunk allocated, by capacity, not by use.
    std::size_t bytes() const { return sizeof(Chunk) + capacity * sizeof(Entry) + arenaCapacity; }

    quint64 firstSeq;
    std::unique_ptr<Entry[]> entries;
    std::unique_ptr<char[]> arena;
    std::size_t count = 0;
    std::size_t capacity;
    std::size_t arenaUsed = 0;
    std::size_t arenaCapacity;
};

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
    for (const auto &chunk : m_chunks) {
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
    m_chunks.push_back(std::make_unique<Chunk>(m_endSeq, m_chunkLines, arena));
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

void LogStore::appendRestart(const QString &text, LogTime at)
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

std::pair<const LogStore::Chunk *, std::size_t> LogStore::locate(quint64 seq) const
{
    Q_ASSERT(contains(seq));
    // Chunks are few (about 32 per budget); the last one is where views look most.
    if (seq >= m_chunks.back()->firstSeq)
        return {m_chunks.back().get(), std::size_t(seq - m_chunks.back()->firstSeq)};
    const auto it = std::upper_bound(m_chunks.begin(), m_chunks.end(), seq,
                                     [](quint64 s, const std::unique_ptr<Chunk> &c) { return s < c->firstSeq; });
    const Chunk *chunk = std::prev(it)->get();
    return {chunk, std::size_t(seq - chunk->firstSeq)};
}

const LogStore::Entry &LogStore::entry(quint64 seq) const
{
    const auto [chunk, index] = locate(seq);
    return chunk->entries[index];
}

QByteArrayView LogStore::field(const Chunk &chunk, const Entry &e, Field which)
{
    const char *p = chunk.arena.get() + e.text;
    switch (which) {
    case Field::Path: return {p, e.pathLen};
    case Field::RequestId: return {p + e.pathLen + 1, e.requestIdLen};
    case Field::UserId: return {p + e.pathLen + e.requestIdLen + 2, e.userIdLen};
    case Field::Message: return {p + e.pathLen + e.requestIdLen + e.userIdLen + 3, qsizetype(e.messageLen)};
    }
    return {};
}

bool LogStore::isGap(quint64 seq) const
{
    return entry(seq).gap;
}

bool LogStore::isRestart(quint64 seq) const
{
    const Entry &e = entry(seq);
    return e.gap && e.status == kRestartStatus;
}

QString LogStore::restartText(quint64 seq) const
{
    const auto [chunk, index] = locate(seq);
    const Entry &e = chunk->entries[index];
    if (!e.gap || e.status != kRestartStatus)
        return {};
    return QString::fromUtf8(field(*chunk, e, Field::Message));
}

LogTime LogStore::restartTime(quint64 seq) const
{
    const Entry &e = entry(seq);
    return e.gap && e.status == kRestartStatus ? LogTime(std::chrono::milliseconds(e.timeMs)) : LogTime {};
}

LogId LogStore::id(quint64 seq) const
{
    return LogId {entry(seq).id};
}

LogLevel LogStore::level(quint64 seq) const
{
    return entry(seq).level;
}

LogGap LogStore::gap(quint64 seq) const
{
    const Entry &e = entry(seq);
    return e.gap && e.status != kRestartStatus ? LogGap {LogId {e.gapFrom}, LogId {e.id}, e.status == 0} : LogGap {};
}

LogLine LogStore::line(quint64 seq) const
{
    const auto located = locate(seq);
    const Chunk *chunk = located.first;
    const Entry &e = chunk->entries[located.second];
    LogLine line;
    if (e.gap)
        return line;
    const auto text = [&](Field f) { return QString::fromUtf8(field(*chunk, e, f)); };
    line.id = LogId {e.id};
    line.time = LogTime(std::chrono::milliseconds(e.timeMs));
    line.level = e.level;
    line.service = m_internText.at(e.service);
    line.backend = m_internText.at(e.backend);
    line.upstream = m_internText.at(e.upstream);
    line.route = m_internText.at(e.route);
    line.method = m_internText.at(e.method);
    line.path = text(Field::Path);
    line.status = e.status;
    line.latency = Milliseconds(double(e.latencyMs));
    line.requestId = text(Field::RequestId);
    line.userId = text(Field::UserId);
    line.message = text(Field::Message);
    return line;
}

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

namespace {

QRegularExpression regexFor(const LogFilter &filter)
{
    QRegularExpression re(filter.pattern, filter.patternCase == Qt::CaseInsensitive
                                              ? QRegularExpression::CaseInsensitiveOption
                                              : QRegularExpression::NoPatternOption);
    return re;
}

} // namespace

QString LogStore::validate(const LogFilter &filter)
{
    if (filter.pattern.isEmpty())
        return {};
    const QRegularExpression re = regexFor(filter);
    if (re.isValid())
        return {};
    return QStringLiteral("invalid regular expression at offset %1: %2").arg(re.patternErrorOffset()).arg(re.errorString());
}

bool LogStore::textMatches(const Compiled &c, const Chunk &chunk, const Entry &e) const
{
    for (Field f : {Field::Message, Field::Path, Field::RequestId, Field::UserId})
        if (c.decode(field(chunk, e, f)).contains(c.text, c.textCase))
            return true;
    return false;
}

bool LogStore::patternMatches(const Compiled &c, const Chunk &chunk, const Entry &e) const
{
    for (Field f : {Field::Message, Field::Path, Field::RequestId, Field::UserId})
        if (c.pattern.match(c.decode(field(chunk, e, f))).hasMatch())
            return true;
    return false;
}

void LogStore::filterChunk(const Compiled &c, const Chunk &chunk, std::size_t from, Query &out) const
{
    const char *const arena = chunk.arena.get();
    const char *const arenaEnd = arena + chunk.arenaUsed;
    const qsizetype needle = c.searcher.size();
    // `hit` is the first arena match at or after `searchedFrom` (nullptr: none in the chunk's
    // rest). Lines are scanned in arena order, so one search serves every line up to the hit.
    const char *searchedFrom = nullptr;
    const char *hit = nullptr;
    for (std::size_t i = from; i < chunk.count; ++i) {
        const Entry &e = chunk.entries[i];
        if (e.gap) {
            if (c.includeGaps)
                out.matches.push_back(chunk.firstSeq + i);
            continue;
        }
        if (c.minLevel && e.level < *c.minLevel)
            continue;
        if (c.hasService && e.service != c.serviceId)
            continue;
        if (c.hasRequestId && field(chunk, e, Field::RequestId) != QByteArrayView(c.requestId))
            continue;
        if (c.hasText && !Compiled::anyInterned(c.internText, e)) {
            if (c.fastText) {
                const char *start = arena + e.text;
                if (!searchedFrom || (hit && hit < start)) {
                    hit = c.searcher.find(start, arenaEnd);
                    searchedFrom = start;
                }
                // Fields are NUL-separated and the needle has no NUL: a match never spans two.
                if (!hit || hit + needle > start + e.textBytes())
                    continue;
            } else if (!textMatches(c, chunk, e)) {
                continue;
            }
        }
        if (c.hasPattern && !Compiled::anyInterned(c.internPattern, e) && !patternMatches(c, chunk, e))
            continue;
        out.matches.push_back(chunk.firstSeq + i);
    }
}

const LogStore::Compiled &LogStore::compiled(const LogFilter &filter) const
{
    if (!m_compiled || m_compiled->generation != m_internGeneration || !(m_compiled->filter == filter)) {
        auto c = std::make_unique<Compiled>();
        c->filter = filter;
        c->generation = m_internGeneration;
        c->error = validate(filter);
        c->minLevel = filter.minLevel;
        c->includeGaps = filter.includeGaps;
        c->hasService = !filter.service.isEmpty();
        if (!filter.requestId.isEmpty()) {
            c->hasRequestId = true;
            c->requestId = filter.requestId.toUtf8();
        }
        if (!filter.text.isEmpty()) {
            c->hasText = true;
            c->text = filter.text;
            c->textCase = filter.textCase;
            const QByteArray needle = filter.text.toUtf8();
            // Exact bytes are exact text; ASCII folding is Unicode folding only for an ASCII needle.
            c->fastText = !needle.contains('\0') && (filter.textCase == Qt::CaseSensitive || ByteSearcher::isAscii(needle));
            c->searcher = ByteSearcher(needle, filter.textCase);
        }
        if (!filter.pattern.isEmpty() && c->error.isEmpty()) {
            c->hasPattern = true;
            c->pattern = regexFor(filter);
            c->pattern.optimize();
        }
        m_compiled = std::move(c);
    }
    Compiled &c = *m_compiled;
    // Values interned since: extend the per-id verdicts; a service may exist by now.
    if (c.hasService)
        c.serviceId = m_internIds.value(c.filter.service, kNoSuchId);
    const std::size_t known = c.hasText ? c.internText.size() : c.internPattern.size();
    const std::size_t now = std::size_t(m_internText.size());
    if (c.hasText) {
        c.internText.resize(now);
        for (std::size_t i = std::max<std::size_t>(known, 1); i < now; ++i)
            c.internText[i] = m_internText.at(qsizetype(i)).contains(c.text, c.textCase);
    }
    if (c.hasPattern) {
        const std::size_t from = std::max<std::size_t>(c.internPattern.size(), 1);
        c.internPattern.resize(now);
        for (std::size_t i = from; i < now; ++i)
            c.internPattern[i] = c.pattern.match(m_internText.at(qsizetype(i))).hasMatch();
    }
    return c;
}

LogStore::Query LogStore::filter(const LogFilter &filter, quint64 fromSeq) const
{
    Query out;
    const Compiled &c = compiled(filter);
    if (!c.error.isEmpty()) {
        out.error = c.error;
        return out;
    }
    fromSeq = std::max(fromSeq, m_firstSeq);
    if (fromSeq >= m_endSeq)
        return out;
    auto [first, index] = locate(fromSeq);
    bool started = false;
    for (const auto &chunk : m_chunks) {
        if (chunk.get() == first)
            started = true;
        if (!started)
            continue;
        filterChunk(c, *chunk, chunk.get() == first ? index : 0, out);
    }
    return out;
}

} // namespace cutover
