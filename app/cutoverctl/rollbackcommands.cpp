// rollback engage / rollback release: the emergency switch, with its blast radius shown first.
#include "cli.h"
#include "output.h"

#include "client/readback.h"

namespace cutover::ctl {

namespace {

struct Move
{
    Route route;
    int from = 0;
    int to = 0;
};

// The CLI analogue of typing the profile name in the GUI's confirmation dialog.
void requireConfirmation(const Context &ctx, const QString &verb)
{
    const std::optional<Profile> &profile = ctx.connection.profile;
    if (!profile || profile->environment != Environment::Production)
        return;
    if (!ctx.args.isSet(QStringLiteral("confirm")))
        usageError(QStringLiteral("profile \"%1\" is production: add --confirm \"%1\" to %2 the emergency rollback")
                       .arg(profile->name, verb));
    if (ctx.args.value(QStringLiteral("confirm")) != profile->name)
        usageError(QStringLiteral("--confirm must repeat the profile name exactly (\"%1\"); nothing was done").arg(profile->name));
}

QList<Move> blastRadius(const RouteList &routes, const RollbackState &state, bool engage, bool keepMonolith)
{
    QList<Move> moves;
    for (const Route &r : routes.routes) {
        if (engage) {
            if (r.microservicePercent > 0)
                moves.append({r, r.microservicePercent, 0});
            continue;
        }
        if (keepMonolith)
            continue;
        for (const RollbackSnapshotEntry &e : state.snapshot)
            if (e.route == r.id && e.microservicePercent != r.microservicePercent)
                moves.append({r, r.microservicePercent, e.microservicePercent});
    }
    return moves;
}

QString blastRadiusText(const QList<Move> &moves, bool engage, bool keepMonolith)
{
    if (moves.isEmpty()) {
        if (engage)
            return QStringLiteral("No route sends traffic to a microservice now: no routing changes (the rollback is still "
                                  "recorded and freezes route changes).\n");
        return keepMonolith ? QStringLiteral("--keep-monolith: every route stays at 0 %, all traffic stays on the monolith; "
                                             "bring routes back one by one with `cutoverctl route set`.\n")
                            : QStringLiteral("No route changes: the snapshot taken at the engage has every route at 0 %.\n");
    }
    Table table({{QStringLiteral("ROUTE")}, {QStringLiteral("PREFIX")}, {QStringLiteral("SERVICE")},
                 {QStringLiteral("NOW"), Table::Align::Right}, {QString()}, {QStringLiteral("AFTER"), Table::Align::Right}});
    for (const Move &m : moves)
        table.addRow({m.route.id, m.route.prefix, m.route.service, QString::number(m.from) + QStringLiteral(" %"),
                      QStringLiteral("->"), QString::number(m.to) + QStringLiteral(" %")});
    const QString head = engage ? QStringLiteral("Blast radius: %1 route(s) move to the monolith:\n")
                                : QStringLiteral("Blast radius: %1 route(s) return to their percentages from before the engage:\n");
    return head.arg(moves.size()) + table.render();
}

struct RollbackOutcome
{
    RollbackState state;
    QString readBack; // how it was confirmed when the answers were lost; empty when answered
};

// Carries the action out through the backend's own action (runRollback): for HTTP its runner's
// resolve step decides a lost answer by what the gateway has (the rollback state and the audit
// entry with the request's key); HaproxyBackend's runner reads HAProxy back. A lost answer is never
// a failure: throws the ApiError to report when the action was refused, was not applied by the
// deadline, or its outcome cannot be known.
RollbackOutcome carryOut(Context &ctx, const ActionRequest &request, bool engage, bool keepMonolith)
{
    const QString verb = engage ? QStringLiteral("engage") : QStringLiteral("release");
    auto *http = qobject_cast<HttpAdminClient *>(ctx.backend);
    const CheckedRollback checked = valueOrThrow(await<CheckedRollback>([&](auto done) {
        // The copies keep time to read back; the reads back may use the whole deadline.
        if (http)
            http->setDeadline(sendDeadline());
        runRollback(ctx.backend, request, engage, keepMonolith,
                    [done](CheckedRollback c) { done(Result<CheckedRollback>(std::move(c))); });
        if (http)
            http->setDeadline(commandDeadline());
    }));
    const std::optional<RollbackReadBack> &read = checked.readBack;
    if (checked.result) {
        const bool confirmedByReadBack = read && read->verdict == ReadBack::Verdict::Applied && checked.endedOnReadBack;
        return {checked.result.value(), confirmedByReadBack ? read->evidence : QString()};
    }
    const ApiError &error = checked.result.error();
    // No answer was lost: the gateway's own refusal or failure.
    if (!checked.lost)
        throw error;
    // After a read back, a copy that failed by itself (other than by running out of time) says so.
    if (read && !checked.endedOnReadBack && error.kind != ApiError::Kind::Timeout)
        throw error;
    ApiError e = *checked.lost;
    if (read && read->verdict == ReadBack::Verdict::NotApplied) {
        if (read->alreadyInState) {
            e.kind = ApiError::Kind::Conflict;
            e.message = QStringLiteral("not applied by this request: %1").arg(read->evidence);
        } else {
            e.message = QStringLiteral("%1; read back: NOT applied: %2").arg(e.message, read->evidence);
        }
        throw e;
    }
    e.kind = ApiError::Kind::OutcomeUnknown;
    e.message = QStringLiteral("the %1 was sent but its answers were lost (%2), and reading back could not tell "
                               "whether it took effect: %3. Check with `cutoverctl audit` and `cutoverctl routes` "
                               "before acting again")
                    .arg(verb, checked.lost->message, read ? read->evidence : error.message);
    throw e;
}

int runAction(Context &ctx, bool engage)
{
    const bool keepMonolith = !engage && ctx.args.isSet(QStringLiteral("keep-monolith"));
    if (!ctx.args.isSet(QStringLiteral("reason")))
        usageError(QStringLiteral("--reason TEXT is required: say why (it goes into the audit log)"));
    const QString reason = ctx.args.value(QStringLiteral("reason"));
    requireConfirmation(ctx, engage ? QStringLiteral("engage") : QStringLiteral("release"));

    // The rollback version for If-Match, and the routes for the blast radius.
    std::optional<Result<RollbackState>> state;
    std::optional<Result<RouteList>> routes;
    {
        QEventLoop loop;
        int pending = 2;
        ctx.backend->fetchRollback([&](Result<RollbackState> r) {
            state.emplace(std::move(r));
            if (--pending == 0)
                loop.quit();
        });
        ctx.backend->fetchRoutes([&](Result<RouteList> r) {
            routes.emplace(std::move(r));
            if (--pending == 0)
                loop.quit();
        });
        if (pending > 0)
            loop.exec();
    }
    const RollbackState before = valueOrThrow(std::move(*state));
    const RouteList routeList = valueOrThrow(std::move(*routes));
    const QList<Move> moves = blastRadius(routeList, before, engage, keepMonolith);

    const QString where = ctx.backend->address()
        + (ctx.connection.profile ? QStringLiteral(" (profile %1, %2)")
                                        .arg(ctx.connection.profile->name,
                                             ctx.connection.profile->environment == Environment::Production
                                                 ? QStringLiteral("PRODUCTION")
                                                 : environmentName(ctx.connection.profile->environment))
                                  : QString());
    // Engaging an engaged rollback (or releasing a released one) moves nothing: the gateway says
    // why with a 409, which is the answer to show.
    const bool applies = before.engaged != engage;
    if (!ctx.json && applies) {
        printOut((engage ? QStringLiteral("Engaging the emergency rollback on %1: every request will go to the monolith.\n")
                         : QStringLiteral("Releasing the emergency rollback on %1.\n"))
                     .arg(where)
                 + blastRadiusText(moves, engage, keepMonolith));
    }

    // One idempotency key for this invocation: the client retries transient failures with it, so
    // the gateway applies the action once however often it is sent.
    ActionRequest request;
    request.expectedVersion = before.version;
    request.reason = reason;
    request.idempotencyKey = ActionRequest::newIdempotencyKey();
    const RollbackOutcome outcome = carryOut(ctx, request, engage, keepMonolith);
    const RollbackState &after = outcome.state;

    if (ctx.json) {
        Json radius = Json::array();
        for (const Move &m : moves)
            radius.push_back(Json {{"route", m.route.id.toStdString()},
                                   {"prefix", m.route.prefix.toStdString()},
                                   {"service", m.route.service.toStdString()},
                                   {"from", m.from},
                                   {"to", m.to}});
        Json out {{"action", engage ? "engage" : "release"}};
        if (!engage)
            out["keep_monolith"] = keepMonolith;
        out["idempotency_key"] = request.idempotencyKey.toStdString();
        out["blast_radius"] = radius;
        out["rollback"] = rollbackJson(after);
        out["confirmed_by"] = outcome.readBack.isEmpty() ? "answer" : "read_back";
        if (!outcome.readBack.isEmpty())
            out["read_back"] = outcome.readBack.toStdString();
        printJson(out);
        return ExitOk;
    }
    if (!outcome.readBack.isEmpty())
        printOut(QStringLiteral("\nThe gateway's answers were lost; read back: %1.").arg(outcome.readBack));
    if (engage)
        printOut(QStringLiteral("\nRollback ENGAGED at %1 by %2 (rollback version %3, idempotency key %4).\n"
                                "Release it with `cutoverctl rollback release --reason TEXT`.\n")
                     .arg(humanTime(after.engagedAt), orDash(after.engagedBy), after.version,
                          QString::fromLatin1(request.idempotencyKey)));
    else
        printOut(QStringLiteral("\nRollback released at %1 by %2 (rollback version %3, idempotency key %4)%5.\n")
                     .arg(humanTime(after.releasedAt), orDash(after.releasedBy), after.version,
                          QString::fromLatin1(request.idempotencyKey),
                          keepMonolith ? QStringLiteral("; all routes stay on the monolith")
                                       : QStringLiteral("; route percentages restored")));
    return ExitOk;
}

} // namespace

void addRollbackCommands(QList<Command> &commands)
{
    const QCommandLineOption reason(QStringLiteral("reason"),
                                    QStringLiteral("Why (required; recorded in the audit log with your name)."), QStringLiteral("text"));
    const QCommandLineOption confirm(QStringLiteral("confirm"),
                                     QStringLiteral("Required for a production profile: the profile's name, typed again."),
                                     QStringLiteral("profile"));
    const QString safety = QStringLiteral(
        "The request carries one idempotency key for this invocation; the client retries through lost "
        "answers and timeouts with the same key, so the gateway applies it once. When answers keep being "
        "lost, the rollback state and the audit entry with that key decide: exit 0 only when the gateway "
        "confirms it; \"outcome unknown\" (exit 1) when nothing could tell by the deadline (--timeout, "
        "default 120 s). For a profile whose environment is production, --confirm must repeat the profile name.\n\n");
    commands.append({{QStringLiteral("rollback"), QStringLiteral("engage")}, QStringLiteral("--reason TEXT"),
                     QStringLiteral("Emergency switch: send every request to the monolith (shows the routes that move)."),
                     QStringLiteral("Engages the emergency rollback: in one step every route's microservice percentage becomes "
                                    "0 and every request, flags included, goes to the monolith. The gateway keeps a snapshot of "
                                    "the percentages for the release. First prints the blast radius (the routes that move), "
                                    "then the result.\n\n")
                         + safety
                         + QStringLiteral("--json prints {\"action\": \"engage\", \"idempotency_key\", \"blast_radius\": "
                                          "[{\"route\", \"prefix\", \"service\", \"from\", \"to\"}], \"rollback\": {\"engaged\", "
                                          "\"version\", \"engaged_at\", \"engaged_by\", \"reason\", \"snapshot\", \"released_at\", "
                                          "\"released_by\"}}."),
                     {reason, confirm}, {}, true, [](Context &ctx) { return runAction(ctx, true); }, std::chrono::seconds(120)});
    commands.append({{QStringLiteral("rollback"), QStringLiteral("release")}, QStringLiteral("--reason TEXT"),
                     QStringLiteral("Release the emergency switch: restore the percentages (or --keep-monolith)."),
                     QStringLiteral("Releases the emergency rollback. By default every route gets back the percentage it had "
                                    "before the engage; with --keep-monolith all stay at 0 so that traffic can be brought "
                                    "back route by route. First prints the blast radius, then the result.\n\n")
                         + safety
                         + QStringLiteral("--json prints {\"action\": \"release\", \"keep_monolith\", \"idempotency_key\", "
                                          "\"blast_radius\": […], \"rollback\": {…}}."),
                     {reason, confirm,
                      {QStringLiteral("keep-monolith"), QStringLiteral("Leave every route at 0 % instead of restoring the snapshot.")}},
                     {}, true, [](Context &ctx) { return runAction(ctx, false); }, std::chrono::seconds(120)});
}

} // namespace cutover::ctl
