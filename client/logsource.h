#pragma once

#include "apierror.h"
#include "logline.h"

#include <QList>
#include <QObject>

#include <chrono>
#include <optional>

namespace cutover {

// A gateway's request log as it happens, whatever the gateway: the admin API's SSE stream
// (LogStream), HAProxy's log ring (haproxy::EventStream). The log view, the board state and
// `cutoverctl logs --follow` read only this. Made by GatewayBackend::createLogSource().
class LogSource : public QObject
{
    Q_OBJECT

public:
    enum class State { Stopped, Connecting, Streaming, Reconnecting };
    Q_ENUM(State)

    using QObject::QObject;
    ~LogSource() override = default;

    // > 0: on a start without a resume point, first deliver up to this many of the newest lines
    // the gateway still holds.
    virtual void setBackfill(int lines) = 0;
    // Starts following (restarts if running). `after`: deliver the lines after this id, with a
    // gap for those the gateway no longer has; sources without stable ids ignore it and say so
    // with a gap.
    virtual void start(std::optional<LogId> after = std::nullopt) = 0;
    // The gateway instance (admin API 1.1) whose ids the next start(after) resumes, e.g. the one
    // the page with the resume point named; a source that knows no instances ignores it.
    virtual void setResumeInstance(const QString &) {}
    // Stops at once; no signal but connectionStateChanged(Stopped) follows.
    virtual void stop() = 0;
    // What is followed, for the UI ("SSE /admin/logs/stream", "HAProxy ring cutover-log").
    virtual QString describe() const = 0;

    // How long the source may stay silent (no line, no heartbeat) before it takes the connection
    // for dead, says so and reconnects; none when it does not watch for silence.
    virtual std::optional<std::chrono::milliseconds> silenceTimeout() const { return std::nullopt; }

    State state() const { return m_state; }
    // Why the source is reconnecting or stopped, if it was an error.
    const std::optional<ApiError> &lastError() const { return m_lastError; }

    static QString stateName(State state);

Q_SIGNALS:
    void linesReceived(const QList<cutover::LogLine> &lines);
    // Lines from..to will never arrive. `missed` 0: some lines may have been lost but the source
    // cannot count them (HAProxy's ring after a reconnect without timestamps); from..to then
    // only places the marker.
    void gap(cutover::LogId from, cutover::LogId to, quint64 missed);
    // `error` is set when the state changed because of one: Reconnecting (will retry) or Stopped
    // (will not: 401/403, no such log, …). A stop() gives Stopped without an error.
    void connectionStateChanged(cutover::LogSource::State state, const std::optional<cutover::ApiError> &error);
    // The gateway's keep-alive arrived.
    void heartbeat();
    // An event this client could not use (bad JSON, wrong shape, oversized line); skipped.
    void malformedEvent(const cutover::ApiError &error);
    // The gateway restarted (a new instance, or its log ids went back): every line delivered so
    // far is from the previous instance. The source starts over with the new instance's lines,
    // whose ids begin again; `description` says how the restart showed.
    void gatewayRestarted(const QString &description);

protected:
    // Records the state and emits connectionStateChanged when it or the error changed.
    void setState(State state, std::optional<ApiError> error = std::nullopt);
    void clearLastError() { m_lastError.reset(); }

private:
    State m_state = State::Stopped;
    std::optional<ApiError> m_lastError;
};

} // namespace cutover
