#include "logstream.h"

#include "replyerror.h"

#include "jsonboundary.h"
#include "logjson.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QSslConfiguration>
#include <QUrlQuery>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace cutover {

namespace {

const QString kStreamEndpoint = QStringLiteral("GET /admin/logs/stream");
const QString kBackfillEndpoint = QStringLiteral("GET /admin/logs");
constexpr std::chrono::milliseconds kMinimumDelay {100};

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
{
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &LogStream::connectNow);
}

LogStream::~LogStream()
{
    dropReply();
}

QString LogStream::describe() const
{
    return QStringLiteral("SSE %1").arg(kStreamEndpoint);
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
    m_retry = m_options.initialRetry;
    m_failures = 0;
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
}

void LogStream::connectNow()
{
    if (state() != State::Reconnecting)
        setState(State::Connecting);
    if (m_backfillPending)
        sendBackfill();
    else
        sendStream();
}

QNetworkReply *LogStream::get(const QString &path, const QString &query, std::chrono::milliseconds timeout,
                              const QByteArray &accept, const QByteArray &lastEventId)
{
    QUrl url = m_endpoint.baseUrl;
    QString basePath = url.path();
    if (basePath.endsWith(QLatin1Char('/')))
        basePath.chop(1);
    url.setPath(basePath + path);
    url.setQuery(query.isEmpty() ? QString() : query);
    QNetworkRequest request(url);
    request.setTransferTimeout(int(timeout.count()));
    request.setRawHeader("Accept", accept);
    request.setRawHeader("X-Request-ID", HttpAdminClient::newRequestId());
    if (!m_endpoint.token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_endpoint.token);
    if (!lastEventId.isEmpty())
        request.setRawHeader("Last-Event-ID", lastEventId);
    request.setRawHeader("Cache-Control", "no-cache");
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    if (url.scheme() == QLatin1String("https") && !m_endpoint.caBundle.isEmpty()) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.addCaCertificates(m_endpoint.caBundle);
        request.setSslConfiguration(tls);
    }
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
        accept(std::move(line), lines);
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
    m_failures = 0;
    if (batch.retry)
        m_retry = *batch.retry;
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
            accept(std::move(line.value()), lines);
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
    if (!batch.comments.isEmpty())
        Q_EMIT heartbeat();
}

void LogStream::accept(LogLine &&line, QList<LogLine> &out)
{
    if (m_lastId && line.id <= *m_lastId)
        return; // already delivered (a resumed or replayed stream)
    m_lastId = line.id;
    out.append(std::move(line));
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
    const auto delay = nextDelay();
    logNet(spdlog::level::info,
           QStringLiteral("log stream: %1; reconnecting in %2 ms").arg(error.describe()).arg(delay.count()));
    setState(State::Reconnecting, std::move(error));
    m_reconnectTimer.start(delay);
}

std::chrono::milliseconds LogStream::nextDelay()
{
    // retry × 2^failures, capped, with ±20 % jitter so that many clients do not come back at once.
    const double cap = double(m_options.maxBackoff.count());
    const double base = std::min(cap, double(m_retry.count()) * double(1LL << std::min(m_failures, 20)));
    ++m_failures;
    const double jitter = 0.8 + 0.4 * QRandomGenerator::global()->generateDouble();
    // A floor, so that `retry: 0` from a gateway that closes at once cannot make a request storm.
    return std::chrono::milliseconds(qint64(std::max(double(kMinimumDelay.count()), std::min(base * jitter, cap))));
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
