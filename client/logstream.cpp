#include "logstream.h"

#include "replyerror.h"

#include "jsonboundary.h"
#include "logjson.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QUrlQuery>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace cutover {

namespace {

const QString kStreamEndpoint = QStringLiteral("GET /admin/logs/stream");
const QString kBackfillEndpoint = QStringLiteral("GET /admin/logs");
constexpr std::chrono::milliseconds kMinimumHeartbeat {500};

bool isEventStream(const QNetworkReply *reply)
{
    const QByteArray type = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray().trimmed().toLower();
    return type.startsWith("text/event-stream");
}

int statusOf(const QNetworkReply *reply)
{
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

void logNet(spdlog::level::level_enum level, const QString &text)
{
    if (auto log = spdlog::get("net"))
        log->log(level, "{}", text.toStdString());
}

} // namespace

LogStream::LogStream(QNetworkAccessManager *nam, HttpEndpoint endpoint, QObject *parent)
    : LogSource(parent)
    , m_nam(nam)
    , m_endpoint(std::move(endpoint))
    , m_reconnect(reconnectPolicy(m_options))
{
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &LogStream::connectNow);
    m_silenceTimer.setSingleShot(true);
    connect(&m_silenceTimer, &QTimer::timeout, this, &LogStream::silenceTimedOut);
}

LogStream::~LogStream()
{
    dropReply();
}

QString LogStream::describe() const
{
    return QStringLiteral("SSE %1").arg(kStreamEndpoint);
}

std::optional<std::chrono::milliseconds> LogStream::silenceTimeout() const
{
    return 2 * m_heartbeatInterval.value_or(m_options.heartbeatInterval);
}

void LogStream::start(std::optional<LogId> after)
{
    ++m_generation;
    dropReply();
    m_reconnectTimer.stop();
    m_decoder = SseDecoder();
    m_decoder.setLastEventId(after ? QByteArray::number(after->value) : QByteArray());
    m_lastId = after;
    m_backfillAfter = after;
    m_backfillPending = m_options.backfillLimit > 0;
    m_reconnect = reconnectPolicy(m_options);
    m_checkInstance = true;
    clearLastError();
    setState(State::Connecting);
    connectNow();
}

void LogStream::stop()
{
    ++m_generation;
    m_reconnectTimer.stop();
    dropReply();
    setState(State::Stopped);
}

void LogStream::dropReply()
{
    // Disconnect first: abort() emits finished() synchronously and this is not a failure.
    if (QNetworkReply *reply = m_reply.data()) {
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
    m_reply = nullptr;
    m_eventStream = false;
    m_silenceTimer.stop();
}

void LogStream::connectNow()
{
    if (state() != State::Reconnecting)
        setState(State::Connecting);
    if (m_checkInstance)
        sendInfo();
    else if (m_backfillPending)
        sendBackfill();
    else
        sendStream();
}

void LogStream::sendInfo()
{
    QNetworkReply *reply = get(QStringLiteral("/admin/info"), {}, m_endpoint.timeout, "application/json", {});
    connect(reply, &QNetworkReply::finished, this, [this, reply] { infoFinished(reply); });
}

void LogStream::infoFinished(QNetworkReply *reply)
{
    if (reply != m_reply)
        return;
    reply->deleteLater();
    m_reply = nullptr;
    m_checkInstance = false;
    const QByteArray body = reply->isOpen() ? reply->readAll() : QByteArray();
    if (reply->error() == QNetworkReply::NoError && statusOf(reply) == 200) {
        const auto info = json::parseInfo(body);
        if (info && !info->instance.isEmpty()) {
            const QString previous = std::exchange(m_instance, info->instance);
            // Only a stream with a resume point has ids to lose; a fresh one just notes the instance.
            if (!previous.isEmpty() && previous != m_instance && m_lastId) {
                startOver(tr("instance %1 is now %2").arg(previous, m_instance));
                return;
            }
        }
    }
    // Whatever the answer (a gateway without /admin/info, one still starting), follow the log:
    // the ids say the rest.
    if (m_backfillPending)
        sendBackfill();
    else
        sendStream();
}

void LogStream::startOver(const QString &why)
{
    logNet(spdlog::level::warn, QStringLiteral("log stream: the gateway restarted (%1); following the new instance's log from its start").arg(why));
    ++m_generation; // work begun for the previous instance stops here
    dropReply();
    m_reconnectTimer.stop();
    // Everything the new instance still has: its ids start again at 1.
    m_lastId.reset();
    m_backfillAfter = LogId {0};
    m_backfillPending = m_options.backfillLimit > 0;
    m_decoder = SseDecoder();
    m_decoder.setLastEventId(QByteArrayLiteral("0"));
    m_checkInstance = m_instance.isEmpty();
    m_reconnectTimer.start(0);
    Q_EMIT gatewayRestarted(why);
}

void LogStream::silenceTimedOut()
{
    if (!m_reply || !m_eventStream)
        return;
    const auto timeout = *silenceTimeout();
    ApiError e;
    e.kind = ApiError::Kind::Timeout;
    e.endpoint = kStreamEndpoint;
    e.message = tr("no line and no heartbeat for %1 s (twice the gateway's heartbeat interval)")
                    .arg(double(timeout.count()) / 1000.0);
    // Learn the interval again on the next connection, in case what we learnt was wrong.
    m_heartbeatInterval.reset();
    dropReply();
    retryLater(std::move(e));
}

QNetworkReply *LogStream::get(const QString &path, const QString &query, std::chrono::milliseconds timeout,
                              const QByteArray &accept, const QByteArray &lastEventId)
{
    HttpEndpoint endpoint = m_endpoint;
    endpoint.timeout = timeout;
    QNetworkRequest request = adminRequest(endpoint, query.isEmpty() ? path : path + QLatin1Char('?') + query);
    request.setRawHeader("Accept", accept);
    request.setRawHeader("X-Request-ID", HttpAdminClient::newRequestId());
    if (!lastEventId.isEmpty())
        request.setRawHeader("Last-Event-ID", lastEventId);
    request.setRawHeader("Cache-Control", "no-cache");
    QNetworkReply *reply = m_nam->get(request);
    reply->setParent(this);
    m_reply = reply;
    return reply;
}

void LogStream::sendBackfill()
{
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("limit"), QString::number(m_options.backfillLimit));
    if (m_backfillAfter)
        query.addQueryItem(QStringLiteral("after"), QString::number(m_backfillAfter->value));
    QNetworkReply *reply = get(QStringLiteral("/admin/logs"), query.toString(), m_endpoint.timeout,
                               "application/json", {});
    connect(reply, &QNetworkReply::finished, this, [this, reply] { backfillFinished(reply); });
}

void LogStream::sendStream()
{
    m_decoder.reset();
    m_eventStream = false;
    QNetworkReply *reply = get(QStringLiteral("/admin/logs/stream"), {}, m_options.transferTimeout,
                               "text/event-stream", m_decoder.lastEventId());
    connect(reply, &QNetworkReply::metaDataChanged, this, [this, reply] { streamMetaData(reply); });
    connect(reply, &QNetworkReply::readyRead, this, [this, reply] { streamData(reply); });
    connect(reply, &QNetworkReply::finished, this, [this, reply] { streamFinished(reply); });
}

void LogStream::streamMetaData(QNetworkReply *reply)
{
    if (reply != m_reply || m_eventStream || statusOf(reply) != 200)
        return; // error statuses are handled with their (small) body when the reply finishes
    if (!isEventStream(reply)) {
        // A 200 that is not an event stream (a proxy's page, a misrouted request) may never end:
        // do not buffer it.
        ApiError e = notAnEventStream(reply);
        dropReply();
        fail(std::move(e));
        return;
    }
    m_eventStream = true;
    m_sinceHeartbeat.invalidate(); // intervals are measured between two heartbeats of one connection
    m_silenceTimer.start(*silenceTimeout());
    logNet(spdlog::level::info, QStringLiteral("log stream connected to %1%2")
                                    .arg(m_endpoint.baseUrl.toString(QUrl::RemoveUserInfo),
                                         m_decoder.lastEventId().isEmpty()
                                             ? QString()
                                             : QStringLiteral(" after ") + QString::fromLatin1(m_decoder.lastEventId())));
    setState(State::Streaming);
}

void LogStream::streamData(QNetworkReply *reply)
{
    if (reply != m_reply)
        return;
    if (!m_eventStream)
        streamMetaData(reply);
    // Anything else is an error body, read when the reply finishes.
    if (!m_eventStream)
        return;
    m_decoder.feed(reply->readAll());
    deliver(m_decoder.takeBatch());
    // Any byte shows the connection alive (a receiver may have stopped or restarted the stream).
    if (reply == m_reply && m_eventStream)
        m_silenceTimer.start(*silenceTimeout());
}

void LogStream::streamFinished(QNetworkReply *reply)
{
    if (reply != m_reply)
        return;
    reply->deleteLater();
    m_reply = nullptr;
    const int status = statusOf(reply);
    if (m_eventStream) {
        m_eventStream = false;
        if (reply->isOpen()) // not after an abort (the transfer timeout)
            m_decoder.feed(reply->readAll());
        m_decoder.reset(); // an event cut off by the end of the connection is not dispatched
        const quint64 generation = m_generation;
        deliver(m_decoder.takeBatch());
        if (generation != m_generation)
            return; // a receiver stopped or restarted the stream
        // The 200 was fine; the connection is what ended.
        ApiError e;
        e.endpoint = kStreamEndpoint;
        e.requestId = QString::fromLatin1(reply->rawHeader("X-Request-ID"));
        if (reply->error() == QNetworkReply::NoError) {
            e.kind = ApiError::Kind::Unreachable;
            e.message = tr("the gateway closed the log stream");
        } else {
            classifyTransportError(reply, m_options.transferTimeout, e);
        }
        if (e.kind == ApiError::Kind::Tls)
            fail(std::move(e));
        else
            retryLater(std::move(e));
        return;
    }
    const QByteArray body = reply->isOpen() ? reply->readAll() : QByteArray();
    if (status == 204) {
        ApiError e;
        e.kind = ApiError::Kind::Http;
        e.httpStatus = 204;
        e.endpoint = kStreamEndpoint;
        e.message = tr("the gateway asked this client not to reconnect");
        fail(std::move(e));
        return;
    }
    if (status == 200) {
        fail(notAnEventStream(reply)); // normally caught in streamMetaData() already
        return;
    }
    ApiError e = errorFor(reply, body, kStreamEndpoint);
    const bool transient = e.isTransient() || status == 408 || status == 429;
    if (transient)
        retryLater(std::move(e));
    else
        fail(std::move(e));
}

void LogStream::backfillFinished(QNetworkReply *reply)
{
    if (reply != m_reply)
        return;
    reply->deleteLater();
    m_reply = nullptr;
    const QByteArray body = reply->isOpen() ? reply->readAll() : QByteArray();
    const int status = statusOf(reply);
    if (reply->error() != QNetworkReply::NoError || status != 200) {
        ApiError e = errorFor(reply, body, kBackfillEndpoint);
        if (e.isTransient() || status == 408 || status == 429)
            retryLater(std::move(e));
        else
            fail(std::move(e));
        return;
    }
    m_backfillPending = false;
    auto page = json::parseLogPage(body);
    const quint64 generation = m_generation;
    if (page && !page->instance.isEmpty() && page->instance != m_instance) {
        // Admin API 1.1: the page names its instance. Another one than we followed restarted
        // its ids, whatever they are now.
        const QString previous = std::exchange(m_instance, page->instance);
        if (!previous.isEmpty() && m_backfillAfter) {
            startOver(tr("instance %1 is now %2").arg(previous, m_instance));
            return;
        }
    }
    if (page && m_backfillAfter && page->lastId < *m_backfillAfter) {
        // The buffer ends below where we are: these are not the ids we were following.
        startOver(tr("its log ends at id %1, below the resume point %2")
                      .arg(page->lastId.value)
                      .arg(m_backfillAfter->value));
        return;
    }
    if (!page) {
        // Not worth stopping for: report it and follow the stream from the same resume point.
        Q_EMIT malformedEvent(page.error());
        if (generation == m_generation)
            sendStream();
        return;
    }
    if (page->gap)
        deliverGap(*page->gap);
    QList<LogLine> lines;
    lines.reserve(page->lines.size());
    for (LogLine &line : page.value().lines)
        accept(std::move(line), lines); // a page ending below the resume point was caught above
    deliverLines(lines);
    if (generation != m_generation)
        return; // a receiver stopped or restarted the stream
    // Resume after the last line seen; with none, after the gateway's newest (or where we were).
    if (!m_lastId)
        m_lastId = page->lastId;
    m_decoder.setLastEventId(QByteArray::number(m_lastId->value));
    sendStream();
}

void LogStream::deliver(SseBatch batch)
{
    if (batch.isEmpty())
        return;
    // Something arrived in order: the connection works, so the next failure starts the backoff anew.
    m_reconnect.succeeded();
    if (batch.retry)
        m_reconnect.setServerHint(*batch.retry);
    QList<LogLine> lines;
    lines.reserve(batch.events.size());
    for (const SseEvent &event : std::as_const(batch.events)) {
        if (event.type == "log") {
            auto line = json::parseLogLine(event.data);
            if (!line) {
                ApiError e = line.error();
                e.message = QStringLiteral("event %1: ").arg(QString::fromUtf8(event.lastEventId)) + e.message;
                Q_EMIT malformedEvent(e);
                continue;
            }
            const LogId id = line->id;
            const LogId last = m_lastId.value_or(LogId {});
            if (!accept(std::move(line.value()), lines)) {
                const quint64 generation = m_generation;
                deliverLines(lines);
                if (generation == m_generation) // not stopped or restarted by a receiver
                    startOver(tr("its log ids went back from %1 to %2").arg(last.value).arg(id.value));
                return;
            }
        } else if (event.type == "instance") {
            // Admin API 1.1: once per connection, before its lines.
            auto instance = json::parseLogInstance(event.data);
            if (!instance) {
                Q_EMIT malformedEvent(instance.error());
                continue;
            }
            if (instance->instance == m_instance)
                continue;
            const QString previous = std::exchange(m_instance, instance->instance);
            // Only a stream with a resume point has ids to lose; a fresh one just notes the instance.
            if (!previous.isEmpty() && m_lastId) {
                const quint64 generation = m_generation;
                deliverLines(lines);
                if (generation == m_generation) // not stopped or restarted by a receiver
                    startOver(tr("instance %1 is now %2").arg(previous, m_instance));
                return;
            }
        } else if (event.type == "gap") {
            auto gap = json::parseLogGap(event.data);
            if (!gap) {
                Q_EMIT malformedEvent(gap.error());
                continue;
            }
            deliverLines(lines);
            deliverGap(*gap);
        }
        // Other event types are not part of the contract; a newer gateway may add some.
    }
    deliverLines(lines);
    if (batch.oversizedLines > 0) {
        ApiError e;
        e.kind = ApiError::Kind::Malformed;
        e.endpoint = kStreamEndpoint;
        e.message = tr("%n over-long line(s) dropped", nullptr, batch.oversizedLines);
        Q_EMIT malformedEvent(e);
    }
    if (!batch.comments.isEmpty()) {
        // The gateway's interval is the longest seen between two heartbeats; two read back to back
        // (a client that fell behind) say nothing about it.
        const std::chrono::milliseconds since(m_sinceHeartbeat.isValid() ? m_sinceHeartbeat.elapsed() : 0);
        if (since >= kMinimumHeartbeat)
            m_heartbeatInterval = std::max(since, m_heartbeatInterval.value_or(std::chrono::milliseconds(0)));
        m_sinceHeartbeat.start();
        Q_EMIT heartbeat();
    }
}

bool LogStream::accept(LogLine &&line, QList<LogLine> &out)
{
    if (m_lastId && line.id < *m_lastId)
        return false;
    if (m_lastId && line.id == *m_lastId)
        return true; // already delivered (a resumed or replayed stream)
    m_lastId = line.id;
    out.append(std::move(line));
    return true;
}

void LogStream::deliverLines(QList<LogLine> &lines)
{
    if (lines.isEmpty())
        return;
    Q_EMIT linesReceived(lines);
    lines.clear();
}

void LogStream::deliverGap(LogGap gap)
{
    // Only the part not already covered: a line or gap we delivered is not missing.
    if (m_lastId && gap.from <= *m_lastId)
        gap.from = m_lastId->next();
    if (gap.to < gap.from)
        return;
    m_lastId = gap.to;
    Q_EMIT this->gap(gap.from, gap.to, gap.missed());
}

void LogStream::fail(ApiError error)
{
    logNet(spdlog::level::warn, QStringLiteral("log stream stopped: ") + error.describe());
    m_reconnectTimer.stop();
    setState(State::Stopped, std::move(error));
}

void LogStream::retryLater(ApiError error)
{
    m_checkInstance = true; // whoever answers next may be another instance
    const auto delay = m_reconnect.nextDelay();
    logNet(spdlog::level::info,
           QStringLiteral("log stream: %1; reconnecting in %2 ms").arg(error.describe()).arg(delay.count()));
    setState(State::Reconnecting, std::move(error));
    m_reconnectTimer.start(delay);
}

ReconnectPolicy LogStream::reconnectPolicy(const Options &options)
{
    // retry × 2^failures, capped, with ±20 % jitter so that many clients do not come back at
    // once, and a floor so that `retry: 0` from a gateway that closes at once cannot make a
    // request storm.
    return ReconnectPolicy({options.initialRetry, 2.0, options.maxBackoff, 0.2, std::chrono::milliseconds(100), 20});
}

ApiError LogStream::notAnEventStream(QNetworkReply *reply) const
{
    ApiError e = errorFor(reply, {}, kStreamEndpoint);
    e.kind = ApiError::Kind::Malformed;
    e.message = tr("expected Content-Type text/event-stream, got \"%1\"")
                    .arg(reply->header(QNetworkRequest::ContentTypeHeader).toString());
    return e;
}

ApiError LogStream::errorFor(QNetworkReply *reply, const QByteArray &body, const QString &endpoint) const
{
    return apiErrorFromReply(reply, body, endpoint,
                             endpoint == kStreamEndpoint ? m_options.transferTimeout : m_endpoint.timeout);
}

} // namespace cutover
