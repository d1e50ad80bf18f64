#pragma once

// Shared pieces of cutoverctl: exit codes, the command table, the context a command runs in, and
// the helper that waits for one asynchronous backend call.

#include "client/apierror.h"
#include "client/httpadminclient.h"
#include "client/profile.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QPointer>
#include <QTimer>
#include <QList>
#include <QString>
#include <QStringList>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

class QNetworkAccessManager;

namespace cutover::ctl {

// The documented exit codes (README, `cutoverctl --help`).
enum ExitCode : int {
    ExitOk = 0,
    ExitFailure = 1,      // anything else: 5xx, malformed answer, …
    ExitUsage = 2,        // bad command line, unknown profile, unreadable token file
    ExitAuth = 3,         // 401 / 403, or no token at all
    ExitConflict = 4,     // 409 / 412: the state changed or forbids the change
    ExitUnreachable = 5,  // connection refused, DNS, timeout, TLS
    ExitRejected = 6,     // 422 / 428 / 404: the gateway refused the request as given
};

int exitCodeFor(const ApiError &error);

// Thrown by a command (or by the option handling) to stop with a message and an exit code; main()
// prints the message to stderr and returns the code.
struct CliError
{
    int code = ExitFailure;
    QString message;
};
[[noreturn]] void usageError(const QString &message);

// Where a command talks to, resolved from --profile / --gateway / the last-used profile.
struct Connection
{
    GatewayKind kind = GatewayKind::Http;
    HttpEndpoint endpoint;          // for Haproxy, only baseUrl (tcp:// or unix://) and timeout
    std::optional<Profile> profile; // set when the gateway came from a saved profile
    QString tokenSource;            // "CUTOVER_TOKEN", "token file …"; never the token
};

// What a command runs with.
struct Context
{
    const QCommandLineParser &args;
    QStringList positional;          // the arguments after the command words
    bool json = false;
    QNetworkAccessManager *nam = nullptr;
    GatewayBackend *backend = nullptr; // null for commands that need no gateway
    Connection connection;
};

struct Positional
{
    QString name;        // "ID"
    QString description;
    bool optional = false;
};

// One command of the table: `cutoverctl <words…> [options] <positional…>`.
struct Command
{
    QStringList words;              // {"route", "set"}
    QString synopsis;               // what follows the words in the usage line, e.g. "ID PERCENT --reason TEXT"
    QString summary;                // one line for the overview
    QString description;            // a paragraph for `--help`
    QList<QCommandLineOption> options;
    QList<Positional> positional;
    bool needsGateway = true;
    std::function<int(Context &)> run;
    std::chrono::seconds timeout {30}; // the overall deadline without --timeout
    bool waitingNotice = true;         // "still waiting for the gateway" every 5 s while it runs
};

// The command table, in the order the overview lists it. Each is filled by its own file.
QList<Command> allCommands();
// The whole command line (arguments without the program name's handling): the exit code, or a
// CliError/ApiError thrown for main() to report.
int runCommandLine(const QStringList &args);
// The program's name in messages.
inline const QString kProgram = QStringLiteral("cutoverctl");
void addStatusCommand(QList<Command> &commands);
void addConfigCommands(QList<Command> &commands);   // routes, route set, flags, flag set
void addRollbackCommands(QList<Command> &commands);
void addAuditCommand(QList<Command> &commands);
void addLogsCommand(QList<Command> &commands);
void addProfileCommands(QList<Command> &commands);
void addConformanceCommand(QList<Command> &commands);

// The options every command accepts (connection, output, help).
QList<QCommandLineOption> globalOptions();
QString exitCodesHelp();

// Resolves the gateway, CA bundle and token. Throws CliError (usage or authentication).
Connection resolveConnection(const QCommandLineParser &args);
// A --gateway value: an http(s):// admin API URL or a HAProxy tcp:// / unix:// address; a usage
// error otherwise.
QUrl gatewayUrl(const QString &text);

// The running command's overall deadline (--timeout, else the command's default): the HTTP
// client stops sending, waiting and retrying there. Forever once `logs --follow` streams.
QDeadlineTimer commandDeadline();
void setCommandDeadline(QDeadlineTimer deadline);
// --timeout, or the command's default; a usage error when it is not a number of seconds.
std::chrono::milliseconds commandTimeout(const QCommandLineParser &args, const Command &command);
// How long a change may spend sending and retrying: the deadline less a reserve for reading the
// target back when its answers are lost (a quarter of the time, 1 to 10 s).
QDeadlineTimer sendDeadline();
// "cutoverctl: <line>" on stderr: what a long command is doing while the operator waits.
void progressLine(const QString &line);

// Runs one asynchronous backend call to completion on a local event loop: a CLI may wait, the
// GUI never does. Backend callbacks run exactly once; the HTTP client ends every call by the
// command's deadline, and a backend that does not know it is given up on shortly after it.
template<typename T, typename Start>
Result<T> await(Start start)
{
    auto out = std::make_shared<std::optional<Result<T>>>();
    QEventLoop loop;
    QPointer<QEventLoop> waiting(&loop);
    start([out, waiting](Result<T> r) {
        out->emplace(std::move(r));
        if (waiting)
            waiting->quit();
    });
    if (!*out) {
        QTimer backstop;
        const QDeadlineTimer deadline = commandDeadline();
        if (!deadline.isForever()) {
            backstop.setSingleShot(true);
            QObject::connect(&backstop, &QTimer::timeout, &loop, &QEventLoop::quit);
            backstop.start(std::chrono::duration_cast<std::chrono::milliseconds>(deadline.remainingTimeAsDuration())
                           + std::chrono::seconds(2));
        }
        loop.exec();
    }
    if (!*out) {
        ApiError e;
        e.kind = ApiError::Kind::Timeout;
        e.message = QStringLiteral("no answer before the deadline (--timeout)");
        return e;
    }
    return std::move(**out);
}

// The value of a result, or a CliError carrying the API error (and its exit code).
template<typename T>
T valueOrThrow(Result<T> result)
{
    if (!result)
        throw result.error();
    return std::move(result.value());
}

// Integer option parsing with a usage error naming the option.
int intOption(const QCommandLineParser &args, const QString &name, int min, int max, int fallback);

} // namespace cutover::ctl
