// cutover-sim: the reference gateway that implements Cutover's admin API contract over a
// simulated strangler-fig system. See docs/admin-api.md.
#include "simulator/adminserver.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QRandomGenerator>
#include <QSocketNotifier>

#include <cerrno>
#include <cstdio>
#include <iostream>
#include <iterator>

#include <unistd.h>

using namespace cutover::sim;

namespace {

std::string randomToken()
{
    static const char hex[] = "0123456789abcdef";
    std::string t = "cut_";
    for (int i = 0; i < 40; ++i)
        t += hex[QRandomGenerator::system()->bounded(16)];
    return t;
}

// The token lines up to an empty line (or EOF), read straight from fd 0 so that nothing after
// them sits in a stdio buffer: the rest of stdin is only watched for its end.
std::string readTokensUntilBlankLine()
{
    std::string text;
    char c = 0;
    for (;;) {
        const ssize_t n = ::read(STDIN_FILENO, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (c == '\n' && (text.empty() || text.back() == '\n'))
            break;
        text += c;
    }
    return text;
}

// Quits the event loop when stdin reaches EOF: the console that started us with a pipe has
// ended, however it ended (exit, crash, SIGKILL), and its end of the pipe closed with it.
void quitOnStdinEof(QCoreApplication &app)
{
    auto *notifier = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, &app);
    QObject::connect(notifier, &QSocketNotifier::activated, &app, [notifier, &app] {
        char buffer[4096];
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
            notifier->setEnabled(false);
            std::fprintf(stderr, "cutover-sim: standard input closed; exiting\n");
            app.quit();
        }
        // Anything read is ignored: stdin only tells that the parent is alive.
    });
}

int fail(const std::string &message)
{
    std::fprintf(stderr, "cutover-sim: %s\n", message.c_str());
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("cutover-sim"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CUTOVER_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Reference gateway for Cutover: implements the gateway admin API contract (docs/admin-api.md) over a "
        "simulated strangler-fig migration: a monolith and five microservices, virtual users, feature flags, "
        "route percentages and an emergency switch. Listens on loopback unless told otherwise."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption listenOpt(QStringLiteral("listen"), QStringLiteral("Address to listen on (default 127.0.0.1)."), QStringLiteral("addr"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption portOpt(QStringLiteral("port"), QStringLiteral("Port; 0 picks a free one (default 0). The URL is printed on stdout."), QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption seedOpt(QStringLiteral("seed"), QStringLiteral("Seed of the traffic model; the same seed gives the same traffic."), QStringLiteral("n"));
    const QCommandLineOption rateOpt(QStringLiteral("rate"), QStringLiteral("Requests per second sent by the virtual users (default 200)."), QStringLiteral("req/s"), QStringLiteral("200"));
    const QCommandLineOption usersOpt(QStringLiteral("users"), QStringLiteral("Number of virtual users (default 5000)."), QStringLiteral("n"), QStringLiteral("5000"));
    const QCommandLineOption extraOpt(QStringLiteral("extra-services"), QStringLiteral("Extra synthetic services svc-001..N, each with its own route (load tests)."), QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption tokensOpt(QStringLiteral("tokens"), QStringLiteral("Token file: lines '<token> <subject> <viewer|operator|admin>'."), QStringLiteral("file"));
    const QCommandLineOption tokensStdinOpt(QStringLiteral("tokens-stdin"), QStringLiteral("Read the token lines from standard input until EOF (with --exit-with-stdin: until an empty line)."));
    const QCommandLineOption exitWithStdinOpt(QStringLiteral("exit-with-stdin"), QStringLiteral("Exit when standard input reaches EOF: for a parent that starts the simulator with a pipe and wants it to end when the parent does."));
    const QCommandLineOption certOpt(QStringLiteral("tls-cert"), QStringLiteral("Serve HTTPS with this PEM certificate."), QStringLiteral("file"));
    const QCommandLineOption keyOpt(QStringLiteral("tls-key"), QStringLiteral("PEM private key for --tls-cert."), QStringLiteral("file"));
    const QCommandLineOption scenarioOpt(QStringLiteral("scenario"), QStringLiteral("JSON file of timed incidents: [{\"at_s\":30,\"fault\":{...}}, {\"at_s\":90,\"clear\":\"all\"}]."), QStringLiteral("file"));
    const QCommandLineOption manualOpt(QStringLiteral("manual-clock"), QStringLiteral("Simulated time only moves on POST /sim/step (deterministic tests)."));
    const QCommandLineOption bufferOpt(QStringLiteral("log-buffer"), QStringLiteral("Access-log lines kept for backfill and resume (default 100000)."), QStringLiteral("n"), QStringLiteral("100000"));
    const QCommandLineOption heartbeatOpt(QStringLiteral("heartbeat-s"), QStringLiteral("Seconds between log-stream heartbeats (default 10)."), QStringLiteral("s"), QStringLiteral("10"));
    parser.addOptions({listenOpt, portOpt, seedOpt, rateOpt, usersOpt, extraOpt, tokensOpt, tokensStdinOpt, certOpt,
                       keyOpt, scenarioOpt, manualOpt, bufferOpt, heartbeatOpt, exitWithStdinOpt});
    parser.process(app);

    SimConfig config;
    if (!config.listen.setAddress(parser.value(listenOpt)))
        return fail("--listen needs an IP address");
    bool ok = true;
    auto number = [&](const QCommandLineOption &opt, double lo, double hi) {
        bool good = false;
        const double v = parser.value(opt).toDouble(&good);
        if (!good || v < lo || v > hi) {
            ok = false;
            std::fprintf(stderr, "cutover-sim: --%s must be a number from %g to %g\n",
                         qPrintable(opt.names().constFirst()), lo, hi);
        }
        return v;
    };
    config.port = quint16(number(portOpt, 0, 65535));
    config.rate = number(rateOpt, 0, 100000);
    config.users = int(number(usersOpt, 1, 10000000));
    config.extraServices = int(number(extraOpt, 0, 2000));
    config.logBuffer = std::size_t(number(bufferOpt, 16, 10000000));
    config.heartbeatSeconds = int(number(heartbeatOpt, 1, 15));
    if (parser.isSet(seedOpt)) {
        config.seed = parser.value(seedOpt).toULongLong(&ok);
        config.seedGiven = true;
        if (!ok)
            return fail("--seed must be a non-negative integer");
    } else {
        config.seed = QRandomGenerator::system()->generate64();
    }
    if (!ok)
        return 2;
    config.manualClock = parser.isSet(manualOpt);
    config.tlsCert = parser.value(certOpt);
    config.tlsKey = parser.value(keyOpt);
    if (config.tlsCert.isEmpty() != config.tlsKey.isEmpty())
        return fail("--tls-cert and --tls-key go together");

    std::string tokenText;
    if (parser.isSet(tokensOpt)) {
        QFile f(parser.value(tokensOpt));
        if (!f.open(QIODevice::ReadOnly))
            return fail("cannot read the token file " + parser.value(tokensOpt).toStdString());
        tokenText = f.readAll().toStdString();
    } else if (parser.isSet(tokensStdinOpt) && parser.isSet(exitWithStdinOpt)) {
        tokenText = readTokensUntilBlankLine();
    } else if (parser.isSet(tokensStdinOpt)) {
        tokenText.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    }
    if (!tokenText.empty() || parser.isSet(tokensOpt) || parser.isSet(tokensStdinOpt)) {
        if (const std::string error = parseTokens(tokenText, config.tokens); !error.empty())
            return fail(error);
    } else {
        config.tokensGenerated = true;
        for (const char *role : {"viewer", "operator", "admin"})
            config.tokens[randomToken()] = Identity {role, *roleFromName(role)};
    }

    AdminServer server(config);
    if (parser.isSet(scenarioOpt)) {
        QFile f(parser.value(scenarioOpt));
        if (!f.open(QIODevice::ReadOnly))
            return fail("cannot read the scenario file");
        if (const std::string error = server.loadScenario(f.readAll().toStdString()); !error.empty())
            return fail(error);
    }
    QString error;
    if (!server.start(&error))
        return fail(error.toStdString());

    if (config.tokensGenerated) {
        // Printed once, at start, because nobody else knows them; never logged anywhere else.
        std::fprintf(stderr, "cutover-sim: no --tokens given; generated these (shown once):\n");
        for (const auto &[token, who] : config.tokens)
            std::fprintf(stderr, "  %-8s %s\n", roleName(who.role), token.c_str());
    }
    if (parser.isSet(exitWithStdinOpt))
        quitOnStdinEof(app);
    std::printf("cutover-sim listening on %s\n", qPrintable(server.baseUrl()));
    std::fflush(stdout);
    return app.exec();
}
