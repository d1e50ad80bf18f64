#include "appsession.h"

#include "client/httpadminclient.h"
#include "client/poller.h"
#include "client/simprocess.h"
#include "widgets/mainwindow.h"

#include <QNetworkAccessManager>

namespace cutover {

AppSession::AppSession()
    : m_nam(new QNetworkAccessManager(this))
    , m_window(std::make_unique<MainWindow>())
{
}

AppSession::~AppSession()
{
    // The window goes first: it must not outlive the poller and backend it shows.
    m_window.reset();
    if (m_poller)
        m_poller->stop();
}

void AppSession::startDemo(const QStringList &simArgs)
{
    m_sim = new SimProcess(this);
    m_window->showConnecting(tr("Starting the demo gateway…"));
    connect(m_sim, &SimProcess::ready, this, [this](const QUrl &url) {
        HttpEndpoint endpoint;
        endpoint.baseUrl = url;
        endpoint.token = m_sim->token(Role::Operator);
        attach(new HttpAdminClient(m_nam, endpoint, this), tr("Demo gateway"));
    });
    connect(m_sim, &SimProcess::failed, this, [this](const QString &message) {
        m_window->showFailure(tr("The demo gateway could not start: %1").arg(message));
        Q_EMIT failed(message);
    });
    m_sim->start(simArgs);
}

void AppSession::connectTo(const QUrl &url, const QByteArray &token, const QString &caBundle, const QString &profile)
{
    HttpEndpoint endpoint;
    endpoint.baseUrl = url;
    endpoint.token = token;
    endpoint.caBundle = caBundle;
    attach(new HttpAdminClient(m_nam, endpoint, this), profile);
}

void AppSession::attach(GatewayBackend *backend, const QString &profile)
{
    m_backend = backend;
    m_poller = new Poller(backend, this);
    m_window->setPoller(m_poller, profile);
    Q_EMIT connected();
    m_poller->start();
}

} // namespace cutover
