#include "logtablemodel.h"
#include "client/displaytext.h"

#include "models/logscan.h"
#include "models/logstore.h"

#include <QDateTime>
#include <QLocale>
#include <QTime>

#include <algorithm>

namespace cutover {

namespace {

constexpr qint64 kMsPerDay = 24 * 60 * 60 * 1000;

QString levelName(LogLevel level)
{
    switch (level) {
    case LogLevel::Debug: return QStringLiteral("DEBUG");
    case LogLevel::Info: return QStringLiteral("INFO");
    case LogLevel::Warn: return QStringLiteral("WARN");
    case LogLevel::Error: return QStringLiteral("ERROR");
    }
    return {};
}

qint64 msSinceEpoch(const LogLine &line)
{
    return line.time.time_since_epoch().count();
}

// A cell is one line high: control characters become spaces (same length, so match ranges
// computed on the shown text stay right).
QString singleLine(QString text)
{
    for (QChar &c : text)
        if (c == u'\n' || c == u'\r' || c == u'\t')
            c = u' ';
    return text;
}

// Copy and export keep the whole text on one line: escapes instead of line breaks and tabs.
QString escaped(const QString &text)
{
    if (!text.contains(u'\n') && !text.contains(u'\r') && !text.contains(u'\t') && !text.contains(u'\\'))
        return text;
    QString out;
    out.reserve(text.size() + 8);
    for (QChar c : text) {
        if (c == u'\n')
            out += QLatin1String("\\n");
        else if (c == u'\r')
            out += QLatin1String("\\r");
        else if (c == u'\t')
            out += QLatin1String("\\t");
        else if (c == u'\\')
            out += QLatin1String("\\\\");
        else
            out += c;
    }
    return out;
}

bool searchable(int column)
{
    switch (column) {
    case LogTableModel::ServiceColumn:
    case LogTableModel::BackendColumn:
    case LogTableModel::MethodColumn:
    case LogTableModel::PathColumn:
    case LogTableModel::RequestIdColumn:
    case LogTableModel::MessageColumn: return true;
    default: return false;
    }
}

} // namespace

LogTableModel::LogTableModel(LogStore *store, QObject *parent)
    : QAbstractTableModel(parent)
    , m_store(store)
    , m_first(store->firstSeq())
    , m_end(store->endSeq())
{
    m_scanFlush.setSingleShot(true);
    connect(&m_scanFlush, &QTimer::timeout, this, &LogTableModel::flushScan);
}

LogTableModel::~LogTableModel() = default; // a running scan, a child, is cancelled as it goes

int LogTableModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid())
        return 0;
    return identity() ? int(m_end - m_first) : int(m_rows.size());
}

int LogTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

quint64 LogTableModel::seqAt(int row) const
{
    return identity() ? m_first + quint64(row) : m_rows[std::size_t(row)];
}

int LogTableModel::rowForSeq(quint64 seq) const
{
    if (identity())
        return int(std::clamp(seq, m_first, m_end) - m_first);
    return int(std::lower_bound(m_rows.begin(), m_rows.end(), seq) - m_rows.begin());
}

const LogLine &LogTableModel::cachedLine(quint64 seq) const
{
    if (m_cachedSeq != seq) {
        m_cachedLine = m_store->line(seq);
        m_cachedSeq = seq;
    }
    return m_cachedLine;
}

QString LogTableModel::gapText(quint64 missed, quint64 fromId, quint64 toId)
{
    const QLocale locale;
    if (missed == 0)
        return tr("⋯ lines may be missing here — the log source reconnected and cannot tell how many it lost");
    return tr("⋯ %1 lines missed (ids %2–%3) — the gateway's buffer moved on")
        .arg(locale.toString(missed), QString::number(fromId), QString::number(toId));
}

QString LogTableModel::cellText(const LogLine &line, int column)
{
    switch (Column(column)) {
    case TimeColumn: {
        const qint64 ms = ((msSinceEpoch(line) % kMsPerDay) + kMsPerDay) % kMsPerDay;
        return QTime::fromMSecsSinceStartOfDay(int(ms)).toString(QStringLiteral("HH:mm:ss.zzz"));
    }
    case LevelColumn: return levelName(line.level);
    case ServiceColumn: return line.service;
    case BackendColumn: return line.backend;
    case MethodColumn: return line.method;
    case PathColumn: return singleLine(line.path);
    case StatusColumn: return line.status ? QString::number(line.status) : QString();
    case LatencyColumn: return QString::number(line.latency.count(), 'f', 1) + QLatin1String(" ms");
    case RequestIdColumn: return line.requestId;
    case MessageColumn: return singleLine(line.message);
    case ColumnCount: break;
    }
    return {};
}

MatchRanges LogTableModel::matchRanges(const QString &text) const
{
    MatchRanges out;
    if (!m_filter.text.isEmpty()) {
        const qsizetype n = m_filter.text.size();
        for (qsizetype at = text.indexOf(m_filter.text, 0, m_filter.textCase); at >= 0;
             at = text.indexOf(m_filter.text, at + n, m_filter.textCase))
            out.append({int(at), int(n)});
    }
    if (!m_filter.pattern.isEmpty() && m_highlight.isValid()) {
        auto it = m_highlight.globalMatch(text);
        while (it.hasNext()) {
            const QRegularExpressionMatch m = it.next();
            if (m.capturedLength() > 0)
                out.append({int(m.capturedStart()), int(m.capturedLength())});
        }
    }
    return out;
}

QVariant LogTableModel::data(const QModelIndex &index, int role) const
{
    // Gateway text never steers the display: control and bidi characters are shown as escapes.
    if (role != MatchRangesRole)
        return inertForDisplay(exactData(index, role), role);
    return QVariant::fromValue(shownMatchRanges(index));
}

MatchRanges LogTableModel::shownMatchRanges(const QModelIndex &index) const
{
    if (m_filter.text.isEmpty() && m_filter.pattern.isEmpty())
        return {};
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const quint64 seq = seqAt(index.row());
    if (!m_store->contains(seq))
        return {};
    const quint64 key = seq * ColumnCount + quint64(index.column());
    if (const auto it = m_rangeCache.constFind(key); it != m_rangeCache.cend())
        return it.value();
    // Matches are found in the exact text; the view highlights them in the rendered one.
    MatchRanges shown = exactData(index, MatchRangesRole).value<MatchRanges>();
    if (!shown.isEmpty()) {
        const QString text = exactData(index, Qt::DisplayRole).toString();
        if (hasUnsafeForDisplay(text)) {
            QList<qsizetype> offsets;
            inertText(text, &offsets);
            for (MatchRange &r : shown) {
                const qsizetype start = std::clamp<qsizetype>(r.start, 0, text.size());
                const qsizetype end = std::clamp<qsizetype>(qsizetype(r.start) + r.length, start, text.size());
                r = {int(offsets[start]), int(offsets[end] - offsets[start])};
            }
        }
    }
    if (m_rangeCache.size() >= kMaxCachedRanges)
        m_rangeCache.clear();
    m_rangeCache.insert(key, shown);
    return shown;
}

QVariant LogTableModel::exactData(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const quint64 seq = seqAt(index.row());
    // Evicted by an append this model has not been refreshed for yet: nothing to show.
    if (!m_store->contains(seq))
        return {};
    const int column = index.column();
    if (role == SeqRole)
        return QVariant::fromValue(seq);
    if (role == Qt::TextAlignmentRole) {
        const bool right = column == StatusColumn || column == LatencyColumn;
        return (Qt::AlignVCenter | (right ? Qt::AlignRight : Qt::AlignLeft)).toInt();
    }
    const bool gap = m_store->isGap(seq);
    const bool restart = gap && m_store->isRestart(seq);
    switch (role) {
    case IsGapRole: return gap;
    case IsRestartRole: return restart;
    case PreviousInstanceRole: return seq < m_store->restartSeq();
    case LevelRole: return int(m_store->level(seq));
    case LineTextRole: return rowText(index.row());
    default: break;
    }
    if (restart) {
        switch (role) {
        case Qt::DisplayRole:
            if (column == TimeColumn) {
                LogLine at;
                at.time = m_store->restartTime(seq);
                return cellText(at, TimeColumn);
            }
            if (column == MessageColumn)
                return m_store->restartText(seq);
            return column == LevelColumn ? tr("RESTART") : QString();
        case Qt::ToolTipRole: return m_store->restartText(seq);
        case RequestIdRole: return QString();
        case StatusRole: return 0;
        case MatchRangesRole: return QVariant::fromValue(MatchRanges());
        default: return {};
        }
    }
    if (gap) {
        const LogGap g = m_store->gap(seq);
        switch (role) {
        case Qt::DisplayRole:
        case Qt::ToolTipRole:
            if (column == MessageColumn || role == Qt::ToolTipRole)
                return gapText(g.missed(), g.from.value, g.to.value);
            return column == LevelColumn ? tr("GAP") : QString();
        case RequestIdRole: return QString();
        case StatusRole: return 0;
        case MatchRangesRole: return QVariant::fromValue(MatchRanges());
        default: return {};
        }
    }
    const LogLine &line = cachedLine(seq);
    switch (role) {
    case Qt::DisplayRole: return cellText(line, column);
    case Qt::ToolTipRole:
        if (column == TimeColumn)
            return QDateTime::fromMSecsSinceEpoch(msSinceEpoch(line), Qt::UTC).toString(Qt::ISODateWithMs);
        if (column == BackendColumn && !line.upstream.isEmpty())
            return tr("%1 (upstream %2, route %3)").arg(line.backend, line.upstream, line.route);
        if (column == MessageColumn || column == PathColumn)
            return cellText(line, column);
        return {};
    case RequestIdRole: return line.requestId;
    case StatusRole: return line.status;
    case MatchRangesRole:
        if (!searchable(column) || (m_filter.text.isEmpty() && m_filter.pattern.isEmpty()))
            return QVariant::fromValue(MatchRanges());
        return QVariant::fromValue(matchRanges(cellText(line, column)));
    default: return {};
    }
}

QVariant LogTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    if (role == Qt::ToolTipRole && section == TimeColumn)
        return tr("UTC, as the gateway logged it");
    if (role == Qt::TextAlignmentRole) {
        const bool right = section == StatusColumn || section == LatencyColumn;
        return (Qt::AlignVCenter | (right ? Qt::AlignRight : Qt::AlignLeft)).toInt();
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case TimeColumn: return tr("Time");
    case LevelColumn: return tr("Level");
    case ServiceColumn: return tr("Service");
    case BackendColumn: return tr("Backend");
    case MethodColumn: return tr("Method");
    case PathColumn: return tr("Path");
    case StatusColumn: return tr("Status");
    case LatencyColumn: return tr("Latency");
    case RequestIdColumn: return tr("Request ID");
    case MessageColumn: return tr("Message");
    case ColumnCount: break;
    }
    return {};
}

QString LogTableModel::rowText(int row) const
{
    if (row < 0 || row >= rowCount())
        return {};
    return seqText(seqAt(row));
}

QString LogTableModel::seqText(quint64 seq) const
{
    if (!m_store->contains(seq))
        return {};
    if (m_store->isRestart(seq))
        return m_store->restartText(seq);
    if (m_store->isGap(seq)) {
        const LogGap g = m_store->gap(seq);
        return gapText(g.missed(), g.from.value, g.to.value);
    }
    return lineText(cachedLine(seq));
}

QString LogTableModel::lineText(const LogLine &line)
{
    const QChar tab = u'\t';
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch(line), Qt::UTC).toString(Qt::ISODateWithMs) + tab
        + levelName(line.level) + tab + line.service + tab + line.backend + tab + line.method + tab + escaped(line.path)
        + tab + cellText(line, StatusColumn) + tab + cellText(line, LatencyColumn) + tab + line.requestId + tab
        + escaped(line.message);
}

bool LogTableModel::setFilter(const LogFilter &filter)
{
    const QString error = LogStore::validate(filter);
    if (!error.isEmpty()) {
        // The rows stay those of the last good filter.
        if (error != m_filterError) {
            m_filterError = error;
            Q_EMIT filterErrorChanged(m_filterError);
        }
        return false;
    }
    if (!m_filterError.isEmpty()) {
        m_filterError.clear();
        Q_EMIT filterErrorChanged(m_filterError);
    }
    m_filter = filter;
    m_rangeCache.clear(); // found for the old filter
    m_highlight = QRegularExpression();
    if (!filter.pattern.isEmpty()) {
        m_highlight = QRegularExpression(filter.pattern, filter.patternCase == Qt::CaseInsensitive
                                                             ? QRegularExpression::CaseInsensitiveOption
                                                             : QRegularExpression::NoPatternOption);
    }
    rescan();
    // Rows counted before belong to the old result; nothing is new in the fresh one.
    setNewSincePause(0);
    return true;
}

void LogTableModel::rescan()
{
    const bool wasScanning = isScanning();
    dropScan(); // cancels: nothing it found is applied any more
    beginResetModel();
    m_rows.clear();
    m_scanRows = 0;
    m_first = m_store->firstSeq();
    m_end = m_store->endSeq();
    if (!identity() && m_end > m_first) {
        m_scan = new LogScan(m_store->snapshot(), m_filter, m_first, m_end, this);
        m_scanAppliedTo = m_scanPendingTo = m_first;
        connect(m_scan, &LogScan::batchReady, this, &LogTableModel::scanBatch);
        connect(m_scan, &LogScan::finished, this, [this] {
            flushScan();
            stopScan();
        });
        m_scan->start();
    }
    endResetModel();
    if (isScanning() != wasScanning)
        Q_EMIT scanningChanged(isScanning());
    Q_EMIT scanProgressChanged(scanProgress());
}

void LogTableModel::scanBatch(const std::vector<quint64> &matches, quint64 scannedTo)
{
    m_scanPending.insert(m_scanPending.end(), matches.begin(), matches.end());
    m_scanPendingTo = scannedTo;
    const auto since = std::chrono::milliseconds(m_lastScanInsert.isValid() ? m_lastScanInsert.elapsed() : 0);
    if (!m_lastScanInsert.isValid() || since >= m_scanInsertInterval)
        flushScan();
    else if (!m_scanFlush.isActive())
        m_scanFlush.start(m_scanInsertInterval - since);
}

void LogTableModel::flushScan()
{
    m_scanFlush.stop();
    if (!m_scan)
        return;
    // Entries evicted since the snapshot are gone from the rows already.
    const auto begin = std::lower_bound(m_scanPending.begin(), m_scanPending.end(), m_first);
    const int count = int(m_scanPending.end() - begin);
    if (count > 0) {
        // Scanned entries are older than any that refresh() has added: they go above those.
        const int at = int(m_scanRows);
        beginInsertRows({}, at, at + count - 1);
        m_rows.insert(m_rows.begin() + qsizetype(at), begin, m_scanPending.end());
        m_scanRows += std::size_t(count);
        endInsertRows();
    }
    m_scanPending.clear();
    m_scanAppliedTo = m_scanPendingTo;
    m_lastScanInsert.start();
    Q_EMIT scanProgressChanged(scanProgress());
}

void LogTableModel::dropScan()
{
    if (!m_scan)
        return;
    m_scan->cancel();
    m_scan->disconnect(this);
    m_scanFlush.stop();
    m_scanPending.clear();
    m_lastScanInsert.invalidate();
    // Maybe inside the scan's own signal: it goes once that has returned.
    m_scan->deleteLater();
    m_scan = nullptr;
}

void LogTableModel::stopScan()
{
    if (!m_scan)
        return;
    dropScan();
    m_scanRows = 0;
    Q_EMIT scanningChanged(false);
    Q_EMIT scanProgressChanged(scanProgress());
}

double LogTableModel::scanProgress() const
{
    if (!m_scan || m_scan->to() <= m_scan->from())
        return 1.0;
    return double(m_scanAppliedTo - m_scan->from()) / double(m_scan->to() - m_scan->from());
}

quint64 LogTableModel::scannedTo() const
{
    return m_scan ? m_scanAppliedTo : m_end;
}

void LogTableModel::refresh()
{
    const quint64 first = m_store->firstSeq();
    const quint64 end = m_store->endSeq();
    // Eviction and LogStore::clear() look the same: every entry below `first` is gone.
    if (first > m_first) {
        const int removed = identity()
            ? int(std::min(first, m_end) - m_first)
            : int(std::lower_bound(m_rows.begin(), m_rows.end(), first) - m_rows.begin());
        if (removed > 0)
            beginRemoveRows({}, 0, removed - 1);
        if (!identity()) {
            m_rows.erase(m_rows.begin(), m_rows.begin() + removed);
            m_scanRows -= std::min(m_scanRows, std::size_t(removed));
        }
        m_first = first;
        m_end = std::max(m_end, first);
        if (removed > 0)
            endRemoveRows();
        // Everything a running scan could still find has gone.
        if (m_scan && m_scan->to() <= m_first)
            stopScan();
    }
    if (end <= m_end)
        return;
    int added = 0;
    if (identity()) {
        added = int(end - m_end);
        beginInsertRows({}, rowCount(), rowCount() + added - 1);
        m_end = end;
        endInsertRows();
    } else {
        const LogStore::Query query = m_store->filter(m_filter, m_end);
        added = int(query.matches.size());
        if (added > 0) {
            beginInsertRows({}, rowCount(), rowCount() + added - 1);
            m_rows.insert(m_rows.end(), query.matches.begin(), query.matches.end());
        }
        m_end = end;
        if (added > 0)
            endInsertRows();
    }
    if (!m_following && added > 0)
        setNewSincePause(m_newSincePause + added);
}

void LogTableModel::setFollowing(bool following)
{
    if (following == m_following)
        return;
    m_following = following;
    if (following)
        setNewSincePause(0);
    Q_EMIT followingChanged(following);
}

void LogTableModel::setNewSincePause(qint64 count)
{
    if (count == m_newSincePause)
        return;
    m_newSincePause = count;
    Q_EMIT newSincePauseChanged(count);
}

} // namespace cutover
