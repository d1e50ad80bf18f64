#include "readback.h"

#include <QCoreApplication>

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

} // namespace cutover
