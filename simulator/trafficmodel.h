#pragma once

#include "rng.h"

#include <cstdint>
#include <vector>

namespace cutover::sim {

class GatewayState;
class LogBuffer;
class MetricsRegistry;

// Virtual users sending requests through the gateway. Each request is routed the way the contract
// says (emergency switch, then the per-user flag, then the route's percent), served by its backend's
// latency and error model plus any injected fault, and recorded in the metrics and the access log.
// Everything the board shows comes from these requests.
class TrafficModel
{
public:
    TrafficModel(GatewayState &state, MetricsRegistry &metrics, LogBuffer &logs, std::uint64_t seed,
                 double requestsPerSecond, int users);

    // Simulates the requests that arrive in [fromMs, toMs) and runs the health checks due in it.
    void advance(std::int64_t fromMs, std::int64_t toMs);

    void setRate(double requestsPerSecond) { m_rate = requestsPerSecond; }
    double rate() const { return m_rate; }
    int users() const { return m_users; }
    std::uint64_t requestsServed() const { return m_served; }

private:
    void serveOne(std::int64_t atMs);
    void runHealthChecks(std::int64_t nowMs);
    void rotateWindows(std::int64_t nowMs);

    GatewayState &m_state;
    MetricsRegistry &m_metrics;
    LogBuffer &m_logs;
    Rng m_rng;
    double m_rate;
    int m_users;
    double m_carry = 0;              // fractional requests carried between slices
    std::int64_t m_nextHealthMs = 0;
    std::int64_t m_windowSecond = -1;
    std::uint64_t m_served = 0;
    std::vector<double> m_cumulativeWeights;
};

} // namespace cutover::sim
