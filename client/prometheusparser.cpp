#include "client/prometheusparser.h"

#include <QtCore/QRandomGenerator>
#include <QtCore/QStringList>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace cutover {
namespace {

constexpr quint32 NoIndex = std::numeric_limits<quint32>::max();
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

// ---- character classes and small helpers -------------------------------------------------

enum CharClass : quint8 {
    MetricStart = 1, // [A-Za-z_:]
    MetricChar = 2,  // [A-Za-z0-9_:]
    LabelStart = 4,  // [A-Za-z_]
    LabelChar = 8,   // [A-Za-z0-9_]
    Blank = 16,      // ' ' and '\t' (0.0.4 token separators)
};

constexpr std::array<quint8, 256> makeClasses()
{
    std::array<quint8, 256> table{};
    for (int c = 0; c < 256; ++c) {
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        const bool digit = c >= '0' && c <= '9';
        quint8 v = 0;
        if (alpha || c == '_' || c == ':')
            v |= MetricStart | MetricChar;
        if (alpha || c == '_')
            v |= LabelStart | LabelChar;
        if (digit)
            v |= MetricChar | LabelChar;
        if (c == ' ' || c == '\t')
            v |= Blank;
        table[size_t(c)] = v;
    }
    return table;
}
// A table lookup per byte keeps the scanning loops branch-light.
constexpr std::array<quint8, 256> kClass = makeClasses();

inline bool is(char c, quint8 mask)
{
    return (kClass[static_cast<unsigned char>(c)] & mask) != 0;
}

inline const char *skipBlanks(const char *p, const char *end)
{
    while (p < end && is(*p, Blank))
        ++p;
    return p;
}

inline bool equalBytes(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && (an == 0 || std::memcmp(a, b, an) == 0);
}

inline bool equalText(const char *a, size_t an, std::string_view b)
{
    return equalBytes(a, an, b.data(), b.size());
}

inline quint64 finalMix(quint64 h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

// Multiply-xorshift over 8-byte words: only used for table lookups, keyed with a per-parser
// random seed so that crafted label values cannot force collisions.
quint64 hashBytes(const char *p, size_t n, quint64 seed)
{
    quint64 h = seed ^ (n * 0x9E3779B97F4A7C15ULL);
    // Two independent lanes per 16 bytes keep the multiplier pipeline busy.
    quint64 h2 = seed + 0x632BE59BD9B4E019ULL;
    while (n >= 16) {
        quint64 a;
        quint64 b;
        std::memcpy(&a, p, 8);
        std::memcpy(&b, p + 8, 8);
        h = (h ^ a) * 0xbf58476d1ce4e5b9ULL;
        h2 = (h2 ^ b) * 0x94d049bb133111ebULL;
        h ^= h >> 29;
        h2 ^= h2 >> 32;
        p += 16;
        n -= 16;
    }
    h ^= h2 * 0x9E3779B97F4A7C15ULL;
    if (n >= 8) {
        quint64 a;
        std::memcpy(&a, p, 8);
        h = (h ^ a) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    if (n > 0) {
        quint64 a = 0;
        std::memcpy(&a, p, n);
        h = (h ^ a) * 0x94d049bb133111ebULL;
    }
    return finalMix(h);
}

bool isValidUtf8(const unsigned char *p, size_t n)
{
    const unsigned char *end = p + n;
    while (p < end) {
        const unsigned char c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        size_t len;
        quint32 cp;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (size_t(end - p) < len)
            return false;
        for (size_t i = 1; i < len; ++i) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        // Reject overlong forms, UTF-16 surrogates and code points past U+10FFFF.
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))
            || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += len;
    }
    return true;
}

inline bool isValidUtf8(const char *p, size_t n)
{
    return isValidUtf8(reinterpret_cast<const unsigned char *>(p), n);
}

size_t codePoints(const char *p, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; ++i)
        count += (static_cast<unsigned char>(p[i]) & 0xC0) != 0x80;
    return count;
}

// Input excerpt for error messages: bounded, control characters escaped.
QString quoted(const char *p, size_t n)
{
    constexpr size_t MaxShown = 60;
    std::string s;
    s.reserve(std::min(n, MaxShown) + 8);
    s += '"';
    for (size_t i = 0; i < n && i < MaxShown; ++i) {
        const auto c = static_cast<unsigned char>(p[i]);
        if (c < 0x20 || c == 0x7F) {
            static const char hex[] = "0123456789abcdef";
            s += "\\x";
            s += hex[c >> 4];
            s += hex[c & 0xF];
        } else {
            s += char(c);
        }
    }
    if (n > MaxShown)
        s += "...";
    s += '"';
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

// ---- numbers -------------------------------------------------------------------------------

enum class NumberSyntax {
    GoFloat,  // 0.0.4 values: Go strconv.ParseFloat (NaN, [+-]Inf, [+-]Infinity, hex floats)
    OmNumber, // OpenMetrics "number": realnumber, [+-]inf/infinity, nan (case-insensitive)
    OmReal,   // OpenMetrics "realnumber" (timestamps): no NaN or Inf
};

constexpr std::array<double, 23> kPow10 = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                           1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                           1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

bool equalsIgnoreCase(const char *p, const char *e, std::string_view lower)
{
    if (size_t(e - p) != lower.size())
        return false;
    for (size_t i = 0; i < lower.size(); ++i) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = char(c - 'A' + 'a');
        if (c != lower[i])
            return false;
    }
    return true;
}

// Decimal magnitude of a validated decimal literal, to tell overflow from underflow when
// from_chars reports result_out_of_range.
bool decimalOverflows(const char *p, const char *e)
{
    long long intDigits = 0;
    long long leadingFractionZeros = 0;
    bool seenNonZero = false;
    bool inFraction = false;
    long long exponent = 0;
    for (; p < e; ++p) {
        const char c = *p;
        if (c == '.') {
            inFraction = true;
        } else if (c == 'e' || c == 'E') {
            ++p;
            bool negative = false;
            if (p < e && (*p == '+' || *p == '-'))
                negative = *p++ == '-';
            for (; p < e && exponent < 100000; ++p)
                exponent = exponent * 10 + (*p - '0');
            if (negative)
                exponent = -exponent;
            break;
        } else if (!inFraction) {
            if (seenNonZero || c != '0') {
                seenNonZero = true;
                ++intDigits;
            }
        } else if (!seenNonZero) {
            if (c == '0')
                ++leadingFractionZeros;
            else
                seenNonZero = true;
        }
    }
    const long long magnitude = intDigits > 0 ? intDigits + exponent : exponent - leadingFractionZeros;
    return magnitude > 0;
}

bool parseNumber(const char *b, const char *e, NumberSyntax syntax, double &out)
{
    const char *p = b;
    bool negative = false;
    const bool signed_ = p < e && (*p == '+' || *p == '-');
    if (signed_) {
        negative = *p == '-';
        ++p;
    }
    if (p == e)
        return false;

    // Fast path (Clinger): at most 15 significant digits and 22 fraction digits, no exponent:
    // the integer mantissa and the power of ten are exact doubles, so one division rounds
    // correctly. Covers nearly every counter, gauge and bucket value seen in practice.
    {
        quint64 mantissa = 0;
        int significant = 0;
        int fraction = 0;
        bool dot = false;
        bool anyDigit = false;
        bool simple = true;
        for (const char *q = p; q < e; ++q) {
            const char c = *q;
            if (c >= '0' && c <= '9') {
                anyDigit = true;
                if (mantissa != 0 || c != '0')
                    ++significant;
                if (significant > 15) {
                    simple = false;
                    break;
                }
                mantissa = mantissa * 10 + quint64(c - '0');
                fraction += dot;
            } else if (c == '.' && !dot) {
                dot = true;
            } else {
                simple = false;
                break;
            }
        }
        if (simple && !anyDigit)
            return false; // "", "." or a lone sign
        if (simple && fraction <= 22) {
            const double v = double(mantissa) / kPow10[size_t(fraction)];
            out = negative ? -v : v;
            return true;
        }
    }

    // Special values.
    if (syntax != NumberSyntax::OmReal) {
        if (equalsIgnoreCase(p, e, "inf") || equalsIgnoreCase(p, e, "infinity")) {
            out = negative ? -std::numeric_limits<double>::infinity()
                           : std::numeric_limits<double>::infinity();
            return true;
        }
        if (!signed_ && equalsIgnoreCase(p, e, "nan")) {
            out = NaN;
            return true;
        }
    }

    // Go accepts hexadecimal floats such as 0x1.8p3 (the 'p' exponent is mandatory).
    if (syntax == NumberSyntax::GoFloat && e - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        const char *h = p + 2;
        bool digits = false;
        bool dot = false;
        bool exponent = false;
        for (const char *q = h; q < e; ++q) {
            const char c = *q;
            if (std::isxdigit(static_cast<unsigned char>(c))) {
                digits = true;
            } else if (c == '.' && !dot) {
                dot = true;
            } else if ((c == 'p' || c == 'P') && digits) {
                ++q;
                if (q < e && (*q == '+' || *q == '-'))
                    ++q;
                if (q == e)
                    return false;
                for (; q < e; ++q) {
                    if (*q < '0' || *q > '9')
                        return false;
                }
                exponent = true;
                break;
            } else {
                return false;
            }
        }
        if (!exponent)
            return false;
        double v = 0;
        const auto result = std::from_chars(h, e, v, std::chars_format::hex);
        if (result.ptr != e)
            return false;
        if (result.ec == std::errc::result_out_of_range)
            return false; // hex literals this large are never legitimate sample values
        if (result.ec != std::errc())
            return false;
        out = negative ? -v : v;
        return true;
    }

    // Validate the decimal grammar ourselves: from_chars also accepts "nan(...)" and friends.
    {
        const char *q = p;
        bool digits = false;
        while (q < e && *q >= '0' && *q <= '9') {
            ++q;
            digits = true;
        }
        if (q < e && *q == '.') {
            ++q;
            while (q < e && *q >= '0' && *q <= '9') {
                ++q;
                digits = true;
            }
        }
        if (!digits)
            return false;
        if (q < e && (*q == 'e' || *q == 'E')) {
            ++q;
            if (q < e && (*q == '+' || *q == '-'))
                ++q;
            if (q == e)
                return false;
            while (q < e && *q >= '0' && *q <= '9')
                ++q;
        }
        if (q != e)
            return false;
    }
    double v = 0;
    const auto result = std::from_chars(p, e, v, std::chars_format::general);
    if (result.ptr != e)
        return false;
    if (result.ec == std::errc::result_out_of_range) {
        if (decimalOverflows(p, e))
            return false;
        v = 0.0; // underflow: Go returns (signed) zero
    } else if (result.ec != std::errc()) {
        return false;
    }
    out = negative ? -v : v;
    return true;
}

// 0.0.4 timestamps: Go strconv.ParseInt(s, 10, 64).
bool parseInt64(const char *p, const char *e, qint64 &out)
{
    bool negative = false;
    if (p < e && (*p == '+' || *p == '-')) {
        negative = *p == '-';
        ++p;
    }
    if (p == e)
        return false;
    quint64 v = 0;
    const quint64 limit = negative ? quint64(std::numeric_limits<qint64>::max()) + 1
                                   : quint64(std::numeric_limits<qint64>::max());
    for (; p < e; ++p) {
        const char c = *p;
        if (c < '0' || c > '9')
            return false;
        const quint64 digit = quint64(c - '0');
        if (v > (limit - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    out = negative ? qint64(0 - v) : qint64(v);
    return true;
}

// Canonical text of an "le"/"quantile" value, so "1", "1.0" and "1e0" intern as one series.
size_t formatBound(double v, char *buf, size_t size)
{
    auto put = [&](std::string_view s) {
        std::memcpy(buf, s.data(), s.size());
        return s.size();
    };
    if (std::isnan(v))
        return put("NaN");
    if (std::isinf(v))
        return put(v > 0 ? "+Inf" : "-Inf");
    if (v == 0)
        return put("0");
    const double a = std::fabs(v);
    const auto format = (a >= 1e-4 && a < 1e21) ? std::chars_format::fixed : std::chars_format::scientific;
    const auto result = std::to_chars(buf, buf + size, v, format);
    return size_t(result.ptr - buf);
}

// ---- storage ---------------------------------------------------------------------------------

// Append-only byte storage whose blocks never move, so views into it stay valid until reset.
class Arena
{
public:
    const char *store(const char *p, size_t n)
    {
        if (n > m_left) {
            const size_t size = std::max(n, BlockSize);
            m_blocks.emplace_back(new char[size]);
            m_next = m_blocks.back().get();
            m_left = size;
        }
        char *out = m_next;
        if (n > 0)
            std::memcpy(out, p, n);
        m_next += n;
        m_left -= n;
        return out;
    }
    void clear()
    {
        m_blocks.clear();
        m_next = nullptr;
        m_left = 0;
    }

private:
    static constexpr size_t BlockSize = 64 * 1024;
    std::vector<std::unique_ptr<char[]>> m_blocks;
    char *m_next = nullptr;
    size_t m_left = 0;
};

// Open-addressing hash set of indices keyed by a 64-bit hash; the caller compares the key
// bytes, which live in the records the indices point to.
class InternTable
{
public:
    template<typename Equal>
    quint32 find(quint64 hash, Equal &&equal) const
    {
        if (m_slots.empty())
            return NoIndex;
        const auto tag = quint32(hash >> 32);
        for (size_t i = size_t(hash) & m_mask;; i = (i + 1) & m_mask) {
            const Slot &slot = m_slots[i];
            if (slot.value == NoIndex)
                return NoIndex;
            if (slot.tag == tag && equal(slot.value))
                return slot.value;
        }
    }
    // Values are dense record indices 0, 1, 2, ... in insertion order.
    void insert(quint64 hash, quint32 value)
    {
        if (m_hashes.size() <= value)
            m_hashes.resize(size_t(value) + 1);
        m_hashes[value] = hash;
        if ((m_size + 1) * 2 > m_slots.size())
            grow();
        place(hash, value);
        ++m_size;
    }
    void clear()
    {
        m_slots.clear();
        m_hashes.clear();
        m_mask = 0;
        m_size = 0;
    }

private:
    // 8 bytes per slot: the upper hash half filters compares, the lower half picks the slot
    // (and is recomputed from the records on growth).
    struct Slot
    {
        quint32 tag = 0;
        quint32 value = NoIndex;
    };
    void place(quint64 hash, quint32 value)
    {
        size_t i = size_t(hash) & m_mask;
        while (m_slots[i].value != NoIndex)
            i = (i + 1) & m_mask;
        m_slots[i] = Slot{quint32(hash >> 32), value};
    }
    void grow()
    {
        std::vector<Slot> old;
        old.swap(m_slots);
        const size_t capacity = old.empty() ? 64 : old.size() * 2;
        m_slots.assign(capacity, Slot{});
        m_mask = capacity - 1;
        for (const Slot &slot : old) {
            if (slot.value != NoIndex)
                place(m_hashes[slot.value], slot.value);
        }
    }

    std::vector<Slot> m_slots;
    std::vector<quint64> m_hashes; // full hash by value, only read when growing
    size_t m_mask = 0;
    size_t m_size = 0;
};

// ---- family/suffix rules -------------------------------------------------------------------

struct SuffixRule
{
    std::string_view suffix;
    SampleKind kind;
};

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

constexpr std::string_view kKnownSuffixes[] = {"_total", "_created", "_bucket", "_count",
                                                "_sum",   "_gcount",  "_gsum",   "_info"};

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

// ---- records ---------------------------------------------------------------------------------

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

void appendU32(std::string &out, size_t v)
{
    const auto u = quint32(v);
    out.append(reinterpret_cast<const char *>(&u), sizeof u);
}

} // namespace

// ---- the parser ------------------------------------------------------------------------------

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
    bool decodeEscapes(const char *p, const char *e, std::string &out, bool help);
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
    const char *nameEnd = name;
    if (nameEnd < eol && is(*nameEnd, MetricStart)) {
        ++nameEnd;
        while (nameEnd < eol && is(*nameEnd, MetricChar))
            ++nameEnd;
    }
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
    } else if (!decodeEscapes(value, valueEnd, m_text, true)) {
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
    const char *nameEnd = name;
    if (nameEnd < eol && is(*nameEnd, MetricStart)) {
        ++nameEnd;
        while (nameEnd < eol && is(*nameEnd, MetricChar))
            ++nameEnd;
    }
    if (nameEnd == name)
        return fail(name, QStringLiteral("expected a metric name after \"%1\"").arg(QString::fromLatin1(p, 6)));
    if (nameEnd == eol || *nameEnd != ' ')
        return fail(nameEnd, QStringLiteral("expected a single space after the metric name %1")
                                 .arg(quoted(name, size_t(nameEnd - name))));
    const char *value = nameEnd + 1;
    if (what == Metadata::Help) {
        if (!decodeEscapes(value, eol, m_text, true))
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

// Decodes an escaped string; help selects HELP rules. 0.0.4 HELP knows \\ and \n, 0.0.4 label
// values also \"; OpenMetrics knows all three and reads any other "\c" as the two characters.
bool PrometheusParser::Impl::decodeEscapes(const char *p, const char *e, std::string &out, bool help)
{
    out.clear();
    const char *run = p;
    for (const char *q = p; q < e; ++q) {
        if (*q == '"' && m_om)
            return fail(q, QStringLiteral("unescaped '\"' in HELP text: write it as \\\""));
        if (*q != '\\')
            continue;
        out.append(run, size_t(q - run));
        if (q + 1 == e)
            return fail(q, QStringLiteral("unfinished escape sequence at the end of the line"));
        const char c = q[1];
        if (c == 'n') {
            out += '\n';
        } else if (c == '\\') {
            out += '\\';
        } else if (c == '"' && (m_om || !help)) {
            out += '"';
        } else if (m_om) {
            out += '\\';
            out += c;
        } else {
            return fail(q, QStringLiteral("invalid escape sequence \"\\%1\": expected %2")
                               .arg(QString::fromUtf8(&q[1], 1),
                                    help ? QStringLiteral("\\\\ or \\n") : QStringLiteral("\\\\, \\\" or \\n")));
        }
        ++q;
        run = q + 1;
    }
    out.append(run, size_t(e - run));
    if (!isValidUtf8(out.data(), out.size()))
        return fail(p, QStringLiteral("HELP text is not valid UTF-8"));
    return true;
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
        decodeEscapes(p, p + n, m_text, true); // validated when the line was read
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

// ---- samples -----------------------------------------------------------------------------------

bool PrometheusParser::Impl::parseSample(const char *p, const char *eol)
{
    // Steady state: expositions repeat in the same order, so the series that followed the
    // previous one last time is checked with one memcmp before any scanning or hashing.
    if (m_predict != NoIndex && m_family != NoIndex) {
        const RawKey &raw = m_raw[m_predict];
        if (raw.family == m_family && size_t(eol - p) > raw.size && std::memcmp(p, raw.bytes, raw.size) == 0) {
            const char after = p[raw.size];
            if (after == ' ' || (!m_om && after == '\t')) {
                if (m_om || raw.bytes[raw.size - 1] == '}') // else "name {labels}" could follow
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
        if (!decodeEscapes(value, valueEnd, m_text, false)) {
            m_error.message = QStringLiteral("in the value of label \"%1\": %2").arg(shownName(), m_error.message);
            return nullptr;
        }
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
    double bound = NaN;
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
    m_raw.push_back(RawKey{m_arena.store(begin, rawSize), quint32(rawSize), m_family, series, NoIndex, kind});
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
        if (p == eol || !is(*p, Blank))
            return fail(p, p == eol ? QStringLiteral("expected a sample value after the metric name")
                                    : QStringLiteral("expected a blank and the sample value after the metric name"));
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
    static const SeriesInfo none{QUtf8StringView(), FamilyId(NoIndex), MetricId(NoIndex), SampleKind::Value, NaN};
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

// ---- Content-Type ------------------------------------------------------------------------------

namespace {

std::string_view trimmed(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

bool equalsAsciiIgnoreCase(std::string_view a, std::string_view lower)
{
    return equalsIgnoreCase(a.data(), a.data() + a.size(), lower);
}

} // namespace

std::optional<ExpositionFormat> expositionFormatFromContentType(QByteArrayView contentType)
{
    std::string_view rest(contentType.data(), size_t(contentType.size()));
    const size_t semicolon = rest.find(';');
    const std::string_view mediaType = trimmed(rest.substr(0, semicolon));
    rest = semicolon == std::string_view::npos ? std::string_view() : rest.substr(semicolon + 1);

    std::optional<ExpositionFormat> format;
    if (equalsAsciiIgnoreCase(mediaType, "application/openmetrics-text"))
        format = ExpositionFormat::OpenMetrics;
    else if (equalsAsciiIgnoreCase(mediaType, "text/plain"))
        format = ExpositionFormat::PrometheusText;
    else
        return std::nullopt;

    while (!rest.empty()) {
        const size_t next = rest.find(';');
        const std::string_view parameter = trimmed(rest.substr(0, next));
        rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
        const size_t equals = parameter.find('=');
        if (equals == std::string_view::npos)
            continue;
        const std::string_view key = trimmed(parameter.substr(0, equals));
        std::string_view value = trimmed(parameter.substr(equals + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = value.substr(1, value.size() - 2);
        if (equalsAsciiIgnoreCase(key, "version")) {
            const bool known = *format == ExpositionFormat::OpenMetrics ? (value == "1.0.0" || value == "0.0.1")
                                                                        : value == "0.0.4";
            if (!known)
                return std::nullopt;
        } else if (equalsAsciiIgnoreCase(key, "charset")) {
            if (!equalsAsciiIgnoreCase(value, "utf-8") && !equalsAsciiIgnoreCase(value, "utf8"))
                return std::nullopt;
        }
    }
    return format;
}

} // namespace cutover
