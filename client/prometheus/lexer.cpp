#include "client/prometheus/lexer.h"

#include "client/prometheus/utf8.h"

#include <algorithm>

namespace cutover::prom {

const char *scanMetricName(const char *p, const char *end)
{
    if (p == end || !is(*p, MetricStart))
        return p;
    ++p;
    while (p < end && is(*p, MetricChar))
        ++p;
    return p;
}

EscapeError decodeEscapes(const char *p, const char *e, std::string &out, EscapeRules rules, bool forbidQuote)
{
    out.clear();
    // Escapes are ASCII, so the raw bytes are valid UTF-8 exactly when the decoded ones are;
    // checking the raw bytes lets the error point at the offending byte.
    const qsizetype invalid = firstInvalidUtf8(p, size_t(e - p));
    const bool om = rules == EscapeRules::OpenMetrics;
    const char *run = p;
    for (const char *q = p; q < e; ++q) {
        if (invalid >= 0 && q == p + invalid)
            break;
        if (*q == '"' && forbidQuote)
            return {EscapeError::UnescapedQuote, q, QStringLiteral("unescaped '\"': write it as \\\"")};
        if (*q != '\\')
            continue;
        out.append(run, size_t(q - run));
        if (q + 1 == e)
            return {EscapeError::UnfinishedEscape, q, QStringLiteral("unfinished escape sequence at the end of the line")};
        const char c = q[1];
        if (c == 'n') {
            out += '\n';
        } else if (c == '\\') {
            out += '\\';
        } else if (c == '"' && rules != EscapeRules::TextHelp) {
            out += '"';
        } else if (om) {
            out += '\\';
            out += c;
        } else {
            return {EscapeError::UnknownEscape, q, QStringLiteral("invalid escape sequence \"\\%1\": expected %2")
                           .arg(QString::fromUtf8(&q[1], 1),
                                rules == EscapeRules::TextHelp ? QStringLiteral("\\\\ or \\n")
                                                               : QStringLiteral("\\\\, \\\" or \\n"))};
        }
        ++q;
        run = q + 1;
    }
    if (invalid >= 0)
        return {EscapeError::InvalidUtf8, p + invalid, QStringLiteral("not valid UTF-8 (byte 0x%1)")
                                 .arg(static_cast<unsigned char>(p[invalid]), 2, 16, QLatin1Char('0'))};
    out.append(run, size_t(e - run));
    return {};
}

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

} // namespace cutover::prom
