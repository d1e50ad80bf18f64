#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace cutover {

// Finds a fixed byte string in a buffer, optionally ignoring ASCII case, without copying or
// converting the buffer. On x86-64 it tests 16 positions at a time for the needle's first and
// last byte (SSE2, part of the x86-64 baseline) and compares the middle only for those; elsewhere
// a memchr-driven scalar loop does the same.
//
// Case folding is ASCII only: 'A'-'Z' match 'a'-'z'; other bytes (all of UTF-8's multi-byte
// sequences) must be equal. Callers with a non-ASCII needle and case-insensitive matching need a
// Unicode-aware fallback.
class ByteSearcher
{
public:
    ByteSearcher() = default;
    ByteSearcher(QByteArrayView needle, Qt::CaseSensitivity cs);

    // The first match in [begin, end), or nullptr. An empty needle matches at begin.
    const char *find(const char *begin, const char *end) const;
    bool contains(QByteArrayView haystack) const
    {
        return find(haystack.data(), haystack.data() + haystack.size()) != nullptr;
    }

    qsizetype size() const { return m_needle.size(); }
    bool isEmpty() const { return m_needle.isEmpty(); }

    static bool isAscii(QByteArrayView bytes);

private:
    bool middleMatches(const char *candidate) const;
    const char *findScalar(const char *begin, const char *end) const;

    QByteArray m_needle; // lower-cased when folding
    bool m_fold = false;
    bool m_foldFirst = false; // the first/last needle byte is a letter, compared case-blind
    bool m_foldLast = false;
};

} // namespace cutover
