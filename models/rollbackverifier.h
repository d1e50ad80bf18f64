#pragma once

#include "models/slo.h"
#include "models/timeseriesstore.h"

#include <chrono>
#include <optional>

namespace cutover {

// The gateway's traffic over one recent window, as the rollback verifier reads it.
struct TrafficObservation
{
    WallTime time {};                      // end of the windows (the scrape time)
    // Microservice requests / all requests over a short recent window; none without requests.
    std::optional<double> microserviceShare;
    // The traffic the SLO verdicts judge: once drained, everything since the switch (see
    // RollbackController::verifyNow), so that the evidence grows until a verdict is possible.
    SloWindow window;
};

// Verifies an engaged emergency rollback from observed traffic and measures the time to recovery.
//
// Phases: Draining until a window shows no request served by a microservice (share exactly 0:
// the window then lies wholly after the switch), Recovering until the error rate and p95 are
// within the SLO by the verdicts of models/slo.h (met or at risk, with 95 % confidence: no data
// and not enough traffic are not a recovery), then Recovered. A later window that breaches the
// SLO again re-opens the recovery: the time to recovery is then open until every check passes
// again. Time to recovery is engage → the first window that passes every check; it is only
// reported as measured when the console observed the traffic from around the engage on (a
// console that connects to a rollback engaged an hour ago cannot say when the service recovered).
class RollbackVerifier
{
public:
    enum class Phase : quint8 { Idle, Draining, Recovering, Recovered };
    static QString phaseName(Phase phase);

    // The migration guide's target for the time to recovery.
    static constexpr std::chrono::minutes kRecoveryTarget {15};
    // The first observation must come within this of the engage for the timing to count.
    static constexpr std::chrono::seconds kMaxFirstObservationDelay {30};

    void start(WallTime engagedAt, const SloThresholds &thresholds);
    void stop();
    // Folds in one observation; older than the engage or than the previous one are ignored.
    // Returns true when the phase changed.
    bool observe(const TrafficObservation &observation);

    Phase phase() const { return m_phase; }
    bool isActive() const { return m_phase != Phase::Idle; }
    WallTime engagedAt() const { return m_engagedAt; }
    std::optional<WallTime> drainedAt() const { return m_drainedAt; }
    std::optional<WallTime> recoveredAt() const { return m_recoveredAt; }
    // False when the console was not watching from around the engage on (see above).
    bool isMeasurable() const { return m_measurable; }
    // Engage → drained / recovered, when reached and measurable.
    std::optional<std::chrono::milliseconds> timeToDrain() const;
    std::optional<std::chrono::milliseconds> timeToRecovery() const;
    std::chrono::milliseconds elapsed(WallTime now) const;

    // The latest observation after the engage and how it compares with the SLO.
    const std::optional<TrafficObservation> &latest() const { return m_latest; }
    Verdict errorVerdict() const;
    Verdict latencyVerdict() const;
    SloState errorState() const { return errorVerdict().state; }
    SloState latencyState() const { return latencyVerdict().state; }
    // Recovered once, then a check failed again (the recovery is open again).
    bool relapsed() const { return m_relapsed; }

private:
    static bool within(SloState state) { return state == SloState::Met || state == SloState::AtRisk; }

    Phase m_phase = Phase::Idle;
    WallTime m_engagedAt {};
    SloThresholds m_thresholds;
    std::optional<WallTime> m_drainedAt;
    std::optional<WallTime> m_recoveredAt;
    std::optional<TrafficObservation> m_latest;
    bool m_measurable = false;
    bool m_relapsed = false;
};

} // namespace cutover
