// cutover: the operations console for strangler-fig migrations.
#include "app/common/appsession.h"
#include "app/common/logging.h"
#include "client/cabundle.h"
#include "client/profile.h"
#include "client/tokens.h"
#include "client/tokenvault.h"
#include "models/recoverystore.h"
#include "widgets/chartspanel.h"
#include "widgets/firstframe.h"
#include "widgets/healthboard.h"
#include "widgets/mainwindow.h"
#include "widgets/profiledialog.h"
#include "widgets/rollbackcontrol.h"

#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QTableView>
#include <QTimer>
#include <QCommandLineParser>
#include <QIcon>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>

#include <chrono>
#include <cstdio>
#include <functional>

using namespace cutover;

namespace {

int fail(const QString &message)
{
    std::fprintf(stderr, "cutover: %s\n", qPrintable(message));
    return 2;
}

// Connects `session` to `profile` once its token is known (keychain, $CUTOVER_TOKEN, token file).
void connectWithVault(AppSession &session, TokenVault &vault, const Profile &profile, const QByteArray &typedToken)
{
    if (profile.kind == GatewayKind::Haproxy) {
        session.connectTo(profile, {}); // no tokens: the socket's permissions decide
        return;
    }
    session.window()->showConnecting(QObject::tr("Looking up the token for %1…").arg(profile.name));
    if (!typedToken.isEmpty()) {
        vault.write(profile.name, typedToken, [&session](const QString &error) {
            if (!error.isEmpty())
                session.window()->statusBar()->showMessage(
                    QObject::tr("The token could not be saved in the keychain (%1); it is used for this session only.").arg(error));
        });
        session.connectTo(profile, typedToken);
        return;
    }
    vault.resolve(profile, [&session, profile](std::optional<QByteArray> token, QString, QString error) {
        if (!token) {
            session.window()->showFailure(QObject::tr("Cannot connect to %1: %2").arg(profile.name, error));
            return;
        }
        session.connectTo(profile, *token);
    });
}

// Saves the main views once the demo's data has settled, then quits: the README's pictures.
// Each step raises a panel (or opens the rollback dialog), waits for it to paint, and saves.
class ScreenshotTour : public QObject
{
public:
    ScreenshotTour(MainWindow *window, QString dir)
        : QObject(window)
        , m_window(window)
        , m_dir(std::move(dir))
    {
        QDir().mkpath(m_dir);
        m_window->resize(1600, 1000);
        m_steps = {
            {QStringLiteral("board.png"),
             [this]() -> QWidget * {
                 // The demo has run for under a minute: a 5-minute chart shows it best.
                 if (auto *charts = m_window->findChild<ChartsPanel *>())
                     charts->setWindow(std::chrono::minutes(5));
                 auto *view = m_window->healthBoard()->view();
                 for (int row = 0; row < view->model()->rowCount(); ++row)
                     if (view->model()->index(row, 0).data().toString() == QLatin1String("payment-service"))
                         view->selectRow(row);
                 return m_window;
             }},
            {QStringLiteral("logs.png"), raise("logPanel")},
            {QStringLiteral("routes.png"), raise("routesPanel")},
            {QStringLiteral("flags.png"), raise("flagsPanel")},
            {QStringLiteral("audit.png"), raise("auditPanel")},
            {QStringLiteral("rollback-dialog.png"),
             [this]() -> QWidget * {
                 m_window->rollbackControl()->trigger();
                 return nullptr; // the dialog, once it is up
             }},
        };
        QTimer::singleShot(45000, this, [this] { step(0); });
    }

private:
    struct Step
    {
        QString file;
        std::function<QWidget *()> prepare; // what to grab; nullptr: the modal dialog
    };

    std::function<QWidget *()> raise(const char *panel)
    {
        return [this, panel]() -> QWidget * {
            if (auto *dock = m_window->dock(QLatin1String(panel)))
                dock->raise();
            return m_window;
        };
    }

    void step(qsizetype i)
    {
        if (i >= m_steps.size()) {
            if (QWidget *modal = QApplication::activeModalWidget())
                modal->close();
            m_window->close();
            return;
        }
        QWidget *target = m_steps.at(i).prepare();
        QTimer::singleShot(1500, this, [this, target, i] {
            QCoreApplication::processEvents();
            QWidget *shot = target ? target : QApplication::activeModalWidget();
            const QString path = m_dir + QLatin1Char('/') + m_steps.at(i).file;
            if (!(shot ? shot : m_window)->grab().save(path))
                std::fprintf(stderr, "cutover: cannot write %s\n", qPrintable(path));
            step(i + 1);
        });
    }

    MainWindow *m_window;
    QString m_dir;
    QList<Step> m_steps;
};

void takeScreenshots(AppSession &session, const QString &dir)
{
    session.window()->buildPanels();
    new ScreenshotTour(session.window(), dir);
}

// --startup-probe (bench_gui --startup): prints the steady clock when the first frame is on
// screen and when every panel is made, then closes the window, which saves the layout like any
// close, so that the next run starts as a returning operator's would.
void probeStartup(MainWindow *window)
{
    const auto stamp = [](const char *what) {
        const auto now = std::chrono::steady_clock::now().time_since_epoch();
        std::printf("%s %lld\n", what, static_cast<long long>(std::chrono::nanoseconds(now).count()));
        std::fflush(stdout);
    };
    whenFirstFrameShown(window, [window, stamp] {
        stamp("first-frame-ns");
        const auto finish = [window, stamp] {
            stamp("panels-made-ns");
            window->close();
        };
        if (window->panelsBuilt())
            QTimer::singleShot(0, window, finish);
        else
            QObject::connect(window, &MainWindow::panelsReady, window, finish);
    });
}

// The command line, shared by the text-only path (--help, --version) and the console.
struct Options
{
    QCommandLineOption demo {QStringLiteral("demo"), QStringLiteral("Start the built-in demo gateway (cutover-sim) and connect to it.")};
    QCommandLineOption profile {QStringLiteral("profile"), QStringLiteral("Connect with this saved profile."), QStringLiteral("name")};
    QCommandLineOption gateway {QStringLiteral("gateway"), QStringLiteral("Connect to the gateway admin API at this URL."), QStringLiteral("url")};
    QCommandLineOption tokenFile {QStringLiteral("token-file"), QStringLiteral("With --gateway: read the bearer token from this file (mode 600). Default: $CUTOVER_TOKEN."), QStringLiteral("file")};
    QCommandLineOption ca {QStringLiteral("ca-bundle"), QStringLiteral("With --gateway: also trust the CA certificates in this PEM file."), QStringLiteral("file")};
    QCommandLineOption verbose {QStringLiteral("verbose"), QStringLiteral("Log debug messages to stderr.")};
    QCommandLineOption scenario {QStringLiteral("demo-scenario"), QStringLiteral("With --demo: a cutover-sim --scenario file of timed incidents."), QStringLiteral("file")};
    QCommandLineOption shots {QStringLiteral("screenshots"), QStringLiteral("With --demo: after the data has settled, save screenshots of the main views to this folder and quit (scripts/screenshots.sh)."), QStringLiteral("dir")};
    QCommandLineOption probe {QStringLiteral("startup-probe"), QStringLiteral("For bench_gui: report when the first frame and all panels are shown, then quit.")};

    void addTo(QCommandLineParser &parser)
    {
        parser.setApplicationDescription(QStringLiteral("Operations console for strangler-fig migrations."));
        parser.addHelpOption();
        parser.addVersionOption();
        probe.setFlags(QCommandLineOption::HiddenFromHelp);
        parser.addOptions({demo, profile, gateway, tokenFile, ca, verbose, scenario, shots, probe});
    }
};

void setIdentity()
{
    QCoreApplication::setApplicationName(QStringLiteral("cutover"));
    QCoreApplication::setOrganizationName(QStringLiteral("Cutover"));
    QCoreApplication::setOrganizationDomain(QStringLiteral("cutover.dev"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CUTOVER_VERSION));
}

// --help and --version only print: they must work without a display (over ssh, in CI), where
// a QApplication would abort before the parser ran.
bool onlyPrints(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        const QByteArray arg(argv[i]);
        if (arg == "--")
            break;
        if (arg == "-h" || arg == "--help" || arg == "-?" || arg == "--help-all" || arg == "-v" || arg == "--version")
            return true;
    }
    return false;
}

} // namespace

int main(int argc, char **argv)
{
    if (onlyPrints(argc, argv)) {
        QCoreApplication app(argc, argv);
        setIdentity();
        QCommandLineParser parser;
        Options options;
        options.addTo(parser);
        // parse(), not process(): Qt's GUI options (-platform …) are unknown here, and must
        // not turn a request for help into an error.
        parser.parse(QCoreApplication::arguments());
        if (parser.isSet(QStringLiteral("version")))
            parser.showVersion(); // exits 0
        parser.showHelp(0);
    }
    QApplication app(argc, argv);
    setIdentity();
    QGuiApplication::setDesktopFileName(QStringLiteral("dev.cutover.Cutover"));
    // The icon is an SVG: its plugin loads and it renders at several sizes. Not before the first
    // frame (nobody sees it there), except for the profile dialog below.
    const auto setIcon = [] { QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/dev.cutover.Cutover.svg"))); };

    QCommandLineParser parser;
    Options options;
    options.addTo(parser);
    parser.process(app);

    setupLogging(parser.isSet(options.verbose));

    QSettings settings;
    ProfileStore store(settings);
    TokenVault vault;
    // The user's own data folder: only the application, never a test, keeps recoveries there.
    AppSession session(&settings, RecoveryStore::defaultPath());

    if (parser.isSet(options.demo)) {
        QStringList simArgs;
        if (parser.isSet(options.scenario))
            simArgs << QStringLiteral("--scenario") << parser.value(options.scenario);
        session.startDemo(simArgs);
        if (parser.isSet(options.shots))
            takeScreenshots(session, parser.value(options.shots));
    } else if (parser.isSet(options.gateway)) {
        const QUrl url = QUrl::fromUserInput(parser.value(options.gateway));
        Profile profile;
        const std::optional<GatewayKind> kind = profileKindForUrl(url);
        if (!url.isValid() || !kind)
            return fail(QStringLiteral("--gateway needs an http:// or https:// URL, or tcp://host:port or unix:///path for HAProxy's Runtime API"));
        // HAProxy's Runtime API has no tokens; the socket's permissions decide.
        profile.kind = *kind;
        const TokenLookup token = profile.kind == GatewayKind::Haproxy
            ? TokenLookup {}
            : tokenFromEnvironmentOrFile(parser.value(options.tokenFile));
        if (!token.error.isEmpty())
            return fail(token.error);
        profile.name = url.host().isEmpty() ? url.path() : url.host();
        profile.url = url;
        profile.caBundle = parser.value(options.ca);
        if (!profile.caBundle.isEmpty())
            if (const QString problem = caBundleProblem(profile.caBundle); !problem.isEmpty())
                return fail(problem);
        session.connectTo(profile, token.token);
    } else if (parser.isSet(options.profile)) {
        QString problem;
        const auto profile = store.load(parser.value(options.profile), &problem);
        if (!profile && !problem.isEmpty())
            return fail(problem);
        if (!profile)
            return fail(QStringLiteral("no saved profile named \"%1\" (profiles: %2)")
                            .arg(parser.value(options.profile), store.names().join(QStringLiteral(", "))));
        store.setLastUsed(profile->name);
        connectWithVault(session, vault, *profile, {});
    } else {
        // First start, or no choice on the command line: ask, with the demo one click away.
        setIcon();
        ProfileDialog dialog(store);
        if (dialog.exec() != QDialog::Accepted)
            return 0;
        if (dialog.choice() == ProfileDialog::Choice::Demo)
            session.startDemo();
        else
            connectWithVault(session, vault, dialog.chosenProfile(), dialog.enteredToken());
    }
    if (parser.isSet(options.probe))
        probeStartup(session.window());
    if (QApplication::windowIcon().isNull())
        whenFirstFrameShown(session.window(), setIcon);
    session.window()->show();
    return app.exec();
}
