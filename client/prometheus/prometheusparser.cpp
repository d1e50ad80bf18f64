#include "client/prometheus/prometheusparser.h"

#include "client/prometheus/lexer.h"
#include "client/prometheus/parserimpl.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

// The parse loop and the public API. Metadata and families: metadata.cpp; samples: samples.cpp;
// label sets and series interning: series.cpp.

namespace cutover {

bool PrometheusParser::Impl::fail(const char *at, const QString &message)
{
    m_error.line = std::max<qsizetype>(m_line, 1);
    m_error.column = (at && m_lineBegin && at >= m_lineBegin) ? qsizetype(at - m_lineBegin) + 1 : 1;
    m_error.message = message;
    return false;
}

bool PrometheusParser::Impl::failAtLine(qsizetype line, const QString &message)
{
    m_error.line = std::max<qsizetype>(line, 1);
    m_error.column = 1;
    m_error.message = message;
    return false;
}

void PrometheusParser::Impl::nextStamp()
{
    if (++m_stamp == 0) {
        // Wrapped after 2^32 scrapes: forget old stamps so none looks current.
        for (NameRecord &n : m_names)
            n.stamp = 0;
        for (SeriesState &s : m_seriesState)
            s.stamp = 0;
        m_stamp = 1;
    }
}

void PrometheusParser::Impl::resetTables()
{
    m_names.clear();
    m_families.clear();
    m_series.clear();
    m_seriesState.clear();
    m_metrics.clear();
    m_raw.clear();
    m_labels.clear();
    m_nameTable.clear();
    m_familyTable.clear();
    m_seriesTable.clear();
    m_metricTable.clear();
    m_rawTable.clear();
    m_arena.clear();
    m_histograms.reset();
    m_firstRaw = NoIndex;
    m_snapshot.clear();
    m_error = {};
}

bool PrometheusParser::Impl::parse(QByteArrayView data, ExpositionFormat format)
{
    m_snapshot.clear();
    m_snapshot.m_format = format;
    m_exemplarSpans.clear();
    m_error = {};
    m_om = format == ExpositionFormat::OpenMetrics;
    nextStamp();
    m_histograms.startScrape();
    m_cur = {};
    m_family = NoIndex;
    m_prevRaw = NoIndex;
    m_predict = m_firstRaw;
    m_line = 0;
    m_lineBegin = data.data();

    bool ok = parseLines(data.data(), data.data() + data.size());
    if (ok)
        ok = closeFamily();
    if (!ok) {
        m_snapshot.clear();
        m_exemplarSpans.clear();
        return false;
    }
    // Exemplar label views are made only now: the text buffer may have moved while parsing.
    const char *text = m_snapshot.m_exemplarText.data();
    for (const auto &span : m_exemplarSpans) {
        m_snapshot.m_exemplarLabels.push_back(Label{QUtf8StringView(text + span[0], qsizetype(span[1])),
                                                    QUtf8StringView(text + span[2], qsizetype(span[3]))});
    }
    return true;
}

bool PrometheusParser::Impl::parseLines(const char *p, const char *end)
{
    if (end - p >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        m_line = 1;
        return fail(p, QStringLiteral("unexpected UTF-8 byte order mark at the start of the exposition"));
    }
    while (p < end) {
        ++m_line;
        m_lineBegin = p;
        const char *eol = static_cast<const char *>(std::memchr(p, '\n', size_t(end - p)));
        const bool terminated = eol != nullptr;
        if (!terminated)
            eol = end;
        if (eol > p && eol[-1] == '\r')
            return fail(eol - 1, QStringLiteral("carriage return before the line feed: lines must end with \\n only"));

        if (m_om) {
            if (p == eol)
                return fail(p, QStringLiteral("empty line: OpenMetrics does not allow empty lines"));
            if (*p == '#') {
                if (equalText(p, size_t(eol - p), "# EOF")) {
                    if (terminated && eol + 1 < end) {
                        ++m_line;
                        m_lineBegin = eol + 1;
                        return fail(eol + 1, QStringLiteral("unexpected content after \"# EOF\": it must end the exposition"));
                    }
                    return true;
                }
                if (!terminated)
                    return fail(eol, QStringLiteral("unexpected end of input: the line has no line feed and no \"# EOF\" follows (truncated exposition?)"));
                if (!parseOmDescriptor(p, eol))
                    return false;
            } else {
                if (!terminated)
                    return fail(eol, QStringLiteral("unexpected end of input: the line has no line feed and no \"# EOF\" follows (truncated exposition?)"));
                if (!parseSample(p, eol))
                    return false;
            }
        } else {
            const char *s = skipBlanks(p, eol);
            if (s != eol) {
                if (!terminated)
                    return fail(eol, QStringLiteral("unexpected end of input: the last line must end with a line feed (truncated exposition?)"));
                if (*s == '#') {
                    if (!parseTextComment(s, eol))
                        return false;
                } else if (!parseSample(s, eol)) {
                    return false;
                }
            }
        }
        p = eol + 1;
    }
    if (m_om) {
        ++m_line;
        m_lineBegin = end;
        return fail(end, QStringLiteral("missing \"# EOF\" at the end of the exposition (truncated?)"));
    }
    return true;
}

// ---- public API --------------------------------------------------------------------------------

PrometheusParser::PrometheusParser()
    : d(std::make_unique<Impl>())
{
}

PrometheusParser::~PrometheusParser() = default;

bool PrometheusParser::parse(QByteArrayView data, ExpositionFormat format)
{
    return d->parse(data, format);
}

const MetricSnapshot &PrometheusParser::snapshot() const
{
    return d->m_snapshot;
}

const ParseError &PrometheusParser::error() const
{
    return d->m_error;
}

qsizetype PrometheusParser::familyCount() const
{
    return qsizetype(d->m_families.size());
}

qsizetype PrometheusParser::seriesCount() const
{
    return qsizetype(d->m_series.size());
}

const FamilyInfo &PrometheusParser::family(FamilyId id) const
{
    static const FamilyInfo none;
    const auto i = size_t(id);
    return i < d->m_families.size() ? d->m_families[i].info : none;
}

const SeriesInfo &PrometheusParser::series(SeriesId id) const
{
    static const SeriesInfo none{QUtf8StringView(), FamilyId(NoIndex), MetricId(NoIndex), SampleKind::Value,
                                    std::numeric_limits<double>::quiet_NaN()};
    const auto i = size_t(id);
    return i < d->m_series.size() ? d->m_series[i].info : none;
}

MetricType PrometheusParser::type(SeriesId id) const
{
    return family(series(id).family).type;
}

std::span<const Label> PrometheusParser::labels(SeriesId id) const
{
    const auto i = size_t(id);
    if (i >= d->m_series.size())
        return {};
    const SeriesRecord &s = d->m_series[i];
    return std::span<const Label>(d->m_labels).subspan(s.labelBegin, s.labelCount);
}

std::optional<QUtf8StringView> PrometheusParser::labelValue(SeriesId id, QByteArrayView name) const
{
    for (const Label &label : labels(id)) {
        if (equalBytes(label.name.data(), size_t(label.name.size()), name.data(), size_t(name.size())))
            return label.value;
    }
    return std::nullopt;
}

std::span<const double> PrometheusParser::bucketBounds(FamilyId id) const
{
    const auto i = size_t(id);
    if (i >= d->m_families.size())
        return {};
    return d->m_families[i].bounds;
}

void PrometheusParser::setSeriesLimit(qsizetype limit)
{
    d->m_limit = size_t(std::clamp<qsizetype>(limit, 1, std::numeric_limits<qint32>::max() / 4));
}

qsizetype PrometheusParser::seriesLimit() const
{
    return qsizetype(d->m_limit);
}

void PrometheusParser::reset()
{
    d->resetTables();
}

} // namespace cutover
