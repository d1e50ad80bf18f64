#include "rollbackdialog.h"

#include "discardprompt.h"
#include "models/rollbackcontroller.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace cutover {

namespace {

enum RadiusColumn { RouteCol, PrefixCol, ServiceCol, NowCol, AfterCol, RateCol, RadiusColumnCount };

QString rateText(std::optional<double> rate)
{
    if (!rate)
        return QStringLiteral("\u2014");
    return RollbackDialog::tr("%1 req/s").arg(*rate, 0, 'f', *rate < 10 ? 1 : 0);
}

} // namespace

RollbackDialog::RollbackDialog(Mode mode, const Profile &profile, const RollbackController *controller, QWidget *parent)
    : QDialog(parent)
    , m_mode(mode)
    , m_profile(profile)
    , m_controller(controller)
    , m_radiusTitle(new QLabel)
    , m_table(new QTableWidget(0, RadiusColumnCount))
    , m_reason(new QLineEdit)
    , m_hint(new QLabel)
    , m_ok(new QPushButton)
{
    const bool engage = mode == Mode::Engage;
    const bool production = profile.environment == Environment::Production;
    setObjectName(QStringLiteral("rollbackDialog"));
    setWindowTitle(engage ? tr("Engage the emergency rollback") : tr("Release the emergency rollback"));
    setMinimumWidth(640);

    auto *layout = new QVBoxLayout(this);
    layout->setSpacing(10);
    layout->setContentsMargins(18, 16, 18, 14);

    // Where this goes, in the profile's colour: production must be unmistakable.
    // Plain text: a name is shown as written (it was escaped into a label that took it for plain
    // text, so a quote showed as "&quot;").
    auto *where = new QLabel(tr("%1 \u00b7 %2").arg(profile.name,
                                                     production ? tr("PRODUCTION") : environmentName(profile.environment)));
    where->setTextFormat(Qt::PlainText);
    where->setStyleSheet(QStringLiteral("QLabel { background: %1; color: white; font-weight: bold; padding: 4px 10px;"
                                        " border-radius: 4px; }")
                             .arg(profile.effectiveColor()));
    where->setSizePolicy(QSizePolicy::Maximum, QSizePolicy::Fixed);
    layout->addWidget(where);

    auto *title = new QLabel(engage ? tr("Send every request to the monolith?") : tr("Release the emergency rollback?"));
    QFont titleFont = title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.35);
    titleFont.setBold(true);
    title->setFont(titleFont);
    layout->addWidget(title);

    auto *what = new QLabel(engage
        ? tr("In one step every route's microservice share becomes 0 % and every request, flags included, goes to the "
             "monolith. Route changes are frozen until the release. The gateway keeps a snapshot of the routing below "
             "so that the release can restore it.")
        : tr("By default every route gets back the microservice share it had before the engage (the gateway's "
             "snapshot). Keep everything on the monolith instead to bring routes back one at a time."));
    what->setWordWrap(true);
    layout->addWidget(what);

    if (!engage) {
        m_keep = new QCheckBox(tr("Keep everything on the monolith (restore nothing; bring routes back one by one later)"));
        layout->addWidget(m_keep);
        connect(m_keep, &QCheckBox::toggled, this, [this] {
            fillRadius();
            validate();
        });
    }

    QFont bold = m_radiusTitle->font();
    bold.setBold(true);
    m_radiusTitle->setFont(bold);
    m_radiusTitle->setWordWrap(true);
    layout->addWidget(m_radiusTitle);
    m_table->setObjectName(QStringLiteral("blastRadius"));
    m_table->setHorizontalHeaderLabels({tr("Route"), tr("Prefix"), tr("Service"), tr("Now"), tr("After"),
                                        engage ? tr("Moves to the monolith") : tr("Returns (estimate)")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->setFocusPolicy(Qt::NoFocus);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);
    layout->addWidget(m_table, 1);

    auto *form = new QFormLayout;
    form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    m_reason->setObjectName(QStringLiteral("reason"));
    m_reason->setMaxLength(500);
    m_reason->setPlaceholderText(engage ? tr("Why? e.g. \u201cpayment-service 5xx spike after the 25 % step\u201d")
                                        : tr("Why? e.g. \u201chotfix 0.9.1 deployed to payment-service\u201d"));
    m_reason->setToolTip(tr("Required. Recorded in the gateway's audit log with your name."));
    form->addRow(tr("Reason:"), m_reason);
    connect(m_reason, &QLineEdit::textChanged, this, &RollbackDialog::validate);
    if (production) {
        m_confirm = new QLineEdit;
        m_confirm->setObjectName(QStringLiteral("confirmProfile"));
        m_confirm->setPlaceholderText(profile.name);
        m_confirm->setToolTip(tr("This is a production gateway: type the profile name to confirm."));
        form->addRow(tr("Type \u201c%1\u201d:").arg(profile.name), m_confirm);
        connect(m_confirm, &QLineEdit::textChanged, this, &RollbackDialog::validate);
    }
    layout->addLayout(form);

    m_hint->setStyleSheet(QStringLiteral("color: #6b7280;"));
    m_hint->setWordWrap(true);
    // The hint changes as the form is filled in: its room is kept, so nothing below it moves.
    m_hint->setMinimumHeight(m_hint->fontMetrics().lineSpacing() * 3);
    m_hint->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    layout->addWidget(m_hint);

    auto *buttons = new QDialogButtonBox;
    QPushButton *cancel = buttons->addButton(QDialogButtonBox::Cancel);
    m_ok->setObjectName(QStringLiteral("confirmRollback"));
    m_ok->setText(engage ? tr("Engage rollback") : tr("Release rollback"));
    m_ok->setStyleSheet(engage ? QStringLiteral("QPushButton { background: #b91c1c; color: white; font-weight: bold;"
                                                " padding: 5px 16px; border-radius: 4px; border: 1px solid #991b1b; }"
                                                "QPushButton:disabled { background: #e5a3a3; border-color: #e5a3a3; }")
                               : QStringLiteral("QPushButton { background: #1f2937; color: white; font-weight: bold;"
                                                " padding: 5px 16px; border-radius: 4px; }"
                                                "QPushButton:disabled { background: #9ca3af; }"));
    // Enter in a field must not fire the rollback: only a deliberate click, Space on the button,
    // or Ctrl+Enter (keyPressEvent()). Never the default either (see showEvent()).
    m_ok->setAutoDefault(false);
    cancel->setAutoDefault(false);
    buttons->addButton(m_ok, QDialogButtonBox::AcceptRole);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        if (m_ok->isEnabled())
            accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &RollbackDialog::reject);
    layout->addWidget(buttons);

    fillRadius();
    validate();
    m_reason->setFocus();
}

QString RollbackDialog::reason() const
{
    return m_reason->text().trimmed();
}

bool RollbackDialog::keepMonolith() const
{
    return m_keep && m_keep->isChecked();
}

bool RollbackDialog::requiresTypedName() const
{
    return m_confirm != nullptr;
}

void RollbackDialog::showEvent(QShowEvent *event)
{
    QDialog::showEvent(event);
    // The button box makes its first accept button the default as it is shown; the rollback
    // must not be what a stray Enter presses.
    m_ok->setDefault(false);
}

void RollbackDialog::keyPressEvent(QKeyEvent *event)
{
    const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
    if (!enter) {
        QDialog::keyPressEvent(event);
        return;
    }
    // Ctrl+Enter acts once every confirmation (reason, typed profile name) is given; plain
    // Enter does nothing at all.
    const Qt::KeyboardModifiers modifiers = event->modifiers() & ~Qt::KeyboardModifiers(Qt::KeypadModifier);
    if (modifiers == Qt::KeyboardModifiers(Qt::ControlModifier) && m_ok->isEnabled())
        m_ok->click();
    event->accept();
}

void RollbackDialog::reject()
{
    if (m_discarding || reason().isEmpty()) {
        QDialog::reject();
        return;
    }
    askToDiscard(this, tr("the reason you typed"), [this] {
        m_discarding = true;
        reject();
    });
}

void RollbackDialog::fillRadius()
{
    const bool engage = m_mode == Mode::Engage;
    m_radius = engage ? m_controller->engagePreview() : m_controller->releasePreview(keepMonolith());
    m_table->setRowCount(int(m_radius.moves.size()));
    for (int row = 0; row < m_radius.moves.size(); ++row) {
        const RouteMove &m = m_radius.moves[row];
        const QStringList cells {m.routeId, m.prefix, m.service, tr("%1 %").arg(m.fromPercent),
                                 tr("%1 %").arg(m.toPercent), rateText(m.movingRate)};
        for (int col = 0; col < RadiusColumnCount; ++col) {
            auto *item = new QTableWidgetItem(cells[col]);
            if (col >= NowCol)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_table->setItem(row, col, item);
        }
    }
    m_table->setVisible(!m_radius.moves.isEmpty());
    const QString rate = m_radius.movingRate ? tr(", about %1 req/s").arg(*m_radius.movingRate, 0, 'f', 0) : QString();
    if (engage) {
        m_radiusTitle->setText(m_radius.moves.isEmpty()
                                   ? tr("Blast radius: no route sends traffic to a microservice now, so no request "
                                        "moves. The rollback is still recorded and freezes route changes.")
                                   : tr("Blast radius: %n route(s)%1 move to the monolith", nullptr,
                                        int(m_radius.moves.size())).arg(rate));
    } else if (keepMonolith()) {
        m_radiusTitle->setText(tr("Nothing returns to the microservices: every route stays at 0 %."));
    } else {
        m_radiusTitle->setText(m_radius.moves.isEmpty()
                                   ? tr("No route changes: the snapshot taken at the engage has every route as it is now.")
                                   : tr("Returns to the microservices: %n route(s)%1", nullptr,
                                        int(m_radius.moves.size())).arg(rate));
    }
    if (!m_radius.hasRates && !m_radius.moves.isEmpty())
        m_radiusTitle->setText(m_radiusTitle->text() + tr(" (no traffic numbers yet: metrics have not arrived)"));
}

void RollbackDialog::validate()
{
    QStringList missing;
    if (reason().isEmpty())
        missing << tr("give a reason");
    if (m_confirm && m_confirm->text() != m_profile.name)
        missing << tr("type the profile name \u201c%1\u201d exactly").arg(m_profile.name);
    m_ok->setEnabled(missing.isEmpty());
    m_hint->setText(missing.isEmpty() ? tr("Ready: press \u201c%1\u201d or Ctrl+Enter. The request carries one idempotency "
                                           "key: if the answer is lost it is sent again and the gateway applies it once.")
                                            .arg(m_ok->text())
                                      : tr("To continue, %1.").arg(missing.join(tr(" and "))));
}

} // namespace cutover
