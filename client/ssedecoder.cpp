#include "ssedecoder.h"

#include <cstring>
#include <limits>

namespace cutover {

namespace {

constexpr char kBom[] = "\xEF\xBB\xBF";
constexpr qsizetype kBomSize = 3;

// The event type's default, shared by every event that names none.
const QByteArray &messageType()
{
    static const QByteArray type = QByteArrayLiteral("message");
    return type;
}

// One leading space is part of the syntax, not of the value.
QByteArrayView dropOneSpace(QByteArrayView v)
{
    return !v.isEmpty() && v.front() == ' ' ? v.sliced(1) : v;
}

// The spec ignores `retry:` unless the value is only ASCII digits; an empty value has none.
std::optional<std::chrono::milliseconds> retryValue(QByteArrayView v)
{
    if (v.isEmpty())
        return std::nullopt;
    constexpr qint64 kMax = std::numeric_limits<qint64>::max() / 10 - 9;
    qint64 ms = 0;
    for (char c : v) {
        if (c < '0' || c > '9')
            return std::nullopt;
        // Saturate rather than overflow: the client caps its delay anyway.
        ms = ms > kMax ? std::numeric_limits<qint64>::max() / 10 : ms * 10 + (c - '0');
    }
    return std::chrono::milliseconds(ms);
}

// Copies a view into a buffer that is never shared, so its capacity is reused.
void assign(QByteArray &buffer, QByteArrayView v)
{
    buffer.resize(0);
    buffer.append(v.data(), v.size());
}

// A deep copy, so the original stays unshared and keeps its capacity.
QByteArray detachedCopy(const QByteArray &b)
{
    return QByteArray(b.constData(), b.size());
}

const char *find(const char *from, const char *end, char c)
{
    return static_cast<const char *>(std::memchr(from, c, std::size_t(end - from)));
}

} // namespace

SseDecoder::SseDecoder() = default;

void SseDecoder::feed(QByteArrayView bytes)
{
    if (m_start == Start::ExpectBom) {
        // m_partial holds the bytes seen so far while they are still a prefix of the BOM.
        while (!bytes.isEmpty() && m_partial.size() < kBomSize && bytes.front() == kBom[m_partial.size()]) {
            m_partial.append(bytes.front());
            bytes = bytes.sliced(1);
        }
        if (m_partial.size() == kBomSize) {
            m_partial.resize(0);
        } else if (bytes.isEmpty()) {
            return; // still possibly a BOM: wait for more
        }
        // Otherwise the bytes held back were not a BOM; they stay as the start of the first line.
        m_start = Start::Lines;
    }
    consume(bytes);
}

void SseDecoder::consume(QByteArrayView bytes)
{
    const char *p = bytes.data();
    const char *const end = p + bytes.size();
    if (m_skipLf && p < end) {
        if (*p == '\n')
            ++p;
        m_skipLf = false;
    }
    // Each terminator kind is searched with memchr once per stretch, not per byte; CR is rare.
    const char *nextLf = nullptr;
    const char *nextCr = nullptr;
    while (p < end) {
        if (!nextLf || nextLf < p)
            nextLf = find(p, end, '\n');
        if (nextLf == nullptr)
            nextLf = end;
        if (!nextCr || nextCr < p)
            nextCr = find(p, end, '\r');
        if (nextCr == nullptr)
            nextCr = end;
        const char *eol = nextLf < nextCr ? nextLf : nextCr;
        const qsizetype length = eol - p;

        if (eol == end) {
            // An unfinished line: keep it for the next chunk, unless it is already too long.
            if (m_discarding)
                return;
            if (m_partial.size() + length > m_maxLine) {
                m_partial.clear();
                m_discarding = true;
                ++m_batch.oversizedLines;
                return;
            }
            m_partial.append(p, length);
            return;
        }

        if (m_discarding) {
            m_discarding = false; // the end of a line already counted and dropped
        } else if (m_partial.size() + length > m_maxLine) {
            m_partial.resize(0);
            ++m_batch.oversizedLines;
        } else if (m_partial.isEmpty()) {
            line(QByteArrayView(p, length));
        } else {
            m_partial.append(p, length);
            line(m_partial);
            m_partial.resize(0);
        }

        p = eol + 1;
        if (*eol == '\r') {
            if (p == end)
                m_skipLf = true; // a CRLF split between two chunks
            else if (*p == '\n')
                ++p;
        }
    }
}

void SseDecoder::line(QByteArrayView line)
{
    if (line.isEmpty()) {
        dispatch();
        return;
    }
    if (line.front() == ':') {
        m_batch.comments.append(dropOneSpace(line.sliced(1)).toByteArray());
        return;
    }
    const qsizetype colon = line.indexOf(':');
    if (colon < 0)
        field(line, {});
    else
        field(line.first(colon), dropOneSpace(line.sliced(colon + 1)));
}

void SseDecoder::field(QByteArrayView name, QByteArrayView value)
{
    if (name == QByteArrayView("data")) {
        m_data.append(value.data(), value.size());
        m_data.append('\n');
    } else if (name == QByteArrayView("event")) {
        assign(m_type, value);
    } else if (name == QByteArrayView("id")) {
        if (!value.contains('\0'))
            assign(m_idBuffer, value);
    } else if (name == QByteArrayView("retry")) {
        if (const auto ms = retryValue(value))
            m_batch.retry = ms;
    }
    // Any other field name is ignored, as the spec says.
}

void SseDecoder::dispatch()
{
    // The ID is committed at every blank line, even when no event follows.
    if (m_lastEventId != m_idBuffer)
        m_lastEventId = detachedCopy(m_idBuffer);
    if (m_data.isEmpty()) {
        m_type.resize(0);
        return;
    }
    SseEvent event;
    event.data = QByteArray(m_data.constData(), m_data.size() - 1); // minus the final LF
    if (m_type.isEmpty()) {
        event.type = messageType();
    } else {
        if (m_lastType != m_type)
            m_lastType = detachedCopy(m_type);
        event.type = m_lastType;
    }
    event.lastEventId = m_lastEventId;
    m_batch.events.append(std::move(event));
    m_data.resize(0);
    m_type.resize(0);
}

SseBatch SseDecoder::takeBatch()
{
    SseBatch out = std::move(m_batch);
    m_batch = SseBatch();
    return out;
}

void SseDecoder::reset()
{
    m_partial.clear();
    m_data.clear();
    m_type.clear();
    m_idBuffer = detachedCopy(m_lastEventId);
    m_start = Start::ExpectBom;
    m_skipLf = false;
    m_discarding = false;
}

void SseDecoder::setLastEventId(const QByteArray &id)
{
    m_lastEventId = detachedCopy(id);
    m_idBuffer = detachedCopy(id);
}

} // namespace cutover
