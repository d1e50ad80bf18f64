#pragma once

#include <QtCore/QString>
#include <QtCore/QUtf8StringView>

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace cutover {

// Which text exposition the bytes are in; chosen by the caller from the Content-Type header
// (see expositionFormatFromContentType() in contenttype.h).
enum class ExpositionFormat : quint8 {
    PrometheusText, // text/plain; version=0.0.4
    OpenMetrics,    // application/openmetrics-text; version=1.0.0
};

// A metric family's TYPE. Unknown is also what Prometheus 0.0.4 calls "untyped".
enum class MetricType : quint8 {
    Unknown,
    Counter,
    Gauge,
    Histogram,
    GaugeHistogram,
    Summary,
    Info,
    StateSet,
};

// What one sample is within its family, i.e. which suffix its metric name carries.
enum class SampleKind : quint8 {
    Value,      // gauge, unknown/untyped and stateset samples (no suffix)
    Total,      // counter value: "_total" in OpenMetrics, the bare name in 0.0.4
    Created,    // "_created"
    Bucket,     // "_bucket" with an "le" label
    Count,      // "_count"
    Sum,        // "_sum"
    GaugeCount, // "_gcount"
    GaugeSum,   // "_gsum"
    Quantile,   // summary sample with a "quantile" label (no suffix)
    Info,       // "_info"
};

// Strong ids: small integers handed out by PrometheusParser and stable for its lifetime
// (until PrometheusParser::reset()).
enum class FamilyId : quint32 {};
enum class SeriesId : quint32 {};
// A metric is a family plus its labels without "le"/"quantile": the buckets, sum and count of
// one histogram share a MetricId, which is what histogram_quantile() groups by.
enum class MetricId : quint32 {};

// One label, unescaped UTF-8. The views point into storage owned by the parser.
struct Label
{
    QUtf8StringView name;
    QUtf8StringView value;
};

struct FamilyInfo
{
    QUtf8StringView name; // family name from the metadata, e.g. "foo" for "foo_total"
    MetricType type = MetricType::Unknown;
    QString help; // unescaped; empty when the last scrape had no HELP
    QString unit; // OpenMetrics UNIT; empty when absent
};

struct SeriesInfo
{
    QUtf8StringView name; // sample metric name as exposed, e.g. "foo_bucket"
    FamilyId family{};
    MetricId metric{};
    SampleKind kind = SampleKind::Value;
    // The numeric "le" of a Bucket or "quantile" of a Quantile sample ("1", "1.0" and "1e0" are
    // the same bucket); NaN for other kinds.
    double bound = 0.0;
};

struct Sample
{
    SeriesId series{};
    double value = 0.0;
    // Both formats are normalised to milliseconds since the epoch: 0.0.4 sends integer ms,
    // OpenMetrics sends float seconds (rounded to the nearest ms here).
    std::optional<std::chrono::milliseconds> timestamp;
};

struct Exemplar
{
    quint32 sampleIndex = 0; // index into MetricSnapshot::samples()
    double value = 0.0;
    std::optional<std::chrono::milliseconds> timestamp;
    quint32 labelBegin = 0; // private to MetricSnapshot::exemplarLabels()
    quint32 labelCount = 0;
};

struct ParseError
{
    qsizetype line = 0;   // 1-based; 0 means "no error"
    qsizetype column = 0; // 1-based byte column within the line
    QString message;      // says what was expected, e.g. "expected '=' after label name \"a\""

    bool isError() const { return line > 0; }
    // "line 3, column 7: expected ..."
    QString toString() const;
};

// The output of one scrape: families in exposition order, each owning a contiguous range of
// samples. Filled by PrometheusParser into reused vectors, so a steady-state scrape does not
// allocate. Everything in it is valid until the next PrometheusParser::parse().
class MetricSnapshot
{
public:
    struct Family
    {
        FamilyId id{};
        quint32 sampleBegin = 0;
        quint32 sampleEnd = 0;
    };

    ExpositionFormat format() const { return m_format; }
    bool isEmpty() const { return m_families.empty(); }

    std::span<const Family> families() const { return m_families; }
    std::span<const Sample> samples() const { return m_samples; }
    std::span<const Sample> samples(const Family &family) const;
    std::span<const Exemplar> exemplars() const { return m_exemplars; }
    std::span<const Label> exemplarLabels(const Exemplar &exemplar) const;

private:
    friend class PrometheusParser; // the only producer

    void clear();

    ExpositionFormat m_format = ExpositionFormat::PrometheusText;
    std::vector<Family> m_families;
    std::vector<Sample> m_samples;
    std::vector<Exemplar> m_exemplars;
    std::vector<Label> m_exemplarLabels;
    std::string m_exemplarText; // unescaped exemplar label bytes the labels point into
};

} // namespace cutover
