#pragma once

#include "client/domain.h"
#include "client/logline.h"
#include "client/prometheus/metricsnapshot.h"
#include "client/profile.h"
#include "models/metricsaggregator.h"
#include "models/slo.h"
#include "models/timeseriesstore.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

#include <memory>

namespace cutover {

class LogStore;
class LogSource;
class Poller;
enum class Source; // client/poller.h
struct SourceState; // client/poller.h
class ServiceModel;
class SloModel;
struct MetricsScrape;

// Everything the board shows, fed by the poller and the log stream: the service list with live
// numbers, the SLO rows, the metrics aggregator and its time series, the log store and the
// selection. Widgets read from here and listen to its signals; nothing here knows a widget.
// Updates are coalesced: however fast data arrives, `metricsUpdated` and `logsAppended` fire at
// most once per frame interval. It holds the board's own data only: the routes, flags, audit,
// rollback and identity models are made by the wiring (app/) and given to whoever uses them.
class BoardState : public QObject
{
    Q_OBJECT

public:
    explicit BoardState(QObject *parent = nullptr);
    ~BoardState() override;

    // Connects to the data sources (neither is owned; the log stream may be null).
    void attach(Poller *poller, LogSource *logs);
    void setProfile(const Profile &profile);
    const Profile &profile() const { return m_profile; }
    SloThresholds sloThresholds() const;

    ServiceModel *services() const { return m_services; }
    SloModel *slo() const { return m_slo; }
    MetricsAggregator *metrics() const { return m_metrics.get(); }
    TimeSeriesStore *series() const { return m_series.get(); }
    LogStore *logs() const { return m_logs.get(); }
    // The log tail's memory, whatever the rate: ~200,000 lines of a typical gateway (docs/performance.md).
    static constexpr std::size_t kLogBudget = 32 * 1024 * 1024;
    // The attached log stream (its connection state is shown with the lines); null before.
    LogSource *logSource() const { return m_logSource; }
    // The attached poller's freshness of `source`; null before a poller is attached.
    const SourceState *sourceState(Source source) const;

    // What the charts and the log filter follow: a service, a route, or everything.
    void select(const MetricGroup &group);
    const MetricGroup &selection() const { return m_selection; }

    // Last metrics problem (parse error or unknown format), empty when the last scrape was fine.
    QString metricsProblem() const { return m_metricsProblem; }

    // Feed a scrape directly (the poller does this; tests and benchmarks may too).
    void ingestMetrics(const MetricsScrape &scrape);
    void ingestLogs(const QList<LogLine> &lines);

    static constexpr std::chrono::milliseconds kFrameInterval {50};

Q_SIGNALS:
    void metricsUpdated();
    void logsAppended();
    void selectionChanged(const cutover::MetricGroup &group);
    void metricsProblemChanged(const QString &problem);
    // A scrape was taken in (not coalesced): for models that read the aggregator on each one.
    void metricsIngested();
    // The attached poller's freshness for `source` changed (Poller::sourceStateChanged): panels
    // made before the poller exists follow it from here.
    void sourceStateChanged(cutover::Source source);

private:
    void updateServiceStats();

    Profile m_profile;
    ServiceModel *m_services;
    SloModel *m_slo;
    std::unique_ptr<TimeSeriesStore> m_series;
    std::unique_ptr<MetricsAggregator> m_metrics;
    std::unique_ptr<LogStore> m_logs;
    QPointer<Poller> m_poller;
    LogSource *m_logSource = nullptr;
    MetricGroup m_selection;
    QString m_metricsProblem;
    QTimer m_metricsCoalesce;
    QTimer m_logsCoalesce;
};

} // namespace cutover
