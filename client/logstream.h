#pragma once

#include "apierror.h"
#include "httpadminclient.h"
#include "logline.h"
#include "logsource.h"
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
class LogStream : public LogSource
{
    Q_OBJECT

public:
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

    void setBackfill(int lines) override { m_options.backfillLimit = lines; }
    // Without `after`: the newest Options::backfillLimit lines, if set, then only new lines.
    void start(std::optional<LogId> after = std::nullopt) override;
    void stop() override;
    QString describe() const override;

    // The id of the last line or gap delivered (the resume point).
    std::optional<LogId> lastId() const { return m_lastId; }
    // The reconnection time the gateway asked for (`retry:`), else Options::initialRetry.
    std::chrono::milliseconds reconnectionTime() const { return m_retry; }

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
    std::optional<LogId> m_lastId;
    std::optional<LogId> m_backfillAfter;
    std::chrono::milliseconds m_retry {2000};
    int m_failures = 0;
    quint64 m_generation = 0;   // bumped by start()/stop(), so work begun before them stops
    bool m_backfillPending = false;
    bool m_eventStream = false; // the current reply is a 200 text/event-stream
};

} // namespace cutover
