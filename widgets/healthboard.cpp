#include "healthboard.h"

#include "elidedlabel.h"
#include "models/boardstate.h"
#include "models/servicemodel.h"
#include "sparklinedelegate.h"
#include "statusdelegate.h"
#include "tablestyle.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QSortFilterProxyModel>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

namespace cutover {

namespace {

// Tints rows that need attention, and colours numbers that breach their SLO.
class AttentionDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        if (index.data(ServiceModel::StaleRole).toBool()) {
            option->palette.setColor(QPalette::Text, option->palette.color(QPalette::Disabled, QPalette::Text));
            return;
        }
        if (index.data(ServiceModel::AttentionRole).toBool())
            option->backgroundBrush = QColor(0xfd, 0xec, 0xea);
        const int col = index.column();
        // Only a number beyond its objective is red, judged on its own counts.
        if ((col == ServiceModel::ErrorColumn || col == ServiceModel::P95Column)
            && SloState(index.data(ServiceModel::CellSloRole).toInt()) == SloState::Breached) {
            option->palette.setColor(QPalette::Text, QColor(0xb9, 0x1c, 0x1c));
            option->font.setBold(true);
        }
    }
};

} // namespace

HealthBoard::HealthBoard(BoardState *state, QWidget *parent)
    : QWidget(parent)
    , m_state(state)
    , m_model(state->services())
    , m_proxy(new QSortFilterProxyModel(this))
    , m_table(new QTableView)
    , m_summary(new ElidedLabel)
    , m_filter(new QLineEdit)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    auto *tools = new QHBoxLayout;
    QFont bold = m_summary->font();
    bold.setBold(true);
    m_summary->setFont(bold);
    tools->addWidget(m_summary, 1);
    m_filter->setPlaceholderText(tr("Filter services (Ctrl+F)"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setMinimumWidth(220);
    m_filter->setMaximumWidth(300);
    tools->addWidget(m_filter);
    layout->addLayout(tools);

    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(ServiceModel::SortRole);
    m_proxy->setFilterKeyColumn(ServiceModel::NameColumn);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);

    m_table->setModel(m_proxy);
    m_table->setItemDelegate(new AttentionDelegate(m_table));
    m_table->setItemDelegateForColumn(ServiceModel::StatusColumn, new StatusDelegate(m_table));
    m_table->setItemDelegateForColumn(ServiceModel::TrendColumn, new SparklineDelegate(ServiceModel::TrendRole, ServiceModel::StaleRole, m_table));
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(ServiceModel::StatusColumn, Qt::AscendingOrder);
    setUpListTable(m_table);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setToolTip(tr("Right-click to choose the columns"));
    enableColumnChooser(m_table);
    m_table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    const int widths[] = {170, 100, 130, 115, 100, 90, 130, 100, 200, 90};
    for (int c = 0; c < int(std::size(widths)); ++c)
        m_table->setColumnWidth(c, widths[c]);
    layout->addWidget(m_table, 1);

    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &HealthBoard::selectionChanged);
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_model, signal, this, &HealthBoard::updateSummary);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &HealthBoard::updateSummary);
    updateSummary();
}

QString HealthBoard::summaryText() const
{
    return m_summary->fullText();
}

void HealthBoard::updateSummary()
{
    const int total = m_model->rowCount();
    if (total == 0) {
        m_summary->setFullText(tr("Waiting for the first health check…"));
        return;
    }
    const int bad = m_model->count(HealthStatus::Unhealthy), degraded = m_model->count(HealthStatus::Degraded);
    QString text = tr("%1 services  ·  %2 healthy  ·  %3 degraded  ·  %4 unhealthy")
                       .arg(total)
                       .arg(m_model->count(HealthStatus::Healthy))
                       .arg(degraded)
                       .arg(bad);
    if (const int unknown = m_model->count(HealthStatus::Unknown))
        text += tr("  ·  %1 unknown").arg(unknown);
    // The same count as the SLO panel's breached rows.
    if (const int breached = m_model->countSloBreached())
        text += tr("  ·  %n breaching the SLO", nullptr, breached);
    if (m_model->isStale())
        text += tr("  ·  STALE");
    m_summary->setFullText(text);
    m_summary->setStyleSheet(bad ? QStringLiteral("color: #b91c1c;") : degraded ? QStringLiteral("color: #b45309;") : QString());
}

void HealthBoard::selectionChanged()
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        m_state->select({});
        return;
    }
    const ServiceHealth &s = m_model->service(m_proxy->mapToSource(rows.first()).row());
    switch (s.kind) {
    case ServiceKind::Gateway: m_state->select({}); break;
    case ServiceKind::Monolith: m_state->select({MetricGroup::Scope::Overall, QString(), MetricGroup::Via::Monolith}); break;
    case ServiceKind::Microservice: m_state->select({MetricGroup::Scope::Service, s.name, MetricGroup::Via::All}); break;
    }
}

} // namespace cutover
