#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cutover::sim {

using Json = nlohmann::json;

enum class Role { Viewer = 0, Operator = 1, Admin = 2 };
const char *roleName(Role role);
std::optional<Role> roleFromName(const std::string &name);

// RFC 3339, UTC, millisecond precision: the contract's one time format.
std::string isoTime(std::int64_t msSinceEpoch);

enum class Backend { Monolith = 0, Microservice = 1 };
inline const char *backendName(Backend b) { return b == Backend::Monolith ? "monolith" : "microservice"; }

// An upstream the gateway proxies to: the monolith or one microservice.
struct Service
{
    std::string name;
    bool monolith = false;
    std::string version;
    std::string url;
    double medianMs = 30;   // latency model: log-normal body ...
    double sigma = 0.5;
    double tailChance = 0.01; // ... with a Pareto tail on this share of requests
    double baseErrorRate = 0.0002;
    // Health as last checked.
    double checkLatencyMs = 1;
    double dbLatencyMs = 1;
    std::int64_t checkedAtMs = 0;
    // Requests and 5xx per second over the last 30 s, for the "degraded" rule.
    std::uint32_t windowReq[30] {};
    std::uint32_t windowErr[30] {};
};

struct Route
{
    std::string id;
    std::string prefix;
    std::string service; // a microservice name
    int percent = 0;     // share of the route's traffic sent to the microservice
    std::string version;
    std::int64_t updatedAtMs = 0;
    std::string updatedBy;
    double weight = 1;   // share of the traffic model's requests
    std::vector<std::pair<std::string, std::string>> endpoints; // method, path suffix
};

struct Flag
{
    std::string name;
    bool enabled = false;
    int rolloutPercent = 0;
    std::vector<std::string> allowUsers;
    std::set<std::string> allowSet;
    std::string description;
    std::string version;
    std::int64_t updatedAtMs = 0;
    std::string updatedBy;
};

struct Fault
{
    std::string id;
    std::string service;
    std::optional<Backend> backend;
    double errorRate = 0;
    double extraLatencyMs = 0;
    bool down = false;
    bool dbDown = false;
    std::int64_t createdAtMs = 0;
    std::optional<double> durationS;
    std::optional<std::int64_t> expiresAtMs;
};

struct RollbackState
{
    bool engaged = false;
    std::string version;
    std::int64_t engagedAtMs = 0;
    std::string engagedBy;
    std::string reason;
    std::vector<std::pair<std::string, int>> snapshot;
    std::int64_t releasedAtMs = 0;
    std::string releasedBy;
};

struct AuditEntry
{
    std::uint64_t id = 0;
    std::int64_t timeMs = 0;
    std::string actor;
    Role role = Role::Viewer;
    std::string action;
    std::string target;
    Json before;
    Json after;
    std::string reason;
    std::string requestId;
    std::string idempotencyKey;
};

enum class HealthStatus { Healthy, Degraded, Unhealthy, Unknown };
const char *healthName(HealthStatus status);

// Everything the gateway knows and the operators change: services, routes, flags, the emergency
// switch, faults and the audit log. Single-threaded: owned by the server's event loop.
class GatewayState
{
public:
    GatewayState(int extraServices, std::int64_t startMs);

    std::vector<Service> &services() { return m_services; }
    const std::vector<Service> &services() const { return m_services; }
    std::vector<Route> &routes() { return m_routes; }
    const std::vector<Route> &routes() const { return m_routes; }
    std::vector<Flag> &flags() { return m_flags; }
    const RollbackState &rollback() const { return m_rollback; }
    const std::vector<AuditEntry> &audit() const { return m_audit; }
    std::uint64_t generation() const { return m_generation; }

    Service *service(const std::string &name);
    Route *route(const std::string &id);
    Flag *flag(const std::string &name);
    int serviceIndex(const std::string &name) const;
    int monolithIndex() const { return 0; }
    // Index into flags() of the use_<short>_microservice flag of a microservice, or -1.
    int flagIndexForService(const std::string &service) const;

    // Mutations. Each bumps the global generation, stamps the new version and appends to the audit.
    struct Actor { std::string subject; Role role; std::string requestId; std::string idempotencyKey; };
    const Route &setRoutePercent(Route &route, int percent, const std::string &reason, const Actor &actor,
                                 std::int64_t nowMs);
    const Flag &updateFlag(Flag &flag, bool enabled, int rolloutPercent, std::vector<std::string> allowUsers,
                           std::optional<std::string> description, const std::string &reason,
                           const Actor &actor, std::int64_t nowMs);
    void engageRollback(const std::string &reason, const Actor &actor, std::int64_t nowMs);
    void releaseRollback(bool keepMonolith, const std::string &reason, const Actor &actor, std::int64_t nowMs);

    const Fault &addFault(Fault fault, const std::string &reason, const Actor &actor, std::int64_t nowMs);
    bool clearFault(const std::string &id, const Actor &actor, std::int64_t nowMs); // id "" clears all
    const std::vector<Fault> &faults() const { return m_faults; }
    void expireFaults(std::int64_t nowMs);

    // Combined fault effect on requests served by `upstream` for a route of `routeService`.
    struct Effect { double errorRate = 0; double extraLatencyMs = 0; bool down = false; bool dbDown = false; };
    Effect effectFor(int upstream, const std::string &routeService, Backend backend) const;
    Effect effectForService(int upstream) const;

    HealthStatus healthOf(const Service &service) const;
    static bool userInFlag(const Flag &flag, const std::string &userId);

    Json routeJson(const Route &route) const;
    Json routesJson() const;
    Json flagJson(const Flag &flag) const;
    Json flagsJson() const;
    Json rollbackJson() const;
    Json serviceHealthJson(const Service &service) const;
    Json dbCheckJson(const Service &service) const;
    Json faultJson(const Fault &fault) const;
    Json auditJson(const AuditEntry &entry) const;

private:
    std::string bump() { return std::to_string(++m_generation); }
    void appendAudit(const Actor &actor, std::string action, std::string target, Json before, Json after,
                     std::string reason, std::int64_t nowMs);

    std::vector<Service> m_services;
    std::vector<Route> m_routes;
    std::vector<Flag> m_flags;
    std::vector<Fault> m_faults;
    std::vector<AuditEntry> m_audit;
    RollbackState m_rollback;
    std::uint64_t m_generation = 1;
    std::uint64_t m_nextFault = 1;
};

} // namespace cutover::sim
