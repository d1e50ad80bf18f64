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

QString LogStore::EntryView::restartText() const
{
    return isRestart() ? QString::fromUtf8(logstore::field(m_chunk, m_entry, logstore::Field::Message)) : QString();
}

WallTime LogStore::EntryView::restartTime() const
{
    return isRestart() ? WallTime(std::chrono::milliseconds(m_entry.timeMs)) : WallTime {};
}

LogGap LogStore::EntryView::gap() const
{
    return m_entry.gap && !isRestart() ? LogGap {LogId {m_entry.gapFrom}, LogId {m_entry.id}, m_entry.status == 0}
                                       : LogGap {};
}

LogLine LogStore::EntryView::line() const
{
    LogLine line;
    if (m_entry.gap)
        return line;
    const auto text = [&](logstore::Field f) { return QString::fromUtf8(logstore::field(m_chunk, m_entry, f)); };
    line.id = LogId {m_entry.id};
    line.time = WallTime(std::chrono::milliseconds(m_entry.timeMs));
    line.level = m_entry.level;
    line.service = m_internText.at(m_entry.service);
    line.backend = m_internText.at(m_entry.backend);
    line.upstream = m_internText.at(m_entry.upstream);
    line.route = m_internText.at(m_entry.route);
    line.method = m_internText.at(m_entry.method);
    line.path = text(logstore::Field::Path);
    line.status = m_entry.status;
    line.latency = Milliseconds(double(m_entry.latencyMs));
    line.requestId = text(logstore::Field::RequestId);
    line.userId = text(logstore::Field::UserId);
    line.message = text(logstore::Field::Message);
    return line;
}

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

LogStore::EntryView LogStore::Snapshot::at(quint64 seq) const
{
    Q_ASSERT(contains(seq));
    return EntryView::find(m_pieces, [](const Piece &p) { return p.chunk.get(); }, seq, m_internText);
}

bool LogStore::Snapshot::isGap(quint64 seq) const
{
    return at(seq).isGap();
}

bool LogStore::Snapshot::isRestart(quint64 seq) const
{
    return at(seq).isRestart();
}

QString LogStore::Snapshot::restartText(quint64 seq) const
{
    return at(seq).restartText();
}

WallTime LogStore::Snapshot::restartTime(quint64 seq) const
{
    return at(seq).restartTime();
}

LogLine LogStore::Snapshot::line(quint64 seq) const
{
    return at(seq).line();
}

LogGap LogStore::Snapshot::gap(quint64 seq) const
{
    return at(seq).gap();
}

} // namespace cutover
