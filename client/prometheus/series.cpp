#include "client/prometheus/familyrules.h"
#include "client/prometheus/lexer.h"
#include "client/prometheus/numbers.h"
#include "client/prometheus/parserimpl.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>

// Label sets and the interning of a new sample key into family, series and metric records.

namespace cutover {

// Parses "{...}" strictly into m_scratch/m_values; returns the position after '}' or nullptr.
const char *PrometheusParser::Impl::parseLabelSet(const char *p, const char *eol)
{
    m_scratch.clear();
    m_values.clear();
    ++p; // '{'
    if (!m_om)
        p = skipBlanks(p, eol);
    if (p < eol && *p == '}')
        return p + 1;
    for (;;) {
        const char *name = p;
        if (p == eol || !is(*p, LabelStart)) {
            fail(p, m_scratch.empty() ? QStringLiteral("expected a label name or '}'")
                                      : QStringLiteral("expected a label name after ','"));
            return nullptr;
        }
        while (p < eol && is(*p, LabelChar))
            ++p;
        const auto nameSize = size_t(p - name);
        const auto shownName = [&] { return QString::fromUtf8(name, qsizetype(nameSize)); };
        if (!m_om)
            p = skipBlanks(p, eol);
        if (p == eol || *p != '=') {
            fail(p, QStringLiteral("expected '=' after label name \"%1\"").arg(shownName()));
            return nullptr;
        }
        ++p;
        if (!m_om)
            p = skipBlanks(p, eol);
        if (p == eol || *p != '"') {
            fail(p, QStringLiteral("expected '\"' to open the value of label \"%1\"").arg(shownName()));
            return nullptr;
        }
        const char *value = ++p;
        const char *valueEnd = value;
        while (valueEnd < eol && *valueEnd != '"') {
            if (*valueEnd == '\\' && valueEnd + 1 < eol)
                ++valueEnd;
            ++valueEnd;
        }
        if (valueEnd >= eol) {
            fail(value - 1, QStringLiteral("unterminated value of label \"%1\": expected a closing '\"'").arg(shownName()));
            return nullptr;
        }
        const size_t offset = m_values.size();
        if (!decodeLabelValue(value, valueEnd, name, nameSize))
            return nullptr;
        m_values.append(m_text);
        m_scratch.push_back(ScratchLabel{name, quint32(nameSize), quint32(offset), quint32(m_text.size()), name});
        p = valueEnd + 1;
        if (!m_om)
            p = skipBlanks(p, eol);
        if (p < eol && *p == ',') {
            ++p;
            if (!m_om)
                p = skipBlanks(p, eol);
            if (p < eol && *p == '}') {
                if (m_om) {
                    fail(p - 1, QStringLiteral("trailing ',' before '}' is not allowed in OpenMetrics"));
                    return nullptr;
                }
                return p + 1;
            }
            continue;
        }
        if (p < eol && *p == '}')
            return p + 1;
        fail(p, QStringLiteral("expected ',' or '}' after the value of label \"%1\"").arg(shownName()));
        return nullptr;
    }
}

// Decodes a label value into m_text; errors name the label.
bool PrometheusParser::Impl::decodeLabelValue(const char *p, const char *e, const char *name, size_t nameSize)
{
    const EscapeError error =
        prom::decodeEscapes(p, e, m_text, m_om ? EscapeRules::OpenMetrics : EscapeRules::TextLabelValue, false);
    if (!error)
        return true;
    const QString label = QString::fromUtf8(name, qsizetype(nameSize));
    if (error.problem == EscapeError::InvalidUtf8)
        return fail(error.at, QStringLiteral("value of label \"%1\" is %2").arg(label, error.message));
    return fail(error.at, QStringLiteral("in the value of label \"%1\": %2").arg(label, error.message));
}

quint32 PrometheusParser::Impl::internRaw(const char *begin, const char *nameEnd, const char *brace,
                                          const char *keyEnd, const char *eol, SampleKind kind, quint64 hash)
{
    if (brace) {
        const char *end = parseLabelSet(brace, eol);
        if (!end)
            return NoIndex;
        if (end != keyEnd) {
            fail(brace, QStringLiteral("malformed label set"));
            return NoIndex;
        }
    } else {
        m_scratch.clear();
        m_values.clear();
    }
    const MetricType type = m_cur.type;
    const auto nameSize = size_t(nameEnd - begin);
    auto labelName = [](const ScratchLabel &l) { return std::string_view(l.name, l.nameSize); };
    std::sort(m_scratch.begin(), m_scratch.end(),
              [&](const ScratchLabel &a, const ScratchLabel &b) { return labelName(a) < labelName(b); });
    for (size_t i = 1; i < m_scratch.size(); ++i) {
        if (labelName(m_scratch[i]) == labelName(m_scratch[i - 1])) {
            fail(m_scratch[i].at, QStringLiteral("duplicate label name \"%1\"")
                                      .arg(QString::fromUtf8(m_scratch[i].name, m_scratch[i].nameSize)));
            return NoIndex;
        }
    }
    // An empty label value means the label is absent (Prometheus data model).
    std::erase_if(m_scratch, [](const ScratchLabel &l) { return l.valueSize == 0; });

    const bool histogram = type == MetricType::Histogram || type == MetricType::GaugeHistogram;
    const std::string_view boundLabel = kind == SampleKind::Bucket ? "le" : kind == SampleKind::Quantile ? "quantile" : "";
    double bound = std::numeric_limits<double>::quiet_NaN();
    char boundText[64];
    size_t boundTextSize = 0;
    const ScratchLabel *boundScratch = nullptr;
    for (const ScratchLabel &l : m_scratch) {
        const std::string_view n = labelName(l);
        if (!boundLabel.empty() && n == boundLabel) {
            boundScratch = &l;
            const char *v = m_values.data() + l.valueOffset;
            const bool ok = parseNumber(v, v + l.valueSize, m_om ? NumberSyntax::OmNumber : NumberSyntax::GoFloat, bound);
            if (!ok || std::isnan(bound) || (kind == SampleKind::Quantile && (bound < 0 || bound > 1))) {
                fail(l.at, kind == SampleKind::Bucket
                               ? QStringLiteral("invalid \"le\" value %1: expected a number or +Inf").arg(quoted(v, l.valueSize))
                               : QStringLiteral("invalid \"quantile\" value %1: expected a number from 0 to 1")
                                     .arg(quoted(v, l.valueSize)));
                return NoIndex;
            }
            boundTextSize = formatBound(bound, boundText, sizeof boundText);
        } else if ((histogram && n == "le") || (type == MetricType::Summary && n == "quantile")) {
            fail(l.at, QStringLiteral("only %1 samples may have a \"%2\" label")
                           .arg(histogram ? QStringLiteral("_bucket") : QStringLiteral("quantile"),
                                QString::fromUtf8(n.data(), qsizetype(n.size()))));
            return NoIndex;
        }
    }
    if (!boundLabel.empty() && !boundScratch) {
        fail(begin, QStringLiteral("%1 sample %2 needs a \"%3\" label")
                        .arg(typeName(type, m_om), quoted(begin, nameSize),
                             QString::fromLatin1(boundLabel.data(), qsizetype(boundLabel.size()))));
        return NoIndex;
    }
    if (m_om && type == MetricType::StateSet) {
        const std::string_view family(m_cur.name, m_cur.nameSize);
        if (std::none_of(m_scratch.begin(), m_scratch.end(), [&](const ScratchLabel &l) { return labelName(l) == family; })) {
            fail(begin, QStringLiteral("stateset sample needs a label named after its family %1").arg(quoted(m_cur.name, m_cur.nameSize)));
            return NoIndex;
        }
    }

    // Canonical key: length-prefixed name and sorted labels; "le"/"quantile" as canonical numbers.
    m_key.clear();
    m_metricKey.clear();
    m_keyValueOffsets.clear();
    appendU32(m_key, nameSize);
    m_key.append(begin, nameSize);
    appendU32(m_key, m_scratch.size());
    appendU32(m_metricKey, m_scratch.size() - (boundScratch ? 1 : 0));
    for (const ScratchLabel &l : m_scratch) {
        const char *value = &l == boundScratch ? boundText : m_values.data() + l.valueOffset;
        const size_t valueSize = &l == boundScratch ? boundTextSize : l.valueSize;
        appendU32(m_key, l.nameSize);
        m_keyValueOffsets.push_back(m_key.size());
        m_key.append(l.name, l.nameSize);
        appendU32(m_key, valueSize);
        m_keyValueOffsets.push_back(m_key.size());
        m_key.append(value, valueSize);
        if (&l != boundScratch) {
            appendU32(m_metricKey, l.nameSize);
            m_metricKey.append(l.name, l.nameSize);
            appendU32(m_metricKey, valueSize);
            m_metricKey.append(value, valueSize);
        }
    }

    const quint64 familySeed = m_seed ^ (quint64(m_family) * 0xD6E8FEB86659FD93ULL);
    const quint64 seriesHash = hashBytes(m_key.data(), m_key.size(), familySeed ^ 0x5851F42D4C957F2DULL);
    quint32 series = m_seriesTable.find(seriesHash, [&](quint32 i) {
        const SeriesRecord &s = m_series[i];
        return quint32(s.info.family) == m_family && equalBytes(s.key, s.keySize, m_key.data(), m_key.size());
    });
    if (series == NoIndex) {
        if (m_series.size() >= m_limit) {
            fail(begin, QStringLiteral("more than %1 series: raise PrometheusParser::setSeriesLimit() if this is expected")
                            .arg(m_limit));
            return NoIndex;
        }
        const quint32 metric = internMetric(m_family);
        const char *key = m_arena.store(m_key.data(), m_key.size());
        SeriesRecord record{};
        record.info.name = QUtf8StringView(key + 4, qsizetype(nameSize));
        record.info.family = FamilyId(m_family);
        record.info.metric = MetricId(metric);
        record.info.kind = kind;
        record.info.bound = bound;
        record.key = key;
        record.keySize = quint32(m_key.size());
        record.labelBegin = quint32(m_labels.size());
        record.labelCount = quint32(m_scratch.size());
        for (size_t i = 0; i < m_scratch.size(); ++i) {
            const size_t nameOffset = m_keyValueOffsets[2 * i];
            const size_t valueOffset = m_keyValueOffsets[2 * i + 1];
            quint32 valueSize;
            std::memcpy(&valueSize, key + valueOffset - 4, 4);
            m_labels.push_back(Label{QUtf8StringView(key + nameOffset, qsizetype(m_scratch[i].nameSize)),
                                     QUtf8StringView(key + valueOffset, qsizetype(valueSize))});
        }
        series = quint32(m_series.size());
        m_series.push_back(record);
        m_seriesState.emplace_back();
        m_seriesTable.insert(seriesHash, series);
        if (kind == SampleKind::Bucket) {
            std::vector<double> &bounds = m_families[m_family].bounds;
            const auto it = std::lower_bound(bounds.begin(), bounds.end(), bound);
            if (it == bounds.end() || *it != bound)
                bounds.insert(it, bound);
        }
    }

    if (m_raw.size() >= 4 * m_limit) {
        fail(begin, QStringLiteral("too many distinct spellings of series keys"));
        return NoIndex;
    }
    const auto rawSize = size_t(keyEnd - begin);
    const auto raw = quint32(m_raw.size());
    m_raw.push_back(RawKey{m_arena.store(begin, rawSize), quint32(rawSize), m_family, series, NoIndex,
                          quint32(m_series[series].info.metric), kind});
    m_rawTable.insert(hash, raw);
    return raw;
}

quint32 PrometheusParser::Impl::internMetric(quint32 family)
{
    const quint64 hash = hashBytes(m_metricKey.data(), m_metricKey.size(), m_seed ^ (quint64(family) * 0xA0761D6478BD642FULL));
    quint32 metric = m_metricTable.find(hash, [&](quint32 i) {
        const MetricRecord &m = m_metrics[i];
        return m.family == family && equalBytes(m.key, m.keySize, m_metricKey.data(), m_metricKey.size());
    });
    if (metric == NoIndex) {
        metric = quint32(m_metrics.size());
        m_metrics.push_back(MetricRecord{m_arena.store(m_metricKey.data(), m_metricKey.size()),
                                         quint32(m_metricKey.size()), family});
        m_metricTable.insert(hash, metric);
    }
    return metric;
}

// "{a=\"x\",b=\"y\"}" of a metric (its labels without "le"/"quantile"), for error messages.
QString PrometheusParser::Impl::metricLabelsText(quint32 metric) const
{
    if (metric >= m_metrics.size())
        return QString();
    const MetricRecord &record = m_metrics[metric];
    const char *p = record.key;
    const auto next = [&p] {
        quint32 v;
        std::memcpy(&v, p, sizeof v);
        p += sizeof v;
        return v;
    };
    QString out(u'{');
    const quint32 count = next();
    for (quint32 i = 0; i < count; ++i) {
        const quint32 nameSize = next();
        const QString name = QString::fromUtf8(p, qsizetype(nameSize));
        p += nameSize;
        const quint32 valueSize = next();
        QString value = QString::fromUtf8(p, qsizetype(valueSize));
        p += valueSize;
        value.replace(u'\\', QStringLiteral("\\\\")).replace(u'"', QStringLiteral("\\\"")).replace(u'\n', QStringLiteral("\\n"));
        if (i > 0)
            out += u',';
        out += name + QStringLiteral("=\"") + value + u'"';
    }
    return out + u'}';
}

} // namespace cutover
