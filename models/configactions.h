#pragma once

#include "client/apierror.h"
#include "client/domain.h"
#include "client/readback.h"

#include <QObject>
#include <QPointer>

#include <optional>

namespace cutover {

class ActionRunner;
class FlagsModel;
class IdentityModel;
class Poller;
class RoutesModel;

// How an operator's route or flag change ended, with one explanation in plain words.
struct ChangeOutcome
{
    enum class Kind {
        Applied,  // the gateway applied it
        Conflict, // someone changed the target since it was read: nothing was overwritten
        Refused,  // the gateway said no (role, rollback engaged, validation, …): nothing changed
        Unknown,  // no answer, and the gateway could not be asked what it has now
    };
    Kind kind = Kind::Refused;
    QString explanation;
    std::optional<ApiError> error;
    std::optional<Route> route; // Applied: the route as changed; Conflict: as it is now
    std::optional<Flag> flag;
};

// Sends the operator's route and flag changes to the gateway: always against the version the
// operator saw (If-Match), never retried blindly, one change per target at a time. The row of the
// target in RoutesModel/FlagsModel shows where the change stands; the poller is asked for an
// immediate refresh afterwards, so the board shows what the gateway now has. The changes run
// through the ActionRunner (runRouteChange/runFlagChange in client/readback.h), whose resolve step
// decides a lost answer by reading the target back; this class only explains the outcome.
class ConfigActions : public QObject
{
    Q_OBJECT

public:
    // Changes the targets `routes` and `flags` show, as `identity` allows (none owned).
    ConfigActions(RoutesModel *routes, FlagsModel *flags, IdentityModel *identity, QObject *parent = nullptr);
    // The poller whose backend receives the changes and which refreshes after each (not owned).
    void attach(Poller *poller);

    // Each returns a ticket; `finished` reports its outcome exactly once (never synchronously).
    quint64 changeRoute(const Route &seen, int percent, const QString &reason);
    quint64 changeFlag(const Flag &seen, const FlagChange &change, const QString &reason);

    // Why the current identity may not change routes and flags; empty when it may.
    QString whyNotAllowed() const;

    // The operator's explanation of a failed change of `target` ("route /api/payments").
    static QString explain(const ApiError &error, const QString &target, const std::optional<WhoAmI> &who);
    // The current resource a 412 carries in its details, when it does.
    static std::optional<Route> conflictingRoute(const ApiError &error);
    static std::optional<Flag> conflictingFlag(const ApiError &error);
    static QString describeRouteConflict(const Route &seen, const Route &current);
    static QString describeFlagConflict(const Flag &seen, const Flag &current);
    // "on, 25 % of users, 2 allow-listed"
    static QString flagSummary(bool enabled, int rolloutPercent, qsizetype allowUsers);

Q_SIGNALS:
    void finished(quint64 ticket, const cutover::ChangeOutcome &outcome);

private:
    quint64 refuse(const QString &explanation);
    // A 412 whose current state is exactly what we asked, made by us: a PUT the network layer
    // resent after the connection dropped (Qt does so for idempotent methods).
    bool isOwnChange(const QString &updatedBy) const;
    void report(quint64 ticket, const ChangeOutcome &outcome);
    void explainRouteConflict(quint64 ticket, const Route &seen, ChangeOutcome outcome);
    // The outcome of a change decided by reading the target back (its answer was lost).
    void concludeRoute(quint64 ticket, const Route &seen, const CheckedRoute &checked);
    void concludeFlag(quint64 ticket, const Flag &seen, const CheckedFlag &checked);

    RoutesModel *m_routes;
    FlagsModel *m_flags;
    IdentityModel *m_identity;
    QPointer<Poller> m_poller;
    ActionRunner *m_runner;
    quint64 m_nextTicket = 1;
};

} // namespace cutover
