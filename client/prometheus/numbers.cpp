#include "client/prometheus/numbers.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <system_error>

namespace cutover::prom {
namespace {

constexpr std::array<double, 23> kPow10 = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                           1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                           1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

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

} // namespace

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
            out = std::numeric_limits<double>::quiet_NaN();
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

} // namespace cutover::prom
