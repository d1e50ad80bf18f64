#include "configactions.h"

#include "client/actionrunner.h"
#include "client/gatewaybackend.h"
#include "client/jsonboundary.h"
#include "client/poller.h"
#include "models/flagsmodel.h"
#include "models/identitymodel.h"
#include "models/routesmodel.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QTimer>

namespace cutover {

namespace {

QByteArray currentOf(const ApiError &error)
{
    if (error.code != QLatin1String("precondition_failed") || error.details.isEmpty())
        return {};
    const QJsonObject current = QJsonDocument::fromJson(error.details).object().value(QLatin1String("current")).toObject();
    return current.isEmpty() ? QByteArray() : QJsonDocument(current).toJson(QJsonDocument::Compact);
}

QString routeName(const Route &r)
{
    return r.prefix.isEmpty() ? r.id : r.prefix;
}

QString whoAndWhen(const QString &by, const QDateTime &at)
{
    const QString who = by.isEmpty() ? ConfigActions::tr("someone else (the gateway did not say who)") : by;
    return at.isValid() ? ConfigActions::tr("%1 at %2").arg(who, at.toLocalTime().toString(QStringLiteral("HH:mm:ss"))) : who;
}

bool sameFlagSettings(const Flag &f, const FlagChange &c)
{
    return f.enabled == c.enabled && f.rolloutPercent == c.rolloutPercent && f.allowUsers == c.allowUsers;
}

// A change decided by reading back: the read back that decided, when it could read the target.
template<typename T, typename ReadBackT>
bool decidedByReadBack(const CheckedChange<T, ReadBackT> &c)
{
    return c.lost && c.readBack && c.endedOnReadBack;
}

} // namespace

ConfigActions::ConfigActions(RoutesModel *routes, FlagsModel *flags, IdentityModel *identity, QObject *parent)
    : QObject(parent)
    , m_routes(routes)
    , m_flags(flags)
    , m_identity(identity)
    , m_runner(new ActionRunner(this))
{
}

void ConfigActions::attach(Poller *poller)
{
    m_poller = poller;
}

QString ConfigActions::whyNotAllowed() const
{
    const auto &who = m_identity->identity();
    if (!who) {
        if (!m_identity->identityError().isEmpty())
            return tr("Changes are locked: the gateway could not tell who you are (%1).").arg(m_identity->identityError());
        return tr("Changes are locked until the gateway has said who you are and what your role allows.");
    }
    if (!who->canChange())
        return tr("You are signed in as %1 with the viewer role: you can see everything but change nothing. "
                  "Changing routes and flags needs an operator or admin token.")
            .arg(who->subject);
    return {};
}

QString ConfigActions::flagSummary(bool enabled, int rolloutPercent, qsizetype allowUsers)
{
    QString s = enabled ? tr("on, %1 % of users").arg(rolloutPercent) : tr("off");
    if (allowUsers > 0)
        s += tr(", %n allow-listed", nullptr, int(allowUsers));
    return s;
}

QString ConfigActions::explain(const ApiError &error, const QString &target, const std::optional<WhoAmI> &who)
{
    const QString said = error.message.isEmpty() ? QString() : tr(" The gateway said: “%1”").arg(error.message);
    switch (error.kind) {
    case ApiError::Kind::Forbidden: {
        const QString identity = who ? tr("your token (%1)").arg(who->subject) : tr("your token");
        QString text = tr("The gateway refused: %1 is not allowed to change the %2. Nothing was changed. Changing "
                          "routes and flags needs the operator or admin role; ask whoever issues your gateway tokens.")
                           .arg(identity, target);
        if (who && who->canChange())
            text += QLatin1Char(' ')
                + tr("When you connected, the gateway reported the %1 role for this token: it may have changed "
                     "since. Reconnect to see what it allows now.")
                      .arg(roleName(who->role));
        return text + said;
    }
    case ApiError::Kind::Unauthorized:
        return tr("The gateway no longer accepts your token (expired, revoked or unknown). Nothing was changed. "
                  "Reconnect with a valid token.");
    case ApiError::Kind::Conflict:
        if (error.code == QLatin1String("conflict"))
            return tr("The gateway refused to change the %1 in its current state: while the emergency rollback is "
                      "engaged, routes stay at 0 %. Release the rollback first. Nothing was changed.")
                       .arg(target)
                + said;
        return tr("The %1 was changed by someone else after you read it. Nothing was overwritten.").arg(target) + said;
    case ApiError::Kind::Validation:
        return tr("The gateway rejected the value of “%1”. Nothing was changed.").arg(error.field) + said;
    case ApiError::Kind::NotFound:
        return tr("The gateway has no %1 any more (removed or renamed). Nothing was changed.").arg(target) + said;
    case ApiError::Kind::PreconditionRequired:
        return tr("The gateway asked for the version the change is based on, which Cutover always sends: this is a "
                  "bug in Cutover or the gateway. Nothing was changed.")
            + said;
    case ApiError::Kind::Unreachable:
    case ApiError::Kind::Timeout:
    case ApiError::Kind::Tls:
    case ApiError::Kind::Server:
    case ApiError::Kind::Malformed:
    case ApiError::Kind::Http:
    case ApiError::Kind::Cancelled:
    case ApiError::Kind::OutcomeUnknown:
        break;
    }
    return tr("The change of the %1 failed: %2.").arg(target, error.describe());
}

std::optional<Route> ConfigActions::conflictingRoute(const ApiError &error)
{
    const QByteArray current = currentOf(error);
    if (current.isEmpty())
        return std::nullopt;
    Result<Route> r = json::parseRoute(current);
    return r ? std::optional<Route>(r.value()) : std::nullopt;
}

std::optional<Flag> ConfigActions::conflictingFlag(const ApiError &error)
{
    const QByteArray current = currentOf(error);
    if (current.isEmpty())
        return std::nullopt;
    Result<Flag> r = json::parseFlag(current);
    return r ? std::optional<Flag>(r.value()) : std::nullopt;
}

QString ConfigActions::describeRouteConflict(const Route &seen, const Route &current)
{
    QString what = current.microservicePercent == seen.microservicePercent
        ? tr("it is still at %1 % but has a new version (%2)").arg(current.microservicePercent).arg(current.version)
        : tr("it went from %1 % to %2 % (version %3)").arg(seen.microservicePercent).arg(current.microservicePercent).arg(current.version);
    return tr("%1 changed %2 after you read it: %3. Nothing was overwritten.")
        .arg(whoAndWhen(current.updatedBy, current.updatedAt), routeName(current), what);
}

QString ConfigActions::describeFlagConflict(const Flag &seen, const Flag &current)
{
    const QString before = flagSummary(seen.enabled, seen.rolloutPercent, seen.allowUsers.size());
    const QString now = flagSummary(current.enabled, current.rolloutPercent, current.allowUsers.size());
    const QString what = before == now ? tr("it is still %1 but has a new version (%2)").arg(now, current.version)
                                       : tr("it went from %1 to %2 (version %3)").arg(before, now, current.version);
    return tr("%1 changed flag %2 after you read it: %3. Nothing was overwritten.")
        .arg(whoAndWhen(current.updatedBy, current.updatedAt), current.name, what);
}

bool ConfigActions::isOwnChange(const QString &updatedBy) const
{
    const auto &who = m_identity->identity();
    return who && !updatedBy.isEmpty() && who->subject == updatedBy;
}

quint64 ConfigActions::refuse(const QString &explanation)
{
    const quint64 ticket = m_nextTicket++;
    ChangeOutcome outcome;
    outcome.kind = ChangeOutcome::Kind::Refused;
    outcome.explanation = explanation;
    QTimer::singleShot(0, this, [this, ticket, outcome] { Q_EMIT finished(ticket, outcome); });
    return ticket;
}

void ConfigActions::report(quint64 ticket, const ChangeOutcome &outcome)
{
    if (Poller *poller = m_poller.data())
        poller->refreshAfterMutation();
    Q_EMIT finished(ticket, outcome);
}

quint64 ConfigActions::changeRoute(const Route &seen, int percent, const QString &reason)
{
    const QString target = tr("route %1").arg(routeName(seen));
    if (const QString why = whyNotAllowed(); !why.isEmpty())
        return refuse(why);
    Poller *poller = m_poller.data();
    if (!poller || !poller->backend())
        return refuse(tr("Not connected to a gateway."));
    RoutesModel *routes = m_routes;
    const ChangeState now = routes->change(seen.id).state;
    if (now == ChangeState::Applying || now == ChangeState::Unknown)
        return refuse(tr("A change of the %1 is still in flight; wait for its answer.").arg(target));

    const quint64 ticket = m_nextTicket++;
    PendingChange pending;
    pending.state = ChangeState::Applying;
    pending.baseVersion = seen.version;
    pending.targetPercent = percent;
    pending.summary = tr("%1 %").arg(percent);
    routes->setChange(seen.id, pending);

    QPointer<ConfigActions> self(this);
    runRouteChange(
        m_runner, poller->backend(), seen.id, percent, seen.version, reason,
        [self, ticket, seen, percent, pending, target](CheckedRoute checked) mutable {
            if (!self)
                return;
            RoutesModel *model = self->m_routes;
            ChangeOutcome outcome;
            if (decidedByReadBack(checked))
                return self->concludeRoute(ticket, seen, checked);
            const Result<Route> &r = checked.result;
            if (r) {
                pending.state = ChangeState::Confirming;
                model->setChange(seen.id, pending);
                outcome.kind = ChangeOutcome::Kind::Applied;
                outcome.route = r.value();
                outcome.explanation = tr("The gateway applied it: %1 now sends %2 % to %3 (version %4).")
                                          .arg(routeName(r.value()))
                                          .arg(r->microservicePercent)
                                          .arg(r->service, r->version);
                self->report(ticket, outcome);
                return;
            }
            const ApiError &e = r.error();
            outcome.error = e;
            outcome.explanation = explain(e, target, self->m_identity->identity());
            if (e.kind == ApiError::Kind::Conflict && e.code != QLatin1String("conflict")) {
                outcome.route = conflictingRoute(e);
                if (outcome.route && self->isOwnChange(outcome.route->updatedBy)
                    && outcome.route->microservicePercent == percent) {
                    // The transport resent a PUT whose answer was lost: the first one was applied.
                    pending.state = ChangeState::Confirming;
                    model->setChange(seen.id, pending);
                    outcome.kind = ChangeOutcome::Kind::Applied;
                    outcome.explanation = tr("The gateway has this change, made as you (%1) at version %2; it was "
                                             "applied once (the connection dropped and the request was sent again).")
                                              .arg(outcome.route->updatedBy, outcome.route->version);
                    self->report(ticket, outcome);
                    return;
                }
                // Engaging the rollback also gives every route a new version: find out which it was.
                self->explainRouteConflict(ticket, seen, outcome);
                return;
            }
            outcome.kind = ChangeOutcome::Kind::Refused;
            pending.state = ChangeState::Failed;
            pending.message = ApiError::kindName(e.kind);
            model->setChange(seen.id, pending);
            self->report(ticket, outcome);
        });
    return ticket;
}

void ConfigActions::explainRouteConflict(quint64 ticket, const Route &seen, ChangeOutcome outcome)
{
    Poller *poller = m_poller.data();
    GatewayBackend *backend = poller ? poller->backend() : nullptr;
    QPointer<ConfigActions> self(this);
    auto conclude = [self, ticket, seen, outcome](const Result<RouteList> &list) mutable {
        if (!self)
            return;
        RoutesModel *model = self->m_routes;
        PendingChange pending = model->change(seen.id);
        pending.state = ChangeState::Failed;
        if (list)
            for (const Route &r : list->routes)
                if (r.id == seen.id && !outcome.route)
                    outcome.route = r; // a gateway that sends no details
        if (list && list->rollbackEngaged) {
            outcome.kind = ChangeOutcome::Kind::Refused;
            outcome.explanation = tr("The emergency rollback was engaged after you read the route: every route is at "
                                     "0 % and route changes are refused until it is released. Nothing was changed.");
            pending.message = tr("rollback engaged");
        } else {
            outcome.kind = ChangeOutcome::Kind::Conflict;
            if (outcome.route)
                outcome.explanation = describeRouteConflict(seen, *outcome.route);
            pending.message = tr("changed by someone else");
        }
        model->setChange(seen.id, pending);
        self->report(ticket, outcome);
    };
    if (!backend) {
        conclude(ApiError {});
        return;
    }
    backend->fetchRoutes(conclude);
}

void ConfigActions::concludeRoute(quint64 ticket, const Route &seen, const CheckedRoute &checked)
{
    const ApiError &error = *checked.lost;
    const RouteReadBack &read = *checked.readBack;
    PendingChange pending = m_routes->change(seen.id);
    ChangeOutcome outcome;
    outcome.error = error;
    if (checked.result) {
        const Route &now = checked.result.value();
        outcome.kind = ChangeOutcome::Kind::Applied;
        outcome.route = now;
        outcome.explanation = tr("The gateway's answer was lost, but it shows the change: %1 now sends %2 % to %3 "
                                 "(version %4, by %5).")
                                  .arg(routeName(now))
                                  .arg(now.microservicePercent)
                                  .arg(now.service, now.version, now.updatedBy);
        pending.state = ChangeState::Confirming;
    } else if (read.verdict == ReadBack::Verdict::Unknown || !read.route) {
        outcome.kind = ChangeOutcome::Kind::Unknown;
        outcome.explanation = tr("No answer from the gateway (%1), and it could not be asked what it has now. The "
                                 "change may or may not have been applied: check the route before trying again.")
                                  .arg(error.describe());
        pending.state = ChangeState::Failed;
        pending.message = tr("outcome unknown");
    } else if (read.route->version == seen.version) {
        outcome.kind = ChangeOutcome::Kind::Refused;
        outcome.explanation = tr("No answer from the gateway (%1). It has not applied the change: the route is "
                                 "unchanged at %2 % (version %3). You can try again.")
                                  .arg(error.describe())
                                  .arg(read.route->microservicePercent)
                                  .arg(read.route->version);
        pending.state = ChangeState::Failed;
        pending.message = tr("no answer, not applied");
    } else {
        outcome.kind = ChangeOutcome::Kind::Conflict;
        outcome.route = read.route;
        outcome.explanation = describeRouteConflict(seen, *read.route);
        pending.state = ChangeState::Failed;
        pending.message = tr("changed by someone else");
    }
    m_routes->setChange(seen.id, pending);
    report(ticket, outcome);
}

quint64 ConfigActions::changeFlag(const Flag &seen, const FlagChange &change, const QString &reason)
{
    const QString target = tr("flag %1").arg(seen.name);
    if (const QString why = whyNotAllowed(); !why.isEmpty())
        return refuse(why);
    Poller *poller = m_poller.data();
    if (!poller || !poller->backend())
        return refuse(tr("Not connected to a gateway."));
    FlagsModel *flags = m_flags;
    const ChangeState now = flags->change(seen.name).state;
    if (now == ChangeState::Applying || now == ChangeState::Unknown)
        return refuse(tr("A change of the %1 is still in flight; wait for its answer.").arg(target));

    const quint64 ticket = m_nextTicket++;
    PendingChange pending;
    pending.state = ChangeState::Applying;
    pending.baseVersion = seen.version;
    pending.targetPercent = change.rolloutPercent;
    pending.targetEnabled = change.enabled;
    pending.summary = flagSummary(change.enabled, change.rolloutPercent, change.allowUsers.size());
    flags->setChange(seen.name, pending);

    QPointer<ConfigActions> self(this);
    runFlagChange(
        m_runner, poller->backend(), seen.name, change, seen.version, reason,
        [self, ticket, seen, change, pending, target](CheckedFlag checked) mutable {
            if (!self)
                return;
            FlagsModel *model = self->m_flags;
            ChangeOutcome outcome;
            if (decidedByReadBack(checked))
                return self->concludeFlag(ticket, seen, checked);
            const Result<Flag> &r = checked.result;
            if (r) {
                pending.state = ChangeState::Confirming;
                model->setChange(seen.name, pending);
                outcome.kind = ChangeOutcome::Kind::Applied;
                outcome.flag = r.value();
                outcome.explanation = tr("The gateway applied it: flag %1 is now %2 (version %3).")
                                          .arg(r->name, flagSummary(r->enabled, r->rolloutPercent, r->allowUsers.size()),
                                               r->version);
                self->report(ticket, outcome);
                return;
            }
            const ApiError &e = r.error();
            outcome.error = e;
            outcome.explanation = explain(e, target, self->m_identity->identity());
            if (e.kind == ApiError::Kind::Conflict && e.code != QLatin1String("conflict")) {
                outcome.flag = conflictingFlag(e);
                if (outcome.flag && self->isOwnChange(outcome.flag->updatedBy) && sameFlagSettings(*outcome.flag, change)) {
                    // The transport resent a PUT whose answer was lost: the first one was applied.
                    pending.state = ChangeState::Confirming;
                    model->setChange(seen.name, pending);
                    outcome.kind = ChangeOutcome::Kind::Applied;
                    outcome.explanation = tr("The gateway has this change, made as you (%1) at version %2; it was "
                                             "applied once (the connection dropped and the request was sent again).")
                                              .arg(outcome.flag->updatedBy, outcome.flag->version);
                    self->report(ticket, outcome);
                    return;
                }
                outcome.kind = ChangeOutcome::Kind::Conflict;
                if (outcome.flag)
                    outcome.explanation = describeFlagConflict(seen, *outcome.flag);
            } else {
                outcome.kind = ChangeOutcome::Kind::Refused;
            }
            pending.state = ChangeState::Failed;
            pending.message = outcome.kind == ChangeOutcome::Kind::Conflict ? tr("changed by someone else") : ApiError::kindName(e.kind);
            model->setChange(seen.name, pending);
            self->report(ticket, outcome);
        });
    return ticket;
}

void ConfigActions::concludeFlag(quint64 ticket, const Flag &seen, const CheckedFlag &checked)
{
    const ApiError &error = *checked.lost;
    const FlagReadBack &read = *checked.readBack;
    PendingChange pending = m_flags->change(seen.name);
    ChangeOutcome outcome;
    outcome.error = error;
    if (checked.result) {
        const Flag &now = checked.result.value();
        outcome.kind = ChangeOutcome::Kind::Applied;
        outcome.flag = now;
        outcome.explanation = tr("The gateway's answer was lost, but it shows the change: flag %1 is now %2 (version %3, by %4).")
                                  .arg(now.name, flagSummary(now.enabled, now.rolloutPercent, now.allowUsers.size()),
                                       now.version, now.updatedBy);
        pending.state = ChangeState::Confirming;
    } else if (read.verdict == ReadBack::Verdict::Unknown || !read.flag) {
        outcome.kind = ChangeOutcome::Kind::Unknown;
        outcome.explanation = tr("No answer from the gateway (%1), and it could not be asked what it has now. The "
                                 "change may or may not have been applied: check the flag before trying again.")
                                  .arg(error.describe());
        pending.state = ChangeState::Failed;
        pending.message = tr("outcome unknown");
    } else if (read.flag->version == seen.version) {
        outcome.kind = ChangeOutcome::Kind::Refused;
        outcome.explanation = tr("No answer from the gateway (%1). It has not applied the change: flag %2 is "
                                 "unchanged (version %3). You can try again.")
                                  .arg(error.describe(), read.flag->name, read.flag->version);
        pending.state = ChangeState::Failed;
        pending.message = tr("no answer, not applied");
    } else {
        outcome.kind = ChangeOutcome::Kind::Conflict;
        outcome.flag = read.flag;
        outcome.explanation = describeFlagConflict(seen, *read.flag);
        pending.state = ChangeState::Failed;
        pending.message = tr("changed by someone else");
    }
    m_flags->setChange(seen.name, pending);
    report(ticket, outcome);
}

} // namespace cutover
