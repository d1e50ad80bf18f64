#pragma once

#include "client/domain.h"
#include "client/profile.h"

#include <QFrame>
#include <QPointer>
#include <QTimer>

class QLabel;

class QHBoxLayout;

namespace cutover {

class ElidedLabel;
class LogSource;
class Poller;

// Always visible: which profile (production unmistakable), which gateway, who is signed in with
// which role, and for each source (health, metrics, routes/flags, logs) the age of the last good
// update — red with the error when it fails.
class ConnectionBar : public QFrame
{
    Q_OBJECT

public:
    explicit ConnectionBar(QWidget *parent = nullptr);

    void setProfile(const Profile &profile);
    void setSources(Poller *poller, LogSource *logs);
    void setGateway(const GatewayInfo &info, const QString &address);
    void setIdentity(const WhoAmI &who);
    void setIdentityError(const QString &message);
    void setMessage(const QString &message); // before a gateway is known

    QString sourceText(int index) const;     // for tests: 0 health, 1 metrics, 2 config, 3 logs
    bool sourceIsStale(int index) const;
    QString identityText() const;
    QString gatewayText() const;

private:
    void refreshSources();

    QPointer<Poller> m_poller;
    QPointer<LogSource> m_logs;
    QLabel *m_env;
    QLabel *m_profile;
    ElidedLabel *m_gateway;
    ElidedLabel *m_address;
    QLabel *m_identity;
    QList<QLabel *> m_sources;
    QList<bool> m_stale;
    QTimer m_tick;
};

} // namespace cutover
