#pragma once

// Shared by the decimation and charting benchmarks: the same command-line parsing and the same
// day of latency-like data, so their numbers compare like for like.

#include "models/timeseriesstore.h"

#include <QStringList>

#include <cmath>
#include <numbers>
#include <vector>

namespace cutover::bench {

// The positive integer after `name` on the command line, or `fallback`.
inline int intArgument(const QStringList &args, const QString &name, int fallback)
{
    const qsizetype i = args.indexOf(name);
    if (i < 0 || i + 1 >= args.size())
        return fallback;
    bool ok = false;
    const int value = args.at(i + 1).toInt(&ok);
    return ok && value > 0 ? value : fallback;
}

// `series` series of `points` values at 1 s from `start`: a daily wave, noise and a rare spike,
// like a latency series; deterministic (a fixed LCG), so every run draws the same data.
inline std::vector<TimeSeriesId> fillSyntheticDay(TimeSeriesStore &store, int series, int points, WallTime start)
{
    using namespace std::chrono_literals;
    std::vector<TimeSeriesId> ids;
    quint64 state = 42;
    for (int s = 0; s < series; ++s) {
        const TimeSeriesId id = store.series(QStringLiteral("series_%1").arg(s));
        ids.push_back(id);
        for (int i = 0; i < points; ++i) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            const double noise = double(state >> 40) / double(1ULL << 24);
            double v = 120 + 40 * std::sin(i * 2 * std::numbers::pi / 86'400.0 + s) + 30 * noise;
            if (noise > 0.9995)
                v *= 8;
            store.append(id, start + i * 1s, v);
        }
    }
    return ids;
}

} // namespace cutover::bench
