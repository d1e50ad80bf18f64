#pragma once

// Plain domain types: what the rest of the app knows about a gateway, independent of the wire
// format it came in. Produced by the JSON boundary (jsonboundary.h) and by other backends.

#include <QDateTime>
#include <QList>
#include <QString>

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
    std::optional<double> latencyMs;
    QString message;
};

struct ServiceHealth
{
    QString name;
    ServiceKind kind = ServiceKind::Microservice;
    HealthStatus status = HealthStatus::Unknown;
    std::optional<double> latencyMs;
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

} // namespace cutover
