// HaproxyBackend's changes: route percentages (weights and the routes map), flags (the flags
// map), and the emergency rollback (one atomic commit of the routes map).
#include "haproxybackend.h"

#include "backendsupport.h"
#include "rollbackplan.h"

#include <QTimer>

#include <spdlog/spdlog.h>

#include <algorithm>

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

// --- Routes --------------------------------------------------------------------------------

void HaproxyBackend::setRoutePercent(const QString &routeId, int percent, const QString &expectedVersion,
                                     const QString &reason, Callback<Route> done)
{
    const QString endpoint = QStringLiteral("route ") + routeId;
    read(false, [=, this, done = std::move(done)](Result<Read> r) {
        if (!r)
            return done(r.error());
        const Model m = model(*r);
        const RouteState *s = m.route(routeId);
        if (!s)
            return done(makeError(ApiError::Kind::NotFound, endpoint, QStringLiteral("no route %1 in the routes map").arg(routeId),
                                  {}, QStringLiteral("not_found")));
        if (auto e = checkVersion(expectedVersion, s->route.version, endpoint, AuditJournal::routeJson(s->route)))
            return done(*e);
        if (percent < 0 || percent > 100)
            return done(makeError(ApiError::Kind::Validation, endpoint, QStringLiteral("microservice_percent must be 0 to 100"),
                                  QStringLiteral("microservice_percent"), QStringLiteral("validation_failed")));
        if (auto e = checkReason(reason, endpoint))
            return done(*e);
        if (m.rollback.engaged)
            return done(makeError(ApiError::Kind::Conflict, endpoint,
                                  QStringLiteral("the emergency rollback is engaged; release it first"), {}, QStringLiteral("conflict")));
        auto invalid = [&](const QString &message) {
            done(makeError(ApiError::Kind::Validation, endpoint, message, QStringLiteral("microservice_percent"),
                           QStringLiteral("validation_failed")));
        };
        QList<QByteArray> raise, lower, remap;
        if (!s->backendExists) {
            if (percent > 0)
                return invalid(QStringLiteral("there is no backend %1 to split this route's traffic in; add it to haproxy.cfg")
                                   .arg(s->backend.isEmpty() ? m_options.conventions.backendPrefix + routeId : s->backend));
        } else {
            if (percent > 0 && s->microserviceServers.isEmpty())
                return invalid(QStringLiteral("backend %1 has no microservice server").arg(s->backend));
            if (percent < 100 && s->monolithServers.isEmpty())
                return invalid(QStringLiteral("backend %1 has no monolith server").arg(s->backend));
            // Raise weights before lowering others: the backend never has every weight at 0.
            for (const WeightedServer &w : weightsFor(*s, percent)) {
                int now = 0;
                for (const auto *list : {&s->monolithServers, &s->microserviceServers}) {
                    for (const WeightedServer &c : *list)
                        now = c.name == w.name ? c.weight : now;
                }
                if (now == w.weight)
                    continue;
                (w.weight > now ? raise : lower)
                    .append("set weight " + cliArg(s->backend + QLatin1Char('/') + w.name) + ' ' + QByteArray::number(w.weight));
            }
            for (const QString &prefix : s->prefixes) {
                const auto live = std::find_if(r->config.routes.cbegin(), r->config.routes.cend(),
                                               [&](const MapEntry &e) { return e.key == prefix; });
                if (percent > 0 && live != r->config.routes.cend() && live->value != s->backend)
                    remap.append("set map " + cliArg(r->config.routesMapFile) + ' ' + cliArg(prefix) + ' ' + cliArg(s->backend));
            }
        }
        if (r->level == QLatin1String("user") || (r->level != QLatin1String("admin") && !(raise.isEmpty() && lower.isEmpty())))
            return done(makeError(ApiError::Kind::Forbidden, endpoint,
                                  QStringLiteral("the Runtime API socket is at level '%1'; changing weights needs 'level admin'")
                                      .arg(r->level),
                                  {}, QStringLiteral("forbidden")));
        const Route before = s->route;
        const QString level = r->level;
        runChecked(raise + lower + remap, endpoint, [=, this](std::optional<ApiError> e) {
            if (e)
                return done(*e);
            read(false, [=, this](Result<Read> after) {
                if (!after)
                    return done(after.error());
                const Model m2 = model(*after);
                const RouteState *s2 = m2.route(routeId);
                if (!s2 || s2->route.microservicePercent != percent)
                    return done(makeError(ApiError::Kind::Server, endpoint,
                                          QStringLiteral("HAProxy did not apply the change (the route is at %1 %)")
                                              .arg(s2 ? s2->route.microservicePercent : -1)));
                recordChange(QStringLiteral("route.update"), QStringLiteral("routes/") + routeId,
                             AuditJournal::routeJson(before), s2->route, &AuditJournal::routeJson, reason, level, done);
            });
        });
    });
}

// --- Flags ---------------------------------------------------------------------------------

void HaproxyBackend::updateFlag(const QString &name, const FlagChange &change, const QString &expectedVersion,
                                const QString &reason, Callback<Flag> done)
{
    const QString endpoint = QStringLiteral("flag ") + name;
    read(false, [=, this, done = std::move(done)](Result<Read> r) {
        if (!r)
            return done(r.error());
        const Model m = model(*r);
        const Flag *f = m.flag(name);
        if (!f)
            return done(makeError(ApiError::Kind::NotFound, endpoint, QStringLiteral("no flag %1 in the flags map").arg(name),
                                  {}, QStringLiteral("not_found")));
        if (auto e = checkVersion(expectedVersion, f->version, endpoint, AuditJournal::flagJson(*f)))
            return done(*e);
        auto invalid = [&](const QString &field, const QString &message) {
            done(makeError(ApiError::Kind::Validation, endpoint, message, field, QStringLiteral("validation_failed")));
        };
        if (change.rolloutPercent < 0 || change.rolloutPercent > 100)
            return invalid(QStringLiteral("rollout_percent"), QStringLiteral("rollout_percent must be 0 to 100"));
        if (change.allowUsers.size() > 1000)
            return invalid(QStringLiteral("allow_users"), QStringLiteral("at most 1000 users"));
        for (const QString &u : change.allowUsers) {
            const bool bad = u.isEmpty() || u.size() > 64 || std::any_of(u.cbegin(), u.cend(), [](QChar c) { return c.isSpace(); });
            if (bad)
                return invalid(QStringLiteral("allow_users"),
                               QStringLiteral("user ids are 1 to 64 characters without blanks ('%1')").arg(u));
        }
        if (auto e = checkReason(reason, endpoint))
            return done(*e);
        if (r->level == QLatin1String("user"))
            return done(makeError(ApiError::Kind::Forbidden, endpoint,
                                  QStringLiteral("the Runtime API socket is at level 'user'; map changes need 'operator'"),
                                  {}, QStringLiteral("forbidden")));
        const QByteArray file = cliArg(r->config.flagsMapFile);
        QList<QByteArray> commands;
        const QString value = flagValueText(change.enabled, change.rolloutPercent);
        if (value != m.flagValues.value(name))
            commands.append("set map " + file + ' ' + cliArg(name) + ' ' + cliArg(value));
        QStringList wanted = change.allowUsers;
        wanted.removeDuplicates();
        for (const QString &u : wanted) {
            if (!f->allowUsers.contains(u))
                commands.append("add map " + file + ' ' + cliArg(name + kFlagUserSeparator + u) + " allow");
        }
        for (const QString &u : f->allowUsers) {
            if (!wanted.contains(u))
                commands.append("del map " + file + ' ' + cliArg(name + kFlagUserSeparator + u));
        }
        Flag before = *f;
        const QString description = change.description.value_or(f->description);
        const QString level = r->level;
        runChecked(commands, endpoint, [=, this](std::optional<ApiError> e) {
            if (e)
                return done(*e);
            read(false, [=, this](Result<Read> after) {
                if (!after)
                    return done(after.error());
                const Model m2 = model(*after);
                const Flag *f2 = m2.flag(name);
                QStringList got = f2 ? f2->allowUsers : QStringList();
                QStringList want = wanted;
                got.sort();
                want.sort();
                if (!f2 || f2->enabled != change.enabled || f2->rolloutPercent != change.rolloutPercent || got != want)
                    return done(makeError(ApiError::Kind::Server, endpoint, QStringLiteral("HAProxy did not apply the change")));
                Flag applied = *f2;
                applied.description = description;
                recordChange(QStringLiteral("flag.update"), QStringLiteral("flags/") + name, AuditJournal::flagJson(before),
                             applied, &AuditJournal::flagJson, reason, level, done);
            });
        });
    });
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
    // Planned by the first try that gets that far, kept for every further one.
    auto plan = std::make_shared<std::optional<RollbackPlan>>();
    ActionRunner::Spec<RollbackState> spec;
    spec.name = RollbackPlan::actionName(engage);
    spec.confirmer = QStringLiteral("HAProxy");
    spec.retry = m_actionRetry;
    // The journal first: a request it already holds (the same idempotency key) is answered from it.
    spec.attempt = [this, request, engage, keepMonolith, plan](const ActionTry &, Callback<RollbackState> tried) {
        withJournal([this, request, engage, keepMonolith, plan, tried = std::move(tried)] {
            rollbackTry(request, engage, keepMonolith, plan, tried);
        });
    };
    spec.resolve = [this, request, engage, keepMonolith, plan](std::function<void(ActionResolution<RollbackState>)> report) {
        withJournal([this, request, engage, keepMonolith, plan, report = std::move(report)] {
            resolveRollback(request, engage, keepMonolith, plan, report);
        });
    };
    return m_runner->run(std::move(spec), std::move(done));
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

void HaproxyBackend::rollbackTry(const ActionRequest &request, bool engage, bool keepMonolith,
                                 std::shared_ptr<std::optional<RollbackPlan>> plan, Callback<RollbackState> done)
{
    if (auto answered = checkKey(request, engage, keepMonolith))
        return done(std::move(*answered));
    read(false, [this, request, engage, keepMonolith, plan, done = std::move(done)](Result<Read> r) {
        if (!r)
            return done(r.error());
        if (!*plan) {
            Result<RollbackPlan> made = RollbackPlan::make(engage, keepMonolith, request, r->config, model(*r), r->level,
                                                           m_journal.latestRollback(), m_options.conventions);
            if (!made)
                return done(made.error());
            *plan = *made;
        }
        const RollbackPlan &p = **plan;
        const RollbackPlan::Live live = p.compare(mapPairs(r->config.routes));
        if (live == RollbackPlan::Live::Moved)
            return done(p.movedError());
        const QString level = r->level;
        if (live == RollbackPlan::Live::Target) // an earlier try's commit went through
            return recordRollback(request, **plan, level, r->config, done);
        applyMap(p.mapFile, p.target, [this, request, plan, level, done](std::optional<ApiError> e) {
            if (e) {
                // Cut off during the commit: it may have gone through; the runner reads back.
                e->answerLost = e->isTransient();
                return done(*e);
            }
            read(false, [this, request, plan, level, done](Result<Read> after) {
                if (!after) {
                    ApiError lost = after.error();
                    lost.answerLost = true; // committed, not yet journaled: the read back decides
                    return done(lost);
                }
                const RollbackPlan &planned = **plan;
                if (mapPairs(after->config.routes) != planned.target)
                    return done(makeError(ApiError::Kind::Server, planned.action(),
                                          planned.engage ? QStringLiteral("HAProxy did not apply the rollback")
                                                         : QStringLiteral("HAProxy did not apply the release")));
                recordRollback(request, planned, level, after->config, done);
            });
        });
    });
}

void HaproxyBackend::resolveRollback(const ActionRequest &request, bool engage, bool keepMonolith,
                                     std::shared_ptr<std::optional<RollbackPlan>> plan,
                                     std::function<void(ActionResolution<RollbackState>)> report)
{
    if (auto answered = checkKey(request, engage, keepMonolith))
        return report({std::move(*answered), false, QStringLiteral("the journal holds this request")});
    if (!*plan)
        return report({std::nullopt, true, QStringLiteral("nothing was planned yet")});
    read(false, [this, request, plan, report = std::move(report)](Result<Read> r) {
        if (!r)
            return report({std::nullopt, false, r.error().message});
        const RollbackPlan &p = **plan;
        switch (p.compare(mapPairs(r->config.routes))) {
        case RollbackPlan::Live::Target:
            return recordRollback(request, p, r->level, r->config, [report](Result<RollbackState> s) {
                report({std::move(s), false, QStringLiteral("the routes map holds what the action asked for")});
            });
        case RollbackPlan::Live::Before:
            return report({std::nullopt, true, QStringLiteral("the routes map still holds what it held before")});
        case RollbackPlan::Live::Moved: break;
        }
        report({Result<RollbackState>(p.movedError()), false, QStringLiteral("the routes map holds something else")});
    });
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
