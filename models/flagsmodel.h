#pragma once

#include "client/domain.h"
#include "models/pendingchange.h"

#include <QAbstractTableModel>
#include <QHash>

namespace cutover {

// The gateway's feature flags as the poller last read them, with the routes each one affects and
// the state of the operator's own changes. A flag named use_<x>_microservice affects the routes of
// <x>-service: the gateway says which (Flag::routes); when it does not, they are matched here by
// service against the route list.
class FlagsModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { NameColumn, EnabledColumn, RolloutColumn, AllowColumn, RoutesColumn, StateColumn, ChangedColumn,
                  ColumnCount };
    enum Role { FlagNameRole = Qt::UserRole + 1, EnabledRole, RolloutRole, ChangeStateRole, SortRole };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void apply(const FlagList &list);
    void setRoutes(const RouteList &routes);

    bool hasData() const { return m_loaded; }
    int rowOf(const QString &name) const;
    const Flag &flag(int row) const { return m_rows.at(row); }
    std::optional<Flag> find(const QString &name) const;
    // The service the flag steers ("payment-service"), empty when the name has another shape.
    static QString serviceOf(const Flag &flag);
    // The routes the flag affects, in route-list order.
    QList<Route> affectedRoutes(const Flag &flag) const;
    bool rollbackEngaged() const { return m_rollbackEngaged; }

    const PendingChange &change(const QString &name) const;
    void setChange(const QString &name, const PendingChange &change);
    void clearChange(const QString &name) { setChange(name, {}); }

private:
    // data() before gateway text is rendered inert for display (models/displaytext.h).
    QVariant exactData(const QModelIndex &index, int role) const;
    void rowChanged(int row);

    QList<Flag> m_rows;
    QList<Route> m_routes;
    QHash<QString, PendingChange> m_changes;
    bool m_rollbackEngaged = false;
    bool m_loaded = false;
};

} // namespace cutover
