#include "blastradius.h"

namespace cutover {

namespace {

void addMove(BlastRadius &radius, RouteMove move)
{
    if (move.movingRate) {
        radius.movingRate = radius.movingRate.value_or(0.0) + *move.movingRate;
        radius.hasRates = true;
    }
    radius.moves.append(std::move(move));
}

} // namespace

BlastRadius engageBlastRadius(const RouteList &routes, const RouteRate &microserviceRate)
{
    BlastRadius radius;
    for (const Route &r : routes.routes) {
        const std::optional<double> rate = microserviceRate ? microserviceRate(r.id) : std::nullopt;
        if (r.microservicePercent <= 0 && rate.value_or(0.0) <= 0.0)
            continue;
        addMove(radius, RouteMove {r.id, r.prefix, r.service, r.microservicePercent, 0, rate});
    }
    return radius;
}

BlastRadius releaseBlastRadius(const RouteList &routes, const RollbackState &state, bool keepMonolith,
                               const RouteRate &totalRate)
{
    BlastRadius radius;
    if (keepMonolith)
        return radius;
    for (const RollbackSnapshotEntry &e : state.snapshot) {
        const Route *route = nullptr;
        for (const Route &r : routes.routes)
            if (r.id == e.route)
                route = &r;
        const int now = route ? route->microservicePercent : 0;
        if (e.microservicePercent == now)
            continue;
        std::optional<double> rate = totalRate ? totalRate(e.route) : std::nullopt;
        if (rate)
            *rate *= double(e.microservicePercent - now) / 100.0;
        addMove(radius, RouteMove {e.route, route ? route->prefix : QString(), route ? route->service : QString(), now,
                                   e.microservicePercent, rate});
    }
    return radius;
}

} // namespace cutover
