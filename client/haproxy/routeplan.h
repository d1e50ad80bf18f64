#pragma once

// Internal to HaproxyBackend: a route's microservice percentage as a plan. Pure: the state read
// and the request give the Runtime API commands to send (the weights of the route's backend, and
// its routes map entries) and, from any later read, whether HAProxy holds them.

#include "client/apierror.h"
#include "client/haproxy/haproxymodel.h"
#include "client/haproxy/planverdict.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace cutover::haproxy {

struct RoutePlan
{
    // One value the plan moves: a server's weight, or a routes map entry.
    struct Step
    {
        QString key;  // "monolith" (a server of the route's backend), or a map prefix
        int fromWeight = 0, toWeight = 0;
        QString fromValue, toValue;
    };

    QString routeId;
    int percent = 0;
    QString level;               // the CLI level it was planned at (journaled)
    QString backend;
    QString mapFile;
    Route before;
    QList<Step> weights;         // raised first, then lowered: the backend never has every weight at 0
    QList<Step> remaps;
    QList<QByteArray> commands;  // in the order they are sent

    // "route <id>": where its errors say they come from.
    static QString endpointFor(const QString &routeId);
    QString endpoint() const { return endpointFor(routeId); }

    // The contract's checks (route, version, range, reason, rollback, backend, CLI level), then
    // the plan; the error that refuses the change otherwise.
    static Result<RoutePlan> make(const QString &routeId, int percent, const QString &expectedVersion,
                                  const QString &reason, const ConfigSnapshot &config, const Model &model,
                                  const QString &level, const Conventions &conventions);

    Verdict verdict(const ConfigSnapshot &now, const Model &model) const;
    // The answers came back, but the read after them does not hold the change.
    ApiError notAppliedError(const Model &now) const;
    ApiError movedError() const;
    QString evidence(Verdict verdict) const;
};

} // namespace cutover::haproxy
