#include "client/prometheus/familyrules.h"
#include "client/prometheus/lexer.h"
#include "client/prometheus/numbers.h"
#include "client/prometheus/parserimpl.h"
#include "client/prometheus/utf8.h"

#include <cmath>
#include <cstring>
#include <limits>

// Sample lines: the predicted fast path, value, timestamp, exemplar and the OpenMetrics value
// rules.

namespace cutover {

// ---- samples -----------------------------------------------------------------------------------

bool PrometheusParser::Impl::parseSample(const char *p, const char *eol)
{
    // Steady state: expositions repeat in the same order, so the series that followed the
    // previous one last time is checked with one memcmp before any scanning or hashing.
    if (m_predict != NoIndex && m_family != NoIndex) {
        const RawKey &raw = m_raw[m_predict];
        if (raw.family == m_family && size_t(eol - p) > raw.size && std::memcmp(p, raw.bytes, raw.size) == 0) {
            const char after = p[raw.size];
            // 0.0.4 needs no blank between '}' and the value ("m{a=\"x\"}1"), as in Prometheus.
            const bool closed = raw.bytes[raw.size - 1] == '}';
            if (after == ' ' || (!m_om && (after == '\t' || closed))) {
                if (m_om || closed) // else "name {labels}" could follow
                    return acceptSample(m_predict, p + raw.size, eol);
                const char *next = skipBlanks(p + raw.size, eol);
                if (next == eol || *next != '{')
                    return acceptSample(m_predict, p + raw.size, eol);
            }
        }
    }
    return parseSampleSlow(p, eol);
}

bool PrometheusParser::Impl::parseSampleSlow(const char *p, const char *eol)
{
    if (!is(*p, MetricStart)) {
        return fail(p, m_om ? QStringLiteral("expected a metric name or '#'")
                            : QStringLiteral("expected a metric name, a comment or an empty line"));
    }
    const char *nameEnd = p + 1;
    while (nameEnd < eol && is(*nameEnd, MetricChar))
        ++nameEnd;
    SampleKind kind;
    if (!resolveFamily(p, size_t(nameEnd - p), kind))
        return false;

    const char *brace = m_om ? nameEnd : skipBlanks(nameEnd, eol);
    const char *keyEnd = nameEnd;
    if (brace < eol && *brace == '{') {
        // Find the closing brace without decoding; full validation happens only for new keys.
        keyEnd = nullptr;
        for (const char *s = brace + 1; s < eol; ++s) {
            if (*s == '}') {
                keyEnd = s + 1;
                break;
            }
            if (*s != '"')
                continue;
            for (++s; s < eol && *s != '"'; ++s) {
                if (*s == '\\' && ++s == eol)
                    break;
            }
            if (s >= eol)
                break;
        }
        if (!keyEnd) {
            if (parseLabelSet(brace, eol))
                return fail(brace, QStringLiteral("unterminated label set: expected '}'"));
            return false;
        }
    } else {
        brace = nullptr;
    }
    if (keyEnd - p > std::numeric_limits<qint32>::max())
        return fail(p, QStringLiteral("sample key too long"));
    const auto size = size_t(keyEnd - p);
    const quint64 hash = hashBytes(p, size, m_seed ^ (quint64(m_family) * 0xD6E8FEB86659FD93ULL));
    quint32 raw = m_rawTable.find(hash, [&](quint32 i) {
        const RawKey &key = m_raw[i];
        return key.family == m_family && equalBytes(key.bytes, key.size, p, size);
    });
    if (raw == NoIndex) {
        raw = internRaw(p, nameEnd, brace, keyEnd, eol, kind, hash);
        if (raw == NoIndex)
            return false;
    }
    return acceptSample(raw, keyEnd, eol);
}

bool PrometheusParser::Impl::acceptSample(quint32 raw, const char *p, const char *eol)
{
    const quint32 seriesIndex = m_raw[raw].series;
    const char *const keyEnd = p;
    // Value.
    if (m_om) {
        if (p == eol || *p != ' ')
            return fail(p, QStringLiteral("expected a single space and the sample value after the labels"));
        ++p;
    } else {
        // After a label set the blank is optional (Prometheus's own parser agrees); after a bare
        // name it is what ends the name.
        if (p == eol)
            return fail(p, QStringLiteral("expected a sample value after the metric name"));
        if (!is(*p, Blank) && p[-1] != '}')
            return fail(p, QStringLiteral("expected a blank and the sample value after the metric name"));
        p = skipBlanks(p, eol);
    }
    const char *valueEnd = p;
    if (m_om) {
        while (valueEnd < eol && *valueEnd != ' ')
            ++valueEnd;
    } else {
        while (valueEnd < eol && !is(*valueEnd, Blank))
            ++valueEnd;
    }
    double value = 0;
    if (!parseNumber(p, valueEnd, m_om ? NumberSyntax::OmNumber : NumberSyntax::GoFloat, value)) {
        if (p == valueEnd)
            return fail(p, QStringLiteral("expected a sample value"));
        return fail(p, QStringLiteral("invalid sample value %1: expected a number, NaN, +Inf or -Inf")
                           .arg(quoted(p, size_t(valueEnd - p))));
    }
    p = valueEnd;

    // Optional timestamp (and, in OpenMetrics, exemplar).
    std::optional<std::chrono::milliseconds> timestamp;
    const char *exemplar = nullptr;
    if (m_om) {
        if (p < eol) {
            ++p; // the ' ' that ended the value
            if (p < eol && *p == '#') {
                exemplar = p;
            } else {
                const char *tsEnd = p;
                while (tsEnd < eol && *tsEnd != ' ')
                    ++tsEnd;
                double seconds = 0;
                if (!parseNumber(p, tsEnd, NumberSyntax::OmReal, seconds))
                    return fail(p, p == tsEnd ? QStringLiteral("expected a timestamp or an exemplar after the space")
                                              : QStringLiteral("invalid timestamp %1: expected seconds since the epoch")
                                                    .arg(quoted(p, size_t(tsEnd - p))));
                const double ms = std::round(seconds * 1000.0);
                if (!(std::fabs(ms) < 9.2e18))
                    return fail(p, QStringLiteral("timestamp %1 is out of range").arg(quoted(p, size_t(tsEnd - p))));
                timestamp = std::chrono::milliseconds(qint64(ms));
                p = tsEnd;
                if (p < eol) {
                    ++p;
                    if (p == eol || *p != '#')
                        return fail(p, QStringLiteral("expected an exemplar (\"# {...} value\") or the end of the line"));
                    exemplar = p;
                }
            }
        }
    } else {
        p = skipBlanks(p, eol);
        if (p < eol) {
            const char *tsEnd = p;
            while (tsEnd < eol && !is(*tsEnd, Blank))
                ++tsEnd;
            qint64 ms = 0;
            if (!parseInt64(p, tsEnd, ms))
                return fail(p, QStringLiteral("invalid timestamp %1: expected integer milliseconds since the epoch")
                                   .arg(quoted(p, size_t(tsEnd - p))));
            timestamp = std::chrono::milliseconds(ms);
            p = skipBlanks(tsEnd, eol);
            if (p != eol)
                return fail(p, QStringLiteral("unexpected text after the timestamp: expected the end of the line"));
        }
    }

    SeriesState &state = m_seriesState[seriesIndex];
    if (state.stamp == m_stamp) {
        // OpenMetrics allows several points of one series, with increasing timestamps.
        const bool laterPoint = m_om && timestamp && state.hadTimestamp
            && timestamp->count() > m_series[seriesIndex].lastTimestamp;
        if (!laterPoint)
            return fail(m_lineBegin, QStringLiteral("duplicate sample for series %1")
                                         .arg(quoted(m_lineBegin, size_t(keyEnd - m_lineBegin))));
    }
    state.stamp = m_stamp;
    state.hadTimestamp = timestamp.has_value();
    if (timestamp)
        m_series[seriesIndex].lastTimestamp = timestamp->count();
    if (m_om && !checkOmValue(m_raw[raw].kind, m_cur.type, value, keyEnd + 1))
        return false;
    if (m_om && (m_cur.type == MetricType::Histogram || m_cur.type == MetricType::GaugeHistogram)
        && !checkHistogram(m_raw[raw], value, timestamp))
        return false;

    m_snapshot.m_samples.push_back(Sample{SeriesId(seriesIndex), value, timestamp});
    if (exemplar && !parseExemplar(exemplar, eol, seriesIndex))
        return false;

    // Link the prediction chain for the next scrape and predict the next line of this one.
    if (m_prevRaw != NoIndex)
        m_raw[m_prevRaw].next = raw;
    else
        m_firstRaw = raw;
    m_prevRaw = raw;
    m_predict = m_raw[raw].next;
    return true;
}

bool PrometheusParser::Impl::checkOmValue(SampleKind kind, MetricType type, double v, const char *at)
{
    const auto shown = [v] { return QString::number(v); }; // only built on failure
    switch (kind) {
    case SampleKind::Total:
        if (std::isnan(v) || v < 0)
            return fail(at, QStringLiteral("counter total must be a non-negative number, got %1").arg(shown()));
        break;
    case SampleKind::Bucket:
    case SampleKind::Count:
    case SampleKind::GaugeCount:
        if (std::isnan(v) || v < 0 || v != std::floor(v))
            return fail(at, QStringLiteral("bucket and count values must be non-negative integers, got %1").arg(shown()));
        break;
    case SampleKind::Sum:
        if (std::isnan(v) || v < 0)
            return fail(at, QStringLiteral("%1 sum must be a non-negative number, got %2").arg(typeName(type, true), shown()));
        break;
    case SampleKind::GaugeSum:
        if (std::isnan(v))
            return fail(at, QStringLiteral("gaugehistogram _gsum must not be NaN"));
        break;
    case SampleKind::Info:
        if (v != 1)
            return fail(at, QStringLiteral("info sample value must be 1, got %1").arg(shown()));
        break;
    case SampleKind::Quantile:
        if (v < 0)
            return fail(at, QStringLiteral("quantile values must not be negative, got %1").arg(shown()));
        break;
    case SampleKind::Value:
        if (type == MetricType::StateSet && v != 0 && v != 1)
            return fail(at, QStringLiteral("stateset sample value must be 0 or 1, got %1").arg(shown()));
        break;
    case SampleKind::Created:
        break;
    }
    return true;
}

bool PrometheusParser::Impl::checkHistogram(const RawKey &raw, double value,
                                            const std::optional<std::chrono::milliseconds> &timestamp)
{
    const qint64 at = timestamp ? timestamp->count() : HistogramCheck::NoTimestamp;
    bool ok = true;
    switch (raw.kind) {
    case SampleKind::Bucket:
        ok = m_histograms.addBucket(raw.metric, at, m_series[raw.series].info.bound, value, m_line);
        break;
    case SampleKind::Count:
    case SampleKind::GaugeCount:
        ok = m_histograms.addCount(raw.metric, at, value, m_line);
        break;
    default:
        ok = m_histograms.endRun();
        break;
    }
    return ok || failHistogram();
}

bool PrometheusParser::Impl::failHistogram()
{
    const HistogramCheck::Problem &problem = m_histograms.problem();
    return failAtLine(problem.line, HistogramCheck::describe(problem, m_cur.type, QString::fromUtf8(m_cur.name, m_cur.nameSize),
                                                             metricLabelsText(problem.metric)));
}

bool PrometheusParser::Impl::parseExemplar(const char *p, const char *eol, quint32 seriesIndex)
{
    const SampleKind kind = m_series[seriesIndex].info.kind;
    if (kind != SampleKind::Total && kind != SampleKind::Bucket)
        return fail(p, QStringLiteral("exemplars are only allowed on counter _total and histogram _bucket samples"));
    if (eol - p < 3 || p[1] != ' ' || p[2] != '{')
        return fail(p, QStringLiteral("expected an exemplar \"# {labels} value\""));
    const char *end = parseLabelSet(p + 2, eol);
    if (!end)
        return false;
    size_t length = 0;
    for (const ScratchLabel &l : m_scratch)
        length += codePoints(l.name, l.nameSize) + codePoints(m_values.data() + l.valueOffset, l.valueSize);
    if (length > 128)
        return fail(p + 2, QStringLiteral("exemplar labels are %1 characters long; at most 128 are allowed").arg(length));
    for (size_t i = 0; i < m_scratch.size(); ++i) {
        for (size_t j = 0; j < i; ++j) {
            if (equalBytes(m_scratch[i].name, m_scratch[i].nameSize, m_scratch[j].name, m_scratch[j].nameSize))
                return fail(m_scratch[i].at, QStringLiteral("duplicate exemplar label name \"%1\"")
                                                 .arg(QString::fromUtf8(m_scratch[i].name, m_scratch[i].nameSize)));
        }
    }
    p = end;
    if (p == eol || *p != ' ')
        return fail(p, QStringLiteral("expected a space and the exemplar value after its labels"));
    ++p;
    const char *valueEnd = p;
    while (valueEnd < eol && *valueEnd != ' ')
        ++valueEnd;
    Exemplar exemplar;
    exemplar.sampleIndex = quint32(m_snapshot.m_samples.size() - 1);
    if (!parseNumber(p, valueEnd, NumberSyntax::OmNumber, exemplar.value))
        return fail(p, QStringLiteral("invalid exemplar value %1: expected a number").arg(quoted(p, size_t(valueEnd - p))));
    p = valueEnd;
    if (p < eol) {
        ++p;
        const char *tsEnd = p;
        while (tsEnd < eol && *tsEnd != ' ')
            ++tsEnd;
        double seconds = 0;
        if (!parseNumber(p, tsEnd, NumberSyntax::OmReal, seconds) || !(std::fabs(seconds * 1000.0) < 9.2e18))
            return fail(p, QStringLiteral("invalid exemplar timestamp %1").arg(quoted(p, size_t(tsEnd - p))));
        exemplar.timestamp = std::chrono::milliseconds(qint64(std::round(seconds * 1000.0)));
        if (tsEnd != eol)
            return fail(tsEnd, QStringLiteral("unexpected text after the exemplar timestamp"));
    }
    std::string &text = m_snapshot.m_exemplarText;
    exemplar.labelBegin = quint32(m_exemplarSpans.size());
    exemplar.labelCount = quint32(m_scratch.size());
    for (const ScratchLabel &l : m_scratch) {
        const auto nameOffset = quint32(text.size());
        text.append(l.name, l.nameSize);
        const auto valueOffset = quint32(text.size());
        text.append(m_values, l.valueOffset, l.valueSize);
        m_exemplarSpans.push_back({nameOffset, l.nameSize, valueOffset, l.valueSize});
    }
    m_snapshot.m_exemplars.push_back(exemplar);
    return true;
}

} // namespace cutover
