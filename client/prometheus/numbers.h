#pragma once

#include <QtCore/qglobal.h>

#include <cstddef>
#include <string_view>

// Number syntaxes of the exposition formats, parsed without locale and without allocation.
namespace cutover::prom {

enum class NumberSyntax : quint8 {
    GoFloat,  // 0.0.4 values: Go strconv.ParseFloat (NaN, [+-]Inf, [+-]Infinity, hex floats)
    OmNumber, // OpenMetrics "number": realnumber, [+-]inf/infinity, nan (case-insensitive)
    OmReal,   // OpenMetrics "realnumber" (timestamps): no NaN or Inf
};

// Parses all of [b, e) as a number of the given syntax. False for anything else, for values
// past the double range (Go reports ErrRange) and for a signed NaN; an underflow gives (signed)
// zero as in Go.
bool parseNumber(const char *b, const char *e, NumberSyntax syntax, double &out);

// 0.0.4 timestamps: Go strconv.ParseInt(s, 10, 64), an optional sign and decimal digits.
bool parseInt64(const char *p, const char *e, qint64 &out);

// Canonical text of an "le"/"quantile" value, so "1", "1.0" and "1e0" intern as one series:
// "NaN", "+Inf", "-Inf", "0", fixed notation from 1e-4 to 1e21, scientific otherwise (shortest
// round-trip digits). buf needs 64 bytes; returns the length.
size_t formatBound(double v, char *buf, size_t size);

// ASCII case-insensitive comparison of [p, e) with a lower-case word.
bool equalsIgnoreCase(const char *p, const char *e, std::string_view lower);

} // namespace cutover::prom
