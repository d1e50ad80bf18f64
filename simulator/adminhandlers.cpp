// The endpoint handlers of AdminServer: one function per endpoint, the contract's rules in order.
#include "adminserver.h"

#include <QHttpServerRequest>

#include <algorithm>
#include <cmath>

namespace cutover::sim {

namespace {

// What an If-Match header asks for (RFC 9110 §13.1.1, with the contract's 1.1 rules).
struct IfMatch
{
    enum class Kind { Tags, Any, Malformed } kind = Kind::Tags;
    std::vector<std::string> strong; // the strong tags' opaque values; weak tags never match
};

// `"15"`, a list `"14", "15"`, `W/"15"` (weak), `*`, or the 1.0 leniency: an unquoted `15`.
IfMatch parseIfMatch(const std::string &value)
{
    IfMatch out;
    bool any = false, members = false;
    std::size_t i = 0;
    auto skipSpace = [&] {
        while (i < value.size() && (value[i] == ' ' || value[i] == '\t'))
            ++i;
    };
    while (i <= value.size()) {
        skipSpace();
        if (i == value.size())
            break;
        if (value[i] == ',') { // empty list elements are allowed (RFC 9110 §5.6.1)
            ++i;
            continue;
        }
        members = true;
        bool weak = false;
        if (value.compare(i, 2, "W/") == 0) {
            weak = true;
            i += 2;
            if (i == value.size() || value[i] != '"')
                return {IfMatch::Kind::Malformed, {}};
        }
        std::string tag;
        if (value[i] == '"') {
            const std::size_t close = value.find('"', i + 1);
            if (close == std::string::npos)
                return {IfMatch::Kind::Malformed, {}};
            tag = value.substr(i + 1, close - i - 1);
            i = close + 1;
        } else {
            const std::size_t end = value.find_first_of(", \t", i);
            tag = value.substr(i, end == std::string::npos ? std::string::npos : end - i);
            i = end == std::string::npos ? value.size() : end;
            if (tag == "*") {
                any = true;
                tag.clear();
            } else if (tag.find('"') != std::string::npos) {
                return {IfMatch::Kind::Malformed, {}};
            }
        }
        skipSpace();
        if (i < value.size() && value[i] != ',')
            return {IfMatch::Kind::Malformed, {}};
        ++i;
        if (!weak && !tag.empty())
            out.strong.push_back(std::move(tag));
    }
    if (!members)
        return {IfMatch::Kind::Malformed, {}};
    if (any) // `*` is only valid alone
        return {out.strong.empty() && value.find(',') == std::string::npos ? IfMatch::Kind::Any : IfMatch::Kind::Malformed, {}};
    return out;
}

// An integer query parameter within [lo, hi]; nullopt (and a 422) when present but invalid.
std::optional<long long> intParam(const QUrlQuery &q, const char *name, long long fallback, long long lo, long long hi,
                                  bool &bad)
{
    const QString key = QString::fromLatin1(name);
    if (!q.hasQueryItem(key))
        return fallback;
    bool ok = false;
    const long long v = q.queryItemValue(key).toLongLong(&ok);
    if (!ok || v < lo || v > hi) {
        bad = true;
        return std::nullopt;
    }
    return v;
}

// Lengths in the contract are in characters (code points), not UTF-8 bytes.
std::size_t characters(const std::string &s)
{
    return std::size_t(std::count_if(s.begin(), s.end(), [](unsigned char c) { return (c & 0xC0) != 0x80; }));
}

// A JSON number with an integral value from 0 to 100: `25` and `25.0` are both 25 (contract 1.1).
std::optional<int> percentOf(const Json &v)
{
    if (v.is_number_integer())
        return v.get<long long>() >= 0 && v.get<long long>() <= 100 ? std::optional<int>(int(v.get<long long>())) : std::nullopt;
    if (!v.is_number_float())
        return std::nullopt;
    const double d = v.get<double>();
    if (!(d >= 0 && d <= 100) || std::floor(d) != d)
        return std::nullopt;
    return int(d);
}

} // namespace

std::optional<HttpResponse> AdminServer::parseBody(Ctx &ctx, Json &body)
{
    const QByteArray raw = ctx.request->body();
    body = Json::parse(raw.begin(), raw.end(), nullptr, false);
    if (body.is_discarded() || !body.is_object())
        return HttpResponse::error(400, "bad_request", "the request body must be a JSON object", ctx.requestId);
    return std::nullopt;
}

std::optional<HttpResponse> AdminServer::checkIfMatch(Ctx &ctx, const std::string &version, const Json &current)
{
    const std::string ifMatch = headerValue(*ctx.request, "If-Match");
    if (ifMatch.empty())
        return HttpResponse::error(428, "precondition_required",
                                   "changes need If-Match with the version you read (current: \"" + version + "\")",
                                   ctx.requestId, {}, {{"current_version", version}});
    const IfMatch parsed = parseIfMatch(ifMatch);
    if (parsed.kind == IfMatch::Kind::Any)
        return HttpResponse::error(428, "precondition_required",
                                   "If-Match: * does not say which version you read; send the version you read "
                                   "(current: \"" + version + "\")",
                                   ctx.requestId, {}, {{"current_version", version}});
    // Strong comparison: a weak tag never matches, and a malformed value names no version at all.
    if (parsed.kind == IfMatch::Kind::Malformed
        || std::find(parsed.strong.begin(), parsed.strong.end(), version) == parsed.strong.end())
        return HttpResponse::error(412, "precondition_failed",
                                   parsed.kind == IfMatch::Kind::Malformed
                                       ? "If-Match " + ifMatch + " is not a list of entity tags; current is \"" + version + "\""
                                       : "it changed since you read it: you sent version " + ifMatch + ", current is \""
                                           + version + "\"",
                                   ctx.requestId, {}, {{"current_version", version}, {"current", current}})
            .header("ETag", '"' + version + '"');
    return std::nullopt;
}

std::optional<HttpResponse> AdminServer::checkReason(Ctx &ctx, const Json &body, std::string &reason)
{
    const auto it = body.find("reason");
    if (it == body.end() || !it->is_string())
        return HttpResponse::error(422, "validation_failed", "a reason is required for every change", ctx.requestId,
                                   "reason");
    reason = it->get<std::string>();
    const auto b = reason.find_first_not_of(" \t\r\n"), e = reason.find_last_not_of(" \t\r\n");
    reason = b == std::string::npos ? std::string() : reason.substr(b, e - b + 1);
    if (reason.empty() || characters(reason) > 500)
        return HttpResponse::error(422, "validation_failed", "the reason must be 1 to 500 characters", ctx.requestId,
                                   "reason");
    return std::nullopt;
}

HttpResponse AdminServer::getInfo(Ctx &)
{
    Json caps = {{"health", true}, {"metrics", true},   {"percentiles", true}, {"routes", true},
                 {"flags", true},  {"rollback", true},  {"audit", true},       {"logs", true},
                 {"log_stream", true}, {"simulator", true}};
    return HttpResponse::json(200, {{"api_version", "1.1"},
                                    {"gateway", {{"name", "cutover-sim"}, {"version", CUTOVER_VERSION}, {"instance", m_instance}, {"test", true}}},
                                    {"capabilities", caps},
                                    {"metrics", {{"requests_total", "requests_total"},
                                                 {"request_duration_seconds", "request_duration_seconds"}}},
                                    {"server_time", isoTime(nowMs())}});
}

HttpResponse AdminServer::getServices(Ctx &)
{
    Json list = Json::array();
    for (const Service &s : m_state.services())
        list.push_back(m_state.serviceHealthJson(s));
    Json gateway = {{"name", "gateway"},    {"kind", "gateway"},           {"status", "healthy"},
                    {"latency_ms", 0.2},    {"checked_at", isoTime(nowMs())}, {"version", CUTOVER_VERSION},
                    {"message", "ok"},      {"checks", Json::object()}};
    return HttpResponse::json(200, {{"checked_at", isoTime(nowMs())}, {"gateway", gateway}, {"services", list}});
}

HttpResponse AdminServer::getMetrics(Ctx &ctx)
{
    const bool om = headerValue(*ctx.request, "Accept").find("application/openmetrics-text") != std::string::npos;
    HttpResponse r;
    r.body = m_metrics.render(m_state, om ? MetricsRegistry::Format::OpenMetrics : MetricsRegistry::Format::Text004);
    r.contentType = om ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                       : "text/plain; version=0.0.4; charset=utf-8";
    return r;
}

HttpResponse AdminServer::putRoute(Ctx &ctx, Route &route)
{
    Json body;
    if (auto bad = parseBody(ctx, body))
        return *bad;
    if (auto bad = checkIfMatch(ctx, route.version, m_state.routeJson(route)))
        return *bad;
    std::string reason;
    if (auto bad = checkReason(ctx, body, reason))
        return *bad;
    const auto pctIt = body.find("microservice_percent");
    const std::optional<int> pct = pctIt == body.end() ? std::nullopt : percentOf(*pctIt);
    if (!pct)
        return HttpResponse::error(422, "validation_failed", "microservice_percent must be an integer from 0 to 100",
                                   ctx.requestId, "microservice_percent");
    if (m_state.rollback().engaged)
        return HttpResponse::error(409, "conflict",
                                   "the emergency rollback is engaged: every route is on the monolith; release the "
                                   "rollback first",
                                   ctx.requestId, {}, {{"rollback", m_state.rollbackJson()}});
    const Route &r = m_state.setRoutePercent(route, *pct, reason, ctx.actor(), nowMs());
    return HttpResponse::json(200, m_state.routeJson(r)).header("ETag", '"' + r.version + '"');
}

HttpResponse AdminServer::putFlag(Ctx &ctx, Flag &flag)
{
    Json body;
    if (auto bad = parseBody(ctx, body))
        return *bad;
    if (auto bad = checkIfMatch(ctx, flag.version, m_state.flagJson(flag)))
        return *bad;
    std::string reason;
    if (auto bad = checkReason(ctx, body, reason))
        return *bad;
    auto invalid = [&](const char *field, const std::string &message) {
        return HttpResponse::error(422, "validation_failed", message, ctx.requestId, field);
    };
    if (!body.contains("enabled") || !body["enabled"].is_boolean())
        return invalid("enabled", "enabled must be true or false");
    const std::optional<int> rollout = body.contains("rollout_percent") ? percentOf(body["rollout_percent"]) : std::nullopt;
    if (!rollout)
        return invalid("rollout_percent", "rollout_percent must be an integer from 0 to 100");
    std::vector<std::string> allow;
    if (body.contains("allow_users")) {
        const Json &a = body["allow_users"];
        if (!a.is_array() || a.size() > 1000)
            return invalid("allow_users", "allow_users must be an array of at most 1000 user ids");
        for (const Json &u : a) {
            if (!u.is_string() || u.get<std::string>().empty() || characters(u.get<std::string>()) > 64)
                return invalid("allow_users", "each allow-listed user id must be a string of 1 to 64 characters");
            allow.push_back(u.get<std::string>());
        }
    }
    std::optional<std::string> description;
    if (body.contains("description")) {
        if (!body["description"].is_string() || characters(body["description"].get<std::string>()) > 1000)
            return invalid("description", "description must be a string of at most 1000 characters");
        description = body["description"].get<std::string>();
    }
    const Flag &f = m_state.updateFlag(flag, body["enabled"].get<bool>(), *rollout,
                                       std::move(allow), std::move(description), reason, ctx.actor(), nowMs());
    return HttpResponse::json(200, m_state.flagJson(f)).header("ETag", '"' + f.version + '"');
}

HttpResponse AdminServer::postRollback(Ctx &ctx, bool release)
{
    Json body;
    if (auto bad = parseBody(ctx, body))
        return *bad;
    const std::string key = headerValue(*ctx.request, "Idempotency-Key");
    const bool keyOk = !key.empty() && key.size() <= 255
        && std::all_of(key.begin(), key.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; });
    if (!keyOk)
        return HttpResponse::error(400, "bad_request", "actions need an Idempotency-Key header (1-255 printable characters)",
                                   ctx.requestId, "Idempotency-Key");
    ctx.idempotencyKey = key;
    // Idempotency before If-Match: a retry of an action that did happen must get its first answer,
    // not a 412 caused by the action itself.
    // A key belongs to one subject, method and path: the same string on /admin/rollback and on
    // /admin/rollback/release is two keys.
    const std::string storeKey = ctx.who.subject + '\n' + ctx.method + '\n' + ctx.path + '\n' + key;
    const std::string fingerprint = body.dump();
    if (auto it = m_idempotency.find(storeKey); it != m_idempotency.end()) {
        if (it->second.fingerprint != fingerprint)
            return HttpResponse::error(422, "idempotency_key_reused",
                                       "this Idempotency-Key was already used for a different request", ctx.requestId,
                                       "Idempotency-Key");
        HttpResponse replay = it->second.response;
        return replay.header("Idempotent-Replayed", "true");
    }
    const RollbackState &state = m_state.rollback();
    if (auto bad = checkIfMatch(ctx, state.version, m_state.rollbackJson()))
        return *bad;
    std::string reason;
    if (auto bad = checkReason(ctx, body, reason))
        return *bad;
    bool keepMonolith = false;
    if (release && body.contains("keep_monolith")) {
        if (!body["keep_monolith"].is_boolean())
            return HttpResponse::error(422, "validation_failed", "keep_monolith must be true or false", ctx.requestId,
                                       "keep_monolith");
        keepMonolith = body["keep_monolith"].get<bool>();
    }
    if (!release && state.engaged)
        return HttpResponse::error(409, "conflict", "the emergency rollback is already engaged (by " + state.engagedBy + ")",
                                   ctx.requestId, {}, {{"rollback", m_state.rollbackJson()}});
    if (release && !state.engaged)
        return HttpResponse::error(409, "conflict", "the emergency rollback is not engaged", ctx.requestId, {},
                                   {{"rollback", m_state.rollbackJson()}});
    if (release)
        m_state.releaseRollback(keepMonolith, reason, ctx.actor(), nowMs());
    else
        m_state.engageRollback(reason, ctx.actor(), nowMs());
    HttpResponse ok = HttpResponse::json(200, m_state.rollbackJson()).header("ETag", '"' + m_state.rollback().version + '"');
    m_idempotency[storeKey] = {fingerprint, ok, QDateTime::currentMSecsSinceEpoch() + 24 * 3600 * 1000LL};
    return ok;
}

HttpResponse AdminServer::getAudit(Ctx &ctx)
{
    bool bad = false;
    const auto after = intParam(ctx.query, "after", 0, 0, std::numeric_limits<long long>::max(), bad);
    if (bad)
        return HttpResponse::error(422, "validation_failed", "after must be a non-negative integer", ctx.requestId, "after");
    const auto limit = intParam(ctx.query, "limit", 100, 1, 1000, bad);
    if (bad)
        return HttpResponse::error(422, "validation_failed", "limit must be an integer from 1 to 1000", ctx.requestId, "limit");
    Json entries = Json::array();
    const auto &audit = m_state.audit();
    for (std::size_t i = std::size_t(std::min<long long>(*after, (long long)audit.size()));
         i < audit.size() && entries.size() < std::size_t(*limit); ++i)
        entries.push_back(m_state.auditJson(audit[i]));
    return HttpResponse::json(200, {{"entries", entries}, {"latest_id", audit.size()}, {"instance", m_instance}});
}

HttpResponse AdminServer::getLogs(Ctx &ctx)
{
    bool bad = false;
    const auto limit = intParam(ctx.query, "limit", 200, 1, 5000, bad);
    if (bad)
        return HttpResponse::error(422, "validation_failed", "limit must be an integer from 1 to 5000", ctx.requestId, "limit");
    const bool hasAfter = ctx.query.hasQueryItem(QStringLiteral("after"));
    const auto after = intParam(ctx.query, "after", 0, 0, std::numeric_limits<long long>::max(), bad);
    if (bad)
        return HttpResponse::error(422, "validation_failed", "after must be a non-negative integer", ctx.requestId, "after");
    const std::uint64_t first = m_logs.firstId(), last = m_logs.lastId();
    std::uint64_t from;
    Json gap = nullptr;
    if (!hasAfter) {
        from = last >= std::uint64_t(*limit) ? std::max(first, last - std::uint64_t(*limit) + 1) : first;
    } else {
        from = std::uint64_t(*after) + 1;
        if (from < first) {
            gap = {{"from", from}, {"to", first - 1}, {"missed", first - from}};
            from = first;
        }
    }
    std::string body = "{\"lines\":[";
    std::uint64_t n = 0;
    for (std::uint64_t id = from; id <= last && n < std::uint64_t(*limit); ++id, ++n) {
        if (n)
            body += ',';
        body += m_logs.line(id);
    }
    body += "],\"first_id\":" + std::to_string(first) + ",\"last_id\":" + std::to_string(last)
        + ",\"gap\":" + gap.dump() + ",\"instance\":" + Json(m_instance).dump() + '}';
    HttpResponse r;
    r.body = std::move(body);
    return r;
}

std::optional<Fault> AdminServer::faultFromJson(const Json &j, std::string &error, std::string *field) const
{
    if (!j.is_object()) {
        error = "a fault must be a JSON object";
        return std::nullopt;
    }
    Fault f;
    auto fail = [&](const char *name, std::string message) -> std::optional<Fault> {
        error = std::move(message);
        if (field)
            *field = name;
        return std::nullopt;
    };
    if (!j.contains("service") || !j["service"].is_string() || m_state.serviceIndex(j["service"]) < 0)
        return fail("service", "service must name a known upstream service");
    f.service = j["service"].get<std::string>();
    auto number = [&](const char *name, double lo, double hi, double &out) {
        if (!j.contains(name) || j[name].is_null())
            return true;
        if (!j[name].is_number() || j[name].get<double>() < lo || j[name].get<double>() > hi) {
            char range[96];
            std::snprintf(range, sizeof range, " must be a number from %g to %g", lo, hi);
            fail(name, std::string(name) + range);
            return false;
        }
        out = j[name].get<double>();
        return true;
    };
    double duration = -1;
    if (!number("error_rate", 0, 1, f.errorRate) || !number("extra_latency_ms", 0, 60000, f.extraLatencyMs)
        || !number("duration_s", 0, 86400, duration))
        return std::nullopt;
    for (auto [name, flag] : {std::pair {"down", &f.down}, std::pair {"db_down", &f.dbDown}}) {
        if (j.contains(name) && !j[name].is_null()) {
            if (!j[name].is_boolean())
                return fail(name, std::string(name) + " must be true or false");
            *flag = j[name].get<bool>();
        }
    }
    if (j.contains("backend") && !j["backend"].is_null()) {
        if (j["backend"] == "monolith")
            f.backend = Backend::Monolith;
        else if (j["backend"] == "microservice")
            f.backend = Backend::Microservice;
        else
            return fail("backend", "backend must be monolith, microservice or null");
    }
    if (duration >= 0) {
        f.durationS = duration;
        f.expiresAtMs = m_simNowMs + std::int64_t(duration * 1000);
    }
    return f;
}

HttpResponse AdminServer::postFault(Ctx &ctx)
{
    Json body;
    if (auto bad = parseBody(ctx, body))
        return *bad;
    std::string error, field;
    auto fault = faultFromJson(body, error, &field);
    if (!fault)
        return HttpResponse::error(422, "validation_failed", error, ctx.requestId, field);
    const std::string reason = body.contains("reason") && body["reason"].is_string() ? body["reason"].get<std::string>()
                                                                                     : std::string("simulator fault");
    return HttpResponse::json(201, m_state.faultJson(m_state.addFault(std::move(*fault), reason, ctx.actor(), nowMs())));
}

HttpResponse AdminServer::postStep(Ctx &ctx)
{
    if (!m_config.manualClock)
        return HttpResponse::error(409, "conflict", "the simulator runs on the real clock (start it with --manual-clock)",
                                   ctx.requestId);
    Json body;
    if (auto bad = parseBody(ctx, body))
        return *bad;
    if (!body.contains("seconds") || !body["seconds"].is_number() || body["seconds"].get<double>() <= 0
        || body["seconds"].get<double>() > 86400)
        return HttpResponse::error(422, "validation_failed", "seconds must be a number from 0 to 86400", ctx.requestId,
                                   "seconds");
    advanceTo(m_simNowMs + std::int64_t(body["seconds"].get<double>() * 1000));
    flushStreams(false);
    return simState(ctx);
}

HttpResponse AdminServer::postChaos(Ctx &ctx)
{
    Json body;
    if (auto bad = parseBody(ctx, body))
        return *bad;
    // {"drop_response":{"path":P,"count":C}} or {"delay_ms":N,"path":P,"count":C}.
    auto countOf = [](const Json &j) { return j.contains("count") && j["count"].is_number_integer() ? j["count"].get<int>() : 1; };
    Chaos c;
    if (body.contains("drop_response") && body["drop_response"].is_object() && body["drop_response"].contains("path")
        && body["drop_response"]["path"].is_string()) {
        c.path = body["drop_response"]["path"].get<std::string>();
        c.dropCount = countOf(body["drop_response"]);
    } else if (body.contains("delay_ms") && body["delay_ms"].is_number_integer() && body.contains("path")
               && body["path"].is_string()) {
        c.path = body["path"].get<std::string>();
        c.delayMs = std::clamp(body["delay_ms"].get<int>(), 0, 600000);
        c.delayCount = countOf(body);
    } else if (body.contains("fail_status") && body["fail_status"].is_number_integer() && body.contains("path")
               && body["path"].is_string()) {
        c.path = body["path"].get<std::string>();
        c.failStatus = std::clamp(body["fail_status"].get<int>(), 400, 599);
        c.failCount = countOf(body);
    } else if (body.contains("replace_body") && body["replace_body"].is_string() && body.contains("path")
               && body["path"].is_string()) {
        c.path = body["path"].get<std::string>();
        c.replaceBody = body["replace_body"].get<std::string>();
        c.replaceCount = countOf(body);
        // "repeat": N sends the body N times over, for oversized answers (at most 256 MiB in all).
        if (body.contains("repeat")) {
            const auto &r = body["repeat"];
            if (!r.is_number_integer() || r.get<long long>() < 1
                || double(r.get<long long>()) * double(std::max<std::size_t>(c.replaceBody.size(), 1)) > 256.0 * 1024 * 1024)
                return HttpResponse::error(422, "validation_failed", "repeat must be an integer >= 1, and the body at most 256 MiB",
                                           ctx.requestId, "repeat");
            c.replaceRepeat = std::size_t(r.get<long long>());
        }
    } else {
        return HttpResponse::error(422, "validation_failed",
                                   "give {\"drop_response\":{\"path\":P,\"count\":C}}, {\"delay_ms\":N,\"path\":P,\"count\":C}, "
                                   "{\"fail_status\":S,\"path\":P,\"count\":C} or {\"replace_body\":B,\"path\":P,\"count\":C[,\"repeat\":N]}",
                                   ctx.requestId);
    }
    m_chaos.push_back(c);
    return HttpResponse::json(200, {{"rules", m_chaos.size()}});
}

HttpResponse AdminServer::simState(Ctx &)
{
    return HttpResponse::json(200, {{"clock", m_config.manualClock ? "manual" : "real"},
                                    {"sim_time", isoTime(m_simNowMs)},
                                    {"elapsed_s", double(m_simNowMs - m_startMs) / 1000.0},
                                    {"seed", m_config.seed},
                                    {"rate", m_traffic.rate()},
                                    {"users", m_traffic.users()},
                                    {"requests_served", m_traffic.requestsServed()},
                                    {"log_first_id", m_logs.firstId()},
                                    {"log_last_id", m_logs.lastId()},
                                    {"stream_clients", m_streams.size()}});
}

} // namespace cutover::sim
