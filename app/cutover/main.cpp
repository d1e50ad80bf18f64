// cutover: the operations console for strangler-fig migrations.
#include "app/common/appsession.h"
#include "app/common/logging.h"
#include "client/tokens.h"
#include "widgets/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

#include <cstdio>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("cutover"));
    QApplication::setOrganizationName(QStringLiteral("Cutover"));
    QApplication::setOrganizationDomain(QStringLiteral("cutover.dev"));
    QApplication::setApplicationVersion(QStringLiteral(CUTOVER_VERSION));
    QGuiApplication::setDesktopFileName(QStringLiteral("dev.cutover.Cutover"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/dev.cutover.Cutover.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Operations console for strangler-fig migrations."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption demoOpt(QStringLiteral("demo"), QStringLiteral("Start the built-in demo gateway (cutover-sim) and connect to it."));
    const QCommandLineOption gatewayOpt(QStringLiteral("gateway"), QStringLiteral("Connect to the gateway admin API at this URL."), QStringLiteral("url"));
    const QCommandLineOption tokenFileOpt(QStringLiteral("token-file"), QStringLiteral("Read the bearer token from this file (mode 600). Default: $CUTOVER_TOKEN."), QStringLiteral("file"));
    const QCommandLineOption caOpt(QStringLiteral("ca-bundle"), QStringLiteral("Also trust the CA certificates in this PEM file."), QStringLiteral("file"));
    const QCommandLineOption verboseOpt(QStringLiteral("verbose"), QStringLiteral("Log debug messages to stderr."));
    parser.addOptions({demoOpt, gatewayOpt, tokenFileOpt, caOpt, verboseOpt});
    parser.process(app);

    cutover::setupLogging(parser.isSet(verboseOpt));

    if (!parser.isSet(demoOpt) && !parser.isSet(gatewayOpt)) {
        std::fprintf(stderr, "cutover: give --demo or --gateway URL (see --help)\n");
        return 2;
    }

    cutover::AppSession session;
    if (parser.isSet(demoOpt)) {
        session.startDemo();
    } else {
        const QUrl url = QUrl::fromUserInput(parser.value(gatewayOpt));
        if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))) {
            std::fprintf(stderr, "cutover: --gateway needs an http:// or https:// URL\n");
            return 2;
        }
        const cutover::TokenLookup token = cutover::tokenFromEnvironmentOrFile(parser.value(tokenFileOpt));
        if (!token.error.isEmpty()) {
            std::fprintf(stderr, "cutover: %s\n", qPrintable(token.error));
            return 2;
        }
        cutover::Profile profile;
        profile.name = url.host();
        profile.url = url;
        profile.caBundle = parser.value(caOpt);
        session.connectTo(profile, token.token);
    }
    session.window()->show();
    return app.exec();
}
