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

    static constexpr std::chrono::milliseconds kMaxBackoff {10000};

Q_SIGNALS:
    void healthUpdated(const cutover::HealthSnapshot &snapshot);
    void metricsUpdated(const cutover::MetricsScrape &scrape);
    void routesUpdated(const cutover::RouteList &routes);
    void flagsUpdated(const cutover::FlagList &flags);
    void rollbackUpdated(const cutover::RollbackState &state);
    void auditUpdated(const cutover::AuditPage &newEntries);
    // Freshness or error of a source changed.
    void sourceStateChanged(cutover::Source source);

private:
    void schedule(Source source, std::chrono::milliseconds delay);
    void poll(Source source);
    template<typename T>
    void finish(Source source, const Result<T> &result);

    QPointer<GatewayBackend> m_backend;
    std::array<SourceState, kSourceCount> m_states;
    std::array<QTimer, kSourceCount> m_timers;
    qint64 m_auditAfter = 0;
    bool m_running = false;
};

} // namespace cutover
