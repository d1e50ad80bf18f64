#pragma once

#include "gatewaybackend.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <array>
#include <chrono>
#include <optional>

namespace cutover {

enum class Source { Health, Metrics, Routes, Flags, Rollback, Audit };
inline constexpr int kSourceCount = 6;
QString sourceName(Source source);

// Freshness of one polled source: what the UI needs to show staleness honestly.
struct SourceState
{
    std::chrono::milliseconds interval {2000};
    QDateTime lastSuccess;              // UTC
    std::optional<ApiError> lastError;  // set while the latest attempt failed
    int consecutiveFailures = 0;
    bool inFlight = false;
    bool enabled = true;

    // Stale: the latest attempt failed, or nothing arrived for two intervals.
    bool isStale(const QDateTime &nowUtc) const;
};

// Polls a backend per source, at most one request in flight per source, each on its own
// interval; backs off (doubling, capped) while a source fails and returns to its interval on the
// first success. `refreshAfterMutation()` polls the changeable sources at once.
class Poller : public QObject
{
    Q_OBJECT

public:
    explicit Poller(GatewayBackend *backend, QObject *parent = nullptr);

    void setInterval(Source source, std::chrono::milliseconds interval);
    void setEnabled(Source source, bool enabled);
    const SourceState &state(Source source) const { return m_states[std::size_t(source)]; }
    GatewayBackend *backend() const { return m_backend; }

    void start();
    void stop();
    void refresh(Source source);
    void refreshAfterMutation();
    // Called by a receiver of one of the *Updated signals, from its slot, when what arrived cannot
    // be used (a /metrics body that does not parse): the poll then counts as failed with `error`,
    // and lastSuccess stays at the last update that was used. Ignored outside such a slot.
    void rejectUpdate(Source source, ApiError error);

    static constexpr std::chrono::milliseconds kMaxBackoff {10000};
    // The wait before polling a source again after `consecutiveFailures` (≥ 1) failures in a row.
    static std::chrono::milliseconds retryDelay(std::chrono::milliseconds interval, int consecutiveFailures);

Q_SIGNALS:
    void healthUpdated(const cutover::HealthSnapshot &snapshot);
    void metricsUpdated(const cutover::MetricsScrape &scrape);
    void routesUpdated(const cutover::RouteList &routes);
    void flagsUpdated(const cutover::FlagList &flags);
    void rollbackUpdated(const cutover::RollbackState &state);
    void auditUpdated(const cutover::AuditPage &newEntries);
    // Freshness or error of a source changed.
    void sourceStateChanged(cutover::Source source);
    // The gateway restarted (a new `instance` in GET /admin/info, read before each audit poll, or
    // audit ids that went back): the audit entries had so far are from the previous instance, and
    // the audit log is read again from its start; `description` says how the restart showed.
    void gatewayRestarted(const QString &description);

private:
    void schedule(Source source, std::chrono::milliseconds delay);
    void poll(Source source);
    void pollAudit();
    void noteInstance(const QString &instance);
    void startOver(const QString &why);
    template<typename T>
    void finish(Source source, const Result<T> &result);
    // Emits an update with rejectUpdate() open for its receivers.
    template<typename Fire>
    void deliver(Source source, Fire fire)
    {
        m_delivering[std::size_t(source)] = true;
        fire();
        m_delivering[std::size_t(source)] = false;
    }

    QPointer<GatewayBackend> m_backend;
    std::array<SourceState, kSourceCount> m_states;
    // Set by rejectUpdate() while an update is being delivered; consumed by finish().
    std::array<std::optional<ApiError>, kSourceCount> m_rejections;
    std::array<bool, kSourceCount> m_delivering {};
    std::array<QTimer, kSourceCount> m_timers;
    qint64 m_auditAfter = 0;
    QString m_instance; // the gateway's, as last read
    bool m_running = false;
};

} // namespace cutover
