// logs: the gateway's request log, backfilled and (with --follow) streamed live until Ctrl-C.
#include "cli.h"
#include "output.h"

#include "client/displaytext.h"

#include "client/gatewaybackend.h"
#include "client/jsonboundary.h"
#include "client/logjson.h"
#include "client/logsource.h"

#include <QSocketNotifier>

#include <algorithm>
#include <csignal>
#include <memory>
#include <unistd.h>

namespace cutover::ctl {

namespace {

constexpr int kMaxPage = 5000; // the API's largest GET /admin/logs page

struct LineFilter
{
    std::optional<LogLevel> minLevel;
    QString service;
    QString grep;
    QString requestId;

    bool isEmpty() const { return !minLevel && service.isEmpty() && grep.isEmpty() && requestId.isEmpty(); }
    bool matches(const LogLine &l) const
    {
        if (minLevel && l.level < *minLevel)
            return false;
        if (!service.isEmpty() && l.service != service)
            return false;
        if (!requestId.isEmpty() && l.requestId != requestId)
            return false;
        if (grep.isEmpty())
            return true;
        for (const QString *field : {&l.message, &l.path, &l.service, &l.backend, &l.upstream, &l.route, &l.method,
                                     &l.requestId, &l.userId})
            if (field->contains(grep, Qt::CaseInsensitive))
                return true;
        return false;
    }
};

QString lineTime(WallTime t)
{
    return QDateTime::fromMSecsSinceEpoch(t.time_since_epoch().count(), Qt::UTC)
               .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"))
        + QLatin1Char('Z');
}

QString padded(const QString &text, qsizetype width)
{
    return text + QString(std::max<qsizetype>(0, width - displayWidth(text)), QLatin1Char(' '));
}

void printLine(const LogLine &l, bool json)
{
    if (json) {
        printJsonLine(Json {{"type", "log"},
                            {"id", l.id.value},
                            {"time", lineTime(l.time).replace(QLatin1Char(' '), QLatin1Char('T')).toStdString()},
                            {"level", json::logLevelName(l.level).toStdString()},
                            {"service", l.service.toStdString()},
                            {"backend", l.backend.toStdString()},
                            {"upstream", jsonString(l.upstream)},
                            {"route", l.route.toStdString()},
                            {"method", l.method.toStdString()},
                            {"path", l.path.toStdString()},
                            {"status", l.status},
                            {"latency_ms", l.latency.count()},
                            {"request_id", l.requestId.toStdString()},
                            {"user_id", jsonString(l.userId)},
                            {"message", l.message.toStdString()}});
        return;
    }
    QString text = lineTime(l.time) + QStringLiteral("  ") + padded(json::logLevelName(l.level).toUpper(), 5)
        + QStringLiteral("  ") + padded(l.service, 20) + QStringLiteral("  ") + padded(l.backend, 12) + QStringLiteral("  ")
        + l.message + QStringLiteral("  ") + l.requestId;
    if (!l.userId.isEmpty())
        text += QStringLiteral("  user=") + l.userId;
    printOut(inertText(text) + QLatin1Char('\n')); // one line, whatever the gateway sent
}

void printGap(LogId from, LogId to, quint64 missed, bool json)
{
    if (json) {
        printJsonLine(Json {{"type", "gap"}, {"from", from.value}, {"to", to.value}, {"missed", missed}});
        return;
    }
    printOut(QStringLiteral("-------- GAP: %1 line(s) missed (ids %2-%3): they left the gateway's buffer before this "
                            "client read them --------\n")
                 .arg(missed)
                 .arg(from.value)
                 .arg(to.value));
}

// The newest `limit` lines the gateway holds.
LogPage fetchNewest(Context &ctx, int limit)
{
    return valueOrThrow(await<LogPage>([&](auto done) { ctx.backend->fetchLogs(std::nullopt, limit, std::move(done)); }));
}

// Ctrl-C and SIGTERM end --follow cleanly: the handler notes the stop and writes a byte that the
// event loop reads. The output ends at a line: no line is started after the signal, and one being
// written when it came (blocked on a full pipe) is finished, since the handler restarts the write
// (SA_RESTART); an interrupted write would drop its line and leave a hole in the output.
int g_signalPipe[2] = {-1, -1};
volatile std::sig_atomic_t g_stopping = 0;

void onSignal(int)
{
    g_stopping = 1;
    const char byte = 1;
    const ssize_t written = ::write(g_signalPipe[1], &byte, 1);
    (void)written;
}

int follow(Context &ctx, const LineFilter &filter, std::optional<LogId> after, const QString &instance)
{
    // The deadline covered the backfill; following lasts until Ctrl-C.
    setCommandDeadline(QDeadlineTimer(QDeadlineTimer::Forever));
    if (::pipe(g_signalPipe) != 0)
        throw CliError {ExitFailure, QStringLiteral("cannot set up the signal handler")};
    struct sigaction action = {};
    action.sa_handler = onSignal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);

    QEventLoop loop;
    QSocketNotifier interrupted(g_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&interrupted, &QSocketNotifier::activated, &loop, [&loop] { loop.exit(ExitOk); });

    std::unique_ptr<LogSource> source(ctx.backend->createLogSource(nullptr));
    if (!source)
        throw CliError {ExitFailure, QStringLiteral("this gateway has no live log to follow")};
    LogSource &stream = *source;
    QObject::connect(&stream, &LogSource::linesReceived, &loop, [&](const QList<LogLine> &lines) {
        for (const LogLine &l : lines) {
            if (g_stopping)
                return;
            if (filter.matches(l))
                printLine(l, ctx.json);
        }
    });
    QObject::connect(&stream, &LogSource::gap, &loop, [&](LogId from, LogId to, quint64 missed) {
        if (!g_stopping)
            printGap(from, to, missed, ctx.json);
    });
    // A restarted gateway numbers its lines from 1 again: say so, and go on with its lines.
    QObject::connect(&stream, &LogSource::gatewayRestarted, &loop, [&](const QString &description) {
        if (g_stopping)
            return;
        if (ctx.json)
            printJsonLine(Json {{"type", "restart"}, {"description", description.toStdString()}});
        printErr(QStringLiteral("cutoverctl: the gateway restarted (%1); following the new instance's log from its "
                                "start\n")
                     .arg(description));
    });
    QObject::connect(&stream, &LogSource::malformedEvent, &loop, [](const ApiError &e) {
        printErr(QStringLiteral("cutoverctl: skipped a log event: ") + inertText(e.describe()) + QLatin1Char('\n'));
    });
    int code = ExitOk;
    QObject::connect(&stream, &LogSource::connectionStateChanged, &loop,
                     [&](LogSource::State state, const std::optional<ApiError> &error) {
                         if (!error)
                             return;
                         if (state == LogSource::State::Reconnecting) {
                             printErr(QStringLiteral("cutoverctl: log stream interrupted (%1); reconnecting\n").arg(inertText(error->describe())));
                         } else if (state == LogSource::State::Stopped) {
                             if (ctx.json)
                                 printJsonLine(Json {{"type", "error"}, {"error", apiErrorJson(*error)}});
                             printErr(QStringLiteral("cutoverctl: ") + inertText(error->describe()) + QLatin1Char('\n'));
                             code = exitCodeFor(*error);
                             loop.exit(code);
                         }
                     });
    // The resume point is an id of the instance the backfill read: another one means a restart.
    stream.setResumeInstance(instance);
    stream.start(after);
    code = loop.exec();
    stream.stop();
    return code;
}

int runLogs(Context &ctx)
{
    LineFilter filter;
    if (ctx.args.isSet(QStringLiteral("level"))) {
        filter.minLevel = json::logLevelFromName(ctx.args.value(QStringLiteral("level")).toLower().toStdString());
        if (!filter.minLevel)
            usageError(QStringLiteral("--level must be debug, info, warn or error"));
    }
    filter.service = ctx.args.value(QStringLiteral("service"));
    filter.grep = ctx.args.value(QStringLiteral("grep"));
    filter.requestId = ctx.args.value(QStringLiteral("request-id"));
    const int limit = intOption(ctx.args, QStringLiteral("limit"), 0, kMaxPage, 50);

    // Backfill: the newest `limit` lines, or the newest matching ones among the last kMaxPage.
    // The stream resumes after the last of them; a HAProxy ring has no ids to resume after, so
    // there it starts with the lines that arrive from then on.
    const bool resumable = ctx.connection.kind != GatewayKind::Haproxy;
    LogId resume;
    QString instance;
    if (limit > 0) {
        const LogPage page = fetchNewest(ctx, filter.isEmpty() ? limit : kMaxPage);
        QList<LogLine> shown;
        for (const LogLine &l : page.lines)
            if (filter.matches(l))
                shown.append(l);
        for (qsizetype i = std::max<qsizetype>(0, shown.size() - limit); i < shown.size(); ++i)
            printLine(shown.at(i), ctx.json);
        resume = page.lines.isEmpty() ? page.lastId : page.lines.last().id;
        instance = page.instance;
    } else if (ctx.args.isSet(QStringLiteral("follow")) && resumable) {
        const LogPage page = fetchNewest(ctx, 1);
        resume = page.lastId;
        instance = page.instance;
    }
    if (!ctx.args.isSet(QStringLiteral("follow")))
        return ExitOk;
    return follow(ctx, filter, resumable ? std::optional(resume) : std::nullopt, instance);
}

} // namespace

void addLogsCommand(QList<Command> &commands)
{
    commands.append({{QStringLiteral("logs")}, {},
                     QStringLiteral("Recent request log lines, filtered; --follow streams new ones until Ctrl-C."),
                     QStringLiteral("Prints the newest --limit lines of the gateway's request log that match the filters "
                                    "(filters search the newest 5000 lines), then with --follow streams new lines as they "
                                    "arrive (GET /admin/logs/stream, resumed after the last line printed, reconnecting on "
                                    "its own; for HAProxy, `show events <ring> -w`) until Ctrl-C. Lines that can never be delivered (they left the gateway's buffer "
                                    "or this client fell behind) are shown as a GAP line, never skipped silently. When the gateway restarts "
                                    "(a new instance, its ids going back) that is said on stderr and the new instance's "
                                    "log follows from its start.\n\n"
                                    "--json prints one JSON object per line (NDJSON): {\"type\": \"log\", \"id\", \"time\", "
                                    "\"level\", \"service\", \"backend\", \"upstream\", \"route\", \"method\", \"path\", \"status\", "
                                    "\"latency_ms\", \"request_id\", \"user_id\", \"message\"} or {\"type\": \"gap\", \"from\", "
                                    "\"to\", \"missed\"} or {\"type\": \"restart\", \"description\"}."),
                     {{QStringLiteral("follow"), QStringLiteral("Keep streaming new lines until Ctrl-C.")},
                      {QStringLiteral("level"), QStringLiteral("Only lines at this level or above: debug, info, warn, error."), QStringLiteral("level")},
                      {QStringLiteral("service"), QStringLiteral("Only lines of this service, e.g. payment-service."), QStringLiteral("name")},
                      {QStringLiteral("grep"), QStringLiteral("Only lines containing this text (any field, case-insensitive)."), QStringLiteral("text")},
                      {QStringLiteral("request-id"), QStringLiteral("Only the line(s) of this request id."), QStringLiteral("id")},
                      {QStringLiteral("limit"), QStringLiteral("Lines of history to print first, 0-5000 (default 50)."), QStringLiteral("n")}},
                     {}, true, runLogs});
}

} // namespace cutover::ctl
