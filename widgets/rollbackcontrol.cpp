#include "rollbackcontrol.h"

#include "models/boardstate.h"
#include "models/rollbackcontroller.h"
#include "rollbackdialog.h"

#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QPushButton>

namespace cutover {

namespace {

const char *kEngageStyle = "QPushButton { background: #dc2626; color: white; font-weight: bold; padding: 6px 16px;"
                           " border: 1px solid #991b1b; border-radius: 5px; }"
                           "QPushButton:hover { background: #b91c1c; }"
                           "QPushButton:disabled { background: #f3c4c4; color: #7f1d1d; border-color: #e8a5a5; }";
const char *kReleaseStyle = "QPushButton { background: #ffffff; color: #991b1b; font-weight: bold; padding: 6px 16px;"
                            " border: 2px solid #dc2626; border-radius: 5px; }"
                            "QPushButton:hover { background: #fef2f2; }"
                            "QPushButton:disabled { color: #b9a0a0; border-color: #e8c5c5; }";

} // namespace

QKeySequence RollbackControl::shortcut()
{
    return QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E);
}

RollbackControl::RollbackControl(BoardState *board, RollbackController *controller, QWidget *parent)
    : QWidget(parent)
    , m_board(board)
    , m_controller(controller)
    , m_button(new QPushButton)
    , m_cancel(new QPushButton(tr("Cancel")))
    , m_status(new QLabel)
{
    setObjectName(QStringLiteral("rollbackControl"));
    m_button->setObjectName(QStringLiteral("emergencyRollback"));
    m_button->setCursor(Qt::PointingHandCursor);
    m_button->setFocusPolicy(Qt::StrongFocus);
    m_cancel->setObjectName(QStringLiteral("cancelRollbackAction"));
    m_cancel->setToolTip(tr("Stop sending the request. If the gateway already applied it, the board shows that."));
    m_cancel->hide();
    m_status->setObjectName(QStringLiteral("rollbackStatus"));
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);
    // Never wider than it is given (a long message wraps), never squeezed to nothing.
    m_status->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_status->setMinimumWidth(240);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 8, 4);
    layout->setSpacing(8);
    layout->addWidget(m_button);
    layout->addWidget(m_cancel);
    layout->addWidget(m_status, 1);

    connect(m_button, &QPushButton::clicked, this, &RollbackControl::trigger);
    connect(m_cancel, &QPushButton::clicked, m_controller, &RollbackController::cancel);
    connect(m_controller, &RollbackController::changed, this, &RollbackControl::refresh);
    connect(m_controller, &RollbackController::actionFinished, this,
            [this](RollbackController::Action, bool ok, const QString &message) { finished(ok, message); });
    refresh();
}

RollbackDialog *RollbackControl::dialog() const
{
    return m_dialog;
}

QString RollbackControl::statusText() const
{
    return m_status->text();
}

void RollbackControl::setStatus(const QString &text, const QString &style)
{
    m_status->setStyleSheet(style);
    m_status->setText(text);
}

void RollbackControl::trigger()
{
    if (m_dialog || !m_controller->blockedReason().isEmpty())
        return;
    const bool engaged = m_controller->isEngaged();
    m_dialog = new RollbackDialog(engaged ? RollbackDialog::Mode::Release : RollbackDialog::Mode::Engage,
                                  m_board->profile(), m_controller, window());
    m_dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_dialog, &QDialog::accepted, this, [this, engaged, dialog = m_dialog] {
        // The state may have changed while the dialog was open; the controller refuses what no
        // longer applies, and the gateway answers a stale If-Match with 412.
        const bool started = engaged ? m_controller->release(dialog->reason(), dialog->keepMonolith())
                                     : m_controller->engage(dialog->reason());
        if (!started)
            finished(false, m_controller->blockedReason());
    });
    m_dialog->open();
}

void RollbackControl::refresh()
{
    const QString blocked = m_controller->blockedReason();
    const RollbackController::Action inFlight = m_controller->inFlight();
    const bool engaged = m_controller->isEngaged();
    const QString keys = shortcut().toString(QKeySequence::NativeText);
    if (inFlight == RollbackController::Action::Engage)
        m_button->setText(tr("Engaging rollback\u2026"));
    else if (inFlight == RollbackController::Action::Release)
        m_button->setText(tr("Releasing rollback\u2026"));
    else
        m_button->setText(engaged ? tr("Release rollback\u2026") : tr("\u26a0 Emergency rollback\u2026"));
    m_button->setStyleSheet(QString::fromLatin1(engaged ? kReleaseStyle : kEngageStyle));
    m_button->setEnabled(blocked.isEmpty());
    m_button->setToolTip(blocked.isEmpty()
                             ? (engaged ? tr("Release the emergency rollback: restore the routing from before it (%1)")
                                        : tr("Send every request to the monolith now; shows the blast radius first (%1)"))
                                   .arg(keys)
                             : blocked);
    m_cancel->setVisible(inFlight != RollbackController::Action::None);
    if (inFlight != RollbackController::Action::None) {
        m_showingOutcome = false;
        setStatus(m_controller->progressText(), QStringLiteral("color: #92400e;"));
    } else if (!m_showingOutcome) {
        // Why the button is disabled, without having to hover it (a viewer sees this at once).
        setStatus(blocked, QStringLiteral("color: #4b5563;"));
    }
}

void RollbackControl::finished(bool ok, const QString &message)
{
    m_showingOutcome = true;
    refresh();
    setStatus(message, ok ? QStringLiteral("color: #166534;") : QStringLiteral("color: #b91c1c; font-weight: bold;"));
}

} // namespace cutover
