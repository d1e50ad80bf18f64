#pragma once

#include <QPointer>
#include <QWidget>

class QLabel;
class QPushButton;

namespace cutover {

class BoardState;
class RollbackController;
class RollbackDialog;

// The always-visible emergency rollback control of the main window's toolbar: a red
// "Emergency rollback" button (a "Release rollback" button while engaged), the progress of an
// action in flight with its Cancel button, and the outcome of the last one. Disabled with the
// reason as its tooltip when the operator may not act (viewer role, nothing read yet, an action
// in flight).
class RollbackControl : public QWidget
{
    Q_OBJECT

public:
    // `board` gives the profile the dialog confirms against; `controller` does the work.
    RollbackControl(BoardState *board, RollbackController *controller, QWidget *parent = nullptr);

    QPushButton *button() const { return m_button; }
    QPushButton *cancelButton() const { return m_cancel; }
    QString statusText() const;
    // The confirmation dialog while it is open (non-modal for the app's event loop: open()).
    RollbackDialog *dialog() const;
    // Opens the engage or release dialog, whichever applies now; does nothing while blocked.
    void trigger();

    static QKeySequence shortcut();

private:
    void refresh();
    void finished(bool ok, const QString &message);
    void setStatus(const QString &text, const QString &style);

    BoardState *m_board;
    RollbackController *m_controller;
    QPushButton *m_button;
    QPushButton *m_cancel;
    QLabel *m_status; // wraps: why the button is off (a viewer's explanation) is read whole
    QPointer<RollbackDialog> m_dialog;
    bool m_showingOutcome = false; // the last action's outcome stays until the next action
};

} // namespace cutover
