#include "bytesearcher.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace cutover {

namespace {

constexpr bool isUpper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool isLetter(unsigned char c) { return isUpper(c) || (c >= 'a' && c <= 'z'); }
constexpr unsigned char lower(unsigned char c) { return isUpper(c) ? c | 0x20 : c; }

} // namespace

ByteSearcher::ByteSearcher(QByteArrayView needle, Qt::CaseSensitivity cs)
    : m_needle(needle.toByteArray())
    , m_fold(cs == Qt::CaseInsensitive)
{
    if (!m_fold || m_needle.isEmpty())
        return;
    for (char &c : m_needle)
        c = char(lower(static_cast<unsigned char>(c)));
    m_foldFirst = isLetter(static_cast<unsigned char>(m_needle.front()));
    m_foldLast = isLetter(static_cast<unsigned char>(m_needle.back()));
}

bool ByteSearcher::isAscii(QByteArrayView bytes)
{
    for (char c : bytes)
        if (static_cast<unsigned char>(c) >= 0x80)
            return false;
    return true;
}

bool ByteSearcher::middleMatches(const char *candidate) const
{
    const qsizetype n = m_needle.size();
    if (n <= 2)
        return true;
    if (!m_fold)
        return std::memcmp(candidate + 1, m_needle.constData() + 1, std::size_t(n - 2)) == 0;
    for (qsizetype i = 1; i < n - 1; ++i)
        if (lower(static_cast<unsigned char>(candidate[i])) != static_cast<unsigned char>(m_needle[i]))
            return false;
    return true;
}

const char *ByteSearcher::findScalar(const char *begin, const char *end) const
{
    const qsizetype n = m_needle.size();
    const unsigned char first = static_cast<unsigned char>(m_needle.front());
    const unsigned char last = static_cast<unsigned char>(m_needle.back());
    const char *const lastStart = end - n;
    if (!m_foldFirst) {
        // The first byte must be equal: let memchr skip to each candidate.
        for (const char *p = begin; p <= lastStart;) {
            p = static_cast<const char *>(std::memchr(p, first, std::size_t(lastStart - p + 1)));
            if (!p)
                return nullptr;
            if ((m_foldLast ? lower(static_cast<unsigned char>(p[n - 1])) : static_cast<unsigned char>(p[n - 1])) == last
                && middleMatches(p))
                return p;
            ++p;
        }
        return nullptr;
    }
    for (const char *p = begin; p <= lastStart; ++p) {
        if (lower(static_cast<unsigned char>(*p)) == first
            && (m_foldLast ? lower(static_cast<unsigned char>(p[n - 1])) : static_cast<unsigned char>(p[n - 1])) == last
            && middleMatches(p))
            return p;
    }
    return nullptr;
}

const char *ByteSearcher::find(const char *begin, const char *end) const
{
    const qsizetype n = m_needle.size();
    if (n == 0)
        return begin;
    if (end - begin < n)
        return nullptr;
    const char *p = begin;
#if defined(__SSE2__)
    // Block at p tests the starts p … p+15; it reads p … p+15 and p+n-1 … p+n+14, so it is safe
    // while p + 15 <= end - n.
    const __m128i first = _mm_set1_epi8(m_needle.front());
    const __m128i last = _mm_set1_epi8(m_needle.back());
    // OR-ing 0x20 lower-cases a letter; the pair (c, c|0x20) is exactly {upper, lower} for letters.
    const __m128i foldFirst = _mm_set1_epi8(m_foldFirst ? 0x20 : 0);
    const __m128i foldLast = _mm_set1_epi8(m_foldLast ? 0x20 : 0);
    for (const qsizetype lastBlock = (end - begin) - n - 15; p - begin <= lastBlock; p += 16) {
        const __m128i a = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p)), foldFirst);
        const __m128i b = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p + n - 1)), foldLast);
        unsigned mask = unsigned(_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last))));
        while (mask) {
            const char *candidate = p + __builtin_ctz(mask);
            if (middleMatches(candidate))
                return candidate;
            mask &= mask - 1;
        }
    }
#endif
    return findScalar(p, end);
}

} // namespace cutover
