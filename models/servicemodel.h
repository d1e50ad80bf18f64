#pragma once

#include "client/domain.h"
#include "models/metricsaggregator.h"
#include "models/slo.h"

#include <QAbstractTableModel>

namespace cutover {

// Live traffic numbers of one row, from the metrics (none until two scrapes have been seen).
struct ServiceStats
{
    // The board's live numbers, over kLiveWindow (or what the data covers: `span`).
    std::optional<double> requestRate;   // req/s
    std::optional<double> errorRatio;    // 5xx share
    std::optional<double> p95Ms;
    std::optional<double> averageMs;     // where the gateway has averages but no histogram
    std::chrono::milliseconds span {0};
    // Each live number judged on its own, so that only a number beyond its objective is marked.
    Verdict errorVerdict {Verdict::Objective::ErrorRate};
    Verdict latencyVerdict {Verdict::Objective::Latency};
    // The SLO over the SLO window, exactly as the SLO panel's row for the same group.
    SloStatus slo;
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
    // StatusRole: the row's status, the worst of its health check and its SLO (a service whose
    // check passes while its traffic breaches the SLO is not healthy). HealthRole: the check alone.
    // SloRole: the row's SLO state; CellSloRole: the verdict on the cell's own number.
    enum Role { StatusRole = Qt::UserRole + 1, KindRole, StaleRole, SortRole, TrendRole, SloRole, AttentionRole,
                HealthRole, CellSloRole };
    // The window of the live numbers (request rate, errors, p95), named in their headers.
    static constexpr std::chrono::seconds kLiveWindow {60};

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    // data() before gateway text is made inert: for sorting and filtering on the exact text.
    QVariant exactData(const QModelIndex &index, int role = Qt::DisplayRole) const;
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
    // Counts by the row's status (health check and SLO), for the summary line.
    int count(HealthStatus status) const;
    // Rows whose SLO is breached, as the SLO panel says.
    int countSloBreached() const;
    // The worst of the health check and the SLO verdict, and the sentence that says why
    // ("healthy check; errors 2.6 % > 0.1 % over 5 min (3,012 requests)").
    HealthStatus status(int row) const;
    QString statusReason(int row) const;

private:
    bool metricsAreStaleAt(int column) const;

    QList<ServiceHealth> m_rows;
    QList<std::optional<ServiceStats>> m_stats; // parallel to m_rows
    bool m_stale = false;
    bool m_metricsStale = false;
};

} // namespace cutover
