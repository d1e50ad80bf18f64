#include "changedialog.h"
#include "client/displaytext.h"
#include "discardprompt.h"

#include "models/boardstate.h"
#include "models/identitymodel.h"
#include "models/configactions.h"
#include "models/flagsmodel.h"
#include "models/routesmodel.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>

namespace cutover {

namespace {

QString routeName(const Route &r)
{
    return r.prefix.isEmpty() ? r.id : r.prefix;
}

// "About 12 req/s", "About 0.4 req/s", "Almost no requests": the start of a sentence.
QString rateText(double rate)
{
    rate = std::abs(rate);
    if (rate < 0.05)
        return ChangeDialog::tr("Almost no requests");
    return ChangeDialog::tr("About %1 req/s").arg(rate, 0, 'f', rate < 10 ? 1 : 0);
}

QString changedByText(const QString &by, const QDateTime &at, const QString &version)
{
    if (!at.isValid())
        return ChangeDialog::tr("version %1").arg(version);
    return ChangeDialog::tr("version %1, changed by %2 at %3")
        .arg(inertText(version), inertText(by), at.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
}

const char *const kStatusStyle[] = {
    "",                                                                                   // editing
    "QLabel { background: #e0ecff; color: #1e3a8a; border: 1px solid #93c5fd; padding: 6px; }", // applying
    "QLabel { background: #fef3c7; color: #78350f; border: 1px solid #f59e0b; padding: 6px; }", // conflict
    "QLabel { background: #fde2e1; color: #991b1b; border: 1px solid #f87171; padding: 6px; }", // failed
    "QLabel { background: #dcfce7; color: #14532d; border: 1px solid #4ade80; padding: 6px; }", // applied
};

} // namespace

ChangeDialog::ChangeDialog(const ConfigParts &parts, const Route &route, std::optional<int> preset, QWidget *parent)
    : QDialog(parent)
    , m_parts(parts)
    , m_isFlag(false)
    , m_route(route)
    , m_basePercent(route.microservicePercent)
{
    build(tr("Route %1 → %2").arg(routeName(route), route.service), preset.value_or(route.microservicePercent));
}

ChangeDialog::ChangeDialog(const ConfigParts &parts, const Flag &flag, std::optional<bool> enable, QWidget *parent)
    : QDialog(parent)
    , m_parts(parts)
    , m_isFlag(true)
    , m_flag(flag)
    , m_basePercent(flag.rolloutPercent)
{
    build(tr("Flag %1").arg(flag.name), flag.rolloutPercent);
    m_enabled->setChecked(enable.value_or(flag.enabled));
    refresh();
}

void ChangeDialog::build(const QString &title, std::optional<int> startPercent)
{
    setWindowTitle(m_isFlag ? tr("Change flag — Cutover") : tr("Change route — Cutover"));
    setAttribute(Qt::WA_DeleteOnClose);
    setMinimumWidth(600);
    auto *layout = new QVBoxLayout(this);
    layout->setSpacing(10);
    // Grow with the status and preview texts instead of squeezing the form.
    layout->setSizeConstraint(QLayout::SetMinimumSize);

    m_title = new QLabel(title);
    QFont big = m_title->font();
    big.setPointSizeF(big.pointSizeF() * 1.25);
    big.setBold(true);
    m_title->setFont(big);
    layout->addWidget(m_title);
    const Profile &profile = m_parts.board->profile();
    if (profile.environment == Environment::Production) {
        auto *prod = new QLabel(tr("PRODUCTION — %1").arg(profile.name));
        prod->setStyleSheet(QStringLiteral("QLabel { background: #b91c1c; color: white; font-weight: bold; padding: 4px 8px; }"));
        layout->addWidget(prod);
    }
    m_current = new QLabel;
    m_current->setWordWrap(true);
    layout->addWidget(m_current);

    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    if (m_isFlag) {
        m_enabled = new QCheckBox(tr("Enabled (a disabled flag contains nobody)"));
        form->addRow(tr("Switch:"), m_enabled);
        connect(m_enabled, &QCheckBox::toggled, this, &ChangeDialog::refresh);
    }
    auto *percentRow = new QHBoxLayout;
    m_slider = new QSlider(Qt::Horizontal);
    m_slider->setRange(0, 100);
    m_slider->setPageStep(5);
    m_spin = new QSpinBox;
    m_spin->setRange(0, 100);
    m_spin->setSuffix(QStringLiteral(" %"));
    m_spin->setMinimumWidth(80);
    percentRow->addWidget(m_slider, 1);
    percentRow->addWidget(m_spin);
    connect(m_slider, &QSlider::valueChanged, m_spin, &QSpinBox::setValue);
    connect(m_spin, &QSpinBox::valueChanged, m_slider, &QSlider::setValue);
    connect(m_spin, &QSpinBox::valueChanged, this, &ChangeDialog::refresh);
    form->addRow(m_isFlag ? tr("Users in (rollout):") : tr("To %1:").arg(m_route.service), percentRow);

    auto *presetRow = new QHBoxLayout;
    presetRow->setSpacing(4);
    for (int p : kPresets) {
        auto *b = new QPushButton(tr("%1 %").arg(p));
        b->setAutoDefault(false);
        b->setMinimumWidth(56);
        connect(b, &QPushButton::clicked, this, [this, p] { setPercent(p); });
        presetRow->addWidget(b);
        m_presets.append(b);
    }
    presetRow->addStretch(1);
    form->addRow(tr("Steps:"), presetRow);

    if (m_isFlag) {
        m_allow = new QPlainTextEdit;
        m_allow->setPlaceholderText(tr("User ids, one per line or separated by commas"));
        m_allow->setPlainText(m_flag.allowUsers.join(QLatin1Char('\n')));
        m_allow->setTabChangesFocus(true);
        m_allow->setFixedHeight(m_allow->fontMetrics().lineSpacing() * 4 + 12);
        connect(m_allow, &QPlainTextEdit::textChanged, this, &ChangeDialog::refresh);
        form->addRow(tr("Allow-listed users:"), m_allow);
    }

    auto *reasonRow = new QHBoxLayout;
    m_reason = new QLineEdit;
    m_reason->setMaxLength(kMaxReason);
    m_reason->setPlaceholderText(tr("Why? Required; recorded in the audit log with your name"));
    m_reasonCount = new QLabel;
    m_reasonCount->setMinimumWidth(m_reasonCount->fontMetrics().horizontalAdvance(QStringLiteral("000/000")) + 4);
    m_reasonCount->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    reasonRow->addWidget(m_reason, 1);
    reasonRow->addWidget(m_reasonCount);
    connect(m_reason, &QLineEdit::textChanged, this, &ChangeDialog::refresh);
    form->addRow(tr("Reason:"), reasonRow);
    layout->addLayout(form);

    m_preview = new QLabel;
    m_preview->setWordWrap(true);
    m_preview->setTextFormat(Qt::PlainText);
    m_preview->setStyleSheet(QStringLiteral("QLabel { background: palette(alternate-base); border: 1px solid palette(mid); padding: 8px; }"));
    // Room for the longest preview (a move with its traffic, a flag's share, the last words) from
    // the start: the dialog does not grow and shrink under the mouse as the percent changes.
    m_preview->setMinimumHeight(m_preview->fontMetrics().lineSpacing() * kPreviewLines + 2 * (8 + 1));
    m_preview->setAlignment(Qt::AlignLeft | Qt::AlignTop); // the first line stays where it is
    layout->addWidget(m_preview);
    m_status = new QLabel;
    m_status->setWordWrap(true);
    m_status->setTextFormat(Qt::PlainText);
    m_status->setVisible(false);
    layout->addWidget(m_status);

    auto *buttons = new QDialogButtonBox;
    m_buttons = buttons;
    m_close = buttons->addButton(QDialogButtonBox::Cancel);
    // Only offered in a conflict (added to the box then: the box shows every button it holds).
    m_drop = new QPushButton(tr("Drop my change"), this);
    m_drop->setAutoDefault(false);
    m_drop->hide();
    m_confirm = buttons->addButton(tr("Confirm"), QDialogButtonBox::AcceptRole);
    // Enter is handled by keyPressEvent(); Cancel is never the default, so Enter on a field
    // cannot drop the change. (The button box would make Confirm the default even while invalid.)
    m_close->setAutoDefault(false);
    m_confirm->setAutoDefault(false);
    // Accepting is the gateway's answer, not a button: the buttons only act.
    connect(m_confirm, &QPushButton::clicked, this, &ChangeDialog::confirm);
    connect(m_close, &QPushButton::clicked, this, &ChangeDialog::reject);
    connect(m_drop, &QPushButton::clicked, this, [this] {
        m_discarding = true; // an explicit choice: no second question
        reject();
    });
    layout->addWidget(buttons);

    connect(m_parts.identity, &IdentityModel::identityChanged, this, &ChangeDialog::refresh);
    connect(m_parts.routes, &QAbstractItemModel::dataChanged, this, &ChangeDialog::refresh);
    connect(m_parts.flags, &QAbstractItemModel::dataChanged, this, &ChangeDialog::refresh);
    connect(m_parts.actions, &ConfigActions::finished, this, &ChangeDialog::finished);

    refreshCurrent();
    m_spin->setValue(startPercent.value_or(m_basePercent));
    m_reason->setFocus();
    refresh();
}

void ChangeDialog::setPercent(int percent)
{
    m_spin->setValue(percent);
}

QStringList ChangeDialog::allowUsers() const
{
    if (!m_allow)
        return {};
    static const QRegularExpression separators(QStringLiteral("[\\s,;]+"));
    QStringList users = m_allow->toPlainText().split(separators, Qt::SkipEmptyParts);
    users.removeDuplicates();
    return users;
}

bool ChangeDialog::changed() const
{
    if (!m_isFlag)
        return m_spin->value() != m_route.microservicePercent;
    return m_enabled->isChecked() != m_flag.enabled || m_spin->value() != m_flag.rolloutPercent
        || allowUsers() != m_flag.allowUsers;
}

QString ChangeDialog::blockedReason() const
{
    if (const QString why = m_parts.actions->whyNotAllowed(); !why.isEmpty())
        return why;
    if (!m_isFlag && m_parts.routes->rollbackEngaged())
        return tr("The emergency rollback is engaged: routes stay at 0 % until it is released.");
    return {};
}

void ChangeDialog::refreshCurrent()
{
    if (m_isFlag) {
        m_current->setText(tr("Now: %1 · %2")
                               .arg(ConfigActions::flagSummary(m_flag.enabled, m_flag.rolloutPercent, m_flag.allowUsers.size()),
                                    changedByText(m_flag.updatedBy, m_flag.updatedAt, m_flag.version)));
    } else {
        m_current->setText(tr("Now: %1 % to %2, the rest to the monolith · %3")
                               .arg(m_route.microservicePercent)
                               .arg(inertText(m_route.service), changedByText(m_route.updatedBy, m_route.updatedAt, m_route.version)));
    }
}

QString ChangeDialog::routePreview() const
{
    const int from = m_route.microservicePercent;
    const int to = m_spin->value();
    const QString name = routeName(m_route);
    if (from == to)
        return tr("No change: %1 already sends %2 % to %3.").arg(name).arg(from).arg(m_route.service);
    QString text = tr("%1: %2 % → %3 % to %4.").arg(name).arg(from).arg(to).arg(m_route.service);
    const RoutesModel *routes = m_parts.routes;
    const auto obs = routes->observed(m_route.id);
    const double flag = routes->flagShare(m_route.service);
    if (!obs || !obs->requestRate) {
        text += QLatin1Char(' ') + tr("No traffic figures for this route yet, so how many requests move is not known.");
    } else {
        const double moved = movedRate(*obs->requestRate, flag, from, to);
        text += QLatin1Char(' ')
            + (moved >= 0 ? tr("%1 of %2 goes to %3 instead of the monolith.").arg(rateText(moved), name, m_route.service)
                          : tr("%1 of %2 goes back from %3 to the monolith.").arg(rateText(moved), name, m_route.service));
        text += QLatin1Char(' ') + tr("(%1 now carries %2 req/s.)").arg(name).arg(*obs->requestRate, 0, 'f', *obs->requestRate < 10 ? 1 : 0);
    }
    if (flag > 0)
        text += QLatin1Char(' ')
            + tr("Users in flag %1 (%2 %) reach %3 either way.").arg(routes->flagFor(m_route.service)).arg(flag * 100.0, 0, 'f', 0).arg(m_route.service);
    if (to == 100)
        text += QLatin1Char(' ') + tr("The monolith will get none of %1.").arg(name);
    else if (to == 0)
        text += QLatin1Char(' ') + tr("Only flagged users will reach %1.").arg(m_route.service);
    return text;
}

QString ChangeDialog::flagPreview() const
{
    const bool on = m_enabled->isChecked();
    const int pct = m_spin->value();
    const QStringList users = allowUsers();
    if (!changed())
        return tr("No change: flag %1 is already %2.")
            .arg(m_flag.name, ConfigActions::flagSummary(m_flag.enabled, m_flag.rolloutPercent, m_flag.allowUsers.size()));
    QString text = tr("Flag %1: %2 → %3.")
                       .arg(m_flag.name, ConfigActions::flagSummary(m_flag.enabled, m_flag.rolloutPercent, m_flag.allowUsers.size()),
                            ConfigActions::flagSummary(on, pct, users.size()));
    int added = 0;
    int removed = 0;
    for (const QString &u : users)
        added += m_flag.allowUsers.contains(u) ? 0 : 1;
    for (const QString &u : m_flag.allowUsers)
        removed += users.contains(u) ? 0 : 1;
    if (added || removed)
        text += QLatin1Char(' ') + tr("Allow list: %1 added, %2 removed.").arg(added).arg(removed);

    const QList<Route> affected = m_parts.flags->affectedRoutes(m_flag);
    if (affected.isEmpty())
        return text + QLatin1Char(' ') + tr("This flag is not tied to any route.");
    QStringList names;
    for (const Route &r : affected)
        names << routeName(r);
    text += QLatin1Char(' ') + tr("Affects %1.").arg(names.join(QStringLiteral(", ")));
    if (m_parts.flags->rollbackEngaged())
        return text + QLatin1Char(' ') + tr("The emergency rollback is engaged: no routing effect until it is released.");

    const double before = m_flag.enabled ? m_flag.rolloutPercent / 100.0 : 0.0;
    const double after = on ? pct / 100.0 : 0.0;
    double moved = 0;
    bool known = true;
    for (const Route &r : affected) {
        const auto obs = m_parts.routes->observed(r.id);
        if (!obs || !obs->requestRate) {
            known = false;
            continue;
        }
        // Only the share the route's percent does not already send there moves.
        moved += *obs->requestRate * (1.0 - r.microservicePercent / 100.0) * (after - before);
    }
    const QString service = FlagsModel::serviceOf(m_flag);
    if (!known)
        text += QLatin1Char(' ') + tr("No traffic figures for all its routes yet, so how many requests move is not known.");
    else if (after != before)
        text += QLatin1Char(' ')
            + (moved >= 0 ? tr("%1 goes to %2 instead of the monolith.").arg(rateText(moved), service)
                          : tr("%1 goes back from %2 to the monolith.").arg(rateText(moved), service));
    return text;
}

QString ChangeDialog::previewText() const
{
    return m_preview->text();
}

QString ChangeDialog::statusText() const
{
    return m_status->isVisible() ? m_status->text() : QString();
}

QString ChangeDialog::currentText() const
{
    return m_current->text();
}

void ChangeDialog::refresh()
{
    const int reasonLength = int(m_reason->text().trimmed().size());
    m_reasonCount->setText(QStringLiteral("%1/%2").arg(reasonLength).arg(kMaxReason));
    m_preview->setText(m_isFlag ? flagPreview() : routePreview());

    const QString blocked = blockedReason();
    const bool editable = blocked.isEmpty() && m_phase != Phase::Applying && m_phase != Phase::Applied;
    QList<QWidget *> inputs {m_slider, m_spin, m_reason};
    for (QPushButton *b : m_presets)
        inputs << b;
    if (m_isFlag)
        inputs << m_enabled << m_allow;
    for (QWidget *w : inputs) {
        w->setEnabled(editable);
        w->setToolTip(blocked);
    }

    QString why = blocked;
    if (why.isEmpty() && m_phase == Phase::Applying)
        why = tr("Waiting for the gateway's answer.");
    if (why.isEmpty() && m_phase == Phase::Failed && m_lastError
        && (m_lastError->kind == ApiError::Kind::Forbidden || m_lastError->kind == ApiError::Kind::Unauthorized))
        why = tr("The gateway does not accept changes from this token; sending it again cannot help.");
    if (why.isEmpty() && !changed())
        why = tr("Nothing to change yet.");
    if (why.isEmpty() && reasonLength == 0)
        why = tr("Give a reason first: it goes into the audit log.");
    m_confirm->setEnabled(why.isEmpty() && m_phase != Phase::Applied);
    // The default (drawn as such, and Enter's target) only while there is something valid to send.
    // Re-applying over someone else's change, or retrying, takes the button itself.
    m_confirm->setDefault(enterConfirms());
    m_confirm->setToolTip(why);

    const QString what = !m_isFlag ? tr("%1 %").arg(m_spin->value())
        : m_enabled->isChecked()   ? tr("on, %1 %").arg(m_spin->value())
                                   : tr("off");
    if (m_phase == Phase::Conflict)
        m_confirm->setText(tr("Re-apply %1 on top").arg(what));
    else if (m_phase == Phase::Failed)
        m_confirm->setText(tr("Try again: %1").arg(what));
    else
        m_confirm->setText(m_isFlag ? tr("Confirm: %1").arg(what) : tr("Confirm: set %1").arg(what));
    m_close->setText(m_phase == Phase::Applying ? tr("Close (keeps waiting)") : tr("Cancel"));

    // Say so as soon as the poller shows that the target moved on since it was read here.
    if (m_phase == Phase::Editing) {
        const QString notice = staleNotice();
        m_status->setText(notice);
        m_status->setStyleSheet(QLatin1String(kStatusStyle[int(Phase::Conflict)]));
        m_status->setVisible(!notice.isEmpty());
    }
}

QString ChangeDialog::staleNotice() const
{
    QString now;
    QString by;
    if (m_isFlag) {
        const auto f = m_parts.flags->find(m_flag.name);
        if (!f || f->version == m_flag.version)
            return {};
        now = ConfigActions::flagSummary(f->enabled, f->rolloutPercent, f->allowUsers.size());
        by = f->updatedBy;
    } else {
        const auto r = m_parts.routes->find(m_route.id);
        if (!r || r->version == m_route.version)
            return {};
        now = tr("%1 %").arg(r->microservicePercent);
        by = r->updatedBy;
    }
    return tr("Changed at the gateway since you opened this: now %1, by %2. Confirming will be refused as a "
              "conflict and show you the new state; nothing is overwritten.")
        .arg(now, by);
}

void ChangeDialog::setPhase(Phase phase, const QString &status)
{
    m_phase = phase;
    m_status->setText(status);
    m_status->setStyleSheet(QLatin1String(kStatusStyle[int(phase)]));
    m_status->setVisible(!status.isEmpty());
    if (phase == Phase::Conflict) {
        m_buttons->addButton(m_drop, QDialogButtonBox::DestructiveRole);
        m_drop->show();
    } else if (m_buttons->buttonRole(m_drop) != QDialogButtonBox::InvalidRole) {
        m_buttons->removeButton(m_drop);
        m_drop->hide();
    }
    refresh();
    adjustSize();
}

void ChangeDialog::confirm()
{
    if (!m_confirm->isEnabled())
        return;
    const QString reason = m_reason->text().trimmed();
    setPhase(Phase::Applying, tr("Applying… waiting for the gateway. Nothing has changed until it answers."));
    ConfigActions *actions = m_parts.actions;
    if (m_isFlag) {
        FlagChange change;
        change.enabled = m_enabled->isChecked();
        change.rolloutPercent = m_spin->value();
        change.allowUsers = allowUsers();
        m_ticket = actions->changeFlag(m_flag, change, reason);
    } else {
        m_ticket = actions->changeRoute(m_route, m_spin->value(), reason);
    }
}

void ChangeDialog::finished(quint64 ticket, const ChangeOutcome &result)
{
    if (ticket != m_ticket)
        return;
    m_ticket = 0;
    m_lastError = result.error;
    Q_EMIT outcome(result);
    switch (result.kind) {
    case ChangeOutcome::Kind::Applied:
        setPhase(Phase::Applied, result.explanation);
        accept();
        return;
    case ChangeOutcome::Kind::Conflict:
        // Re-base on what the gateway has now, so a re-apply is a fresh, informed decision.
        if (result.route)
            m_route = *result.route;
        else if (const auto now = m_parts.routes->find(m_route.id); now && !m_isFlag)
            m_route = *now;
        if (result.flag)
            m_flag = *result.flag;
        else if (const auto now = m_parts.flags->find(m_flag.name); now && m_isFlag)
            m_flag = *now;
        refreshCurrent();
        setPhase(Phase::Conflict,
                 result.explanation + QLatin1Char('\n')
                     + tr("Re-apply your change on top of the current state, or drop it."));
        return;
    case ChangeOutcome::Kind::Refused:
    case ChangeOutcome::Kind::Unknown:
        setPhase(Phase::Failed, result.explanation);
        return;
    }
}

bool ChangeDialog::hasTypedInput() const
{
    // While applying or once applied the change is the gateway's: closing loses nothing.
    return !m_reason->text().trimmed().isEmpty() && m_phase != Phase::Applying && m_phase != Phase::Applied;
}

bool ChangeDialog::enterConfirms() const
{
    return m_phase == Phase::Editing && m_confirm->isEnabled();
}

void ChangeDialog::reject()
{
    if (m_discarding || !hasTypedInput()) {
        QDialog::reject();
        return;
    }
    askToDiscard(this, tr("this change and its reason"), [this] {
        m_discarding = true;
        reject();
    });
}

void ChangeDialog::showEvent(QShowEvent *event)
{
    QDialog::showEvent(event);
    // The button box makes Confirm the default as it is shown, valid or not.
    m_confirm->setDefault(enterConfirms());
}

void ChangeDialog::keyPressEvent(QKeyEvent *event)
{
    const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
    if (enter && (event->modifiers() & ~Qt::KeyboardModifiers(Qt::KeypadModifier)) == Qt::KeyboardModifiers()) {
        if (enterConfirms())
            m_confirm->click();
        else if (m_reason->isEnabled() && m_reason->text().trimmed().isEmpty())
            m_reason->setFocus(); // what is missing, most likely
        event->accept();
        return;
    }
    QDialog::keyPressEvent(event);
}

void ChangeDialog::done(int result)
{
    // A failed or dropped change has been seen: its row goes back to showing the gateway's state.
    if (m_phase == Phase::Conflict || m_phase == Phase::Failed) {
        if (m_isFlag)
            m_parts.flags->clearChange(m_flag.name);
        else
            m_parts.routes->clearChange(m_route.id);
    }
    QDialog::done(result);
}

} // namespace cutover
