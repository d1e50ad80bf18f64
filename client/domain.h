#pragma once

// Plain domain types: what the rest of the app knows about a gateway, independent of the wire
// format it came in. Produced by the JSON boundary (jsonboundary.h) and by other backends.

#include "client/timetypes.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <chrono>
#include <optional>

namespace cutover {

enum class Role { Viewer, Operator, Admin };
QString roleName(Role role);

enum class HealthStatus { Healthy, Degraded, Unhealthy, Unknown };
QString healthName(HealthStatus status);

enum class ServiceKind { Gateway, Monolith, Microservice };
QString serviceKindName(ServiceKind kind);

// What a backend can do, so the UI can say "not available" instead of showing nothing.
struct Capabilities
{
    bool health = false;
    bool metrics = false;
    bool percentiles = false;
    bool routes = false;
    bool flags = false;
    bool rollback = false;
    bool audit = false;
    bool logs = false;
    bool logStream = false;
    bool simulator = false;
};

struct GatewayInfo
{
    QString apiVersion;
    QString name;
    QString version;
    QString instance;
    Capabilities capabilities;
    QString requestsMetric = QStringLiteral("requests_total");
    QString durationMetric = QStringLiteral("request_duration_seconds");
};

struct WhoAmI
{
    QString subject;
    Role role = Role::Viewer;
    bool canChange() const { return role != Role::Viewer; }
};

struct HealthCheck
{
    QString name;
    HealthStatus status = HealthStatus::Unknown;
    std::optional<Milliseconds> latency;
    QString message;
};

struct ServiceHealth
{
    QString name;
    ServiceKind kind = ServiceKind::Microservice;
    HealthStatus status = HealthStatus::Unknown;
    std::optional<Milliseconds> latency;
    QDateTime checkedAt;
    QString version;
    QString url;
    QString message;
    QList<HealthCheck> checks;
};

struct HealthSnapshot
{
    QDateTime checkedAt;
    ServiceHealth gateway;
    QList<ServiceHealth> services;
};

// One route of the gateway: a path prefix and the share of its traffic sent to the microservice.
struct Route
{
    QString id;
    QString prefix;
    QString service;
    int microservicePercent = 0;
    QString version;
    QDateTime updatedAt;
    QString updatedBy;
};

struct RouteList
{
    QString version;
    bool rollbackEngaged = false;
    QList<Route> routes;
};

struct Flag
{
    QString name;
    bool enabled = false;
    int rolloutPercent = 0;
    QStringList allowUsers;
    QString description;
    QString version;
    QString service;     // for use_<service>_microservice flags
    QStringList routes;  // the routes such a flag affects
    QDateTime updatedAt;
    QString updatedBy;
};

struct FlagList
{
    QString version;
    QList<Flag> flags;
};

struct FlagChange
{
    bool enabled = false;
    int rolloutPercent = 0;
    QStringList allowUsers;
    std::optional<QString> description;
};

struct RollbackSnapshotEntry
{
    QString route;
    int microservicePercent = 0;
};

struct RollbackState
{
    bool engaged = false;
    QString version;
    QDateTime engagedAt;
    QString engagedBy;
    QString reason;
    QList<RollbackSnapshotEntry> snapshot;
    QDateTime releasedAt;
    QString releasedBy;
};

struct AuditEntry
{
    qint64 id = 0;
    QDateTime time;
    QString actor;
    QString role;
    QString action;
    QString target;
    QByteArray before; // JSON text, shown as is
    QByteArray after;
    QString reason;
    QString requestId;
    QString idempotencyKey;
};

struct AuditPage
{
    QList<AuditEntry> entries;
    qint64 latestId = 0;
};

// A raw metrics exposition and the format its Content-Type announced.
struct MetricsScrape
{
    QByteArray body;
    QByteArray contentType;
    QDateTime receivedAt;
};

} // namespace cutover
