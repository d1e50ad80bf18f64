#pragma once

#include <chrono>
#include <functional>
#include <optional>

namespace cutover {

// The one reconnection rule of everything that follows or polls a gateway (Poller, LogStream,
// haproxy::EventStream): after the n-th failure in a row (0 = the first) it waits
//     max(floor, min(cap, min(cap, base × factor^min(n, maxSteps)) × (1 ± jitter)))
// where `base` is the server's hint (SSE `retry:`) when it gave one. A success resets the count.
class ReconnectPolicy
{
public:
    struct Options
    {
        std::chrono::milliseconds base {1000};
        double factor = 2.0;
        std::chrono::milliseconds cap {30000};
        double jitter = 0.0;                     // 0.2: ±20 %
        std::chrono::milliseconds floor {0};     // `retry: 0` must not make a request storm
        int maxSteps = 20;                       // factor^maxSteps at most
        std::function<double()> random = {};     // in [0, 1); empty: the global generator
    };

    ReconnectPolicy() = default;
    explicit ReconnectPolicy(Options options) : m_options(std::move(options)) {}

    const Options &options() const { return m_options; }
    void setOptions(Options options) { m_options = std::move(options); }

    // The wait after `failures` earlier failures in a row, without counting one.
    std::chrono::milliseconds delayAfter(int failures) const;
    // Counts a failure and returns the wait before the next try.
    std::chrono::milliseconds nextDelay();
    // The connection works again: the next failure starts from base.
    void succeeded() { m_failures = 0; }
    int failures() const { return m_failures; }

    // The server's reconnection time (`retry:`), used as the base from now on.
    void setServerHint(std::chrono::milliseconds hint) { m_hint = hint; }
    void clearServerHint() { m_hint.reset(); }
    // The base in force: the server's hint, else Options::base.
    std::chrono::milliseconds base() const { return m_hint.value_or(m_options.base); }

private:
    Options m_options;
    std::optional<std::chrono::milliseconds> m_hint;
    int m_failures = 0;
};

} // namespace cutover
