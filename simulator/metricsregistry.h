#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

namespace cutover::sim {

class GatewayState;

// The gateway's Prometheus metrics, fed by every simulated request. Series are keyed by small
// integers (route index, backend, method, status code) and rendered in a stable order, so that two
// runs with the same --seed produce byte-identical expositions.
class MetricsRegistry
{
public:
    static constexpr std::array<double, 12> kBounds {0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10};
    static constexpr std::array<const char *, 5> kMethods {"GET", "POST", "PUT", "PATCH", "DELETE"};
    static int methodIndex(const std::string &method);

    void observe(int route, int backend, int method, int code, double seconds);

    enum class Format { Text004, OpenMetrics };
    std::string render(const GatewayState &state, Format format) const;

private:
    struct Histogram
    {
        std::array<std::uint64_t, kBounds.size() + 1> buckets {}; // last: +Inf only
        double sum = 0;
        std::uint64_t count = 0;
    };
    static std::uint64_t key(int route, int backend, int method, int code = 0)
    {
        return (std::uint64_t(route) << 32) | (std::uint64_t(backend) << 24) | (std::uint64_t(method) << 16)
            | std::uint64_t(code);
    }
    std::map<std::uint64_t, std::uint64_t> m_requests;
    std::map<std::uint64_t, Histogram> m_durations;
};

} // namespace cutover::sim
