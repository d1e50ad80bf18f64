// cutoverctl's command line: finds the command in the arguments, parses its options, connects to
// the gateway (or starts the demo one) and runs it under one deadline.
#include "cli.h"
#include "output.h"

#include "client/haproxy/backendfactory.h"
#include "client/httpadminclient.h"
#include "client/simprocess.h"
#include "client/displaytext.h"

#include <QCoreApplication>
#include <QNetworkAccessManager>
#include <QSet>
#include <QTimer>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

using namespace cutover;
using namespace cutover::ctl;

namespace {

constexpr qsizetype kHelpWidth = 100;

QString optionNames(const QCommandLineOption &option)
{
    QStringList names;
    for (const QString &n : option.names())
        names.append(n.size() == 1 ? QStringLiteral("-") + n : QStringLiteral("--") + n);
    QString text = names.join(QStringLiteral(", "));
    if (!option.valueName().isEmpty())
        text += QStringLiteral(" <") + option.valueName() + QLatin1Char('>');
    return text;
}

// Words wrapped at kHelpWidth; continuation lines start at `indent`. `line` is what the first
// line already holds.
QString wrap(const QString &text, QString line, qsizetype indent)
{
    QString out;
    bool lineHasWord = false;
    for (const QString &word : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        if (lineHasWord && line.size() + 1 + word.size() > kHelpWidth) {
            out += line + QLatin1Char('\n');
            line = QString(indent, QLatin1Char(' '));
            lineHasWord = false;
        }
        line += (lineHasWord ? QStringLiteral(" ") : QString()) + word;
        lineHasWord = true;
    }
    return out + line + QLatin1Char('\n');
}

// Paragraphs separated by blank lines; lines starting with two spaces (examples) stay as they are.
QString wrapParagraphs(const QString &text)
{
    QString out;
    for (const QString &paragraph : text.split(QStringLiteral("\n\n"))) {
        if (!out.isEmpty())
            out += QLatin1Char('\n');
        if (paragraph.startsWith(QStringLiteral("  ")))
            out += paragraph + QLatin1Char('\n');
        else
            out += wrap(QString(paragraph).replace(QLatin1Char('\n'), QLatin1Char(' ')), QString(), 0);
    }
    return out;
}

// "  name   description…" with the description wrapped under its own column.
QString helpRows(const QList<QPair<QString, QString>> &rows, qsizetype nameWidth)
{
    QString out;
    const qsizetype indent = 2 + nameWidth + 2;
    for (const auto &[name, description] : rows) {
        QString line = QStringLiteral("  ") + name;
        if (line.size() + 2 > indent) {
            out += line + QLatin1Char('\n');
            line.clear();
        }
        out += wrap(description, line + QString(indent - line.size(), QLatin1Char(' ')), indent);
    }
    return out;
}

QString optionsHelp(const QList<QCommandLineOption> &options)
{
    QList<QPair<QString, QString>> rows;
    for (const QCommandLineOption &o : options)
        rows.append({optionNames(o), o.description()});
    return helpRows(rows, 24);
}

QString usageLine(const Command &c)
{
    return QStringLiteral("Usage: cutoverctl ") + c.words.join(QLatin1Char(' '))
        + (c.synopsis.isEmpty() ? QString() : QLatin1Char(' ') + c.synopsis) + QStringLiteral(" [options]\n");
}

QString commandHelp(const Command &c)
{
    QString out = usageLine(c);
    if (!c.description.isEmpty())
        out += QLatin1Char('\n') + wrapParagraphs(c.description);
    if (!c.positional.isEmpty()) {
        QList<QPair<QString, QString>> rows;
        for (const Positional &p : c.positional)
            rows.append({p.name, p.description + (p.optional ? QStringLiteral(" (optional)") : QString())});
        out += QStringLiteral("\nArguments:\n") + helpRows(rows, 24);
    }
    if (!c.options.isEmpty())
        out += QStringLiteral("\nOptions:\n") + optionsHelp(c.options);
    if (c.needsGateway)
        out += QStringLiteral("\nConnection and output options:\n") + optionsHelp(globalOptions());
    else
        out += QStringLiteral("\nOutput options:\n")
            + optionsHelp({QCommandLineOption(QStringLiteral("json"), QStringLiteral("Print JSON instead of a table.")),
                           QCommandLineOption({QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help."))});
    return out + QLatin1Char('\n') + exitCodesHelp();
}

QString overviewHelp(const QList<Command> &commands)
{
    QString out = QStringLiteral(
        "cutoverctl: the command-line companion of the Cutover console. Observe and steer a strangler-fig\n"
        "migration (monolith -> microservices behind an API gateway) through the gateway admin API.\n\n"
        "Usage: cutoverctl [options] COMMAND [arguments]\n\nCommands:\n");
    QList<QPair<QString, QString>> rows;
    for (const Command &c : commands)
        rows.append({c.words.join(QLatin1Char(' ')) + (c.synopsis.isEmpty() ? QString() : QLatin1Char(' ') + c.synopsis),
                     c.summary});
    out += helpRows(rows, 34);
    out += QStringLiteral("\nConnection and output options (every command):\n")
        + optionsHelp(globalOptions() + QList<QCommandLineOption> {QCommandLineOption(QStringLiteral("version"), QStringLiteral("Print the version and exit."))});
    out += QStringLiteral(
        "\nThe gateway is --profile NAME (a connection saved by the Cutover GUI or `cutoverctl profile add`),\n"
        "or --gateway URL; without either, the last-used profile. The token comes from --token-file or the\n"
        "profile's token file (mode 600), else $CUTOVER_TOKEN; it is never taken from the command line.\n"
        "Rollback on a production profile also needs --confirm <profile name>.\n\n");
    out += exitCodesHelp();
    out += QStringLiteral("\n`cutoverctl COMMAND --help` describes one command.\n");
    return out;
}

// Option names that take a value, so that the value is not mistaken for the command word.
QSet<QString> valueOptionSpellings(const QList<Command> &commands)
{
    QSet<QString> out;
    auto add = [&out](const QList<QCommandLineOption> &options) {
        for (const QCommandLineOption &o : options) {
            if (o.valueName().isEmpty())
                continue;
            for (const QString &n : o.names())
                out.insert(n.size() == 1 ? QStringLiteral("-") + n : QStringLiteral("--") + n);
        }
    };
    add(globalOptions());
    for (const Command &c : commands)
        add(c.options);
    return out;
}

// Indexes (into args) of the words that are not options or option values.
QList<qsizetype> wordIndexes(const QStringList &args, const QSet<QString> &valueOptions)
{
    QList<qsizetype> out;
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString &a = args.at(i);
        if (a == QLatin1String("--")) {
            for (++i; i < args.size(); ++i)
                out.append(i);
            break;
        }
        if (a.startsWith(QLatin1Char('-')) && a.size() > 1) {
            if (!a.contains(QLatin1Char('=')) && valueOptions.contains(a))
                ++i;
            continue;
        }
        out.append(i);
    }
    return out;
}

void setupLogging(bool verbose)
{
    if (!verbose)
        return;
    auto log = spdlog::stderr_logger_mt("net");
    log->set_pattern("cutoverctl: %v");
    log->set_level(spdlog::level::debug);
}

// Starts cutover-sim for --demo and waits until it listens.
Connection startDemo(SimProcess &sim)
{
    QEventLoop loop;
    QString failure;
    QObject::connect(&sim, &SimProcess::ready, &loop, &QEventLoop::quit);
    QObject::connect(&sim, &SimProcess::failed, &loop, [&](const QString &message) {
        failure = message;
        loop.quit();
    });
    QTimer::singleShot(15000, &loop, [&] {
        failure = QStringLiteral("cutover-sim did not start within 15 s");
        loop.quit();
    });
    sim.start();
    if (failure.isEmpty()) // "not found" is reported at once
        loop.exec();
    if (!failure.isEmpty() || !sim.url().isValid())
        throw CliError {ExitFailure, QStringLiteral("the demo gateway could not start: ") + failure};
    Connection c;
    c.endpoint.baseUrl = sim.url();
    c.endpoint.token = sim.token(Role::Operator);
    c.tokenSource = QStringLiteral("demo");
    return c;
}

} // namespace

namespace cutover::ctl {

int runCommandLine(const QStringList &args)
{
    const QList<Command> commands = allCommands();
    const QList<qsizetype> words = wordIndexes(args, valueOptionSpellings(commands));
    const bool helpAsked = args.contains(QStringLiteral("--help")) || args.contains(QStringLiteral("-h"));

    QStringList given;
    for (const qsizetype i : words)
        given.append(args.at(i));
    const bool helpWord = !given.isEmpty() && given.first() == QLatin1String("help");
    if (helpWord)
        given.removeFirst();

    if (given.isEmpty()) {
        if (args.contains(QStringLiteral("--version"))) {
            printOut(kProgram + QLatin1Char(' ') + QCoreApplication::applicationVersion() + QLatin1Char('\n'));
            return ExitOk;
        }
        if (helpAsked || helpWord) {
            printOut(overviewHelp(commands));
            return ExitOk;
        }
        printErr(QStringLiteral("Usage: cutoverctl [options] COMMAND [arguments]\n"
                                "cutoverctl: no command given; `cutoverctl --help` lists the commands\n"));
        return ExitUsage;
    }

    // The longest command whose words start the given words.
    const Command *command = nullptr;
    for (const Command &c : commands) {
        if (c.words.size() <= given.size() && given.mid(0, c.words.size()) == c.words
            && (!command || c.words.size() > command->words.size()))
            command = &c;
    }
    if (!command) {
        QStringList subcommands;
        for (const Command &c : commands)
            if (c.words.size() > 1 && c.words.first() == given.first())
                subcommands.append(c.words.mid(1).join(QLatin1Char(' ')));
        if (!subcommands.isEmpty())
            usageError(QStringLiteral("`cutoverctl %1` needs one of: %2")
                           .arg(given.first(), subcommands.join(QStringLiteral(", "))));
        usageError(QStringLiteral("unknown command \"%1\"; `cutoverctl --help` lists the commands").arg(given.first()));
    }
    if (helpWord) {
        printOut(commandHelp(*command));
        return ExitOk;
    }

    // Parse what is left once the command words are taken out.
    QStringList rest = args;
    for (qsizetype n = command->words.size(), k = 0; k < n; ++k)
        rest.removeAt(words.at(n - 1 - k));
    QCommandLineParser parser;
    QSet<QString> own;
    for (const QCommandLineOption &o : command->options)
        for (const QString &n : o.names())
            own.insert(n);
    for (const QCommandLineOption &o : globalOptions())
        if (!own.contains(o.names().constFirst()))
            parser.addOption(o);
    parser.addOptions(command->options);
    if (!parser.parse(rest))
        usageError(parser.errorText() + QStringLiteral(" (see `cutoverctl %1 --help`)").arg(command->words.join(QLatin1Char(' '))));
    if (parser.isSet(QStringLiteral("help"))) {
        printOut(commandHelp(*command));
        return ExitOk;
    }
    const QStringList positional = parser.positionalArguments();
    qsizetype required = 0;
    for (const Positional &p : command->positional)
        required += p.optional ? 0 : 1;
    if (positional.size() < required || positional.size() > command->positional.size())
        usageError(QStringLiteral("usage: cutoverctl %1 %2 (see `cutoverctl %1 --help`)")
                       .arg(command->words.join(QLatin1Char(' ')), command->synopsis));

    setupLogging(parser.isSet(QStringLiteral("verbose")));
    Context context {parser, positional, parser.isSet(QStringLiteral("json")), nullptr, nullptr, {}};
    if (!command->needsGateway)
        return command->run(context);

    // One deadline for the whole command, from here on (the demo gateway's start is not counted).
    const std::chrono::milliseconds timeout = commandTimeout(parser, *command);
    SimProcess sim;
    if (parser.isSet(QStringLiteral("demo"))) {
        if (parser.isSet(QStringLiteral("profile")) || parser.isSet(QStringLiteral("gateway")))
            usageError(QStringLiteral("--demo starts its own gateway; leave out --profile and --gateway"));
        context.connection = startDemo(sim);
    } else {
        context.connection = resolveConnection(parser);
    }
    // A request still gives up after its transfer timeout without a byte, never after the deadline.
    context.connection.endpoint.timeout = std::min(context.connection.endpoint.timeout, timeout);
    setCommandDeadline(QDeadlineTimer(timeout));
    QNetworkAccessManager nam;
    Result<std::unique_ptr<GatewayBackend>> created = createBackend(context.connection.kind, context.connection.endpoint, &nam);
    if (!created)
        usageError(created.error().describe());
    std::unique_ptr<GatewayBackend> backend = std::move(created.value());
    if (auto *http = qobject_cast<HttpAdminClient *>(backend.get())) {
        http->setDeadline(commandDeadline());
        // Lost action answers are resent a few times with the same key, then the client's runner reads the
        // rollback back (readBackRollback, client/readback.h), well within the deadline.
        http->setActionRetry(RetryPolicy {3, std::chrono::milliseconds(300), std::chrono::milliseconds(2000)});
        QObject::connect(http, &HttpAdminClient::progress, [](const QString &line) { progressLine(line); });
    }
    context.nam = &nam;
    context.backend = backend.get();
    // While the operator waits on a slow gateway, say so now and then.
    QTimer waiting;
    waiting.setInterval(std::chrono::seconds(5));
    QObject::connect(&waiting, &QTimer::timeout, [timeout] {
        const QDeadlineTimer deadline = commandDeadline();
        if (deadline.isForever())
            return;
        const auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline.remainingTimeAsDuration());
        progressLine(QStringLiteral("still waiting for the gateway; %1 s of the %2 s deadline (--timeout) left")
                         .arg(left.count())
                         .arg(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()));
    });
    if (command->waitingNotice)
        waiting.start();
    try {
        return command->run(context);
    } catch (ApiError error) {
        if (error.kind == ApiError::Kind::Timeout && commandDeadline().hasExpired())
            error.message += QStringLiteral(" (the %1 s --timeout is over)").arg(double(timeout.count()) / 1000.0);
        if (context.json)
            printJson(Json {{"error", apiErrorJson(error)}});
        throw error;
    }
}

} // namespace cutover::ctl
