#pragma once

#include "client/domain.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QSortFilterProxyModel>

#include <chrono>

namespace cutover {

class Poller;

// The gateway's audit log as a timeline, oldest first: who changed what, when, from what to what
// and why. Fed by Poller::auditUpdated (pages of new entries); entries are unique by id within one
// instance of the gateway, so a page seen twice changes nothing. When the gateway restarts
// (Poller::gatewayRestarted) its ids begin again: the entries had so far stay, marked as from the
// previous instance (PreviousInstanceRole), and the new instance's follow them. Rollback engage entries also show the time to recovery the
// console measured for them (setRecoveryTime).
class AuditLog : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { TimeColumn, ActorColumn, ActionColumn, TargetColumn, ChangeColumn, ReasonColumn, ColumnCount };
    enum Role {
        EntryIdRole = Qt::UserRole + 1,
        KindRole,      // "route", "flag", "rollback", "sim", … (the action's first word)
        ActorRole,
        TimeRole,      // QDateTime, UTC
        SearchTextRole, // everything a text filter matches against
        PreviousInstanceRole, // bool: from an instance of the gateway before its last restart
        OrderRole,      // int: timeline order (instance, then id), for sorting
    };

    explicit AuditLog(QObject *parent = nullptr);

    void attach(Poller *poller);
    void append(const AuditPage &page);
    void clear();
    // The gateway restarted: what is here is from the previous instance; new ids follow.
    void gatewayRestarted(const QString &description);
    // "…" of the last restart, and when it was noticed; empty / invalid before any.
    QString restartDescription() const { return m_restartDescription; }
    QDateTime restartedAt() const { return m_restartedAt; }
    bool isFromPreviousInstance(int row) const { return row < m_instanceStart; }

    const AuditEntry &entry(int row) const { return m_entries.at(row); }
    const QList<AuditEntry> &entries() const { return m_entries; }
    // The row of the current instance's entry with this id; -1 if none.
    int rowOf(qint64 id) const;
    QStringList actors() const;
    QStringList kinds() const;

    // The engage entry's time to recovery, shown in its change column and tooltip.
    void setRecoveryTime(qint64 entryId, std::chrono::milliseconds ttr);
    void clearRecoveryTime(qint64 entryId);
    std::optional<std::chrono::milliseconds> recoveryTime(qint64 entryId) const;

    // "route", "flag", "rollback", … of an action such as "route.update".
    static QString kindOf(const QString &action);
    // One line: the members of before/after that differ, "payments: 10 → 25; reason…".
    // Bookkeeping members (version, updated_at, updated_by) are left out.
    static QString changeSummary(const QByteArray &before, const QByteArray &after);
    // Short text for a chart marker: "rollback engaged", "payments 25 %", "flag use_x on 10 %".
    static QString markerLabel(const AuditEntry &entry);
    static QString formatDuration(std::chrono::milliseconds d);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void entriesAdded();
    void restarted();

private:
    // data() before gateway text is rendered inert for display (models/displaytext.h).
    QVariant exactData(const QModelIndex &index, int role) const;
    QList<AuditEntry> m_entries;
    QList<QString> m_changes; // changeSummary per row, computed once
    QHash<qint64, int> m_rowById;  // the current instance's rows
    int m_instanceStart = 0;       // rows before this are from previous instances
    QString m_restartDescription;
    QDateTime m_restartedAt;
    QHash<qint64, std::chrono::milliseconds> m_recovery;
};

// Narrows the audit timeline by free text (any column, before/after included), actor and kind.
class AuditFilter : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit AuditFilter(QObject *parent = nullptr);

    void setText(const QString &text);
    void setActor(const QString &actor); // empty: everyone
    void setKind(const QString &kind);   // empty: every kind
    QString text() const { return m_text; }
    QString actor() const { return m_actor; }
    QString kind() const { return m_kind; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
    QString m_actor;
    QString m_kind;
};

} // namespace cutover
