// status: the gateway, who you are, each service's health, the emergency switch, and traffic
// against the SLOs from two metric scrapes.
#include "cli.h"
#include "output.h"
#include "trafficstats.h"

#include <QTimer>

namespace cutover::ctl {

namespace {

// Long enough for a verdict on a few hundred requests a second; a quiet service will still say
// "not enough traffic" and how much it needs (a longer --window gives it more).
constexpr double kDefaultWindowSeconds = 5;

struct Snapshot
{
    std::optional<Result<GatewayInfo>> info;
    std::optional<Result<WhoAmI>> whoami;
    std::optional<Result<HealthSnapshot>> health;
    std::optional<Result<RollbackState>> rollback;
    std::optional<Result<MetricsScrape>> firstScrape;
};

// Everything of the first round at once, on one local event loop.
Snapshot fetchAll(GatewayBackend *backend)
{
    Snapshot s;
    QEventLoop loop;
    int pending = 5;
    auto arrived = [&] {
        if (--pending == 0)
            loop.quit();
    };
    backend->fetchInfo([&](Result<GatewayInfo> r) { s.info.emplace(std::move(r)); arrived(); });
    backend->fetchWhoAmI([&](Result<WhoAmI> r) { s.whoami.emplace(std::move(r)); arrived(); });
    backend->fetchHealth([&](Result<HealthSnapshot> r) { s.health.emplace(std::move(r)); arrived(); });
    backend->fetchRollback([&](Result<RollbackState> r) { s.rollback.emplace(std::move(r)); arrived(); });
    backend->fetchMetrics([&](Result<MetricsScrape> r) { s.firstScrape.emplace(std::move(r)); arrived(); });
    if (pending > 0)
        loop.exec();
    return s;
}

const HealthCheck *dbCheck(const ServiceHealth &s)
{
    for (const HealthCheck &c : s.checks)
        if (c.name == QLatin1String("db"))
            return &c;
    return nullptr;
}

Json serviceJson(const ServiceHealth &s)
{
    Json db = nullptr;
    if (const HealthCheck *c = dbCheck(s))
        db = Json {{"status", healthName(c->status).toStdString()},
                   {"latency_ms", c->latency ? Json(c->latency->count()) : Json(nullptr)},
                   {"message", c->message.toStdString()}};
    return Json {{"name", s.name.toStdString()},
                 {"kind", serviceKindName(s.kind).toStdString()},
                 {"status", healthName(s.status).toStdString()},
                 {"latency_ms", s.latency ? Json(s.latency->count()) : Json(nullptr)},
                 {"checked_at", jsonTime(s.checkedAt)},
                 {"version", jsonString(s.version)},
                 {"message", jsonString(s.message)},
                 {"db", db}};
}

Json optionalNumber(std::optional<double> v)
{
    return v && std::isfinite(*v) ? Json(*v) : Json(nullptr);
}

std::string stateKey(SloState s)
{
    return sloStateKey(s).toStdString();
}

Json trafficJson(const ServiceTraffic &t)
{
    Json j;
    if (!t.service.isEmpty())
        j["service"] = t.service.toStdString();
    j["requests"] = t.requests;
    j["request_rate"] = optionalNumber(t.rate);
    j["error_ratio"] = optionalNumber(t.errorRatio);
    j["p95_ms"] = optionalNumber(t.p95Ms);
    j["slo"] = Json {{"availability", stateKey(t.slo.availability.state)},
                     {"latency", stateKey(t.slo.latency.state)},
                     {"error_rate", stateKey(t.slo.errorRate.state)},
                     {"overall", stateKey(t.slo.overall())}};
    // Why the overall verdict is what it is, when it is not met (models/slo.h's explanation).
    j["slo_reason"] = jsonString(t.slo.explain());
    return j;
}

// "met", "not enough traffic", or "BREACHED: p95, errors" naming the objectives in that state.
QString sloText(const SloEvaluation &e)
{
    const SloState overall = e.overall();
    if (overall == SloState::Met || overall == SloState::NoData || overall == SloState::NotEnoughTraffic)
        return sloStateName(overall);
    QStringList which;
    if (e.availability.state == overall)
        which.append(QStringLiteral("availability"));
    if (e.latency.state == overall)
        which.append(QStringLiteral("p95"));
    if (e.errorRate.state == overall)
        which.append(QStringLiteral("errors"));
    return sloStateName(overall).toUpper() + QStringLiteral(": ") + which.join(QStringLiteral(", "));
}

QString rollbackText(const RollbackState &r)
{
    if (r.engaged)
        return QStringLiteral("ENGAGED since %1 by %2: \"%3\" (every request goes to the monolith)")
            .arg(humanTime(r.engagedAt), orDash(r.engagedBy), r.reason);
    if (r.releasedAt.isValid())
        return QStringLiteral("not engaged (last released %1 by %2)").arg(humanTime(r.releasedAt), orDash(r.releasedBy));
    return QStringLiteral("not engaged");
}

QString capabilitiesText(const Capabilities &c)
{
    QStringList missing;
    const QList<QPair<bool, QString>> all {{c.health, QStringLiteral("health")},     {c.metrics, QStringLiteral("metrics")},
                                           {c.percentiles, QStringLiteral("percentiles")}, {c.routes, QStringLiteral("routes")},
                                           {c.flags, QStringLiteral("flags")},       {c.rollback, QStringLiteral("rollback")},
                                           {c.audit, QStringLiteral("audit")},       {c.logs, QStringLiteral("logs")},
                                           {c.logStream, QStringLiteral("log stream")}};
    for (const auto &[has, name] : all)
        if (!has)
            missing.append(name);
    return missing.isEmpty() ? QString() : QStringLiteral("; does not offer: ") + missing.join(QStringLiteral(", "));
}

// The value; nothing when the call failed because the gateway does not offer that part.
template<typename T>
std::optional<T> optionalPart(Result<T> result, bool offered)
{
    if (!result && !offered)
        return std::nullopt;
    return valueOrThrow(std::move(result));
}

int runStatus(Context &ctx)
{
    bool ok = true;
    const double windowSeconds =
        ctx.args.isSet(QStringLiteral("window")) ? ctx.args.value(QStringLiteral("window")).toDouble(&ok) : kDefaultWindowSeconds;
    if (!ok || !(windowSeconds >= 0.2 && windowSeconds <= 300))
        usageError(QStringLiteral("--window must be a number of seconds from 0.2 to 300"));

    Snapshot s = fetchAll(ctx.backend);
    const GatewayInfo info = valueOrThrow(std::move(*s.info));
    const WhoAmI me = valueOrThrow(std::move(*s.whoami));
    // A gateway may leave parts of the contract out (GET /admin/info says which): show the rest.
    const std::optional<HealthSnapshot> health = optionalPart(std::move(*s.health), info.capabilities.health);
    const std::optional<RollbackState> rollback = optionalPart(std::move(*s.rollback), info.capabilities.rollback);

    // Traffic: a second scrape about `windowSeconds` after the first.
    std::optional<TrafficReport> traffic;
    QString trafficProblem;
    if (!info.capabilities.metrics) {
        trafficProblem = QStringLiteral("the gateway does not offer metrics");
    } else if (!*s.firstScrape) {
        trafficProblem = s.firstScrape->error().describe();
    } else {
        QEventLoop wait;
        QTimer::singleShot(std::chrono::milliseconds(qint64(windowSeconds * 1000)), &wait, &QEventLoop::quit);
        wait.exec();
        const Result<MetricsScrape> second =
            await<MetricsScrape>([&](auto done) { ctx.backend->fetchMetrics(std::move(done)); });
        if (!second) {
            trafficProblem = second.error().describe();
        } else {
            MetricNames names = ctx.connection.profile ? ctx.connection.profile->metrics : MetricNames();
            names.requestsTotal = info.requestsMetric;
            names.requestDuration = info.durationMetric;
            TrafficResult r = compareScrapes(s.firstScrape->value(), second.value(), names,
                                             thresholdsFor(ctx.connection.profile));
            traffic = std::move(r.report);
            trafficProblem = r.error;
        }
    }
    const SloThresholds slo = thresholdsFor(ctx.connection.profile);
    const std::optional<Profile> &profile = ctx.connection.profile;

    if (ctx.json) {
        Json capabilities {{"health", info.capabilities.health},   {"metrics", info.capabilities.metrics},
                           {"percentiles", info.capabilities.percentiles}, {"routes", info.capabilities.routes},
                           {"flags", info.capabilities.flags},     {"rollback", info.capabilities.rollback},
                           {"audit", info.capabilities.audit},     {"logs", info.capabilities.logs},
                           {"log_stream", info.capabilities.logStream}, {"simulator", info.capabilities.simulator}};
        Json services = nullptr;
        if (health) {
            services = Json::array();
            services.push_back(serviceJson(health->gateway));
            for (const ServiceHealth &svc : health->services)
                services.push_back(serviceJson(svc));
        }
        Json trafficOut = nullptr;
        if (traffic) {
            Json perService = Json::array();
            for (const ServiceTraffic &t : traffic->services)
                perService.push_back(trafficJson(t));
            trafficOut = Json {{"window_s", traffic->windowSeconds},
                               {"slo", {{"availability", slo.availabilityTarget},
                                        {"p95_ms", slo.latencyP95Max.count()},
                                        {"error_rate", slo.errorRatioMax}}},
                               {"services", perService},
                               {"overall", trafficJson(traffic->overall)}};
        }
        printJson(Json {{"gateway", {{"url", ctx.backend->address().toStdString()},
                                     {"name", info.name.toStdString()},
                                     {"version", info.version.toStdString()},
                                     {"instance", info.instance.toStdString()},
                                     {"api_version", info.apiVersion.toStdString()},
                                     {"capabilities", capabilities}}},
                        {"profile", profile ? Json {{"name", profile->name.toStdString()},
                                                    {"environment", environmentName(profile->environment).toStdString()}}
                                            : Json(nullptr)},
                        {"whoami", {{"subject", me.subject.toStdString()}, {"role", roleName(me.role).toStdString()}}},
                        {"services", services},
                        {"rollback", rollback ? rollbackJson(*rollback) : Json(nullptr)},
                        {"traffic", trafficOut},
                        {"traffic_unavailable", jsonString(trafficProblem)}});
        return ExitOk;
    }

    QString out;
    const QString where = ctx.backend->address()
        + (profile ? QStringLiteral("  (profile %1, %2)").arg(profile->name, environmentName(profile->environment).toUpper())
                   : QString());
    Table head({{QString()}, {QString()}});
    head.addRow({QStringLiteral("Gateway"), QStringLiteral("%1 %2, instance %3, API %4%5")
                                                 .arg(info.name, info.version, orDash(info.instance), info.apiVersion,
                                                      capabilitiesText(info.capabilities))});
    head.addRow({QStringLiteral("Address"), where});
    head.addRow({QStringLiteral("You"), QStringLiteral("%1 (%2)").arg(me.subject, roleName(me.role))});
    head.addRow({QStringLiteral("Rollback"), rollback ? rollbackText(*rollback) : QStringLiteral("not offered by this gateway")});
    out += head.render().section(QLatin1Char('\n'), 1); // without the empty title row

    Table services({{QStringLiteral("SERVICE")}, {QStringLiteral("KIND")}, {QStringLiteral("STATUS")},
                    {QStringLiteral("LATENCY"), Table::Align::Right}, {QStringLiteral("DB")},
                    {QStringLiteral("DB LATENCY"), Table::Align::Right}, {QStringLiteral("VERSION")},
                    {QStringLiteral("MESSAGE")}});
    QList<ServiceHealth> all;
    if (health) {
        all.append(health->gateway);
        all.append(health->services);
    }
    for (const ServiceHealth &svc : all) {
        const HealthCheck *db = dbCheck(svc);
        const bool unremarkable = svc.message.isEmpty() || svc.message == QLatin1String("ok");
        services.addRow({svc.name, serviceKindName(svc.kind),
                         svc.status == HealthStatus::Healthy ? healthName(svc.status) : healthName(svc.status).toUpper(),
                         formatMs(svc.latency), db ? healthName(db->status) : QStringLiteral("—"),
                         db ? formatMs(db->latency) : QStringLiteral("—"), orDash(svc.version),
                         unremarkable ? QString() : svc.message});
    }
    if (health)
        out += QStringLiteral("\nHealth (checked %1)\n").arg(humanTime(health->checkedAt)) + services.render();
    else
        out += QStringLiteral("\nHealth: not offered by this gateway.\n");

    if (traffic) {
        out += QStringLiteral("\nTraffic over the last %1 s, against the SLOs (availability >= %2, p95 <= %3 ms, "
                              "error rate <= %4)\n")
                   .arg(traffic->windowSeconds, 0, 'f', 1)
                   .arg(formatPercent(slo.availabilityTarget, 1))
                   .arg(slo.latencyP95Max.count(), 0, 'f', 0)
                   .arg(formatPercent(slo.errorRatioMax, 1));
        Table t({{QStringLiteral("SERVICE")}, {QStringLiteral("REQUESTS"), Table::Align::Right},
                 {QStringLiteral("REQ/S"), Table::Align::Right}, {QStringLiteral("ERROR RATE"), Table::Align::Right},
                 {QStringLiteral("P95"), Table::Align::Right}, {QStringLiteral("SLO")}});
        auto row = [&t](const QString &name, const ServiceTraffic &x) {
            t.addRow({name, QString::number(x.requests, 'f', 0),
                      x.rate ? QString::number(*x.rate, 'f', 1) : QStringLiteral("—"),
                      x.errorRatio ? formatPercent(*x.errorRatio, 2) : QStringLiteral("—"), formatMs(x.p95Ms),
                      sloText(x.slo)});
        };
        for (const ServiceTraffic &x : traffic->services)
            row(x.service, x);
        row(QStringLiteral("(all)"), traffic->overall);
        out += t.render();
        // Why each verdict that is not "met" is what it is, with the numbers it rests on.
        QStringList why;
        for (const ServiceTraffic &x : std::as_const(traffic->services))
            if (const QString reason = x.slo.explain(); !reason.isEmpty())
                why << QStringLiteral("  %1: %2").arg(x.service, reason);
        if (const QString reason = traffic->overall.slo.explain(); !reason.isEmpty())
            why << QStringLiteral("  (all): %1").arg(reason);
        if (!why.isEmpty())
            out += QStringLiteral("Verdicts (met or breached only with 95 % confidence):\n") + why.join(QLatin1Char('\n'))
                + QLatin1Char('\n');
        if (!traffic->latencyAvailable)
            out += QStringLiteral("The gateway exposes no request-duration histogram: no p95.\n");
    } else {
        out += QStringLiteral("\nTraffic: not available (%1).\n").arg(trafficProblem);
    }
    printOut(out);
    return ExitOk;
}

} // namespace

void addStatusCommand(QList<Command> &commands)
{
    commands.append({{QStringLiteral("status")}, {},
                     QStringLiteral("Gateway, who you are, service health, rollback state, and traffic against the SLOs."),
                     QStringLiteral("Shows the gateway (name, version, instance, API version), who the token belongs to, the "
                                    "health of the gateway and of every service (status, health-check latency, database "
                                    "check), the emergency rollback state, and per service the request rate, error rate and "
                                    "p95 latency measured from two /metrics scrapes --window seconds apart (default 5), judged "
                                    "against the SLOs (the profile's, else availability 99.9 %, p95 200 ms, error rate 0.1 %). "
                                    "A ratio objective is judged on the window's counts with a 95 % Wilson interval: breached "
                                    "only when even its optimistic bound is beyond the objective, met only when even its "
                                    "pessimistic bound is within it, otherwise \"not enough traffic\" with about how many "
                                    "requests a verdict needs; p95 is judged over 200 requests or more.\n\n"
                                    "--json prints {\"gateway\": {\"url\", \"name\", \"version\", \"instance\", \"api_version\", "
                                    "\"capabilities\"}, \"profile\": {\"name\", \"environment\"} or null, \"whoami\": "
                                    "{\"subject\", \"role\"}, \"services\": [{\"name\", \"kind\", \"status\", \"latency_ms\", "
                                    "\"checked_at\", \"version\", \"message\", \"db\": {\"status\", \"latency_ms\", \"message\"} or "
                                    "null}] (null if the gateway offers no health), \"rollback\": {…as GET /admin/rollback} or null, \"traffic\": {\"window_s\", \"slo\": "
                                    "{\"availability\", \"p95_ms\", \"error_rate\"}, \"services\": [{\"service\", \"requests\", "
                                    "\"request_rate\", \"error_ratio\", \"p95_ms\", \"slo\": {\"availability\", \"latency\", "
                                    "\"error_rate\", \"overall\"}, \"slo_reason\": why, or null when met}], \"overall\": {…}} or null, "
                                    "\"traffic_unavailable\": reason or null}. SLO states are \"met\", \"at_risk\", "
                                    "\"breached\", \"no_data\" or \"not_enough_traffic\"."),
                     {{QStringLiteral("window"), QStringLiteral("Seconds between the two metric scrapes (default 5, at most 300)."), QStringLiteral("seconds")}},
                     {}, true, runStatus});
}

} // namespace cutover::ctl
