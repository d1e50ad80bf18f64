#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <chrono>
#include <optional>

namespace cutover {

// One dispatched Server-Sent Event. Bytes, not text: `data` is what the stream carried (UTF-8 by
// the format's definition) and the consumer decodes it once, where it knows what it expects.
struct SseEvent
{
    QByteArray type;        // "message" when the stream named none
    QByteArray data;        // the data lines joined with LF, without the final LF
    QByteArray lastEventId; // the stream's last event ID when this event was dispatched
};

// Everything one feed() produced, in arrival order within each kind.
struct SseBatch
{
    QList<SseEvent> events;
    // The last valid `retry:` value seen, if any: the new reconnection time.
    std::optional<std::chrono::milliseconds> retry;
    // Comment lines (text after ':' minus one leading space). Servers send them as keep-alives.
    QList<QByteArray> comments;
    // Lines longer than the line limit, dropped whole (see setMaxLineBytes()).
    int oversizedLines = 0;

    bool isEmpty() const { return events.isEmpty() && !retry && comments.isEmpty() && oversizedLines == 0; }
};

// A pure WHATWG `text/event-stream` parser (HTML §9.2.6), fed with bytes split anywhere.
//
// It keeps only what a line still needs: complete lines are parsed straight out of the chunk
// handed to feed(), and only the unfinished tail of a chunk is copied. Per event it allocates the
// event's own buffers and nothing per byte.
//
// Deviation from the letter of the spec, on purpose: the spec gives each new connection an empty
// "last event ID buffer", so a reconnection whose first block is only `retry:` would reset the
// last event ID to "" and lose the resume point. Like Chromium, this parser starts every
// connection with the ID it had when the previous one ended (see reset()).
class SseDecoder
{
public:
    SseDecoder();

    // Parses as much as is complete; the rest waits for the next call. Results accumulate until
    // takeBatch().
    void feed(QByteArrayView bytes);
    // What feed() produced since the last call.
    SseBatch takeBatch();

    // Ends the current connection: an event without its terminating blank line is discarded (not
    // dispatched), and the next feed() is the start of a new stream (a BOM is stripped again).
    // The committed last event ID and the reconnection time are kept.
    void reset();

    // The ID of the last dispatched event (what a reconnection sends as Last-Event-ID).
    const QByteArray &lastEventId() const { return m_lastEventId; }
    // Sets the resume point before the first connection, e.g. from a backfill.
    void setLastEventId(const QByteArray &id);

    // A line longer than this is dropped whole, counted in SseBatch::oversizedLines, so a broken
    // server cannot make the client buffer without bound. Default 4 MiB.
    void setMaxLineBytes(qsizetype bytes) { m_maxLine = bytes; }

private:
    enum class Start { ExpectBom, Lines };

    void consume(QByteArrayView bytes);
    void line(QByteArrayView line);
    void field(QByteArrayView name, QByteArrayView value);
    void dispatch();

    QByteArray m_partial;      // the unfinished line carried over from the previous chunk
    QByteArray m_data;         // data buffer
    QByteArray m_type;         // event type buffer
    QByteArray m_idBuffer;     // last event ID buffer (not reset by dispatch)
    QByteArray m_lastEventId;  // committed at dispatch
    QByteArray m_lastType;     // the previous dispatched type, shared to avoid a copy per event
    SseBatch m_batch;
    qsizetype m_maxLine = 4 * 1024 * 1024;
    Start m_start = Start::ExpectBom;
    bool m_skipLf = false;     // the previous chunk ended with CR: a leading LF belongs to it
    bool m_discarding = false; // inside an oversized line, dropping bytes until its end
};

} // namespace cutover
