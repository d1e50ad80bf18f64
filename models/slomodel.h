#pragma once

#include "models/metricsaggregator.h"

#include <QAbstractTableModel>

namespace cutover {

// The SLO panel's rows: all traffic first, then what the monolith served, then every service, each against the profile's
// thresholds over the SLO window, with the two burn rates and a state that says "breached"
// plainly. Refreshed from the aggregator after each scrape.
class SloModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { ScopeColumn, RequestsColumn, AvailabilityColumn, P95Column, ErrorColumn, BurnLongColumn,
                  BurnShortColumn, StateColumn, ColumnCount };
    enum Role { StateRole = Qt::UserRole + 1, CellStateRole, SortRole };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    // data() before gateway text is made inert: for sorting and filtering on the exact text.
    QVariant exactData(const QModelIndex &index, int role = Qt::DisplayRole) const;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void refresh(const MetricsAggregator &metrics, const SloThresholds &thresholds, const BurnRatePolicy &policy = {});
    const SloThresholds &thresholds() const { return m_thresholds; }
    // Worst state over all rows, for a summary badge.
    SloState worst() const;
    // Why the worst row is in that state ("payment-service: errors 2.6 % > 0.1 % over 5 min
    // (3,012 requests)"); empty when every row is met.
    QString worstReason() const;
    // "All traffic", "Monolith (all it served)", or the service's name.
    static QString scopeName(const MetricGroup &group);
    // Some row saw requests in its window.
    bool hasTraffic() const;

    struct Row
    {
        MetricGroup group;
        SloStatus status;
    };
    const Row &row(int r) const { return m_rows.at(r); }

private:
    QList<Row> m_rows;
    SloThresholds m_thresholds;
    BurnRatePolicy m_policy;
};

} // namespace cutover
