#include "readback.h"

#include "httpadminclient.h"

#include <QCoreApplication>
#include <QPointer>

#include <algorithm>
#include <memory>

namespace cutover {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("cutover", text);
}

// The newest audit entries hold the one a change just wrote: at most this many are searched.
constexpr int kAuditTail = 1000;

// The backend went away between the runner's turns (a reconnect replaced it).
ApiError notConnected()
{
    ApiError e;
    e.kind = ApiError::Kind::Unreachable;
    e.message = tr("not connected to a gateway");
    return e;
}

QString rollbackWords(const RollbackState &s)
{
    return s.engaged ? tr("engaged (by %1, version %2)").arg(s.engagedBy.isEmpty() ? tr("someone") : s.engagedBy, s.version)
                     : tr("not engaged (version %1)").arg(s.version);
}

void decideRollback(const RollbackState &state, const ActionRequest &request, bool engage,
                    const Result<AuditPage> &audit, const std::function<void(RollbackReadBack)> &done)
{
    RollbackReadBack out;
    out.state = state;
    const bool asAsked = state.engaged == engage;
    const bool moved = request.expectedVersion.isEmpty() || state.version != request.expectedVersion;
    const QString now = tr("the rollback is %1").arg(rollbackWords(state));
    const QString key = QString::fromLatin1(request.idempotencyKey);
    if (audit) {
        const auto it = std::find_if(audit->entries.cbegin(), audit->entries.cend(),
                                     [&](const AuditEntry &e) { return e.idempotencyKey == key; });
        if (it != audit->entries.cend()) {
            out.verdict = ReadBack::Verdict::Applied;
            out.evidence = tr("audit entry %1 (%2 by %3) carries this request's idempotency key; %4")
                               .arg(it->id)
                               .arg(it->action, it->actor, now);
        } else {
            out.verdict = ReadBack::Verdict::NotApplied;
            out.alreadyInState = asAsked;
            out.evidence = asAsked ? tr("%1, but by another request: no audit entry carries this request's idempotency key").arg(now)
                                   : tr("%1, and no audit entry carries this request's idempotency key").arg(now);
        }
        done(std::move(out));
        return;
    }
    // No audit log to ask: the state and its version decide when they can.
    const QString noAudit = tr(" (the audit log could not be read: %1)").arg(audit.error().describe());
    if (asAsked && moved) {
        out.verdict = ReadBack::Verdict::Applied;
        out.evidence = now + tr(", newer than version %1 the request was made against").arg(request.expectedVersion) + noAudit;
    } else if (!asAsked && !moved) {
        out.verdict = ReadBack::Verdict::NotApplied;
        out.evidence = now + tr(", unchanged since the request was made") + noAudit;
    } else {
        out.verdict = ReadBack::Verdict::Unknown;
        out.evidence = now + noAudit;
    }
    done(std::move(out));
}

} // namespace

void readBackRollback(GatewayBackend *backend, const ActionRequest &request, bool engage,
                      std::function<void(RollbackReadBack)> done)
{
    backend->fetchRollback([backend, request, engage, done = std::move(done)](Result<RollbackState> state) mutable {
        if (!state) {
            RollbackReadBack out;
            out.evidence = tr("the rollback state could not be read: %1").arg(state.error().describe());
            done(std::move(out));
            return;
        }
        // The newest id first, then the page that ends with it.
        backend->fetchAudit(0, 1, [backend, request, engage, done = std::move(done), s = *state](Result<AuditPage> head) mutable {
            if (!head) {
                decideRollback(s, request, engage, head, done);
                return;
            }
            const qint64 after = std::max<qint64>(0, head->latestId - kAuditTail);
            backend->fetchAudit(after, kAuditTail, [request, engage, done = std::move(done), s](Result<AuditPage> page) {
                decideRollback(s, request, engage, page, done);
            });
        });
    });
}

void readBackRoute(GatewayBackend *backend, const QString &routeId, int percent, const QString &expectedVersion,
                   std::function<void(RouteReadBack)> done)
{
    backend->fetchRoutes([routeId, percent, expectedVersion, done = std::move(done)](Result<RouteList> list) {
        RouteReadBack out;
        if (!list) {
            out.evidence = tr("the routes could not be read: %1").arg(list.error().describe());
            return done(std::move(out));
        }
        const auto it = std::find_if(list->routes.cbegin(), list->routes.cend(), [&](const Route &r) { return r.id == routeId; });
        if (it == list->routes.cend()) {
            out.evidence = tr("the gateway has no route %1 any more").arg(routeId);
            return done(std::move(out));
        }
        out.route = *it;
        const QString now = tr("route %1 is at %2 % (version %3, changed by %4)")
                                .arg(routeId)
                                .arg(it->microservicePercent)
                                .arg(it->version, it->updatedBy.isEmpty() ? tr("nobody yet") : it->updatedBy);
        if (it->version == expectedVersion) {
            out.verdict = ReadBack::Verdict::NotApplied;
            out.evidence = now + tr(", the version the change was made against");
        } else if (it->microservicePercent == percent) {
            out.verdict = ReadBack::Verdict::Applied;
            out.evidence = now + tr(", newer than version %1 the change was made against").arg(expectedVersion);
        } else {
            out.verdict = ReadBack::Verdict::NotApplied;
            out.evidence = now + tr(": someone else changed it since version %1").arg(expectedVersion);
        }
        done(std::move(out));
    });
}

bool flagMatches(const Flag &flag, const FlagChange &change)
{
    return flag.enabled == change.enabled && flag.rolloutPercent == change.rolloutPercent
        && flag.allowUsers == change.allowUsers && (!change.description || flag.description == *change.description);
}

void readBackFlag(GatewayBackend *backend, const QString &name, const FlagChange &change,
                  const QString &expectedVersion, std::function<void(FlagReadBack)> done)
{
    backend->fetchFlags([name, change, expectedVersion, done = std::move(done)](Result<FlagList> list) {
        FlagReadBack out;
        if (!list) {
            out.evidence = tr("the flags could not be read: %1").arg(list.error().describe());
            return done(std::move(out));
        }
        const auto it = std::find_if(list->flags.cbegin(), list->flags.cend(), [&](const Flag &f) { return f.name == name; });
        if (it == list->flags.cend()) {
            out.evidence = tr("the gateway has no flag %1 any more").arg(name);
            return done(std::move(out));
        }
        out.flag = *it;
        const QString now = tr("flag %1 is %2, rollout %3 % (version %4, changed by %5)")
                                .arg(name, it->enabled ? tr("on") : tr("off"))
                                .arg(it->rolloutPercent)
                                .arg(it->version, it->updatedBy.isEmpty() ? tr("nobody yet") : it->updatedBy);
        if (it->version == expectedVersion) {
            out.verdict = ReadBack::Verdict::NotApplied;
            out.evidence = now + tr(", the version the change was made against");
        } else if (flagMatches(*it, change)) {
            out.verdict = ReadBack::Verdict::Applied;
            out.evidence = now + tr(", newer than version %1 the change was made against").arg(expectedVersion);
        } else {
            out.verdict = ReadBack::Verdict::NotApplied;
            out.evidence = now + tr(": someone else changed it since version %1").arg(expectedVersion);
        }
        done(std::move(out));
    });
}

ActionResolution<RollbackState> resolutionOf(const RollbackReadBack &read)
{
    if (read.verdict == ReadBack::Verdict::Applied && read.state)
        return {Result<RollbackState>(*read.state), false, read.evidence};
    if (read.verdict == ReadBack::Verdict::NotApplied && read.alreadyInState) {
        ApiError e;
        e.kind = ApiError::Kind::Conflict;
        e.message = tr("not applied by this request: %1").arg(read.evidence);
        return {Result<RollbackState>(std::move(e)), false, read.evidence};
    }
    return {std::nullopt, read.verdict == ReadBack::Verdict::NotApplied, read.evidence};
}

ActionResolution<Route> resolutionOf(const RouteReadBack &read)
{
    if (read.verdict == ReadBack::Verdict::Applied && read.route)
        return {Result<Route>(*read.route), false, read.evidence};
    return {std::nullopt, read.verdict == ReadBack::Verdict::NotApplied, read.evidence};
}

ActionResolution<Flag> resolutionOf(const FlagReadBack &read)
{
    if (read.verdict == ReadBack::Verdict::Applied && read.flag)
        return {Result<Flag>(*read.flag), false, read.evidence};
    return {std::nullopt, read.verdict == ReadBack::Verdict::NotApplied, read.evidence};
}

quint64 runRollback(GatewayBackend *backend, const ActionRequest &request, bool engage, bool keepMonolith,
                    std::function<void(CheckedRollback)> done)
{
    if (auto *http = qobject_cast<HttpAdminClient *>(backend))
        return http->runRollbackAction(request, engage, keepMonolith, std::move(done));
    // Other backends resolve a lost answer in their own runner: what comes here is what that
    // could not settle.
    auto checked = [done = std::move(done)](Result<RollbackState> r) {
        CheckedRollback out {std::move(r), {}, {}};
        if (!out.result && out.result.error().answerLost)
            out.lost = out.result.error();
        done(std::move(out));
    };
    return engage ? backend->engageRollback(request, std::move(checked))
                  : backend->releaseRollback(request, keepMonolith, std::move(checked));
}

namespace {

// One If-Match change through the runner: one try, and the read back decides when that try may
// have been applied without saying so.
template<typename T, typename ReadBackT>
quint64 runChange(ActionRunner *runner, const QString &name, std::function<void(GatewayBackend::Callback<T>)> send,
                  std::function<void(std::function<void(ReadBackT)>)> read,
                  std::function<void(CheckedChange<T, ReadBackT>)> done, BeforeReadBack beforeReadBack)
{
    struct Seen
    {
        std::optional<ApiError> lost;
        std::optional<ReadBackT> readBack;
        bool lastWasReadBack = false;
    };
    auto seen = std::make_shared<Seen>();
    typename ActionRunner::template Spec<T> spec;
    spec.name = name;
    spec.confirmer = tr("the gateway");
    spec.retry = RetryPolicy {1};
    spec.attempt = [send = std::move(send), seen](const ActionTry &, ActionRunner::Done<T> tried) {
        seen->lastWasReadBack = false;
        send([seen, tried = std::move(tried)](Result<T> r) {
            if (r)
                return tried(std::move(r));
            // A 5xx, a timeout or no connection may hide a change that went through (a proxy's 502,
            // a reset after the commit): what the target holds says, as for a lost answer.
            ApiError e = r.error();
            if (e.answerLost || e.isTransient() || e.kind == ApiError::Kind::Malformed) {
                seen->lost = e;
                e.answerLost = true;
            }
            tried(std::move(e));
        });
    };
    spec.resolve = [read = std::move(read), seen, beforeReadBack = std::move(beforeReadBack)](
                       std::function<void(ActionResolution<T>)> report) {
        if (beforeReadBack && seen->lost)
            beforeReadBack(*seen->lost);
        read([seen, report = std::move(report)](ReadBackT got) {
            seen->readBack = got;
            seen->lastWasReadBack = true;
            report(resolutionOf(got));
        });
    };
    return runner->run(std::move(spec), ActionRunner::Done<T>([seen, done = std::move(done)](Result<T> r) {
                           done({std::move(r), seen->lost, seen->readBack, seen->lastWasReadBack});
                       }));
}

} // namespace

quint64 runRouteChange(ActionRunner *runner, GatewayBackend *backend, const QString &routeId, int percent,
                       const QString &expectedVersion, const QString &reason, std::function<void(CheckedRoute)> done,
                       BeforeReadBack beforeReadBack)
{
    QPointer<GatewayBackend> target(backend);
    return runChange<Route, RouteReadBack>(
        runner, tr("route.update %1").arg(routeId),
        [target, routeId, percent, expectedVersion, reason](GatewayBackend::Callback<Route> tried) {
            if (!target)
                return tried(notConnected());
            target->setRoutePercent(routeId, percent, expectedVersion, reason, std::move(tried));
        },
        [target, routeId, percent, expectedVersion](std::function<void(RouteReadBack)> got) {
            if (!target)
                return got(RouteReadBack {{ReadBack::Verdict::Unknown, tr("not connected to a gateway"), false}, {}});
            readBackRoute(target, routeId, percent, expectedVersion, std::move(got));
        },
        std::move(done), std::move(beforeReadBack));
}

quint64 runFlagChange(ActionRunner *runner, GatewayBackend *backend, const QString &name, const FlagChange &change,
                      const QString &expectedVersion, const QString &reason, std::function<void(CheckedFlag)> done,
                      BeforeReadBack beforeReadBack)
{
    QPointer<GatewayBackend> target(backend);
    return runChange<Flag, FlagReadBack>(
        runner, tr("flag.update %1").arg(name),
        [target, name, change, expectedVersion, reason](GatewayBackend::Callback<Flag> tried) {
            if (!target)
                return tried(notConnected());
            target->updateFlag(name, change, expectedVersion, reason, std::move(tried));
        },
        [target, name, change, expectedVersion](std::function<void(FlagReadBack)> got) {
            if (!target)
                return got(FlagReadBack {{ReadBack::Verdict::Unknown, tr("not connected to a gateway"), false}, {}});
            readBackFlag(target, name, change, expectedVersion, std::move(got));
        },
        std::move(done), std::move(beforeReadBack));
}

} // namespace cutover
