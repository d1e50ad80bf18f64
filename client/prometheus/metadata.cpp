#include "client/prometheus/familyrules.h"
#include "client/prometheus/lexer.h"
#include "client/prometheus/parserimpl.h"

#include <QtCore/QStringList>

#include <cstring>

// Metadata lines (TYPE, HELP, UNIT) and the metric families they and the samples open.

namespace cutover {

// ---- metadata ----------------------------------------------------------------------------------

bool PrometheusParser::Impl::parseTextComment(const char *p, const char *eol)
{
    const char *keyword = skipBlanks(p + 1, eol);
    const char *keywordEnd = keyword;
    while (keywordEnd < eol && !is(*keywordEnd, Blank))
        ++keywordEnd;
    const size_t keywordSize = size_t(keywordEnd - keyword);
    Metadata what;
    if (equalText(keyword, keywordSize, "HELP"))
        what = Metadata::Help;
    else if (equalText(keyword, keywordSize, "TYPE"))
        what = Metadata::Type;
    else
        return true; // a plain comment

    const char *name = skipBlanks(keywordEnd, eol);
    const char *nameEnd = scanMetricName(name, eol);
    if (nameEnd == name || (nameEnd < eol && !is(*nameEnd, Blank)))
        return fail(name, QStringLiteral("expected a metric name after \"# %1\"")
                              .arg(what == Metadata::Help ? QStringLiteral("HELP") : QStringLiteral("TYPE")));

    const char *value = skipBlanks(nameEnd, eol);
    const char *valueEnd = eol;
    while (valueEnd > value && is(valueEnd[-1], Blank))
        --valueEnd;
    if (what == Metadata::Type) {
        if (value == valueEnd)
            return fail(value, QStringLiteral("expected a metric type after \"# TYPE %1\"")
                                   .arg(QString::fromUtf8(name, nameEnd - name)));
    } else if (!decodeHelp(value, valueEnd)) {
        return false;
    }
    return onMetadata(what, name, size_t(nameEnd - name), value, size_t(valueEnd - value), p);
}

bool PrometheusParser::Impl::parseOmDescriptor(const char *p, const char *eol)
{
    const auto lineSize = size_t(eol - p);
    Metadata what;
    if (lineSize >= 7 && std::memcmp(p, "# TYPE ", 7) == 0)
        what = Metadata::Type;
    else if (lineSize >= 7 && std::memcmp(p, "# HELP ", 7) == 0)
        what = Metadata::Help;
    else if (lineSize >= 7 && std::memcmp(p, "# UNIT ", 7) == 0)
        what = Metadata::Unit;
    else
        return fail(p, QStringLiteral("unexpected line starting with '#': OpenMetrics allows only \"# TYPE\", "
                                      "\"# UNIT\", \"# HELP\" and a final \"# EOF\""));

    const char *name = p + 7;
    const char *nameEnd = scanMetricName(name, eol);
    if (nameEnd == name)
        return fail(name, QStringLiteral("expected a metric name after \"%1\"").arg(QString::fromLatin1(p, 6)));
    if (nameEnd == eol || *nameEnd != ' ')
        return fail(nameEnd, QStringLiteral("expected a single space after the metric name %1")
                                 .arg(quoted(name, size_t(nameEnd - name))));
    const char *value = nameEnd + 1;
    if (what == Metadata::Help) {
        if (!decodeHelp(value, eol))
            return false;
    } else if (what == Metadata::Unit) {
        for (const char *u = value; u < eol; ++u) {
            if (!is(*u, MetricChar))
                return fail(u, QStringLiteral("invalid character in UNIT: expected [A-Za-z0-9_:]"));
        }
    }
    return onMetadata(what, name, size_t(nameEnd - name), value, size_t(eol - value), p);
}

bool PrometheusParser::Impl::onMetadata(Metadata what, const char *name, size_t nameSize, const char *value,
                                        size_t valueSize, const char *at)
{
    static const char *const keywords[] = {"TYPE", "HELP", "UNIT"};
    // Message parts are built only on failure: metadata lines are parsed on every scrape.
    const auto keyword = [&] { return QString::fromLatin1(keywords[int(what)]); };
    const auto familyName = [&] { return QString::fromUtf8(name, qsizetype(nameSize)); };
    if (m_cur.active && equalBytes(m_cur.name, m_cur.nameSize, name, nameSize)) {
        if (m_family != NoIndex)
            return fail(at, QStringLiteral("\"# %1 %2\" comes after samples of that family: metadata must come first")
                                .arg(keyword(), familyName()));
    } else {
        if (!closeFamily() || !openFamily(name, nameSize, at, false))
            return false;
    }
    switch (what) {
    case Metadata::Type: {
        if (m_cur.hasType)
            return fail(at, QStringLiteral("second \"# TYPE\" line for %1").arg(familyName()));
        const auto type = parseType(value, valueSize, m_om);
        if (!type) {
            return fail(value, m_om ? QStringLiteral("unknown metric type %1: expected counter, gauge, histogram, "
                                                     "gaugehistogram, summary, info, stateset or unknown")
                                          .arg(quoted(value, valueSize))
                                    : QStringLiteral("unknown metric type %1: expected counter, gauge, histogram, "
                                                     "summary or untyped")
                                          .arg(quoted(value, valueSize)));
        }
        m_cur.hasType = true;
        return setType(*type, at);
    }
    case Metadata::Help:
        if (m_cur.hasHelp)
            return fail(at, QStringLiteral("second \"# HELP\" line for %1").arg(familyName()));
        m_cur.hasHelp = true;
        m_cur.help = value;
        m_cur.helpSize = valueSize;
        return true;
    case Metadata::Unit:
        if (m_cur.hasUnit)
            return fail(at, QStringLiteral("second \"# UNIT\" line for %1").arg(familyName()));
        if (valueSize > 0
            && (nameSize <= valueSize + 1 || name[nameSize - valueSize - 1] != '_'
                || std::memcmp(name + nameSize - valueSize, value, valueSize) != 0)) {
            return fail(value, QStringLiteral("unit %1 is not a suffix of the family name %2 (expected %2 to end in \"_%3\")")
                                   .arg(quoted(value, valueSize), familyName(), QString::fromUtf8(value, qsizetype(valueSize))));
        }
        m_cur.hasUnit = true;
        m_cur.unit = value;
        m_cur.unitSize = valueSize;
        m_cur.unitLine = m_line;
        return true;
    }
    return true;
}

// Decodes HELP text into m_text (0.0.4 or OpenMetrics rules).
bool PrometheusParser::Impl::decodeHelp(const char *p, const char *e)
{
    const EscapeError error =
        prom::decodeEscapes(p, e, m_text, m_om ? EscapeRules::OpenMetrics : EscapeRules::TextHelp, m_om);
    switch (error.problem) {
    case EscapeError::None:
        return true;
    case EscapeError::UnescapedQuote:
        return fail(error.at, QStringLiteral("unescaped '\"' in HELP text: write it as \\\""));
    case EscapeError::InvalidUtf8:
        return fail(error.at, QStringLiteral("HELP text is %1").arg(error.message));
    case EscapeError::UnfinishedEscape:
    case EscapeError::UnknownEscape:
        break;
    }
    return fail(error.at, error.message);
}

quint32 PrometheusParser::Impl::findName(const char *name, size_t size) const
{
    const quint64 hash = hashBytes(name, size, m_seed);
    return m_nameTable.find(hash, [&](quint32 i) { return equalBytes(m_names[i].bytes, m_names[i].size, name, size); });
}

quint32 PrometheusParser::Impl::internName(const char *name, size_t size)
{
    const quint64 hash = hashBytes(name, size, m_seed);
    quint32 index =
        m_nameTable.find(hash, [&](quint32 i) { return equalBytes(m_names[i].bytes, m_names[i].size, name, size); });
    if (index == NoIndex) {
        if (m_names.size() >= 2 * m_limit) {
            fail(name, QStringLiteral("more than %1 distinct metric names; the exposition is not sane").arg(2 * m_limit));
            return NoIndex;
        }
        index = quint32(m_names.size());
        m_names.push_back(NameRecord{m_arena.store(name, size), quint32(size), 0, MetricType::Unknown});
        m_nameTable.insert(hash, index);
    }
    return index;
}

bool PrometheusParser::Impl::openFamily(const char *name, size_t size, const char *at, bool fromSample)
{
    const auto shown = [&] { return QString::fromUtf8(name, qsizetype(size)); }; // errors only
    const quint32 index = internName(name, size);
    if (index == NoIndex)
        return false;
    if (m_names[index].stamp == m_stamp) {
        if (fromSample && equalBytes(m_cur.name, m_cur.nameSize, name, size)) {
            QStringList expected;
            for (const SuffixRule &rule : suffixRules(m_cur.type, m_om))
                expected << shown() + QString::fromLatin1(rule.suffix.data(), qsizetype(rule.suffix.size()));
            return fail(at, QStringLiteral("sample name %1 does not fit the %2 family %1: expected %3")
                                .arg(shown(), typeName(m_cur.type, m_om), expected.join(QStringLiteral(" or "))));
        }
        return fail(at, fromSample ? QStringLiteral("samples of metric family %1 are not contiguous: another family "
                                                    "came in between")
                                         .arg(shown())
                                   : QStringLiteral("metadata for metric family %1 appears twice: a family's lines "
                                                    "must be contiguous")
                                         .arg(shown()));
    }
    for (std::string_view suffix : kKnownSuffixes) {
        if (size <= suffix.size() || std::memcmp(name + size - suffix.size(), suffix.data(), suffix.size()) != 0)
            continue;
        const quint32 base = findName(name, size - suffix.size());
        if (base == NoIndex || m_names[base].stamp != m_stamp)
            continue;
        for (const SuffixRule &rule : suffixRules(m_names[base].type, m_om)) {
            if (rule.suffix == suffix) {
                const QString baseName = QString::fromUtf8(name, qsizetype(size - suffix.size()));
                return fail(at, QStringLiteral("%1 belongs to the %2 family %3, whose lines must be contiguous")
                                    .arg(shown(), typeName(m_names[base].type, m_om), baseName));
            }
        }
    }
    m_names[index].stamp = m_stamp;
    m_names[index].type = MetricType::Unknown;
    m_cur = {};
    m_cur.active = true;
    m_cur.name = m_names[index].bytes;
    m_cur.nameSize = m_names[index].size;
    m_cur.nameIndex = index;
    return true;
}

bool PrometheusParser::Impl::setType(MetricType type, const char *at)
{
    // A family must not claim a sample name that another family of this scrape already used.
    for (const SuffixRule &rule : suffixRules(type, m_om)) {
        if (rule.suffix.empty())
            continue;
        m_text.assign(m_cur.name, m_cur.nameSize);
        m_text.append(rule.suffix);
        const quint32 other = findName(m_text.data(), m_text.size());
        if (other != NoIndex && m_names[other].stamp == m_stamp) {
            return fail(at, QStringLiteral("the %1 family %2 clashes with the earlier family %3")
                                .arg(typeName(type, m_om), QString::fromUtf8(m_cur.name, m_cur.nameSize),
                                     QString::fromUtf8(m_text.data(), qsizetype(m_text.size()))));
        }
    }
    m_cur.type = type;
    m_names[m_cur.nameIndex].type = type;
    return true;
}

bool PrometheusParser::Impl::materialize()
{
    if (m_om && m_cur.unitSize > 0 && (m_cur.type == MetricType::StateSet || m_cur.type == MetricType::Info)) {
        return failAtLine(m_cur.unitLine, QStringLiteral("%1 family %2 must not have a unit")
                                              .arg(typeName(m_cur.type, m_om), QString::fromUtf8(m_cur.name, m_cur.nameSize)));
    }
    const quint64 hash = hashBytes(m_cur.name, m_cur.nameSize, m_seed ^ (quint64(m_cur.type) * 2 + m_om + 1) * 0x9E3779B97F4A7C15ULL);
    quint32 index = m_familyTable.find(hash, [&](quint32 i) {
        const FamilyInfo &info = m_families[i].info;
        return info.type == m_cur.type && m_families[i].openMetrics == m_om && equalBytes(info.name.data(), size_t(info.name.size()), m_cur.name, m_cur.nameSize);
    });
    if (index == NoIndex) {
        if (m_families.size() >= m_limit)
            return fail(m_lineBegin, QStringLiteral("more than %1 metric families").arg(m_limit));
        index = quint32(m_families.size());
        FamilyRecord record;
        record.info.name = QUtf8StringView(m_cur.name, m_cur.nameSize);
        record.info.type = m_cur.type;
        record.openMetrics = m_om;
        m_families.push_back(std::move(record));
        m_familyTable.insert(hash, index);
    }
    FamilyRecord &family = m_families[index];
    auto refresh = [this](QByteArray &raw, QString &decoded, const char *p, size_t n) {
        if (equalBytes(raw.constData(), size_t(raw.size()), p, n))
            return; // unchanged since the last scrape: no allocation
        if (n == 0) {
            raw.clear();
            decoded.clear();
            return;
        }
        raw = QByteArray(p, qsizetype(n));
        decodeHelp(p, p + n); // validated when the line was read
        decoded = QString::fromUtf8(m_text.data(), qsizetype(m_text.size()));
    };
    refresh(family.rawHelp, family.info.help, m_cur.help, m_cur.hasHelp ? m_cur.helpSize : 0);
    refresh(family.rawUnit, family.info.unit, m_cur.unit, m_cur.hasUnit ? m_cur.unitSize : 0);

    m_family = index;
    const auto begin = quint32(m_snapshot.m_samples.size());
    m_snapshot.m_families.push_back(MetricSnapshot::Family{FamilyId(index), begin, begin});
    return true;
}

bool PrometheusParser::Impl::closeFamily()
{
    if (!m_cur.active)
        return true;
    if (m_family == NoIndex && !materialize())
        return false;
    if (m_om && (m_cur.type == MetricType::Histogram || m_cur.type == MetricType::GaugeHistogram)
        && !m_histograms.endFamily())
        return failHistogram();
    m_snapshot.m_families.back().sampleEnd = quint32(m_snapshot.m_samples.size());
    m_cur.active = false;
    m_family = NoIndex;
    return true;
}

bool PrometheusParser::Impl::resolveFamily(const char *name, size_t size, SampleKind &kind)
{
    if (m_cur.active && size >= m_cur.nameSize && std::memcmp(name, m_cur.name, m_cur.nameSize) == 0) {
        const char *suffix = name + m_cur.nameSize;
        const size_t suffixSize = size - m_cur.nameSize;
        for (const SuffixRule &rule : suffixRules(m_cur.type, m_om)) {
            if (equalText(suffix, suffixSize, rule.suffix)) {
                kind = rule.kind;
                return m_family != NoIndex || materialize();
            }
        }
    }
    // Not part of the current family: the sample starts a new family without metadata.
    if (!closeFamily() || !openFamily(name, size, name, true))
        return false;
    kind = SampleKind::Value;
    return materialize();
}

} // namespace cutover
