#include "slomodel.h"

#include "client/displaytext.h"

#include <algorithm>
#include <cmath>

namespace cutover {

int SloModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SloModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

void SloModel::refresh(const MetricsAggregator &metrics, const SloThresholds &thresholds, const BurnRatePolicy &policy)
{
    m_thresholds = thresholds;
    m_policy = policy;
    QList<Row> rows;
    rows.append(Row {{MetricGroup::Scope::Overall, QString(), MetricGroup::Via::All}, {}});
    // What the monolith served, all routes together: the board's monolith row, judged the same way.
    if (const MetricGroup monolith {MetricGroup::Scope::Overall, QString(), MetricGroup::Via::Monolith}; metrics.hasGroup(monolith))
        rows.append(Row {monolith, {}});
    const QList<MetricGroup> services = metrics.serviceGroups();
    for (const MetricGroup &g : services)
        rows.append(Row {g, {}});
    for (Row &r : rows)
        r.status = metrics.slo(r.group, thresholds, policy);

    const bool sameShape = rows.size() == m_rows.size()
        && std::equal(rows.begin(), rows.end(), m_rows.begin(), [](const Row &a, const Row &b) { return a.group == b.group; });
    if (sameShape) {
        m_rows = std::move(rows);
        if (!m_rows.isEmpty())
            Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

SloState SloModel::worst() const
{
    // No rows: nothing to judge. Otherwise the worst row, starting from "met" (starting from "no
    // data" made a panel of met rows read "no traffic data yet").
    if (m_rows.isEmpty())
        return SloState::NoData;
    SloState w = SloState::Met;
    for (const Row &r : m_rows)
        w = worseSloState(w, r.status.state());
    return w;
}

static QString percent(double v, int decimals)
{
    return std::isnan(v) ? QStringLiteral("—") : QStringLiteral("%1 %").arg(v * 100.0, 0, 'f', decimals);
}

// "3.2×", or "3.2× (5 min of 1 h)" while the data does not cover the whole window yet.
static QString burn(std::optional<double> v, std::chrono::milliseconds span, std::chrono::seconds window)
{
    if (!v)
        return QStringLiteral("—");
    const QString rate = QStringLiteral("%1×").arg(*v, 0, 'f', *v < 10 ? 1 : 0);
    // A scrape's jitter leaves a full window a little short of its length.
    if (span + std::chrono::seconds(5) >= window)
        return rate;
    return SloModel::tr("%1 (%2 of %3)").arg(rate, windowText(span), windowText(window));
}

QString SloModel::scopeName(const MetricGroup &group)
{
    if (group.scope != MetricGroup::Scope::Overall)
        return group.name;
    return group.via == MetricGroup::Via::Monolith ? tr("Monolith (all it served)") : tr("All traffic");
}

QString SloModel::worstReason() const
{
    const SloState worst = this->worst();
    for (const Row &r : m_rows) {
        const SloStatus &s = r.status;
        const QString scope = scopeName(r.group);
        if (s.state() == worst)
            return scope + QStringLiteral(": ") + s.explain();
    }
    return {};
}

bool SloModel::hasTraffic() const
{
    return std::any_of(m_rows.begin(), m_rows.end(), [](const Row &r) { return r.status.window.requests > 0; });
}

QVariant SloModel::data(const QModelIndex &index, int role) const
{
    // Service names, messages and versions come from the gateway: shown inert (models/displaytext.h).
    return inertForDisplay(exactData(index, role), role);
}

QVariant SloModel::exactData(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &r = m_rows[index.row()];
    const SloStatus &s = r.status;
    const SloState state = s.state();
    // NaN for "no data" keeps GCC's optional<> maybe-uninitialized false positive away.
    const double errors = s.window.errorRatio.value_or(qQNaN());
    const double availability = 1.0 - errors;
    switch (role) {
    case Qt::DisplayRole:
        switch (Column(index.column())) {
        case ScopeColumn: return scopeName(r.group);
        case RequestsColumn: return s.window.requests > 0 ? QString::number(qint64(s.window.requests)) : QStringLiteral("—");
        case AvailabilityColumn: return percent(availability, 3);
        case P95Column:
            if (!std::isnan(s.window.p95))
                return QStringLiteral("%1 ms").arg(s.window.p95 * 1000.0, 0, 'f', 0);
            // An average cannot be judged against a p95 target; it is shown as what it is.
            return std::isnan(s.window.average) ? QStringLiteral("—")
                                                : tr("avg %1 ms (no p95)").arg(s.window.average * 1000.0, 0, 'f', 0);
        case ErrorColumn: return percent(errors, 3);
        case BurnLongColumn: return burn(s.burn.longBurnRate, s.burn.longSpan, m_policy.longWindow);
        case BurnShortColumn: return burn(s.burn.shortBurnRate, s.burn.shortSpan, m_policy.shortWindow);
        case StateColumn: return s.burn.page() ? tr("BREACHED — burning budget") : sloStateName(state).toUpper();
        case ColumnCount: break;
        }
        return {};
    case StateRole:
        return int(state);
    case CellStateRole:
        switch (Column(index.column())) {
        case AvailabilityColumn: return int(s.evaluation.availability.state);
        case P95Column: return int(s.evaluation.latency.state);
        case ErrorColumn: return int(s.evaluation.errorRate.state);
        case BurnLongColumn:
        case BurnShortColumn: return int(s.burn.state);
        case StateColumn: return int(state);
        default: return int(SloState::NoData);
        }
    case Qt::ToolTipRole: {
        QString tip;
        switch (Column(index.column())) {
        case AvailabilityColumn: tip = s.evaluation.availability.explain() + QLatin1Char('\n'); break;
        case P95Column: tip = s.evaluation.latency.explain() + QLatin1Char('\n'); break;
        case ErrorColumn: tip = s.evaluation.errorRate.explain() + QLatin1Char('\n'); break;
        case StateColumn:
            if (const QString why = s.explain(); !why.isEmpty())
                tip = why + QLatin1Char('\n');
            break;
        default: break;
        }
        return QString(tip
            + tr("Window: last %1 (%2 requests). Targets: availability ≥ %3 %, p95 ≤ %4 ms, errors ≤ %5 %. "
                 "A ratio is judged met or breached only when its 95 % confidence interval is wholly on one side "
                 "of the target; p95 needs %6 requests. Burn rate = error ratio / error budget; paging needs "
                 "both windows above %7×.")
                  .arg(windowText(s.window.span))
                  .arg(qint64(s.window.requests))
                  .arg(m_thresholds.availabilityTarget * 100.0, 0, 'f', 2)
                  .arg(m_thresholds.latencyP95Max.count(), 0, 'f', 0)
                  .arg(m_thresholds.errorRatioMax * 100.0, 0, 'f', 2)
                  .arg(m_thresholds.minLatencyRequests, 0, 'f', 0)
                  .arg(m_policy.threshold, 0, 'f', 1));
    }
    case Qt::TextAlignmentRole:
        return index.column() == ScopeColumn || index.column() == StateColumn ? QVariant() : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case SortRole:
        switch (Column(index.column())) {
        case StateColumn: return -int(state);
        case ErrorColumn: return s.window.errorRatio.value_or(-1);
        case P95Column: return std::isnan(s.window.p95) ? -1.0 : s.window.p95;
        default: return exactData(index, Qt::DisplayRole);
        }
    default:
        return {};
    }
}

QVariant SloModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case ScopeColumn: return tr("Scope");
    case RequestsColumn: return tr("Requests (5 min)");
    case AvailabilityColumn: return tr("Availability");
    case P95Column: return tr("p95");
    case ErrorColumn: return tr("Error rate");
    case BurnLongColumn: return tr("Burn 1 h");
    case BurnShortColumn: return tr("Burn 5 min");
    case StateColumn: return tr("SLO");
    case ColumnCount: break;
    }
    return {};
}

} // namespace cutover
