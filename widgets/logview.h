#pragma once

#include "client/logsource.h"

#include <QList>
#include <QPointer>
#include <QTimer>
#include <QWidget>

#include <memory>
#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QToolButton;

namespace cutover {

class BoardState;
class LogExport;
class LogTableModel;
struct MetricGroup;

// The live log tail: the BoardState's LogStore through a LogTableModel, with filters (level,
// service, text or regular expression, request id), follow/pause and export. The table is virtual
// (uniform rows, only visible cells are built), and rows are refreshed once per BoardState
// logsAppended frame, whatever the rate. The service filter follows the board's selection.
class LogView : public QWidget
{
    Q_OBJECT

public:
    // `state` is not owned and must outlive the view.
    explicit LogView(BoardState *state, QWidget *parent = nullptr);
    ~LogView() override;

    // The stream whose connection state the chip shows. BoardState::logSource() is picked up on
    // its own (at construction and when lines arrive); this is for a stream attached later.
    void setLogSource(LogSource *stream);

    // Following: the table scrolls to each new line. Paused: it keeps its place and the badge
    // counts the new matching lines. Space (table focused) and the Follow button toggle it;
    // scrolling up by hand pauses.
    void setFollowing(bool following);
    bool isFollowing() const;

    // Filters by exact request id (empty: no such filter), as a click on a request-id cell does.
    void setRequestIdFilter(const QString &requestId);
    // Selected rows as text, one line per row (tab-separated, full message), to the clipboard.
    void copySelection();
    // Writes the lines shown (as filtered) at the time of the call to `path`, one per row as
    // copySelection() does, on the thread pool (models/logexport.h), so the board stays live
    // through a 32 MiB export; exportFinished() says how it went. False (nothing started) while
    // an export is running.
    bool startExport(const QString &path);
    bool isExporting() const;

    LogTableModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QString countText() const;
    QString filterErrorText() const;
    QString connectionText() const;
    QString newLinesText() const;

Q_SIGNALS:
    // `message` says how many lines went where, or why the file could not be written.
    void exportFinished(bool ok, const QString &message);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void buildToolbar();
    void setUpTable();
    void logsAppended();
    void scheduleFilter();
    void applyFilter();
    void showFilterError(const QString &error);
    void selectionChanged(const MetricGroup &group);
    void selectService(const QString &service);
    void rebuildServices();
    void connectionStateChanged(LogSource::State state, const std::optional<ApiError> &error);
    void cellClicked(const QModelIndex &index);
    void requestIdEdited(const QString &text);
    void updateFollowUi();
    void updateCount();
    void exportClicked();
    void exportDone(bool ok, const QString &message);
    quint64 topVisibleSeq() const;
    void scrollToSeq(quint64 seq, bool select);
    void keepPlace(quint64 seq, bool select);
    void placeAnchor();

    BoardState *m_state;
    LogTableModel *m_model;
    QPointer<LogSource> m_stream;
    QList<QMetaObject::Connection> m_streamConnections;
    bool m_streamAttached = false;

    QComboBox *m_level;
    QComboBox *m_service;
    QLineEdit *m_text;
    QToolButton *m_regex;
    QLineEdit *m_requestId;
    QPushButton *m_follow;
    QPushButton *m_newLines;
    QPushButton *m_export;
    QLabel *m_filterError;
    QLabel *m_chip;
    QLabel *m_count;
    QTableView *m_table;

    QTimer m_filterDelay;          // typing settles before a rescan
    std::optional<quint64> m_returnSeq; // the line whose request id was clicked
    int m_removedAbove = 0;        // rows about to leave the top while paused
    // Paused under a new filter: the line (or the next match after it) to keep on top once the
    // background scan has found it.
    struct Anchor
    {
        quint64 seq;
        bool select;
    };
    std::optional<Anchor> m_anchor;
    LogExport *m_exportJob;
};

} // namespace cutover
