#include "rollbackverifier.h"

#include <QCoreApplication>

#include <algorithm>

namespace cutover {

QString RollbackVerifier::phaseName(Phase phase)
{
    switch (phase) {
    case Phase::Idle: return QCoreApplication::translate("RollbackVerifier", "not engaged");
    case Phase::Draining: return QCoreApplication::translate("RollbackVerifier", "draining the microservices");
    case Phase::Recovering: return QCoreApplication::translate("RollbackVerifier", "waiting for the SLO");
    case Phase::Recovered: return QCoreApplication::translate("RollbackVerifier", "recovered");
    }
    return {};
}

void RollbackVerifier::start(WallTime engagedAt, const SloThresholds &thresholds)
{
    *this = RollbackVerifier();
    m_phase = Phase::Draining;
    m_engagedAt = engagedAt;
    m_thresholds = thresholds;
}

void RollbackVerifier::stop()
{
    *this = RollbackVerifier();
}

bool RollbackVerifier::observe(const TrafficObservation &o)
{
    if (m_phase == Phase::Idle || o.time < m_engagedAt || (m_latest && o.time <= m_latest->time))
        return false;
    if (!m_latest)
        m_measurable = o.time - m_engagedAt <= kMaxFirstObservationDelay;
    m_latest = o;
    const Phase before = m_phase;
    if (m_phase == Phase::Draining && o.microserviceShare && *o.microserviceShare <= 0.0) {
        m_drainedAt = o.time;
        m_phase = Phase::Recovering;
    }
    const bool passes = within(errorState()) && within(latencyState());
    if (m_phase == Phase::Recovering && passes) {
        m_recoveredAt = o.time;
        m_phase = Phase::Recovered;
    } else if (m_phase == Phase::Recovered && (errorState() == SloState::Breached || latencyState() == SloState::Breached)) {
        // Not enough traffic for a moment does not undo a recovery; a breach does.
        m_recoveredAt.reset();
        m_phase = Phase::Recovering;
        m_relapsed = true;
    }
    return m_phase != before;
}

std::optional<std::chrono::milliseconds> RollbackVerifier::timeToDrain() const
{
    if (!m_drainedAt || !m_measurable)
        return std::nullopt;
    return *m_drainedAt - m_engagedAt;
}

std::optional<std::chrono::milliseconds> RollbackVerifier::timeToRecovery() const
{
    if (!m_recoveredAt || !m_measurable)
        return std::nullopt;
    return *m_recoveredAt - m_engagedAt;
}

std::chrono::milliseconds RollbackVerifier::elapsed(WallTime now) const
{
    if (m_phase == Phase::Idle)
        return std::chrono::milliseconds(0);
    return std::max(std::chrono::milliseconds(0), now - m_engagedAt);
}

Verdict RollbackVerifier::errorVerdict() const
{
    return judgeErrorRate(m_latest ? m_latest->window : SloWindow {}, m_thresholds);
}

Verdict RollbackVerifier::latencyVerdict() const
{
    return judgeLatency(m_latest ? m_latest->window : SloWindow {}, m_thresholds);
}

} // namespace cutover
