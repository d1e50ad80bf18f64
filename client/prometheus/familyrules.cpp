#include "client/prometheus/familyrules.h"

#include "client/prometheus/lexer.h"

namespace cutover::prom {

std::span<const SuffixRule> suffixRules(MetricType type, bool openMetrics)
{
    using K = SampleKind;
    static constexpr SuffixRule value[] = {{"", K::Value}};
    static constexpr SuffixRule textCounter[] = {{"", K::Total}};
    static constexpr SuffixRule omCounter[] = {{"_total", K::Total}, {"_created", K::Created}};
    static constexpr SuffixRule textHistogram[] = {{"_bucket", K::Bucket}, {"_count", K::Count}, {"_sum", K::Sum}};
    static constexpr SuffixRule omHistogram[] = {
        {"_bucket", K::Bucket}, {"_count", K::Count}, {"_sum", K::Sum}, {"_created", K::Created}};
    static constexpr SuffixRule gaugeHistogram[] = {
        {"_bucket", K::Bucket}, {"_gcount", K::GaugeCount}, {"_gsum", K::GaugeSum}};
    static constexpr SuffixRule textSummary[] = {{"", K::Quantile}, {"_count", K::Count}, {"_sum", K::Sum}};
    static constexpr SuffixRule omSummary[] = {
        {"", K::Quantile}, {"_count", K::Count}, {"_sum", K::Sum}, {"_created", K::Created}};
    static constexpr SuffixRule info[] = {{"_info", K::Info}};
    switch (type) {
    case MetricType::Counter:
        return openMetrics ? std::span<const SuffixRule>(omCounter) : std::span<const SuffixRule>(textCounter);
    case MetricType::Histogram:
        return openMetrics ? std::span<const SuffixRule>(omHistogram) : std::span<const SuffixRule>(textHistogram);
    case MetricType::GaugeHistogram:
        return gaugeHistogram;
    case MetricType::Summary:
        return openMetrics ? std::span<const SuffixRule>(omSummary) : std::span<const SuffixRule>(textSummary);
    case MetricType::Info:
        return info;
    case MetricType::Unknown:
    case MetricType::Gauge:
    case MetricType::StateSet:
        break;
    }
    return value;
}

QString typeName(MetricType type, bool openMetrics)
{
    switch (type) {
    case MetricType::Unknown:
        return openMetrics ? QStringLiteral("unknown") : QStringLiteral("untyped");
    case MetricType::Counter:
        return QStringLiteral("counter");
    case MetricType::Gauge:
        return QStringLiteral("gauge");
    case MetricType::Histogram:
        return QStringLiteral("histogram");
    case MetricType::GaugeHistogram:
        return QStringLiteral("gaugehistogram");
    case MetricType::Summary:
        return QStringLiteral("summary");
    case MetricType::Info:
        return QStringLiteral("info");
    case MetricType::StateSet:
        return QStringLiteral("stateset");
    }
    return QString();
}

std::optional<MetricType> parseType(const char *p, size_t n, bool openMetrics)
{
    struct Entry
    {
        std::string_view text;
        MetricType type;
        bool text004;
    };
    static constexpr Entry entries[] = {
        {"counter", MetricType::Counter, true},   {"gauge", MetricType::Gauge, true},
        {"histogram", MetricType::Histogram, true}, {"summary", MetricType::Summary, true},
        {"untyped", MetricType::Unknown, true},   {"unknown", MetricType::Unknown, false},
        {"gaugehistogram", MetricType::GaugeHistogram, false}, {"stateset", MetricType::StateSet, false},
        {"info", MetricType::Info, false},
    };
    for (const Entry &entry : entries) {
        if (equalText(p, n, entry.text)) {
            if (openMetrics ? entry.text == "untyped" : !entry.text004)
                return std::nullopt;
            return entry.type;
        }
    }
    return std::nullopt;
}

} // namespace cutover::prom
