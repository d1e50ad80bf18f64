#include "routespanel.h"

#include "changedialog.h"
#include "models/boardstate.h"
#include "models/routesmodel.h"

#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QStyledItemDelegate>
#include <QTableView>

namespace cutover {

namespace {

// Mismatches and the state of the operator's changes stand out; nothing else is coloured.
class RouteCellDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        if (index.column() == RoutesModel::ObservedColumn && index.data(RoutesModel::MismatchRole).toBool()) {
            option->backgroundBrush = QColor(0xfe, 0xf3, 0xc7);
            option->palette.setColor(QPalette::Text, QColor(0x92, 0x40, 0x0e));
            option->font.setBold(true);
        }
        if (index.column() == RoutesModel::StateColumn)
            styleChangeState(option, ChangeState(index.data(RoutesModel::ChangeStateRole).toInt()));
    }
};

} // namespace

RoutesPanel::RoutesPanel(const ConfigParts &parts, QWidget *parent)
    : ConfigPanel(parts, Source::Routes, parts.routes, RoutesModel::SortRole, parent)
    , m_change(new QPushButton(tr("Change percent…")))
{
    setObjectName(QStringLiteral("routesPanelWidget"));
    view()->setItemDelegate(new RouteCellDelegate(view()));
    const int widths[] = {150, 150, 170, 170, 230, 170, 150};
    for (int c = 0; c < int(std::size(widths)); ++c)
        view()->setColumnWidth(c, widths[c]);

    m_change->setProperty("enabledTip", tr("Change the share of the selected route that goes to its microservice (Enter)"));
    connect(m_change, &QPushButton::clicked, this, [this] { changeSelected(); });
    addAction(m_change);
    auto *steps = new QLabel(tr("  Step to:"));
    addActionRowWidget(steps);
    for (int p : ChangeDialog::kPresets) {
        auto *b = new QPushButton(tr("%1 %").arg(p));
        b->setMinimumWidth(54);
        b->setProperty("enabledTip", tr("Open the change dialog for the selected route preset to %1 %").arg(p));
        connect(b, &QPushButton::clicked, this, [this, p] { changeSelected(p); });
        addAction(b);
        m_steps.append(b);
    }
    endActionRow();
    connect(view(), &QTableView::activated, this, [this] { changeSelected(); });
    // A route picked here is what the charts (monolith vs microservice) and the log filter follow.
    connect(view()->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const int row = selectedRow();
        if (row >= 0 && row < m_parts.routes->rowCount())
            m_parts.board->select({MetricGroup::Scope::Route, m_parts.routes->route(row).id, MetricGroup::Via::All});
    });
    connect(parts.routes, &QAbstractItemModel::dataChanged, this, &RoutesPanel::updateBanner);
    connect(parts.routes, &QAbstractItemModel::rowsInserted, this, &RoutesPanel::updateBanner);
    updateControls();
    updateBanner();
}

bool RoutesPanel::selectRoute(const QString &routeId)
{
    const QAbstractItemModel *model = view()->model();
    for (int row = 0; row < model->rowCount(); ++row)
        if (model->index(row, 0).data(RoutesModel::RouteIdRole).toString() == routeId) {
            view()->selectRow(row);
            return true;
        }
    return false;
}

QString RoutesPanel::blockedReason() const
{
    if (const QString why = ConfigPanel::blockedReason(); !why.isEmpty())
        return why;
    if (m_parts.routes->rollbackEngaged())
        return tr("The emergency rollback is engaged: routes stay at 0 % until it is released.");
    const Route &r = m_parts.routes->route(selectedRow());
    const ChangeState st = m_parts.routes->change(r.id).state;
    if (st == ChangeState::Applying || st == ChangeState::Unknown)
        return tr("A change of %1 is in flight; wait for the gateway's answer.").arg(r.prefix);
    return {};
}

void RoutesPanel::changeSelected(std::optional<int> percent)
{
    if (!blockedReason().isEmpty())
        return;
    openDialog(new ChangeDialog(m_parts, m_parts.routes->route(selectedRow()), percent, this));
}

void RoutesPanel::updateBanner()
{
    const RoutesModel *routes = m_parts.routes;
    QStringList lines;
    if (routes->rollbackEngaged())
        lines << tr("Emergency rollback engaged: every request goes to the monolith, and route changes are refused "
                    "until it is released.");
    QStringList mismatched;
    for (int row = 0; row < routes->rowCount(); ++row)
        if (routes->mismatch(row))
            mismatched << routes->route(row).prefix;
    if (!mismatched.isEmpty())
        lines << tr("Observed traffic does not match the configuration for %1: check the gateway's routing.")
                     .arg(mismatched.join(QStringLiteral(", ")));
    setBanner(lines.join(QLatin1Char('\n')));
}

} // namespace cutover
