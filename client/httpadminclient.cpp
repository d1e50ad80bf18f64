#include "httpadminclient.h"

#include "jsonboundary.h"
#include "logjson.h"
#include "logstream.h"
#include "replyerror.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QSslConfiguration>
#include <QTimer>
#include <QUrlQuery>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>

namespace cutover {

namespace {

const char *const kTooLargeProperty = "cutoverTooLarge";

template<typename T>
std::function<void(Result<HttpAdminClient::Raw>)> parseWith(Result<T> (*parse)(const QByteArray &),
                                                            GatewayBackend::Callback<T> done)
{
    return [parse, done = std::move(done)](Result<HttpAdminClient::Raw> r) {
        if (!r)
            done(r.error());
        else
            done(parse(r->body));
    };
}

// The check of a change's 2xx answer: why `parse` cannot read it, empty when it can.
template<typename T>
std::function<QString(const QByteArray &)> unreadableAs(Result<T> (*parse)(const QByteArray &))
{
    return [parse](const QByteArray &body) {
        const Result<T> r = parse(body);
        return r ? QString() : r.error().message;
    };
}

// If-Match for a version we read; none when we have not read one (the gateway then says 428).
QList<QPair<QByteArray, QByteArray>> ifMatch(const QString &version)
{
    if (version.isEmpty())
        return {};
    return {{QByteArrayLiteral("If-Match"), '"' + version.toUtf8() + '"'}};
}

} // namespace

QByteArray ActionRequest::newIdempotencyKey()
{
    return QByteArray::number(QRandomGenerator::system()->generate64(), 16).rightJustified(16, '0') + '-'
        + QByteArray::number(QRandomGenerator::system()->generate64(), 16).rightJustified(16, '0');
}

HttpAdminClient::HttpAdminClient(QNetworkAccessManager *nam, HttpEndpoint endpoint, QObject *parent)
    : GatewayBackend(parent)
    , m_nam(nam)
    , m_endpoint(std::move(endpoint))
    , m_runner(new ActionRunner(this))
{
    connect(m_runner, &ActionRunner::progress, this, &HttpAdminClient::progress);
    connect(m_runner, &ActionRunner::stepped, this, [this](quint64 id, const ActionStep &step) {
        if (m_actions.contains(id)) // not the GETs'
            Q_EMIT actionProgress(id, step);
    });
}

HttpAdminClient::~HttpAdminClient()
{
    // Replies are children of this object; abort them so no callback runs into a dead client.
    const auto replies = findChildren<QNetworkReply *>();
    for (QNetworkReply *r : replies) {
        r->disconnect(this);
        r->abort();
    }
}

QString HttpAdminClient::address() const
{
    return m_endpoint.baseUrl.toString(QUrl::RemoveUserInfo | QUrl::StripTrailingSlash);
}

QNetworkRequest adminRequest(const HttpEndpoint &endpoint, const QString &pathAndQuery)
{
    QUrl url = endpoint.baseUrl;
    QString basePath = url.path();
    if (basePath.endsWith(QLatin1Char('/')))
        basePath.chop(1);
    const qsizetype q = pathAndQuery.indexOf(QLatin1Char('?'));
    url.setPath(basePath + (q < 0 ? pathAndQuery : pathAndQuery.left(q)));
    url.setQuery(q < 0 ? QString() : pathAndQuery.mid(q + 1));
    QNetworkRequest request(url);
    request.setTransferTimeout(int(endpoint.timeout.count()));
    if (!endpoint.token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + endpoint.token);
    if (url.scheme() == QLatin1String("https") && !endpoint.caBundle.isEmpty()) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.addCaCertificates(endpoint.caBundle);
        request.setSslConfiguration(tls);
    }
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    return request;
}

QByteArray HttpAdminClient::newRequestId()
{
    return "cut-" + QByteArray::number(QRandomGenerator::global()->generate64(), 16).rightJustified(16, '0');
}

void HttpAdminClient::send(Call call)
{
    const bool change = call.method != "GET";
    if (!call.deadline)
        call.deadline = m_deadline;
    if (call.deadline->hasExpired()) {
        ApiError e;
        e.kind = ApiError::Kind::Timeout;
        e.endpoint = call.endpointName();
        e.message = tr("the deadline passed before it could be sent");
        fail(call, std::move(e));
        return;
    }
    QNetworkRequest request = adminRequest(m_endpoint, call.path);
    request.setRawHeader("Accept", "application/json");
    request.setRawHeader("X-Request-ID", newRequestId());
    if (!call.body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    for (const auto &[name, value] : call.headers)
        request.setRawHeader(name, value);

    QNetworkReply *reply = m_nam->sendCustomRequest(request, call.method, call.body);
    reply->setParent(this);
    // The transfer timeout restarts with every byte, so a gateway that trickles never trips it:
    // the deadline ends such a call.
    auto deadlineHit = std::make_shared<bool>(false);
    if (!call.deadline->isForever()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(call.deadline->remainingTimeAsDuration());
        QTimer::singleShot(std::max(left, std::chrono::milliseconds(1)), reply, [reply, deadlineHit] {
            *deadlineHit = true;
            reply->abort();
        });
    }
    if (call.maxBytes > 0) {
        // Stop reading as soon as the answer is known to be too long, not after buffering it.
        connect(reply, &QNetworkReply::downloadProgress, reply, [reply, cap = call.maxBytes](qint64 got, qint64 total) {
            if (got > cap || total > cap) {
                reply->setProperty(kTooLargeProperty, true);
                reply->abort();
            }
        });
    }
    connect(reply, &QNetworkReply::finished, this, [this, reply, change, deadlineHit, call = std::move(call)]() mutable {
        reply->deleteLater();
        if (reply->property(kTooLargeProperty).toBool()) {
            ApiError e;
            e.kind = ApiError::Kind::Malformed;
            e.endpoint = call.endpointName();
            e.requestId = QString::fromLatin1(reply->request().rawHeader("X-Request-ID"));
            e.message = tr("the answer is larger than the %1 MiB this client reads; not used").arg(call.maxBytes / (1024 * 1024));
            fail(call, std::move(e));
            return;
        }
        const QByteArray body = reply->isOpen() ? reply->readAll() : QByteArray();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (*deadlineHit) {
            ApiError e;
            e.kind = ApiError::Kind::Timeout;
            e.endpoint = call.endpointName();
            e.requestId = QString::fromLatin1(reply->request().rawHeader("X-Request-ID"));
            e.message = status ? tr("the deadline passed while the answer (HTTP %1) was still arriving").arg(status)
                               : tr("the deadline passed before an answer arrived");
            e.answerLost = change;
            fail(call, std::move(e));
            return;
        }
        if (reply->error() == QNetworkReply::NoError && status >= 200 && status < 300) {
            const QString unreadable = call.checkAnswer ? call.checkAnswer(body) : QString();
            if (unreadable.isEmpty()) {
                call.done(Raw {body, reply->header(QNetworkRequest::ContentTypeHeader).toByteArray()});
                return;
            }
            // The gateway said 2xx but what arrived cannot be read: it may well have applied it.
            ApiError e;
            e.kind = ApiError::Kind::Malformed;
            e.httpStatus = status;
            e.endpoint = call.endpointName();
            e.requestId = QString::fromLatin1(reply->request().rawHeader("X-Request-ID"));
            e.message = tr("the answer could not be read (%1)").arg(unreadable);
            e.answerLost = true;
            fail(call, std::move(e));
            return;
        }
        ApiError e = apiErrorFromReply(reply, body, call.endpointName(), m_endpoint.timeout);
        if (e.requestId.isEmpty())
            e.requestId = QString::fromLatin1(reply->request().rawHeader("X-Request-ID"));
        // A change may have reached the gateway unless the connection never stood.
        const QNetworkReply::NetworkError err = reply->error();
        e.answerLost = change && e.httpStatus == 0 && e.kind != ApiError::Kind::Tls
            && err != QNetworkReply::ConnectionRefusedError && err != QNetworkReply::HostNotFoundError;
        fail(call, std::move(e));
    });
}

void HttpAdminClient::fail(Call &call, ApiError error)
{
    if (auto log = spdlog::get("net"); log && !call.single)
        log->warn("{}", error.describe().toStdString());
    call.done(std::move(error));
}

void HttpAdminClient::get(const QString &path, std::function<void(Result<Raw>)> done,
                          QList<QPair<QByteArray, QByteArray>> headers, qint64 maxBytes)
{
    Call proto {"GET", path, {}, std::move(headers), {}};
    proto.maxBytes = maxBytes;
    proto.deadline = m_deadline;
    proto.single = true;
    ActionRunner::Spec<Raw> spec;
    spec.name = proto.endpointName();
    spec.confirmer = tr("the gateway");
    spec.retry = m_getRetry;
    spec.deadline = m_deadline;
    spec.attempt = [this, proto = std::move(proto)](const ActionTry &, ActionRunner::Done<Raw> tried) {
        Call call = proto;
        call.done = std::move(tried);
        send(std::move(call));
    };
    m_runner->run(std::move(spec), std::move(done));
}

void HttpAdminClient::fetchInfo(Callback<GatewayInfo> done)
{
    get(QStringLiteral("/admin/info"), parseWith(&json::parseInfo, std::move(done)));
}

void HttpAdminClient::fetchWhoAmI(Callback<WhoAmI> done)
{
    get(QStringLiteral("/admin/whoami"), parseWith(&json::parseWhoAmI, std::move(done)));
}

void HttpAdminClient::fetchHealth(Callback<HealthSnapshot> done)
{
    get(QStringLiteral("/health/services"), parseWith(&json::parseHealth, std::move(done)));
}

void HttpAdminClient::fetchMetrics(Callback<MetricsScrape> done)
{
    // Ask for OpenMetrics first; a gateway that only speaks 0.0.4 answers with that.
    get(
        QStringLiteral("/metrics"),
        [done = std::move(done)](Result<Raw> r) {
            if (!r)
                done(r.error());
            else
                done(MetricsScrape {r->body, r->contentType, QDateTime::currentDateTimeUtc()});
        },
        {{"Accept", "application/openmetrics-text; version=1.0.0, text/plain; version=0.0.4; q=0.5"}}, kMaxMetricsBytes);
}

void HttpAdminClient::fetchRoutes(Callback<RouteList> done)
{
    get(QStringLiteral("/admin/routes"), parseWith(&json::parseRoutes, std::move(done)));
}

void HttpAdminClient::setRoutePercent(const QString &routeId, int percent, const QString &expectedVersion,
                                      const QString &reason, Callback<Route> done)
{
    send({"PUT", QStringLiteral("/admin/routes/") + QString::fromLatin1(QUrl::toPercentEncoding(routeId)),
          json::routeChangeBody(percent, reason), ifMatch(expectedVersion), parseWith(&json::parseRoute, std::move(done)),
          unreadableAs(&json::parseRoute)});
}

void HttpAdminClient::fetchFlags(Callback<FlagList> done)
{
    get(QStringLiteral("/admin/flags"), parseWith(&json::parseFlags, std::move(done)));
}

void HttpAdminClient::updateFlag(const QString &name, const FlagChange &change, const QString &expectedVersion,
                                 const QString &reason, Callback<Flag> done)
{
    send({"PUT", QStringLiteral("/admin/flags/") + QString::fromLatin1(QUrl::toPercentEncoding(name)),
          json::flagChangeBody(change, reason), ifMatch(expectedVersion), parseWith(&json::parseFlag, std::move(done)),
          unreadableAs(&json::parseFlag)});
}

void HttpAdminClient::fetchRollback(Callback<RollbackState> done)
{
    get(QStringLiteral("/admin/rollback"), parseWith(&json::parseRollback, std::move(done)));
}

QString HttpAdminClient::actionPath(bool engage)
{
    return engage ? QStringLiteral("/admin/rollback") : QStringLiteral("/admin/rollback/release");
}

QByteArray HttpAdminClient::actionBody(const ActionRequest &request, bool engage, bool keepMonolith)
{
    return json::rollbackBody(request.reason, engage ? std::nullopt : std::optional<bool>(keepMonolith));
}

ActionRunner::Spec<RollbackState> HttpAdminClient::actionSpec(const QString &path, const ActionRequest &request,
                                                               QByteArray body)
{
    ActionRunner::Spec<RollbackState> spec;
    spec.name = QStringLiteral("POST ") + path;
    spec.confirmer = tr("the gateway");
    spec.retry = actionRetry();
    spec.deadline = m_deadline;
    // Every try carries the action's one idempotency key: the gateway applies it once and replays
    // its first answer to the others.
    auto headers = ifMatch(request.expectedVersion);
    headers.append({QByteArrayLiteral("Idempotency-Key"), request.idempotencyKey});
    spec.attempt = [this, path, body = std::move(body), headers, deadline = m_deadline](const ActionTry &,
                                                                                      Callback<RollbackState> tried) {
        Call call {"POST", path, body, headers, parseWith(&json::parseRollback, std::move(tried)),
                   unreadableAs(&json::parseRollback)};
        call.deadline = deadline;
        call.single = true;
        send(std::move(call));
    };
    return spec;
}

quint64 HttpAdminClient::runAction(ActionRunner::Spec<RollbackState> spec, Callback<RollbackState> done)
{
    auto id = std::make_shared<quint64>(0);
    // (The runner calls back at the earliest on the next turn of the event loop, once *id is set.)
    *id = m_runner->run(std::move(spec), Callback<RollbackState>([this, id, done = std::move(done)](Result<RollbackState> r) {
        m_actions.remove(*id);
        done(std::move(r));
    }));
    m_actions.insert(*id);
    return *id;
}

quint64 HttpAdminClient::engageRollback(const ActionRequest &request, Callback<RollbackState> done)
{
    return runAction(actionSpec(actionPath(true), request, actionBody(request, true, false)), std::move(done));
}

quint64 HttpAdminClient::releaseRollback(const ActionRequest &request, bool keepMonolith, Callback<RollbackState> done)
{
    return runAction(actionSpec(actionPath(false), request, actionBody(request, false, keepMonolith)), std::move(done));
}

quint64 HttpAdminClient::runRollbackAction(const ActionRequest &request, bool engage, bool keepMonolith,
                                           std::function<void(CheckedRollback)> done)
{
    struct Seen
    {
        std::optional<ApiError> lost;
        std::optional<RollbackReadBack> readBack;
        bool lastWasReadBack = false;
        ActionTry lastTry;
        int lostAnswers = 0;
    };
    auto seen = std::make_shared<Seen>();
    ActionRunner::Spec<RollbackState> spec = actionSpec(actionPath(engage), request, actionBody(request, engage, keepMonolith));
    spec.attempt = [attempt = std::move(spec.attempt), seen](const ActionTry &t, Callback<RollbackState> tried) {
        seen->lastWasReadBack = false;
        seen->lastTry = t;
        attempt(t, [seen, tried = std::move(tried)](Result<RollbackState> r) {
            if (!r && r.error().answerLost) {
                seen->lost = r.error();
                ++seen->lostAnswers;
            }
            tried(std::move(r));
        });
    };
    const QString verb = engage ? tr("engage") : tr("release");
    // The same key first: the gateway replays its answer to a copy. The state decides when answers
    // keep being lost: after the last try of the budget, or when the deadline may leave no time for
    // another; with no end to the tries, after every kReadBackEvery-th lost answer.
    spec.resolve = [this, request, engage, verb, seen, retry = spec.retry,
                    deadline = spec.deadline](std::function<void(ActionResolution<RollbackState>)> report) {
        const ActionTry &t = seen->lastTry;
        const auto longestWait = retry.backoff(t.number, [] { return 1.0; });
        const bool lastChance = t.number + 1 >= t.of
            || (!deadline.isForever()
                && std::chrono::duration_cast<std::chrono::milliseconds>(deadline.remainingTimeAsDuration()) <= longestWait);
        const bool readNow = lastChance || (retry.isUntilCancelled() && seen->lostAnswers % kReadBackEvery == 0);
        if (!readNow)
            return report({std::nullopt, false, QString()}); // cannot tell yet: the same request again
        Q_EMIT progress(tr("the gateway's answer to the %1 was lost (%2); reading its state back")
                            .arg(verb, seen->lost ? seen->lost->describe() : tr("no answer")));
        readBackRollback(this, request, engage, [this, request, seen, report = std::move(report)](RollbackReadBack read) {
            seen->readBack = read;
            seen->lastWasReadBack = true;
            ActionResolution<RollbackState> resolution = resolutionOf(read);
            if (!resolution.settled)
                Q_EMIT progress(tr("%1: %2 (idempotency key %3)")
                                    .arg(read.verdict == ReadBack::Verdict::NotApplied ? tr("not applied yet") : tr("cannot tell yet"),
                                         read.evidence, QString::fromLatin1(request.idempotencyKey)));
            report(std::move(resolution));
        });
    };
    return runAction(std::move(spec), [seen, done = std::move(done)](Result<RollbackState> r) {
        done({std::move(r), seen->lost, seen->readBack, seen->lastWasReadBack});
    });
}

void HttpAdminClient::cancelAction(quint64 actionId)
{
    m_runner->cancel(actionId);
}

void HttpAdminClient::fetchAudit(qint64 afterId, int limit, Callback<AuditPage> done)
{
    get(QStringLiteral("/admin/audit?after=%1&limit=%2").arg(afterId).arg(limit), parseWith(&json::parseAudit, std::move(done)));
}

void HttpAdminClient::fetchLogs(std::optional<LogId> after, int limit, Callback<LogPage> done)
{
    QString path = QStringLiteral("/admin/logs?limit=%1").arg(limit);
    if (after)
        path += QStringLiteral("&after=%1").arg(after->value);
    get(path, [done = std::move(done)](Result<Raw> r) {
        if (!r)
            return done(r.error());
        done(json::parseLogPage(r->body));
    });
}

LogSource *HttpAdminClient::createLogSource(QObject *parent)
{
    return new LogStream(m_nam, m_endpoint, parent);
}

} // namespace cutover
