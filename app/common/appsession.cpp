#include "appsession.h"

#include "client/httpadminclient.h"
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
    // The window goes first: it must not outlive the backend it polls.
    m_window.reset();
}

void AppSession::startDemo(const QStringList &simArgs)
{
    m_sim = new SimProcess(this);
    m_window->showConnecting(tr("Starting the demo gateway…"));
    connect(m_sim, &SimProcess::ready, this, [this](const QUrl &url) {
        HttpEndpoint endpoint;
        endpoint.baseUrl = url;
        endpoint.token = m_sim->token(Role::Operator);
        m_backend = new HttpAdminClient(m_nam, endpoint, this);
        m_window->setBackend(m_backend, tr("Demo gateway"));
        Q_EMIT connected();
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
    m_backend = new HttpAdminClient(m_nam, endpoint, this);
    m_window->setBackend(m_backend, profile);
    Q_EMIT connected();
}

} // namespace cutover
