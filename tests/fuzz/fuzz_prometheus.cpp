// libFuzzer entry point for PrometheusParser. Every input is parsed in both formats, twice each
// with the same parser: the second parse goes through the interned/predicted fast path and must
// agree with the first. Any crash, sanitizer report, hang or disagreement is a finding.
#include "client/prometheus/prometheusparser.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

using namespace cutover;

namespace {

[[noreturn]] void finding()
{
    __builtin_trap();
}

bool sameSample(const Sample &a, const Sample &b)
{
    const bool sameValue = std::memcmp(&a.value, &b.value, sizeof a.value) == 0
                           || (std::isnan(a.value) && std::isnan(b.value));
    return a.series == b.series && sameValue && a.timestamp == b.timestamp;
}

void checkInvariants(const PrometheusParser &parser, bool ok, qsizetype maxLine)
{
    const MetricSnapshot &snapshot = parser.snapshot();
    if (!ok) {
        const ParseError &error = parser.error();
        if (error.line < 1 || error.line > maxLine || error.column < 1 || error.message.isEmpty())
            finding();
        if (!snapshot.samples().empty() || !snapshot.families().empty())
            finding();
        return;
    }
    if (parser.error().isError())
        finding();
    quint32 expectedBegin = 0;
    for (const MetricSnapshot::Family &family : snapshot.families()) {
        if (family.sampleBegin != expectedBegin || family.sampleEnd < family.sampleBegin)
            finding();
        expectedBegin = family.sampleEnd;
        const FamilyInfo &info = parser.family(family.id);
        for (const Sample &sample : snapshot.samples(family)) {
            const SeriesInfo &series = parser.series(sample.series);
            if (series.family != family.id || qsizetype(sample.series) >= parser.seriesCount())
                finding();
            // Touch every view so the sanitizers see any dangling storage.
            volatile char sink = 0;
            for (const Label &label : parser.labels(sample.series)) {
                if (label.name.isEmpty() || label.value.isEmpty())
                    finding();
                sink = char(sink ^ label.name.data()[0] ^ label.value.data()[label.value.size() - 1]);
            }
            if (series.name.isEmpty() || info.name.isEmpty())
                finding();
            if (series.kind == SampleKind::Bucket && std::isnan(series.bound))
                finding();
            (void)sink;
        }
    }
    if (expectedBegin != snapshot.samples().size())
        finding();
    for (const Exemplar &exemplar : snapshot.exemplars()) {
        if (exemplar.sampleIndex >= snapshot.samples().size())
            finding();
        for (const Label &label : snapshot.exemplarLabels(exemplar))
            (void)label.value.toString();
    }
}

void run(const char *data, size_t size, ExpositionFormat format)
{
    const QByteArrayView input(data, qsizetype(size));
    const qsizetype maxLine = qsizetype(std::count(data, data + size, '\n')) + 1;
    PrometheusParser parser;
    const bool first = parser.parse(input, format);
    checkInvariants(parser, first, maxLine);
    const auto firstSamples = parser.snapshot().samples();
    const std::vector<Sample> kept(firstSamples.begin(), firstSamples.end());
    const qsizetype firstLine = parser.error().line;
    const qsizetype seriesAfterFirst = parser.seriesCount();

    const bool second = parser.parse(input, format);
    checkInvariants(parser, second, maxLine);
    if (first != second || parser.error().line != firstLine)
        finding();
    if (first) {
        const auto samples = parser.snapshot().samples();
        if (samples.size() != kept.size() || parser.seriesCount() != seriesAfterFirst)
            finding();
        for (size_t i = 0; i < kept.size(); ++i) {
            if (!sameSample(samples[i], kept[i]))
                finding();
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const auto *bytes = reinterpret_cast<const char *>(data);
    run(bytes, size, ExpositionFormat::PrometheusText);
    run(bytes, size, ExpositionFormat::OpenMetrics);
    // The content-type helper sees untrusted headers too.
    (void)expositionFormatFromContentType(QByteArrayView(bytes, qsizetype(std::min<size_t>(size, 256))));
    return 0;
}
