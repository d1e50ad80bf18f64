#include "jsonboundary.h"

#include <nlohmann/json.hpp>

namespace cutover::json {

namespace {

using Json = nlohmann::json;

// Thrown inside this file only, caught at each parse function's edge.
struct ShapeError
{
    QString field;
    QString message;
};

QString qs(const std::string &s) { return QString::fromStdString(s); }

const Json &member(const Json &obj, const char *key, const QString &path)
{
    if (!obj.is_object())
        throw ShapeError {path, QStringLiteral("expected an object")};
    const auto it = obj.find(key);
    if (it == obj.end())
        throw ShapeError {path + QLatin1Char('.') + QLatin1String(key), QStringLiteral("missing")};
    return *it;
}

QString str(const Json &obj, const char *key, const QString &path, bool nullable = false)
{
    const Json &v = member(obj, key, path);
    if (nullable && v.is_null())
        return {};
    if (!v.is_string())
        throw ShapeError {path + QLatin1Char('.') + QLatin1String(key), QStringLiteral("expected a string")};
    return qs(v.get<std::string>());
}

QString optStr(const Json &obj, const char *key)
{
    const auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? qs(it->get<std::string>()) : QString();
}

std::optional<double> optNumber(const Json &obj, const char *key, const QString &path)
{
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
        return std::nullopt;
    if (!it->is_number())
        throw ShapeError {path + QLatin1Char('.') + QLatin1String(key), QStringLiteral("expected a number")};
    return it->get<double>();
}

QDateTime time(const Json &obj, const char *key, const QString &path)
{
    const QString s = str(obj, key, path, true);
    if (s.isEmpty())
        return {};
    QDateTime t = QDateTime::fromString(s, Qt::ISODateWithMs);
    if (!t.isValid())
        throw ShapeError {path + QLatin1Char('.') + QLatin1String(key), QStringLiteral("expected an RFC 3339 time")};
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
    s.name = str(j, "name", path);
    const QString kind = str(j, "kind", path);
    if (kind == QLatin1String("monolith"))
        s.kind = ServiceKind::Monolith;
    else if (kind == QLatin1String("microservice"))
        s.kind = ServiceKind::Microservice;
    else if (kind == QLatin1String("gateway"))
        s.kind = ServiceKind::Gateway;
    else
        throw ShapeError {path + QStringLiteral(".kind"), QStringLiteral("unknown kind \"%1\"").arg(kind)};
    s.status = status(str(j, "status", path), path + QStringLiteral(".status"));
    s.latencyMs = optNumber(j, "latency_ms", path);
    s.checkedAt = time(j, "checked_at", path);
    s.version = optStr(j, "version");
    s.url = optStr(j, "url");
    s.message = optStr(j, "message");
    if (const auto checks = j.find("checks"); checks != j.end() && checks->is_object()) {
        for (const auto &[name, c] : checks->items()) {
            const QString cpath = path + QStringLiteral(".checks.") + qs(name);
            HealthCheck hc;
            hc.name = qs(name);
            hc.status = status(str(c, "status", cpath), cpath + QStringLiteral(".status"));
            hc.latencyMs = optNumber(c, "latency_ms", cpath);
            hc.message = optStr(c, "message");
            s.checks.append(hc);
        }
    }
    return s;
}

int integer(const Json &obj, const char *key, const QString &path)
{
    const Json &v = member(obj, key, path);
    if (!v.is_number_integer())
        throw ShapeError {path + QLatin1Char('.') + QLatin1String(key), QStringLiteral("expected an integer")};
    return v.get<int>();
}

bool boolean(const Json &obj, const char *key, const QString &path)
{
    const Json &v = member(obj, key, path);
    if (!v.is_boolean())
        throw ShapeError {path + QLatin1Char('.') + QLatin1String(key), QStringLiteral("expected true or false")};
    return v.get<bool>();
}

QStringList strings(const Json &obj, const char *key, const QString &path)
{
    QStringList out;
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
        return out;
    if (!it->is_array())
        throw ShapeError {path + QLatin1Char('.') + QLatin1String(key), QStringLiteral("expected an array")};
    for (const Json &v : *it) {
        if (!v.is_string())
            throw ShapeError {path + QLatin1Char('.') + QLatin1String(key), QStringLiteral("expected strings")};
        out << qs(v.get<std::string>());
    }
    return out;
}

const Json &array(const Json &obj, const char *key, const QString &path)
{
    const Json &v = member(obj, key, path);
    if (!v.is_array())
        throw ShapeError {path + QLatin1Char('.') + QLatin1String(key), QStringLiteral("expected an array")};
    return v;
}

Route route(const Json &j, const QString &path)
{
    Route r;
    r.id = str(j, "id", path);
    r.prefix = str(j, "prefix", path);
    r.service = str(j, "service", path);
    r.microservicePercent = integer(j, "microservice_percent", path);
    if (r.microservicePercent < 0 || r.microservicePercent > 100)
        throw ShapeError {path + QStringLiteral(".microservice_percent"), QStringLiteral("outside 0-100")};
    r.version = str(j, "version", path);
    r.updatedAt = j.contains("updated_at") ? time(j, "updated_at", path) : QDateTime();
    r.updatedBy = optStr(j, "updated_by");
    return r;
}

Flag flag(const Json &j, const QString &path)
{
    Flag f;
    f.name = str(j, "name", path);
    f.enabled = boolean(j, "enabled", path);
    f.rolloutPercent = integer(j, "rollout_percent", path);
    f.allowUsers = strings(j, "allow_users", path);
    f.description = optStr(j, "description");
    f.version = str(j, "version", path);
    f.service = optStr(j, "service");
    f.routes = strings(j, "routes", path);
    f.updatedAt = j.contains("updated_at") ? time(j, "updated_at", path) : QDateTime();
    f.updatedBy = optStr(j, "updated_by");
    return f;
}

template<typename T, typename F>
Result<T> guarded(const QByteArray &body, const char *endpoint, F &&f)
{
    const Json doc = Json::parse(body.begin(), body.end(), nullptr, false);
    ApiError e;
    e.kind = ApiError::Kind::Malformed;
    e.endpoint = QLatin1String(endpoint);
    if (doc.is_discarded()) {
        e.message = QStringLiteral("the body is not valid JSON");
        return e;
    }
    try {
        return f(doc);
    } catch (const ShapeError &shape) {
        e.field = shape.field;
        e.message = shape.message;
    } catch (const Json::exception &ex) {
        e.message = qs(ex.what());
    }
    return e;
}

} // namespace

Result<GatewayInfo> parseInfo(const QByteArray &body)
{
    return guarded<GatewayInfo>(body, "GET /admin/info", [](const Json &j) {
        GatewayInfo info;
        const QString root = QStringLiteral("$");
        info.apiVersion = str(j, "api_version", root);
        const Json &gw = member(j, "gateway", root);
        info.name = str(gw, "name", QStringLiteral("$.gateway"));
        info.version = str(gw, "version", QStringLiteral("$.gateway"));
        info.instance = optStr(gw, "instance");
        const Json &caps = member(j, "capabilities", root);
        if (!caps.is_object())
            throw ShapeError {QStringLiteral("$.capabilities"), QStringLiteral("expected an object")};
        auto cap = [&caps](const char *k) { return caps.value(k, false); };
        info.capabilities = {cap("health"), cap("metrics"), cap("percentiles"), cap("routes"), cap("flags"),
                             cap("rollback"), cap("audit"),  cap("logs"),        cap("log_stream"), cap("simulator")};
        if (const auto m = j.find("metrics"); m != j.end() && m->is_object()) {
            if (const QString r = optStr(*m, "requests_total"); !r.isEmpty())
                info.requestsMetric = r;
            if (const QString d = optStr(*m, "request_duration_seconds"); !d.isEmpty())
                info.durationMetric = d;
        }
        return info;
    });
}

Result<WhoAmI> parseWhoAmI(const QByteArray &body)
{
    return guarded<WhoAmI>(body, "GET /admin/whoami", [](const Json &j) {
        WhoAmI who;
        who.subject = str(j, "subject", QStringLiteral("$"));
        const QString role = str(j, "role", QStringLiteral("$"));
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
        list.version = str(j, "version", root);
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
        list.version = str(j, "version", QStringLiteral("$"));
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
        s.version = str(j, "version", root);
        s.engagedAt = time(j, "engaged_at", root);
        s.engagedBy = str(j, "engaged_by", root, true);
        s.reason = str(j, "reason", root, true);
        s.releasedAt = j.contains("released_at") ? time(j, "released_at", root) : QDateTime();
        s.releasedBy = optStr(j, "released_by");
        if (const auto snap = j.find("snapshot"); snap != j.end() && !snap->is_null()) {
            if (!snap->is_array())
                throw ShapeError {QStringLiteral("$.snapshot"), QStringLiteral("expected an array or null")};
            for (std::size_t i = 0; i < snap->size(); ++i) {
                const QString p = QStringLiteral("$.snapshot[%1]").arg(i);
                s.snapshot.append({str((*snap)[i], "route", p), integer((*snap)[i], "microservice_percent", p)});
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
            a.actor = str(e, "actor", p);
            a.role = optStr(e, "role");
            a.action = str(e, "action", p);
            a.target = str(e, "target", p);
            a.before = QByteArray::fromStdString(e.value("before", Json()).dump());
            a.after = QByteArray::fromStdString(e.value("after", Json()).dump());
            a.reason = optStr(e, "reason");
            a.requestId = optStr(e, "request_id");
            a.idempotencyKey = optStr(e, "idempotency_key");
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
    error.code = optStr(e, "code");
    if (const QString m = optStr(e, "message"); !m.isEmpty())
        error.message = m;
    error.field = optStr(e, "field");
    if (const auto d = e.find("details"); d != e.end() && !d->is_null())
        error.details = QByteArray::fromStdString(d->dump());
}

} // namespace cutover::json
