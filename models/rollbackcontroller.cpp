#include "rollbackcontroller.h"

#include "client/poller.h"
#include "models/auditlog.h"
#include "models/boardstate.h"
#include "models/identitymodel.h"
#include "models/metricsaggregator.h"

#include <cmath>

namespace cutover {

namespace {

WallTime seriesTime(const QDateTime &t)
{
    return WallTime(std::chrono::milliseconds(t.toMSecsSinceEpoch()));
}

} // namespace

RollbackController::RollbackController(BoardState *board, AuditLog *audit, IdentityModel *identity, RecoveryStore *store,
                                       QObject *parent)
    : QObject(parent)
    , m_board(board)
    , m_audit(audit)
    , m_identity(identity)
    , m_store(store)
{
    connect(board, &BoardState::metricsUpdated, this, &RollbackController::verifyNow);
    connect(identity, &IdentityModel::identityChanged, this, &RollbackController::changed);
    // The file is read off the GUI thread: what it holds arrives after the state may have.
    connect(store, &RecoveryStore::loaded, this, [this] {
        if (m_verifier.isActive() && !m_lastRecovery)
            m_lastRecovery = m_store->find(m_poller && m_poller->backend() ? m_poller->backend()->address() : QString(),
                                           m_state.engagedAt);
        linkRecoveries();
        Q_EMIT verificationChanged();
    });
}

RollbackController::~RollbackController() = default;

void RollbackController::attach(Poller *poller)
{
    if (m_poller)
        disconnect(m_poller, nullptr, this, nullptr);
    m_poller = poller;
    connect(poller, &Poller::rollbackUpdated, this, &RollbackController::applyState);
    connect(poller, &Poller::sourceStateChanged, this, [this](Source source) {
        if (source == Source::Rollback && !m_hasState)
            Q_EMIT changed(); // the reason the control is disabled may have changed
    });
    connect(poller, &Poller::routesUpdated, this, [this](const RouteList &routes) {
        m_routes = routes;
        Q_EMIT changed();
    });
    connect(m_audit, &AuditLog::entriesAdded, this, &RollbackController::linkRecoveries, Qt::UniqueConnection);
}

const std::optional<WhoAmI> &RollbackController::identity() const
{
    return m_identity->identity();
}

QString RollbackController::actionName(Action action)
{
    switch (action) {
    case Action::Engage: return tr("engage");
    case Action::Release: return tr("release");
    case Action::None: break;
    }
    return {};
}

QString RollbackController::blockedReason() const
{
    if (!m_poller)
        return tr("Not connected to a gateway.");
    const std::optional<WhoAmI> &who = identity();
    if (!who && !m_identity->identityError().isEmpty())
        return tr("Could not check who you are on this gateway (%1); actions stay locked until it answers.")
            .arg(m_identity->identityError());
    if (!who)
        return tr("Checking who you are on this gateway\u2026");
    if (!who->canChange())
        return tr("You are signed in as %1 with the viewer role, which may only look. Engaging or releasing the "
                  "emergency rollback needs the operator role: ask an operator, or connect with an operator token.")
            .arg(who->subject);
    if (!m_hasState) {
        const std::optional<ApiError> &error = m_poller->state(Source::Rollback).lastError;
        if (error && error->kind == ApiError::Kind::NotFound)
            return tr("This gateway has no emergency rollback: %1").arg(error->message);
        return error ? tr("The rollback state could not be read from the gateway: %1").arg(error->describe())
                     : tr("The rollback state has not been read from the gateway yet.");
    }
    if (m_action != Action::None)
        return tr("An emergency rollback %1 is in flight; wait for the gateway to confirm it, or cancel it.")
            .arg(actionName(m_action));
    return {};
}

std::optional<double> RollbackController::routeRate(const QString &routeId, bool microserviceOnly) const
{
    const MetricsAggregator *metrics = m_board->metrics();
    if (metrics->scrapes() < 2)
        return std::nullopt;
    const MetricGroup group {MetricGroup::Scope::Route, routeId,
                             microserviceOnly ? MetricGroup::Via::Microservice : MetricGroup::Via::All};
    // A backend that never served the route has no group: nothing moves.
    if (!metrics->hasGroup(group))
        return 0.0;
    return metrics->stats(group, std::chrono::seconds(60)).requestRate;
}

BlastRadius RollbackController::engagePreview() const
{
    return engageBlastRadius(m_routes, [this](const QString &id) { return routeRate(id, true); });
}

BlastRadius RollbackController::releasePreview(bool keepMonolith) const
{
    return releaseBlastRadius(m_routes, m_state, keepMonolith, [this](const QString &id) { return routeRate(id, false); });
}

bool RollbackController::engage(const QString &reason)
{
    return start(Action::Engage, reason, false);
}

bool RollbackController::release(const QString &reason, bool keepMonolith)
{
    return start(Action::Release, reason, keepMonolith);
}

bool RollbackController::start(Action action, const QString &reason, bool keepMonolith)
{
    if (!blockedReason().isEmpty() || !m_poller || !m_poller->backend() || reason.trimmed().isEmpty())
        return false;
    GatewayBackend *backend = m_poller->backend();
    m_action = action;
    // One key for the whole life of this action: every resend is the same request.
    m_request = ActionRequest {m_state.version, reason.trimmed(), ActionRequest::newIdempotencyKey()};
    m_keepMonolith = keepMonolith;
    m_sends = 0;
    m_onWire = false;
    m_cancelRequested = false;
    m_cancelOnWire = false;
    m_progress = tr("Waiting for the gateway to confirm\u2026");
    const quint64 serial = ++m_serial;
    m_actionBackend = backend;
    connect(backend, &GatewayBackend::actionProgress, this, &RollbackController::stepped, Qt::UniqueConnection);
    // A backend that goes away (a reconnect) never answers: the action ends with it.
    m_backendGone = connect(backend, &QObject::destroyed, this, [this, serial] {
        ApiError e;
        e.kind = ApiError::Kind::NotFound;
        e.message = tr("not connected to a gateway");
        finished(serial, CheckedRollback {Result<RollbackState>(std::move(e)), {}, {}});
    });
    QPointer<RollbackController> self(this);
    // The backend's action is the one layer that resends: called once per operator action.
    m_backendAction = runRollback(backend, m_request, action == Action::Engage, keepMonolith, [self, serial](CheckedRollback checked) {
        if (self)
            self->finished(serial, checked);
    });
    Q_EMIT changed();
    return true;
}

void RollbackController::stepped(quint64 actionId, const ActionStep &step)
{
    if (m_action == Action::None || actionId != m_backendAction || sender() != m_actionBackend.data())
        return;
    if (step.kind == ActionStep::Kind::Sending) {
        ++m_sends;
        m_onWire = true;
        return;
    }
    m_onWire = false; // waiting for the next try
    const QString key = QString::fromLatin1(m_request.idempotencyKey.left(8));
    if (step.readBack) {
        // Not applied yet, or nothing could tell: the same request again, applied at most once.
        m_progress = tr("%1 (%2); sending the same request again (key %3)\u2026")
                         .arg(step.notApplied ? tr("Not applied yet") : tr("Cannot tell yet"), step.evidence, key);
    } else {
        // Same key, same body: the gateway applies it at most once, however often it is sent.
        const ApiError &e = step.error;
        m_progress = tr("No confirmation yet (%1); sending the same request again (key %2)\u2026")
                         .arg(e.message.isEmpty() ? ApiError::kindName(e.kind) : e.message, key);
    }
    Q_EMIT changed();
}

void RollbackController::finished(quint64 serial, const CheckedRollback &c)
{
    if (serial != m_serial || m_action == Action::None)
        return;
    m_backendAction = 0;
    // Only a read back that decided how the backend's action ended says anything about it.
    const std::optional<RollbackReadBack> read = c.endedOnReadBack ? c.readBack : std::nullopt;
    if (c.result) {
        // What the gateway did wins over a cancel that came too late.
        succeed(*c.result, read && read->verdict == ReadBack::Verdict::Applied
                               ? tr("The gateway's answer was lost; its state confirms it (%1).").arg(read->evidence)
                               : QString());
        return;
    }
    const ApiError &e = c.result.error();
    if (read && read->verdict == ReadBack::Verdict::NotApplied && read->alreadyInState) {
        finish(false, tr("Nothing was done by this request: %1.").arg(read->evidence));
        return;
    }
    if (e.kind == ApiError::Kind::Cancelled || m_cancelRequested) {
        if (read)
            finish(false, tr("Cancelled. The gateway had not applied the %1 when it was read back (%2).")
                              .arg(actionName(m_action), read->evidence));
        else if (m_cancelOnWire)
            finish(false, tr("Cancelled. The gateway had not confirmed the %1; it may still have applied it, and the "
                             "board shows the rollback state as soon as it is read again.")
                              .arg(actionName(m_action)));
        else
            finish(false, tr("Cancelled. The gateway had not confirmed the %1; the board shows the rollback state as "
                             "soon as it is read again.")
                              .arg(actionName(m_action)));
        return;
    }
    finish(false, explain(e, m_action));
}

void RollbackController::succeed(const RollbackState &state, const QString &note)
{
    const Action action = m_action;
    applyState(state);
    const QString when = (action == Action::Engage ? state.engagedAt : state.releasedAt).toLocalTime().toString(QStringLiteral("HH:mm:ss"));
    QString message = action == Action::Engage
        ? tr("Rollback engaged at %1: every request now goes to the monolith.").arg(when)
        : m_keepMonolith ? tr("Rollback released at %1; every route stays on the monolith.").arg(when)
                         : tr("Rollback released at %1; the routing from before the engage is restored.").arg(when);
    if (!note.isEmpty())
        message += QLatin1Char(' ') + note;
    finish(true, message);
}

void RollbackController::cancel()
{
    if (m_action == Action::None || m_cancelRequested)
        return;
    m_cancelRequested = true;
    m_cancelOnWire = m_onWire;
    m_progress = tr("Cancelling: waiting for the request on the wire to end\u2026");
    Q_EMIT changed();
    // Waiting for the next try: the backend's action ends now (finished() runs within this call).
    if (m_actionBackend && m_backendAction)
        m_actionBackend->cancelAction(m_backendAction);
}

void RollbackController::finish(bool ok, const QString &message)
{
    const Action action = m_action;
    m_action = Action::None;
    m_backendAction = 0;
    m_onWire = false;
    disconnect(m_backendGone);
    m_progress.clear();
    ++m_serial;
    if (m_poller)
        m_poller->refreshAfterMutation();
    Q_EMIT changed();
    Q_EMIT actionFinished(action, ok, message);
}

QString RollbackController::explain(const ApiError &e, Action action)
{
    const QString verb = actionName(action);
    switch (e.kind) {
    case ApiError::Kind::Forbidden:
        return tr("The gateway refused: your token's role may not %1 the emergency rollback (403 forbidden). It needs "
                  "the operator or admin role; ask an operator to do it, or connect with an operator token.")
            .arg(verb);
    case ApiError::Kind::Unauthorized:
        return tr("The gateway did not accept your token (401): it is unknown or expired. Nothing was done; connect "
                  "again with a valid token.");
    case ApiError::Kind::Conflict:
        if (e.code == QLatin1String("precondition_failed"))
            return tr("Nothing was done: the rollback changed since it was read (someone else acted). Check the "
                      "board and decide again.");
        return action == Action::Engage
            ? tr("Nothing was done: the gateway says the rollback is already engaged (%1).").arg(e.message)
            : tr("Nothing was done: the gateway says the rollback is not engaged (%1).").arg(e.message);
    case ApiError::Kind::Validation:
        return tr("The gateway rejected the request: %1").arg(e.message);
    default: break;
    }
    return tr("The %1 failed: %2").arg(verb, e.describe());
}

void RollbackController::applyState(const RollbackState &state)
{
    const bool same = m_hasState && state.version == m_state.version && state.engaged == m_state.engaged;
    m_state = state;
    m_hasState = true;
    if (state.engaged && state.engagedAt.isValid()) {
        if (m_verifiedEngage != state.engagedAt) {
            m_verifiedEngage = state.engagedAt;
            m_lastRecovery = m_store->find(m_poller && m_poller->backend() ? m_poller->backend()->address() : QString(),
                                           state.engagedAt);
            m_verifier.start(seriesTime(state.engagedAt), m_board->sloThresholds());
            verifyNow();
        }
    } else if (m_verifier.isActive()) {
        m_verifier.stop();
        m_verifiedEngage = QDateTime();
        Q_EMIT verificationChanged();
    }
    if (!same)
        Q_EMIT changed();
}

void RollbackController::verifyNow()
{
    if (!m_verifier.isActive())
        return;
    const MetricsAggregator *metrics = m_board->metrics();
    if (metrics->scrapes() == 0)
        return;
    TrafficObservation o;
    o.time = metrics->lastScrape();
    const WindowStats recent = metrics->stats(MetricGroup {}, kVerifyWindow);
    const MetricGroup microGroup {MetricGroup::Scope::Overall, QString(), MetricGroup::Via::Microservice};
    if (recent.requestRate && recent.requests > 0) {
        const double micro = metrics->hasGroup(microGroup) ? metrics->stats(microGroup, kVerifyWindow).requests : 0.0;
        o.microserviceShare = micro / recent.requests;
    }
    // The SLO is judged on all the traffic since the switch: from the start of the first window
    // without a microservice request (whole seconds, rounded so as to stay after the switch), up
    // to the SLO window. A 10 s window alone rarely holds enough requests for a verdict.
    o.window = recent.sloWindow();
    if (const std::optional<WallTime> drained = m_verifier.drainedAt()) {
        const auto since = std::chrono::duration_cast<std::chrono::seconds>(o.time - (*drained - kVerifyWindow));
        const std::chrono::seconds window = std::clamp(since, kVerifyWindow, BurnRatePolicy().shortWindow);
        o.window = metrics->stats(MetricGroup {}, window).sloWindow();
    }
    // (The window that first shows the drain lies wholly after the switch: it is judged as it is.)
    const bool phaseChanged = m_verifier.observe(o);
    if (phaseChanged && m_verifier.relapsed() && m_verifier.phase() == RollbackVerifier::Phase::Recovering && m_lastRecovery
        && m_lastRecovery->engagedAt == m_state.engagedAt) {
        // The SLO broke again: the recovery measured before is not one any more.
        m_store->remove(m_lastRecovery->gateway, m_lastRecovery->engagedAt);
        if (m_lastRecovery->auditId)
            m_audit->clearRecoveryTime(m_lastRecovery->auditId);
        m_lastRecovery.reset();
    }
    if (phaseChanged && m_verifier.phase() == RollbackVerifier::Phase::Recovered && m_verifier.timeToRecovery()) {
        RecoveryRecord r;
        r.gateway = m_poller && m_poller->backend() ? m_poller->backend()->address() : QString();
        r.engagedAt = m_state.engagedAt;
        r.engagedBy = m_state.engagedBy;
        r.reason = m_state.reason;
        if (m_request.reason == m_state.reason)
            r.idempotencyKey = m_request.idempotencyKey;
        r.timeToDrain = m_verifier.timeToDrain().value_or(std::chrono::milliseconds(0));
        r.timeToRecovery = *m_verifier.timeToRecovery();
        m_store->put(r);
        m_lastRecovery = r;
        linkRecoveries();
        Q_EMIT recoveryMeasured(*m_lastRecovery);
    }
    Q_EMIT verificationChanged();
}

void RollbackController::linkRecoveries()
{
    const QString gateway = m_poller && m_poller->backend() ? m_poller->backend()->address() : QString();
    AuditLog *audit = m_audit;
    const QList<RecoveryRecord> records = m_store->records();
    for (const RecoveryRecord &r : records) {
        if (r.gateway != gateway)
            continue;
        for (const AuditEntry &e : audit->entries()) {
            if (e.action != QLatin1String("rollback.engage"))
                continue;
            // The engage entry is written when the rollback is engaged: same time, or the same key.
            const bool match = (!r.idempotencyKey.isEmpty() && e.idempotencyKey == QString::fromLatin1(r.idempotencyKey))
                || std::abs(e.time.msecsTo(r.engagedAt)) <= 1000;
            if (!match)
                continue;
            if (audit->recoveryTime(e.id) != r.timeToRecovery)
                audit->setRecoveryTime(e.id, r.timeToRecovery);
            if (r.auditId != e.id) {
                RecoveryRecord linked = r;
                linked.auditId = e.id;
                m_store->put(linked);
                if (m_lastRecovery && m_lastRecovery->engagedAt == r.engagedAt)
                    m_lastRecovery = linked;
            }
            break;
        }
    }
}

} // namespace cutover
