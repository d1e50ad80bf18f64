#pragma once

#include "actionrunner.h"
#include "apierror.h"
#include "domain.h"
#include "logline.h"
#include "retrypolicy.h"

#include <QObject>

#include <functional>
#include <optional>

namespace cutover {

class LogSource;

// An operator action (engage or release the emergency rollback). The caller creates the
// idempotency key once per action and keeps it for every retry, so that however often the request
// is sent, the gateway applies it once.
struct ActionRequest
{
    QString expectedVersion;
    QString reason;
    QByteArray idempotencyKey;
    static QByteArray newIdempotencyKey();
};

// What the UI and the CLI ask of a gateway, whatever it is (our admin API contract, HAProxy, …).
// Calls are asynchronous; each callback runs once on the backend's thread, and never after the
// backend is destroyed. Capabilities (GatewayInfo) say which calls a backend cannot answer; those
// complete with an ApiError of kind NotFound and a message saying so.
class GatewayBackend : public QObject
{
    Q_OBJECT

public:
    template<typename T>
    using Callback = std::function<void(Result<T>)>;

    using QObject::QObject;
    ~GatewayBackend() override = default;

    // Where this backend points, for display ("http://127.0.0.1:8080").
    virtual QString address() const = 0;

    virtual void fetchInfo(Callback<GatewayInfo> done) = 0;
    virtual void fetchWhoAmI(Callback<WhoAmI> done) = 0;
    virtual void fetchHealth(Callback<HealthSnapshot> done) = 0;
    virtual void fetchMetrics(Callback<MetricsScrape> done) = 0;

    virtual void fetchRoutes(Callback<RouteList> done) = 0;
    // Fails with Kind::Conflict (412) when the route changed since `expectedVersion` was read.
    virtual void setRoutePercent(const QString &routeId, int percent, const QString &expectedVersion,
                                 const QString &reason, Callback<Route> done) = 0;
    virtual void fetchFlags(Callback<FlagList> done) = 0;
    virtual void updateFlag(const QString &name, const FlagChange &change, const QString &expectedVersion,
                            const QString &reason, Callback<Flag> done) = 0;

    virtual void fetchRollback(Callback<RollbackState> done) = 0;
    // Actions keep retrying through transient failures (same idempotency key) until the gateway
    // answers, `cancelAction(id)` is called, or the retry budget (actionRetry()) is spent: this is
    // the one layer that resends them. Returns the action's id; actionProgress reports its steps.
    virtual quint64 engageRollback(const ActionRequest &request, Callback<RollbackState> done) = 0;
    virtual quint64 releaseRollback(const ActionRequest &request, bool keepMonolith, Callback<RollbackState> done) = 0;
    // A try on the wire is waited for (a confirmation still wins); none is started after it.
    virtual void cancelAction(quint64 actionId) = 0;
    // How the actions started from now on are tried: the console's RetryPolicy::untilCancelled
    // (chosen in AppSession), cutoverctl's short budget within its deadline.
    void setActionRetry(RetryPolicy policy) { m_actionRetry = policy; }
    RetryPolicy actionRetry() const { return m_actionRetry; }

    virtual void fetchAudit(qint64 afterId, int limit, Callback<AuditPage> done) = 0;

    // Log backfill: up to `limit` lines after `after`, or the newest `limit` without it; a gap
    // in the page says which asked-for lines left the gateway's buffer.
    virtual void fetchLogs(std::optional<LogId> after, int limit, Callback<LogPage> done) = 0;
    // A follower of the live log, owned by `parent`, not started; nullptr when the gateway has
    // no log stream (GatewayInfo::capabilities.logStream).
    virtual LogSource *createLogSource(QObject *parent) = 0;

Q_SIGNALS:
    // A step of the action `actionId` (engageRollback's or releaseRollback's id): a try goes out,
    // or one did not settle it and the same request goes again. Steps of other calls are not reported.
    void actionProgress(quint64 actionId, const cutover::ActionStep &step);

private:
    RetryPolicy m_actionRetry {8, std::chrono::milliseconds(300), std::chrono::milliseconds(5000)};
};

} // namespace cutover
