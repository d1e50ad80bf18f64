#include "appsession.h"

#include "client/cabundle.h"
#include "client/haproxy/backendfactory.h"
#include "client/haproxy/haproxybackend.h"
#include "client/httpadminclient.h"
#include "client/logsource.h"
#include "client/poller.h"
#include "client/simprocess.h"
#include "client/tokens.h"
#include "models/auditlog.h"
#include "models/boardstate.h"
#include "models/configactions.h"
#include "models/flagsmodel.h"
#include "models/identitymodel.h"
#include "models/persistencewatcher.h"
#include "models/recoverystore.h"
#include "models/rollbackcontroller.h"
#include "models/routesmodel.h"
#include "widgets/mainwindow.h"
#include "widgets/persistencebanner.h"

#include <QNetworkAccessManager>
#include <QPointer>
#include <QSettings>
#include <QTimer>

namespace cutover {

AppSession::AppSession(QSettings *settings, const QString &recoveriesPath)
    : m_ownSettings(settings ? nullptr : std::make_unique<QSettings>())
    , m_settings(settings ? settings : m_ownSettings.get())
    , m_nam(new QNetworkAccessManager(this))
    , m_state(new BoardState(this))
    , m_identity(new IdentityModel(this))
    , m_audit(new AuditLog(this))
    , m_routes(new RoutesModel(this))
    , m_flags(new FlagsModel(this))
    , m_configActions(new ConfigActions(m_routes, m_flags, m_identity, this))
    , m_recoveries(new RecoveryStore(recoveriesPath, this))
    , m_rollback(new RollbackController(m_state, m_audit, m_identity, m_recoveries, this))
{
    // Routes are observed in the traffic of every scrape (what each backend really serves).
    connect(m_state, &BoardState::metricsIngested, m_routes, [this] { m_routes->observe(*m_state->metrics()); });
    BoardParts parts;
    parts.board = m_state;
    parts.identity = m_identity;
    parts.audit = m_audit;
    parts.rollback = m_rollback;
    parts.routes = m_routes;
    parts.flags = m_flags;
    parts.configActions = m_configActions;
    m_window = std::make_unique<MainWindow>(parts);
    m_window->restoreLayout(*m_settings);
    connect(m_window.get(), &MainWindow::closing, this, &AppSession::saveLayout);
}

AppSession::~AppSession()
{
    // The window goes first: it must not outlive the poller and backend it shows.
    m_window.reset();
    if (m_poller)
        m_poller->stop();
    if (m_logs)
        m_logs->stop();
    // Children are deleted in creation order, which would take the network manager before the
    // clients whose requests it still owns: delete the clients first.
    delete m_logs;
    delete m_poller;
    delete m_backend;
    delete m_sim;
}

void AppSession::saveLayout()
{
    if (m_window)
        m_window->saveLayout(*m_settings);
    m_settings->sync();
}

void AppSession::startDemo(const QStringList &simArgs)
{
    m_sim = new SimProcess(this);
    m_window->showConnecting(tr("Starting the demo gateway…"));
    connect(m_sim, &SimProcess::ready, this, [this](const QUrl &url) {
        // A restarted demo gateway (same port, same tokens) is picked up by the poller and the
        // log stream on their own; attaching again would double them.
        if (m_backend)
            return;
        attach(Profile::demo(), url, m_sim->token(Role::Operator), QString());
    });
    connect(m_sim, &SimProcess::failed, this, [this](const QString &message) {
        m_window->showFailure(tr("The demo gateway could not start: %1").arg(message));
        Q_EMIT failed(message);
    });
    m_sim->start(simArgs);
}

void AppSession::showPersistence(HaproxyBackend *haproxy)
{
    // HAProxy forgets runtime changes on reload: the watcher checks what a reload would undo,
    // and the banner says so and asks for a reason to write it back.
    QPointer<HaproxyBackend> backend(haproxy);
    m_persistence = new PersistenceWatcher(
        [backend](PersistenceWatcher::Done done) {
            if (backend)
                backend->fetchPersistence(std::move(done));
        },
        [backend](const QString &reason, PersistenceWatcher::Done done) {
            if (backend)
                backend->persistMaps(reason, std::move(done));
        },
        this);
    auto *banner = new PersistenceBanner;
    m_window->addNotice(banner);
    connect(m_persistence, &PersistenceWatcher::checked, banner, &PersistenceBanner::setPersistence);
    connect(m_persistence, &PersistenceWatcher::checkFailed, banner, &PersistenceBanner::setCheckError);
    connect(m_persistence, &PersistenceWatcher::savingChanged, banner, &PersistenceBanner::setSaving);
    connect(m_persistence, &PersistenceWatcher::saved, banner, &PersistenceBanner::setSaved);
    connect(m_persistence, &PersistenceWatcher::saveFailed, banner, &PersistenceBanner::setSaveError);
    connect(banner, &PersistenceBanner::saveRequested, m_persistence, &PersistenceWatcher::save);
    m_persistence->start();
}

void AppSession::connectTo(const Profile &profile, const QByteArray &token)
{
    attach(profile, profile.url, token, profile.caBundle);
}

void AppSession::attach(const Profile &profile, const QUrl &url, const QByteArray &token, const QString &caBundle)
{
    m_profile = profile;
    HttpEndpoint endpoint;
    endpoint.baseUrl = url;
    if (profile.kind != GatewayKind::Haproxy) {
        // The last check before anything is sent, whatever the token's source (keychain, typed,
        // $CUTOVER_TOKEN, file): a line break in it would add request headers, and a CA bundle
        // without certificates would silently trust nothing extra.
        QString problem = token.isEmpty() ? QString() : tokenProblem(token, tr("the token for %1").arg(profile.name));
        if (problem.isEmpty() && !caBundle.isEmpty())
            problem = caBundleProblem(caBundle);
        if (!problem.isEmpty()) {
            const QString message = tr("Cannot connect to %1: %2").arg(profile.name, problem);
            m_window->showFailure(message);
            Q_EMIT failed(message);
            return;
        }
        endpoint.token = token;
        endpoint.caBundle = caBundle;
    }
    Result<std::unique_ptr<GatewayBackend>> backend = createBackend(profile.kind, endpoint, m_nam);
    if (!backend) {
        const QString message = tr("Profile %1: %2").arg(profile.name, backend.error().describe());
        m_window->showFailure(message);
        Q_EMIT failed(message);
        return;
    }
    m_backend = backend.value().release();
    m_backend->setParent(this);
    m_backend->setActionRetry(rollbackRetry());
    m_poller = new Poller(m_backend, this);
    m_poller->setInterval(Source::Health, profile.healthInterval);
    m_poller->setInterval(Source::Metrics, profile.metricsInterval);
    for (Source s : {Source::Routes, Source::Flags, Source::Rollback})
        m_poller->setInterval(s, profile.configInterval);
    m_poller->setInterval(Source::Audit, profile.auditInterval);
    m_logs = m_backend->createLogSource(this);
    if (m_logs)
        m_logs->setBackfill(2000);

    m_state->setProfile(profile);
    m_state->attach(m_poller, m_logs);
    // Each of the two lists completes the other's model: flags change what a route should carry.
    connect(m_poller, &Poller::routesUpdated, m_routes, &RoutesModel::apply);
    connect(m_poller, &Poller::routesUpdated, m_flags, &FlagsModel::setRoutes);
    connect(m_poller, &Poller::flagsUpdated, m_flags, &FlagsModel::apply);
    connect(m_poller, &Poller::flagsUpdated, m_routes, &RoutesModel::setFlags);
    m_identity->attach(m_poller);
    m_audit->attach(m_poller);
    m_rollback->attach(m_poller);
    m_configActions->attach(m_poller);
    m_window->setPoller(m_poller, profile);
    if (auto *haproxy = qobject_cast<HaproxyBackend *>(m_backend))
        showPersistence(haproxy);
    Q_EMIT connected();
    m_poller->start();
    if (m_logs)
        m_logs->start();
}

} // namespace cutover
