#include "flagsmodel.h"
#include "client/displaytext.h"

#include <QRegularExpression>

#include <algorithm>

namespace cutover {

int FlagsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int FlagsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

int FlagsModel::rowOf(const QString &name) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].name == name)
            return int(i);
    return -1;
}

std::optional<Flag> FlagsModel::find(const QString &name) const
{
    const int row = rowOf(name);
    return row < 0 ? std::nullopt : std::optional<Flag>(m_rows[row]);
}

QString FlagsModel::serviceOf(const Flag &flag)
{
    if (!flag.service.isEmpty())
        return flag.service;
    static const QRegularExpression re(QStringLiteral("^use_(.+)_microservice$"));
    const auto m = re.match(flag.name);
    return m.hasMatch() ? m.captured(1) + QStringLiteral("-service") : QString();
}

QList<Route> FlagsModel::affectedRoutes(const Flag &flag) const
{
    const QString service = serviceOf(flag);
    QList<Route> out;
    for (const Route &r : m_routes)
        if ((!service.isEmpty() && r.service == service) || flag.routes.contains(r.id))
            out.append(r);
    // Routes the gateway names but the route list does not (yet) hold.
    for (const QString &id : flag.routes)
        if (std::none_of(out.begin(), out.end(), [&id](const Route &r) { return r.id == id; })) {
            Route r;
            r.id = id;
            r.service = service;
            out.append(r);
        }
    return out;
}

const PendingChange &FlagsModel::change(const QString &name) const
{
    static const PendingChange idle;
    const auto it = m_changes.constFind(name);
    return it == m_changes.constEnd() ? idle : *it;
}

void FlagsModel::setChange(const QString &name, const PendingChange &change)
{
    if (change.state == ChangeState::Idle)
        m_changes.remove(name);
    else
        m_changes.insert(name, change);
    rowChanged(rowOf(name));
}

void FlagsModel::rowChanged(int row)
{
    if (row >= 0)
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void FlagsModel::apply(const FlagList &list)
{
    m_loaded = true;
    for (int row = int(m_rows.size()) - 1; row >= 0; --row) {
        const QString &name = m_rows[row].name;
        if (std::none_of(list.flags.begin(), list.flags.end(), [&name](const Flag &f) { return f.name == name; })) {
            beginRemoveRows({}, row, row);
            m_rows.removeAt(row);
            endRemoveRows();
        }
    }
    for (const Flag &f : list.flags) {
        if (auto it = m_changes.find(f.name); it != m_changes.end() && it->state == ChangeState::Confirming
            && f.version != it->baseVersion)
            m_changes.erase(it);
        const int row = rowOf(f.name);
        if (row < 0) {
            beginInsertRows({}, int(m_rows.size()), int(m_rows.size()));
            m_rows.append(f);
            endInsertRows();
        } else {
            m_rows[row] = f;
            rowChanged(row);
        }
    }
}

void FlagsModel::setRoutes(const RouteList &routes)
{
    m_routes = routes.routes;
    m_rollbackEngaged = routes.rollbackEngaged;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
}

QVariant FlagsModel::data(const QModelIndex &index, int role) const
{
    // Gateway text never steers the display: control and bidi characters are shown as escapes.
    return inertForDisplay(exactData(index, role), role);
}

QVariant FlagsModel::exactData(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Flag &f = m_rows[index.row()];
    const PendingChange &pending = change(f.name);
    auto routesText = [this, &f] {
        QStringList parts;
        for (const Route &r : affectedRoutes(f))
            parts << (r.prefix.isEmpty() ? r.id : r.prefix);
        return parts.isEmpty() ? QStringLiteral("—") : parts.join(QStringLiteral(", "));
    };
    switch (role) {
    case Qt::DisplayRole:
        switch (Column(index.column())) {
        case NameColumn: return f.name;
        case EnabledColumn: return f.enabled ? tr("on") : tr("off");
        case RolloutColumn: return tr("%1 %").arg(f.rolloutPercent);
        case AllowColumn:
            if (f.allowUsers.isEmpty())
                return QStringLiteral("—");
            if (f.allowUsers.size() <= 2)
                return f.allowUsers.join(QStringLiteral(", "));
            return tr("%1, %2 and %3 more").arg(f.allowUsers[0], f.allowUsers[1]).arg(f.allowUsers.size() - 2);
        case RoutesColumn: return routesText();
        case StateColumn: return changeStateText(pending);
        case ChangedColumn:
            return f.updatedAt.isValid() ? tr("%1 · %2").arg(f.updatedBy, f.updatedAt.toLocalTime().toString(QStringLiteral("HH:mm:ss")))
                                         : f.updatedBy;
        case ColumnCount: break;
        }
        return {};
    case Qt::ToolTipRole:
        switch (Column(index.column())) {
        case AllowColumn:
            return f.allowUsers.isEmpty() ? tr("No users are allow-listed.")
                                          : tr("Always in (while enabled): %1").arg(f.allowUsers.join(QStringLiteral(", ")));
        case RoutesColumn: {
            const QString service = serviceOf(f);
            if (service.isEmpty())
                return tr("This flag does not steer a microservice.");
            QString tip = tr("Users in this flag reach %1 on these routes whatever the route's percent.").arg(service);
            if (m_rollbackEngaged)
                tip += QLatin1Char('\n') + tr("The emergency rollback is engaged: the flag has no effect until it is released.");
            return tip;
        }
        case StateColumn: return pending.state == ChangeState::Failed ? pending.message : QVariant();
        default:
            return f.description.isEmpty() ? tr("%1, version %2").arg(f.name, f.version)
                                           : tr("%1: %2 (version %3)").arg(f.name, f.description, f.version);
        }
    case Qt::TextAlignmentRole:
        return index.column() == RolloutColumn ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    case FlagNameRole: return f.name;
    case EnabledRole: return f.enabled;
    case RolloutRole: return f.rolloutPercent;
    case ChangeStateRole: return int(pending.state);
    case SortRole:
        switch (Column(index.column())) {
        case EnabledColumn: return f.enabled;
        case RolloutColumn: return f.rolloutPercent;
        case AllowColumn: return int(f.allowUsers.size());
        case ChangedColumn: return f.updatedAt;
        default: return data(index, Qt::DisplayRole);
        }
    default:
        return {};
    }
}

QVariant FlagsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case NameColumn: return tr("Flag");
    case EnabledColumn: return tr("Enabled");
    case RolloutColumn: return tr("Rollout");
    case AllowColumn: return tr("Allow-listed users");
    case RoutesColumn: return tr("Affects routes");
    case StateColumn: return tr("Change");
    case ChangedColumn: return tr("Last changed");
    case ColumnCount: break;
    }
    return {};
}

} // namespace cutover
