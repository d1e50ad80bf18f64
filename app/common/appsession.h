#pragma once

#include <QByteArray>
#include <QObject>
#include <QUrl>

#include <memory>

class QNetworkAccessManager;

namespace cutover {

class GatewayBackend;
class MainWindow;
class Poller;
class SimProcess;

// One running console: the network manager, the backend it talks to (and the demo gateway it
// started, if any) and the main window. main() and the GUI tests build the same session.
class AppSession : public QObject
{
    Q_OBJECT

public:
    AppSession();
    ~AppSession() override;

    MainWindow *window() const { return m_window.get(); }
    GatewayBackend *backend() const { return m_backend; }
    Poller *poller() const { return m_poller; }
    SimProcess *demoGateway() const { return m_sim; }

    // Starts cutover-sim on a free loopback port and connects to it as an operator.
    void startDemo(const QStringList &simArgs = {});
    // Connects to a gateway speaking the admin API contract.
    void connectTo(const QUrl &url, const QByteArray &token, const QString &caBundle, const QString &profile);

Q_SIGNALS:
    // The backend and poller exist (polling starts right after this signal).
    void connected();
    void failed(const QString &message);

private:
    void attach(GatewayBackend *backend, const QString &profile);
    QNetworkAccessManager *m_nam;
    SimProcess *m_sim = nullptr;
    GatewayBackend *m_backend = nullptr;
    Poller *m_poller = nullptr;
    std::unique_ptr<MainWindow> m_window;
};

} // namespace cutover
