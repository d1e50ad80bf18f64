#include "configpanel.h"

#include "changedialog.h"
#include "models/boardstate.h"
#include "models/identitymodel.h"
#include "tablestyle.h"

#include <QAbstractButton>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QStyleOptionViewItem>
#include <QTableView>
#include <QVBoxLayout>

namespace cutover {

void styleChangeState(QStyleOptionViewItem *option, ChangeState state)
{
    switch (state) {
    case ChangeState::Applying:
    case ChangeState::Unknown:
        option->palette.setColor(QPalette::Text, QColor(0x1e, 0x40, 0xaf));
        option->font.setItalic(true);
        break;
    case ChangeState::Confirming:
        option->palette.setColor(QPalette::Text, QColor(0x16, 0x65, 0x34));
        break;
    case ChangeState::Failed:
        option->backgroundBrush = QColor(0xfd, 0xe2, 0xe1);
        option->palette.setColor(QPalette::Text, QColor(0x99, 0x1b, 0x1b));
        option->font.setBold(true);
        break;
    case ChangeState::Idle:
        break;
    }
}

ConfigPanel::ConfigPanel(const ConfigParts &parts, Source source, QAbstractItemModel *model, int sortRole, QWidget *parent)
    : QWidget(parent)
    , m_parts(parts)
    , m_source(source)
    , m_header(new QLabel)
    , m_banner(new QLabel)
    , m_table(new QTableView)
    , m_proxy(new QSortFilterProxyModel(this))
    , m_buttons(new QHBoxLayout)
    , m_message(new QLabel)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    m_header->setWordWrap(true);
    layout->addWidget(m_header);
    m_banner->setWordWrap(true);
    m_banner->setVisible(false);
    m_banner->setStyleSheet(QStringLiteral(
        "QLabel { background: #fef3c7; color: #78350f; border: 1px solid #f59e0b; padding: 4px 8px; }"));
    layout->addWidget(m_banner);

    m_proxy->setSourceModel(model);
    m_proxy->setSortRole(sortRole);
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder); // the gateway's order
    setUpListTable(m_table);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    layout->addWidget(m_table, 1);

    m_buttons->setContentsMargins(4, 0, 4, 4);
    m_buttons->setSpacing(6);
    layout->addLayout(m_buttons);
    m_message->setWordWrap(true);
    m_message->setTextFormat(Qt::PlainText);
    m_message->setVisible(false);
    layout->addWidget(m_message);

    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ConfigPanel::updateControls);
    connect(model, &QAbstractItemModel::dataChanged, this, &ConfigPanel::updateControls);
    connect(model, &QAbstractItemModel::rowsInserted, this, &ConfigPanel::updateControls);
    connect(parts.identity, &IdentityModel::identityChanged, this, &ConfigPanel::updateControls);
    connect(parts.identity, &IdentityModel::identityChanged, this, &ConfigPanel::refreshHeader);
    connect(parts.board, &BoardState::sourceStateChanged, this, [this](Source changed) {
        if (changed == m_source)
            refreshHeader();
    });
    connect(model, &QAbstractItemModel::rowsInserted, this, &ConfigPanel::refreshHeader);
    connect(parts.actions, &ConfigActions::finished, this,
            [this](quint64, const ChangeOutcome &outcome) { showOutcome(outcome); });
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &ConfigPanel::refreshHeader);
    m_tick.start();
    refreshHeader();
}

QString ConfigPanel::headerText() const
{
    return m_header->text();
}

QString ConfigPanel::messageText() const
{
    return m_message->isVisible() ? m_message->text() : QString();
}

int ConfigPanel::selectedRow() const
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : m_proxy->mapToSource(rows.first()).row();
}

void ConfigPanel::addAction(QAbstractButton *button)
{
    m_actions.append(button);
    m_buttons->addWidget(button);
    updateControls();
}

void ConfigPanel::addActionRowWidget(QWidget *widget)
{
    m_buttons->addWidget(widget);
}

void ConfigPanel::endActionRow()
{
    m_buttons->addStretch(1);
}

void ConfigPanel::openDialog(ChangeDialog *dialog)
{
    if (m_dialog)
        m_dialog->close();
    m_dialog = dialog;
    dialog->open();
}

QString ConfigPanel::blockedReason() const
{
    if (const QString why = m_parts.actions->whyNotAllowed(); !why.isEmpty())
        return why;
    if (selectedRow() < 0)
        return tr("Select a row first.");
    return {};
}

void ConfigPanel::updateControls()
{
    const QString why = blockedReason();
    for (QAbstractButton *b : std::as_const(m_actions)) {
        b->setEnabled(why.isEmpty());
        b->setToolTip(why.isEmpty() ? b->property("enabledTip").toString() : why);
    }
}

void ConfigPanel::setBanner(const QString &text)
{
    m_banner->setText(text);
    m_banner->setVisible(!text.isEmpty());
}

void ConfigPanel::showOutcome(const ChangeOutcome &outcome)
{
    const bool ok = outcome.kind == ChangeOutcome::Kind::Applied;
    m_message->setStyleSheet(ok ? QStringLiteral("QLabel { color: #14532d; padding: 2px 6px; }")
                                : QStringLiteral("QLabel { color: #991b1b; padding: 2px 6px; }"));
    m_message->setText(QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss  ")) + outcome.explanation);
    m_message->setVisible(true);
}

void ConfigPanel::refreshHeader()
{
    const SourceState *source = m_parts.board->sourceState(m_source);
    const QString what = m_source == Source::Routes ? tr("Routes") : tr("Flags");
    if (!source) {
        m_header->setText(tr("<b>%1</b> — not connected").arg(what));
        return;
    }
    const SourceState &st = *source;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (!st.lastSuccess.isValid()) {
        m_header->setText(st.lastError ? tr("<b>%1</b> — <span style='color:#b91c1c'>could not be read: %2</span>")
                                             .arg(what, st.lastError->describe().toHtmlEscaped())
                                       : tr("<b>%1</b> — loading…").arg(what));
        return;
    }
    const qint64 age = st.lastSuccess.secsTo(now);
    if (st.isStale(now)) {
        const QString why = st.lastError ? st.lastError->describe() : tr("no answer");
        m_header->setText(tr("<b>%1</b> — <span style='color:#b91c1c'><b>stale</b>: last read %2 s ago (%3). "
                             "What you see may no longer be what the gateway has.</span>")
                              .arg(what)
                              .arg(age)
                              .arg(why.toHtmlEscaped()));
        return;
    }
    const auto &who = m_parts.identity->identity();
    const QString hint = who && !who->canChange()
        ? tr("Read-only: you are signed in as %1 with the viewer role.").arg(who->subject.toHtmlEscaped())
        : tr("Select a row, then change it; nothing is applied until the gateway confirms.");
    m_header->setText(tr("<b>%1</b> as the gateway has them, read %2 s ago. %3").arg(what).arg(age).arg(hint));
}

} // namespace cutover
