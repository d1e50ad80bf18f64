#include "identitymodel.h"

#include "client/gatewaybackend.h"
#include "client/poller.h"

namespace cutover {

IdentityModel::IdentityModel(QObject *parent)
    : QObject(parent)
{
}

void IdentityModel::attach(Poller *poller)
{
    if (m_poller)
        disconnect(m_poller, nullptr, this, nullptr);
    m_poller = poller;
    if (!poller)
        return;
    connect(poller, &Poller::sourceStateChanged, this, [this](Source source) {
        // The gateway is back: finish what failed while it was away.
        if (source == Source::Health && m_poller && !m_poller->state(Source::Health).lastError)
            fetch();
    });
    fetch();
}

void IdentityModel::fetch()
{
    if (!m_poller || !m_poller->backend())
        return;
    GatewayBackend *backend = m_poller->backend();
    QPointer<IdentityModel> self(this);
    // One question of each kind at a time: a health answer while one is out asks nothing more.
    if (!m_gateway && !m_askingInfo) {
        m_askingInfo = true;
        backend->fetchInfo([self, address = backend->address()](Result<GatewayInfo> r) {
            if (!self)
                return;
            self->m_askingInfo = false;
            if (r)
                self->setGateway(*r, address);
        });
    }
    if (!m_identity && !m_askingWho) {
        m_askingWho = true;
        backend->fetchWhoAmI([self](Result<WhoAmI> r) {
            if (!self)
                return;
            self->m_askingWho = false;
            if (r)
                self->setIdentity(*r);
            else
                self->setIdentityError(r.error().describe());
        });
    }
}

void IdentityModel::setIdentity(const WhoAmI &who)
{
    m_identity = who;
    m_identityError.clear();
    Q_EMIT identityChanged();
}

void IdentityModel::setIdentityError(const QString &message)
{
    m_identityError = message;
    Q_EMIT identityChanged();
}

void IdentityModel::setGateway(const GatewayInfo &info, const QString &address)
{
    m_gateway = info;
    m_address = address;
    Q_EMIT gatewayChanged();
}

} // namespace cutover
