#include "client/prometheus/histogramcheck.h"

#include "client/prometheus/numbers.h"

#include <algorithm>
#include <cmath>

namespace cutover::prom {

void HistogramCheck::startScrape()
{
    if (++m_stamp == 0) {
        // Wrapped after 2^32 scrapes: forget old stamps so none looks current.
        for (MetricState &s : m_metrics)
            s.stamp = 0;
        m_stamp = 1;
    }
    m_counted.clear();
    m_run.clear();
    m_runMetric = NoIndex;
    m_problem = {};
}

void HistogramCheck::reset()
{
    m_metrics.clear();
    startScrape();
}

HistogramCheck::MetricState &HistogramCheck::state(quint32 metric)
{
    if (m_metrics.size() <= metric)
        m_metrics.resize(size_t(metric) + 1);
    MetricState &s = m_metrics[metric];
    if (s.stamp != m_stamp)
        s = MetricState{m_stamp};
    return s;
}

bool HistogramCheck::fail(Problem problem)
{
    m_problem = problem;
    return false;
}

bool HistogramCheck::addBucket(quint32 metric, qint64 timestamp, double bound, double value, qsizetype line)
{
    if (metric != m_runMetric || timestamp != m_runTimestamp) {
        if (!endRun())
            return false;
        m_runMetric = metric;
        m_runTimestamp = timestamp;
    }
    if (!m_run.empty()) {
        const double previous = m_run.back().bound;
        m_ascending = m_ascending && bound > previous;
        m_descending = m_descending && bound < previous;
    }
    m_run.push_back(Bucket{bound, value, line});
    if (std::isinf(bound) && bound > 0) {
        MetricState &s = state(metric);
        if (s.hasCount && s.countTimestamp == timestamp && s.count != value)
            return fail(Problem{Issue::CountMismatch, metric, line, 0, 0, 0, 0, s.count, value});
        s.hasInf = true;
        s.inf = value;
        s.infTimestamp = timestamp;
    }
    return true;
}

bool HistogramCheck::addCount(quint32 metric, qint64 timestamp, double value, qsizetype line)
{
    if (!endRun())
        return false;
    MetricState &s = state(metric);
    if (s.hasInf && s.infTimestamp == timestamp && s.inf != value)
        return fail(Problem{Issue::CountMismatch, metric, line, 0, 0, 0, 0, value, s.inf});
    if (!s.hasCount)
        m_counted.push_back(metric);
    s.hasCount = true;
    s.count = value;
    s.countTimestamp = timestamp;
    s.countLine = line;
    return true;
}

bool HistogramCheck::endRun()
{
    if (m_run.empty())
        return true;
    const quint32 metric = m_runMetric;
    m_runMetric = NoIndex;
    const bool ascending = m_ascending;
    const bool descending = m_descending;
    m_ascending = m_descending = true;
    // Exporters write buckets by increasing "le" (OpenMetrics says they MUST); any other order
    // is only sorted here, the rules are the same.
    if (descending && !ascending)
        std::reverse(m_run.begin(), m_run.end());
    else if (!ascending)
        std::sort(m_run.begin(), m_run.end(), [](const Bucket &a, const Bucket &b) { return a.bound < b.bound; });
    qsizetype lastLine = 0;
    for (const Bucket &b : m_run)
        lastLine = std::max(lastLine, b.line);
    for (size_t i = 1; i < m_run.size(); ++i) {
        const Bucket &lower = m_run[i - 1];
        const Bucket &upper = m_run[i];
        if (upper.value < lower.value) {
            const Problem problem{Issue::NotCumulative, metric, std::max(lower.line, upper.line), lower.bound,
                                  lower.value, upper.bound, upper.value, 0, 0};
            m_run.clear();
            return fail(problem);
        }
    }
    const double highest = m_run.back().bound;
    m_run.clear();
    if (!(std::isinf(highest) && highest > 0))
        return fail(Problem{Issue::NoInfBucket, metric, lastLine, 0, 0, 0, 0, 0, 0});
    return true;
}

bool HistogramCheck::endFamily()
{
    if (!endRun())
        return false;
    for (const quint32 metric : m_counted) {
        const MetricState &s = m_metrics[metric];
        if (!s.hasInf || s.infTimestamp != s.countTimestamp)
            return fail(Problem{Issue::NoInfBucket, metric, s.countLine, 0, 0, 0, 0, 0, 0});
    }
    m_counted.clear();
    return true;
}

QString HistogramCheck::describe(const Problem &problem, MetricType type, const QString &family, const QString &labels)
{
    const bool gauge = type == MetricType::GaugeHistogram;
    const QString prefix = QStringLiteral("%1 family \"%2\", metric %3: ")
                               .arg(gauge ? QStringLiteral("gaugehistogram") : QStringLiteral("histogram"), family,
                                    labels.isEmpty() ? QStringLiteral("{}") : labels);
    const auto le = [](double bound) {
        char text[64];
        const size_t size = formatBound(bound, text, sizeof text);
        return QStringLiteral("le=\"%1\"").arg(QString::fromLatin1(text, qsizetype(size)));
    };
    const auto number = [](double v) { return QString::number(v, 'f', 0); };
    switch (problem.issue) {
    case Issue::None:
        break;
    case Issue::NoInfBucket:
        return prefix + QStringLiteral("no bucket with le=\"+Inf\": OpenMetrics requires one in every metric point");
    case Issue::NotCumulative:
        return prefix + QStringLiteral("buckets are not cumulative: %1 counts %2 but the higher %3 only %4")
                            .arg(le(problem.lowerBound), number(problem.lowerValue), le(problem.upperBound),
                                 number(problem.upperValue));
    case Issue::CountMismatch:
        return prefix + QStringLiteral("%1 is %2 but the le=\"+Inf\" bucket is %3: they must be equal")
                            .arg(family + (gauge ? QStringLiteral("_gcount") : QStringLiteral("_count")),
                                 number(problem.count), number(problem.inf));
    }
    return QString();
}

} // namespace cutover::prom
