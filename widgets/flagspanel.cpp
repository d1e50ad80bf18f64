#include "flagspanel.h"

#include "changedialog.h"
#include "models/boardstate.h"
#include "models/flagsmodel.h"

#include <QItemSelectionModel>
#include <QPushButton>
#include <QStyledItemDelegate>
#include <QTableView>

namespace cutover {

namespace {

class FlagCellDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        if (index.column() == FlagsModel::EnabledColumn) {
            const bool on = index.data(FlagsModel::EnabledRole).toBool();
            option->palette.setColor(QPalette::Text, on ? QColor(0x16, 0x7d, 0x45) : option->palette.color(QPalette::Disabled, QPalette::Text));
            option->font.setBold(on);
        }
        if (index.column() == FlagsModel::StateColumn)
            styleChangeState(option, ChangeState(index.data(FlagsModel::ChangeStateRole).toInt()));
    }
};

} // namespace

FlagsPanel::FlagsPanel(const ConfigParts &parts, QWidget *parent)
    : ConfigPanel(parts, Source::Flags, parts.flags, FlagsModel::SortRole, parent)
    , m_change(new QPushButton(tr("Change flag…")))
    , m_toggle(new QPushButton(tr("Turn on…")))
{
    setObjectName(QStringLiteral("flagsPanelWidget"));
    view()->setItemDelegate(new FlagCellDelegate(view()));
    const int widths[] = {230, 80, 80, 190, 220, 170, 150};
    for (int c = 0; c < int(std::size(widths)); ++c)
        view()->setColumnWidth(c, widths[c]);

    m_change->setProperty("enabledTip", tr("Change the selected flag: switch, rollout, allow-listed users (Enter)"));
    m_toggle->setProperty("enabledTip", tr("Open the change dialog with the selected flag's switch flipped"));
    connect(m_change, &QPushButton::clicked, this, [this] { changeSelected(); });
    connect(m_toggle, &QPushButton::clicked, this, [this] {
        const int row = selectedRow();
        if (row >= 0)
            changeSelected(!m_parts.flags->flag(row).enabled);
    });
    addAction(m_change);
    addAction(m_toggle);
    endActionRow();
    connect(view(), &QTableView::activated, this, [this] { changeSelected(); });
    connect(view()->selectionModel(), &QItemSelectionModel::selectionChanged, this, &FlagsPanel::updateToggle);
    connect(parts.flags, &QAbstractItemModel::dataChanged, this, &FlagsPanel::updateToggle);
    updateControls();
    updateToggle();
}

bool FlagsPanel::selectFlag(const QString &name)
{
    const QAbstractItemModel *model = view()->model();
    for (int row = 0; row < model->rowCount(); ++row)
        if (model->index(row, 0).data(FlagsModel::FlagNameRole).toString() == name) {
            view()->selectRow(row);
            return true;
        }
    return false;
}

QString FlagsPanel::blockedReason() const
{
    if (const QString why = ConfigPanel::blockedReason(); !why.isEmpty())
        return why;
    const Flag &f = m_parts.flags->flag(selectedRow());
    const ChangeState st = m_parts.flags->change(f.name).state;
    if (st == ChangeState::Applying || st == ChangeState::Unknown)
        return tr("A change of %1 is in flight; wait for the gateway's answer.").arg(f.name);
    return {};
}

void FlagsPanel::changeSelected(std::optional<bool> enable)
{
    if (!blockedReason().isEmpty())
        return;
    openDialog(new ChangeDialog(m_parts, m_parts.flags->flag(selectedRow()), enable, this));
}

void FlagsPanel::updateToggle()
{
    const int row = selectedRow();
    m_toggle->setText(row >= 0 && m_parts.flags->flag(row).enabled ? tr("Turn off…") : tr("Turn on…"));
}

} // namespace cutover
