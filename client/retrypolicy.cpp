#include "retrypolicy.h"

#include <QRandomGenerator>

#include <algorithm>

namespace cutover {

std::chrono::milliseconds RetryPolicy::backoff(int attempt, const std::function<double()> &random) const
{
    const double base = double(initialBackoff.count()) * double(1LL << std::clamp(attempt, 0, 16));
    const double capped = std::min(base, double(maxBackoff.count()));
    const double r = random ? random() : QRandomGenerator::global()->generateDouble();
    return std::chrono::milliseconds(qint64(capped * (0.5 + r)));
}

} // namespace cutover
