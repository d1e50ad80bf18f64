#include "servicemodel.h"

#include "client/displaytext.h"

#include <algorithm>

namespace cutover {

namespace {

QString checksText(const ServiceHealth &s)
{
    QStringList parts;
    for (const HealthCheck &c : s.checks) {
        QString part = c.name + QLatin1Char(' ') + healthName(c.status);
        if (c.latency)
            part += QStringLiteral(" (%1 ms)").arg(c.latency->count(), 0, 'f', 1);
        parts << part;
    }
    return parts.isEmpty() ? QStringLiteral("—") : parts.join(QStringLiteral(", "));
}

int severity(HealthStatus s)
{
    switch (s) {
    case HealthStatus::Unhealthy: return 0;
    case HealthStatus::Degraded: return 1;
    case HealthStatus::Unknown: return 2;
    case HealthStatus::Healthy: return 3;
    }
    return 2;
}

bool sameRow(const ServiceHealth &a, const ServiceHealth &b)
{
    return a.status == b.status && a.latency == b.latency && a.checkedAt == b.checkedAt && a.version == b.version
        && a.message == b.message && checksText(a) == checksText(b) && a.kind == b.kind;
}

} // namespace

int ServiceModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ServiceModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

int ServiceModel::rowOf(const QString &name) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].name == name)
            return int(i);
    return -1;
}

int ServiceModel::count(HealthStatus status) const
{
    int n = 0;
    for (int row = 0; row < int(m_rows.size()); ++row)
        n += this->status(row) == status;
    return n;
}

int ServiceModel::countSloBreached() const
{
    return int(std::count_if(m_stats.begin(), m_stats.end(), [](const std::optional<ServiceStats> &st) {
        return st && st->slo.state() == SloState::Breached;
    }));
}

HealthStatus ServiceModel::status(int row) const
{
    const HealthStatus check = m_rows.at(row).status;
    const std::optional<ServiceStats> &st = m_stats.at(row);
    // Stale metrics judge nothing: the status is then the check's alone (and marked stale).
    if (!st || m_metricsStale || st->slo.state() != SloState::Breached)
        return check;
    return check == HealthStatus::Unhealthy ? check : HealthStatus::Degraded;
}

QString ServiceModel::statusReason(int row) const
{
    const ServiceHealth &s = m_rows.at(row);
    QString check = tr("%1 check").arg(healthName(s.status));
    if (!s.message.isEmpty() && s.message != QLatin1String("ok"))
        check += QStringLiteral(" (%1)").arg(s.message);
    const std::optional<ServiceStats> &st = m_stats.at(row);
    if (!st)
        return check + tr("; no traffic numbers yet");
    if (m_metricsStale)
        return check + tr("; metrics stale, SLO not judged");
    const SloState slo = st->slo.state();
    if (slo == SloState::Met)
        return check + tr("; SLO met over %1").arg(windowText(st->slo.window.span));
    return check + QStringLiteral("; ") + st->slo.explain();
}

void ServiceModel::apply(const HealthSnapshot &snapshot)
{
    QList<ServiceHealth> incoming;
    incoming.reserve(snapshot.services.size() + 1);
    incoming.append(snapshot.gateway);
    incoming.append(snapshot.services);

    // Remove rows that disappeared, update the ones that stayed, append the new ones.
    for (int row = int(m_rows.size()) - 1; row >= 0; --row) {
        const QString &name = m_rows[row].name;
        const bool present = std::any_of(incoming.begin(), incoming.end(),
                                         [&name](const ServiceHealth &s) { return s.name == name; });
        if (!present) {
            beginRemoveRows({}, row, row);
            m_rows.removeAt(row);
            m_stats.removeAt(row);
            endRemoveRows();
        }
    }
    for (const ServiceHealth &s : incoming) {
        const int row = rowOf(s.name);
        if (row < 0) {
            beginInsertRows({}, int(m_rows.size()), int(m_rows.size()));
            m_rows.append(s);
            m_stats.append(std::nullopt);
            endInsertRows();
        } else if (!sameRow(m_rows[row], s)) {
            m_rows[row] = s;
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        }
    }
    setStale(false);
}

void ServiceModel::setStats(int row, std::optional<ServiceStats> stats)
{
    if (row < 0 || row >= m_rows.size())
        return;
    m_stats[row] = std::move(stats);
    // The status follows the SLO too.
    Q_EMIT dataChanged(index(row, StatusColumn), index(row, TrendColumn));
}

void ServiceModel::setStale(bool stale)
{
    if (m_stale == stale)
        return;
    m_stale = stale;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
}

bool ServiceModel::metricsAreStaleAt(int column) const
{
    return m_metricsStale && column >= RateColumn && column <= TrendColumn;
}

void ServiceModel::setMetricsStale(bool stale)
{
    if (m_metricsStale == stale)
        return;
    m_metricsStale = stale;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, StatusColumn), index(int(m_rows.size()) - 1, TrendColumn));
}

QVariant ServiceModel::data(const QModelIndex &index, int role) const
{
    // Service names, messages and versions come from the gateway: shown inert (models/displaytext.h).
    return inertForDisplay(exactData(index, role), role);
}

QVariant ServiceModel::exactData(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ServiceHealth &s = m_rows[index.row()];
    const std::optional<ServiceStats> &st = m_stats[index.row()];
    switch (role) {
    case Qt::DisplayRole:
        switch (Column(index.column())) {
        case RateColumn: return st && st->requestRate ? QStringLiteral("%1/s").arg(*st->requestRate, 0, 'f', *st->requestRate < 10 ? 1 : 0) : QStringLiteral("—");
        case ErrorColumn: return st && st->errorRatio ? QStringLiteral("%1 %").arg(*st->errorRatio * 100.0, 0, 'f', *st->errorRatio < 0.01 ? 2 : 1) : QStringLiteral("—");
        case P95Column:
            if (st && st->p95Ms)
                return QStringLiteral("%1 ms").arg(*st->p95Ms, 0, 'f', 0);
            // Never shown as a p95: marked as the average it is.
            return st && st->averageMs ? tr("avg %1 ms").arg(*st->averageMs, 0, 'f', 0) : QStringLiteral("—");
        case TrendColumn: return {};
        case NameColumn: return s.name;
        case KindColumn: return serviceKindName(s.kind);
        case StatusColumn: {
            const HealthStatus shown = status(index.row());
            QString text = shown != s.status && shown == HealthStatus::Degraded ? tr("SLO breached") : healthName(shown);
            if (shown != s.status && s.status != HealthStatus::Healthy)
                text = healthName(s.status) + tr(", SLO breached");
            return m_stale ? text + QStringLiteral(" (stale)") : text;
        }
        case LatencyColumn: return s.latency ? QStringLiteral("%1 ms").arg(s.latency->count(), 0, 'f', 1) : QStringLiteral("—");
        case DbColumn: return checksText(s);
        case VersionColumn: return s.version.isEmpty() ? QStringLiteral("—") : s.version;
        case CheckedColumn: return s.checkedAt.isValid() ? s.checkedAt.toLocalTime().toString(QStringLiteral("HH:mm:ss")) : QStringLiteral("never");
        case ColumnCount: break;
        }
        return {};
    case Qt::ToolTipRole:
        if (!m_stale && metricsAreStaleAt(index.column()))
            return tr("Metrics are stale: these are the numbers of the last good scrape.");
        if (index.column() == P95Column && st && !st->p95Ms && st->averageMs)
            return tr("Average over the gateway's last 1024 requests per server, weighted by traffic. The gateway "
                      "keeps no histogram, so there is no p95 to show.");
        if (index.column() == StatusColumn)
            return statusReason(index.row());
        if (index.column() == ErrorColumn && st)
            return st->errorVerdict.explain();
        if (index.column() == P95Column && st && st->p95Ms)
            return st->latencyVerdict.explain();
        return QStringLiteral("%1 (%2): %3\n%4%5")
            .arg(s.name, serviceKindName(s.kind), healthName(s.status), s.message.isEmpty() ? QString() : s.message + QLatin1Char('\n'),
                 s.url);
    case Qt::TextAlignmentRole:
        switch (Column(index.column())) {
        case LatencyColumn:
        case RateColumn:
        case ErrorColumn:
        case P95Column: return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        default: return {};
        }
    case TrendRole:
        return st ? QVariant::fromValue(st->trend) : QVariant();
    case SloRole:
        return int(st ? st->slo.state() : SloState::NoData);
    case CellSloRole:
        if (!st)
            return int(SloState::NoData);
        switch (Column(index.column())) {
        case ErrorColumn: return int(st->errorVerdict.state);
        case P95Column: return int(st->latencyVerdict.state);
        default: return int(SloState::NoData);
        }
    case AttentionRole: {
        // Draws the eye: not healthy, whether by its check or by its SLO.
        const HealthStatus shown = status(index.row());
        return shown == HealthStatus::Unhealthy || shown == HealthStatus::Degraded;
    }
    case StatusRole:
        return int(status(index.row()));
    case HealthRole:
        return int(s.status);
    case KindRole:
        return int(s.kind);
    case StaleRole:
        return m_stale || metricsAreStaleAt(index.column());
    case SortRole:
        switch (Column(index.column())) {
        case StatusColumn: return severity(status(index.row()));
        case RateColumn: return st && st->requestRate ? *st->requestRate : -1.0;
        case ErrorColumn: return st && st->errorRatio ? *st->errorRatio : -1.0;
        case P95Column: return st && st->p95Ms ? *st->p95Ms : st && st->averageMs ? *st->averageMs : -1.0;
        case TrendColumn: return st && !st->trend.isEmpty() ? double(st->trend.constLast()) : -1.0;
        case LatencyColumn: return s.latency ? s.latency->count() : -1.0;
        case CheckedColumn: return s.checkedAt;
        default: return exactData(index, Qt::DisplayRole);
        }
    default:
        return {};
    }
}

QVariant ServiceModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case NameColumn: return tr("Service");
    case KindColumn: return tr("Kind");
    case StatusColumn: return tr("Status");
    case RateColumn: return tr("Requests, %1").arg(windowText(kLiveWindow));
    case ErrorColumn: return tr("Errors, %1").arg(windowText(kLiveWindow));
    case P95Column: return tr("p95, %1").arg(windowText(kLiveWindow));
    case TrendColumn: return tr("Trend (req/s)");
    case LatencyColumn: return tr("Check latency");
    case DbColumn: return tr("Sub-checks");
    case VersionColumn: return tr("Version");
    case CheckedColumn: return tr("Checked");
    case ColumnCount: break;
    }
    return {};
}

} // namespace cutover
