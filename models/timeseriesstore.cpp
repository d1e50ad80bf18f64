#include "timeseriesstore.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace cutover {

namespace {

qint64 msSinceEpoch(WallTime t)
{
    return t.time_since_epoch().count();
}

bool earlierThan(const TimeSeriesPoint &p, WallTime t)
{
    return p.time < t;
}

bool laterThan(WallTime t, const TimeSeriesPoint &p)
{
    return t < p.time;
}

std::size_t capacityOf(const TimeSeriesLimits &limits)
{
    return std::size_t(std::max<qsizetype>(limits.capacity, 1));
}

// Splits [t0, t0 + width) into n columns; column c starts at t0 + ceil(c * width / n), written
// as c * (width / n) + ceil(c * (width % n) / n) so that nothing overflows for any int column
// count and any time span. A cursor walks the columns; stepping to the next column updates
// that fraction incrementally, so dense data costs no division per column.
class ColumnCursor
{
public:
    ColumnCursor(qint64 t0, qint64 width, qint64 columns)
        : m_t0(t0), m_width(width), m_columns(columns), m_quotient(width / columns), m_remainder(width % columns)
    {
    }

    qint64 column() const { return m_next - 1; }
    qint64 end() const { return m_end; } // start of the next column

    // Moves to the column containing t (t within the grid).
    void seek(qint64 t)
    {
        // A floating-point guess, then exact correction against the integer boundaries.
        qint64 c = qint64(double(t - m_t0) / double(m_width) * double(m_columns));
        c = std::clamp<qint64>(c, 0, m_columns - 1);
        while (c + 1 < m_columns && start(c + 1) <= t)
            ++c;
        while (c > 0 && start(c) > t)
            --c;
        m_next = c + 1;
        m_fractionWhole = (m_next * m_remainder) / m_columns;
        m_fractionRest = (m_next * m_remainder) % m_columns;
        updateEnd();
    }

    // Moves to the column containing t, which is at or after end().
    void advance(qint64 t)
    {
        ++m_next;
        m_fractionRest += m_remainder;
        if (m_fractionRest >= m_columns) {
            m_fractionRest -= m_columns;
            ++m_fractionWhole;
        }
        updateEnd();
        if (t >= m_end)
            seek(t); // skipped empty columns
    }

private:
    qint64 start(qint64 c) const
    {
        return m_t0 + c * m_quotient + (c * m_remainder + m_columns - 1) / m_columns;
    }

    void updateEnd() { m_end = m_t0 + m_next * m_quotient + m_fractionWhole + (m_fractionRest > 0 ? 1 : 0); }

    qint64 m_t0;
    qint64 m_width;
    qint64 m_columns;
    qint64 m_quotient;
    qint64 m_remainder;
    qint64 m_next = 1;          // the column after the current one
    qint64 m_fractionWhole = 0; // m_next * m_remainder == m_fractionWhole * m_columns + m_fractionRest
    qint64 m_fractionRest = 0;
    qint64 m_end = 0;
};

QPointF chartPoint(const TimeSeriesPoint &p)
{
    return QPointF(double(msSinceEpoch(p.time)), p.value);
}

qint64 timeAt(const TimeSeriesPoint *p, qsizetype i)
{
    return msSinceEpoch(p[i].time);
}

// The index of the first point at or after end in [from, n), where p[from - 1] is before end.
// Starts at guess (where evenly spaced points would put it), then gallops towards the answer,
// so that the cost is a few probes for regular data and logarithmic otherwise.
qsizetype columnEnd(const TimeSeriesPoint *p, qsizetype from, qsizetype n, qint64 end, qsizetype guess)
{
    if (from >= n)
        return n;
    qsizetype lo = from; // everything in [from, lo) is before end
    qsizetype hi = n;    // p[hi] is at or after end, or hi == n
    const qsizetype g = std::clamp(guess, from, n - 1);
    qsizetype step = 1;
    if (timeAt(p, g) < end) {
        qsizetype probe = g;
        while (probe < n && timeAt(p, probe) < end) {
            lo = probe + 1;
            probe = lo + step;
            step *= 2;
        }
        hi = std::min(probe, n);
    } else {
        hi = g;
        qsizetype probe = g - 1;
        while (probe >= lo && timeAt(p, probe) >= end) {
            hi = probe;
            probe = hi - 1 - step;
            step *= 2;
        }
        lo = std::max(lo, probe + 1);
    }
    const WallTime endTime {std::chrono::milliseconds(end)};
    return std::lower_bound(p + lo, p + hi, endTime, earlierThan) - p;
}

// Where the line is broken, carried from column to column.
struct GapState
{
    bool seenFinite = false; // a finite sample was drawn before
    bool pending = false;    // a non-finite sample came after the last finite one
};

// Positions of one column's first/min/max/last finite samples.
struct ColumnScan
{
    qsizetype first = -1;
    qsizetype min = -1;
    qsizetype max = -1;
    qsizetype last = -1;
    qsizetype count = 0; // finite samples
    bool gapBefore = false;
};

// Min and max over [begin, end) with the earliest position of each: raw points at the edges,
// block summaries (when given) for whole blocks in between. Strict comparisons in time order
// keep the earliest of equal extremes. Fails (returns false) if a NaN/Inf is involved.
bool scanFinite(const TimeSeriesPoint *p, qsizetype begin, qsizetype end, const detail::MinMaxBlock *blocks,
                ColumnScan &scan)
{
    constexpr auto blockSize = qsizetype(detail::minMaxBlockSize);
    double minValue = std::numeric_limits<double>::infinity();
    double maxValue = -minValue;
    bool allFinite = true;
    const auto consider = [&](double v, qsizetype position) {
        if (v < minValue) {
            minValue = v;
            scan.min = position;
        }
        if (v > maxValue) {
            maxValue = v;
            scan.max = position;
        }
    };
    const auto scanPoints = [&](qsizetype from, qsizetype to) {
        for (qsizetype k = from; k < to; ++k) {
            allFinite &= std::isfinite(p[k].value); // &, not &&: no branch per point
            consider(p[k].value, k);
        }
    };
    const qsizetype firstBlock = (begin + blockSize - 1) / blockSize;
    const qsizetype endBlock = end / blockSize;
    if (!blocks || endBlock - firstBlock < 2) {
        scanPoints(begin, end);
    } else {
        scanPoints(begin, firstBlock * blockSize);
        for (qsizetype b = firstBlock; b < endBlock; ++b) {
            const detail::MinMaxBlock &block = blocks[b];
            allFinite &= block.allFinite;
            const qsizetype base = b * blockSize;
            if (block.min < minValue) {
                minValue = block.min;
                scan.min = base + block.minOffset;
            }
            if (block.max > maxValue) {
                maxValue = block.max;
                scan.max = base + block.maxOffset;
            }
        }
        scanPoints(endBlock * blockSize, end);
    }
    if (!allFinite)
        return false;
    scan.first = begin;
    scan.last = end - 1;
    scan.count = end - begin;
    return true;
}

// The column [begin, end) holds a NaN or Inf: skip those, and note whether a gap separates
// this column's first finite sample from the previous drawn one.
ColumnScan scanWithGaps(const TimeSeriesPoint *p, qsizetype begin, qsizetype end, GapState &gaps)
{
    ColumnScan scan;
    double minValue = 0.0;
    double maxValue = 0.0;
    for (qsizetype k = begin; k < end; ++k) {
        const double v = p[k].value;
        if (!std::isfinite(v)) {
            gaps.pending = gaps.seenFinite;
            continue;
        }
        if (scan.count == 0) {
            scan.first = scan.min = scan.max = k;
            minValue = maxValue = v;
            scan.gapBefore = gaps.pending;
        } else {
            if (v < minValue) {
                minValue = v;
                scan.min = k;
            }
            if (v > maxValue) {
                maxValue = v;
                scan.max = k;
            }
        }
        // A gap that opens and closes inside this column is narrower than a pixel.
        gaps.pending = false;
        gaps.seenFinite = true;
        scan.last = k;
        ++scan.count;
    }
    return scan;
}

// Decimates p[lo, hi) (all within [from, to], sorted). blocks, if given, summarise p from
// position 0 in blocks of minMaxBlockSize.
void decimateSorted(const TimeSeriesPoint *p, qsizetype lo, qsizetype hi, const detail::MinMaxBlock *blocks,
                    WallTime from, WallTime to, int pixelColumns, DecimatedSeries &out)
{
    out.clear();
    if (pixelColumns <= 0 || to < from || lo >= hi)
        return;
    const qint64 columns = pixelColumns;
    ColumnCursor cursor(msSinceEpoch(from), (to - from).count() + 1, columns);
    cursor.seek(timeAt(p, lo));
    out.columns.reserve(std::size_t(std::min<qint64>(hi - lo, columns)));
    // Room for 4 writes per column, trimmed at the end: emission below writes unconditionally
    // and advances only past distinct points, which avoids a mispredicted branch per point.
    out.points.resize(4 * qsizetype(std::min<qint64>(hi - lo, columns)));
    QPointF *emitted = out.points.data();
    qsizetype emittedCount = 0;
    // Points per column if they were evenly spread: the first guess for each column's end.
    const auto ahead = std::max<qsizetype>(1, qsizetype(double(hi - lo) / double(columns)));

    GapState gaps;
    qsizetype i = lo;
    while (i < hi) {
        if (timeAt(p, i) >= cursor.end())
            cursor.advance(timeAt(p, i));
        const qint64 column = cursor.column();
        // A silence between the previous column and this one, long for this series: no data.
        if (i - 2 >= lo) {
            const qint64 silence = timeAt(p, i) - timeAt(p, i - 1);
            if (silence > kNoDataMin.count() && silence > kNoDataFactor * (timeAt(p, i - 1) - timeAt(p, i - 2))) {
                out.noData.append(TimeSpan {p[i - 1].time, p[i].time});
                gaps.pending = gaps.seenFinite;
            }
        }
        // The point that opened the column is always in it, so the loop advances.
        const qsizetype j = columnEnd(p, i + 1, hi, cursor.end(), i + ahead);

        ColumnScan scan;
        if (scanFinite(p, i, j, blocks, scan)) [[likely]] {
            scan.gapBefore = gaps.pending;
            gaps.pending = false;
            gaps.seenFinite = true;
        } else {
            scan = scanWithGaps(p, i, j, gaps);
        }
        i = j;
        if (scan.count == 0)
            continue; // only gaps in this column

        DecimatedColumn col;
        col.column = int(column);
        col.count = scan.count;
        col.first = p[scan.first];
        col.min = p[scan.min];
        col.max = p[scan.max];
        col.last = p[scan.last];
        col.gapBefore = scan.gapBefore;
        out.columns.push_back(col);

        if (scan.gapBefore && emittedCount > 0)
            out.segmentStarts.append(emittedCount);
        // first <= min, max <= last by position: emit them in time order without repeats.
        const qsizetype low = std::min(scan.min, scan.max);
        const qsizetype high = std::max(scan.min, scan.max);
        emitted[emittedCount] = chartPoint(p[scan.first]);
        ++emittedCount;
        emitted[emittedCount] = chartPoint(p[low]);
        emittedCount += qsizetype(low != scan.first);
        emitted[emittedCount] = chartPoint(p[high]);
        emittedCount += qsizetype(high != low);
        emitted[emittedCount] = chartPoint(p[scan.last]);
        emittedCount += qsizetype(scan.last != high);
    }
    out.points.resize(emittedCount);
    out.endsInGap = !std::isfinite(p[hi - 1].value);
}

static_assert(detail::minMaxBlockSize <= 256, "block offsets are 8 bits");

// Adds the value at buffer position `position` to its block, opening the block if needed.
void summarise(std::vector<detail::MinMaxBlock> &blocks, std::size_t position, double v)
{
    const auto offset = quint8(position % detail::minMaxBlockSize);
    const bool finite = std::isfinite(v);
    if (offset == 0) {
        blocks.push_back({v, v, 0, 0, finite});
        return;
    }
    detail::MinMaxBlock &block = blocks.back();
    if (!finite) {
        block.allFinite = false;
    } else if (!block.allFinite) {
        // Unused once a NaN/Inf is in the block.
    } else if (v < block.min) {
        block.min = v;
        block.minOffset = offset;
    } else if (v > block.max) {
        block.max = v;
        block.maxOffset = offset;
    }
}

} // namespace

void DecimatedSeries::clear()
{
    columns.clear();
    points.clear();
    segmentStarts.clear();
    endsInGap = false;
    noData.clear();
}

void decimatePoints(std::span<const TimeSeriesPoint> points, WallTime from, WallTime to, int pixelColumns,
                    DecimatedSeries &out)
{
    const auto lo = std::lower_bound(points.begin(), points.end(), from, earlierThan);
    const auto hi = std::upper_bound(lo, points.end(), to, laterThan);
    decimateSorted(points.data(), lo - points.begin(), hi - points.begin(), nullptr, from, to, pixelColumns, out);
}

TimeSeriesStore::TimeSeriesStore(TimeSeriesLimits defaults)
    : m_defaults(defaults)
{
}

TimeSeriesId TimeSeriesStore::series(const QString &key)
{
    return series(key, m_defaults);
}

TimeSeriesId TimeSeriesStore::series(const QString &key, TimeSeriesLimits limits)
{
    const auto it = m_ids.constFind(key);
    if (it != m_ids.cend())
        return TimeSeriesId(it.value());
    const auto index = quint32(m_series.size());
    Series s;
    s.key = key;
    s.limits = limits;
    s.limits.capacity = qsizetype(capacityOf(limits));
    m_series.push_back(std::move(s));
    m_ids.insert(key, index);
    return TimeSeriesId(index);
}

std::optional<TimeSeriesId> TimeSeriesStore::find(const QString &key) const
{
    const auto it = m_ids.constFind(key);
    if (it == m_ids.cend())
        return std::nullopt;
    return TimeSeriesId(it.value());
}

QString TimeSeriesStore::key(TimeSeriesId id) const
{
    const Series *s = lookup(id);
    return s ? s->key : QString();
}

TimeSeriesLimits TimeSeriesStore::limits(TimeSeriesId id) const
{
    const Series *s = lookup(id);
    return s ? s->limits : m_defaults;
}

TimeSeriesStore::Series *TimeSeriesStore::lookup(TimeSeriesId id)
{
    const auto index = std::size_t(id);
    return index < m_series.size() ? &m_series[index] : nullptr;
}

const TimeSeriesStore::Series *TimeSeriesStore::lookup(TimeSeriesId id) const
{
    const auto index = std::size_t(id);
    return index < m_series.size() ? &m_series[index] : nullptr;
}

// Called before adding a point to a series whose live count is already below its capacity.
// Either reclaims the dead prefix (one memmove, no allocation) or grows the buffer
// geometrically up to capacity + slack. Reclaiming happens at most once per slack appends at
// full size, moving at most capacity points: amortised at most 4 moves per append.
void TimeSeriesStore::makeRoom(Series &s)
{
    if (s.buffer.size() < s.buffer.capacity())
        return;
    const std::size_t capacity = capacityOf(s.limits);
    const std::size_t limit = capacity + std::max<std::size_t>(capacity / 4, 1);
    if (s.begin > 0 && (s.buffer.capacity() >= limit || s.begin >= s.buffer.size() / 2)) {
        s.buffer.erase(s.buffer.begin(), s.buffer.begin() + std::ptrdiff_t(s.begin));
        s.begin = 0;
        rebuildBlocks(s, 0); // positions moved; as amortised as the move itself
        return;
    }
    s.buffer.reserve(std::min(std::max<std::size_t>(s.buffer.capacity() * 2, 64), limit));
}

void TimeSeriesStore::dropOlderThan(Series &s, WallTime cutoff)
{
    // Linear, not lower_bound: each point is passed over once in its life, so appends stay
    // amortised O(1).
    while (s.begin < s.buffer.size() && s.buffer[s.begin].time < cutoff)
        ++s.begin;
    if (s.begin == s.buffer.size()) {
        s.buffer.clear(); // keeps the capacity
        s.blocks.clear();
        s.begin = 0;
    }
}

void TimeSeriesStore::rebuildBlocks(Series &s, std::size_t fromPosition)
{
    const std::size_t firstBlock = fromPosition / detail::minMaxBlockSize;
    s.blocks.resize(std::min(s.blocks.size(), firstBlock));
    for (std::size_t pos = firstBlock * detail::minMaxBlockSize; pos < s.buffer.size(); ++pos)
        summarise(s.blocks, pos, s.buffer[pos].value);
}

TimeSeriesStore::AppendResult TimeSeriesStore::append(TimeSeriesId id, WallTime time, double value)
{
    Series *s = lookup(id);
    if (!s)
        return AppendResult::Dropped;
    const std::size_t capacity = capacityOf(s->limits);
    const auto window = s->limits.window;

    if (s->liveCount() == 0 || time > s->buffer.back().time) {
        if (s->liveCount() == capacity)
            ++s->begin;
        makeRoom(*s);
        s->buffer.push_back({time, value});
        summarise(s->blocks, s->buffer.size() - 1, value);
        if (window.count() > 0)
            dropOlderThan(*s, time - window);
        return AppendResult::Appended;
    }

    // Late or repeated sample: keep the buffer sorted.
    const auto liveBegin = s->buffer.begin() + std::ptrdiff_t(s->begin);
    const auto it = std::lower_bound(liveBegin, s->buffer.end(), time, earlierThan);
    if (it != s->buffer.end() && it->time == time) {
        it->value = value;
        rebuildBlocks(*s, std::size_t(it - s->buffer.begin()));
        return AppendResult::Replaced;
    }
    if (window.count() > 0 && time < s->buffer.back().time - window)
        return AppendResult::Dropped;
    auto offset = std::size_t(it - liveBegin);
    if (s->liveCount() == capacity) {
        if (offset == 0)
            return AppendResult::Dropped; // it would be the oldest, which a full buffer drops
        ++s->begin;
        --offset;
    }
    makeRoom(*s);
    const std::size_t position = s->begin + offset;
    s->buffer.insert(s->buffer.begin() + std::ptrdiff_t(position), TimeSeriesPoint{time, value});
    rebuildBlocks(*s, position);
    return AppendResult::Inserted;
}

void TimeSeriesStore::expire(WallTime now)
{
    for (Series &s : m_series) {
        if (s.limits.window.count() > 0)
            dropOlderThan(s, now - s.limits.window);
    }
}

void TimeSeriesStore::clear(TimeSeriesId id)
{
    if (Series *s = lookup(id)) {
        s->buffer.clear();
        s->blocks.clear();
        s->begin = 0;
    }
}

qsizetype TimeSeriesStore::size(TimeSeriesId id) const
{
    const Series *s = lookup(id);
    return s ? qsizetype(s->liveCount()) : 0;
}

qsizetype TimeSeriesStore::pointCount() const
{
    qsizetype total = 0;
    for (const Series &s : m_series)
        total += qsizetype(s.liveCount());
    return total;
}

std::span<const TimeSeriesPoint> TimeSeriesStore::points(TimeSeriesId id) const
{
    const Series *s = lookup(id);
    if (!s)
        return {};
    return std::span<const TimeSeriesPoint>(s->buffer).subspan(s->begin);
}

std::span<const TimeSeriesPoint> TimeSeriesStore::range(TimeSeriesId id, WallTime from, WallTime to) const
{
    if (to < from)
        return {};
    const std::span<const TimeSeriesPoint> all = points(id);
    const auto lo = std::lower_bound(all.begin(), all.end(), from, earlierThan);
    const auto hi = std::upper_bound(lo, all.end(), to, laterThan);
    return std::span<const TimeSeriesPoint>(lo, hi);
}

std::optional<TimeSeriesPoint> TimeSeriesStore::latest(TimeSeriesId id) const
{
    const std::span<const TimeSeriesPoint> all = points(id);
    if (all.empty())
        return std::nullopt;
    return all.back();
}

DecimatedSeries TimeSeriesStore::decimate(TimeSeriesId id, WallTime from, WallTime to, int pixelColumns) const
{
    DecimatedSeries out;
    decimate(id, from, to, pixelColumns, out);
    return out;
}

void TimeSeriesStore::decimate(TimeSeriesId id, WallTime from, WallTime to, int pixelColumns,
                               DecimatedSeries &out) const
{
    const Series *s = lookup(id);
    if (!s || to < from) {
        out.clear();
        return;
    }
    // Positions in the whole buffer, which is what the block summaries are indexed by.
    const TimeSeriesPoint *base = s->buffer.data();
    const TimeSeriesPoint *end = base + s->buffer.size();
    const TimeSeriesPoint *lo = std::lower_bound(base + s->begin, end, from, earlierThan);
    const TimeSeriesPoint *hi = std::upper_bound(lo, end, to, laterThan);
    decimateSorted(base, lo - base, hi - base, s->blocks.data(), from, to, pixelColumns, out);
}

std::size_t TimeSeriesStore::memoryBytes() const
{
    std::size_t bytes = m_series.capacity() * sizeof(Series);
    for (const Series &s : m_series) {
        bytes += s.buffer.capacity() * sizeof(TimeSeriesPoint);
        bytes += s.blocks.capacity() * sizeof(detail::MinMaxBlock);
        // The hash shares these strings (implicit sharing), so they are counted once.
        bytes += std::size_t(s.key.capacity()) * sizeof(QChar);
    }
    // QHash: per bucket slot a node of key, value and span bookkeeping (estimate).
    bytes += std::size_t(m_ids.capacity()) * (sizeof(QString) + sizeof(quint32) + sizeof(void *));
    return bytes;
}

} // namespace cutover
