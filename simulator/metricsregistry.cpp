#include "metricsregistry.h"

#include "gatewaystate.h"

#include <charconv>
#include <cmath>

namespace cutover::sim {

int MetricsRegistry::methodIndex(const std::string &method)
{
    for (std::size_t i = 0; i < kMethods.size(); ++i)
        if (method == kMethods[i])
            return int(i);
    return 0;
}

void MetricsRegistry::observe(int route, int backend, int method, int code, double seconds)
{
    ++m_requests[key(route, backend, method, code)];
    Histogram &h = m_durations[key(route, backend, method)];
    std::size_t i = 0;
    while (i < kBounds.size() && seconds > kBounds[i])
        ++i;
    ++h.buckets[i];
    h.sum += seconds;
    ++h.count;
}

static void appendDouble(std::string &out, double v)
{
    if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
        return;
    }
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    (void)ec;
    out.append(buf, end);
}

// OpenMetrics wants canonical floats for `le` ("1.0", not "1"); Prometheus accepts either.
static std::string leLabel(double bound)
{
    std::string s;
    appendDouble(s, bound);
    if (s.find_first_of(".e") == std::string::npos)
        s += ".0";
    return s;
}

std::string MetricsRegistry::render(const GatewayState &state, Format format) const
{
    const bool om = format == Format::OpenMetrics;
    std::string out;
    out.reserve(64 * 1024);
    auto header = [&](const char *family, const char *type, const char *help, const char *unit = nullptr) {
        out += "# HELP ";
        out += family;
        out += ' ';
        out += help;
        out += "\n# TYPE ";
        out += family;
        out += ' ';
        out += type;
        out += '\n';
        if (om && unit) {
            out += "# UNIT ";
            out += family;
            out += ' ';
            out += unit;
            out += '\n';
        }
    };
    const auto &routes = state.routes();
    auto labels = [&](std::uint64_t k) {
        const auto &route = routes[std::size_t(k >> 32)];
        out += "{route=\"";
        out += route.id;
        out += "\",service=\"";
        out += route.service;
        out += "\",backend=\"";
        out += backendName(Backend((k >> 24) & 0xff));
        out += "\",method=\"";
        out += kMethods[(k >> 16) & 0xff];
        out += '"';
    };

    header(om ? "requests" : "requests_total", "counter", "Requests proxied by the gateway, by route and backend.");
    for (const auto &[k, count] : m_requests) {
        out += "requests_total";
        labels(k);
        out += ",code=\"" + std::to_string(k & 0xffff) + "\"} ";
        out += std::to_string(count);
        out += '\n';
    }

    header("request_duration_seconds", "histogram", "Request latency through the gateway, in seconds.", "seconds");
    for (const auto &[k, h] : m_durations) {
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i <= kBounds.size(); ++i) {
            cumulative += h.buckets[i];
            out += "request_duration_seconds_bucket";
            labels(k);
            out += ",le=\"";
            out += i < kBounds.size() ? leLabel(kBounds[i]) : std::string("+Inf");
            out += "\"} ";
            out += std::to_string(cumulative);
            out += '\n';
        }
        out += "request_duration_seconds_sum";
        labels(k);
        out += "} ";
        appendDouble(out, h.sum);
        out += "\nrequest_duration_seconds_count";
        labels(k);
        out += "} ";
        out += std::to_string(h.count);
        out += '\n';
    }

    header("upstream_up", "gauge", "1 when the upstream answers its health check, 0 when it is down.");
    for (std::size_t i = 0; i < state.services().size(); ++i) {
        const Service &s = state.services()[i];
        out += "upstream_up{service=\"" + s.name + "\",kind=\"" + (s.monolith ? "monolith" : "microservice") + "\"} ";
        out += state.effectForService(int(i)).down ? "0\n" : "1\n";
    }

    header("health_check_duration_seconds", "gauge", "Duration of the last health check of each upstream.", "seconds");
    for (const Service &s : state.services()) {
        out += "health_check_duration_seconds{service=\"" + s.name + "\"} ";
        appendDouble(out, s.checkLatencyMs / 1000.0);
        out += '\n';
    }

    header("rollback_engaged", "gauge", "1 while the emergency switch sends every route to the monolith.");
    out += "rollback_engaged ";
    out += state.rollback().engaged ? "1\n" : "0\n";

    header("config_version", "gauge", "Generation of the routing and flag configuration.");
    out += "config_version " + std::to_string(state.generation()) + "\n";

    if (om)
        out += "# EOF\n";
    return out;
}

} // namespace cutover::sim
