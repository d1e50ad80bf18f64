#include "adminserver.h"

#include <QDateTime>
#include <QFile>
#include <QHttpServerRequest>
#include <QRandomGenerator>
#include <QSslCertificate>
#include <QSslKey>
#include <QTcpServer>
#include <QTcpSocket>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace cutover::sim {

namespace {

constexpr int kTickMs = 100;
constexpr qint64 kSlowConsumerBytes = 4 * 1024 * 1024;

std::int64_t wallMs() { return QDateTime::currentMSecsSinceEpoch(); }

std::vector<std::string> splitPath(const std::string &path)
{
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < path.size()) {
        while (i < path.size() && path[i] == '/')
            ++i;
        const std::size_t j = path.find('/', i);
        if (i < path.size())
            out.push_back(path.substr(i, j == std::string::npos ? std::string::npos : j - i));
        i = j == std::string::npos ? path.size() : j;
    }
    return out;
}

bool validRequestId(const std::string &id)
{
    if (id.empty() || id.size() > 128)
        return false;
    for (unsigned char c : id)
        if (!(std::isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-'))
            return false;
    return true;
}

const char *methodName(QHttpServerRequest::Method m)
{
    switch (m) {
    case QHttpServerRequest::Method::Get: return "GET";
    case QHttpServerRequest::Method::Put: return "PUT";
    case QHttpServerRequest::Method::Delete: return "DELETE";
    case QHttpServerRequest::Method::Post: return "POST";
    case QHttpServerRequest::Method::Head: return "HEAD";
    case QHttpServerRequest::Method::Options: return "OPTIONS";
    case QHttpServerRequest::Method::Patch: return "PATCH";
    default: return "OTHER";
    }
}

} // namespace

AdminServer::AdminServer(SimConfig config, QObject *parent)
    : QAbstractHttpServer(parent)
    , m_config(std::move(config))
    , m_state(m_config.extraServices, QDateTime::currentMSecsSinceEpoch())
    , m_logs(m_config.logBuffer)
    , m_traffic(m_state, m_metrics, m_logs, m_config.seed, m_config.rate, m_config.users)
{
    // New at every start, whatever the seed: a restarted gateway is a new instance, whose log and
    // audit ids start again (clients tell a restart by it).
    char instance[16];
    std::snprintf(instance, sizeof instance, "sim-%08x", unsigned(QRandomGenerator::system()->generate()));
    m_instance = instance;
    m_startMs = wallMs();
    m_simNowMs = m_startMs;
    m_lastHeartbeatMs = m_startMs;
    // One slice of traffic before the first request, so that health has been checked once.
    m_traffic.advance(m_simNowMs - kTickMs, m_simNowMs);
    m_clock.start();
    m_timer.setInterval(kTickMs);
    connect(&m_timer, &QTimer::timeout, this, &AdminServer::tick);
}

bool AdminServer::start(QString *error)
{
    if (!m_config.tlsCert.isEmpty()) {
        QFile certFile(m_config.tlsCert), keyFile(m_config.tlsKey);
        if (!certFile.open(QIODevice::ReadOnly) || !keyFile.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("cannot read the TLS certificate or key");
            return false;
        }
        const QSslCertificate cert(&certFile, QSsl::Pem);
        const QByteArray keyPem = keyFile.readAll();
        QSslKey key(keyPem, QSsl::Rsa, QSsl::Pem);
        if (key.isNull())
            key = QSslKey(keyPem, QSsl::Ec, QSsl::Pem);
        if (cert.isNull() || key.isNull()) {
            *error = QStringLiteral("the TLS certificate or key is not valid PEM");
            return false;
        }
        sslSetup(cert, key);
    }
    const quint16 port = listen(m_config.listen, m_config.port);
    if (port == 0) {
        *error = QStringLiteral("cannot listen on %1:%2").arg(m_config.listen.toString()).arg(m_config.port);
        return false;
    }
    m_config.port = port;
    m_timer.start();
    return true;
}

QString AdminServer::baseUrl() const
{
    const QString host = m_config.listen.protocol() == QAbstractSocket::IPv6Protocol
        ? QLatin1Char('[') + m_config.listen.toString() + QLatin1Char(']')
        : m_config.listen.toString();
    const QString scheme = m_config.tlsCert.isEmpty() ? QStringLiteral("http") : QStringLiteral("https");
    return scheme + QStringLiteral("://") + host + QLatin1Char(':') + QString::number(m_config.port);
}

void AdminServer::tick()
{
    if (!m_config.manualClock)
        advanceTo(m_startMs + m_clock.elapsed());
    const std::int64_t wall = wallMs();
    const bool heartbeat = wall - m_lastHeartbeatMs >= std::int64_t(m_config.heartbeatSeconds) * 1000;
    if (heartbeat)
        m_lastHeartbeatMs = wall;
    flushStreams(heartbeat);
    for (auto it = m_idempotency.begin(); it != m_idempotency.end();)
        it = it->second.expiresMs < wall ? m_idempotency.erase(it) : std::next(it);
}

void AdminServer::advanceTo(std::int64_t simMs)
{
    while (m_simNowMs < simMs) {
        const std::int64_t next = std::min(simMs, m_simNowMs + kTickMs);
        m_traffic.advance(m_simNowMs, next);
        m_simNowMs = next;
        // Scenario steps due by now, in order.
        while (!m_scenario.empty() && m_scenario.front().atMs <= m_simNowMs) {
            ScenarioStep step = std::move(m_scenario.front());
            m_scenario.erase(m_scenario.begin());
            const GatewayState::Actor scenario {"scenario", Role::Admin, "scenario", {}};
            std::string error;
            if (step.fault) {
                if (auto f = faultFromJson(*step.fault, error))
                    m_state.addFault(std::move(*f), "scenario step", scenario, m_simNowMs);
            } else {
                m_state.clearFault(step.clear == "all" ? std::string() : step.clear, scenario, m_simNowMs);
            }
        }
    }
}

std::string AdminServer::loadScenario(const std::string &text)
{
    const Json doc = Json::parse(text, nullptr, false);
    if (!doc.is_array())
        return "scenario: expected a JSON array of steps";
    for (std::size_t i = 0; i < doc.size(); ++i) {
        const Json &s = doc[i];
        const std::string where = "scenario step " + std::to_string(i + 1) + ": ";
        if (!s.is_object() || !s.contains("at_s") || !s["at_s"].is_number() || s["at_s"].get<double>() < 0)
            return where + "needs a non-negative number at_s";
        ScenarioStep step;
        step.atMs = m_startMs + std::int64_t(s["at_s"].get<double>() * 1000);
        if (s.contains("fault")) {
            std::string error;
            if (!faultFromJson(s["fault"], error))
                return where + error;
            step.fault = s["fault"];
        } else if (s.contains("clear") && s["clear"].is_string()) {
            step.clear = s["clear"].get<std::string>();
        } else {
            return where + "needs either fault or clear";
        }
        m_scenario.push_back(std::move(step));
    }
    std::stable_sort(m_scenario.begin(), m_scenario.end(),
                     [](const ScenarioStep &a, const ScenarioStep &b) { return a.atMs < b.atMs; });
    return {};
}

std::optional<HttpResponse> AdminServer::authorize(Ctx &ctx, Role needed)
{
    const std::string auth = headerValue(*ctx.request, "Authorization");
    // The auth scheme is case-insensitive (RFC 9110); the token is not.
    static const std::string bearer = "bearer ";
    const bool isBearer = auth.size() > bearer.size()
        && std::equal(bearer.begin(), bearer.end(), auth.begin(),
                      [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
    const auto it = isBearer
        ? m_config.tokens.find(std::string_view(auth).substr(bearer.size()))
        : m_config.tokens.end();
    if (it == m_config.tokens.end())
        return HttpResponse::error(401, "unauthorized",
                                   auth.empty() ? "this endpoint needs an Authorization: Bearer token"
                                                : "the bearer token is not valid",
                                   ctx.requestId)
            .header("WWW-Authenticate", "Bearer realm=\"cutover\"");
    ctx.who = it->second;
    if (int(ctx.who.role) < int(needed))
        return HttpResponse::error(403, "forbidden",
                                   std::string("this needs the ") + roleName(needed) + " role; " + ctx.who.subject
                                       + " is " + roleName(ctx.who.role),
                                   ctx.requestId, {}, {{"required_role", roleName(needed)},
                                                       {"role", roleName(ctx.who.role)}});
    return std::nullopt;
}

bool AdminServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    Ctx ctx;
    ctx.request = &request;
    ctx.method = methodName(request.method());
    ctx.path = request.url().path().toStdString();
    ctx.segments = splitPath(ctx.path);
    ctx.query = request.query();
    const std::string given = headerValue(request, "X-Request-ID");
    if (validRequestId(given)) {
        ctx.requestId = given;
    } else {
        char id[24];
        std::snprintf(id, sizeof id, "req-%016llx",
                      static_cast<unsigned long long>(0x5eed000000000000ULL ^ (m_config.seed << 32) ^ ++m_requestCounter));
        ctx.requestId = id;
    }

    // Injected failures that replace the handling altogether (a sick gateway, not a lost answer).
    for (Chaos &c : m_chaos) {
        if (c.path == ctx.path && c.failCount > 0) {
            --c.failCount;
            // "Connection: close" is honoured as for any answer: a client (or a proxy in front)
            // that asked for it must not find the connection still open for its next request.
            const bool keepAlive = headerValue(request, "Connection") != "close";
            socket->write(QByteArray::fromStdString(serialize(
                HttpResponse::error(c.failStatus, c.failStatus >= 500 ? "unavailable" : "bad_request",
                                    "injected failure (POST /sim/chaos)", ctx.requestId),
                ctx.requestId, keepAlive)));
            if (!keepAlive)
                socket->disconnectFromHost();
            return true;
        }
    }

    bool streaming = false;
    HttpResponse response = dispatch(ctx, socket, streaming);
    for (Chaos &c : m_chaos) {
        if (c.path == ctx.path && c.replaceCount > 0) {
            --c.replaceCount;
            // The same kind of answer (a /metrics exposition stays text/plain), with other bytes.
            const std::string contentType = response.contentType;
            response = HttpResponse();
            response.contentType = contentType;
            response.body.reserve(c.replaceBody.size() * c.replaceRepeat);
            for (std::size_t i = 0; i < c.replaceRepeat; ++i)
                response.body += c.replaceBody;
            break;
        }
    }
    if (streaming)
        return true;

    const bool keepAlive = headerValue(request, "Connection") != "close";
    QByteArray bytes = QByteArray::fromStdString(serialize(response, ctx.requestId, keepAlive));
    QPointer<QTcpSocket> guard(socket);
    for (Chaos &c : m_chaos) {
        if (c.path != ctx.path)
            continue;
        if (c.dropCount > 0) {
            // The request was applied; now the response is lost on the way back.
            --c.dropCount;
            QTimer::singleShot(0, socket, [guard] {
                if (guard)
                    guard->abort();
            });
            return true;
        }
        if (c.delayCount > 0) {
            --c.delayCount;
            QTimer::singleShot(c.delayMs, socket, [guard, bytes, keepAlive] {
                if (!guard)
                    return;
                guard->write(bytes);
                if (!keepAlive)
                    guard->disconnectFromHost();
            });
            return true;
        }
    }
    socket->write(bytes);
    if (!keepAlive)
        socket->disconnectFromHost();
    return true;
}

void AdminServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    const std::string id = "req-unhandled";
    socket->write(QByteArray::fromStdString(serialize(
        HttpResponse::error(404, "not_found", "no such endpoint: " + request.url().path().toStdString(), id), id, false)));
    socket->disconnectFromHost();
}

HttpResponse AdminServer::dispatch(Ctx &ctx, QTcpSocket *socket, bool &streamStarted)
{
    const auto &seg = ctx.segments;
    const std::string &m = ctx.method;
    auto methodNotAllowed = [&](const char *allow) {
        return HttpResponse::error(405, "method_not_allowed", m + " is not allowed on " + ctx.path, ctx.requestId)
            .header("Allow", allow);
    };
    auto notFound = [&](const std::string &what) {
        return HttpResponse::error(404, "not_found", what, ctx.requestId);
    };

    if (seg.size() == 1 && seg[0] == "health") {
        if (m != "GET")
            return methodNotAllowed("GET");
        return HttpResponse::json(200, {{"status", "ok"}, {"time", isoTime(nowMs())}});
    }

    const bool admin = !seg.empty() && seg[0] == "admin";
    const bool sim = !seg.empty() && seg[0] == "sim";
    const bool health = !seg.empty() && seg[0] == "health" && seg.size() >= 2 && seg[1] == "services";
    const bool metrics = seg.size() == 1 && seg[0] == "metrics";
    if (!admin && !sim && !health && !metrics)
        return notFound("no such endpoint: " + ctx.path);

    // Who is asking comes first: an unauthenticated caller learns nothing about what exists.
    const bool write = m != "GET";
    const Role needed = sim ? Role::Admin : write ? Role::Operator : Role::Viewer;
    if (auto denied = authorize(ctx, needed))
        return *denied;

    if (metrics)
        return m == "GET" ? getMetrics(ctx) : methodNotAllowed("GET");
    if (health) {
        if (m != "GET")
            return methodNotAllowed("GET");
        if (seg.size() == 2)
            return getServices(ctx);
        const Service *s = m_state.service(seg[2]);
        if (!s)
            return notFound("no service named " + seg[2]);
        if (seg.size() == 3)
            return HttpResponse::json(200, m_state.serviceHealthJson(*s));
        if (seg.size() == 4 && seg[3] == "db") {
            // A usable database answers 200 (healthy or degraded); unhealthy and unknown are 503.
            Json db = m_state.dbCheckJson(*s);
            return HttpResponse::json(db["status"] == "healthy" || db["status"] == "degraded" ? 200 : 503, db);
        }
        return notFound("no such endpoint: " + ctx.path);
    }

    if (sim) {
        const std::string what = seg.size() > 1 ? seg[1] : std::string();
        if (what == "faults" && seg.size() == 2) {
            if (m == "GET") {
                Json list = Json::array();
                for (const Fault &f : m_state.faults())
                    list.push_back(m_state.faultJson(f));
                return HttpResponse::json(200, {{"faults", list}});
            }
            if (m == "POST")
                return postFault(ctx);
            if (m == "DELETE") {
                m_state.clearFault({}, ctx.actor(), nowMs());
                return HttpResponse::json(200, {{"faults", Json::array()}});
            }
            return methodNotAllowed("GET, POST, DELETE");
        }
        if (what == "faults" && seg.size() == 3) {
            if (m != "DELETE")
                return methodNotAllowed("DELETE");
            if (!m_state.clearFault(seg[2], ctx.actor(), nowMs()))
                return notFound("no fault with id " + seg[2]);
            return HttpResponse::json(200, {{"cleared", seg[2]}});
        }
        if (what == "step" && seg.size() == 2)
            return m == "POST" ? postStep(ctx) : methodNotAllowed("POST");
        if (what == "chaos" && seg.size() == 2)
            return m == "POST" ? postChaos(ctx) : methodNotAllowed("POST");
        if (what == "state" && seg.size() == 2)
            return m == "GET" ? simState(ctx) : methodNotAllowed("GET");
        return notFound("no such endpoint: " + ctx.path);
    }

    const std::string what = seg.size() > 1 ? seg[1] : std::string();
    if (seg.size() == 2 && what == "info")
        return m == "GET" ? getInfo(ctx) : methodNotAllowed("GET");
    if (seg.size() == 2 && what == "whoami") {
        if (m != "GET")
            return methodNotAllowed("GET");
        Json perms = {"read"};
        if (ctx.who.role >= Role::Operator)
            perms.insert(perms.end(), {"routes.write", "flags.write", "rollback"});
        if (ctx.who.role == Role::Admin)
            perms.push_back("sim.control");
        return HttpResponse::json(200, {{"subject", ctx.who.subject}, {"role", roleName(ctx.who.role)}, {"permissions", perms}});
    }
    if (what == "routes" && seg.size() == 2)
        return m == "GET" ? HttpResponse::json(200, m_state.routesJson()) : methodNotAllowed("GET");
    if (what == "routes" && seg.size() == 3) {
        Route *r = m_state.route(seg[2]);
        if (m != "GET" && m != "PUT")
            return methodNotAllowed("GET, PUT");
        if (!r)
            return notFound("no route with id " + seg[2]);
        if (m == "GET")
            return HttpResponse::json(200, m_state.routeJson(*r)).header("ETag", '"' + r->version + '"');
        return putRoute(ctx, *r);
    }
    if (what == "flags" && seg.size() == 2)
        return m == "GET" ? HttpResponse::json(200, m_state.flagsJson()) : methodNotAllowed("GET");
    if (what == "flags" && seg.size() == 3) {
        Flag *f = m_state.flag(seg[2]);
        if (m != "GET" && m != "PUT")
            return methodNotAllowed("GET, PUT");
        if (!f)
            return notFound("no flag named " + seg[2]);
        if (m == "GET")
            return HttpResponse::json(200, m_state.flagJson(*f)).header("ETag", '"' + f->version + '"');
        return putFlag(ctx, *f);
    }
    if (what == "rollback" && seg.size() == 2) {
        if (m == "GET")
            return HttpResponse::json(200, m_state.rollbackJson()).header("ETag", '"' + m_state.rollback().version + '"');
        return m == "POST" ? postRollback(ctx, false) : methodNotAllowed("GET, POST");
    }
    if (what == "rollback" && seg.size() == 3 && seg[2] == "release")
        return m == "POST" ? postRollback(ctx, true) : methodNotAllowed("POST");
    if (what == "audit" && seg.size() == 2)
        return m == "GET" ? getAudit(ctx) : methodNotAllowed("GET");
    if (what == "logs" && seg.size() == 2)
        return m == "GET" ? getLogs(ctx) : methodNotAllowed("GET");
    if (what == "logs" && seg.size() == 3 && seg[2] == "stream") {
        if (m != "GET")
            return methodNotAllowed("GET");
        if (ctx.query.hasQueryItem(QStringLiteral("after"))) {
            const std::string after = ctx.query.queryItemValue(QStringLiteral("after")).toStdString();
            if (after.empty() || !std::all_of(after.begin(), after.end(), [](unsigned char c) { return std::isdigit(c); }))
                return HttpResponse::error(422, "validation_failed", "after must be a non-negative integer",
                                           ctx.requestId, "after");
        }
        startStream(ctx, socket);
        streamStarted = true;
        return {};
    }
    return notFound("no such endpoint: " + ctx.path);
}

void AdminServer::startStream(Ctx &ctx, QTcpSocket *socket)
{
    StreamClient client;
    client.socket = socket;
    client.lastSent = m_logs.lastId();
    auto parseId = [](const std::string &text) -> std::optional<std::uint64_t> {
        if (text.empty() || !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }))
            return std::nullopt;
        return std::strtoull(text.c_str(), nullptr, 10);
    };
    // Last-Event-ID is whatever the client last saw. A resume point above the newest id cannot be
    // from this instance (ids started again at a restart): no shared history, so every buffered
    // line follows, with a gap first for those already gone.
    const std::uint64_t last = m_logs.lastId();
    if (const auto id = parseId(headerValue(*ctx.request, "Last-Event-ID")))
        client.lastSent = *id > last ? 0 : *id;
    else if (const auto after = parseId(ctx.query.queryItemValue(QStringLiteral("after")).toStdString()))
        client.lastSent = *after > last ? 0 : *after;
    // Once per connection, right after retry: and without an id (so it does not move the client's
    // Last-Event-ID), the instance whose ids these are.
    const std::string instance = "event: instance\ndata: "
        + Json {{"instance", m_instance}, {"first_id", m_logs.firstId()}, {"last_id", last}}.dump() + "\n\n";
    std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
                       "Cache-Control: no-store\r\nX-Accel-Buffering: no\r\nConnection: close\r\n"
                       "X-Request-ID: " + ctx.requestId + "\r\n\r\nretry: 2000\n\n" + instance;
    socket->write(head.data(), qint64(head.size()));
    client.lastWriteMs = wallMs();
    m_streams.push_back(client);
    writeLines(m_streams.back());
}

void AdminServer::writeLines(StreamClient &c)
{
    std::string out;
    const std::uint64_t first = m_logs.firstId(), last = m_logs.lastId();
    auto gap = [&](std::uint64_t from, std::uint64_t to) {
        out += "id: " + std::to_string(to) + "\nevent: gap\ndata: {\"from\":" + std::to_string(from)
            + ",\"to\":" + std::to_string(to) + ",\"missed\":" + std::to_string(to - from + 1) + "}\n\n";
    };
    if (c.lastSent >= last)
        return;
    if (c.socket->bytesToWrite() > kSlowConsumerBytes) {
        // The client cannot keep up: skip what it would have got and say so, never silently.
        gap(c.lastSent + 1, last);
        c.lastSent = last;
    } else {
        if (c.lastSent + 1 < first) {
            gap(c.lastSent + 1, first - 1);
            c.lastSent = first - 1;
        }
        for (std::uint64_t id = c.lastSent + 1; id <= last; ++id) {
            out += "id: " + std::to_string(id) + "\nevent: log\ndata: ";
            out += m_logs.line(id);
            out += "\n\n";
        }
        c.lastSent = last;
    }
    c.socket->write(out.data(), qint64(out.size()));
    c.lastWriteMs = wallMs();
}

void AdminServer::flushStreams(bool heartbeatDue)
{
    std::erase_if(m_streams, [](const StreamClient &c) {
        return !c.socket || c.socket->state() != QAbstractSocket::ConnectedState;
    });
    const std::string beat = ": heartbeat " + isoTime(wallMs()) + "\n\n";
    for (StreamClient &c : m_streams) {
        writeLines(c);
        if (heartbeatDue)
            c.socket->write(beat.data(), qint64(beat.size()));
    }
}

} // namespace cutover::sim
