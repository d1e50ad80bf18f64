#pragma once

// A deliberately naive reading of the WHATWG event-stream rules (HTML §9.2.6), written for
// clarity, not speed: the whole stream at once, one byte at a time. The fuzzer and the mutation
// test check SseDecoder against it, and SseDecoder fed in pieces against itself fed at once.

#include "client/ssedecoder.h"

#include <QByteArray>
#include <QList>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace cutover::test {

struct SseTrace
{
    QList<QByteArray> events; // "type|data|lastEventId"
    qint64 retry = -1;        // the last valid retry, -1 if none
    qsizetype comments = 0;
    QByteArray lastEventId;

    bool operator==(const SseTrace &) const = default;
};

inline SseTrace oracleDecode(QByteArray in)
{
    SseTrace out;
    if (in.startsWith("\xEF\xBB\xBF"))
        in.remove(0, 3);
    QByteArray data, type, idBuffer;
    auto process = [&](const QByteArray &line) {
        if (line.isEmpty()) {
            out.lastEventId = idBuffer;
            if (!data.isEmpty()) {
                data.chop(1);
                out.events.append((type.isEmpty() ? QByteArray("message") : type) + '|' + data + '|' + out.lastEventId);
            }
            data.clear();
            type.clear();
            return;
        }
        if (line.startsWith(':')) {
            ++out.comments;
            return;
        }
        const qsizetype colon = line.indexOf(':');
        const QByteArray name = colon < 0 ? line : line.left(colon);
        QByteArray value = colon < 0 ? QByteArray() : line.mid(colon + 1);
        if (value.startsWith(' '))
            value.remove(0, 1);
        if (name == "data") {
            data += value + '\n';
        } else if (name == "event") {
            type = value;
        } else if (name == "id") {
            if (!value.contains('\0'))
                idBuffer = value;
        } else if (name == "retry") {
            constexpr qint64 kHuge = 100000000000000000LL; // at and above: compared as "huge" (-2)
            bool digits = !value.isEmpty();
            qint64 ms = 0;
            for (char c : std::as_const(value)) {
                digits = digits && c >= '0' && c <= '9';
                if (digits)
                    ms = std::min(kHuge, ms * 10 + (c - '0'));
            }
            if (digits)
                out.retry = ms >= kHuge ? -2 : ms;
        }
    };
    QByteArray line;
    for (qsizetype i = 0; i < in.size(); ++i) {
        const char c = in.at(i);
        if (c == '\r' || c == '\n') {
            process(line);
            line.clear();
            if (c == '\r' && i + 1 < in.size() && in.at(i + 1) == '\n')
                ++i;
        } else {
            line += c;
        }
    }
    // A last line without its end is not processed: the stream ended in the middle of it.
    return out;
}

// Feeds `in` to a decoder in the pieces `cuts` describe (ascending offsets), then ends the stream.
inline SseTrace decoderDecode(const QByteArray &in, const std::vector<qsizetype> &cuts)
{
    SseDecoder decoder;
    SseTrace out;
    auto collect = [&] {
        SseBatch batch = decoder.takeBatch();
        for (const SseEvent &e : std::as_const(batch.events))
            out.events.append(e.type + '|' + e.data + '|' + e.lastEventId);
        if (batch.retry) {
            const qint64 ms = batch.retry->count();
            out.retry = ms >= 100000000000000000LL ? -2 : ms;
        }
        out.comments += batch.comments.size();
        out.lastEventId = decoder.lastEventId();
    };
    qsizetype from = 0;
    for (qsizetype cut : cuts) {
        if (cut < from || cut > in.size())
            continue;
        decoder.feed(QByteArrayView(in).sliced(from, cut - from));
        collect();
        from = cut;
    }
    decoder.feed(QByteArrayView(in).sliced(from));
    decoder.reset();
    collect();
    return out;
}

} // namespace cutover::test
