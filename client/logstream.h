#pragma once

#include "apierror.h"
#include "httpadminclient.h"
#include "logline.h"
#include "ssedecoder.h"

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
// splits it so that the lines before the gap arrive first. Lines whose id is not above the last one
// delivered are dropped, so a resumed stream never hands a line out twice.
class LogStream : public QObject
{
    Q_OBJECT

public:
    enum class State { Stopped, Connecting, Streaming, Reconnecting };
    Q_ENUM(State)

    struct Options
    {
        // No byte for this long ends the connection. Gateways send a heartbeat at least every
        // 15 s, so three missed heartbeats mean the connection is dead even if TCP has not noticed.
        std::chrono::milliseconds transferTimeout {45000};
        // Reconnection delay until the server sends `retry:`; doubled per failed attempt (with
        // ±20 % jitter) up to maxBackoff, and never below 100 ms.
        std::chrono::milliseconds initialRetry {2000};
        std::chrono::milliseconds maxBackoff {30000};
        // > 0: fetch up to this many lines with GET /admin/logs before streaming.
        int backfillLimit = 0;
    };

    // `nam` is shared and not owned; it must outlive this object. The token is never logged.
    LogStream(QNetworkAccessManager *nam, HttpEndpoint endpoint, QObject *parent = nullptr);
    ~LogStream() override;

    void setOptions(const Options &options) { m_options = options; }
    const Options &options() const { return m_options; }
    // Takes effect at the next (re)connection.
    void setToken(const QByteArray &token) { m_endpoint.token = token; }

    // Starts following. `after`: deliver lines after this id (the gateway reports a gap if they
    // have left its buffer). Without it: the newest Options::backfillLimit lines, if set, then
    // only new lines. Restarts if already running.
    void start(std::optional<LogId> after = std::nullopt);
    // Stops at once; no signal but connectionStateChanged(Stopped) follows.
    void stop();

    State state() const { return m_state; }
    // Why the stream is reconnecting or stopped, if it was an error.
    const std::optional<ApiError> &lastError() const { return m_lastError; }
    // The id of the last line or gap delivered (the resume point).
    std::optional<LogId> lastId() const { return m_lastId; }
    // The reconnection time the gateway asked for (`retry:`), else Options::initialRetry.
    std::chrono::milliseconds reconnectionTime() const { return m_retry; }

    static QString stateName(State state);

Q_SIGNALS:
    void linesReceived(const QList<cutover::LogLine> &lines);
    // Lines from..to will never arrive (the gateway's buffer dropped them, or this client was
    // too slow).
    void gap(cutover::LogId from, cutover::LogId to, quint64 missed);
    // `error` is set when the state changed because of one: Reconnecting (will retry) or Stopped
    // (will not: 401/403, 204, 404, …). A stop() gives Stopped without an error.
    void connectionStateChanged(cutover::LogStream::State state, const std::optional<cutover::ApiError> &error);
    // A comment line arrived: the gateway's keep-alive.
    void heartbeat();
    // An event this client could not use (bad JSON, wrong shape, oversized line); skipped.
    void malformedEvent(const cutover::ApiError &error);

private:
    void connectNow();
    void sendBackfill();
    void sendStream();
    QNetworkReply *get(const QString &path, const QString &query, std::chrono::milliseconds timeout,
                       const QByteArray &accept, const QByteArray &lastEventId);
    void streamMetaData(QNetworkReply *reply);
    void streamData(QNetworkReply *reply);
    void streamFinished(QNetworkReply *reply);
    void backfillFinished(QNetworkReply *reply);
    void deliver(SseBatch batch);
    void accept(LogLine &&line, QList<LogLine> &out);
    void deliverLines(QList<LogLine> &lines);
    void deliverGap(LogGap gap);
    void fail(ApiError error);
    void retryLater(ApiError error);
    void setState(State state, std::optional<ApiError> error = std::nullopt);
    ApiError errorFor(QNetworkReply *reply, const QByteArray &body, const QString &endpoint) const;
    ApiError notAnEventStream(QNetworkReply *reply) const;
    std::chrono::milliseconds nextDelay();
    void dropReply();

    QNetworkAccessManager *m_nam;
    HttpEndpoint m_endpoint;
    Options m_options;
    QPointer<QNetworkReply> m_reply;
    SseDecoder m_decoder;
    QTimer m_reconnectTimer;
    State m_state = State::Stopped;
    std::optional<ApiError> m_lastError;
    std::optional<LogId> m_lastId;
    std::optional<LogId> m_backfillAfter;
    std::chrono::milliseconds m_retry {2000};
    int m_failures = 0;
    quint64 m_generation = 0;   // bumped by start()/stop(), so work begun before them stops
    bool m_backfillPending = false;
    bool m_eventStream = false; // the current reply is a 200 text/event-stream
};

} // namespace cutover
