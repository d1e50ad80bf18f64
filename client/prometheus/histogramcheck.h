#pragma once

#include "client/prometheus/interntable.h"
#include "client/prometheus/metricsnapshot.h"

#include <QtCore/QString>

#include <limits>
#include <vector>

namespace cutover::prom {

// The OpenMetrics rules for the buckets of histogram and gaugehistogram metric points, which
// the grammar alone cannot check: every point has a bucket with le="+Inf", buckets are
// cumulative (a bucket counts at least what every lower bucket counts) and _count/_gcount, when
// present, equals the +Inf bucket.
//
// Fed one sample at a time in exposition order. A point is a run of buckets of one metric with
// one timestamp; the buckets of a run may come in any order (only sorting is needed then), and
// _count may come before or after its buckets. Steady state does not allocate.
class HistogramCheck
{
public:
    static constexpr qint64 NoTimestamp = std::numeric_limits<qint64>::min();

    enum class Issue : quint8 { None, NoInfBucket, NotCumulative, CountMismatch };
    struct Problem
    {
        Issue issue = Issue::None;
        quint32 metric = NoIndex;
        qsizetype line = 0;     // where it became visible
        double lowerBound = 0;  // NotCumulative: the lower bucket, which counts more...
        double lowerValue = 0;
        double upperBound = 0;  // ...than this higher one
        double upperValue = 0;
        double count = 0;       // CountMismatch: _count and the +Inf bucket
        double inf = 0;
    };

    // Forgets the state of the previous scrape.
    void startScrape();
    // Forgets everything (the parser's interned metrics are gone).
    void reset();

    // Each returns false once a rule is broken; problem() says which.
    bool addBucket(quint32 metric, qint64 timestamp, double bound, double value, qsizetype line);
    bool addCount(quint32 metric, qint64 timestamp, double value, qsizetype line);
    // A sample that is neither bucket nor count (_sum, _created) ends the current run of buckets.
    bool endRun();
    // The family ends: a metric with a count must have had a +Inf bucket.
    bool endFamily();

    const Problem &problem() const { return m_problem; }

    // "histogram family \"foo\": ..." naming the metric by its labels (without "le").
    static QString describe(const Problem &problem, MetricType type, const QString &family, const QString &labels);

private:
    struct Bucket
    {
        double bound;
        double value;
        qsizetype line;
    };
    struct MetricState
    {
        quint32 stamp = 0;
        bool hasInf = false;
        bool hasCount = false;
        double inf = 0;
        double count = 0;
        qint64 infTimestamp = NoTimestamp;
        qint64 countTimestamp = NoTimestamp;
        qsizetype countLine = 0;
    };
    MetricState &state(quint32 metric);
    bool fail(Problem problem);

    quint32 m_stamp = 0;
    std::vector<MetricState> m_metrics; // by metric id
    std::vector<quint32> m_counted;     // metrics of the current family that had a count
    // The current run of buckets.
    quint32 m_runMetric = NoIndex;
    qint64 m_runTimestamp = NoTimestamp;
    bool m_ascending = true;
    bool m_descending = true;
    std::vector<Bucket> m_run;
    Problem m_problem;
};

} // namespace cutover::prom
