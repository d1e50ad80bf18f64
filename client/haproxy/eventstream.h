#pragma once

// Follows a HAProxy log ring with `show events <ring> -w` (management.txt; configuration.txt §3.9
// "Rings"): a `ring` section in haproxy.cfg and `log ring@<name> …` make HAProxy keep its logs in
// memory, and this turns the lines into LogLines as they arrive.
//
// HAProxy ends the command when the stats socket's `stats timeout` expires, so the stream
// reconnects by itself. With a ring format that stamps each line to the microsecond (timed, iso,
// rfc5424) it re-reads the ring and skips what it already delivered, so nothing is lost or
// repeated; with other formats it resumes at the end of the ring and reports a gap.

#include "client/apierror.h"
#include "client/haproxy/haproxymodel.h"
#include "client/haproxy/runtimeconnection.h"
#include "client/logline.h"
#include "client/logsource.h"
#include "client/reconnectpolicy.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <chrono>
#include <optional>

class QIODevice;

namespace cutover::haproxy {

// One line of a ring, split into its syslog header and the message.
struct RingLine
{
    int severity = -1;    // from "<pri>", -1 without one
    QByteArray stamp;     // the ISO time as printed (comparable as bytes), empty in other formats
    QDateTime time;       // UTC, when one could be read
    QByteArray message;
};
RingLine splitRingLine(QByteArrayView line);

// The line as a LogLine (id 0): an `option httplog` message gives frontend, backend/server,
// timers, status and request line; the first captured request header is taken as the user id
// (docs/haproxy.md captures X-User-Id). Anything else keeps its text in `message`.
LogLine toLogLine(const RingLine &line, const Conventions &conventions);

class EventStream : public LogSource
{
    Q_OBJECT

public:
    struct Options
    {
        bool backfill = false;                          // deliver what the ring holds at start
        std::chrono::milliseconds reconnectDelay {200}; // after HAProxy ended the command
        std::chrono::milliseconds maxBackoff {10000};   // after failures, doubling
        Conventions conventions;
    };

    // `ring` empty: the first buffer ring other than buf0 that `show events` lists.
    EventStream(Endpoint endpoint, QString ring, QObject *parent = nullptr);
    ~EventStream() override;

    void setOptions(const Options &options) { m_options = options; }
    // HAProxy cannot hand out part of a ring: any backfill delivers all of it.
    void setBackfill(int lines) override { m_options.backfill = lines > 0; }
    // Ring lines have no ids of their own; this numbers them from 1 per stream. `after`
    // continues that numbering past it, with a gap, since what came between is unknown.
    void start(std::optional<LogId> after = std::nullopt) override;
    void stop() override;
    QString describe() const override;

    QString ring() const { return m_ring; }

private:
    void connectNow();
    void onConnected();
    void onReadyRead();
    void onClosed();
    void fail(ApiError error, bool fatal);
    void emitUnknownGap();
    void dropSocket();
    bool isNew(const QByteArray &line, const RingLine &parsed);
    static ReconnectPolicy reconnectPolicy(const Options &options);

    Endpoint m_endpoint;
    QString m_ring;
    Options m_options;
    QPointer<QIODevice> m_socket;
    QTimer m_retry;
    QByteArray m_buffer;
    bool m_listing = false;       // the current connection asks `show events` for the ring list
    bool m_resyncing = false;     // re-reading the ring after a reconnect
    bool m_sawLine = false;       // this connection delivered something (else: an error text?)
    bool m_stamped = true;        // lines carry ISO stamps
    bool m_started = false;       // one connection streamed already
    bool m_gapOnStart = false;    // started after an id: say lines may be missing
    ReconnectPolicy m_reconnect;
    std::uint64_t m_nextId = 1;
    QByteArray m_lastStamp;  // the newest stamp delivered
    QByteArray m_lastLine;   // the last line delivered, where a re-read of the ring resumes
};

} // namespace cutover::haproxy
