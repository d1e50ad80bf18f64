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
}

} // namespace cutover::json
