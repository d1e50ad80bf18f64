#pragma once

#include "client/domain.h"

#include <QObject>
#include <QPointer>
#include <QString>

#include <optional>

namespace cutover {

class Poller;

// Who the gateway says we are (GET /admin/whoami) and what it is (GET /admin/info): asked as soon
// as a poller is attached, and again, for whatever is still missing, each time its health source
// recovers from a failure. The identity decides which controls are enabled; a failure to read it
// keeps them locked and says why. Knows no widget: the connection bar shows what it holds.
class IdentityModel : public QObject
{
    Q_OBJECT

public:
    explicit IdentityModel(QObject *parent = nullptr);

    // Asks `poller`'s backend (neither owned) and follows the poller's health.
    void attach(Poller *poller);

    const std::optional<WhoAmI> &identity() const { return m_identity; }
    // Why the identity could not be read; empty once it was (or before the first answer).
    QString identityError() const { return m_identityError; }
    const std::optional<GatewayInfo> &gateway() const { return m_gateway; }
    // The backend's address, as the gateway's info was read from it.
    QString address() const { return m_address; }

    // What an answer sets (also for tests and benchmarks without a gateway).
    void setIdentity(const WhoAmI &who);
    void setIdentityError(const QString &message);
    void setGateway(const GatewayInfo &info, const QString &address);

Q_SIGNALS:
    void identityChanged();
    void gatewayChanged();

private:
    void fetch();

    QPointer<Poller> m_poller;
    std::optional<WhoAmI> m_identity;
    QString m_identityError;
    std::optional<GatewayInfo> m_gateway;
    QString m_address;
    bool m_askingWho = false;
    bool m_askingInfo = false;
};

} // namespace cutover
