#include "appsession.h"

#include "client/cabundle.h"
#include "client/haproxy/haproxybackend.h"
#include "client/httpadminclient.h"
#include "client/logsource.h"
#include "client/poller.h"
#include "client/simprocess.h"
#include "client/tokens.h"
#include "models/boardstate.h"
#include "widgets/mainwindow.h"
#include "widgets/persistencebanner.h"

#include <QNetworkAccessManager>
#include <QPointer>
#include <QSettings>
#include <QTimer>

namespace cutover {

AppSession::AppSession(QSettings *settings)
    : m_ownSettings(settings ? nullptr : std::make_unique<QSettings>())
    , m_settings(settings ? settings : m_ownSettings.get())
    , m_nam(new QNetworkAccessManager(this))
    , m_state(new BoardState(this))
    , m_window(std::make_unique<MainWindow>(m_state))
{
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

void AppSession::watchPersistence(HaproxyBackend *haproxy)
{
    // HAProxy forgets runtime changes on reload: check every few seconds what a reload would
    // undo, and write it back to the files when the operator asks.
    auto *banner = new PersistenceBanner;
    m_window->addNotice(banner);
    QPointer<PersistenceBanner> guard(banner);
    const auto show = [guard](const Result<HaproxyPersistence> &r) {
        if (!guard)
            return;
        if (r)
            guard->setPersistence(*r);
        else
            guard->setCheckError(r.error().describe());
    };
    auto *timer = new QTimer(this);
    timer->setInterval(std::chrono::seconds(5));
    connect(timer, &QTimer::timeout, haproxy, [haproxy, show] { haproxy->fetchPersistence(show); });
    timer->start();
    haproxy->fetchPersistence(show);
    connect(banner, &PersistenceBanner::saveRequested, haproxy, [haproxy, guard, show](const QString &reason) {
        guard->setSaving(true);
        haproxy->persistMaps(reason, [guard](Result<HaproxyPersistence> r) {
            if (!guard)
                return;
            guard->setSaving(false);
            if (r) {
                guard->setSaved(*r);
            } else {
                guard->setSaveError(r.error().describe());
            }
        });
    });
}

void AppSession::connectTo(const Profile &profile, const QByteArray &token)
{
    attach(profile, profile.url, token, profile.caBundle);
}

void AppSession::attach(const Profile &profile, const QUrl &url, const QByteArray &token, const QString &caBundle)
{
    m_profile = profile;
    if (profile.kind == QLatin1String("haproxy")) {
        Result<HaproxyOptions> options = HaproxyOptions::fromUrl(url);
        if (!options) {
            const QString message = tr("Profile %1: %2").arg(profile.name, options.error().describe());
            m_window->showFailure(message);
            Q_EMIT failed(message);
            return;
        }
        m_backend = new HaproxyBackend(*options, m_nam, this);
    } else {
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
        HttpEndpoint endpoint;
        endpoint.baseUrl = url;
        endpoint.token = token;
        endpoint.caBundle = caBundle;
        m_backend = new HttpAdminClient(m_nam, endpoint, this);
    }
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
    m_window->setPoller(m_poller, profile);
    if (auto *haproxy = qobject_cast<HaproxyBackend *>(m_backend))
        watchPersistence(haproxy);
    Q_EMIT connected();
    m_poller->start();
    if (m_logs)
        m_logs->start();
}

} // namespace cutover
