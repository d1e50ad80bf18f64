#pragma once

#include "client/gatewaybackend.h"
#include "client/readback.h"
#include "models/blastradius.h"
#include "models/recoverystore.h"
#include "models/rollbackverifier.h"

#include <QObject>
#include <QPointer>

#include <chrono>
#include <memory>
#include <optional>

namespace cutover {

class AuditLog;
class BoardState;
class IdentityModel;
class Poller;

// The emergency rollback as the console knows it: the gateway's rollback state and routes (from
// the poller), who may act, the one action in flight, and the verification of an engaged
// rollback from observed traffic (RollbackVerifier), with its measured time to recovery kept in
// a RecoveryStore and shown on the engage's audit entry.
//
// An action (engage or release) has one idempotency key for its whole life, and is carried out by
// the backend's own action (runRollback, client/readback.h), the one layer that resends and reads
// back, once per operator action: its retry policy (GatewayBackend::actionRetry, in the console
// RetryPolicy::untilCancelled, set by AppSession) keeps sending the same request until the gateway
// confirms, refuses, or the operator cancels; when the answers were lost it decides from what the
// gateway has (for HTTP the rollback state and the audit entry with the key), and applied is
// reported as done, never as a failure. The controller only words the backend's steps
// (GatewayBackend::actionProgress) and its outcome. Only one action at a time: a second engage()
// while one is in flight is refused, so a double click cannot engage twice.
class RollbackController : public QObject
{
    Q_OBJECT

public:
    enum class Action : quint8 { None, Engage, Release };

    // `board` provides the metrics and SLO thresholds, `audit` the engage entries the measured
    // recoveries are shown on, `identity` who may act, `store` where recoveries are kept (the
    // wiring gives the user's data folder; tests a temporary one). None is owned.
    RollbackController(BoardState *board, AuditLog *audit, IdentityModel *identity, RecoveryStore *store,
                       QObject *parent = nullptr);
    ~RollbackController() override;

    // Listens to the poller's rollback state and routes.
    void attach(Poller *poller);

    bool hasState() const { return m_hasState; }
    const RollbackState &state() const { return m_state; }
    bool isEngaged() const { return m_hasState && m_state.engaged; }
    const RouteList &routes() const { return m_routes; }
    const std::optional<WhoAmI> &identity() const;
    // Why the operator cannot engage or release now, in plain words; empty when they can.
    QString blockedReason() const;

    BlastRadius engagePreview() const;
    BlastRadius releasePreview(bool keepMonolith) const;

    // Starts the action; false (and nothing sent) when blocked or another action is in flight.
    bool engage(const QString &reason);
    bool release(const QString &reason, bool keepMonolith);
    // Stops retrying (GatewayBackend::cancelAction): a try on the wire is waited for, none is
    // started. The gateway may have applied a request whose answer was lost: the rollback state is
    // read again at once and the board shows what is true.
    void cancel();

    Action inFlight() const { return m_action; }
    // Tries of the current or last action that went out (the backend's, each with the one key).
    int sends() const { return m_sends; }
    QByteArray idempotencyKey() const { return m_request.idempotencyKey; }
    // While in flight: why the gateway has not confirmed yet ("no answer: … — retrying").
    QString progressText() const { return m_progress; }

    const RollbackVerifier &verifier() const { return m_verifier; }
    // The measured time to recovery of the current or last rollback, when known.
    std::optional<RecoveryRecord> lastRecovery() const { return m_lastRecovery; }
    RecoveryStore *recoveryStore() const { return m_store; }
    // Reads the verification window from the board's metrics now (metricsUpdated does it too).
    void verifyNow();

    static constexpr std::chrono::seconds kVerifyWindow {10};
    static QString actionName(Action action);
    // An ApiError in words for an operator who is trying to act.
    static QString explain(const ApiError &error, Action action);

Q_SIGNALS:
    // State, routes, identity or the action in flight changed.
    void changed();
    void actionFinished(cutover::RollbackController::Action action, bool ok, const QString &message);
    void verificationChanged();
    void recoveryMeasured(const cutover::RecoveryRecord &record);

private:
    bool start(Action action, const QString &reason, bool keepMonolith);
    // A step of the backend's action: a try went out, or one did not settle it (in words for the operator).
    void stepped(quint64 actionId, const ActionStep &step);
    // How the backend's action ended, in the controller's words.
    void finished(quint64 serial, const CheckedRollback &checked);
    void succeed(const RollbackState &state, const QString &note);
    void finish(bool ok, const QString &message);
    void applyState(const RollbackState &state);
    void linkRecoveries();
    std::optional<double> routeRate(const QString &routeId, bool microserviceOnly) const;

    BoardState *m_board;
    AuditLog *m_audit;
    IdentityModel *m_identity;
    QPointer<Poller> m_poller;
    RecoveryStore *m_store;
    RollbackState m_state;
    bool m_hasState = false;
    RouteList m_routes;

    Action m_action = Action::None;
    ActionRequest m_request;
    bool m_keepMonolith = false;
    QPointer<GatewayBackend> m_actionBackend; // the backend the action runs on
    QMetaObject::Connection m_backendGone;
    quint64 m_backendAction = 0;
    quint64 m_serial = 0; // drops answers of a finished action
    int m_sends = 0;
    bool m_onWire = false;        // a try is out (or its answer being read back), not waiting for the next
    bool m_cancelRequested = false;
    bool m_cancelOnWire = false;  // the cancel came while a request was on the wire
    QString m_progress;

    RollbackVerifier m_verifier;
    QDateTime m_verifiedEngage;
    std::optional<RecoveryRecord> m_lastRecovery;
};

} // namespace cutover
