#pragma once

#include "client/domain.h"
#include "models/slo.h"

#include <QAbstractTableModel>

namespace cutover {

// Live traffic numbers of one row, from the metrics (none until two scrapes have been seen).
struct ServiceStats
{
    std::optional<double> requestRate;   // req/s over the last minute
    std::optional<double> errorRatio;    // 5xx share over the last minute
    std::optional<double> p95Ms;
    std::optional<double> averageMs;     // where the gateway has averages but no histogram
    SloState slo = SloState::NoData;     // against the profile's thresholds, 5-minute window
    QList<float> trend;                  // recent request rate, oldest first
};

// The health board's rows: the gateway and every upstream, updated in place from each health
// snapshot (rows keep their identity by name, so selection and sorting survive refreshes).
// When the data stops being current the model is marked stale and says so in every row.
class ServiceModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { NameColumn, KindColumn, StatusColumn, RateColumn, ErrorColumn, P95Column, TrendColumn, LatencyColumn,
                  DbColumn, VersionColumn, CheckedColumn, ColumnCount };
    enum Role { StatusRole = Qt::UserRole + 1, KindRole, StaleRole, SortRole, TrendRole, SloRole, AttentionRole };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void apply(const HealthSnapshot &snapshot);
    void setStale(bool stale);
    // The metrics (request rate, errors, p95, trend) stopped being current while the health
    // checks go on: those columns are marked stale on their own.
    void setMetricsStale(bool stale);
    bool isMetricsStale() const { return m_metricsStale; }
    void setStats(int row, std::optional<ServiceStats> stats);
    const std::optional<ServiceStats> &stats(int row) const { return m_stats.at(row); }
    bool isStale() const { return m_stale; }
    const ServiceHealth &service(int row) const { return m_rows.at(row); }
    int rowOf(const QString &name) const;
    // Counts by status, for the summary line.
    int count(HealthStatus status) const;

private:
    bool metricsAreStaleAt(int column) const;

    QList<ServiceHealth> m_rows;
    QList<std::optional<ServiceStats>> m_stats; // parallel to m_rows
    bool m_stale = false;
    bool m_metricsStale = false;
};

} // namespace cutover
