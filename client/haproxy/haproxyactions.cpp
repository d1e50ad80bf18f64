// HaproxyBackend's changes: route percentages (weights and the routes map), flags (the flags
// map), and the emergency rollback (one atomic commit of the routes map), each planned by its
// planner and carried out by the one flow below through the ActionRunner.
#include "haproxybackend.h"

#include "backendsupport.h"
#include "flagplan.h"
#include "rollbackplan.h"
#include "routeplan.h"

#include <spdlog/spdlog.h>

namespace cutover {

using namespace haproxy;

namespace {

// A route or flag as the journal entry that recorded its change leaves it.
template<typename Item>
Item stamped(Item item, const JournalEntry &entry)
{
    item.version = versionAfterEntry(item.version, entry.audit.id);
    item.updatedAt = entry.audit.time;
    item.updatedBy = entry.audit.actor;
    return item;
}

} // namespace

template<typename Item>
void HaproxyBackend::recordChange(const QString &action, const QString &target, QByteArray before, const Item &applied,
                                  QByteArray (*json)(const Item &), const QString &reason, const QString &level,
                                  Callback<Item> done)
{
    record(action, target, std::move(before), {}, reason, level, {}, {},
           [applied, json](JournalEntry &j) { j.audit.after = json(stamped(applied, j)); },
           [this, applied, done = std::move(done)](Result<JournalEntry> entry) {
               if (!entry)
                   return done(entry.error());
               setUnpersisted(true);
               done(stamped(applied, *entry));
           });
}

// --- Shared plumbing -----------------------------------------------------------------------

void HaproxyBackend::runChecked(QList<QByteArray> commands, const QString &what,
                                std::function<void(std::optional<ApiError>)> done)
{
    m_cli->run(std::move(commands), [what, done = std::move(done)](Result<RuntimeClient::Replies> r) {
        if (!r)
            return done(r.error());
        for (const CliReply &reply : *r) {
            if (reply.isError())
                return done(cliError(reply));
            if (!reply.output.isEmpty() && reply.severity < 0) {
                if (auto log = spdlog::get("net"))
                    log->info("{}: HAProxy said '{}'", what.toStdString(), reply.text().toStdString());
            }
        }
        done(std::nullopt);
    });
}

void HaproxyBackend::applyMap(const QString &mapFile, const MapPairs &entries,
                              std::function<void(std::optional<ApiError>)> done)
{
    // prepare map → add map @ver (each entry) → show map @ver (check) → commit map @ver: the
    // new content becomes visible at once, or not at all.
    struct State
    {
        QByteArray version;
        std::optional<ApiError> error;
        bool committed = false;
    };
    auto state = std::make_shared<State>();
    const QByteArray file = cliArg(mapFile);
    auto next = [state, file, entries](const RuntimeClient::Replies &replies) -> std::optional<QByteArray> {
        const CliReply &last = replies.last();
        if (last.isError()) {
            state->error = cliError(last);
            return std::nullopt;
        }
        const qsizetype step = replies.size(); // 1: prepare answered; 2..n+1: adds; n+2: show; n+3: commit
        if (step == 1) {
            const std::optional<quint32> v = parsePreparedVersion(last.output);
            if (!v) {
                state->error = makeError(ApiError::Kind::Malformed, QStringLiteral("haproxy «prepare map»"),
                                         QStringLiteral("no version in '%1'").arg(last.text()));
                return std::nullopt;
            }
            state->version = QByteArray::number(*v);
        }
        const qsizetype added = step - 1;
        if (added < entries.size()) {
            const auto &[key, value] = entries.at(added);
            return "add map @" + state->version + ' ' + file + ' ' + cliArg(key) + ' ' + cliArg(value);
        }
        if (added == entries.size())
            return "show map @" + state->version + ' ' + file;
        if (added == entries.size() + 1) {
            Result<QList<MapEntry>> staged = parseMapDump(last.output);
            if (!staged || mapPairs(*staged) != entries) {
                state->error = makeError(ApiError::Kind::Server, QStringLiteral("haproxy «show map @") + QString::fromLatin1(state->version) + QStringLiteral("»"),
                                         QStringLiteral("the prepared map version does not hold what was added; nothing was committed"));
                return std::nullopt;
            }
            return "commit map @" + state->version + ' ' + file;
        }
        state->committed = true;
        return std::nullopt;
    };
    m_cli->converse("prepare map " + file, std::move(next), [state, done = std::move(done)](Result<RuntimeClient::Replies> r) {
        if (!r)
            return done(r.error());
        if (state->error)
            return done(state->error);
        if (!state->committed)
            return done(makeError(ApiError::Kind::Server, QStringLiteral("haproxy «commit map»"), QStringLiteral("the map was not committed")));
        done(std::nullopt);
    });
}

// --- Planned changes: one flow through the runner ----------------------------------------

template<typename Plan, typename T>
quint64 HaproxyBackend::runPlanned(Planned<Plan, T> change, Callback<T> done)
{
    auto c = std::make_shared<Planned<Plan, T>>(std::move(change));
    ActionRunner::Spec<T> spec;
    spec.name = c->name;
    spec.confirmer = QStringLiteral("HAProxy");
    spec.retry = c->retry;
    spec.attempt = [this, c](const ActionTry &, Callback<T> tried) { plannedTry(c, std::move(tried)); };
    spec.resolve = [this, c](std::function<void(ActionResolution<T>)> report) { resolvePlanned(c, std::move(report)); };
    return m_runner->run(std::move(spec), std::move(done));
}

template<typename Plan, typename T>
void HaproxyBackend::plannedTry(std::shared_ptr<Planned<Plan, T>> c, Callback<T> done)
{
    std::function<void()> go = [this, c, done = std::move(done)] {
        if (c->answered) {
            if (std::optional<Result<T>> answer = c->answered())
                return done(std::move(*answer));
        }
        read(false, [this, c, done](Result<Read> r) {
            if (!r)
                return done(r.error());
            if (!c->plan) {
                Result<Plan> made = c->make(*r);
                if (!made)
                    return done(made.error());
                c->plan = *made;
            }
            switch (c->plan->verdict(r->config, model(*r))) {
            case Verdict::Applied: // nothing to send, or an earlier try's commands went through
                return c->record(*c->plan, *r, done);
            case Verdict::Moved:
                return done(c->plan->movedError());
            case Verdict::NotApplied:
            case Verdict::Partly: break;
            }
            c->send(*c->plan, [this, c, done](std::optional<ApiError> e) {
                if (e) {
                    // Cut off while sending: it may have been applied; the runner reads back.
                    e->answerLost = e->isTransient();
                    return done(*e);
                }
                read(false, [this, c, done](Result<Read> after) {
                    if (!after) {
                        ApiError lost = after.error();
                        lost.answerLost = true; // applied, not yet journaled: the read back decides
                        return done(lost);
                    }
                    const Model now = model(*after);
                    if (c->plan->verdict(after->config, now) != Verdict::Applied)
                        return done(c->plan->notAppliedError(now));
                    c->record(*c->plan, *after, done);
                });
            });
        });
    };
    // The journal first: a request it already holds is answered from it.
    if (c->answered)
        withJournal(std::move(go));
    else
        go();
}

template<typename Plan, typename T>
void HaproxyBackend::resolvePlanned(std::shared_ptr<Planned<Plan, T>> c, std::function<void(ActionResolution<T>)> report)
{
    std::function<void()> go = [this, c, report = std::move(report)] {
        if (c->answered) {
            if (std::optional<Result<T>> answer = c->answered())
                return report({std::move(*answer), false, QStringLiteral("the journal holds this request")});
        }
        if (!c->plan)
            return report({std::nullopt, true, QStringLiteral("nothing was planned yet")});
        read(false, [this, c, report](Result<Read> r) {
            if (!r)
                return report({std::nullopt, false, r.error().message});
            const Verdict verdict = c->plan->verdict(r->config, model(*r));
            const QString evidence = c->plan->evidence(verdict);
            switch (verdict) {
            case Verdict::Applied:
                return c->record(*c->plan, *r, [report, evidence](Result<T> recorded) {
                    report({std::move(recorded), false, evidence});
                });
            case Verdict::NotApplied: return report({std::nullopt, true, evidence});
            case Verdict::Partly: return report({std::nullopt, false, evidence}); // sending it all again finishes it
            case Verdict::Moved: break;
            }
            report({Result<T>(c->plan->movedError()), false, evidence});
        });
    };
    if (c->answered)
        withJournal(std::move(go));
    else
        go();
}

// --- Routes and flags ----------------------------------------------------------------------

void HaproxyBackend::setRoutePercent(const QString &routeId, int percent, const QString &expectedVersion,
                                     const QString &reason, Callback<Route> done)
{
    Planned<RoutePlan, Route> change;
    change.name = RoutePlan::endpointFor(routeId);
    change.retry = m_changeRetry;
    change.make = [this, routeId, percent, expectedVersion, reason](const Read &r) {
        return RoutePlan::make(routeId, percent, expectedVersion, reason, r.config, model(r), r.level, m_options.conventions);
    };
    change.send = [this](const RoutePlan &p, std::function<void(std::optional<ApiError>)> sent) {
        runChecked(p.commands, p.endpoint(), std::move(sent));
    };
    change.record = [this, reason](const RoutePlan &p, const Read &r, Callback<Route> recorded) {
        recordChange(QStringLiteral("route.update"), QStringLiteral("routes/") + p.routeId, AuditJournal::routeJson(p.before),
                     model(r).route(p.routeId)->route, &AuditJournal::routeJson, reason, p.level, std::move(recorded));
    };
    runPlanned(std::move(change), std::move(done));
}

void HaproxyBackend::updateFlag(const QString &name, const FlagChange &change, const QString &expectedVersion,
                                const QString &reason, Callback<Flag> done)
{
    Planned<FlagPlan, Flag> flag;
    flag.name = FlagPlan::endpointFor(name);
    flag.retry = m_changeRetry;
    flag.make = [this, name, change, expectedVersion, reason](const Read &r) {
        return FlagPlan::make(name, change, expectedVersion, reason, r.config, model(r), r.level);
    };
    flag.send = [this](const FlagPlan &p, std::function<void(std::optional<ApiError>)> sent) {
        runChecked(p.commands, p.endpoint(), std::move(sent));
    };
    flag.record = [this, reason](const FlagPlan &p, const Read &r, Callback<Flag> recorded) {
        Flag applied = *model(r).flag(p.name);
        applied.description = p.description; // HAProxy keeps none: the journal does
        recordChange(QStringLiteral("flag.update"), QStringLiteral("flags/") + p.name, AuditJournal::flagJson(p.before),
                     applied, &AuditJournal::flagJson, reason, p.level, std::move(recorded));
    };
    runPlanned(std::move(flag), std::move(done));
}

// --- Rollback actions ----------------------------------------------------------------------

quint64 HaproxyBackend::engageRollback(const ActionRequest &request, Callback<RollbackState> done)
{
    return runRollback(request, true, false, std::move(done));
}

quint64 HaproxyBackend::releaseRollback(const ActionRequest &request, bool keepMonolith, Callback<RollbackState> done)
{
    return runRollback(request, false, keepMonolith, std::move(done));
}

void HaproxyBackend::cancelAction(quint64 actionId)
{
    m_runner->cancel(actionId);
}

quint64 HaproxyBackend::runRollback(const ActionRequest &request, bool engage, bool keepMonolith,
                                    Callback<RollbackState> done)
{
    Planned<RollbackPlan, RollbackState> change;
    change.name = RollbackPlan::actionName(engage);
    change.retry = actionRetry();
    change.answered = [this, request, engage, keepMonolith] { return checkKey(request, engage, keepMonolith); };
    change.make = [this, request, engage, keepMonolith](const Read &r) {
        return RollbackPlan::make(engage, keepMonolith, request, r.config, model(r), r.level, m_journal.latestRollback(),
                                  m_options.conventions);
    };
    change.send = [this](const RollbackPlan &p, std::function<void(std::optional<ApiError>)> sent) {
        applyMap(p.mapFile, p.target, std::move(sent));
    };
    change.record = [this, request](const RollbackPlan &p, const Read &r, Callback<RollbackState> recorded) {
        recordRollback(request, p, r.level, r.config, std::move(recorded));
    };
    auto id = std::make_shared<quint64>(0);
    // Its steps are reported as actionProgress while it runs (the runner calls back on a later turn).
    *id = runPlanned(std::move(change), Callback<RollbackState>([this, id, done = std::move(done)](Result<RollbackState> r) {
        m_actions.remove(*id);
        done(std::move(r));
    }));
    m_actions.insert(*id);
    return *id;
}

std::optional<Result<RollbackState>> HaproxyBackend::checkKey(const ActionRequest &request, bool engage,
                                                             bool keepMonolith)
{
    const QString action = RollbackPlan::actionName(engage);
    if (auto replayed = replay(request, action, engage ? std::nullopt : std::optional<bool>(keepMonolith)))
        return replayed;
    if (request.idempotencyKey.isEmpty())
        return Result<RollbackState>(makeError(ApiError::Kind::Validation, action, QStringLiteral("an idempotency key is required"),
                                               QStringLiteral("Idempotency-Key"), QStringLiteral("bad_request")));
    return std::nullopt;
}

void HaproxyBackend::recordRollback(const ActionRequest &request, const RollbackPlan &plan, const QString &level,
                                    const ConfigSnapshot &config, Callback<RollbackState> done)
{
    record(plan.action(), QStringLiteral("rollback"), AuditJournal::percentsJson(plan.percentsBefore),
           plan.afterJson(buildModel(config, m_options.conventions, m_journal)), request.reason, level,
           request.idempotencyKey, plan.extraJson(), {},
           [this, config, done = std::move(done)](Result<JournalEntry> entry) {
               if (!entry)
                   return done(entry.error());
               setUnpersisted(true);
               // The state HAProxy now has, as the journal describes it.
               done(buildModel(config, m_options.conventions, m_journal).rollback);
           });
}

std::optional<Result<RollbackState>> HaproxyBackend::replay(const ActionRequest &request, const QString &action,
                                                           std::optional<bool> keepMonolith)
{
    const JournalEntry *e = m_journal.findByIdempotencyKey(QString::fromLatin1(request.idempotencyKey));
    if (!e)
        return std::nullopt;
    const bool keptMonolith = e->audit.after.contains("\"keep_monolith\":true");
    if (e->audit.action != action || e->audit.reason != request.reason || (keepMonolith && *keepMonolith != keptMonolith))
        return Result<RollbackState>(makeError(ApiError::Kind::Validation, action,
                                               QStringLiteral("this idempotency key was already used for another request"),
                                               QStringLiteral("Idempotency-Key"), QStringLiteral("idempotency_key_reused")));
    // The answer the first execution gave.
    const RollbackRecord rec = AuditJournal::rollbackFrom(*e);
    RollbackState s;
    s.engaged = rec.engaged;
    s.version = rollbackVersion(rec.entryId, false);
    if (rec.engaged) {
        s.engagedAt = rec.at;
        s.engagedBy = rec.by;
        s.reason = rec.reason;
        s.snapshot = rec.snapshot;
    } else {
        s.releasedAt = rec.releasedAt;
        s.releasedBy = rec.releasedBy;
    }
    return Result<RollbackState>(s);
}

} // namespace cutover
