#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;
class QTextBrowser;

namespace cutover {

class AuditFilter;
class AuditLog;
class BoardState;

// The gateway's audit log as a timeline, newest first: who, when, what, before → after and why,
// narrowed by free text, actor and kind of change; the selected entry's full before/after,
// request id, idempotency key and (for a rollback) the measured time to recovery below.
class AuditPanel : public QWidget
{
    Q_OBJECT

public:
    explicit AuditPanel(AuditLog *log, QWidget *parent = nullptr);

    QLineEdit *filterField() const { return m_text; }
    QComboBox *actorBox() const { return m_actor; }
    QComboBox *kindBox() const { return m_kind; }
    QTableView *view() const { return m_view; }
    AuditFilter *filter() const { return m_filter; }
    QString detailsText() const;
    // Shown once the gateway restarted: the greyed entries are from its previous instance.
    QLabel *restartNotice() const { return m_restartNotice; }

private:
    void refreshChoices();
    void updateCount();
    void showDetails();
    void showRestart();

    AuditLog *m_log;
    AuditFilter *m_filter;
    QLineEdit *m_text;
    QComboBox *m_actor;
    QComboBox *m_kind;
    QLabel *m_count;
    QLabel *m_restartNotice;
    QTableView *m_view;
    QTextBrowser *m_details;
};

} // namespace cutover
