#pragma once

#include "actionrunner.h"
#include "gatewaybackend.h"
#include "readback.h"
#include "retrypolicy.h"

#include <QNetworkRequest>
#include <QByteArray>
#include <QDeadlineTimer>
#include <QSet>
#include <QUrl>

#include <chrono>

class QNetworkAccessManager;
class QNetworkReply;

namespace cutover {

struct HttpEndpoint
{
    QUrl baseUrl;
    QByteArray token;            // kept in memory only; never logged or shown
    QString caBundle;            // extra PEM CAs to trust, on top of the system's
    std::chrono::milliseconds timeout {10000};
};

// A request to `pathAndQuery` ("/admin/logs?after=3") under the endpoint's base path, as every
// client of the admin API sends it: the endpoint's transfer timeout, its token as a bearer token
// (when it has one), its extra CAs for https (verification stays on), never from a cache. Callers
// add what is theirs (Accept, X-Request-ID, Content-Type).
QNetworkRequest adminRequest(const HttpEndpoint &endpoint, const QString &pathAndQuery);

// The contract's HTTP admin API (docs/admin-api.md) over one shared QNetworkAccessManager.
// GETs and action POSTs run through the one ActionRunner, so one rule decides when a request is
// tried again (RetryPolicy's jittered, capped backoff, never past the deadline): GETs after
// transient failures; action POSTs also when a 2xx answer arrives cut off or unreadable, with
// their idempotency key (the replay brings the original answer). PUTs are never retried (If-Match
// makes a blind retry fail anyway; runRouteChange in readback.h decides a lost answer by reading back).
// A change whose answer is lost fails with ApiError::answerLost set: it may have been applied.
class HttpAdminClient : public GatewayBackend
{
    Q_OBJECT

public:
    HttpAdminClient(QNetworkAccessManager *nam, HttpEndpoint endpoint, QObject *parent = nullptr);
    ~HttpAdminClient() override;

    QString address() const override;
    void fetchInfo(Callback<GatewayInfo> done) override;
    void fetchWhoAmI(Callback<WhoAmI> done) override;
    void fetchHealth(Callback<HealthSnapshot> done) override;
    void fetchMetrics(Callback<MetricsScrape> done) override;
    void fetchRoutes(Callback<RouteList> done) override;
    void setRoutePercent(const QString &routeId, int percent, const QString &expectedVersion, const QString &reason,
                         Callback<Route> done) override;
    void fetchFlags(Callback<FlagList> done) override;
    void updateFlag(const QString &name, const FlagChange &change, const QString &expectedVersion,
                    const QString &reason, Callback<Flag> done) override;
    void fetchRollback(Callback<RollbackState> done) override;
    quint64 engageRollback(const ActionRequest &request, Callback<RollbackState> done) override;
    quint64 releaseRollback(const ActionRequest &request, bool keepMonolith, Callback<RollbackState> done) override;
    void cancelAction(quint64 actionId) override;
    // engageRollback (`engage`) or releaseRollback, with the runner's resolve step: a lost answer
    // is first sent again with the same key (the gateway replays its answer); when answers keep
    // being lost (the last try of the budget, or the deadline may leave no time for another) the
    // rollback state and the audit entry carrying the request's key (readBackRollback) decide. For
    // a caller with nothing above that reads back (cutoverctl): `done` also gets the lost answer
    // and what the last read back found. Progress lines say when it reads back and what it found.
    // Without an end to the tries (RetryPolicy::untilCancelled), the state is read back after
    // every kReadBackEvery-th lost answer, so that answers that keep being lost do not keep the
    // operator waiting for ever on a change the gateway has.
    quint64 runRollbackAction(const ActionRequest &request, bool engage, bool keepMonolith,
                              std::function<void(CheckedRollback)> done);
    void fetchAudit(qint64 afterId, int limit, Callback<AuditPage> done) override;
    void fetchLogs(std::optional<LogId> after, int limit, Callback<LogPage> done) override;
    // A LogStream on the same network manager and endpoint (token included).
    LogSource *createLogSource(QObject *parent) override;

Q_SIGNALS:
    // One line for the operator while a call is retried ("… — sending it again in 0.6 s").
    void progress(const QString &line);

public:

    void setGetRetry(RetryPolicy policy) { m_getRetry = policy; }
    // An overall deadline for the calls started from now on (cutoverctl --timeout): none sends,
    // waits or retries past it, and one still receiving then (a trickling gateway) is aborted
    // and fails with Kind::Timeout. The per-request transfer timeout still applies within it.
    void setDeadline(QDeadlineTimer deadline) { m_deadline = deadline; }
    QDeadlineTimer deadline() const { return m_deadline; }

    // A fresh X-Request-ID value.
    static QByteArray newRequestId();
    // A /metrics answer larger than this is not read (and not parsed): a failed scrape, so a
    // runaway exposition cannot take the console's memory (cutover-sim with 2,000 services sends 2.3 MB).
    static constexpr qint64 kMaxMetricsBytes = 32 * 1024 * 1024;
    // As often as the default budget reads back: once every 8 tries.
    static constexpr int kReadBackEvery = 8;

    struct Raw
    {
        QByteArray body;
        QByteArray contentType;
    };

private:
    struct Call
    {
        QByteArray method;
        QString path;            // with the query, if any
        QByteArray body;
        QList<QPair<QByteArray, QByteArray>> headers;
        std::function<void(Result<Raw>)> done;
        // For changes: why a 2xx body is unreadable, empty when it is fine. An unreadable answer
        // to a change is a lost answer (retried for actions), not a failure of the change.
        std::function<QString(const QByteArray &)> checkAnswer = {};
        std::optional<QDeadlineTimer> deadline = {}; // unset: m_deadline when the call starts
        qint64 maxBytes = 0;     // > 0: a longer answer is abandoned and fails as Malformed
        bool single = false;     // one try of an ActionRunner, which retries, logs and cancels

        // "GET /admin/routes": the method and the path without its query, for error messages.
        QString endpointName() const { return QString::fromLatin1(method) + QLatin1Char(' ') + path.section(QLatin1Char('?'), 0, 0); }
    };
    void send(Call call);
    void fail(Call &call, ApiError error);
    // A GET through the runner: each try is one `send`.
    void get(const QString &path, std::function<void(Result<Raw>)> done, QList<QPair<QByteArray, QByteArray>> headers = {},
             qint64 maxBytes = 0);
    ActionRunner::Spec<RollbackState> actionSpec(const QString &path, const ActionRequest &request, QByteArray body);
    // Runs a rollback action on the runner, its steps reported as actionProgress.
    quint64 runAction(ActionRunner::Spec<RollbackState> spec, Callback<RollbackState> done);
    static QString actionPath(bool engage);
    static QByteArray actionBody(const ActionRequest &request, bool engage, bool keepMonolith);

    QNetworkAccessManager *m_nam;
    HttpEndpoint m_endpoint;
    RetryPolicy m_getRetry;
    QDeadlineTimer m_deadline {QDeadlineTimer::Forever};
    ActionRunner *m_runner;
    QSet<quint64> m_actions; // the runner's rollback actions under way
};

} // namespace cutover
