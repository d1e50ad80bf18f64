#pragma once

#include <QtCore/QString>

#include <array>
#include <cstring>
#include <string>
#include <string_view>

// Byte-level scanning shared by the Prometheus 0.0.4 and OpenMetrics grammars: character
// classes, blanks, byte comparison, escaped strings and bounded excerpts for error messages.
namespace cutover::prom {

enum CharClass : quint8 {
    MetricStart = 1, // [A-Za-z_:]
    MetricChar = 2,  // [A-Za-z0-9_:]
    LabelStart = 4,  // [A-Za-z_]
    LabelChar = 8,   // [A-Za-z0-9_]
    Blank = 16,      // ' ' and '\t' (0.0.4 token separators)
};

constexpr std::array<quint8, 256> makeCharClasses()
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
inline constexpr std::array<quint8, 256> kCharClass = makeCharClasses();

inline bool is(char c, quint8 mask)
{
    return (kCharClass[static_cast<unsigned char>(c)] & mask) != 0;
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

// End of a metric name starting at p ([A-Za-z_:][A-Za-z0-9_:]*); p itself when there is none.
const char *scanMetricName(const char *p, const char *end);

// Which escapes a string knows. 0.0.4 HELP: \\ and \n; 0.0.4 label values also \"; OpenMetrics
// (HELP and label values): all three, and any other "\c" stays the two characters.
enum class EscapeRules : quint8 { TextHelp, TextLabelValue, OpenMetrics };

struct EscapeError
{
    enum Problem : quint8 { None, UnescapedQuote, UnfinishedEscape, UnknownEscape, InvalidUtf8 };
    Problem problem = None;
    const char *at = nullptr; // the offending byte
    QString message;          // without the context ("HELP text", "label ..."): the caller adds it
    explicit operator bool() const { return problem != None; }
};

// Decodes the escaped bytes [p, e) into out (cleared first) and checks that the result is UTF-8.
// On error `at` points at the offending byte. In OpenMetrics HELP text an unescaped '"' is an
// error too (forbidQuote).
EscapeError decodeEscapes(const char *p, const char *e, std::string &out, EscapeRules rules, bool forbidQuote);

// Input excerpt for error messages: quoted, bounded, control characters escaped.
QString quoted(const char *p, size_t n);

} // namespace cutover::prom
