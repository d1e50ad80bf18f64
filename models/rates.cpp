#include "rates.h"

#include <algorithm>
#include <cmath>

namespace cutover {

namespace {

double seconds(std::chrono::milliseconds d)
{
    return std::chrono::duration<double>(d).count();
}

// What the reset-corrected sum over a run of samples needs, gathered in one pass.
struct CounterSummary
{
    qsizetype count = 0; // finite samples
    TimeSeriesPoint first;
    TimeSeriesPoint last;
    double increase = 0.0;
};

template<typename Accept>
CounterSummary summarise(std::span<const TimeSeriesPoint> samples, Accept accept)
{
    CounterSummary s;
    for (const TimeSeriesPoint &p : samples) {
        if (!std::isfinite(p.value) || !accept(p))
            continue;
        if (s.count == 0)
            s.first = p;
        else
            s.increase += counterDelta(s.last.value, p.value);
        s.last = p;
        ++s.count;
    }
    return s;
}

} // namespace

double counterDelta(double earlier, double later)
{
    return later < earlier ? later : later - earlier;
}

std::optional<double> counterIncrease(std::span<const TimeSeriesPoint> samples)
{
    const CounterSummary s = summarise(samples, [](const TimeSeriesPoint &) { return true; });
    if (s.count < 2)
        return std::nullopt;
    return s.increase;
}

std::optional<double> counterRate(std::span<const TimeSeriesPoint> samples)
{
    const CounterSummary s = summarise(samples, [](const TimeSeriesPoint &) { return true; });
    if (s.count < 2 || s.last.time == s.first.time)
        return std::nullopt;
    return s.increase / seconds(s.last.time - s.first.time);
}

std::optional<double> extrapolatedIncrease(std::span<const TimeSeriesPoint> samples, WallTime rangeStart,
                                           WallTime rangeEnd)
{
    if (rangeEnd <= rangeStart)
        return std::nullopt;
    const CounterSummary s = summarise(samples, [&](const TimeSeriesPoint &p) {
        return p.time > rangeStart && p.time <= rangeEnd;
    });
    if (s.count < 2)
        return std::nullopt;

    const double sampled = seconds(s.last.time - s.first.time);
    if (sampled <= 0)
        return std::nullopt; // repeated timestamps: no interval to extrapolate from
    const double averageInterval = sampled / double(s.count - 1);
    double toStart = seconds(s.first.time - rangeStart);
    double toEnd = seconds(rangeEnd - s.last.time);

    // A sample expected within ~1 interval of a boundary means the series covers the whole
    // range there; otherwise it probably started/ended inside it, half an interval away.
    const double threshold = averageInterval * 1.1;
    if (toStart >= threshold)
        toStart = averageInterval / 2;
    // A counter cannot go below 0: do not extrapolate further back than the line through the
    // samples reaches zero.
    if (s.increase > 0 && s.first.value >= 0) {
        const double toZero = sampled * (s.first.value / s.increase);
        toStart = std::min(toStart, toZero);
    }
    if (toEnd >= threshold)
        toEnd = averageInterval / 2;

    return s.increase * ((sampled + toStart + toEnd) / sampled);
}

std::optional<double> extrapolatedRate(std::span<const TimeSeriesPoint> samples, WallTime rangeStart,
                                       WallTime rangeEnd)
{
    const std::optional<double> increase = extrapolatedIncrease(samples, rangeStart, rangeEnd);
    if (!increase)
        return std::nullopt;
    return *increase / seconds(rangeEnd - rangeStart);
}

std::optional<double> errorRatio(double errors, double total)
{
    if (!(total > 0) || !(errors >= 0) || std::isinf(total) || std::isinf(errors))
        return std::nullopt;
    return std::clamp(errors / total, 0.0, 1.0);
}

bool isServerErrorCode(QStringView code)
{
    if (code.size() != 3 || code.front() != u'5')
        return false;
    if (code.mid(1).compare(u"xx", Qt::CaseInsensitive) == 0)
        return true;
    return code[1].isDigit() && code[2].isDigit() && code[1].unicode() < 128 && code[2].unicode() < 128;
}

} // namespace cutover
