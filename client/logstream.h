#pragma once

#include "apierror.h"
#include "httpadminclient.h"
#include "logline.h"
#include "logsource.h"
#include "reconnectpolicy.h"
#include "ssedecoder.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <chrono>
#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

namespace cutover {

// Follows a gateway's live log: GET {base}/admin/logs/stream (docs/admin-api.md §6), optionally
// after a backfill from GET /admin/logs. Reconnects on its own, with the last event ID, until
// stopped or told to stop (401/403, 204, an endpoint that does not exist).
//
// Every readyRead is drained completely and turned into one linesReceived(); a gap inside a batch
// splits it so that the lines before the gap arrive first. A line whose id equals the last one
// delivered is dropped, so a resumed stream never hands a line out twice.
//
// Every connection starts with GET /admin/info: a new `instance` there, in the log page or in the
// stream's `instance` event (admin API 1.1), or (1.0 gateways) a line whose id is below the last
// one delivered, or a buffer that ends below the resume point, means the gateway restarted and
// its ids began again. Then gatewayRestarted() says so and the stream starts over
// with everything the new instance still has (after id 0), instead of waiting for ids it will not
// reach for hours. A connection silent (no line, no heartbeat) for two heartbeat intervals is
// taken for dead: Reconnecting, with a Timeout error that says so.
class LogStream : public LogSource
{
    Q_OBJECT

public:
    struct Options
    {
        // No byte for this long ends the connection, whatever the heartbeats: a backstop behind
        // the silence timeout (two heartbeat intervals, see heartbeatInterval).
        std::chrono::milliseconds transferTimeout {45000};
        // Reconnection delay until the server sends `retry:`; doubled per failed attempt (with
        // ±20 % jitter) up to maxBackoff, and never below 100 ms.
        std::chrono::milliseconds initialRetry {2000};
        std::chrono::milliseconds maxBackoff {30000};
        // > 0: fetch up to this many lines with GET /admin/logs before streaming.
        int backfillLimit = 0;
        // The heartbeat interval assumed until two heartbeats show the gateway's own (the
        // contract's maximum). Silence for twice the interval ends the connection.
        std::chrono::milliseconds heartbeatInterval {15000};
    };

    // `nam` is shared and not owned; it must outlive this object. The token is never logged.
    LogStream(QNetworkAccessManager *nam, HttpEndpoint endpoint, QObject *parent = nullptr);
    ~LogStream() override;

    void setOptions(const Options &options) { m_options = options; }
    const Options &options() const { return m_options; }
    // Takes effect at the next (re)connection.
    void setToken(const QByteArray &token) { m_endpoint.token = token; }

    void setBackfill(int lines) override { m_options.backfillLimit = lines; }
    // Without `after`: the newest Options::backfillLimit lines, if set, then only new lines.
    void start(std::optional<LogId> after = std::nullopt) override;
    void stop() override;
    QString describe() const override;
    // Twice the heartbeat interval: learnt from the gateway once two heartbeats arrived.
    std::optional<std::chrono::milliseconds> silenceTimeout() const override;
    // The gateway's `instance` as last read from GET /admin/info, the log page or the stream;
    // empty before or without one.
    QString instance() const { return m_instance; }
    // The instance whose ids a start(after) resumes (e.g. from the page the resume point came
    // from), so that a restart in between is seen even before /admin/info answers.
    void setResumeInstance(const QString &instance) override { m_instance = instance; }

    // The id of the last line or gap delivered (the resume point).
    std::optional<LogId> lastId() const { return m_lastId; }
    // The reconnection time the gateway asked for (`retry:`), else Options::initialRetry.
    std::chrono::milliseconds reconnectionTime() const { return m_reconnect.base(); }

private:
    void connectNow();
    void sendInfo();
    void infoFinished(QNetworkReply *reply);
    void startOver(const QString &why);
    void silenceTimedOut();
    void sendBackfill();
    void sendStream();
    QNetworkReply *get(const QString &path, const QString &query, std::chrono::milliseconds timeout,
                       const QByteArray &accept, const QByteArray &lastEventId);
    void streamMetaData(QNetworkReply *reply);
    void streamData(QNetworkReply *reply);
    void streamFinished(QNetworkReply *reply);
    void backfillFinished(QNetworkReply *reply);
    void deliver(SseBatch batch);
    // False when the line's id is below the last one delivered: the gateway restarted.
    bool accept(LogLine &&line, QList<LogLine> &out);
    void deliverLines(QList<LogLine> &lines);
    void deliverGap(LogGap gap);
    void fail(ApiError error);
    void retryLater(ApiError error);
    ApiError errorFor(QNetworkReply *reply, const QByteArray &body, const QString &endpoint) const;
    ApiError notAnEventStream(QNetworkReply *reply) const;
    static ReconnectPolicy reconnectPolicy(const Options &options);
    void dropReply();

    QNetworkAccessManager *m_nam;
    HttpEndpoint m_endpoint;
    Options m_options;
    QPointer<QNetworkReply> m_reply;
    SseDecoder m_decoder;
    QTimer m_reconnectTimer;
    QTimer m_silenceTimer;       // runs while streaming; restarted by every byte
    QElapsedTimer m_sinceHeartbeat; // since the connection's last heartbeat
    std::optional<std::chrono::milliseconds> m_heartbeatInterval; // as the gateway sends them
    QString m_instance;
    bool m_checkInstance = false; // GET /admin/info before the next connection
    std::optional<LogId> m_lastId;
    std::optional<LogId> m_backfillAfter;
    ReconnectPolicy m_reconnect;
    quint64 m_generation = 0;   // bumped by start()/stop(), so work begun before them stops
    bool m_backfillPending = false;
    bool m_eventStream = false; // the current reply is a 200 text/event-stream
};

} // namespace cutover
