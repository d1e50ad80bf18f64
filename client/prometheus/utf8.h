#pragma once

#include <QtCore/qglobal.h>

#include <cstddef>

// Strict UTF-8 checks for exposition text (HELP, label values): OpenMetrics says "UTF-8 MUST be
// used", and Prometheus rejects invalid label values too.
namespace cutover::prom {

// Offset of the first byte that does not start a valid UTF-8 sequence in [p, p + n), or -1 when
// all of it is valid. Rejects overlong forms, UTF-16 surrogates, code points past U+10FFFF and
// truncated sequences. NUL is valid.
qsizetype firstInvalidUtf8(const char *p, size_t n);

inline bool isValidUtf8(const char *p, size_t n)
{
    return firstInvalidUtf8(p, n) < 0;
}

// Code points in valid UTF-8 (continuation bytes are not counted).
size_t codePoints(const char *p, size_t n);

} // namespace cutover::prom
