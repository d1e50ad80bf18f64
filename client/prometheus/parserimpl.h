#pragma once

// Private to client/prometheus/: the state of PrometheusParser, shared by the files that
// implement it (prometheusparser.cpp, metadata.cpp, samples.cpp, series.cpp).

#include "client/prometheus/arena.h"
#include "client/prometheus/histogramcheck.h"
#include "client/prometheus/interntable.h"
#include "client/prometheus/prometheusparser.h"

#include <QtCore/QByteArray>
#include <QtCore/QRandomGenerator>

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace cutover {
namespace prom {

struct NameRecord
{
    const char *bytes;
    quint32 size;
    quint32 stamp;   // scrape that last used this name for a family
    MetricType type; // that family's type, for suffix clash checks
};

struct FamilyRecord
{
    FamilyInfo info;
    QByteArray rawHelp; // escaped, as last exposed: a repeated HELP costs a compare, no alloc
    QByteArray rawUnit;
    std::vector<double> bounds;
    // Part of the family's identity: the same name and type follow other sample-name rules
    // in the two formats, and interned raw keys must not be reused across them.
    bool openMetrics = false;
};

struct SeriesRecord
{
    SeriesInfo info;
    const char *key; // canonical key, also backing info.name and the label views
    quint32 keySize;
    quint32 labelBegin;
    quint32 labelCount;
    qint64 lastTimestamp; // written only for samples with a timestamp, see SeriesState
};

// Per-scrape state of a series, kept apart from SeriesRecord so the duplicate check of every
// sample touches 8 bytes in a dense array instead of a cold record.
struct SeriesState
{
    quint32 stamp = 0; // scrape that last had a sample of this series
    bool hadTimestamp = false;
};

struct MetricRecord
{
    const char *key;
    quint32 keySize;
    quint32 family;
};

// Raw spelling of "name{labels}" as it appeared on the wire, aliased to its series.
struct RawKey
{
    const char *bytes;
    quint32 size;
    quint32 family;
    quint32 series;
    quint32 next; // raw key that followed this one in the previous scrape (prediction)
    quint32 metric; // the series' metric, for the histogram checks (fits the padding)
    SampleKind kind;
};

struct ScratchLabel
{
    const char *name;
    quint32 nameSize;
    quint32 valueOffset; // into Impl::m_values
    quint32 valueSize;
    const char *at;
};

enum class Metadata { Type, Help, Unit };

inline void appendU32(std::string &out, size_t v)
{
    const auto u = quint32(v);
    out.append(reinterpret_cast<const char *>(&u), sizeof u);
}

} // namespace prom

using namespace prom; // the records and helpers above, inside the parser's files only

struct PrometheusParser::Impl
{
    // Tables that persist across scrapes.
    Arena m_arena;
    std::vector<NameRecord> m_names;
    std::vector<FamilyRecord> m_families;
    std::vector<SeriesRecord> m_series;
    std::vector<SeriesState> m_seriesState;
    std::vector<MetricRecord> m_metrics;
    std::vector<RawKey> m_raw;
    std::vector<Label> m_labels;
    InternTable m_nameTable;
    InternTable m_familyTable;
    InternTable m_seriesTable;
    InternTable m_metricTable;
    InternTable m_rawTable;
    quint64 m_seed = QRandomGenerator::system()->generate64();
    quint32 m_stamp = 0;
    quint32 m_firstRaw = NoIndex;
    size_t m_limit = 1000000;

    // Per-scrape output and state.
    MetricSnapshot m_snapshot;
    ParseError m_error;
    bool m_om = false;
    qsizetype m_line = 0;
    const char *m_lineBegin = nullptr;
    quint32 m_prevRaw = NoIndex;
    quint32 m_predict = NoIndex;
    quint32 m_family = NoIndex; // materialised family of the current group, or NoIndex
    HistogramCheck m_histograms; // OpenMetrics bucket rules

    struct Current
    {
        bool active = false;
        const char *name = nullptr; // arena copy, stable
        quint32 nameSize = 0;
        quint32 nameIndex = NoIndex;
        MetricType type = MetricType::Unknown;
        bool hasType = false;
        bool hasHelp = false;
        bool hasUnit = false;
        const char *help = nullptr; // into the input
        size_t helpSize = 0;
        const char *unit = nullptr;
        size_t unitSize = 0;
        qsizetype unitLine = 0;
    } m_cur;

    // Scratch buffers, reused.
    std::vector<ScratchLabel> m_scratch;
    std::string m_values;
    std::string m_key;
    std::string m_metricKey;
    std::string m_text;
    std::vector<std::array<quint32, 4>> m_exemplarSpans;
    std::vector<size_t> m_keyValueOffsets;

    bool parse(QByteArrayView data, ExpositionFormat format);
    bool parseLines(const char *p, const char *end);
    bool parseTextComment(const char *p, const char *eol);
    bool parseOmDescriptor(const char *p, const char *eol);
    bool onMetadata(Metadata what, const char *name, size_t nameSize, const char *value, size_t valueSize,
                    const char *at);
    bool parseSample(const char *p, const char *eol);
    bool parseSampleSlow(const char *p, const char *eol);
    bool acceptSample(quint32 raw, const char *p, const char *eol);
    bool parseExemplar(const char *p, const char *eol, quint32 seriesIndex);
    bool checkOmValue(SampleKind kind, MetricType type, double v, const char *at);
    const char *parseLabelSet(const char *p, const char *eol);
    bool decodeHelp(const char *p, const char *e);
    bool decodeLabelValue(const char *p, const char *e, const char *name, size_t nameSize);
    bool checkHistogram(const RawKey &raw, double value, const std::optional<std::chrono::milliseconds> &timestamp);
    bool failHistogram();
    QString metricLabelsText(quint32 metric) const;
    quint32 internRaw(const char *begin, const char *nameEnd, const char *brace, const char *keyEnd,
                      const char *eol, SampleKind kind, quint64 hash);
    quint32 internMetric(quint32 family);

    bool resolveFamily(const char *name, size_t size, SampleKind &kind);
    bool openFamily(const char *name, size_t size, const char *at, bool fromSample);
    bool setType(MetricType type, const char *at);
    bool materialize();
    bool closeFamily();
    quint32 findName(const char *name, size_t size) const;
    quint32 internName(const char *name, size_t size);
    void nextStamp();
    void resetTables();

    bool fail(const char *at, const QString &message);
    bool failAtLine(qsizetype line, const QString &message);
};

} // namespace cutover
