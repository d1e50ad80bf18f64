#include "trafficmodel.h"

#include "gatewaystate.h"
#include "logbuffer.h"
#include "metricsregistry.h"

#include <algorithm>
#include <cstdio>

namespace cutover::sim {

TrafficModel::TrafficModel(GatewayState &state, MetricsRegistry &metrics, LogBuffer &logs, std::uint64_t seed,
                           double requestsPerSecond, int users)
    : m_state(state)
    , m_metrics(metrics)
    , m_logs(logs)
    , m_rng(seed)
    , m_rate(requestsPerSecond)
    , m_users(users < 1 ? 1 : users)
{
    double total = 0;
    for (const Route &r : m_state.routes())
        m_cumulativeWeights.push_back(total += r.weight);
}

void TrafficModel::advance(std::int64_t fromMs, std::int64_t toMs)
{
    if (toMs <= fromMs)
        return;
    // Requests are spread evenly over the slice so that log times are ordered; the count is
    // Poisson around the configured rate, with the fractional remainder carried over.
    const double expected = m_rate * double(toMs - fromMs) / 1000.0 + m_carry;
    const std::uint64_t n = m_rng.poisson(expected);
    m_carry = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
        const std::int64_t at = fromMs + std::int64_t(double(toMs - fromMs) * double(i) / double(n));
        rotateWindows(at);
        if (at >= m_nextHealthMs)
            runHealthChecks(at);
        serveOne(at);
    }
    rotateWindows(toMs - 1);
    if (toMs - 1 >= m_nextHealthMs)
        runHealthChecks(toMs - 1);
    m_state.expireFaults(toMs);
}

void TrafficModel::rotateWindows(std::int64_t nowMs)
{
    const std::int64_t second = nowMs / 1000;
    if (second == m_windowSecond)
        return;
    // Clear every slot between the last second seen and this one (at most the whole window).
    const std::int64_t from = m_windowSecond < 0 ? second - 29 : m_windowSecond + 1;
    for (std::int64_t s = std::max(from, second - 29); s <= second; ++s)
        for (Service &svc : m_state.services()) {
            svc.windowReq[s % 30] = 0;
            svc.windowErr[s % 30] = 0;
        }
    m_windowSecond = second;
}

void TrafficModel::runHealthChecks(std::int64_t nowMs)
{
    auto &services = m_state.services();
    for (std::size_t i = 0; i < services.size(); ++i) {
        Service &s = services[i];
        const auto effect = m_state.effectForService(int(i));
        s.checkLatencyMs = m_rng.logNormal(1.5, 0.4) + effect.extraLatencyMs * 0.5;
        s.dbLatencyMs = m_rng.logNormal(0.8, 0.5) + (effect.dbDown ? 3000 : 0);
        s.checkedAtMs = nowMs;
    }
    m_nextHealthMs = nowMs + 1000;
}

void TrafficModel::serveOne(std::int64_t atMs)
{
    auto &routes = m_state.routes();
    const double pick = m_rng.uniform() * m_cumulativeWeights.back();
    const std::size_t ri = std::size_t(
        std::upper_bound(m_cumulativeWeights.begin(), m_cumulativeWeights.end(), pick) - m_cumulativeWeights.begin());
    const Route &route = routes[std::min(ri, routes.size() - 1)];

    char user[16];
    std::snprintf(user, sizeof user, "u-%05d", int(m_rng.below(std::uint64_t(m_users))));
    const auto &[method, suffix] = route.endpoints[m_rng.below(route.endpoints.size())];

    // Routing, in the contract's order.
    Backend backend = Backend::Monolith;
    if (!m_state.rollback().engaged) {
        const int fi = m_state.flagIndexForService(route.service);
        if (fi >= 0 && GatewayState::userInFlag(m_state.flags()[std::size_t(fi)], user))
            backend = Backend::Microservice;
        else if (m_rng.uniform() * 100.0 < route.percent)
            backend = Backend::Microservice;
    }
    const int upstream = backend == Backend::Monolith ? m_state.monolithIndex() : m_state.serviceIndex(route.service);
    Service &svc = m_state.services()[std::size_t(upstream)];
    const auto effect = m_state.effectFor(upstream, route.service, backend);

    double latencyMs;
    int code;
    const char *message = nullptr;
    if (effect.down) {
        latencyMs = 1 + m_rng.uniform() * 2;
        code = 503;
        message = "upstream connect error: connection refused";
    } else {
        latencyMs = m_rng.logNormal(svc.medianMs, svc.sigma);
        if (m_rng.chance(svc.tailChance))
            latencyMs *= std::min(m_rng.pareto(1.6), 60.0);
        if (effect.extraLatencyMs > 0)
            latencyMs += effect.extraLatencyMs * (0.75 + 0.5 * m_rng.uniform());
        const double errorRate = svc.baseErrorRate + effect.errorRate + (effect.dbDown ? 0.85 : 0);
        if (latencyMs > 10000) {
            latencyMs = 10000;
            code = 504;
            message = "upstream timeout";
        } else if (m_rng.chance(errorRate)) {
            const double r = m_rng.uniform();
            code = r < 0.6 ? 500 : r < 0.8 ? 502 : 503;
            message = effect.dbDown ? "database unavailable" : "upstream error";
        } else {
            const double r = m_rng.uniform();
            code = r < 0.006 ? 404 : r < 0.009 ? 401 : r < 0.011 ? 400 : r < 0.012 ? 429
                 : method == "POST" ? 201 : method == "DELETE" ? 204 : 200;
        }
    }
    const double seconds = latencyMs / 1000.0;
    m_metrics.observe(int(&route - routes.data()), int(backend), MetricsRegistry::methodIndex(method), code, seconds);
    ++svc.windowReq[(atMs / 1000) % 30];
    if (code >= 500)
        ++svc.windowErr[(atMs / 1000) % 30];
    ++m_served;

    std::string path = route.prefix;
    const auto brace = suffix.find("{id}");
    if (brace == std::string::npos) {
        path += suffix;
    } else {
        path.append(suffix, 0, brace);
        path += std::to_string(1 + m_rng.below(99999));
        path.append(suffix, brace + 4, std::string::npos);
    }
    char requestId[24];
    std::snprintf(requestId, sizeof requestId, "req-%016llx", static_cast<unsigned long long>(m_rng.next()));
    const char *level = code >= 500 ? "error" : code >= 400 ? "warn" : "info";

    std::string line;
    line.reserve(360);
    char buf[160];
    line += "{\"time\":\"" + isoTime(atMs) + "\",\"level\":\"" + level + "\",\"service\":\"" + route.service
        + "\",\"backend\":\"" + backendName(backend) + "\",\"upstream\":\"" + svc.name + "\",\"route\":\"" + route.id
        + "\",\"method\":\"" + method + "\",\"path\":\"" + path + "\",";
    std::snprintf(buf, sizeof buf, "\"status\":%d,\"latency_ms\":%.1f,", code, latencyMs);
    line += buf;
    line += "\"request_id\":\"";
    line += requestId;
    line += "\",\"user_id\":\"";
    line += user;
    line += "\",\"message\":\"";
    std::snprintf(buf, sizeof buf, "%s %s %d %.1fms", method.c_str(), path.c_str(), code, latencyMs);
    line += buf;
    if (message) {
        line += " (";
        line += message;
        line += ')';
    }
    line += "\"}";
    m_logs.append(std::move(line));
}

} // namespace cutover::sim
