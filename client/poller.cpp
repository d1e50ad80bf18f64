#include "poller.h"

#include "reconnectpolicy.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace cutover {

QString sourceName(Source source)
{
    switch (source) {
    case Source::Health: return QStringLiteral("health");
    case Source::Metrics: return QStringLiteral("metrics");
    case Source::Routes: return QStringLiteral("routes");
    case Source::Flags: return QStringLiteral("flags");
    case Source::Rollback: return QStringLiteral("rollback");
    case Source::Audit: return QStringLiteral("audit");
    }
    return {};
}

bool SourceState::isStale(const QDateTime &nowUtc) const
{
    if (lastError)
        return true;
    if (!lastSuccess.isValid())
        return false; // nothing yet: "waiting", not stale
    return lastSuccess.msecsTo(nowUtc) > 2 * interval.count() + 1000;
}

Poller::Poller(GatewayBackend *backend, QObject *parent)
    : QObject(parent)
    , m_backend(backend)
{
    using namespace std::chrono_literals;
    const std::chrono::milliseconds defaults[kSourceCount] = {2000ms, 1000ms, 2000ms, 2000ms, 2000ms, 5000ms};
    for (int i = 0; i < kSourceCount; ++i) {
        m_states[std::size_t(i)].interval = defaults[i];
        QTimer &t = m_timers[std::size_t(i)];
        t.setSingleShot(true);
        connect(&t, &QTimer::timeout, this, [this, i] { poll(Source(i)); });
    }
}

void Poller::setInterval(Source source, std::chrono::milliseconds interval)
{
    m_states[std::size_t(source)].interval = std::max(interval, std::chrono::milliseconds(100));
}

void Poller::setEnabled(Source source, bool enabled)
{
    m_states[std::size_t(source)].enabled = enabled;
    if (!enabled)
        m_timers[std::size_t(source)].stop();
    else if (m_running)
        schedule(source, std::chrono::milliseconds(0));
}

void Poller::start()
{
    m_running = true;
    for (int i = 0; i < kSourceCount; ++i)
        if (m_states[std::size_t(i)].enabled)
            schedule(Source(i), std::chrono::milliseconds(0));
}

void Poller::stop()
{
    m_running = false;
    for (QTimer &t : m_timers)
        t.stop();
}

void Poller::refresh(Source source)
{
    if (m_running && m_states[std::size_t(source)].enabled)
        schedule(source, std::chrono::milliseconds(0));
}

void Poller::refreshAfterMutation()
{
    for (Source s : {Source::Routes, Source::Flags, Source::Rollback, Source::Audit})
        refresh(s);
}

void Poller::rejectUpdate(Source source, ApiError error)
{
    if (m_delivering[std::size_t(source)])
        m_rejections[std::size_t(source)] = std::move(error);
}

void Poller::schedule(Source source, std::chrono::milliseconds delay)
{
    QTimer &t = m_timers[std::size_t(source)];
    // An earlier due time wins over a later one already scheduled.
    if (t.isActive() && t.remainingTime() <= delay.count())
        return;
    t.start(delay);
}

void Poller::poll(Source source)
{
    SourceState &st = m_states[std::size_t(source)];
    if (!m_running || !m_backend || !st.enabled)
        return;
    if (st.inFlight) {
        // One request per source at a time; the answer schedules the next poll.
        return;
    }
    st.inFlight = true;
    m_rejections[std::size_t(source)].reset();
    QPointer<Poller> self(this);
    switch (source) {
    case Source::Health:
        m_backend->fetchHealth([self](Result<HealthSnapshot> r) {
            if (!self)
                return;
            if (r)
                self->deliver(Source::Health, [&] { Q_EMIT self->healthUpdated(*r); });
            self->finish(Source::Health, r);
        });
        break;
    case Source::Metrics:
        m_backend->fetchMetrics([self](Result<MetricsScrape> r) {
            if (!self)
                return;
            if (r)
                self->deliver(Source::Metrics, [&] { Q_EMIT self->metricsUpdated(*r); });
            self->finish(Source::Metrics, r);
        });
        break;
    case Source::Routes:
        m_backend->fetchRoutes([self](Result<RouteList> r) {
            if (!self)
                return;
            if (r)
                self->deliver(Source::Routes, [&] { Q_EMIT self->routesUpdated(*r); });
            self->finish(Source::Routes, r);
        });
        break;
    case Source::Flags:
        m_backend->fetchFlags([self](Result<FlagList> r) {
            if (!self)
                return;
            if (r)
                self->deliver(Source::Flags, [&] { Q_EMIT self->flagsUpdated(*r); });
            self->finish(Source::Flags, r);
        });
        break;
    case Source::Rollback:
        m_backend->fetchRollback([self](Result<RollbackState> r) {
            if (!self)
                return;
            if (r)
                self->deliver(Source::Rollback, [&] { Q_EMIT self->rollbackUpdated(*r); });
            self->finish(Source::Rollback, r);
        });
        break;
    case Source::Audit:
        // The instance first: audit ids mean something only within one instance of the gateway.
        m_backend->fetchInfo([self](Result<GatewayInfo> info) {
            if (!self)
                return;
            if (info)
                self->noteInstance(info->instance);
            self->pollAudit();
        });
        break;
    }
}

void Poller::noteInstance(const QString &instance)
{
    if (instance.isEmpty())
        return;
    const QString previous = std::exchange(m_instance, instance);
    if (!previous.isEmpty() && previous != instance)
        startOver(tr("instance %1 is now %2").arg(previous, instance));
}

void Poller::startOver(const QString &why)
{
    if (auto log = spdlog::get("net"))
        log->warn("the gateway restarted ({}); reading its audit log again from the start", why.toStdString());
    m_auditAfter = 0;
    Q_EMIT gatewayRestarted(why);
}

void Poller::pollAudit()
{
    if (!m_backend) {
        m_states[std::size_t(Source::Audit)].inFlight = false;
        return;
    }
    QPointer<Poller> self(this);
    m_backend->fetchAudit(m_auditAfter, 500, [self, asked = m_auditAfter](Result<AuditPage> r) {
        if (!self)
            return;
        if (r && r->latestId < asked && self->m_auditAfter == asked) {
            // The gateway's newest entry is below the one we have: its ids began again.
            self->startOver(tr("its audit log ends at id %1, below %2").arg(r->latestId).arg(asked));
            self->finish(Source::Audit, r);
            self->refresh(Source::Audit);
            return;
        }
        if (r) {
            if (!r->entries.isEmpty())
                self->m_auditAfter = r->entries.constLast().id;
            self->deliver(Source::Audit, [&] { Q_EMIT self->auditUpdated(*r); });
        }
        self->finish(Source::Audit, r);
    });
}

std::chrono::milliseconds Poller::retryDelay(std::chrono::milliseconds interval, int consecutiveFailures)
{
    // The first failure waits twice the interval, each further one twice as long (at most 2^8
    // intervals), never longer than kMaxBackoff nor shorter than the interval; no jitter: each
    // console polls its own gateway on its own schedule.
    const ReconnectPolicy policy({2 * interval, 2.0, kMaxBackoff, 0.0, interval, 7});
    return policy.delayAfter(std::max(consecutiveFailures, 1) - 1);
}

template<typename T>
void Poller::finish(Source source, const Result<T> &result)
{
    SourceState &st = m_states[std::size_t(source)];
    st.inFlight = false;
    std::chrono::milliseconds next = st.interval;
    std::optional<ApiError> rejected = std::exchange(m_rejections[std::size_t(source)], std::nullopt);
    if (result && !rejected) {
        st.lastSuccess = QDateTime::currentDateTimeUtc();
        st.lastError.reset();
        st.consecutiveFailures = 0;
    } else {
        st.lastError = rejected ? *rejected : result.error();
        ++st.consecutiveFailures;
        next = retryDelay(st.interval, st.consecutiveFailures);
    }
    Q_EMIT sourceStateChanged(source);
    if (m_running && st.enabled)
        schedule(source, next);
}

} // namespace cutover
