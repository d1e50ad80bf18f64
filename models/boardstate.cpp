#include "boardstate.h"

#include "client/logsource.h"
#include "client/poller.h"
#include "models/logstore.h"
#include "models/servicemodel.h"
#include "models/slomodel.h"

namespace cutover {

BoardState::BoardState(QObject *parent)
    : QObject(parent)
    , m_services(new ServiceModel(this))
    , m_slo(new SloModel(this))
    , m_series(std::make_unique<TimeSeriesStore>())
    , m_metrics(std::make_unique<MetricsAggregator>(m_series.get()))
    , m_logs(std::make_unique<LogStore>(kLogBudget))
{
    for (QTimer *t : {&m_metricsCoalesce, &m_logsCoalesce}) {
        t->setSingleShot(true);
        t->setInterval(kFrameInterval);
    }
    connect(&m_metricsCoalesce, &QTimer::timeout, this, &BoardState::metricsUpdated);
    connect(&m_logsCoalesce, &QTimer::timeout, this, &BoardState::logsAppended);
}

BoardState::~BoardState() = default;

void BoardState::attach(Poller *poller, LogSource *logs)
{
    m_poller = poller;
    m_logSource = logs;
    if (poller) {
        connect(poller, &Poller::sourceStateChanged, this, &BoardState::sourceStateChanged);
        connect(poller, &Poller::healthUpdated, m_services, &ServiceModel::apply);
        connect(poller, &Poller::metricsUpdated, this, &BoardState::ingestMetrics);
    }
    if (logs) {
        connect(logs, &LogSource::linesReceived, this, &BoardState::ingestLogs);
        connect(logs, &LogSource::gap, this, [this](LogId from, LogId to, quint64 missed) {
            m_logs->appendGap(LogGap {from, to, missed > 0});
            if (!m_logsCoalesce.isActive())
                m_logsCoalesce.start();
        });
        // The lines so far stay, under a marker that says they are from the previous instance.
        connect(logs, &LogSource::gatewayRestarted, this, [this](const QString &description) {
            const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
            m_logs->appendRestart(tr("Gateway restarted (%1). The lines above are from the previous instance; "
                                     "its log starts again below.")
                                      .arg(description),
                                  now);
            if (!m_logsCoalesce.isActive())
                m_logsCoalesce.start();
        });
    }
}

void BoardState::setProfile(const Profile &profile)
{
    m_profile = profile;
    // Other metric names mean other series: start the aggregation afresh.
    m_series = std::make_unique<TimeSeriesStore>();
    m_metrics = std::make_unique<MetricsAggregator>(m_series.get(), profile.metrics);
}

const SourceState *BoardState::sourceState(Source source) const
{
    return m_poller ? &m_poller->state(source) : nullptr;
}

SloThresholds BoardState::sloThresholds() const
{
    return sloThresholdsFor(m_profile.slo);
}

void BoardState::select(const MetricGroup &group)
{
    if (group == m_selection)
        return;
    m_selection = group;
    Q_EMIT selectionChanged(m_selection);
}

void BoardState::ingestMetrics(const MetricsScrape &scrape)
{
    QString problem = m_metrics->ingest(scrape);
    if (problem.isEmpty()) {
        updateServiceStats();
        m_slo->refresh(*m_metrics, sloThresholds());
        Q_EMIT metricsIngested();
    } else {
        // A body that does not parse is a failed scrape: the source goes stale with the parser's
        // words, and "last good update" stays at the last scrape that parsed.
        if (m_poller) {
            ApiError e;
            e.kind = ApiError::Kind::Malformed;
            e.endpoint = QStringLiteral("GET /metrics");
            e.message = problem;
            m_poller->rejectUpdate(Source::Metrics, std::move(e));
        }
        problem = tr("metrics: %1").arg(problem);
    }
    if (problem != m_metricsProblem) {
        m_metricsProblem = problem;
        Q_EMIT metricsProblemChanged(problem);
    }
    if (!m_metricsCoalesce.isActive())
        m_metricsCoalesce.start();
}

void BoardState::ingestLogs(const QList<LogLine> &lines)
{
    m_logs->append(lines);
    if (!m_logsCoalesce.isActive())
        m_logsCoalesce.start();
}

void BoardState::updateServiceStats()
{
    const SloThresholds thresholds = sloThresholds();
    for (int row = 0; row < m_services->rowCount(); ++row) {
        const ServiceHealth &s = m_services->service(row);
        // The gateway row shows the overall numbers; services their own, whichever backend served them.
        const MetricGroup group = s.kind == ServiceKind::Gateway
            ? MetricGroup {MetricGroup::Scope::Overall, QString(), MetricGroup::Via::All}
            : s.kind == ServiceKind::Monolith ? MetricGroup {MetricGroup::Scope::Overall, QString(), MetricGroup::Via::Monolith}
                                              : MetricGroup {MetricGroup::Scope::Service, s.name, MetricGroup::Via::All};
        if (!m_metrics->hasGroup(group)) {
            m_services->setStats(row, std::nullopt);
            continue;
        }
        ServiceStats stats;
        const WindowStats w = m_metrics->stats(group, ServiceModel::kLiveWindow);
        stats.requestRate = w.requestRate;
        stats.errorRatio = w.errorRatio;
        stats.span = w.span;
        if (!std::isnan(w.p95))
            stats.p95Ms = w.p95 * 1000.0;
        if (!std::isnan(w.average))
            stats.averageMs = w.average * 1000.0;
        stats.errorVerdict = judgeErrorRate(w.sloWindow(), thresholds);
        stats.latencyVerdict = judgeLatency(w.sloWindow(), thresholds);
        stats.slo = m_metrics->slo(group, thresholds);
        const TimeSeriesId rps = m_metrics->series(group, MetricsAggregator::Measure::RequestRate);
        const auto points = m_series->points(rps);
        const qsizetype n = std::min<qsizetype>(qsizetype(points.size()), 60);
        stats.trend.reserve(n);
        for (qsizetype i = qsizetype(points.size()) - n; i < qsizetype(points.size()); ++i)
            stats.trend.append(float(points[std::size_t(i)].value));
        m_services->setStats(row, std::move(stats));
    }
}

} // namespace cutover
