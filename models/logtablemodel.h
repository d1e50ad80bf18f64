#pragma once

#include "client/logline.h"
#include "models/logfilter.h"

#include <QAbstractTableModel>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QRegularExpression>
#include <QTimer>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

namespace cutover {

class LogScan;
class LogStore;

// A highlighted part of a cell's display text (QString indices).
struct MatchRange
{
    int start = 0;
    int length = 0;
    bool operator==(const MatchRange &) const = default;
};
using MatchRanges = QList<MatchRange>;

// The rows of the log view: the entries of a LogStore that pass a LogFilter, oldest first.
//
// The model keeps only sequence numbers, never text: cells are built on demand from the store.
// Without criteria a row is simply firstSeq + row and nothing per row is kept at all. The store
// does not signal; call refresh() after appending (BoardState::logsAppended, coalesced), and the
// model inserts the new matches at the end and removes evicted entries at the top, filtering only
// the new sequence numbers.
//
// A new filter never scans the store on the caller's thread: setFilter() resets the rows at once
// and a LogScan over a snapshot of the store finds the matches among the entries already held on
// the thread pool, inserted in ascending batches above the rows that refresh() adds meanwhile
// (isScanning(), scanProgress()). Qt Core only.
class LogTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { TimeColumn, LevelColumn, ServiceColumn, BackendColumn, MethodColumn, PathColumn, StatusColumn,
                  LatencyColumn, RequestIdColumn, MessageColumn, ColumnCount };
    enum Role {
        LevelRole = Qt::UserRole + 1, // int(LogLevel); a gap is reported as Error
        RequestIdRole,                // QString; empty for a gap
        IsGapRole,                    // bool
        MatchRangesRole,              // MatchRanges of the display text that the text/regex criterion hits
        SeqRole,                      // quint64: the store's sequence number
        StatusRole,                   // int HTTP status; 0 for a gap
        LineTextRole,                 // the whole line as one tab-separated text (rowText)
        // bool: a gateway restart marker (IsGapRole is also true: a marker, not a line); the rows
        // above it are from the previous instance of the gateway.
        IsRestartRole,
        PreviousInstanceRole,         // bool: a row from before the last restart marker
    };

    // `store` is not owned and must outlive the model.
    explicit LogTableModel(LogStore *store, QObject *parent = nullptr);
    ~LogTableModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Applies a new filter: a model reset now, then the matches among the entries stored so far
    // in batches as the background scan finds them (none before the event loop runs); a filter
    // without criteria needs no scan. A running scan is cancelled at once, its results dropped.
    // An invalid filter (a bad regular expression) changes nothing but filterError(), and
    // returns false.
    bool setFilter(const LogFilter &filter);
    // Whether the last filter's scan is still running, and how far it has got (0 … 1; 1 when
    // not scanning). Entries below scannedTo() have been looked at (all of them when idle).
    bool isScanning() const { return m_scan != nullptr; }
    double scanProgress() const;
    quint64 scannedTo() const;
    // A view repaints on every insert: a scan's batches are inserted at most once per interval
    // (the first at once), the rest held until then. 0 inserts each batch as it comes.
    void setScanInsertInterval(std::chrono::milliseconds interval) { m_scanInsertInterval = interval; }
    const LogFilter &filter() const { return m_filter; }
    // Why the last setFilter() was refused; empty once a filter has been accepted.
    QString filterError() const { return m_filterError; }

    // Brings the rows up to date with the store: evicted entries leave at the top, new matches
    // join at the end, each as one batch.
    void refresh();

    // Following: new rows are expected to be scrolled to. Paused: rows are still inserted (the
    // view keeps its place) and counted in newSincePause() until following resumes.
    void setFollowing(bool following);
    bool isFollowing() const { return m_following; }
    qint64 newSincePause() const { return m_newSincePause; }

    // Row <-> sequence number. rowForSeq gives the row of the first row whose seq is >= `seq`
    // (rowCount() if none).
    quint64 seqAt(int row) const;
    int rowForSeq(quint64 seq) const;
    LogStore *store() const { return m_store; }

    // One row as text: every column tab-separated, the full time and message (for copy/export).
    QString rowText(int row) const;
    // The same for the line (or gap) with this sequence number; a null string once the store
    // has let it go.
    QString seqText(quint64 seq) const;
    // The text shown for a gap marker.
    static QString gapText(quint64 missed, quint64 fromId, quint64 toId);
    // A line as seqText() gives it; callable on any thread (LogExport formats on the pool).
    static QString lineText(const LogLine &line);

Q_SIGNALS:
    void filterErrorChanged(const QString &error);
    void scanningChanged(bool scanning);
    // After each batch of a scan (rows may or may not have been inserted).
    void scanProgressChanged(double progress);
    void followingChanged(bool following);
    void newSincePauseChanged(qint64 count);

private:
    // data() before gateway text is rendered inert for display (models/displaytext.h).
    QVariant exactData(const QModelIndex &index, int role) const;
    bool identity() const { return m_filter.isEmpty() && m_filter.includeGaps; }
    static QString cellText(const LogLine &line, int column);
    MatchRanges matchRanges(const QString &text) const;
    MatchRanges shownMatchRanges(const QModelIndex &index) const;
    const LogLine &cachedLine(quint64 seq) const;
    void rescan();
    void scanBatch(const std::vector<quint64> &matches, quint64 scannedTo);
    void flushScan();
    void stopScan();
    void dropScan();
    void setNewSincePause(qint64 count);

    LogStore *m_store;
    LogFilter m_filter;
    QString m_filterError;
    QRegularExpression m_highlight; // the pattern criterion, for match ranges
    // The store as of the last refresh: entries [m_first, m_end) have been looked at.
    quint64 m_first = 0;
    quint64 m_end = 0;
    // Matching seqs, ascending (unused in identity mode, where row r is m_first + r). While a
    // scan runs, the first m_scanRows come from it and the rest from refresh().
    std::deque<quint64> m_rows;
    LogScan *m_scan = nullptr; // a child: a scan still pending deletion goes with the model
    std::size_t m_scanRows = 0;
    std::vector<quint64> m_scanPending; // found, not inserted yet
    quint64 m_scanAppliedTo = 0;        // the scan's rows below this are in m_rows
    quint64 m_scanPendingTo = 0;        // and those below this are in m_rows or m_scanPending
    QElapsedTimer m_lastScanInsert;
    QTimer m_scanFlush;
    std::chrono::milliseconds m_scanInsertInterval {200};
    bool m_following = true;
    qint64 m_newSincePause = 0;
    // The match ranges views were given, by seq * ColumnCount + column, for the current filter
    // (setFilter() clears them): a view repaints its rows on every insert, and searching every
    // visible cell again each time was most of a repaint. A cell's text never changes while its
    // seq is kept, so nothing else invalidates them; the table is bounded by clearing it.
    static constexpr qsizetype kMaxCachedRanges = 4096;
    mutable QHash<quint64, MatchRanges> m_rangeCache;
    // Views ask for every column of a row in turn: build the row's line once.
    mutable std::optional<quint64> m_cachedSeq;
    mutable LogLine m_cachedLine;
};

} // namespace cutover

Q_DECLARE_METATYPE(cutover::MatchRange)
Q_DECLARE_METATYPE(cutover::MatchRanges)
