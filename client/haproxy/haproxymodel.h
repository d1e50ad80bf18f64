#pragma once

// The strangler-fig routing of a HAProxy, read from its routes map, flags map and servers, turned
// into the contract's routes, flags and rollback state, with the versions used for optimistic
// concurrency. Pure functions: no I/O, so they can be tested on captured data.
//
// The HAProxy pattern (docs/haproxy.md):
//   frontend: use_backend %[path,map_beg(/etc/haproxy/routes.map,be_monolith)]
//   routes.map: "/api/posts be_posts" — prefix → the route's backend
//   backend be_posts: server monolith … weight W1; server post-service … weight W2
//   → route "posts", service "post-service", microservice percent = W2 / (W1 + W2)
// A prefix that maps to the monolith backend sends 0 % to the microservice. The emergency
// rollback points every prefix at the monolith backend in one map commit.

#include "client/domain.h"
#include "client/haproxy/auditjournal.h"
#include "client/haproxy/mapentries.h"
#include "client/haproxy/statcsv.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <optional>

namespace cutover::haproxy {

// Names that carry meaning in the configuration.
struct Conventions
{
    QString monolithBackend = QStringLiteral("be_monolith");
    QString monolithServer = QStringLiteral("monolith"); // servers whose name starts with this
    QString backendPrefix = QStringLiteral("be_");       // be_posts → route "posts"
};

// What one read of the Runtime API gives.
struct ConfigSnapshot
{
    QString routesMapFile;        // empty: no routes map found
    QList<MapEntry> routes;
    QString flagsMapFile;         // empty: no flags map found
    QList<MapEntry> flags;
    QList<HaproxyStatRow> rows;   // at least backends and servers
};

struct WeightedServer
{
    QString name;
    int weight = 0; // user weight
};

// A route with what Cutover needs to change it.
struct RouteState
{
    Route route;
    QString backend;                 // the backend its traffic is split in; may not exist
    bool backendExists = false;
    QStringList prefixes;            // routes map keys of this route
    QList<WeightedServer> monolithServers;
    QList<WeightedServer> microserviceServers;
};

struct Model
{
    QList<RouteState> routes;
    FlagList flags;
    RollbackState rollback;
    QString globalVersion;
    bool allToMonolith = false;      // every routes map entry points at the monolith backend
    bool rollbackLost = false;       // the journal says engaged, but the live map disagrees
    QHash<QString, QString> flagValues; // flag name → its map value, as read

    const RouteState *route(const QString &id) const;
    const Flag *flag(const QString &name) const;
    RouteList routeList() const;
};

// Builds everything from one snapshot and the journal (for the rollback, descriptions and who
// changed what last).
Model buildModel(const ConfigSnapshot &config, const Conventions &conventions, const AuditJournal &journal);

// "on 25" / "off 0" / "on" (→ 100): the value of a flag's entry in flags.map.
struct FlagValue
{
    bool enabled = false;
    int rolloutPercent = 0;
};
std::optional<FlagValue> parseFlagValue(const QString &value);
QString flagValueText(bool enabled, int rolloutPercent);
// A flags.map key "use_post_microservice@u-00017" marks an allowed user.
inline constexpr QLatin1Char kFlagUserSeparator('@');

// The user weights that give `percent` to the microservice: 100 - percent spread over the monolith
// servers, percent over the microservice servers.
QList<WeightedServer> weightsFor(const RouteState &route, int percent);

// Versions are opaque to callers. A route's or flag's is "<hash of its live content>.<id of its
// latest journal entry>", so that both a change behind Cutover's back and a change through Cutover
// that set what was already there make a new one. The rollback's is "rb-<journal entry id>".
QString versionOf(const QList<QByteArray> &parts);
// The version `version` becomes once journal entry `entryId` records a change of its target.
QString versionAfterEntry(const QString &version, qint64 entryId);
QString rollbackVersion(qint64 journalEntryId, bool lost);

// A Prometheus text (0.0.4) exposition synthesised from `show stat`, in the contract's names:
// requests_total{route,service,backend,code} per server of each route backend (code is HAProxy's
// class: "2xx", "5xx", …; backend "monolith"/"microservice", or "haproxy" for answers HAProxy
// produced itself, e.g. 503 with no server up), upstream_up{service,kind}, and HAProxy's moving
// averages under the exporter's names (haproxy_backend_*_time_average_seconds, …_server_…).
// There is no request_duration_seconds histogram: HAProxy has none.
QByteArray synthesizeExposition(const QList<HaproxyStatRow> &rows, const Conventions &conventions);

// Gateway, frontends and backends as the gateway's checks; servers grouped by name as services.
HealthSnapshot healthFrom(const HaproxyStats &stats, const Conventions &conventions, std::optional<Milliseconds> cliLatency);

} // namespace cutover::haproxy
