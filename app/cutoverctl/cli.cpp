#include "cli.h"

#include "output.h"

#include "client/cabundle.h"
#include "client/tokens.h"

#include <QSettings>

#include <algorithm>

namespace cutover::ctl {

int exitCodeFor(const ApiError &error)
{
    switch (error.kind) {
    case ApiError::Kind::Unauthorized:
    case ApiError::Kind::Forbidden: return ExitAuth;
    case ApiError::Kind::Conflict: return ExitConflict;
    case ApiError::Kind::Unreachable:
    case ApiError::Kind::Timeout:
    case ApiError::Kind::Tls: return ExitUnreachable;
    case ApiError::Kind::Validation:
    case ApiError::Kind::PreconditionRequired:
    case ApiError::Kind::NotFound: return ExitRejected;
    case ApiError::Kind::Server:
    case ApiError::Kind::Malformed:
    case ApiError::Kind::Http:
    case ApiError::Kind::Cancelled:
    case ApiError::Kind::OutcomeUnknown: return ExitFailure; // never success: nobody could confirm it
    }
    return ExitFailure;
}

void usageError(const QString &message)
{
    throw CliError {ExitUsage, message};
}

QList<QCommandLineOption> globalOptions()
{
    return {
        {QStringLiteral("profile"), QStringLiteral("Use this saved connection (shared with the Cutover GUI). Default: the last-used profile."), QStringLiteral("name")},
        {QStringLiteral("gateway"), QStringLiteral("Talk to the gateway admin API at this http:// or https:// URL instead of a profile."), QStringLiteral("url")},
        {QStringLiteral("token-file"), QStringLiteral("Read the bearer token from this file (mode 600). Default: the profile's token file, else $CUTOVER_TOKEN."), QStringLiteral("file")},
        {QStringLiteral("ca-bundle"), QStringLiteral("Also trust the CA certificates in this PEM file (TLS verification stays on)."), QStringLiteral("file")},
        {QStringLiteral("timeout"), QStringLiteral("Overall deadline in seconds (default 30; 120 for rollback engage/release), retries and "
                                                   "waiting included; one request gives up after 10 s without a byte. A read that runs out "
                                                   "exits 5; a change whose answers are lost is read back, and reported as "
                                                   "\"outcome unknown\" (exit 1) only when that cannot decide."), QStringLiteral("seconds")},
        {QStringLiteral("demo"), QStringLiteral("Start the built-in demo gateway (cutover-sim) for this one command, as an operator.")},
        {QStringLiteral("json"), QStringLiteral("Print JSON (stable member names, as in the admin API) instead of tables.")},
        {QStringLiteral("verbose"), QStringLiteral("Log network retries and failures to stderr.")},
        {{QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show help for this command.")},
    };
}

QString exitCodesHelp()
{
    return QStringLiteral(
        "Exit codes:\n"
        "  0  success\n"
        "  1  anything else (gateway error 5xx, malformed answer, …), or outcome unknown: a change was\n"
        "     sent, its answers were lost and reading the gateway back could not tell whether it took effect\n"
        "  2  usage error (bad command line, unknown profile, unusable token file)\n"
        "  3  authentication or permission: 401 (no or unknown token) or 403 (role too low)\n"
        "  4  conflict: 409 (state forbids it) or 412 (changed by someone else since read)\n"
        "  5  gateway unreachable, timed out, or TLS failure\n"
        "  6  rejected by the gateway: 422 (invalid value), 428, or 404 (no such route/flag)\n");
}

QUrl gatewayUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    const std::optional<GatewayKind> kind = profileKindForUrl(url);
    // HAProxy's Runtime API: tcp://host:port or unix:///path (checked by HaproxyOptions).
    if (url.isValid() && kind == GatewayKind::Haproxy)
        return url;
    if (!url.isValid() || url.host().isEmpty() || kind != GatewayKind::Http)
        usageError(QStringLiteral("--gateway needs a full http:// or https:// URL, e.g. https://gateway.example:9443, "
                                  "or a HAProxy Runtime API address, tcp://127.0.0.1:9999 or unix:///run/haproxy/admin.sock"));
    return url;
}

Connection resolveConnection(const QCommandLineParser &args)
{
    Connection c;
    const bool byGateway = args.isSet(QStringLiteral("gateway"));
    if (byGateway && args.isSet(QStringLiteral("profile")))
        usageError(QStringLiteral("give either --profile or --gateway, not both"));

    if (byGateway) {
        c.endpoint.baseUrl = gatewayUrl(args.value(QStringLiteral("gateway")));
        c.kind = profileKindForUrl(c.endpoint.baseUrl).value_or(GatewayKind::Http); // gatewayUrl() checked it
    } else {
        QSettings settings;
        ProfileStore store(settings);
        const QString name = args.isSet(QStringLiteral("profile")) ? args.value(QStringLiteral("profile")) : store.lastUsed();
        if (name.isEmpty())
            usageError(QStringLiteral("no gateway given: use --profile NAME or --gateway URL "
                                      "(no profile has been used yet; `cutoverctl profile add` saves one)"));
        QString problem;
        std::optional<Profile> profile = store.load(name, &problem);
        if (!profile && !problem.isEmpty())
            usageError(problem);
        if (!profile)
            usageError(QStringLiteral("there is no profile named \"%1\" (`cutoverctl profile list` shows the saved ones)").arg(name));
        if (profile->kind == GatewayKind::Demo)
            usageError(QStringLiteral("profile \"%1\" is the demo gateway; use `cutoverctl --demo …`").arg(name));
        c.kind = profile->kind;
        c.endpoint.baseUrl = profile->url;
        c.endpoint.caBundle = profile->caBundle;
        c.profile = std::move(profile);
    }

    if (args.isSet(QStringLiteral("ca-bundle")))
        c.endpoint.caBundle = args.value(QStringLiteral("ca-bundle"));
    if (!c.endpoint.caBundle.isEmpty())
        if (const QString problem = caBundleProblem(c.endpoint.caBundle); !problem.isEmpty())
            usageError(problem);

    // The Runtime API has no tokens: who may use it is decided by the socket (docs/haproxy.md).
    if (c.kind == GatewayKind::Haproxy)
        return c;

    const QString tokenFile = args.isSet(QStringLiteral("token-file"))
        ? args.value(QStringLiteral("token-file"))
        : (c.profile ? c.profile->tokenFile : QString());
    TokenLookup token = tokenFromEnvironmentOrFile(tokenFile);
    if (!token.error.isEmpty())
        usageError(token.error);
    if (token.token.isEmpty())
        throw CliError {ExitAuth, QStringLiteral("no token: set CUTOVER_TOKEN or give --token-file FILE (mode 600)")};
    c.endpoint.token = std::move(token.token);
    c.tokenSource = token.source;
    return c;
}

namespace {
QDeadlineTimer g_deadline {QDeadlineTimer::Forever};
} // namespace

QDeadlineTimer commandDeadline()
{
    return g_deadline;
}

void setCommandDeadline(QDeadlineTimer deadline)
{
    g_deadline = deadline;
}

std::chrono::milliseconds commandTimeout(const QCommandLineParser &args, const Command &command)
{
    if (!args.isSet(QStringLiteral("timeout")))
        return command.timeout;
    bool ok = false;
    const double seconds = args.value(QStringLiteral("timeout")).toDouble(&ok);
    if (!ok || !(seconds > 0 && seconds <= 3600))
        usageError(QStringLiteral("--timeout must be a number of seconds from 0.1 to 3600"));
    return std::chrono::milliseconds(qint64(std::max(100.0, seconds * 1000.0)));
}

QDeadlineTimer sendDeadline()
{
    if (g_deadline.isForever())
        return g_deadline;
    using namespace std::chrono;
    const auto left = duration_cast<milliseconds>(g_deadline.remainingTimeAsDuration());
    const milliseconds reserve = std::clamp<milliseconds>(left / 4, seconds(1), seconds(10));
    return QDeadlineTimer(std::max(left - reserve, milliseconds(0)));
}

void progressLine(const QString &line)
{
    printErr(QStringLiteral("cutoverctl: ") + line + QLatin1Char('\n'));
}

int intOption(const QCommandLineParser &args, const QString &name, int min, int max, int fallback)
{
    if (!args.isSet(name))
        return fallback;
    bool ok = false;
    const int v = args.value(name).toInt(&ok);
    if (!ok || v < min || v > max)
        usageError(QStringLiteral("--%1 must be an integer from %2 to %3").arg(name).arg(min).arg(max));
    return v;
}

QList<Command> allCommands()
{
    QList<Command> commands;
    addStatusCommand(commands);
    addConfigCommands(commands);
    addRollbackCommands(commands);
    addAuditCommand(commands);
    addLogsCommand(commands);
    addConformanceCommand(commands);
    addProfileCommands(commands);
    return commands;
}

} // namespace cutover::ctl
