#pragma once

#include "client/profile.h"
#include "client/retrypolicy.h"

#include <QByteArray>
#include <QObject>
#include <QUrl>

#include <memory>

class QNetworkAccessManager;
class QSettings;

namespace cutover {

class AuditLog;
class BoardState;
class ConfigActions;
class FlagsModel;
class GatewayBackend;
class HaproxyBackend;
class IdentityModel;
class LogSource;
class MainWindow;
class PersistenceWatcher;
class Poller;
class RecoveryStore;
class RollbackController;
class RoutesModel;
class SimProcess;

// One running console, and the one place its parts are made and connected: the network manager,
// the backend it talks to (and the demo gateway it started, if any), the poller and log stream,
// the models they feed (board, identity, audit, routes, flags, changes, rollback), and the main
// window that shows them. main() and the GUI tests build the same session. Window layout is read
// from and written to `settings` (the application's QSettings unless given); measured recoveries
// are kept in the file `recoveriesPath` (main() gives RecoveryStore::defaultPath(); without one
// they are kept in memory only, as tests want).
class AppSession : public QObject
{
    Q_OBJECT

public:
    explicit AppSession(QSettings *settings = nullptr, const QString &recoveriesPath = {});
    ~AppSession() override;

    MainWindow *window() const { return m_window.get(); }
    BoardState *state() const { return m_state; }
    IdentityModel *identity() const { return m_identity; }
    AuditLog *audit() const { return m_audit; }
    RoutesModel *routes() const { return m_routes; }
    FlagsModel *flags() const { return m_flags; }
    ConfigActions *configActions() const { return m_configActions; }
    RecoveryStore *recoveries() const { return m_recoveries; }
    RollbackController *rollback() const { return m_rollback; }
    // How the console's rollback actions are tried (the backend's action, the one layer that
    // resends): the same request again, after a backoff that grows to about 2 s, until the gateway
    // confirms, refuses, or the operator cancels.
    static RetryPolicy rollbackRetry()
    {
        return RetryPolicy::untilCancelled(std::chrono::milliseconds(300), std::chrono::milliseconds(2000));
    }
    // HAProxy only: what a reload would undo (null for other backends).
    PersistenceWatcher *persistenceWatcher() const { return m_persistence; }
    GatewayBackend *backend() const { return m_backend; }
    Poller *poller() const { return m_poller; }
    LogSource *logSource() const { return m_logs; }
    SimProcess *demoGateway() const { return m_sim; }
    const Profile &profile() const { return m_profile; }

    // Starts cutover-sim on a free loopback port and connects to it as an operator.
    void startDemo(const QStringList &simArgs = {});
    // Connects to the profile's gateway: one speaking the admin API contract, or HAProxy's
    // Runtime API (GatewayKind::Haproxy).
    void connectTo(const Profile &profile, const QByteArray &token);
    // Writes the window layout and panel settings now (also done when the window closes).
    void saveLayout();

Q_SIGNALS:
    // The backend, poller and log stream exist; polling starts right after this signal.
    void connected();
    void failed(const QString &message);

private:
    void attach(const Profile &profile, const QUrl &url, const QByteArray &token, const QString &caBundle);
    void showPersistence(HaproxyBackend *haproxy);

    std::unique_ptr<QSettings> m_ownSettings;
    QSettings *m_settings;
    QNetworkAccessManager *m_nam;
    BoardState *m_state;
    IdentityModel *m_identity;
    AuditLog *m_audit;
    RoutesModel *m_routes;
    FlagsModel *m_flags;
    ConfigActions *m_configActions;
    RecoveryStore *m_recoveries;
    RollbackController *m_rollback;
    PersistenceWatcher *m_persistence = nullptr;
    SimProcess *m_sim = nullptr;
    GatewayBackend *m_backend = nullptr;
    Poller *m_poller = nullptr;
    LogSource *m_logs = nullptr;
    Profile m_profile;
    std::unique_ptr<MainWindow> m_window;
};

} // namespace cutover
