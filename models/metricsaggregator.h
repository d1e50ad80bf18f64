#pragma once

#include "client/domain.h"
#include "client/prometheus/metricsnapshot.h"
#include "client/profile.h"
#include "models/counterhistory.h"
#include "models/quantile.h"
#include "models/slo.h"
#include "models/timeseriesstore.h"

#include <QHash>
#include <QList>
#include <QString>

#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace cutover {

class PrometheusParser;

// What a group of requests is: everything, one service, or one route, and through which backend.
struct MetricGroup
{
    enum class Scope : quint8 { Overall, Service, Route };
    enum class Via : quint8 { All, Monolith, Microservice };
    Scope scope = Scope::Overall;
    QString name; // service or route id; empty for Overall
    Via via = Via::All;

    QString key() const; // stable, e.g. "route/posts/microservice"
    friend bool operator==(const MetricGroup &, const MetricGroup &) = default;
};
QString viaName(MetricGroup::Via via);

// Numbers over one window, from counter and histogram-bucket deltas.
struct WindowStats
{
    double requests = 0;                 // increase of requests_total over the window
    double errors = 0;                   // of which 5xx
    std::optional<double> requestRate;   // per second
    std::optional<double> errorRatio;    // 5xx / all; none without requests
    double p50 = qQNaN();                // seconds; NaN when there is nothing to interpolate
    double p95 = qQNaN();
    double p99 = qQNaN();
    // Seconds: the gateway's own moving average where it has no histogram (HAProxy: its last
    // 1024 requests per server), weighted by the requests each server served in the window.
    double average = qQNaN();
    std::chrono::milliseconds span {0};  // the window actually covered by the data

    // The counts the SLO verdicts are judged on (models/slo.h).
    SloWindow sloWindow() const;
};

struct SloStatus
{
    WindowStats window;                  // the SLO window (5 min, or what the data covers)
    SloEvaluation evaluation;
    BurnRateEvaluation burn;

    // The group's one SLO state: the worse of the window's verdicts and the burn rates. The SLO
    // panel's row and the board's status both read this.
    SloState state() const { return worseSloState(evaluation.overall(), burn.state); }
    // Why, when it is not met: the verdicts that decide it, or the burn rate.
    QString explain() const;
};

// Turns successive scrapes of a gateway's /metrics into rates, error ratios and latency
// percentiles per route, service and backend (exactly histogram_quantile over bucket deltas),
// keeps a thinned history for SLO and burn-rate windows, and appends the live numbers to a
// TimeSeriesStore for the charts. Metric and label names come from the profile.
class MetricsAggregator
{
public:
    enum class Measure : quint8 { RequestRate, ErrorRatio, P50, P95, P99, Average };
    static constexpr int kMeasureCount = 6;
    static QString measureName(Measure m);

    explicit MetricsAggregator(TimeSeriesStore *store, MetricNames names = {},
                               std::chrono::seconds liveWindow = std::chrono::seconds(10));
    ~MetricsAggregator();

    // Parses and folds in one scrape taken at `at`. On a parse error nothing changes and the
    // error (with its line) is returned.
    std::optional<ParseError> ingest(QByteArrayView body, ExpositionFormat format, WallTime at);
    // The same for a scrape as fetched: the format from its Content-Type, the time it was received.
    // Returns a sentence saying what was wrong (unknown format, or the parse error), empty if fine.
    QString ingest(const MetricsScrape &scrape);

    QList<MetricGroup> groups() const;
    // Every service's all-backends group, by name: the rows of the SLO panel and of `cutoverctl status`.
    QList<MetricGroup> serviceGroups() const;
    bool hasGroup(const MetricGroup &group) const;
    // Numbers over the last `window` (as far as the kept history reaches).
    WindowStats stats(const MetricGroup &group, std::chrono::seconds window) const;
    SloStatus slo(const MetricGroup &group, const SloThresholds &thresholds, const BurnRatePolicy &policy = {}) const;
    // The chart series of a measure for a group. Made on first use if it was not recorded from the
    // start, and then filled from the history kept here: every scrape for the live window, 10 s
    // points for 6 minutes, 30 s points (no percentiles) for the hour.
    TimeSeriesId series(const MetricGroup &group, Measure measure);
    qsizetype scrapes() const { return m_scrapes; }
    // The window each live chart point (and so the charts' legend values) is measured over.
    std::chrono::seconds liveWindow() const { return m_liveWindow; }
    WallTime lastScrape() const { return m_lastScrape; }
    // True when the exposition has no histogram for the duration metric (no percentiles).
    bool hasLatency() const { return m_sawHistogram; }
    // True when the exposition has the average-duration gauge (MetricNames::averageDuration).
    bool hasAverageLatency() const { return m_sawAverage; }
    // Heap bytes held by the kept history of every group (an estimate from sizes and capacities;
    // the chart series are in the TimeSeriesStore and counted there).
    std::size_t historyBytes() const;

private:
    // One moment of a group: the current scrape or a kept row. A view into the group's storage,
    // valid until the aggregator next changes (an ingest, or a group made by series()).
    struct Point
    {
        WallTime time {};
        double total = 0;
        double errors = 0;
        // Running totals of Σ average × requests and Σ requests, like counters: their increase
        // over a window gives the request-weighted average over that window.
        double averageSum = 0;
        double averageWeight = 0;
        std::span<const double> bounds; // histogram bucket upper bounds, ascending
        std::span<const double> counts; // cumulative count per bound; empty without buckets
    };
    // History is thinned by age so that hundreds of services stay within the memory budget: every
    // scrape for the live window (plus 5 s), one point per 10 s (with buckets) for the board's
    // minute and the SLO window, one per 30 s (counters only) for the burn-rate hour. Each tier is
    // a ring laid out once (CounterHistory): memory stays flat however long the console runs.
    struct Group
    {
        explicit Group(MetricGroup group);
        MetricGroup id;
        CounterRow current;
        std::vector<double> currentBounds; // this scrape's buckets, by ascending bound
        std::vector<double> currentCounts;
        CounterHistory recent;
        CounterHistory mid;
        CounterHistory coarse;
        std::optional<TimeSeriesId> series[kMeasureCount];
        WallTime lastSeriesPoint {}; // when the chart series last took a point
        double scrapeAverageSum = 0;    // this scrape's share of the running totals
        double scrapeAverageWeight = 0;
    };

    int groupIndex(MetricGroup::Scope scope, const QString &name, MetricGroup::Via via);
    void mapSeries(SeriesId id);
    WindowStats between(const Point &earlier, const Point &later) const;
    std::optional<Point> pointAtOrBefore(const Group &g, WallTime t, bool needBuckets) const;
    static Point now(const Group &g);
    static Point kept(const CounterHistory &tier, std::size_t i);
    void record(Group &g);
    // Service and route series of a gateway with many of them: a point every 5 s.
    bool sparse(const MetricGroup &group) const;
    // Recorded from the first scrape, not only once a chart asks for it.
    bool eager(const MetricGroup &group, Measure measure) const;
    // Fills a new series from the history the group still keeps.
    void backfill(const Group &g, Measure measure, TimeSeriesId id);

    TimeSeriesStore *m_store;
    MetricNames m_names;
    std::chrono::seconds m_liveWindow;
    std::unique_ptr<PrometheusParser> m_parser;
    std::vector<Group> m_groups;
    QHash<QString, int> m_groupByKey;
    std::vector<std::vector<int>> m_seriesGroups; // parser SeriesId → group indices; empty = not ours
    std::vector<quint8> m_seriesKind;              // 0 unknown, 1 ignore, 2 request, 3 error request, 4 bucket, 5 average
    // Request counters and average gauges meet by their labels (route, service, backend, server):
    // a server's average weighs as much as the requests it served since the previous scrape.
    std::vector<QByteArray> m_pairKey;             // per series, for requests and averages
    QHash<QByteArray, double> m_pairRequests, m_previousPairRequests;
    qsizetype m_scrapes = 0;
    WallTime m_lastScrape {};
    bool m_sawHistogram = false;
    bool m_sawAverage = false;
};

} // namespace cutover
