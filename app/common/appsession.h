#pragma once

#include "client/profile.h"

#include <QByteArray>
#include <QObject>
#include <QUrl>

#include <memory>

class QNetworkAccessManager;
class QSettings;

namespace cutover {

class BoardState;
class GatewayBackend;
class HaproxyBackend;
class LogSource;
class MainWindow;
class Poller;
class SimProcess;

// One running console: the network manager, the backend it talks to (and the demo gateway it
// started, if any), the poller and log stream feeding the board state, and the main window.
// main() and the GUI tests build the same session. Window layout is read from and written to
// `settings` (the application's QSettings unless given).
class AppSession : public QObject
{
    Q_OBJECT

public:
    explicit AppSession(QSettings *settings = nullptr);
    ~AppSession() override;

    MainWindow *window() const { return m_window.get(); }
    BoardState *state() const { return m_state; }
    GatewayBackend *backend() const { return m_backend; }
    Poller *poller() const { return m_poller; }
    LogSource *logSource() const { return m_logs; }
    SimProcess *demoGateway() const { return m_sim; }
    const Profile &profile() const { return m_profile; }

    // Starts cutover-sim on a free loopback port and connects to it as an operator.
    void startDemo(const QStringList &simArgs = {});
    // Connects to the profile's gateway: one speaking the admin API contract, or HAProxy's
    // Runtime API (Profile::kind "haproxy").
    void connectTo(const Profile &profile, const QByteArray &token);
    // Writes the window layout and panel settings now (also done when the window closes).
    void saveLayout();

Q_SIGNALS:
    // The backend, poller and log stream exist; polling starts right after this signal.
    void connected();
    void failed(const QString &message);

private:
    void attach(const Profile &profile, const QUrl &url, const QByteArray &token, const QString &caBundle);
    void watchPersistence(HaproxyBackend *haproxy);

    std::unique_ptr<QSettings> m_ownSettings;
    QSettings *m_settings;
    QNetworkAccessManager *m_nam;
    BoardState *m_state;
    SimProcess *m_sim = nullptr;
    GatewayBackend *m_backend = nullptr;
    Poller *m_poller = nullptr;
    LogSource *m_logs = nullptr;
    Profile m_profile;
    std::unique_ptr<MainWindow> m_window;
};

} // namespace cutover
