// routes, route set, flags, flag set: the migration's configuration and its two controls.
#include "cli.h"
#include "output.h"

#include "client/displaytext.h"

#include "client/jsonboundary.h"
#include "client/readback.h"

#include <algorithm>

namespace cutover::ctl {

namespace {

const QString kReasonHelp = QStringLiteral("Why (required; recorded in the gateway's audit log with your name).");
const QString kIfVersionHelp = QStringLiteral(
    "Change it only if it is still at this version (as read earlier, e.g. with --json); otherwise fail with a "
    "conflict. Default: the version read just before the change.");

QString percentBar(int percent)
{
    const int filled = std::clamp((percent + 5) / 10, 0, 10);
    return QString(filled, QChar(0x2588)) + QString(10 - filled, QChar(0x2591));
}

QString reasonOrFail(const Context &ctx)
{
    if (!ctx.args.isSet(QStringLiteral("reason")))
        usageError(QStringLiteral("--reason TEXT is required: say why (it goes into the audit log)"));
    return ctx.args.value(QStringLiteral("reason"));
}

int wholeNumber(const QString &text, const QString &what)
{
    bool ok = false;
    const int v = text.toInt(&ok);
    if (!ok)
        usageError(QStringLiteral("%1 must be a whole number, e.g. 25 (got \"%2\")").arg(what, text));
    return v;
}

ApiError notFound(const QString &what, const QString &name, const QStringList &known, const QString &endpoint)
{
    ApiError e;
    e.kind = ApiError::Kind::NotFound;
    e.endpoint = endpoint;
    e.message = QStringLiteral("there is no %1 \"%2\" (known: %3)").arg(what, name, known.join(QStringLiteral(", ")));
    return e;
}

// The "current" member of a 412's details, as the gateway sent it.
QByteArray currentFromDetails(const ApiError &e)
{
    const Json details = parseJsonText(e.details);
    if (!details.is_object() || !details.contains("current"))
        return {};
    return QByteArray::fromStdString(details["current"].dump());
}

// A 412: say who changed it and what it is now, and never retry.
int reportStale(const Context &ctx, const ApiError &e, const QString &what, const QString &expected,
                const QString &nowText, const QString &changedBy, const QDateTime &changedAt, const QString &version)
{
    if (ctx.json)
        printJson(Json {{"error", apiErrorJson(e)}});
    printErr(QStringLiteral("cutoverctl: %1 was changed by %2 at %3 and is now %4 (version %5); this change expected "
                            "version %6, so nothing was changed. Look at the new value and run the command again "
                            "if it is still right. [request %7]\n")
                 .arg(what, orDash(changedBy), humanTime(changedAt), nowText, version, expected, orDash(e.requestId)));
    return ExitConflict;
}

// Whether `updatedBy` is this token's subject. A 412 whose current state is exactly what was
// asked, made as us, is our own change: the connection dropped after the gateway applied it and
// Qt sent the PUT again by itself (it does so for idempotent methods).
bool isOwnChange(Context &ctx, const QString &updatedBy)
{
    if (updatedBy.isEmpty())
        return false;
    const Result<WhoAmI> who = await<WhoAmI>([&](auto done) { ctx.backend->fetchWhoAmI(std::move(done)); });
    return who && who->subject == updatedBy;
}

QString resentNote(const QString &subject, const QString &version)
{
    return QStringLiteral("The connection dropped and the change was sent again; the gateway has it, made as %1 at "
                          "version %2: applied once.\n")
        .arg(subject, version);
}

// Carries one change out through runRouteChange/runFlagChange (`run`), the path the console's
// ConfigActions takes: the change is sent within the part of the deadline that leaves time to read
// it back, and a try that may have been applied without saying so is decided by the runner's one
// read back. Returns the change as the gateway has it (with `note` saying when the read back
// confirmed it), or the error to report.
template<typename T, typename ReadBackT, typename Run>
Result<T> carryOutChange(Context &ctx, const QString &what, QString &note, Run run)
{
    auto *http = qobject_cast<HttpAdminClient *>(ctx.backend);
    const BeforeReadBack beforeReadBack = [http, what](const ApiError &lost) {
        progressLine(QStringLiteral("the gateway's answer to the change of %1 was lost (%2); reading it back")
                         .arg(what, lost.describe()));
        if (http)
            http->setDeadline(commandDeadline()); // the read back may use the whole deadline
    };
    ActionRunner runner; // after what its job refers to: destroyed first, nothing calls back later
    if (http)
        http->setDeadline(sendDeadline());
    using Checked = CheckedChange<T, ReadBackT>;
    Result<Checked> r = await<Checked>([&](auto done) {
        run(&runner, [done](Checked c) { done(Result<Checked>(std::move(c))); }, beforeReadBack);
    });
    if (http)
        http->setDeadline(commandDeadline());
    if (!r)
        return r.error(); // no end by the deadline
    const Checked &c = r.value();
    if (c.result) {
        if (c.readBack && c.endedOnReadBack && c.readBack->verdict == ReadBack::Verdict::Applied)
            note = QStringLiteral("The gateway's answer was lost; read back: applied: %1.\n").arg(c.readBack->evidence);
        return c.result;
    }
    // The gateway refused or failed, or a failure in passing (5xx, a refused connection) that the
    // read back did not find applied: as it came.
    if (!c.lost)
        return c.result.error();
    if (!c.lost->answerLost)
        return *c.lost;
    ApiError e = *c.lost;
    const QString evidence = c.readBack ? c.readBack->evidence : c.result.error().message;
    if (c.readBack && c.readBack->verdict == ReadBack::Verdict::NotApplied) {
        e.message = QStringLiteral("%1; read back: NOT applied: %2").arg(e.message, evidence);
        return e;
    }
    e.kind = ApiError::Kind::OutcomeUnknown;
    e.message = QStringLiteral("the change of %1 was sent but its answer was lost (%2), and reading back could not "
                               "tell whether it took effect: %3")
                    .arg(what, c.lost->message, evidence);
    return e;
}

int runRoutes(Context &ctx)
{
    const RouteList list = valueOrThrow(await<RouteList>([&](auto done) { ctx.backend->fetchRoutes(std::move(done)); }));
    if (ctx.json) {
        Json routes = Json::array();
        for (const Route &r : list.routes)
            routes.push_back(routeJson(r));
        printJson(Json {{"version", list.version.toStdString()}, {"rollback_engaged", list.rollbackEngaged}, {"routes", routes}});
        return ExitOk;
    }
    Table table({{QStringLiteral("ROUTE")}, {QStringLiteral("PREFIX")}, {QStringLiteral("SERVICE")},
                 {QStringLiteral("MICROSERVICE"), Table::Align::Right}, {QString()}, {QStringLiteral("VERSION"), Table::Align::Right},
                 {QStringLiteral("UPDATED BY")}, {QStringLiteral("UPDATED AT")}});
    for (const Route &r : list.routes)
        table.addRow({r.id, r.prefix, r.service, QString::number(r.microservicePercent) + QStringLiteral(" %"),
                      percentBar(r.microservicePercent), r.version, orDash(r.updatedBy), humanTime(r.updatedAt)});
    QString out = table.render();
    if (list.rollbackEngaged)
        out += QStringLiteral("\nROLLBACK ENGAGED: every request goes to the monolith; the percentages stay at 0 until "
                              "`cutoverctl rollback release`.\n");
    out += QStringLiteral("\nConfiguration version %1.\n").arg(list.version);
    printOut(out);
    return ExitOk;
}

int runRouteSet(Context &ctx)
{
    const QString id = ctx.positional.at(0);
    const int percent = wholeNumber(ctx.positional.at(1), QStringLiteral("PERCENT"));
    const QString reason = reasonOrFail(ctx);

    const RouteList list = valueOrThrow(await<RouteList>([&](auto done) { ctx.backend->fetchRoutes(std::move(done)); }));
    const auto it = std::find_if(list.routes.cbegin(), list.routes.cend(), [&](const Route &r) { return r.id == id; });
    if (it == list.routes.cend()) {
        QStringList known;
        for (const Route &r : list.routes)
            known.append(r.id);
        throw notFound(QStringLiteral("route"), id, known, QStringLiteral("GET /admin/routes"));
    }
    const Route before = *it;
    const QString expected = ctx.args.isSet(QStringLiteral("if-version")) ? ctx.args.value(QStringLiteral("if-version"))
                                                                         : before.version;

    QString note;
    Result<Route> result = carryOutChange<Route, RouteReadBack>(
        ctx, QStringLiteral("route ") + id, note, [&](ActionRunner *runner, auto done, BeforeReadBack onLost) {
            runRouteChange(runner, ctx.backend, id, percent, expected, reason, std::move(done), std::move(onLost));
        });
    if (!result && result.error().httpStatus == 412) {
        const ApiError &e = result.error();
        const Result<Route> current = json::parseRoute(currentFromDetails(e));
        if (current && current->microservicePercent == percent && isOwnChange(ctx, current->updatedBy)) {
            note = resentNote(current->updatedBy, current->version);
            result = current.value();
        } else if (current) {
            return reportStale(ctx, e, QStringLiteral("route ") + id,
                               expected, QStringLiteral("%1 % to the microservice").arg(current->microservicePercent),
                               current->updatedBy, current->updatedAt, current->version);
        }
    }
    const Route after = valueOrThrow(std::move(result));
    if (ctx.json) {
        Json out {{"previous", routeJson(before)}, {"route", routeJson(after)}};
        if (!note.isEmpty())
            out["read_back"] = note.trimmed().toStdString();
        printJson(out);
        return ExitOk;
    }
    printOut(note);
    printOut(QStringLiteral("Route %1 (%2 -> %3): %4 % -> %5 % of its traffic to the microservice; version %6 -> %7, "
                            "changed by %8.\n")
                 .arg(after.id, after.prefix, after.service)
                 .arg(before.microservicePercent)
                 .arg(after.microservicePercent)
                 .arg(before.version, after.version, orDash(after.updatedBy)));
    return ExitOk;
}

QString flagSummary(const Flag &f)
{
    return QStringLiteral("%1, rollout %2 %, %3 allowed user(s)")
        .arg(f.enabled ? QStringLiteral("on") : QStringLiteral("off"))
        .arg(f.rolloutPercent)
        .arg(f.allowUsers.size());
}

int runFlags(Context &ctx)
{
    const FlagList list = valueOrThrow(await<FlagList>([&](auto done) { ctx.backend->fetchFlags(std::move(done)); }));
    if (ctx.json) {
        Json flags = Json::array();
        for (const Flag &f : list.flags)
            flags.push_back(flagJson(f));
        printJson(Json {{"version", list.version.toStdString()}, {"flags", flags}});
        return ExitOk;
    }
    Table table({{QStringLiteral("FLAG")}, {QStringLiteral("STATE")}, {QStringLiteral("ROLLOUT"), Table::Align::Right},
                 {QStringLiteral("ALLOWED USERS")}, {QStringLiteral("SERVICE")}, {QStringLiteral("ROUTES")},
                 {QStringLiteral("VERSION"), Table::Align::Right}, {QStringLiteral("UPDATED BY")},
                 {QStringLiteral("UPDATED AT")}, {QStringLiteral("DESCRIPTION")}});
    for (const Flag &f : list.flags) {
        const QString allowed = f.allowUsers.isEmpty() ? QStringLiteral("—")
            : f.allowUsers.size() <= 3                 ? f.allowUsers.join(QLatin1Char(','))
                                                       : QStringLiteral("%1 users").arg(f.allowUsers.size());
        table.addRow({f.name, f.enabled ? QStringLiteral("on") : QStringLiteral("off"),
                      QString::number(f.rolloutPercent) + QStringLiteral(" %"), allowed, orDash(f.service),
                      f.routes.isEmpty() ? QStringLiteral("—") : f.routes.join(QLatin1Char(',')), f.version,
                      orDash(f.updatedBy), humanTime(f.updatedAt), elide(f.description, 40)});
    }
    printOut(table.render() + QStringLiteral("\nConfiguration version %1.\n").arg(list.version));
    return ExitOk;
}

int runFlagSet(Context &ctx)
{
    const QString name = ctx.positional.at(0);
    const QCommandLineParser &a = ctx.args;
    if (a.isSet(QStringLiteral("on")) && a.isSet(QStringLiteral("off")))
        usageError(QStringLiteral("give --on or --off, not both"));
    const bool changes = a.isSet(QStringLiteral("on")) || a.isSet(QStringLiteral("off")) || a.isSet(QStringLiteral("percent"))
        || a.isSet(QStringLiteral("allow")) || a.isSet(QStringLiteral("description"));
    if (!changes)
        usageError(QStringLiteral("nothing to change: give --on, --off, --percent, --allow or --description"));
    const std::optional<int> percent = a.isSet(QStringLiteral("percent"))
        ? std::optional<int>(wholeNumber(a.value(QStringLiteral("percent")), QStringLiteral("--percent")))
        : std::nullopt;
    const QString reason = reasonOrFail(ctx);

    const FlagList list = valueOrThrow(await<FlagList>([&](auto done) { ctx.backend->fetchFlags(std::move(done)); }));
    const auto it = std::find_if(list.flags.cbegin(), list.flags.cend(), [&](const Flag &f) { return f.name == name; });
    if (it == list.flags.cend()) {
        QStringList known;
        for (const Flag &f : list.flags)
            known.append(f.name);
        throw notFound(QStringLiteral("flag"), name, known, QStringLiteral("GET /admin/flags"));
    }
    const Flag before = *it;

    // Unspecified fields keep their current values (the API would clear an omitted allow list).
    FlagChange change;
    change.enabled = a.isSet(QStringLiteral("on")) ? true : a.isSet(QStringLiteral("off")) ? false : before.enabled;
    change.rolloutPercent = percent.value_or(before.rolloutPercent);
    change.allowUsers = before.allowUsers;
    if (a.isSet(QStringLiteral("allow"))) {
        change.allowUsers.clear();
        for (const QString &user : a.value(QStringLiteral("allow")).split(QLatin1Char(',')))
            if (!user.trimmed().isEmpty())
                change.allowUsers.append(user.trimmed());
    }
    if (a.isSet(QStringLiteral("description")))
        change.description = a.value(QStringLiteral("description"));
    const QString expected = a.isSet(QStringLiteral("if-version")) ? a.value(QStringLiteral("if-version")) : before.version;

    QString note;
    Result<Flag> result = carryOutChange<Flag, FlagReadBack>(
        ctx, QStringLiteral("flag ") + name, note, [&](ActionRunner *runner, auto done, BeforeReadBack onLost) {
            runFlagChange(runner, ctx.backend, name, change, expected, reason, std::move(done), std::move(onLost));
        });
    if (!result && result.error().httpStatus == 412) {
        const ApiError &e = result.error();
        const Result<Flag> current = json::parseFlag(currentFromDetails(e));
        if (current && flagMatches(*current, change) && isOwnChange(ctx, current->updatedBy)) {
            note = resentNote(current->updatedBy, current->version);
            result = current.value();
        } else if (current) {
            return reportStale(ctx, e, QStringLiteral("flag ") + name, expected, flagSummary(*current),
                               current->updatedBy, current->updatedAt, current->version);
        }
    }
    const Flag after = valueOrThrow(std::move(result));
    if (ctx.json) {
        Json out {{"previous", flagJson(before)}, {"flag", flagJson(after)}};
        if (!note.isEmpty())
            out["read_back"] = note.trimmed().toStdString();
        printJson(out);
        return ExitOk;
    }
    const QString description = before.description == after.description
        ? QString()
        : QStringLiteral("; description \"%1\" -> \"%2\"").arg(inertText(before.description), inertText(after.description));
    printOut(note);
    printOut(QStringLiteral("Flag %1: %2 -> %3%4; version %5 -> %6, changed by %7.\n")
                 .arg(after.name, flagSummary(before), flagSummary(after), description, before.version, after.version,
                      orDash(after.updatedBy)));
    return ExitOk;
}

} // namespace

void addConfigCommands(QList<Command> &commands)
{
    const QCommandLineOption reason(QStringLiteral("reason"), kReasonHelp, QStringLiteral("text"));
    const QCommandLineOption ifVersion(QStringLiteral("if-version"), kIfVersionHelp, QStringLiteral("version"));

    commands.append({{QStringLiteral("routes")}, {},
                     QStringLiteral("Each route's prefix, service, share of traffic sent to the microservice, version and last change."),
                     QStringLiteral("Lists the gateway's routes: for each public path prefix the microservice that owns it, the "
                                    "percentage of its requests sent to that microservice (the rest go to the monolith), its "
                                    "version and who changed it last.\n\n"
                                    "--json prints {\"version\", \"rollback_engaged\", \"routes\": [{\"id\", \"prefix\", \"service\", "
                                    "\"microservice_percent\", \"version\", \"updated_at\", \"updated_by\"}]}."),
                     {}, {}, true, runRoutes});
    commands.append({{QStringLiteral("route"), QStringLiteral("set")}, QStringLiteral("ID PERCENT --reason TEXT"),
                     QStringLiteral("Send PERCENT % of route ID's traffic to its microservice (If-Match protected)."),
                     QStringLiteral("Reads the route's current version, then changes its microservice percentage with "
                                    "If-Match on that version. If someone changed the route in between (or since --if-version), "
                                    "the gateway refuses with 412: the command prints who changed it and its current value, "
                                    "exits with 4, and never retries on its own. While the emergency rollback is engaged the "
                                    "gateway refuses every route change (409, exit 4).\n\n"
                                    "--json prints {\"previous\": <route>, \"route\": <route>}; on an error "
                                    "{\"error\": {\"kind\", \"http_status\", \"code\", \"message\", \"field\", \"endpoint\", "
                                    "\"request_id\", \"details\"}} (a 412's details hold the current route)."),
                     {reason, ifVersion},
                     {{QStringLiteral("ID"), QStringLiteral("The route id, e.g. payments (see `cutoverctl routes`).")},
                      {QStringLiteral("PERCENT"), QStringLiteral("Whole number from 0 (all to the monolith) to 100 (all to the microservice).")}},
                     true, runRouteSet});
    commands.append({{QStringLiteral("flags")}, {},
                     QStringLiteral("Each feature flag: on/off, rollout %, allowed users, service and routes, version."),
                     QStringLiteral("Lists the per-user feature flags (use_<service>_microservice). A user in an enabled flag "
                                    "reaches the microservice whatever the route percentage is.\n\n"
                                    "--json prints {\"version\", \"flags\": [{\"name\", \"enabled\", \"rollout_percent\", "
                                    "\"allow_users\", \"description\", \"version\", \"service\", \"routes\", \"updated_at\", "
                                    "\"updated_by\"}]}."),
                     {}, {}, true, runFlags});
    commands.append({{QStringLiteral("flag"), QStringLiteral("set")}, QStringLiteral("NAME --reason TEXT"),
                     QStringLiteral("Change a flag: --on/--off, --percent, --allow, --description (the rest is kept)."),
                     QStringLiteral("Reads the flag, applies the options given and writes it back with If-Match on the version "
                                    "read; fields without an option keep their current values. A 412 (changed by someone "
                                    "else) is reported with the flag's current state and exit code 4, never retried.\n\n"
                                    "--json prints {\"previous\": <flag>, \"flag\": <flag>} or {\"error\": {…}}."),
                     {reason, ifVersion,
                      {QStringLiteral("on"), QStringLiteral("Enable the flag.")},
                      {QStringLiteral("off"), QStringLiteral("Disable the flag (nobody is in it).")},
                      {QStringLiteral("percent"), QStringLiteral("Rollout percentage 0-100: users whose bucket is below it are in."), QStringLiteral("n")},
                      {QStringLiteral("allow"), QStringLiteral("Comma-separated user ids that are always in (replaces the list; \"\" empties it)."), QStringLiteral("ids")},
                      {QStringLiteral("description"), QStringLiteral("New description."), QStringLiteral("text")}},
                     {{QStringLiteral("NAME"), QStringLiteral("The flag name, e.g. use_payment_microservice (see `cutoverctl flags`).")}},
                     true, runFlagSet});
}

} // namespace cutover::ctl
