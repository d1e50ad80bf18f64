#include "client/prometheus/utf8.h"

namespace cutover::prom {

qsizetype firstInvalidUtf8(const char *text, size_t n)
{
    const auto *begin = reinterpret_cast<const unsigned char *>(text);
    const unsigned char *p = begin;
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
            return qsizetype(p - begin);
        }
        if (size_t(end - p) < len)
            return qsizetype(p - begin);
        for (size_t i = 1; i < len; ++i) {
            if ((p[i] & 0xC0) != 0x80)
                return qsizetype(p - begin);
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        // Reject overlong forms, UTF-16 surrogates and code points past U+10FFFF.
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))
            || (cp >= 0xD800 && cp <= 0xDFFF))
            return qsizetype(p - begin);
        p += len;
    }
    return -1;
}

size_t codePoints(const char *p, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; ++i)
        count += (static_cast<unsigned char>(p[i]) & 0xC0) != 0x80;
    return count;
}

} // namespace cutover::prom
