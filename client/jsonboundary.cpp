#include "jsonboundary.h"

#include "jsonkit.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace cutover::json {

namespace {

std::optional<Milliseconds> milliseconds(std::optional<double> ms)
{
    return ms ? std::optional<Milliseconds>(*ms) : std::nullopt;
}

using kit::array;
using kit::boolean;
using kit::integer;
using kit::Json;
using kit::member;
using kit::qs;
using kit::ShapeError;
using kit::strings;

// A percentage (admin API 1.1): a JSON number with an integral value from 0 to 100, so a
// gateway's 25.0 is 25 (JSON does not tell 25 from 25.0; some serialisers write floats).
int percent(const Json &obj, const char *key, const QString &path)
{
    const Json &v = member(obj, key, path);
    double value = -1;
    if (v.is_number_integer())
        value = v.is_number_unsigned() ? double(std::min<std::uint64_t>(v.get<std::uint64_t>(), 101))
                                       : double(std::max<std::int64_t>(v.get<std::int64_t>(), -1));
    else if (v.is_number_float())
        value = v.get<double>();
    else
        throw ShapeError {kit::joined(path, key), QStringLiteral("expected a number")};
    if (!(value >= 0 && value <= 100) || std::floor(value) != value)
        throw ShapeError {kit::joined(path, key), QStringLiteral("expected a whole percentage from 0 to 100")};
    return int(value);
}

QDateTime time(const Json &obj, const char *key, const QString &path)
{
    const QString s = kit::nullableString(obj, key, path);
    if (s.isEmpty())
        return {};
    QDateTime t = QDateTime::fromString(s, Qt::ISODateWithMs);
    if (!t.isValid())
        throw ShapeError {kit::joined(path, key), QStringLiteral("expected an RFC 3339 time")};
    return t;
}

HealthStatus status(const QString &s, const QString &path)
{
    if (s == QLatin1String("healthy"))
        return HealthStatus::Healthy;
    if (s == QLatin1String("degraded"))
        return HealthStatus::Degraded;
    if (s == QLatin1String("unhealthy"))
        return HealthStatus::Unhealthy;
    if (s == QLatin1String("unknown"))
        return HealthStatus::Unknown;
    throw ShapeError {path, QStringLiteral("unknown status \"%1\"").arg(s)};
}

ServiceHealth service(const Json &j, const QString &path)
{
    ServiceHealth s;
    s.name = kit::string(j, "name", path);
    const QString kind = kit::string(j, "kind", path);
    if (kind == QLatin1String("monolith"))
        s.kind = ServiceKind::Monolith;
    else if (kind == QLatin1String("microservice"))
        s.kind = ServiceKind::Microservice;
    else if (kind == QLatin1String("gateway"))
        s.kind = ServiceKind::Gateway;
    else
        throw ShapeError {path + QStringLiteral(".kind"), QStringLiteral("unknown kind \"%1\"").arg(kind)};
    s.status = status(kit::string(j, "status", path), path + QStringLiteral(".status"));
    s.latency = milliseconds(kit::optionalNumber(j, "latency_ms", path));
    s.checkedAt = time(j, "checked_at", path);
    s.version = kit::optionalString(j, "version");
    s.url = kit::optionalString(j, "url");
    s.message = kit::optionalString(j, "message");
    if (const auto checks = j.find("checks"); checks != j.end() && checks->is_object()) {
        for (const auto &[name, c] : checks->items()) {
            const QString cpath = path + QStringLiteral(".checks.") + qs(name);
            HealthCheck hc;
            hc.name = qs(name);
            hc.status = status(kit::string(c, "status", cpath), cpath + QStringLiteral(".status"));
            hc.latency = milliseconds(kit::optionalNumber(c, "latency_ms", cpath));
            hc.message = kit::optionalString(c, "message");
            s.checks.append(hc);
        }
    }
    return s;
}

Route route(const Json &j, const QString &path)
{
    Route r;
    r.id = kit::string(j, "id", path);
    r.prefix = kit::string(j, "prefix", path);
    r.service = kit::string(j, "service", path);
    r.microservicePercent = percent(j, "microservice_percent", path);
    r.version = kit::string(j, "version", path);
    r.updatedAt = j.contains("updated_at") ? time(j, "updated_at", path) : QDateTime();
    r.updatedBy = kit::optionalString(j, "updated_by");
    return r;
}

Flag flag(const Json &j, const QString &path)
{
    Flag f;
    f.name = kit::string(j, "name", path);
    f.enabled = boolean(j, "enabled", path);
    f.rolloutPercent = percent(j, "rollout_percent", path);
    f.allowUsers = strings(j, "allow_users", path);
    f.description = kit::optionalString(j, "description");
    f.version = kit::string(j, "version", path);
    f.service = kit::optionalString(j, "service");
    f.routes = strings(j, "routes", path);
    f.updatedAt = j.contains("updated_at") ? time(j, "updated_at", path) : QDateTime();
    f.updatedBy = kit::optionalString(j, "updated_by");
    return f;
}

template<typename T, typename F>
Result<T> guarded(const QByteArray &body, const char *endpoint, F &&f)
{
    return kit::guarded<T>(body, endpoint, QStringLiteral("the body is not valid JSON"), std::forward<F>(f));
}

} // namespace

Result<GatewayInfo> parseInfo(const QByteArray &body)
{
    return guarded<GatewayInfo>(body, "GET /admin/info", [](const Json &j) {
        GatewayInfo info;
        const QString root = QStringLiteral("$");
        info.apiVersion = kit::string(j, "api_version", root);
        const Json &gw = member(j, "gateway", root);
        info.name = kit::string(gw, "name", QStringLiteral("$.gateway"));
        info.version = kit::string(gw, "version", QStringLiteral("$.gateway"));
        info.instance = kit::optionalString(gw, "instance");
        const Json &caps = member(j, "capabilities", root);
        if (!caps.is_object())
            throw ShapeError {QStringLiteral("$.capabilities"), QStringLiteral("expected an object")};
        auto cap = [&caps](const char *k) { return caps.value(k, false); };
        info.capabilities = {cap("health"), cap("metrics"), cap("percentiles"), cap("routes"), cap("flags"),
                             cap("rollback"), cap("audit"),  cap("logs"),        cap("log_stream"), cap("simulator")};
        if (const auto m = j.find("metrics"); m != j.end() && m->is_object()) {
            if (const QString r = kit::optionalString(*m, "requests_total"); !r.isEmpty())
                info.requestsMetric = r;
            if (const QString d = kit::optionalString(*m, "request_duration_seconds"); !d.isEmpty())
                info.durationMetric = d;
        }
        return info;
    });
}

Result<WhoAmI> parseWhoAmI(const QByteArray &body)
{
    return guarded<WhoAmI>(body, "GET /admin/whoami", [](const Json &j) {
        WhoAmI who;
        who.subject = kit::string(j, "subject", QStringLiteral("$"));
        const QString role = kit::string(j, "role", QStringLiteral("$"));
        if (role == QLatin1String("viewer"))
            who.role = Role::Viewer;
        else if (role == QLatin1String("operator"))
            who.role = Role::Operator;
        else if (role == QLatin1String("admin"))
            who.role = Role::Admin;
        else
            throw ShapeError {QStringLiteral("$.role"), QStringLiteral("unknown role \"%1\"").arg(role)};
        return who;
    });
}

Result<HealthSnapshot> parseHealth(const QByteArray &body)
{
    return guarded<HealthSnapshot>(body, "GET /health/services", [](const Json &j) {
        HealthSnapshot snap;
        snap.checkedAt = time(j, "checked_at", QStringLiteral("$"));
        snap.gateway = service(member(j, "gateway", QStringLiteral("$")), QStringLiteral("$.gateway"));
        const Json &list = member(j, "services", QStringLiteral("$"));
        if (!list.is_array())
            throw ShapeError {QStringLiteral("$.services"), QStringLiteral("expected an array")};
        snap.services.reserve(qsizetype(list.size()));
        for (std::size_t i = 0; i < list.size(); ++i)
            snap.services.append(service(list[i], QStringLiteral("$.services[%1]").arg(i)));
        return snap;
    });
}

Result<RouteList> parseRoutes(const QByteArray &body)
{
    return guarded<RouteList>(body, "GET /admin/routes", [](const Json &j) {
        RouteList list;
        const QString root = QStringLiteral("$");
        list.version = kit::string(j, "version", root);
        list.rollbackEngaged = j.value("rollback_engaged", false);
        const Json &routes = array(j, "routes", root);
        for (std::size_t i = 0; i < routes.size(); ++i)
            list.routes.append(route(routes[i], QStringLiteral("$.routes[%1]").arg(i)));
        return list;
    });
}

Result<Route> parseRoute(const QByteArray &body)
{
    return guarded<Route>(body, "/admin/routes/{id}", [](const Json &j) { return route(j, QStringLiteral("$")); });
}

Result<FlagList> parseFlags(const QByteArray &body)
{
    return guarded<FlagList>(body, "GET /admin/flags", [](const Json &j) {
        FlagList list;
        list.version = kit::string(j, "version", QStringLiteral("$"));
        const Json &flags = array(j, "flags", QStringLiteral("$"));
        for (std::size_t i = 0; i < flags.size(); ++i)
            list.flags.append(flag(flags[i], QStringLiteral("$.flags[%1]").arg(i)));
        return list;
    });
}

Result<Flag> parseFlag(const QByteArray &body)
{
    return guarded<Flag>(body, "/admin/flags/{name}", [](const Json &j) { return flag(j, QStringLiteral("$")); });
}

Result<RollbackState> parseRollback(const QByteArray &body)
{
    return guarded<RollbackState>(body, "/admin/rollback", [](const Json &j) {
        const QString root = QStringLiteral("$");
        RollbackState s;
        s.engaged = boolean(j, "engaged", root);
        s.version = kit::string(j, "version", root);
        s.engagedAt = time(j, "engaged_at", root);
        s.engagedBy = kit::nullableString(j, "engaged_by", root);
        s.reason = kit::nullableString(j, "reason", root);
        s.releasedAt = j.contains("released_at") ? time(j, "released_at", root) : QDateTime();
        s.releasedBy = kit::optionalString(j, "released_by");
        if (const auto snap = j.find("snapshot"); snap != j.end() && !snap->is_null()) {
            if (!snap->is_array())
                throw ShapeError {QStringLiteral("$.snapshot"), QStringLiteral("expected an array or null")};
            for (std::size_t i = 0; i < snap->size(); ++i) {
                const QString p = QStringLiteral("$.snapshot[%1]").arg(i);
                s.snapshot.append({kit::string((*snap)[i], "route", p), percent((*snap)[i], "microservice_percent", p)});
            }
        }
        return s;
    });
}

Result<AuditPage> parseAudit(const QByteArray &body)
{
    return guarded<AuditPage>(body, "GET /admin/audit", [](const Json &j) {
        AuditPage page;
        const Json &entries = array(j, "entries", QStringLiteral("$"));
        for (std::size_t i = 0; i < entries.size(); ++i) {
            const Json &e = entries[i];
            const QString p = QStringLiteral("$.entries[%1]").arg(i);
            AuditEntry a;
            const Json &id = member(e, "id", p);
            if (!id.is_number_integer())
                throw ShapeError {p + QStringLiteral(".id"), QStringLiteral("expected an integer")};
            a.id = id.get<qint64>();
            a.time = time(e, "time", p);
            a.actor = kit::string(e, "actor", p);
            a.role = kit::optionalString(e, "role");
            a.action = kit::string(e, "action", p);
            a.target = kit::string(e, "target", p);
            a.before = QByteArray::fromStdString(e.value("before", Json()).dump());
            a.after = QByteArray::fromStdString(e.value("after", Json()).dump());
            a.reason = kit::optionalString(e, "reason");
            a.requestId = kit::optionalString(e, "request_id");
            a.idempotencyKey = kit::optionalString(e, "idempotency_key");
            page.entries.append(a);
        }
        page.latestId = j.value("latest_id", qint64(0));
        return page;
    });
}

QByteArray routeChangeBody(int percent, const QString &reason)
{
    return QByteArray::fromStdString(Json {{"microservice_percent", percent}, {"reason", reason.toStdString()}}.dump());
}

QByteArray flagChangeBody(const FlagChange &change, const QString &reason)
{
    Json users = Json::array();
    for (const QString &u : change.allowUsers)
        users.push_back(u.toStdString());
    Json body {{"enabled", change.enabled}, {"rollout_percent", change.rolloutPercent}, {"allow_users", users},
               {"reason", reason.toStdString()}};
    if (change.description)
        body["description"] = change.description->toStdString();
    return QByteArray::fromStdString(body.dump());
}

QByteArray rollbackBody(const QString &reason, std::optional<bool> keepMonolith)
{
    Json body {{"reason", reason.toStdString()}};
    if (keepMonolith)
        body["keep_monolith"] = *keepMonolith;
    return QByteArray::fromStdString(body.dump());
}

void readErrorEnvelope(const QByteArray &body, ApiError &error)
{
    const Json doc = Json::parse(body.begin(), body.end(), nullptr, false);
    if (!doc.is_object() || !doc.contains("error") || !doc["error"].is_object())
        return;
    const Json &e = doc["error"];
    error.code = kit::optionalString(e, "code");
    if (const QString m = kit::optionalString(e, "message"); !m.isEmpty())
        error.message = m;
    error.field = kit::optionalString(e, "field");
    if (const auto d = e.find("details"); d != e.end() && !d->is_null())
        error.details = QByteArray::fromStdString(d->dump());
}

} // namespace cutover::json
