// Reading a LogStore's records back: the filter scan, the accessors' conversions, and snapshots
// (the same scan over a frozen set of chunks, for a worker thread).
#include "logstore.h"
#include "logstore_p.h"

namespace cutover {

namespace logstore {

QByteArrayView field(const LogStore::Chunk &chunk, const LogStore::Entry &e, Field which)
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

bool isRestart(const LogStore::Entry &e)
{
    return e.gap && e.status == kRestartStatus;
}

QString restartTextOf(const LogStore::Chunk &chunk, const LogStore::Entry &e)
{
    return isRestart(e) ? QString::fromUtf8(field(chunk, e, Field::Message)) : QString();
}

WallTime restartTimeOf(const LogStore::Entry &e)
{
    return isRestart(e) ? WallTime(std::chrono::milliseconds(e.timeMs)) : WallTime {};
}

LogGap gapOf(const LogStore::Entry &e)
{
    return e.gap && e.status != kRestartStatus ? LogGap {LogId {e.gapFrom}, LogId {e.id}, e.status == 0} : LogGap {};
}

LogLine lineOf(const LogStore::Chunk &chunk, const LogStore::Entry &e, const QList<QString> &internText)
{
    LogLine line;
    if (e.gap)
        return line;
    const auto text = [&](Field f) { return QString::fromUtf8(field(chunk, e, f)); };
    line.id = LogId {e.id};
    line.time = WallTime(std::chrono::milliseconds(e.timeMs));
    line.level = e.level;
    line.service = internText.at(e.service);
    line.backend = internText.at(e.backend);
    line.upstream = internText.at(e.upstream);
    line.route = internText.at(e.route);
    line.method = internText.at(e.method);
    line.path = text(Field::Path);
    line.status = e.status;
    line.latency = Milliseconds(double(e.latencyMs));
    line.requestId = text(Field::RequestId);
    line.userId = text(Field::UserId);
    line.message = text(Field::Message);
    return line;
}

namespace {

QRegularExpression regexFor(const LogFilter &filter)
{
    return QRegularExpression(filter.pattern, filter.patternCase == Qt::CaseInsensitive
                                                  ? QRegularExpression::CaseInsensitiveOption
                                                  : QRegularExpression::NoPatternOption);
}

bool textMatches(const LogStore::Compiled &c, const LogStore::Chunk &chunk, const LogStore::Entry &e)
{
    for (Field f : {Field::Message, Field::Path, Field::RequestId, Field::UserId})
        if (c.decode(field(chunk, e, f)).contains(c.text, c.textCase))
            return true;
    return false;
}

bool patternMatches(const LogStore::Compiled &c, const LogStore::Chunk &chunk, const LogStore::Entry &e)
{
    for (Field f : {Field::Message, Field::Path, Field::RequestId, Field::UserId})
        if (c.pattern.match(c.decode(field(chunk, e, f))).hasMatch())
            return true;
    return false;
}

} // namespace

void filterChunk(const LogStore::Compiled &c, const LogStore::Chunk &chunk, std::size_t from, std::size_t to,
                 std::vector<quint64> &out)
{
    using Compiled = LogStore::Compiled;
    const char *const arena = chunk.arena.get();
    // Only the text of records below `to` is read: the store may be writing after it.
    const char *const arenaEnd = to == 0 ? arena
                                         : arena + chunk.entries[to - 1].text + chunk.entries[to - 1].textBytes();
    const qsizetype needle = c.searcher.size();
    // `hit` is the first arena match at or after `searchedFrom` (nullptr: none in the rest of
    // the range). Lines are scanned in arena order, so one search serves every line up to the hit.
    const char *searchedFrom = nullptr;
    const char *hit = nullptr;
    for (std::size_t i = from; i < to; ++i) {
        const LogStore::Entry &e = chunk.entries[i];
        if (e.gap) {
            if (c.includeGaps)
                out.push_back(chunk.firstSeq + i);
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
        out.push_back(chunk.firstSeq + i);
    }
}

void compile(std::unique_ptr<LogStore::Compiled> &compiled, const LogFilter &filter, quint64 generation,
             const QList<QString> &internText, const QHash<QString, quint16> &internIds)
{
    if (!compiled || compiled->generation != generation || !(compiled->filter == filter)) {
        auto c = std::make_unique<LogStore::Compiled>();
        c->filter = filter;
        c->generation = generation;
        c->error = LogStore::validate(filter);
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
        compiled = std::move(c);
    }
    LogStore::Compiled &c = *compiled;
    // Values interned since: extend the per-id verdicts; a service may exist by now.
    if (c.hasService)
        c.serviceId = internIds.value(c.filter.service, kNoSuchId);
    const std::size_t now = std::size_t(internText.size());
    if (c.hasText) {
        const std::size_t from = std::max<std::size_t>(c.internText.size(), 1);
        c.internText.resize(now);
        for (std::size_t i = from; i < now; ++i)
            c.internText[i] = internText.at(qsizetype(i)).contains(c.text, c.textCase);
    }
    if (c.hasPattern) {
        const std::size_t from = std::max<std::size_t>(c.internPattern.size(), 1);
        c.internPattern.resize(now);
        for (std::size_t i = from; i < now; ++i)
            c.internPattern[i] = c.pattern.match(internText.at(qsizetype(i))).hasMatch();
    }
}

} // namespace logstore

QString LogStore::validate(const LogFilter &filter)
{
    if (filter.pattern.isEmpty())
        return {};
    const QRegularExpression re = logstore::regexFor(filter);
    if (re.isValid())
        return {};
    return QStringLiteral("invalid regular expression at offset %1: %2").arg(re.patternErrorOffset()).arg(re.errorString());
}

const LogStore::Compiled &LogStore::compiled(const LogFilter &filter) const
{
    logstore::compile(m_compiled, filter, m_internGeneration, m_internText, m_internIds);
    return *m_compiled;
}

LogStore::Query LogStore::filter(const LogFilter &filter, quint64 fromSeq) const
{
    Query out;
    const Compiled &c = compiled(filter);
    if (!c.error.isEmpty()) {
        out.error = c.error;
        return out;
    }
    const auto view = [](const std::shared_ptr<Chunk> &chunk) { return std::pair {chunk.get(), chunk->count}; };
    logstore::filterRange(c, m_chunks, view, std::max(fromSeq, m_firstSeq), m_endSeq, out.matches);
    return out;
}

LogStore::Snapshot LogStore::snapshot() const
{
    Snapshot s;
    s.m_pieces.reserve(m_chunks.size());
    for (const auto &chunk : m_chunks)
        s.m_pieces.push_back({chunk, chunk->count});
    s.m_firstSeq = m_firstSeq;
    s.m_endSeq = m_endSeq;
    s.m_generation = m_internGeneration;
    s.m_internText = m_internText;
    s.m_internIds = m_internIds;
    return s;
}

LogStore::Snapshot::Snapshot() = default;
LogStore::Snapshot::~Snapshot() = default;
LogStore::Snapshot::Snapshot(Snapshot &&) noexcept = default;
LogStore::Snapshot &LogStore::Snapshot::operator=(Snapshot &&) noexcept = default;

LogStore::Query LogStore::Snapshot::filter(const LogFilter &filter, quint64 fromSeq, quint64 toSeq) const
{
    Query out;
    logstore::compile(m_compiled, filter, m_generation, m_internText, m_internIds);
    if (!m_compiled->error.isEmpty()) {
        out.error = m_compiled->error;
        return out;
    }
    const auto view = [](const Piece &piece) { return std::pair {piece.chunk.get(), piece.count}; };
    logstore::filterRange(*m_compiled, m_pieces, view, std::max(fromSeq, m_firstSeq), std::min(toSeq, m_endSeq),
                          out.matches);
    return out;
}

std::pair<const LogStore::Chunk *, const LogStore::Entry *> LogStore::Snapshot::locate(quint64 seq) const
{
    Q_ASSERT(contains(seq));
    const auto it = std::upper_bound(m_pieces.begin(), m_pieces.end(), seq,
                                     [](quint64 s, const Piece &p) { return s < p.chunk->firstSeq; });
    const Chunk *chunk = std::prev(it)->chunk.get();
    return {chunk, &chunk->entries[std::size_t(seq - chunk->firstSeq)]};
}

bool LogStore::Snapshot::isGap(quint64 seq) const
{
    return locate(seq).second->gap;
}

bool LogStore::Snapshot::isRestart(quint64 seq) const
{
    return logstore::isRestart(*locate(seq).second);
}

QString LogStore::Snapshot::restartText(quint64 seq) const
{
    const auto [chunk, e] = locate(seq);
    return logstore::restartTextOf(*chunk, *e);
}

WallTime LogStore::Snapshot::restartTime(quint64 seq) const
{
    return logstore::restartTimeOf(*locate(seq).second);
}

LogLine LogStore::Snapshot::line(quint64 seq) const
{
    const auto [chunk, e] = locate(seq);
    return logstore::lineOf(*chunk, *e, m_internText);
}

LogGap LogStore::Snapshot::gap(quint64 seq) const
{
    return logstore::gapOf(*locate(seq).second);
}

} // namespace cutover
