#include "metricsaggregator.h"

#include "client/prometheus/prometheusparser.h"
#include "models/rates.h"

#include <algorithm>

namespace cutover {

using namespace std::chrono_literals;

namespace {

constexpr auto kRecentMargin = 5s;  // every scrape is kept for the live window and this much more
constexpr auto kMidStep = 10s;      // older lookups (the board's 1-minute window) use this tier
constexpr auto kMidKeep = 6min;     // the 5-minute SLO window
constexpr auto kCoarseStep = 30s;
// With many services and routes (a gateway with hundreds), their chart series take a point
// every 5 s instead of every scrape: an hour is 720 points a series, not 3,600.
constexpr auto kSparseSeriesStep = 5s;
constexpr std::size_t kDenseGroupLimit = 64;
constexpr auto kCoarseKeep = 65min; // the 1-hour burn-rate window
// Rows each tier can hold: the recent one grows to fit the scrape interval (16 rows at 1 s with
// the default 10 s window); the others are laid out whole, one row per step over their span.
constexpr std::size_t kRecentInitialRows = 16;
constexpr std::size_t kRecentMaxRows = 1024;
constexpr std::size_t kMidRows = std::size_t(kMidKeep / kMidStep) + 1;
constexpr std::size_t kCoarseRows = std::size_t(kCoarseKeep / kCoarseStep) + 1;

enum SeriesKind : quint8 { Unmapped = 0, Ignored, Request, ErrorRequest, Bucket, Average };

QString str(QUtf8StringView v)
{
    return QString::fromUtf8(v.data(), v.size());
}

void addBucket(std::vector<double> &bounds, std::vector<double> &counts, double bound, double count)
{
    const auto it = std::lower_bound(bounds.begin(), bounds.end(), bound);
    const auto i = it - bounds.begin();
    if (it != bounds.end() && *it == bound) {
        counts[std::size_t(i)] += count;
    } else {
        bounds.insert(it, bound);
        counts.insert(counts.begin() + i, count);
    }
}

std::vector<HistogramBucket> bucketsOf(std::span<const double> bounds, std::span<const double> counts)
{
    std::vector<HistogramBucket> out(counts.size());
    for (std::size_t i = 0; i < counts.size(); ++i)
        out[i] = HistogramBucket {bounds[i], counts[i]};
    return out;
}

} // namespace

QString viaName(MetricGroup::Via via)
{
    switch (via) {
    case MetricGroup::Via::All: return QStringLiteral("all");
    case MetricGroup::Via::Monolith: return QStringLiteral("monolith");
    case MetricGroup::Via::Microservice: return QStringLiteral("microservice");
    }
    return {};
}

QString MetricGroup::key() const
{
    static const QString scopes[] = {QStringLiteral("overall"), QStringLiteral("service"), QStringLiteral("route")};
    return scopes[int(scope)] + QLatin1Char('/') + name + QLatin1Char('/') + viaName(via);
}

QString MetricsAggregator::measureName(Measure m)
{
    switch (m) {
    case Measure::RequestRate: return QStringLiteral("rps");
    case Measure::ErrorRatio: return QStringLiteral("errors");
    case Measure::P50: return QStringLiteral("p50");
    case Measure::P95: return QStringLiteral("p95");
    case Measure::P99: return QStringLiteral("p99");
    case Measure::Average: return QStringLiteral("avg");
    }
    return {};
}

MetricsAggregator::MetricsAggregator(TimeSeriesStore *store, MetricNames names, std::chrono::seconds liveWindow)
    : m_store(store)
    , m_names(std::move(names))
    , m_liveWindow(liveWindow)
    , m_parser(std::make_unique<PrometheusParser>())
{
}

MetricsAggregator::~MetricsAggregator() = default;

MetricsAggregator::Group::Group(MetricGroup group)
    : id(std::move(group))
    , recent(kRecentInitialRows, kRecentMaxRows, true)
    , mid(kMidRows, kMidRows, true)
    , coarse(kCoarseRows, kCoarseRows, false)
{
}

int MetricsAggregator::groupIndex(MetricGroup::Scope scope, const QString &name, MetricGroup::Via via)
{
    const MetricGroup id {scope, name, via};
    const QString key = id.key();
    if (const auto it = m_groupByKey.constFind(key); it != m_groupByKey.constEnd())
        return *it;
    m_groups.emplace_back(id);
    m_groupByKey.insert(key, int(m_groups.size() - 1));
    return int(m_groups.size() - 1);
}

void MetricsAggregator::mapSeries(SeriesId id)
{
    const auto index = std::size_t(id);
    const SeriesInfo &info = m_parser->series(id);
    const QByteArray name(info.name.data(), info.name.size());
    const QByteArray requests = m_names.requestsTotal.toUtf8();
    const QByteArray bucket = m_names.requestDuration.toUtf8() + "_bucket";
    SeriesKind kind = Ignored;
    if (name == requests && (info.kind == SampleKind::Total || info.kind == SampleKind::Value)) {
        const auto code = m_parser->labelValue(id, m_names.codeLabel.toUtf8());
        kind = code && code->size() == 3 && code->data()[0] == '5' ? ErrorRequest : Request;
    } else if (name == bucket && info.kind == SampleKind::Bucket) {
        kind = Bucket;
        m_sawHistogram = true;
    } else if (!m_names.averageDuration.isEmpty() && name == m_names.averageDuration.toUtf8()
               && (info.kind == SampleKind::Value)) {
        kind = Average;
        m_sawAverage = true;
    }
    m_seriesKind[index] = kind;
    if (kind == Ignored)
        return;

    auto label = [&](const QString &n) {
        const auto v = m_parser->labelValue(id, n.toUtf8());
        return v ? str(*v) : QString();
    };
    if (kind != Bucket) {
        QByteArray key;
        for (const QString &n : {m_names.routeLabel, m_names.serviceLabel, m_names.backendLabel, QStringLiteral("server")})
            key += label(n).toUtf8() + '\0';
        m_pairKey[index] = key;
    }
    const QString backend = label(m_names.backendLabel);
    const MetricGroup::Via via = backend == QLatin1String("monolith") ? MetricGroup::Via::Monolith
        : backend == QLatin1String("microservice")                    ? MetricGroup::Via::Microservice
                                                                      : MetricGroup::Via::All;
    std::vector<int> &targets = m_seriesGroups[index];
    auto add = [&](MetricGroup::Scope scope, const QString &n) {
        targets.push_back(groupIndex(scope, n, MetricGroup::Via::All));
        if (via != MetricGroup::Via::All)
            targets.push_back(groupIndex(scope, n, via));
    };
    add(MetricGroup::Scope::Overall, QString());
    if (const QString service = label(m_names.serviceLabel); !service.isEmpty())
        add(MetricGroup::Scope::Service, service);
    if (const QString route = label(m_names.routeLabel); !route.isEmpty())
        add(MetricGroup::Scope::Route, route);
}

std::optional<ParseError> MetricsAggregator::ingest(QByteArrayView body, ExpositionFormat format, WallTime at)
{
    if (!m_parser->parse(body, format))
        return m_parser->error();

    for (Group &g : m_groups) {
        g.current.total = 0;
        g.current.errors = 0;
        g.scrapeAverageSum = 0;
        g.scrapeAverageWeight = 0;
        std::fill(g.currentCounts.begin(), g.currentCounts.end(), 0.0);
    }
    m_previousPairRequests.swap(m_pairRequests);
    m_pairRequests.clear();
    const bool averagesBefore = m_sawAverage;
    std::vector<const Sample *> averages;
    for (const Sample &sample : m_parser->snapshot().samples()) {
        const auto index = std::size_t(sample.series);
        if (index >= m_seriesKind.size()) {
            m_seriesKind.resize(index + 1, Unmapped);
            m_seriesGroups.resize(index + 1);
            m_pairKey.resize(index + 1);
        }
        if (m_seriesKind[index] == Unmapped)
            mapSeries(sample.series);
        const quint8 kind = m_seriesKind[index];
        if (kind == Ignored || std::isnan(sample.value))
            continue;
        if (kind == Bucket) {
            const double bound = m_parser->series(sample.series).bound;
            for (int gi : m_seriesGroups[index]) {
                Group &g = m_groups[std::size_t(gi)];
                addBucket(g.currentBounds, g.currentCounts, bound, sample.value);
            }
        } else if (kind == Average) {
            averages.push_back(&sample); // weighed once every request counter is in
        } else {
            if (m_sawAverage)
                m_pairRequests[m_pairKey[index]] += sample.value;
            for (int gi : m_seriesGroups[index]) {
                Group &g = m_groups[std::size_t(gi)];
                g.current.total += sample.value;
                if (kind == ErrorRequest)
                    g.current.errors += sample.value;
            }
        }
    }
    // Counters are summed per server only once averages are known to exist; in the scrape that
    // reveals them, sum them all again, so the next scrape has a complete "before".
    if (!averagesBefore && m_sawAverage) {
        m_pairRequests.clear();
        for (const Sample &sample : m_parser->snapshot().samples()) {
            const auto index = std::size_t(sample.series);
            if ((m_seriesKind[index] == Request || m_seriesKind[index] == ErrorRequest) && !std::isnan(sample.value))
                m_pairRequests[m_pairKey[index]] += sample.value;
        }
    }
    for (const Sample *sample : averages) {
        const auto index = std::size_t(sample->series);
        const QByteArray &key = m_pairKey[index];
        const double now = m_pairRequests.value(key);
        const auto before = m_previousPairRequests.constFind(key);
        const double weight = before == m_previousPairRequests.cend() ? 0.0 : counterDelta(*before, now);
        for (int gi : m_seriesGroups[index]) {
            Group &g = m_groups[std::size_t(gi)];
            g.scrapeAverageSum += sample->value * weight;
            g.scrapeAverageWeight += weight;
        }
    }
    m_lastScrape = at;
    ++m_scrapes;
    for (Group &g : m_groups) {
        g.current.time = at;
        g.current.averageSum += g.scrapeAverageSum;
        g.current.averageWeight += g.scrapeAverageWeight;
        record(g);
    }
    if (m_store)
        m_store->expire(at);
    return std::nullopt;
}

QString MetricsAggregator::ingest(const MetricsScrape &scrape)
{
    const auto format = expositionFormatFromContentType(scrape.contentType);
    if (!format)
        return QStringLiteral("unsupported Content-Type \"%1\"").arg(QString::fromLatin1(scrape.contentType));
    const WallTime at {std::chrono::milliseconds(scrape.receivedAt.toMSecsSinceEpoch())};
    if (const auto error = ingest(scrape.body, *format, at))
        return error->toString();
    return {};
}

void MetricsAggregator::record(Group &g)
{
    const WallTime at = g.current.time;
    g.recent.dropBefore(at - m_liveWindow - kRecentMargin);
    if (g.recent.empty() || g.recent.back().time < at)
        g.recent.push(g.current, g.currentBounds, g.currentCounts);
    g.mid.dropBefore(at - kMidKeep);
    if (g.mid.empty() || at - g.mid.back().time >= kMidStep)
        g.mid.push(g.current, g.currentBounds, g.currentCounts);
    g.coarse.dropBefore(at - kCoarseKeep);
    if (g.coarse.empty() || at - g.coarse.back().time >= kCoarseStep)
        g.coarse.push(g.current, {}, {});

    if (!m_store)
        return;
    // Live numbers for the charts, over the live window.
    bool wanted[kMeasureCount];
    bool any = false;
    for (int m = 0; m < kMeasureCount; ++m) {
        wanted[m] = g.series[m].has_value() || eager(g.id, Measure(m));
        any = any || wanted[m];
    }
    if (!any)
        return;
    if (sparse(g.id) && g.lastSeriesPoint.time_since_epoch().count() != 0 && at - g.lastSeriesPoint < kSparseSeriesStep)
        return;
    const std::optional<Point> earlier = pointAtOrBefore(g, at - m_liveWindow, true);
    if (!earlier || earlier->time >= at)
        return;
    const WindowStats w = between(*earlier, now(g));
    const double values[kMeasureCount] = {w.requestRate.value_or(qQNaN()), w.errorRatio.value_or(qQNaN()), w.p50, w.p95,
                                          w.p99, w.average};
    g.lastSeriesPoint = at;
    for (int m = 0; m < kMeasureCount; ++m) {
        if (!wanted[m])
            continue;
        const TimeSeriesId id = series(g.id, Measure(m));
        // A series made just now was filled from history, this moment included.
        if (const auto last = m_store->latest(id); !last || last->time < at)
            m_store->append(id, at, values[m]);
    }
}

bool MetricsAggregator::eager(const MetricGroup &group, Measure measure) const
{
    // Averages only for gateways that have them, so other gateways keep five series a group.
    if (measure == Measure::Average && !m_sawAverage)
        return false;
    const bool chartedByDefault = group.scope == MetricGroup::Scope::Overall || group.via == MetricGroup::Via::All
        || group.scope == MetricGroup::Scope::Route;
    if (!sparse(group))
        return chartedByDefault;
    // Hundreds of services and routes: only their request rate (the board's sparklines) from the
    // start; the rest when a chart first asks, filled from the history kept here (series()).
    return group.via == MetricGroup::Via::All && measure == Measure::RequestRate;
}

void MetricsAggregator::backfill(const Group &g, Measure measure, TimeSeriesId id)
{
    // The history still kept, oldest first: 30 s points (counters only) for the hour, 10 s points
    // for the last minutes, every scrape for the live window.
    std::vector<Point> timeline;
    const WallTime midStart = !g.mid.empty() ? g.mid.front().time : !g.recent.empty() ? g.recent.front().time : WallTime::max();
    const WallTime recentStart = !g.recent.empty() ? g.recent.front().time : WallTime::max();
    const auto add = [&timeline](const CounterHistory &tier, std::size_t i) { timeline.push_back(kept(tier, i)); };
    for (std::size_t i = 0; i < g.coarse.size(); ++i)
        if (g.coarse.row(i).time < midStart)
            add(g.coarse, i);
    for (std::size_t i = 0; i < g.mid.size(); ++i)
        if (g.mid.row(i).time < recentStart)
            add(g.mid, i);
    for (std::size_t i = 0; i < g.recent.size(); ++i)
        add(g.recent, i);
    WallTime last {};
    std::size_t from = 0;
    for (std::size_t i = 1; i < timeline.size(); ++i) {
        const Point &p = timeline[i];
        if (sparse(g.id) && last.time_since_epoch().count() != 0 && p.time - last < kSparseSeriesStep)
            continue;
        // Over the live window where the history is that fine, else since the previous point.
        while (from + 1 < i && timeline[from + 1].time <= p.time - m_liveWindow)
            ++from;
        const WindowStats w = between(timeline[from], p);
        double value = qQNaN();
        switch (measure) {
        case Measure::RequestRate: value = w.requestRate.value_or(qQNaN()); break;
        case Measure::ErrorRatio: value = w.errorRatio.value_or(qQNaN()); break;
        case Measure::P50: value = w.p50; break;
        case Measure::P95: value = w.p95; break;
        case Measure::P99: value = w.p99; break;
        case Measure::Average: value = w.average; break;
        }
        m_store->append(id, p.time, value);
        last = p.time;
    }
}

TimeSeriesId MetricsAggregator::series(const MetricGroup &group, Measure measure)
{
    const int gi = groupIndex(group.scope, group.name, group.via);
    Group &g = m_groups[std::size_t(gi)];
    auto &slot = g.series[int(measure)];
    if (!slot) {
        // A day for the overall view; services and routes keep an hour at scrape resolution,
        // which bounds memory with hundreds of services.
        TimeSeriesLimits limits;
        if (group.scope != MetricGroup::Scope::Overall) {
            limits.window = std::chrono::hours(1);
            limits.capacity = sparse(group) ? 721 : 3601;
        }
        slot = m_store->series(group.key() + QLatin1Char('/') + measureName(measure), limits);
        backfill(g, measure, *slot);
    }
    return *slot;
}

bool MetricsAggregator::sparse(const MetricGroup &group) const
{
    return group.scope != MetricGroup::Scope::Overall && m_groups.size() > kDenseGroupLimit;
}

QList<MetricGroup> MetricsAggregator::groups() const
{
    QList<MetricGroup> out;
    out.reserve(qsizetype(m_groups.size()));
    for (const Group &g : m_groups)
        out.append(g.id);
    return out;
}

QList<MetricGroup> MetricsAggregator::serviceGroups() const
{
    QList<MetricGroup> out;
    for (const Group &g : m_groups)
        if (g.id.scope == MetricGroup::Scope::Service && g.id.via == MetricGroup::Via::All)
            out.append(g.id);
    std::sort(out.begin(), out.end(), [](const MetricGroup &a, const MetricGroup &b) { return a.name < b.name; });
    return out;
}

std::size_t MetricsAggregator::historyBytes() const
{
    std::size_t bytes = m_groups.capacity() * sizeof(Group);
    for (const Group &g : m_groups) {
        bytes += (g.currentBounds.capacity() + g.currentCounts.capacity()) * sizeof(double);
        bytes += g.recent.memoryBytes() + g.mid.memoryBytes() + g.coarse.memoryBytes();
    }
    return bytes;
}

bool MetricsAggregator::hasGroup(const MetricGroup &group) const
{
    return m_groupByKey.contains(group.key());
}

std::optional<MetricsAggregator::Point> MetricsAggregator::pointAtOrBefore(const Group &g, WallTime t,
                                                                          bool needBuckets) const
{
    // The newest kept point at or before t; failing that, the oldest one we have.
    for (const CounterHistory *tier : {&g.recent, &g.mid})
        if (!tier->empty() && tier->front().time <= t)
            return kept(*tier, tier->lastAtOrBefore(t));
    if (!needBuckets && !g.coarse.empty() && g.coarse.front().time <= t)
        return kept(g.coarse, g.coarse.lastAtOrBefore(t));
    const CounterHistory &oldest = needBuckets || g.coarse.empty() ? (g.mid.empty() ? g.recent : g.mid) : g.coarse;
    return oldest.empty() ? std::nullopt : std::optional<Point>(kept(oldest, 0));
}

MetricsAggregator::Point MetricsAggregator::kept(const CounterHistory &tier, std::size_t i)
{
    const CounterRow &r = tier.row(i);
    return Point {r.time, r.total, r.errors, r.averageSum, r.averageWeight, tier.bounds(), tier.counts(i)};
}

MetricsAggregator::Point MetricsAggregator::now(const Group &g)
{
    const CounterRow &r = g.current;
    return Point {r.time, r.total, r.errors, r.averageSum, r.averageWeight, g.currentBounds, g.currentCounts};
}

WindowStats MetricsAggregator::between(const Point &earlier, const Point &later) const
{
    WindowStats w;
    w.span = std::chrono::duration_cast<std::chrono::milliseconds>(later.time - earlier.time);
    if (w.span <= 0ms)
        return w;
    w.requests = counterDelta(earlier.total, later.total);
    w.errors = counterDelta(earlier.errors, later.errors);
    w.requestRate = w.requests / (double(w.span.count()) / 1000.0);
    w.errorRatio = errorRatio(w.errors, w.requests);
    // No requests in the window: no latency to report for it.
    const double weight = later.averageWeight - earlier.averageWeight;
    if (weight > 0)
        w.average = (later.averageSum - earlier.averageSum) / weight;
    if (!earlier.counts.empty() && !later.counts.empty()) {
        const std::vector<HistogramBucket> before = bucketsOf(earlier.bounds, earlier.counts);
        const std::vector<HistogramBucket> after = bucketsOf(later.bounds, later.counts);
        w.p50 = histogramQuantileOverWindow(0.50, before, after);
        w.p95 = histogramQuantileOverWindow(0.95, before, after);
        w.p99 = histogramQuantileOverWindow(0.99, before, after);
    }
    return w;
}

QString SloStatus::explain() const
{
    const SloState s = state();
    if (s == SloState::Met)
        return {};
    if (evaluation.overall() == s)
        return evaluation.explain();
    // The burn rate decides: both windows spend the error budget too fast (or one does).
    const auto rate = [](std::optional<double> r) { return r ? QStringLiteral("%1×").arg(*r, 0, 'f', 1) : QStringLiteral("—"); };
    return QStringLiteral("error budget burning %1 over %2 and %3 over %4")
        .arg(rate(burn.longBurnRate), windowText(burn.longSpan), rate(burn.shortBurnRate), windowText(burn.shortSpan));
}

SloWindow WindowStats::sloWindow() const
{
    SloWindow w;
    w.requests = requests;
    w.errors = errors;
    w.span = span;
    if (requests > 0 && std::isfinite(p95))
        w.latencyP95 = Milliseconds(p95 * 1000.0);
    return w;
}

WindowStats MetricsAggregator::stats(const MetricGroup &group, std::chrono::seconds window) const
{
    const auto it = m_groupByKey.constFind(group.key());
    if (it == m_groupByKey.constEnd())
        return {};
    const Group &g = m_groups[std::size_t(*it)];
    const std::optional<Point> earlier = pointAtOrBefore(g, g.current.time - window, true);
    return earlier ? between(*earlier, now(g)) : WindowStats {};
}

SloStatus MetricsAggregator::slo(const MetricGroup &group, const SloThresholds &thresholds,
                                 const BurnRatePolicy &policy) const
{
    SloStatus s;
    const auto it = m_groupByKey.constFind(group.key());
    if (it == m_groupByKey.constEnd())
        return s;
    const Group &g = m_groups[std::size_t(*it)];
    s.window = stats(group, std::chrono::duration_cast<std::chrono::seconds>(policy.shortWindow));
    s.evaluation = evaluateSlo(s.window.sloWindow(), thresholds);

    const std::optional<Point> longStart = pointAtOrBefore(g, g.current.time - policy.longWindow, false);
    SloWindow longWindow;
    if (longStart && longStart->time < g.current.time) {
        longWindow.requests = counterDelta(longStart->total, g.current.total);
        longWindow.errors = counterDelta(longStart->errors, g.current.errors);
        longWindow.span = std::chrono::duration_cast<std::chrono::milliseconds>(g.current.time - longStart->time);
    }
    s.burn = evaluateBurnRate(longWindow, s.window.sloWindow(), thresholds, policy);
    return s;
}

} // namespace cutover
