#include "routeplan.h"

#include "backendsupport.h"

#include <algorithm>

namespace cutover::haproxy {

namespace {

std::optional<int> weightOf(const RouteState &route, const QString &server)
{
    for (const auto *list : {&route.monolithServers, &route.microserviceServers}) {
        for (const WeightedServer &w : *list) {
            if (w.name == server)
                return w.weight;
        }
    }
    return std::nullopt;
}

std::optional<QString> mapValue(const QList<MapEntry> &map, const QString &key)
{
    const auto e = std::find_if(map.cbegin(), map.cend(), [&](const MapEntry &m) { return m.key == key; });
    return e == map.cend() ? std::nullopt : std::optional<QString>(e->value);
}

} // namespace

QString RoutePlan::endpointFor(const QString &routeId)
{
    return QStringLiteral("route ") + routeId;
}

Result<RoutePlan> RoutePlan::make(const QString &routeId, int percent, const QString &expectedVersion,
                                  const QString &reason, const ConfigSnapshot &config, const Model &model,
                                  const QString &level, const Conventions &conventions)
{
    const QString endpoint = endpointFor(routeId);
    const RouteState *s = model.route(routeId);
    if (!s)
        return makeError(ApiError::Kind::NotFound, endpoint, QStringLiteral("no route %1 in the routes map").arg(routeId), {},
                         QStringLiteral("not_found"));
    if (auto e = checkVersion(expectedVersion, s->route.version, endpoint, AuditJournal::routeJson(s->route)))
        return *e;
    const auto invalid = [&](const QString &message) {
        return makeError(ApiError::Kind::Validation, endpoint, message, QStringLiteral("microservice_percent"),
                         QStringLiteral("validation_failed"));
    };
    if (percent < 0 || percent > 100)
        return invalid(QStringLiteral("microservice_percent must be 0 to 100"));
    if (auto e = checkReason(reason, endpoint))
        return *e;
    if (model.rollback.engaged)
        return makeError(ApiError::Kind::Conflict, endpoint, QStringLiteral("the emergency rollback is engaged; release it first"),
                         {}, QStringLiteral("conflict"));
    RoutePlan p;
    p.routeId = routeId;
    p.percent = percent;
    p.level = level;
    p.backend = s->backend;
    p.mapFile = config.routesMapFile;
    p.before = s->route;
    if (!s->backendExists) {
        if (percent > 0)
            return invalid(QStringLiteral("there is no backend %1 to split this route's traffic in; add it to haproxy.cfg")
                               .arg(s->backend.isEmpty() ? conventions.backendPrefix + routeId : s->backend));
    } else {
        if (percent > 0 && s->microserviceServers.isEmpty())
            return invalid(QStringLiteral("backend %1 has no microservice server").arg(s->backend));
        if (percent < 100 && s->monolithServers.isEmpty())
            return invalid(QStringLiteral("backend %1 has no monolith server").arg(s->backend));
        QList<Step> lower;
        for (const WeightedServer &w : weightsFor(*s, percent)) {
            const int now = weightOf(*s, w.name).value_or(0);
            if (now != w.weight)
                (w.weight > now ? p.weights : lower).append({w.name, now, w.weight, {}, {}});
        }
        p.weights += lower;
        for (const QString &prefix : s->prefixes) {
            const std::optional<QString> live = mapValue(config.routes, prefix);
            if (percent > 0 && live && *live != s->backend)
                p.remaps.append({prefix, 0, 0, *live, s->backend});
        }
    }
    const bool weightsChange = !p.weights.isEmpty();
    if (level == QLatin1String("user") || (level != QLatin1String("admin") && weightsChange))
        return makeError(ApiError::Kind::Forbidden, endpoint,
                         QStringLiteral("the Runtime API socket is at level '%1'; changing weights needs 'level admin'").arg(level),
                         {}, QStringLiteral("forbidden"));
    for (const Step &w : std::as_const(p.weights))
        p.commands.append("set weight " + cliArg(p.backend + QLatin1Char('/') + w.key) + ' ' + QByteArray::number(w.toWeight));
    for (const Step &m : std::as_const(p.remaps))
        p.commands.append("set map " + cliArg(p.mapFile) + ' ' + cliArg(m.key) + ' ' + cliArg(m.toValue));
    return p;
}

Verdict RoutePlan::verdict(const ConfigSnapshot &now, const Model &model) const
{
    const RouteState *s = model.route(routeId);
    if (!s)
        return Verdict::Moved;
    int done = 0, pending = 0;
    for (const Step &w : weights) {
        const std::optional<int> weight = weightOf(*s, w.key);
        if (weight == w.toWeight)
            ++done;
        else if (weight == w.fromWeight)
            ++pending;
        else
            return Verdict::Moved;
    }
    for (const Step &m : remaps) {
        const std::optional<QString> value = mapValue(now.routes, m.key);
        if (value == m.toValue)
            ++done;
        else if (value == m.fromValue)
            ++pending;
        else
            return Verdict::Moved;
    }
    // Every step in, yet the route does not split as asked (HAProxy did not take a weight as
    // given): not applied.
    if (pending == 0)
        return s->route.microservicePercent == percent ? Verdict::Applied : Verdict::NotApplied;
    return done == 0 ? Verdict::NotApplied : Verdict::Partly;
}

ApiError RoutePlan::notAppliedError(const Model &now) const
{
    const RouteState *s = now.route(routeId);
    return makeError(ApiError::Kind::Server, endpoint(),
                     QStringLiteral("HAProxy did not apply the change (the route is at %1 %)").arg(s ? s->route.microservicePercent : -1));
}

ApiError RoutePlan::movedError() const
{
    return makeError(ApiError::Kind::Conflict, endpoint(), QStringLiteral("the route changed while the change was being applied"));
}

QString RoutePlan::evidence(Verdict verdict) const
{
    switch (verdict) {
    case Verdict::Applied: return QStringLiteral("route %1 is at %2 %").arg(routeId).arg(percent);
    case Verdict::NotApplied: return QStringLiteral("route %1 still has the weights and map entries it had").arg(routeId);
    case Verdict::Partly: return QStringLiteral("route %1 has part of the change").arg(routeId);
    case Verdict::Moved: break;
    }
    return QStringLiteral("route %1 holds something else").arg(routeId);
}

} // namespace cutover::haproxy
