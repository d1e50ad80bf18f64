#pragma once

#include "client/domain.h"

#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace cutover {

// One route whose routing an emergency rollback action changes.
struct RouteMove
{
    QString routeId;
    QString prefix;
    QString service;
    int fromPercent = 0;
    int toPercent = 0;
    // Requests per second that change backend, from observed traffic; none without metrics.
    std::optional<double> movingRate;
};

struct BlastRadius
{
    QList<RouteMove> moves;
    std::optional<double> movingRate; // the sum over the moves that have a rate
    bool hasRates = false;            // at least one move has a rate
};

// Observed requests per second of a route, through one backend, or none when not known.
using RouteRate = std::function<std::optional<double>(const QString &routeId)>;

// What engaging moves to the monolith: every route with a microservice percentage above 0, and
// every route whose microservice still serves requests (flags send users there whatever the
// percentage). The rate is the route's observed microservice traffic.
BlastRadius engageBlastRadius(const RouteList &routes, const RouteRate &microserviceRate);

// What releasing returns to the microservices: the routes whose percentage in the snapshot
// taken at the engage differs from now (none with keepMonolith). The rate is an estimate: the
// route's observed traffic times the share it gets back.
BlastRadius releaseBlastRadius(const RouteList &routes, const RollbackState &state, bool keepMonolith,
                               const RouteRate &totalRate);

} // namespace cutover
