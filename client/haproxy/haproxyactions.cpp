// HaproxyBackend's changes: route percentages (weights and the routes map), flags (the flags
// map), and the emergency rollback (one atomic commit of the routes map).
#include "haproxybackend.h"

#include "backendsupport.h"

#include <QRandomGenerator>
#include <QTimer>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace cutover {

using namespace haproxy;

namespace {

using Entries = QList<QPair<QString, QString>>;

Entries pairs(const QList<MapEntry> &entries)
{
    Entries out;
    for (const MapEntry &e : entries)
        out.append({e.key, e.value});
    return out;
}

std::chrono::milliseconds backoffFor(const RetryPolicy &policy, int attempt)
{
    const double base = double(policy.initialBackoff.count()) * double(1LL << std::min(attempt, 16));
    const double capped = std::min(base, double(policy.maxBackoff.count()));
    return std::chrono::milliseconds(qint64(capped * (0.5 + QRandomGenerator::global()->generateDouble())));
}

// A route or flag as the journal entry that recorded its change leaves it.
template<typename Item>
Item stamped(Item item, const JournalEntry &entry)
{
    item.version = versionAfterEntry(item.version, entry.audit.id);
    item.updatedAt = entry.audit.time;
    item.updatedBy = entry.audit.actor;
    return item;
}

QList<RollbackSnapshotEntry> percentsOf(const Model &m)
{
    QList<RollbackSnapshotEntry> out;
    for (const RouteState &r : m.routes)
        out.append({r.route.id, r.route.microservicePercent});
    return out;
}

} // namespace

HaproxyBackend::Recorded HaproxyBackend::finishRollback(quint64 id, ConfigSnapshot config)
{
    return [this, id, config = std::move(config)](Result<JournalEntry> entry) {
        if (!entry)
            return finishAction(id, entry.error());
        setUnpersisted(true);
        finishAction(id, buildModel(config, m_options.conventions, m_journal).rollback);
    };
}

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

struct HaproxyBackend::Action
{
    quint64 id = 0;
    ActionRequest request;
    QString name; // rollback.engage, rollback.release
    int attempt = 0;
    bool cancelled = false;
    std::function<void(Action &)> run;
    Callback<RollbackState> done;
    // Set once an attempt started changing HAProxy: a retry after a lost answer compares the live
    // map with these instead of applying twice.
    bool planned = false;
    QString mapFile;
    Entries before;
    Entries target;
    QList<RollbackSnapshotEntry> percentsBefore;
};

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

void HaproxyBackend::applyMap(const QString &mapFile, const Entries &entries,
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
            if (!staged || pairs(*staged) != entries) {
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

quint64 HaproxyBackend::startAction(const ActionRequest &request, std::function<void(Action &)> attempt,
                                    Callback<RollbackState> done)
{
    auto a = std::make_shared<Action>();
    a->id = m_nextAction++;
    a->request = request;
    a->run = std::move(attempt);
    a->done = std::move(done);
    m_actions.insert(a->id, a);
    const quint64 id = a->id;
    // Start on the next turn of the event loop, so the caller has the id before anything completes.
    QTimer::singleShot(0, this, [this, id] { attemptAction(id); });
    return id;
}

void HaproxyBackend::attemptAction(quint64 id)
{
    const std::shared_ptr<Action> a = m_actions.value(id);
    if (!a)
        return;
    if (a->cancelled)
        return finishAction(id, makeError(ApiError::Kind::Cancelled, a->name,
                                          QStringLiteral("cancelled by the operator before HAProxy confirmed it")));
    // The journal first: a request it already holds (the same idempotency key) is answered from it.
    withJournal([this, id] {
        if (const std::shared_ptr<Action> action = m_actions.value(id))
            action->run(*action);
    });
}

void HaproxyBackend::finishAction(quint64 id, Result<RollbackState> result)
{
    const std::shared_ptr<Action> a = m_actions.value(id);
    if (!a)
        return;
    if (!result && result.error().isTransient() && !a->cancelled && a->attempt + 1 < m_actionRetry.attempts) {
        const auto wait = backoffFor(m_actionRetry, a->attempt);
        if (auto log = spdlog::get("net"))
            log->info("{} — retry {} in {} ms", result.error().describe().toStdString(), a->attempt + 1, wait.count());
        ++a->attempt;
        QTimer::singleShot(wait, this, [this, id] { attemptAction(id); });
        return;
    }
    if (!result && result.error().isTransient() && a->cancelled) {
        ApiError e = result.error();
        e.kind = ApiError::Kind::Cancelled;
        e.message = QStringLiteral("cancelled by the operator; HAProxy had not confirmed it (%1)").arg(e.message);
        result = Result<RollbackState>(e);
    }
    m_actions.remove(id);
    a->done(std::move(result));
}

void HaproxyBackend::cancelAction(quint64 actionId)
{
    if (const std::shared_ptr<Action> a = m_actions.value(actionId))
        a->cancelled = true;
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

quint64 HaproxyBackend::engageRollback(const ActionRequest &request, Callback<RollbackState> done)
{
    return startAction(request, [this](Action &a) { engageAttempt(a); }, std::move(done));
}

quint64 HaproxyBackend::releaseRollback(const ActionRequest &request, bool keepMonolith, Callback<RollbackState> done)
{
    return startAction(request, [this, keepMonolith](Action &a) { releaseAttempt(a, keepMonolith); }, std::move(done));
}

void HaproxyBackend::engageAttempt(Action &action)
{
    action.name = QStringLiteral("rollback.engage");
    const quint64 id = action.id;
    if (auto replayed = replay(action.request, action.name))
        return finishAction(id, std::move(*replayed));
    if (action.request.idempotencyKey.isEmpty())
        return finishAction(id, makeError(ApiError::Kind::Validation, action.name, QStringLiteral("an idempotency key is required"),
                                          QStringLiteral("Idempotency-Key"), QStringLiteral("bad_request")));
    read(false, [this, id](Result<Read> r) {
        const std::shared_ptr<Action> a = m_actions.value(id);
        if (!a)
            return;
        if (!r)
            return finishAction(id, r.error());
        const Model m = model(*r);
        const Entries live = pairs(r->config.routes);
        if (!a->planned) {
            if (auto e = checkVersion(a->request.expectedVersion, m.rollback.version, QStringLiteral("the rollback"),
                                      AuditJournal::rollbackStateJson(m.rollback)))
                return finishAction(id, *e);
            if (auto e = checkReason(a->request.reason, a->name))
                return finishAction(id, *e);
            if (m.rollback.engaged)
                return finishAction(id, makeError(ApiError::Kind::Conflict, a->name, QStringLiteral("the rollback is already engaged"),
                                                  {}, QStringLiteral("conflict")));
            if (r->config.routesMapFile.isEmpty() || live.isEmpty())
                return finishAction(id, makeError(ApiError::Kind::NotFound, a->name, QStringLiteral("there is no routes map to roll back")));
            if (r->level == QLatin1String("user"))
                return finishAction(id, makeError(ApiError::Kind::Forbidden, a->name,
                                                  QStringLiteral("the Runtime API socket is at level 'user'; map changes need 'operator'")));
            a->planned = true;
            a->mapFile = r->config.routesMapFile;
            a->before = live;
            a->percentsBefore = percentsOf(m);
            for (const auto &[key, value] : live)
                a->target.append({key, m_options.conventions.monolithBackend});
        } else if (live != a->target && live != a->before) {
            return finishAction(id, makeError(ApiError::Kind::Conflict, a->name,
                                              QStringLiteral("the routes map changed while the rollback was being applied")));
        }
        const QString level = r->level;
        auto confirm = [this, id, level](std::optional<ApiError> e) {
            if (e)
                return finishAction(id, *e);
            read(false, [this, id, level](Result<Read> after) {
                const std::shared_ptr<Action> act = m_actions.value(id);
                if (!act)
                    return;
                if (!after)
                    return finishAction(id, after.error());
                if (pairs(after->config.routes) != act->target)
                    return finishAction(id, makeError(ApiError::Kind::Server, act->name,
                                                      QStringLiteral("HAProxy did not apply the rollback")));
                QList<RollbackSnapshotEntry> zero = act->percentsBefore;
                for (RollbackSnapshotEntry &z : zero)
                    z.microservicePercent = 0;
                record(act->name, QStringLiteral("rollback"), AuditJournal::percentsJson(act->percentsBefore),
                       AuditJournal::percentsJson(zero), act->request.reason, level, act->request.idempotencyKey,
                       AuditJournal::rollbackExtra(act->mapFile, act->before), {},
                       finishRollback(id, after->config));
            });
        };
        if (live == a->target)
            return confirm(std::nullopt); // an earlier attempt's commit went through
        applyMap(a->mapFile, a->target, confirm);
    });
}

void HaproxyBackend::releaseAttempt(Action &action, bool keepMonolith)
{
    action.name = QStringLiteral("rollback.release");
    const quint64 id = action.id;
    if (auto replayed = replay(action.request, action.name, keepMonolith))
        return finishAction(id, std::move(*replayed));
    if (action.request.idempotencyKey.isEmpty())
        return finishAction(id, makeError(ApiError::Kind::Validation, action.name, QStringLiteral("an idempotency key is required"),
                                          QStringLiteral("Idempotency-Key"), QStringLiteral("bad_request")));
    read(false, [this, id, keepMonolith](Result<Read> r) {
        const std::shared_ptr<Action> a = m_actions.value(id);
        if (!a)
            return;
        if (!r)
            return finishAction(id, r.error());
        const Model m = model(*r);
        const Entries live = pairs(r->config.routes);
        if (!a->planned) {
            if (auto e = checkVersion(a->request.expectedVersion, m.rollback.version, QStringLiteral("the rollback"),
                                      AuditJournal::rollbackStateJson(m.rollback)))
                return finishAction(id, *e);
            if (auto e = checkReason(a->request.reason, a->name))
                return finishAction(id, *e);
            if (!m.rollback.engaged)
                return finishAction(id, makeError(ApiError::Kind::Conflict, a->name,
                                                  m.rollbackLost ? QStringLiteral("the rollback is no longer in effect: HAProxy "
                                                                                  "does not send every route to the monolith (reloaded?)")
                                                                 : QStringLiteral("the rollback is not engaged"),
                                                  {}, QStringLiteral("conflict")));
            if (r->level == QLatin1String("user"))
                return finishAction(id, makeError(ApiError::Kind::Forbidden, a->name,
                                                  QStringLiteral("the Runtime API socket is at level 'user'; map changes need 'operator'")));
            const std::optional<RollbackRecord> rec = m_journal.latestRollback();
            a->planned = true;
            a->mapFile = r->config.routesMapFile;
            a->before = live;
            a->percentsBefore = percentsOf(m);
            if (keepMonolith || !rec) {
                a->target = live;
            } else {
                // The snapshot, plus prefixes added during the rollback (they keep their value).
                a->target = rec->mapEntries;
                for (const auto &entry : live) {
                    const bool known = std::any_of(a->target.cbegin(), a->target.cend(),
                                                   [&](const auto &p) { return p.first == entry.first; });
                    if (!known)
                        a->target.append(entry);
                }
            }
        } else if (live != a->target && live != a->before) {
            return finishAction(id, makeError(ApiError::Kind::Conflict, a->name,
                                              QStringLiteral("the routes map changed while the release was being applied")));
        }
        const QString level = r->level;
        auto confirm = [this, id, level, keepMonolith](std::optional<ApiError> e) {
            if (e)
                return finishAction(id, *e);
            read(false, [this, id, level, keepMonolith](Result<Read> after) {
                const std::shared_ptr<Action> act = m_actions.value(id);
                if (!act)
                    return;
                if (!after)
                    return finishAction(id, after.error());
                if (pairs(after->config.routes) != act->target)
                    return finishAction(id, makeError(ApiError::Kind::Server, act->name,
                                                      QStringLiteral("HAProxy did not apply the release")));
                // Percentages once released: derived as if the journal already said so.
                QList<RollbackSnapshotEntry> percentsAfter;
                for (const RouteState &s : buildModel(after->config, m_options.conventions, m_journal).routes)
                    percentsAfter.append({s.route.id, keepMonolith ? 0 : s.route.microservicePercent});
                record(act->name, QStringLiteral("rollback"), AuditJournal::percentsJson(act->percentsBefore),
                       AuditJournal::percentsJson(percentsAfter, keepMonolith), act->request.reason, level,
                       act->request.idempotencyKey, {}, {},
                       finishRollback(id, after->config));
            });
        };
        if (live == a->target)
            return confirm(std::nullopt);
        applyMap(a->mapFile, a->target, confirm);
    });
}

} // namespace cutover
