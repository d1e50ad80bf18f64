#pragma once

#include "client/timetypes.h"

#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QPointF>
#include <QtCore/QString>

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace cutover {


// A small integer handed out by TimeSeriesStore::series(); valid for the store's lifetime.
enum class TimeSeriesId : quint32 {};

struct TimeSeriesPoint
{
    WallTime time;
    double value = 0.0;
};

// Per-series bounds. A point is dropped when it is older than the series' newest point minus
// window (or than expire()'s now minus window), or when capacity newer points follow it.
struct TimeSeriesLimits
{
    std::chrono::milliseconds window = std::chrono::hours(24); // <= 0: no time bound
    qsizetype capacity = 86'401; // a day at 1 s, both ends included
};

// One pixel column of a decimated range: the first, lowest, highest and last finite sample.
struct DecimatedColumn
{
    int column = 0;      // 0-based pixel column
    qsizetype count = 0; // finite samples in the column
    TimeSeriesPoint first;
    TimeSeriesPoint min;
    TimeSeriesPoint max;
    TimeSeriesPoint last;
    // A non-finite sample lies between the previous drawn column and this one, so the line must
    // not connect them. Gaps inside one column are narrower than a pixel and are not reported.
    bool gapBefore = false;
};

// A stretch of time, both ends included.
struct TimeSpan
{
    WallTime from;
    WallTime to;
    friend bool operator==(const TimeSpan &, const TimeSpan &) = default;
};

struct DecimatedSeries
{
    std::vector<DecimatedColumn> columns; // non-empty columns only, in column order
    // first/min/max/last of every column in time order, consecutive duplicates removed; x is
    // milliseconds since the epoch, y the value. Finite values only: at most 4 per column.
    QList<QPointF> points;
    // Indexes into points where a new line segment starts after a gap (never 0). A chart draws
    // points[segmentStarts[i-1] .. segmentStarts[i]) as separate polylines.
    QList<qsizetype> segmentStarts;
    // The newest sample in the range has no value (e.g. an error ratio without requests): the
    // series' current value is "none", not its last finite point.
    bool endsInGap = false;
    // Where the series has no samples at all for much longer than its own pace (a gateway that
    // hung, scrapes that failed): from the last sample before to the first after. The line is
    // broken there too (segmentStarts), never drawn straight across as if data had been seen.
    QList<TimeSpan> noData;

    void clear();
};

namespace detail {
// Min/max of one fixed block of a series' buffer. Decimating a column that spans whole blocks
// reads their summaries instead of every point.
inline constexpr std::size_t minMaxBlockSize = 16;
struct MinMaxBlock
{
    double min = 0.0;
    double max = 0.0;
    quint8 minOffset = 0; // earliest position of the minimum within the block
    quint8 maxOffset = 0;
    bool allFinite = true; // if not, min/max are not used: the column is scanned point by point
};
} // namespace detail

// Reduces points (sorted by time; typically a range() result) within [from, to] to at most
// four points per pixel column: the columns split [from, to] into pixelColumns equal spans.
// Non-finite values (NaN, ±Inf) are gaps: never drawn, never connected across. So is a time
// without samples between two pixel columns that is longer than kNoDataMin and kNoDataFactor
// times the spacing of the two samples before it (the series' own pace: 1 s scrapes, or 5 s for
// a sparse series); it is also listed in noData. out is cleared first and keeps its capacity, so
// a caller that reuses it does not allocate once warmed up.
inline constexpr std::chrono::milliseconds kNoDataMin {5000};
inline constexpr int kNoDataFactor = 3;
void decimatePoints(std::span<const TimeSeriesPoint> points, WallTime from, WallTime to, int pixelColumns,
                    DecimatedSeries &out);

// Bounded, time-sorted per-series buffers for the live charts (cf. PlotJuggler's TimeSeries).
// Each series keeps its points contiguous in one buffer: appends go to the end and dropping
// the oldest only moves a start index; the dead prefix is reclaimed by one memmove when the
// buffer is full (at most a quarter of the capacity). That behaves like a ring but keeps
// appends amortised O(1) without per-point allocation once warmed up, and lets range() return
// a plain span found by lower_bound. Every 16 points also keep a min/max summary, updated on
// append, so decimate() reads summaries for the middle of wide columns instead of every point.
// Not thread-safe: owned by the GUI thread, fed from coalesced scrape results.
// Unknown ids (not from this store) read as empty series and drop appends.
class TimeSeriesStore
{
public:
    explicit TimeSeriesStore(TimeSeriesLimits defaults = {});

    // The id of the series named key, created with the default (or given) limits on first use;
    // limits of an existing series are left unchanged.
    TimeSeriesId series(const QString &key);
    TimeSeriesId series(const QString &key, TimeSeriesLimits limits);
    std::optional<TimeSeriesId> find(const QString &key) const;
    QString key(TimeSeriesId id) const;
    TimeSeriesLimits limits(TimeSeriesId id) const;
    qsizetype seriesCount() const { return qsizetype(m_series.size()); }

    enum class AppendResult {
        Appended, // newer than every point: the O(1) path
        Inserted, // older than the newest point: inserted in time order (moves the newer points)
        Replaced, // a point with this timestamp existed: its value was replaced
        Dropped,  // older than the window or than everything a full buffer keeps
    };
    // NaN is stored like any value and shows as a gap in charts (e.g. a failed scrape).
    AppendResult append(TimeSeriesId id, WallTime time, double value);

    // Drops, in every series, the points older than now minus its window, so that series
    // which stopped receiving data age out too.
    void expire(WallTime now);
    void clear(TimeSeriesId id); // keeps the buffer's memory for refilling

    qsizetype size(TimeSeriesId id) const;
    qsizetype pointCount() const; // over all series
    // The views stay valid until the next non-const call.
    std::span<const TimeSeriesPoint> points(TimeSeriesId id) const;
    std::span<const TimeSeriesPoint> range(TimeSeriesId id, WallTime from, WallTime to) const; // inclusive
    std::optional<TimeSeriesPoint> latest(TimeSeriesId id) const;

    DecimatedSeries decimate(TimeSeriesId id, WallTime from, WallTime to, int pixelColumns) const;
    void decimate(TimeSeriesId id, WallTime from, WallTime to, int pixelColumns, DecimatedSeries &out) const;

    // Heap bytes held: point buffers and summaries (by capacity), keys and bookkeeping. The key index is
    // estimated from its capacity; everything else is exact.
    std::size_t memoryBytes() const;

private:
    struct Series
    {
        QString key;
        TimeSeriesLimits limits;
        std::vector<TimeSeriesPoint> buffer; // [begin, size) are live, sorted by time
        std::size_t begin = 0;
        // blocks[b] summarises buffer positions [b * 16, (b + 1) * 16), dead ones included.
        std::vector<detail::MinMaxBlock> blocks;

        std::size_t liveCount() const { return buffer.size() - begin; }
    };

    Series *lookup(TimeSeriesId id);
    const Series *lookup(TimeSeriesId id) const;
    static void makeRoom(Series &s);
    static void dropOlderThan(Series &s, WallTime cutoff);
    static void rebuildBlocks(Series &s, std::size_t fromPosition);

    TimeSeriesLimits m_defaults;
    std::vector<Series> m_series;
    QHash<QString, quint32> m_ids;
};

} // namespace cutover
