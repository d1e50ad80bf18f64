#include "routesmodel.h"
#include "client/displaytext.h"

#include "models/flagsmodel.h"
#include "models/metricsaggregator.h"

#include <algorithm>
#include <cmath>

namespace cutover {

namespace {

QString percentText(double share)
{
    const double pct = share * 100.0;
    return QStringLiteral("%1 %").arg(pct, 0, 'f', pct > 0 && pct < 10 ? 1 : 0);
}

QString rateText(double rate)
{
    return rate < 0.05 ? QStringLiteral("0") : QString::number(rate, 'f', rate < 10 ? 1 : 0);
}

QString flagService(const Flag &flag)
{
    return FlagsModel::serviceOf(flag);
}

double shareOf(const Flag &flag)
{
    return flag.enabled ? std::clamp(flag.rolloutPercent, 0, 100) / 100.0 : 0.0;
}

} // namespace

std::optional<double> ObservedSplit::microserviceShare() const
{
    const double t = total();
    if (t <= 0)
        return std::nullopt;
    return microserviceRequests / t;
}

double movedRate(double routeRate, double flagShare, int fromPercent, int toPercent)
{
    return routeRate * (1.0 - std::clamp(flagShare, 0.0, 1.0)) * double(toPercent - fromPercent) / 100.0;
}

int RoutesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RoutesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

int RoutesModel::rowOf(const QString &routeId) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].id == routeId)
            return int(i);
    return -1;
}

std::optional<Route> RoutesModel::find(const QString &routeId) const
{
    const int row = rowOf(routeId);
    return row < 0 ? std::nullopt : std::optional<Route>(m_rows[row]);
}

std::optional<ObservedSplit> RoutesModel::observed(const QString &routeId) const
{
    const auto it = m_observed.constFind(routeId);
    return it == m_observed.constEnd() ? std::nullopt : std::optional<ObservedSplit>(*it);
}

QString RoutesModel::flagFor(const QString &service) const
{
    for (const Flag &f : m_flags)
        if (flagService(f) == service)
            return f.name;
    return {};
}

double RoutesModel::flagShare(const QString &service) const
{
    for (const Flag &f : m_flags)
        if (flagService(f) == service)
            return shareOf(f);
    return 0.0;
}

QList<Route> RoutesModel::routesOf(const QString &service) const
{
    QList<Route> out;
    for (const Route &r : m_rows)
        if (r.service == service)
            out.append(r);
    return out;
}

double RoutesModel::expectedShare(int row) const
{
    if (m_rollbackEngaged)
        return 0.0;
    const Route &r = m_rows.at(row);
    const double f = flagShare(r.service);
    return f + (1.0 - f) * std::clamp(r.microservicePercent, 0, 100) / 100.0;
}

bool RoutesModel::mismatch(int row) const
{
    const Route &r = m_rows.at(row);
    const auto obs = observed(r.id);
    if (!obs || obs->total() < kMinRequests)
        return false;
    if (const auto it = m_changedAt.constFind(r.id); it != m_changedAt.constEnd() && m_observedAt - *it < kWindow)
        return false; // the window still holds traffic from before the change
    const double expected = expectedShare(row);
    const double share = *obs->microserviceShare();
    // Four standard deviations of a binomial share: chance alone almost never gets there.
    const double noise = 4.0 * std::sqrt(std::max(expected * (1.0 - expected), 1e-4) / obs->total());
    return std::abs(share - expected) > std::max(kMinDifference, noise);
}

const PendingChange &RoutesModel::change(const QString &routeId) const
{
    static const PendingChange idle;
    const auto it = m_changes.constFind(routeId);
    return it == m_changes.constEnd() ? idle : *it;
}

void RoutesModel::setChange(const QString &routeId, const PendingChange &change)
{
    if (change.state == ChangeState::Idle)
        m_changes.remove(routeId);
    else
        m_changes.insert(routeId, change);
    rowChanged(rowOf(routeId));
}

void RoutesModel::rowChanged(int row)
{
    if (row >= 0)
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void RoutesModel::apply(const RouteList &list)
{
    const bool rollbackToggled = m_loaded && list.rollbackEngaged != m_rollbackEngaged;
    m_version = list.version;
    m_rollbackEngaged = list.rollbackEngaged;
    m_loaded = true;

    for (int row = int(m_rows.size()) - 1; row >= 0; --row) {
        const QString &id = m_rows[row].id;
        if (std::none_of(list.routes.begin(), list.routes.end(), [&id](const Route &r) { return r.id == id; })) {
            beginRemoveRows({}, row, row);
            m_rows.removeAt(row);
            endRemoveRows();
        }
    }
    for (const Route &r : list.routes) {
        // A change of ours is confirmed once the list shows a version newer than the one we changed.
        if (auto it = m_changes.find(r.id); it != m_changes.end() && it->state == ChangeState::Confirming
            && r.version != it->baseVersion)
            m_changes.erase(it);
        const int row = rowOf(r.id);
        if (row < 0) {
            beginInsertRows({}, int(m_rows.size()), int(m_rows.size()));
            m_rows.append(r);
            endInsertRows();
            continue;
        }
        Route &old = m_rows[row];
        if (old.microservicePercent != r.microservicePercent || rollbackToggled)
            m_changedAt.insert(r.id, m_observedAt);
        old = r;
        rowChanged(row); // also refreshes the state column of a confirmed change
    }
}

void RoutesModel::setFlags(const FlagList &flags)
{
    for (const Flag &f : flags.flags) {
        const QString service = flagService(f);
        if (service.isEmpty())
            continue;
        const auto before = std::find_if(m_flags.begin(), m_flags.end(), [&f](const Flag &o) { return o.name == f.name; });
        if (before != m_flags.end() && shareOf(*before) != shareOf(f))
            for (const Route &r : routesOf(service))
                m_changedAt.insert(r.id, m_observedAt);
    }
    m_flags = flags.flags;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, ObservedColumn), index(int(m_rows.size()) - 1, ObservedColumn));
}

void RoutesModel::observe(const MetricsAggregator &metrics)
{
    QHash<QString, ObservedSplit> byRoute;
    for (const Route &r : m_rows) {
        using Scope = MetricGroup::Scope;
        using Via = MetricGroup::Via;
        // The metrics label a route by its id; a gateway may use the prefix instead.
        QString name = r.id;
        if (!metrics.hasGroup({Scope::Route, name, Via::All}) && metrics.hasGroup({Scope::Route, r.prefix, Via::All}))
            name = r.prefix;
        if (!metrics.hasGroup({Scope::Route, name, Via::All}))
            continue;
        const WindowStats all = metrics.stats({Scope::Route, name, Via::All}, kWindow);
        if (!all.requestRate)
            continue; // one scrape is not a window yet
        ObservedSplit split;
        split.requestRate = all.requestRate;
        if (metrics.hasGroup({Scope::Route, name, Via::Monolith}))
            split.monolithRequests = metrics.stats({Scope::Route, name, Via::Monolith}, kWindow).requests;
        if (metrics.hasGroup({Scope::Route, name, Via::Microservice}))
            split.microserviceRequests = metrics.stats({Scope::Route, name, Via::Microservice}, kWindow).requests;
        byRoute.insert(r.id, split);
    }
    setObserved(byRoute, metrics.lastScrape());
}

void RoutesModel::setObserved(const QHash<QString, ObservedSplit> &byRoute, WallTime at)
{
    m_observed = byRoute;
    m_observedAt = at;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, ObservedColumn), index(int(m_rows.size()) - 1, TrafficColumn));
}

QVariant RoutesModel::data(const QModelIndex &index, int role) const
{
    // Gateway text never steers the display: control and bidi characters are shown as escapes.
    return inertForDisplay(exactData(index, role), role);
}

QVariant RoutesModel::exactData(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int row = index.row();
    const Route &r = m_rows[row];
    const auto obs = observed(r.id);
    const auto share = obs ? obs->microserviceShare() : std::nullopt;
    const PendingChange &pending = change(r.id);
    switch (role) {
    case Qt::DisplayRole:
        switch (Column(index.column())) {
        case RouteColumn: return r.prefix.isEmpty() ? r.id : r.prefix;
        case ServiceColumn: return r.service;
        case ConfiguredColumn:
            return m_rollbackEngaged ? tr("%1 % · rollback engaged").arg(r.microservicePercent)
                                     : tr("%1 %").arg(r.microservicePercent);
        case ObservedColumn:
            if (!share)
                return QStringLiteral("—");
            return mismatch(row) ? tr("⚠ %1 (expected %2)").arg(percentText(*share), percentText(expectedShare(row)))
                                 : percentText(*share);
        case TrafficColumn: {
            if (!obs || !obs->requestRate)
                return QStringLiteral("—");
            const double rate = *obs->requestRate;
            const double micro = share ? rate * *share : 0.0;
            return tr("%1 monolith · %2 micro req/s").arg(rateText(rate - micro), rateText(micro));
        }
        case StateColumn: return changeStateText(pending);
        case ChangedColumn:
            return r.updatedAt.isValid() ? tr("%1 · %2").arg(r.updatedBy, r.updatedAt.toLocalTime().toString(QStringLiteral("HH:mm:ss")))
                                         : r.updatedBy;
        case ColumnCount: break;
        }
        return {};
    case Qt::ToolTipRole:
        switch (Column(index.column())) {
        case ObservedColumn: {
            if (!obs || !share)
                return tr("No requests of this route in the last %1 s.").arg(kWindow.count());
            QString tip = tr("%1 of %2 requests in the last %3 s went to %4.")
                              .arg(percentText(*share))
                              .arg(obs->total(), 0, 'f', 0)
                              .arg(kWindow.count())
                              .arg(r.service);
            const QString flag = flagFor(r.service);
            if (m_rollbackEngaged)
                tip += QLatin1Char('\n') + tr("The emergency rollback is engaged: all traffic should go to the monolith.");
            else if (!flag.isEmpty() && flagShare(r.service) > 0)
                tip += QLatin1Char('\n') + tr("Expected %1: %2 % configured, plus the users in flag %3.")
                                              .arg(percentText(expectedShare(row)))
                                              .arg(r.microservicePercent)
                                              .arg(flag);
            if (obs->total() < kMinRequests)
                tip += QLatin1Char('\n') + tr("Too few requests to judge whether this matches the configuration.");
            else if (mismatch(row))
                tip += QLatin1Char('\n') + tr("This differs from what the configuration should produce.");
            return tip;
        }
        case StateColumn: return pending.state == ChangeState::Failed ? pending.message : QVariant();
        default:
            return tr("Route %1 (%2 → %3), version %4").arg(r.id, r.prefix, r.service, r.version);
        }
    case Qt::TextAlignmentRole:
        switch (Column(index.column())) {
        case ConfiguredColumn:
        case ObservedColumn:
        case TrafficColumn: return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        default: return {};
        }
    case RouteIdRole: return r.id;
    case ConfiguredRole: return r.microservicePercent;
    case ObservedShareRole: return share ? QVariant(*share) : QVariant();
    case ExpectedShareRole: return expectedShare(row);
    case MismatchRole: return mismatch(row);
    case ChangeStateRole: return int(pending.state);
    case SortRole:
        switch (Column(index.column())) {
        case ConfiguredColumn: return r.microservicePercent;
        case ObservedColumn: return share.value_or(-1.0);
        case TrafficColumn: return obs && obs->requestRate ? *obs->requestRate : -1.0;
        case ChangedColumn: return r.updatedAt;
        default: return data(index, Qt::DisplayRole);
        }
    default:
        return {};
    }
}

QVariant RoutesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case RouteColumn: return tr("Route");
    case ServiceColumn: return tr("Service");
    case ConfiguredColumn: return tr("Configured");
    case ObservedColumn: return tr("Observed (%1 s)").arg(kWindow.count());
    case TrafficColumn: return tr("Traffic");
    case StateColumn: return tr("Change");
    case ChangedColumn: return tr("Last changed");
    case ColumnCount: break;
    }
    return {};
}

} // namespace cutover
