#include "gatewaystate.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace cutover::sim {

const char *roleName(Role role)
{
    switch (role) {
    case Role::Viewer: return "viewer";
    case Role::Operator: return "operator";
    case Role::Admin: return "admin";
    }
    return "viewer";
}

std::optional<Role> roleFromName(const std::string &name)
{
    if (name == "viewer")
        return Role::Viewer;
    if (name == "operator")
        return Role::Operator;
    if (name == "admin")
        return Role::Admin;
    return std::nullopt;
}

const char *healthName(HealthStatus status)
{
    switch (status) {
    case HealthStatus::Healthy: return "healthy";
    case HealthStatus::Degraded: return "degraded";
    case HealthStatus::Unhealthy: return "unhealthy";
    case HealthStatus::Unknown: return "unknown";
    }
    return "unknown";
}

std::string isoTime(std::int64_t ms)
{
    const std::time_t secs = std::time_t(ms / 1000);
    std::tm tm {};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, int(ms % 1000));
    return buf;
}

static Json timeOrNull(std::int64_t ms) { return ms ? Json(isoTime(ms)) : Json(nullptr); }
static Json stringOrNull(const std::string &s) { return s.empty() ? Json(nullptr) : Json(s); }

GatewayState::GatewayState(int extraServices, std::int64_t startMs)
{
    // The services and routes of the migration guide, in "phase 1 done": users and posts are on
    // their microservices, media, payments and notifications still on the monolith.
    struct Seed { const char *name; const char *version; int port; double median; double sigma; };
    const Seed seeds[] = {
        {"monolith", "2024.11.3", 8000, 50, 0.5},       {"user-service", "1.8.0", 8001, 22, 0.45},
        {"post-service", "1.4.2", 8002, 28, 0.5},         {"media-service", "0.9.1", 8003, 45, 0.6},
        {"payment-service", "0.7.0", 8004, 38, 0.5},      {"notification-service", "0.5.3", 8005, 18, 0.45},
    };
    for (const Seed &s : seeds) {
        Service svc;
        svc.name = s.name;
        svc.monolith = svc.name == "monolith";
        svc.version = s.version;
        svc.url = "http://" + svc.name + ":" + std::to_string(s.port);
        svc.medianMs = s.median;
        svc.sigma = s.sigma;
        svc.baseErrorRate = svc.monolith ? 0.0004 : 0.0002;
        m_services.push_back(std::move(svc));
    }

    auto addRoute = [this, startMs](std::string id, std::string prefix, std::string service, int percent, double weight,
                           std::vector<std::pair<std::string, std::string>> endpoints) {
        Route r;
        r.id = std::move(id);
        r.prefix = std::move(prefix);
        r.service = std::move(service);
        r.percent = percent;
        r.version = "1";
        r.updatedAtMs = startMs;
        r.updatedBy = "bootstrap";
        r.weight = weight;
        r.endpoints = std::move(endpoints);
        m_routes.push_back(std::move(r));
    };
    addRoute("auth", "/api/auth", "user-service", 100, 8, {{"POST", "/login"}, {"GET", "/me"}, {"POST", "/refresh"}});
    addRoute("users", "/api/users", "user-service", 100, 12,
             {{"GET", "/{id}"}, {"GET", "/{id}/followers"}, {"POST", "/{id}/follow"}, {"PATCH", "/{id}"}});
    addRoute("posts", "/api/posts", "post-service", 100, 30,
             {{"GET", "/feed/me"}, {"GET", "/{id}"}, {"POST", ""}, {"POST", "/{id}/like"}, {"DELETE", "/{id}"}});
    addRoute("media", "/api/media", "media-service", 0, 14, {{"POST", "/upload"}, {"GET", "/{id}"}, {"DELETE", "/{id}"}});
    addRoute("payments", "/api/payments", "payment-service", 0, 5,
             {{"POST", "/create"}, {"POST", "/execute"}, {"GET", "/{id}"}});
    addRoute("notifications", "/api/notifications", "notification-service", 0, 16,
             {{"GET", ""}, {"POST", "/send"}, {"POST", "/{id}/read"}});

    for (int i = 1; i <= extraServices; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "svc-%03d", i);
        Service svc;
        svc.name = std::string(name);
        svc.version = "1.0." + std::to_string(i % 10);
        svc.url = "http://" + svc.name + ":9000";
        svc.medianMs = 15 + (i * 7) % 40;
        svc.sigma = 0.45;
        m_services.push_back(svc);
        addRoute(svc.name, "/api/" + svc.name, svc.name, (i * 37) % 101, 0.5, {{"GET", "/{id}"}, {"POST", ""}});
    }

    auto addFlag = [this, startMs](std::string name, bool enabled, int percent, std::string description) {
        Flag f;
        f.name = std::move(name);
        f.enabled = enabled;
        f.rolloutPercent = percent;
        f.description = std::move(description);
        f.version = "1";
        f.updatedAtMs = startMs;
        f.updatedBy = "bootstrap";
        m_flags.push_back(std::move(f));
    };
    addFlag("use_user_microservice", true, 100, "Serve auth and user endpoints from user-service");
    addFlag("use_post_microservice", true, 100, "Serve post endpoints from post-service");
    addFlag("use_media_microservice", false, 0, "Serve media endpoints from media-service");
    addFlag("use_payment_microservice", false, 0, "Serve payment endpoints from payment-service");
    addFlag("use_notification_microservice", false, 0, "Serve notification endpoints from notification-service");
    m_rollback.version = "1";
}

Service *GatewayState::service(const std::string &name)
{
    const int i = serviceIndex(name);
    return i < 0 ? nullptr : &m_services[std::size_t(i)];
}

int GatewayState::serviceIndex(const std::string &name) const
{
    for (std::size_t i = 0; i < m_services.size(); ++i)
        if (m_services[i].name == name)
            return int(i);
    return -1;
}

Route *GatewayState::route(const std::string &id)
{
    auto it = std::find_if(m_routes.begin(), m_routes.end(), [&](const Route &r) { return r.id == id; });
    return it == m_routes.end() ? nullptr : &*it;
}

Flag *GatewayState::flag(const std::string &name)
{
    auto it = std::find_if(m_flags.begin(), m_flags.end(), [&](const Flag &f) { return f.name == name; });
    return it == m_flags.end() ? nullptr : &*it;
}

// "post-service" ↔ "use_post_microservice", as in the migration guide's is_enabled() calls.
static std::string flagServiceName(const std::string &flag)
{
    static const std::string prefix = "use_", suffix = "_microservice";
    if (flag.size() <= prefix.size() + suffix.size() || flag.compare(0, prefix.size(), prefix) != 0
        || flag.compare(flag.size() - suffix.size(), suffix.size(), suffix) != 0)
        return {};
    return flag.substr(prefix.size(), flag.size() - prefix.size() - suffix.size()) + "-service";
}

int GatewayState::flagIndexForService(const std::string &service) const
{
    for (std::size_t i = 0; i < m_flags.size(); ++i)
        if (flagServiceName(m_flags[i].name) == service)
            return int(i);
    return -1;
}

bool GatewayState::userInFlag(const Flag &flag, const std::string &userId)
{
    if (!flag.enabled)
        return false;
    if (flag.allowSet.count(userId))
        return true;
    std::uint32_t h = 2166136261u;
    auto feed = [&h](const std::string &s) {
        for (unsigned char c : s) {
            h ^= c;
            h *= 16777619u;
        }
    };
    feed(flag.name);
    feed(":");
    feed(userId);
    return int(h % 100) < flag.rolloutPercent;
}

void GatewayState::appendAudit(const Actor &actor, std::string action, std::string target, Json before, Json after,
                               std::string reason, std::int64_t nowMs)
{
    AuditEntry e;
    e.id = m_audit.size() + 1;
    e.timeMs = nowMs;
    e.actor = actor.subject;
    e.role = actor.role;
    e.action = std::move(action);
    e.target = std::move(target);
    e.before = std::move(before);
    e.after = std::move(after);
    e.reason = std::move(reason);
    e.requestId = actor.requestId;
    e.idempotencyKey = actor.idempotencyKey;
    m_audit.push_back(std::move(e));
}

const Route &GatewayState::setRoutePercent(Route &route, int percent, const std::string &reason, const Actor &actor,
                                           std::int64_t nowMs)
{
    Json before = routeJson(route);
    route.percent = percent;
    route.version = bump();
    route.updatedAtMs = nowMs;
    route.updatedBy = actor.subject;
    appendAudit(actor, "route.update", "routes/" + route.id, std::move(before), routeJson(route), reason, nowMs);
    return route;
}

const Flag &GatewayState::updateFlag(Flag &flag, bool enabled, int rolloutPercent, std::vector<std::string> allowUsers,
                                     std::optional<std::string> description, const std::string &reason,
                                     const Actor &actor, std::int64_t nowMs)
{
    Json before = flagJson(flag);
    flag.enabled = enabled;
    flag.rolloutPercent = rolloutPercent;
    flag.allowSet = std::set<std::string>(allowUsers.begin(), allowUsers.end());
    flag.allowUsers = std::move(allowUsers);
    if (description)
        flag.description = *description;
    flag.version = bump();
    flag.updatedAtMs = nowMs;
    flag.updatedBy = actor.subject;
    appendAudit(actor, "flag.update", "flags/" + flag.name, std::move(before), flagJson(flag), reason, nowMs);
    return flag;
}

static Json routingMap(const std::vector<Route> &routes)
{
    Json m = Json::object();
    for (const Route &r : routes)
        m[r.id] = r.percent;
    return m;
}

void GatewayState::engageRollback(const std::string &reason, const Actor &actor, std::int64_t nowMs)
{
    Json before = routingMap(m_routes);
    const std::string version = bump();
    m_rollback.snapshot.clear();
    for (Route &r : m_routes) {
        m_rollback.snapshot.emplace_back(r.id, r.percent);
        r.percent = 0;
        r.version = version;
        r.updatedAtMs = nowMs;
        r.updatedBy = actor.subject;
    }
    m_rollback.engaged = true;
    m_rollback.version = version;
    m_rollback.engagedAtMs = nowMs;
    m_rollback.engagedBy = actor.subject;
    m_rollback.reason = reason;
    appendAudit(actor, "rollback.engage", "rollback", std::move(before), routingMap(m_routes), reason, nowMs);
}

void GatewayState::releaseRollback(bool keepMonolith, const std::string &reason, const Actor &actor,
                                   std::int64_t nowMs)
{
    Json before = routingMap(m_routes);
    const std::string version = bump();
    if (!keepMonolith) {
        for (const auto &[id, percent] : m_rollback.snapshot) {
            if (Route *r = route(id)) {
                r->percent = percent;
                r->version = version;
                r->updatedAtMs = nowMs;
                r->updatedBy = actor.subject;
            }
        }
    }
    m_rollback.engaged = false;
    m_rollback.version = version;
    m_rollback.snapshot.clear();
    m_rollback.releasedAtMs = nowMs;
    m_rollback.releasedBy = actor.subject;
    Json after = routingMap(m_routes);
    after["keep_monolith"] = keepMonolith;
    appendAudit(actor, "rollback.release", "rollback", std::move(before), std::move(after), reason, nowMs);
}

const Fault &GatewayState::addFault(Fault fault, const std::string &reason, const Actor &actor, std::int64_t nowMs)
{
    fault.id = "f" + std::to_string(m_nextFault++);
    fault.createdAtMs = nowMs;
    m_faults.push_back(std::move(fault));
    appendAudit(actor, "sim.fault.add", "sim/faults/" + m_faults.back().id, nullptr, faultJson(m_faults.back()), reason,
                nowMs);
    return m_faults.back();
}

bool GatewayState::clearFault(const std::string &id, const Actor &actor, std::int64_t nowMs)
{
    const auto before = m_faults.size();
    std::erase_if(m_faults, [&](const Fault &f) { return id.empty() || f.id == id; });
    if (m_faults.size() == before && !id.empty())
        return false;
    appendAudit(actor, "sim.fault.clear", id.empty() ? "sim/faults" : "sim/faults/" + id, nullptr, nullptr,
                "simulator fault cleared", nowMs);
    return true;
}

void GatewayState::expireFaults(std::int64_t nowMs)
{
    std::erase_if(m_faults, [&](const Fault &f) { return f.expiresAtMs && *f.expiresAtMs <= nowMs; });
}

GatewayState::Effect GatewayState::effectFor(int upstream, const std::string &routeService, Backend backend) const
{
    Effect e;
    const std::string &up = m_services[std::size_t(upstream)].name;
    for (const Fault &f : m_faults) {
        const bool hit = f.backend ? (*f.backend == backend && (f.service == up || f.service == routeService))
                                   : f.service == up;
        if (!hit)
            continue;
        e.errorRate = 1 - (1 - e.errorRate) * (1 - f.errorRate);
        e.extraLatencyMs += f.extraLatencyMs;
        e.down = e.down || f.down;
        e.dbDown = e.dbDown || f.dbDown;
    }
    return e;
}

GatewayState::Effect GatewayState::effectForService(int upstream) const
{
    Effect e;
    const std::string &up = m_services[std::size_t(upstream)].name;
    for (const Fault &f : m_faults) {
        if (f.service != up || (f.backend && (*f.backend == Backend::Monolith) != m_services[std::size_t(upstream)].monolith))
            continue;
        e.errorRate = 1 - (1 - e.errorRate) * (1 - f.errorRate);
        e.extraLatencyMs += f.extraLatencyMs;
        e.down = e.down || f.down;
        e.dbDown = e.dbDown || f.dbDown;
    }
    return e;
}

HealthStatus GatewayState::healthOf(const Service &service) const
{
    if (service.checkedAtMs == 0)
        return HealthStatus::Unknown;
    const Effect e = effectForService(serviceIndex(service.name));
    if (e.down || e.dbDown)
        return HealthStatus::Unhealthy;
    std::uint64_t req = 0, err = 0;
    for (int i = 0; i < 30; ++i) {
        req += service.windowReq[i];
        err += service.windowErr[i];
    }
    if (e.extraLatencyMs > 0 || e.errorRate > 0.05 || (req >= 20 && double(err) / double(req) > 0.05))
        return HealthStatus::Degraded;
    return HealthStatus::Healthy;
}

Json GatewayState::routeJson(const Route &r) const
{
    return Json {{"id", r.id},           {"prefix", r.prefix},   {"service", r.service},
                 {"microservice_percent", r.percent},           {"version", r.version},
                 {"updated_at", timeOrNull(r.updatedAtMs)},     {"updated_by", r.updatedBy}};
}

Json GatewayState::routesJson() const
{
    Json list = Json::array();
    for (const Route &r : m_routes)
        list.push_back(routeJson(r));
    return Json {{"version", std::to_string(m_generation)}, {"rollback_engaged", m_rollback.engaged}, {"routes", list}};
}

Json GatewayState::flagJson(const Flag &f) const
{
    const std::string svc = flagServiceName(f.name);
    Json routes = Json::array();
    for (const Route &r : m_routes)
        if (!svc.empty() && r.service == svc)
            routes.push_back(r.id);
    return Json {{"name", f.name},
                 {"enabled", f.enabled},
                 {"rollout_percent", f.rolloutPercent},
                 {"allow_users", f.allowUsers},
                 {"description", f.description},
                 {"version", f.version},
                 {"service", svc.empty() || serviceIndex(svc) < 0 ? Json(nullptr) : Json(svc)},
                 {"routes", routes},
                 {"updated_at", timeOrNull(f.updatedAtMs)},
                 {"updated_by", f.updatedBy}};
}

Json GatewayState::flagsJson() const
{
    Json list = Json::array();
    for (const Flag &f : m_flags)
        list.push_back(flagJson(f));
    return Json {{"version", std::to_string(m_generation)}, {"flags", list}};
}

Json GatewayState::rollbackJson() const
{
    Json snapshot = nullptr;
    if (m_rollback.engaged) {
        snapshot = Json::array();
        for (const auto &[id, percent] : m_rollback.snapshot)
            snapshot.push_back({{"route", id}, {"microservice_percent", percent}});
    }
    return Json {{"engaged", m_rollback.engaged},
                 {"version", m_rollback.version},
                 {"engaged_at", m_rollback.engaged ? timeOrNull(m_rollback.engagedAtMs) : Json(nullptr)},
                 {"engaged_by", m_rollback.engaged ? stringOrNull(m_rollback.engagedBy) : Json(nullptr)},
                 {"reason", m_rollback.engaged ? stringOrNull(m_rollback.reason) : Json(nullptr)},
                 {"snapshot", snapshot},
                 {"released_at", timeOrNull(m_rollback.releasedAtMs)},
                 {"released_by", stringOrNull(m_rollback.releasedBy)}};
}

Json GatewayState::dbCheckJson(const Service &s) const
{
    const Effect e = effectForService(serviceIndex(s.name));
    if (e.down)
        return {{"status", "unknown"}, {"latency_ms", nullptr}, {"message", "service unreachable"}};
    if (e.dbDown)
        return {{"status", "unhealthy"}, {"latency_ms", s.dbLatencyMs}, {"message", "database connection refused"}};
    return {{"status", s.checkedAtMs ? "healthy" : "unknown"}, {"latency_ms", s.dbLatencyMs}, {"message", "ok"}};
}

Json GatewayState::serviceHealthJson(const Service &s) const
{
    const Effect e = effectForService(serviceIndex(s.name));
    return Json {{"name", s.name},
                 {"kind", s.monolith ? "monolith" : "microservice"},
                 {"status", healthName(healthOf(s))},
                 {"latency_ms", e.down || !s.checkedAtMs ? Json(nullptr) : Json(s.checkLatencyMs)},
                 {"checked_at", timeOrNull(s.checkedAtMs)},
                 {"version", s.version},
                 {"url", s.url},
                 {"message", e.down ? "connection refused" : (e.dbDown ? "database check failing" : "ok")},
                 {"checks", {{"db", dbCheckJson(s)}}}};
}

Json GatewayState::faultJson(const Fault &f) const
{
    return Json {{"id", f.id},
                 {"service", f.service},
                 {"backend", f.backend ? Json(backendName(*f.backend)) : Json(nullptr)},
                 {"error_rate", f.errorRate},
                 {"extra_latency_ms", f.extraLatencyMs},
                 {"down", f.down},
                 {"db_down", f.dbDown},
                 {"duration_s", f.durationS ? Json(*f.durationS) : Json(nullptr)},
                 {"created_at", timeOrNull(f.createdAtMs)},
                 {"expires_at", f.expiresAtMs ? Json(isoTime(*f.expiresAtMs)) : Json(nullptr)}};
}

Json GatewayState::auditJson(const AuditEntry &e) const
{
    return Json {{"id", e.id},
                 {"time", isoTime(e.timeMs)},
                 {"actor", e.actor},
                 {"role", roleName(e.role)},
                 {"action", e.action},
                 {"target", e.target},
                 {"before", e.before},
                 {"after", e.after},
                 {"reason", e.reason},
                 {"request_id", e.requestId},
                 {"idempotency_key", stringOrNull(e.idempotencyKey)}};
}

} // namespace cutover::sim
