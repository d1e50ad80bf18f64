#pragma once

#include "client/domain.h"
#include "models/pendingchange.h"
#include "models/timeseriesstore.h"

#include <QAbstractTableModel>
#include <QHash>

#include <chrono>
#include <optional>

namespace cutover {

class MetricsAggregator;

// Requests of one route per backend over the observation window, from the metrics.
struct ObservedSplit
{
    double monolithRequests = 0;
    double microserviceRequests = 0;
    std::optional<double> requestRate; // req/s of the whole route
    double total() const { return monolithRequests + microserviceRequests; }
    // Share served by the microservice, 0..1; none without requests.
    std::optional<double> microserviceShare() const;
};

// The gateway's routes as the poller last read them, side by side with the split the metrics
// observe, and the state of the operator's own changes (ChangeState). The microservice share to
// expect is the configured percent, raised by the route's use_<x>_microservice flag (its users go
// to the microservice whatever the percent) and 0 while the emergency rollback is engaged. A row
// is flagged as a mismatch only with enough requests to judge and once the observation window
// holds nothing from before the last configuration change.
class RoutesModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { RouteColumn, ServiceColumn, ConfiguredColumn, ObservedColumn, TrafficColumn, StateColumn,
                  ChangedColumn, ColumnCount };
    enum Role { RouteIdRole = Qt::UserRole + 1, ConfiguredRole, ObservedShareRole, ExpectedShareRole, MismatchRole,
                ChangeStateRole, SortRole };

    static constexpr std::chrono::seconds kWindow {30};
    static constexpr double kMinRequests = 100;   // fewer requests in the window: too little to judge
    static constexpr double kMinDifference = 0.05; // and a difference of at least 5 points

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void apply(const RouteList &list);
    void setFlags(const FlagList &flags);
    // Reads each route's split over kWindow from the aggregator (after every scrape).
    void observe(const MetricsAggregator &metrics);
    // The same with numbers given directly, as of the scrape time `at`.
    void setObserved(const QHash<QString, ObservedSplit> &byRoute, WallTime at);

    bool hasData() const { return m_loaded; }
    QString listVersion() const { return m_version; }
    bool rollbackEngaged() const { return m_rollbackEngaged; }
    int rowOf(const QString &routeId) const;
    const Route &route(int row) const { return m_rows.at(row); }
    std::optional<Route> find(const QString &routeId) const;
    std::optional<ObservedSplit> observed(const QString &routeId) const;
    // Share of users of `service` that its flag sends to the microservice, 0..1 (0 without a flag).
    double flagShare(const QString &service) const;
    // The flag that routes users of `service` (empty when none).
    QString flagFor(const QString &service) const;
    double expectedShare(int row) const;
    bool mismatch(int row) const;
    // Routes whose service is `service`.
    QList<Route> routesOf(const QString &service) const;

    const PendingChange &change(const QString &routeId) const;
    void setChange(const QString &routeId, const PendingChange &change);
    void clearChange(const QString &routeId) { setChange(routeId, {}); }

private:
    // data() before gateway text is rendered inert for display (models/displaytext.h).
    QVariant exactData(const QModelIndex &index, int role) const;
    void rowChanged(int row);

    QList<Route> m_rows;
    QHash<QString, ObservedSplit> m_observed;
    QHash<QString, PendingChange> m_changes;
    QHash<QString, WallTime> m_changedAt; // last configuration change seen, in scrape time
    QList<Flag> m_flags;
    QString m_version;
    WallTime m_observedAt {};
    bool m_rollbackEngaged = false;
    bool m_loaded = false;
};

// Requests per second that a percent change moves between the monolith and the microservice:
// positive towards the microservice. Users in the route's flag already go to the microservice
// and are not moved.
double movedRate(double routeRate, double flagShare, int fromPercent, int toPercent);

} // namespace cutover
