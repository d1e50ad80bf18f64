#include "auditlog.h"
#include "client/displaytext.h"

#include "client/poller.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QSet>

#include <algorithm>

namespace cutover {

namespace {

QString valueText(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined: return QStringLiteral("\u2014");
    case QJsonValue::Bool: return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double: {
        const double d = v.toDouble();
        return d == double(qint64(d)) ? QString::number(qint64(d)) : QString::number(d, 'g', 6);
    }
    case QJsonValue::String: return v.toString();
    case QJsonValue::Array:
        return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    case QJsonValue::Object:
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    }
    return {};
}

QJsonValue parse(const QByteArray &json)
{
    if (json.isEmpty() || json == "null")
        return QJsonValue(QJsonValue::Null);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (doc.isObject())
        return doc.object();
    if (doc.isArray())
        return doc.array();
    // A scalar, or something we could not read: shown as it came.
    return QString::fromUtf8(json);
}

bool isBookkeeping(const QString &key)
{
    return key == QLatin1String("version") || key == QLatin1String("updated_at") || key == QLatin1String("updated_by");
}

QString membersText(const QJsonObject &o)
{
    QStringList parts;
    for (auto it = o.constBegin(); it != o.constEnd(); ++it)
        if (!isBookkeeping(it.key()) && !it.value().isNull())
            parts << it.key() + QLatin1Char('=') + valueText(it.value());
    return parts.join(QStringLiteral(", "));
}

QString lastSegment(const QString &target)
{
    return target.section(QLatin1Char('/'), -1);
}

} // namespace

AuditLog::AuditLog(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void AuditLog::attach(Poller *poller)
{
    connect(poller, &Poller::auditUpdated, this, &AuditLog::append, Qt::UniqueConnection);
    connect(poller, &Poller::gatewayRestarted, this, &AuditLog::gatewayRestarted, Qt::UniqueConnection);
}

void AuditLog::gatewayRestarted(const QString &description)
{
    m_instanceStart = int(m_entries.size());
    m_rowById.clear();
    m_restartDescription = description;
    m_restartedAt = QDateTime::currentDateTimeUtc();
    if (!m_entries.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    Q_EMIT restarted();
}

void AuditLog::append(const AuditPage &page)
{
    QList<AuditEntry> fresh;
    QSet<qint64> seen;
    for (const AuditEntry &e : page.entries)
        if (!m_rowById.contains(e.id) && !seen.contains(e.id)) {
            fresh.append(e);
            seen.insert(e.id);
        }
    if (fresh.isEmpty())
        return;
    std::sort(fresh.begin(), fresh.end(), [](const AuditEntry &a, const AuditEntry &b) { return a.id < b.id; });
    // Pages arrive in id order; an older entry (a reconnect that pages from 0) is placed in order
    // among the current instance's entries (a previous instance's stay before them).
    if (m_entries.size() > m_instanceStart && fresh.constFirst().id < m_entries.constLast().id) {
        beginResetModel();
        m_entries.append(fresh);
        std::sort(m_entries.begin() + m_instanceStart, m_entries.end(),
                  [](const AuditEntry &a, const AuditEntry &b) { return a.id < b.id; });
        m_changes.resize(m_instanceStart);
        m_rowById.clear();
        for (int i = m_instanceStart; i < m_entries.size(); ++i) {
            m_changes.append(changeSummary(m_entries[i].before, m_entries[i].after));
            m_rowById.insert(m_entries[i].id, i);
        }
        endResetModel();
    } else {
        const int first = int(m_entries.size());
        beginInsertRows({}, first, first + int(fresh.size()) - 1);
        for (const AuditEntry &e : std::as_const(fresh)) {
            m_rowById.insert(e.id, int(m_entries.size()));
            m_entries.append(e);
            m_changes.append(changeSummary(e.before, e.after));
        }
        endInsertRows();
    }
    Q_EMIT entriesAdded();
}

void AuditLog::clear()
{
    beginResetModel();
    m_entries.clear();
    m_changes.clear();
    m_rowById.clear();
    m_instanceStart = 0;
    endResetModel();
}

int AuditLog::rowOf(qint64 id) const
{
    return m_rowById.value(id, -1);
}

QStringList AuditLog::actors() const
{
    QStringList out;
    for (const AuditEntry &e : m_entries)
        if (!out.contains(e.actor))
            out.append(e.actor);
    out.sort();
    return out;
}

QStringList AuditLog::kinds() const
{
    QStringList out;
    for (const AuditEntry &e : m_entries) {
        const QString k = kindOf(e.action);
        if (!out.contains(k))
            out.append(k);
    }
    out.sort();
    return out;
}

void AuditLog::setRecoveryTime(qint64 entryId, std::chrono::milliseconds ttr)
{
    m_recovery.insert(entryId, ttr);
    const int row = rowOf(entryId);
    if (row >= 0)
        Q_EMIT dataChanged(index(row, ChangeColumn), index(row, ChangeColumn));
}

void AuditLog::clearRecoveryTime(qint64 entryId)
{
    if (!m_recovery.remove(entryId))
        return;
    const int row = rowOf(entryId);
    if (row >= 0)
        Q_EMIT dataChanged(index(row, ChangeColumn), index(row, ChangeColumn));
}

std::optional<std::chrono::milliseconds> AuditLog::recoveryTime(qint64 entryId) const
{
    const auto it = m_recovery.constFind(entryId);
    if (it == m_recovery.constEnd())
        return std::nullopt;
    return *it;
}

QString AuditLog::kindOf(const QString &action)
{
    return action.section(QLatin1Char('.'), 0, 0);
}

QString AuditLog::changeSummary(const QByteArray &beforeJson, const QByteArray &afterJson)
{
    const QJsonValue before = parse(beforeJson);
    const QJsonValue after = parse(afterJson);
    if (before.isNull() && after.isNull())
        return {};
    if (before.isNull() && after.isObject())
        return tr("added: %1").arg(membersText(after.toObject()));
    if (after.isNull() && before.isObject())
        return tr("removed: %1").arg(membersText(before.toObject()));
    if (!before.isObject() || !after.isObject())
        return valueText(before) + QStringLiteral(" \u2192 ") + valueText(after);

    const QJsonObject b = before.toObject();
    const QJsonObject a = after.toObject();
    QStringList keys = b.keys();
    for (const QString &k : a.keys())
        if (!keys.contains(k))
            keys.append(k);
    QStringList parts;
    // Keep the gateway's member order (QJsonObject sorts keys; the order of `before` is lost, so
    // sorted order it is, which is at least stable).
    for (const QString &k : std::as_const(keys)) {
        if (isBookkeeping(k))
            continue;
        const bool inB = b.contains(k);
        const bool inA = a.contains(k);
        if (inB && inA && b.value(k) == a.value(k))
            continue;
        if (!inB)
            parts << k + QStringLiteral(" = ") + valueText(a.value(k));
        else if (!inA)
            parts << tr("%1 removed").arg(k);
        else
            parts << k + QStringLiteral(": ") + valueText(b.value(k)) + QStringLiteral(" \u2192 ") + valueText(a.value(k));
    }
    return parts.isEmpty() ? tr("no change") : parts.join(QStringLiteral("; "));
}

QString AuditLog::markerLabel(const AuditEntry &e)
{
    const QJsonValue after = parse(e.after);
    if (e.action == QLatin1String("rollback.engage"))
        return tr("rollback");
    if (e.action == QLatin1String("rollback.release"))
        return after.toObject().value(QStringLiteral("keep_monolith")).toBool() ? tr("release (monolith kept)")
                                                                                : tr("release");
    if (e.action == QLatin1String("route.update")) {
        const QJsonValue p = after.toObject().value(QStringLiteral("microservice_percent"));
        return p.isDouble() ? tr("%1 %2 %").arg(lastSegment(e.target)).arg(p.toInt()) : lastSegment(e.target);
    }
    if (e.action == QLatin1String("flag.update")) {
        const QJsonObject o = after.toObject();
        return o.value(QStringLiteral("enabled")).toBool()
            ? tr("%1 on %2 %").arg(lastSegment(e.target)).arg(o.value(QStringLiteral("rollout_percent")).toInt())
            : tr("%1 off").arg(lastSegment(e.target));
    }
    if (e.action == QLatin1String("sim.fault.add"))
        return tr("fault %1").arg(after.toObject().value(QStringLiteral("service")).toString());
    if (e.action == QLatin1String("sim.fault.clear"))
        return tr("fault cleared");
    return e.action;
}

QString AuditLog::formatDuration(std::chrono::milliseconds d)
{
    const qint64 s = std::max<qint64>(0, (d.count() + 500) / 1000);
    if (s < 60)
        return tr("%1 s").arg(s);
    if (s < 3600)
        return tr("%1 min %2 s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return tr("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
}

int AuditLog::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int AuditLog::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AuditLog::data(const QModelIndex &index, int role) const
{
    // Gateway text never steers the display: control and bidi characters are shown as escapes.
    return inertForDisplay(exactData(index, role), role);
}

QVariant AuditLog::exactData(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AuditEntry &e = m_entries.at(index.row());
    const QString &change = m_changes.at(index.row());
    const std::optional<std::chrono::milliseconds> ttr = recoveryTime(e.id);
    switch (role) {
    case Qt::DisplayRole:
        switch (Column(index.column())) {
        case TimeColumn: return e.time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        case ActorColumn: return e.role.isEmpty() ? e.actor : tr("%1 (%2)").arg(e.actor, e.role);
        case ActionColumn: return e.action;
        case TargetColumn: return e.target;
        case ChangeColumn:
            // The measured recovery first: a long before/after list is cut at the column's end.
            return ttr ? tr("recovered in %1 \u2014 %2").arg(formatDuration(*ttr), change) : change;
        case ReasonColumn: return e.reason.isEmpty() ? QStringLiteral("\u2014") : e.reason;
        case ColumnCount: break;
        }
        return {};
    case Qt::ToolTipRole: {
        QString tip = tr("#%1 at %2 by %3").arg(e.id).arg(e.time.toString(Qt::ISODateWithMs), e.actor);
        if (!e.reason.isEmpty())
            tip += QLatin1Char('\n') + tr("Reason: %1").arg(e.reason);
        if (!change.isEmpty())
            tip += QLatin1Char('\n') + change;
        if (ttr)
            tip += QLatin1Char('\n') + tr("Time to recovery (engage \u2192 SLO met again): %1").arg(formatDuration(*ttr));
        if (!e.requestId.isEmpty())
            tip += QLatin1Char('\n') + tr("Request %1").arg(e.requestId);
        if (!e.idempotencyKey.isEmpty())
            tip += QLatin1Char('\n') + tr("Idempotency key %1").arg(e.idempotencyKey);
        if (index.row() < m_instanceStart)
            tip += QLatin1Char('\n') + tr("From the previous instance of the gateway, before it restarted");
        return tip;
    }
    case EntryIdRole: return e.id;
    case PreviousInstanceRole: return index.row() < m_instanceStart;
    case OrderRole: return index.row();
    case KindRole: return kindOf(e.action);
    case ActorRole: return e.actor;
    case TimeRole: return e.time;
    case SearchTextRole:
        return QStringList {e.actor, e.role, e.action, e.target, change, e.reason, e.requestId,
                            QString::fromUtf8(e.before), QString::fromUtf8(e.after)}
            .join(QLatin1Char('\n'));
    default: return {};
    }
}

QVariant AuditLog::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case TimeColumn: return tr("When");
    case ActorColumn: return tr("Who");
    case ActionColumn: return tr("What");
    case TargetColumn: return tr("Target");
    case ChangeColumn: return tr("Before \u2192 after");
    case ReasonColumn: return tr("Reason");
    case ColumnCount: break;
    }
    return {};
}

AuditFilter::AuditFilter(QObject *parent)
    : QSortFilterProxyModel(parent)
{
}

void AuditFilter::setText(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text;
    invalidateFilter();
}

void AuditFilter::setActor(const QString &actor)
{
    if (actor == m_actor)
        return;
    m_actor = actor;
    invalidateFilter();
}

void AuditFilter::setKind(const QString &kind)
{
    if (kind == m_kind)
        return;
    m_kind = kind;
    invalidateFilter();
}

bool AuditFilter::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex idx = sourceModel()->index(sourceRow, 0, sourceParent);
    if (!m_actor.isEmpty() && idx.data(AuditLog::ActorRole).toString() != m_actor)
        return false;
    if (!m_kind.isEmpty() && idx.data(AuditLog::KindRole).toString() != m_kind)
        return false;
    if (m_text.trimmed().isEmpty())
        return true;
    const QString haystack = idx.data(AuditLog::SearchTextRole).toString();
    // Every word must appear somewhere: "payments alice" finds alice's payments changes.
    const QStringList words = m_text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    return std::all_of(words.cbegin(), words.cend(),
                       [&](const QString &w) { return haystack.contains(w, Qt::CaseInsensitive); });
}

} // namespace cutover
