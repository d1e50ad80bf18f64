#pragma once

// Shared pieces of cutoverctl: exit codes, the command table, the context a command runs in, and
// the helper that waits for one asynchronous backend call.

#include "client/apierror.h"
#include "client/httpadminclient.h"
#include "client/profile.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QEventLoop>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
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
    QString kind = QStringLiteral("http"); // "http" (the admin API) or "haproxy" (Runtime API)
    HttpEndpoint endpoint;          // for "haproxy", only baseUrl (tcp:// or unix://) and timeout
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
};

// The command table, in the order the overview lists it. Each is filled by its own file.
QList<Command> allCommands();
void addStatusCommand(QList<Command> &commands);
void addConfigCommands(QList<Command> &commands);   // routes, route set, flags, flag set
void addRollbackCommands(QList<Command> &commands);
void addAuditCommand(QList<Command> &commands);
void addLogsCommand(QList<Command> &commands);
void addProfileCommands(QList<Command> &commands);

// The options every command accepts (connection, output, help).
QList<QCommandLineOption> globalOptions();
QString exitCodesHelp();

// Resolves the gateway, CA bundle and token. Throws CliError (usage or authentication).
Connection resolveConnection(const QCommandLineParser &args);
// A --gateway value: an http(s):// admin API URL or a HAProxy tcp:// / unix:// address; a usage
// error otherwise.
QUrl gatewayUrl(const QString &text);

// Runs one asynchronous backend call to completion on a local event loop: a CLI may wait, the
// GUI never does. Backend callbacks always run exactly once (transfer timeouts bound every call).
template<typename T, typename Start>
Result<T> await(Start start)
{
    std::optional<Result<T>> out;
    QEventLoop loop;
    start([&out, &loop](Result<T> r) {
        out.emplace(std::move(r));
        loop.quit();
    });
    if (!out)
        loop.exec();
    return std::move(*out);
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
