// Decimation cost against the least a chart fed with raw data would cost: copying every point
// into a QList<QPointF> (what QXYSeries::replace() takes), measured in the same run.
// Meaningful only in an optimised build (RelWithDebInfo/Release).
//
//   bench_decimation [--series N] [--points N] [--columns N] [--runs N]
//
// Fills N series with one point per second (default 20 x 86,400: a day), then times, best of
// --runs interleaved repetitions: (a) the raw copy of every series, (b) decimate() of every
// series into a fresh result, (c) decimate() into a reused result (a chart refresh's steady
// state).

#include "models/timeseriesstore.h"
#include "syntheticday.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QList>
#include <QtCore/QPointF>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <vector>

using namespace cutover;
using namespace std::chrono_literals;

namespace {

struct Options
{
    int series = 20;
    int points = 86'400;
    int columns = 1'600;
    int runs = 7;
};


// Wall time of one call, in milliseconds.
template<typename Work>
double timed(Work &&work, qsizetype &sink)
{
    const auto start = std::chrono::steady_clock::now();
    sink += work();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    Options o;
    o.series = bench::intArgument(args, QStringLiteral("--series"), o.series);
    o.points = bench::intArgument(args, QStringLiteral("--points"), o.points);
    o.columns = bench::intArgument(args, QStringLiteral("--columns"), o.columns);
    o.runs = bench::intArgument(args, QStringLiteral("--runs"), o.runs);

    TimeSeriesStore store({std::chrono::milliseconds(0), o.points});
    const WallTime start = WallTime(1'700'000'000s);
    const std::vector<TimeSeriesId> ids = bench::fillSyntheticDay(store, o.series, o.points, start);
    const WallTime from = start;
    const WallTime to = start + (o.points - 1) * 1s;

    qsizetype rawPoints = 0;
    const auto rawCopy = [&] {
        qsizetype n = 0;
        for (const TimeSeriesId id : ids) {
            QList<QPointF> list;
            const std::span<const TimeSeriesPoint> points = store.range(id, from, to);
            list.reserve(qsizetype(points.size()));
            for (const TimeSeriesPoint &p : points)
                list.append(QPointF(double(p.time.time_since_epoch().count()), p.value));
            n += list.size();
        }
        rawPoints = n;
        return n;
    };
    qsizetype decimatedPoints = 0;
    const auto decimateNew = [&] {
        qsizetype n = 0;
        for (const TimeSeriesId id : ids)
            n += store.decimate(id, from, to, o.columns).points.size();
        decimatedPoints = n;
        return n;
    };
    std::vector<DecimatedSeries> reused(ids.size());
    const auto decimateReused = [&] {
        qsizetype n = 0;
        for (std::size_t i = 0; i < ids.size(); ++i) {
            store.decimate(ids[i], from, to, o.columns, reused[i]);
            n += reused[i].points.size();
        }
        return n;
    };

    // Interleaved, so that all three see the same machine conditions; the best of each counts.
    qsizetype sink = 0;
    double rawMs = std::numeric_limits<double>::infinity();
    double decimateMs = rawMs;
    double reusedMs = rawMs;
    for (int r = 0; r < o.runs; ++r) {
        rawMs = std::min(rawMs, timed(rawCopy, sink));
        decimateMs = std::min(decimateMs, timed(decimateNew, sink));
        reusedMs = std::min(reusedMs, timed(decimateReused, sink));
    }

    std::printf("bench_decimation: %d series x %d points, %d columns, best of %d interleaved runs\n", o.series, o.points,
                o.columns, o.runs);
    std::printf("  store: %lld points, %.1f MiB\n", static_cast<long long>(store.pointCount()),
                double(store.memoryBytes()) / (1024.0 * 1024.0));
    std::printf("  baseline  raw copy to QList<QPointF>: %9.3f ms  %9lld points\n", rawMs,
                static_cast<long long>(rawPoints));
    std::printf("  decimate() into a new result:         %9.3f ms  %9lld points (%.1f per series, bound %d)\n",
                decimateMs, static_cast<long long>(decimatedPoints), double(decimatedPoints) / o.series,
                4 * o.columns);
    std::printf("  decimate() into a reused result:      %9.3f ms\n", reusedMs);
    std::printf("  ratio raw/decimate: %.2fx (reused: %.2fx); points handed to the chart: %.1fx fewer\n",
                rawMs / decimateMs, rawMs / reusedMs, double(rawPoints) / double(std::max<qsizetype>(decimatedPoints, 1)));
    return sink > 0 ? 0 : 1;
}
