#include "slopanel.h"

#include "stalenotice.h"

#include "models/boardstate.h"
#include "models/slomodel.h"
#include "tablestyle.h"

#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

namespace cutover {

namespace {

class SloCellDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        switch (SloState(index.data(SloModel::CellStateRole).toInt())) {
        case SloState::Breached:
            option->backgroundBrush = QColor(0xfd, 0xe2, 0xe1);
            option->palette.setColor(QPalette::Text, QColor(0x99, 0x1b, 0x1b));
            option->font.setBold(true);
            break;
        case SloState::AtRisk:
            option->palette.setColor(QPalette::Text, QColor(0xb4, 0x53, 0x09));
            option->font.setBold(true);
            break;
        case SloState::Met:
            if (index.column() == SloModel::StateColumn)
                option->palette.setColor(QPalette::Text, QColor(0x16, 0x7d, 0x45));
            break;
        case SloState::NotEnoughTraffic:
            // Neither good nor bad: the evidence is not there yet.
            if (index.column() == SloModel::StateColumn)
                option->font.setItalic(true);
            break;
        case SloState::NoData:
            break;
        }
    }
};

} // namespace

SloPanel::SloPanel(BoardState *state, QWidget *parent)
    : QWidget(parent)
    , m_state(state)
    , m_header(new QLabel)
    , m_table(new QTableView)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    m_header->setWordWrap(true);
    layout->addWidget(m_header);
    m_stale = new StaleNotice(state, Source::Metrics, tr("Metrics"),
                              tr("The figures below are from the last good scrape."));
    layout->addWidget(m_stale);
    auto *proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(state->slo());
    proxy->setSortRole(SloModel::SortRole);
    m_table->setModel(proxy);
    m_table->setItemDelegate(new SloCellDelegate(m_table));
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder); // model order: all traffic first
    setUpListTable(m_table);
    m_table->horizontalHeader()->setStretchLastSection(true);
    const int widths[] = {170, 120, 100, 80, 90, 80, 90};
    for (int c = 0; c < int(std::size(widths)); ++c)
        m_table->setColumnWidth(c, widths[c]);
    layout->addWidget(m_table, 1);
    connect(state, &BoardState::metricsUpdated, this, &SloPanel::refreshHeader);
    refreshHeader();
}

QString SloPanel::headline() const
{
    return m_header->text();
}

void SloPanel::refreshHeader()
{
    const SloThresholds t = m_state->sloThresholds();
    const SloState worst = m_state->slo()->worst();
    const QString targets = tr("Targets: availability ≥ %1 %  ·  p95 ≤ %2 ms  ·  error rate ≤ %3 %  (over 5 min; burn over 1 h and 5 min)")
                                .arg(t.availabilityTarget * 100.0, 0, 'f', 2)
                                .arg(t.latencyP95Max.count(), 0, 'f', 0)
                                .arg(t.errorRatioMax * 100.0, 0, 'f', 2);
    const SloModel *model = m_state->slo();
    QString state;
    switch (worst) {
    case SloState::Breached: state = tr("<span style='color:#b91c1c'><b>SLO breached</b></span>"); break;
    case SloState::AtRisk: state = tr("<span style='color:#b45309'><b>SLO at risk</b></span>"); break;
    case SloState::Met: state = tr("<span style='color:#167d45'><b>All SLOs met</b></span>"); break;
    case SloState::NotEnoughTraffic: state = tr("<b>Not enough traffic to judge every SLO yet</b>"); break;
    case SloState::NoData:
        // Traffic without a verdict is not "no traffic": say what is missing instead.
        state = model->hasTraffic() ? tr("<b>Some SLOs cannot be judged</b>") : tr("<b>No traffic data yet</b>");
        break;
    }
    if (const QString why = model->worstReason(); !why.isEmpty() && worst != SloState::Met)
        state += QStringLiteral(": ") + why.toHtmlEscaped();
    m_header->setText(state + QStringLiteral("  —  ") + targets.toHtmlEscaped());
}

} // namespace cutover
