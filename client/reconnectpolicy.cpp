#include "reconnectpolicy.h"

#include <QRandomGenerator>

#include <algorithm>
#include <cmath>

namespace cutover {

std::chrono::milliseconds ReconnectPolicy::delayAfter(int failures) const
{
    const double cap = double(m_options.cap.count());
    const int steps = std::clamp(failures, 0, std::max(0, m_options.maxSteps));
    const double grown = std::min(cap, double(base().count()) * std::pow(m_options.factor, steps));
    double jittered = grown;
    if (m_options.jitter > 0) {
        const double r = m_options.random ? m_options.random() : QRandomGenerator::global()->generateDouble();
        jittered = grown * (1.0 - m_options.jitter + 2.0 * m_options.jitter * r);
    }
    return std::chrono::milliseconds(qint64(std::max(double(m_options.floor.count()), std::min(jittered, cap))));
}

std::chrono::milliseconds ReconnectPolicy::nextDelay()
{
    const std::chrono::milliseconds d = delayAfter(m_failures);
    ++m_failures;
    return d;
}

} // namespace cutover
