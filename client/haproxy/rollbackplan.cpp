#include "rollbackplan.h"

#include "backendsupport.h"

#include <algorithm>

namespace cutover::haproxy {

MapPairs mapPairs(const QList<MapEntry> &entries)
{
    MapPairs out;
    out.reserve(entries.size());
    for (const MapEntry &e : entries)
        out.append({e.key, e.value});
    return out;
}

QString RollbackPlan::actionName(bool engage)
{
    return engage ? QStringLiteral("rollback.engage") : QStringLiteral("rollback.release");
}

Verdict RollbackPlan::verdict(const ConfigSnapshot &now, const Model &) const
{
    const MapPairs live = mapPairs(now.routes);
    if (live == target)
        return Verdict::Applied;
    return live == before ? Verdict::NotApplied : Verdict::Moved;
}

ApiError RollbackPlan::notAppliedError(const Model &) const
{
    return makeError(ApiError::Kind::Server, action(),
                     engage ? QStringLiteral("HAProxy did not apply the rollback") : QStringLiteral("HAProxy did not apply the release"));
}

QString RollbackPlan::evidence(Verdict verdict) const
{
    switch (verdict) {
    case Verdict::Applied: return QStringLiteral("the routes map holds what the action asked for");
    case Verdict::NotApplied: return QStringLiteral("the routes map still holds what it held before");
    case Verdict::Partly:
    case Verdict::Moved: break;
    }
    return QStringLiteral("the routes map holds something else");
}

ApiError RollbackPlan::movedError() const
{
    return makeError(ApiError::Kind::Conflict, action(),
                     engage ? QStringLiteral("the routes map changed while the rollback was being applied")
                            : QStringLiteral("the routes map changed while the release was being applied"));
}

Result<RollbackPlan> RollbackPlan::make(bool engage, bool keepMonolith, const ActionRequest &request,
                                        const ConfigSnapshot &config, const Model &model, const QString &level,
                                        const std::optional<RollbackRecord> &latest, const Conventions &conventions)
{
    const QString action = actionName(engage);
    const MapPairs live = mapPairs(config.routes);
    if (auto e = checkVersion(request.expectedVersion, model.rollback.version, QStringLiteral("the rollback"),
                              AuditJournal::rollbackStateJson(model.rollback)))
        return *e;
    if (auto e = checkReason(request.reason, action))
        return *e;
    if (engage && model.rollback.engaged)
        return makeError(ApiError::Kind::Conflict, action, QStringLiteral("the rollback is already engaged"), {},
                         QStringLiteral("conflict"));
    if (!engage && !model.rollback.engaged)
        return makeError(ApiError::Kind::Conflict, action,
                         model.rollbackLost ? QStringLiteral("the rollback is no longer in effect: HAProxy does not send "
                                                             "every route to the monolith (reloaded?)")
                                            : QStringLiteral("the rollback is not engaged"),
                         {}, QStringLiteral("conflict"));
    if (engage && (config.routesMapFile.isEmpty() || live.isEmpty()))
        return makeError(ApiError::Kind::NotFound, action, QStringLiteral("there is no routes map to roll back"));
    if (level == QLatin1String("user"))
        return makeError(ApiError::Kind::Forbidden, action,
                         QStringLiteral("the Runtime API socket is at level 'user'; map changes need 'operator'"));
    RollbackPlan p;
    p.engage = engage;
    p.keepMonolith = !engage && keepMonolith;
    p.mapFile = config.routesMapFile;
    p.before = live;
    for (const RouteState &r : model.routes)
        p.percentsBefore.append({r.route.id, r.route.microservicePercent});
    if (engage) {
        for (const auto &entry : live)
            p.target.append({entry.first, conventions.monolithBackend});
    } else if (keepMonolith || !latest) {
        p.target = live;
    } else {
        // The snapshot, plus prefixes added during the rollback (they keep their value).
        p.target = latest->mapEntries;
        for (const auto &entry : live) {
            const bool known = std::any_of(p.target.cbegin(), p.target.cend(),
                                           [&](const auto &t) { return t.first == entry.first; });
            if (!known)
                p.target.append(entry);
        }
    }
    return p;
}

QByteArray RollbackPlan::afterJson(const Model &now) const
{
    if (engage) {
        QList<RollbackSnapshotEntry> zero = percentsBefore;
        for (RollbackSnapshotEntry &z : zero)
            z.microservicePercent = 0;
        return AuditJournal::percentsJson(zero);
    }
    // Percentages once released: derived as if the journal already said so.
    QList<RollbackSnapshotEntry> percentsAfter;
    for (const RouteState &s : now.routes)
        percentsAfter.append({s.route.id, keepMonolith ? 0 : s.route.microservicePercent});
    return AuditJournal::percentsJson(percentsAfter, keepMonolith);
}

QByteArray RollbackPlan::extraJson() const
{
    // The engage keeps the map as it was, for the release to restore.
    return engage ? AuditJournal::rollbackExtra(mapFile, before) : QByteArray();
}

} // namespace cutover::haproxy
