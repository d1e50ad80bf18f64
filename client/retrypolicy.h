#pragma once

#include <chrono>
#include <functional>
#include <limits>

namespace cutover {

// How often, and how far apart, one request is tried (ActionRunner, HttpAdminClient's GETs).
struct RetryPolicy
{
    int attempts = 3;                                 // total tries, the first included
    std::chrono::milliseconds initialBackoff {250};   // doubled each time, with ±50 % jitter
    std::chrono::milliseconds maxBackoff {5000};

    // The wait after the failed try number `attempt` (0 = the first): initialBackoff × 2^attempt,
    // capped at maxBackoff, times a jitter of 0.5 … 1.5 so that many clients do not come back at
    // once. `random` gives a number in [0, 1); empty: the global generator.
    std::chrono::milliseconds backoff(int attempt, const std::function<double()> &random = {}) const;

    // No end to the tries: until the target confirms, refuses, or the caller cancels (the
    // console's emergency rollback). The deadline, when one is set, still ends it.
    static constexpr int kUntilCancelled = std::numeric_limits<int>::max();
    static RetryPolicy untilCancelled(std::chrono::milliseconds initial, std::chrono::milliseconds max)
    {
        return RetryPolicy {kUntilCancelled, initial, max};
    }
    bool isUntilCancelled() const { return attempts == kUntilCancelled; }
};

} // namespace cutover
