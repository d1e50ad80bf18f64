#pragma once

#include "gatewaybackend.h"

#include <QByteArray>
#include <QUrl>

#include <chrono>

class QNetworkAccessManager;
class QNetworkReply;

namespace cutover {

struct HttpEndpoint
{
    QUrl baseUrl;
    QByteArray token;            // kept in memory only; never logged or shown
    QString caBundle;            // extra PEM CAs to trust, on top of the system's
    std::chrono::milliseconds timeout {10000};
};

// The contract's HTTP admin API (docs/admin-api.md) over one shared QNetworkAccessManager.
class HttpAdminClient : public GatewayBackend
{
    Q_OBJECT

public:
    HttpAdminClient(QNetworkAccessManager *nam, HttpEndpoint endpoint, QObject *parent = nullptr);
    ~HttpAdminClient() override;

    QString address() const override;
    void fetchInfo(Callback<GatewayInfo> done) override;
    void fetchWhoAmI(Callback<WhoAmI> done) override;
    void fetchHealth(Callback<HealthSnapshot> done) override;

    // A fresh X-Request-ID value.
    static QByteArray newRequestId();

private:
    void get(const QString &path, std::function<void(Result<QByteArray>)> done);
    ApiError errorFor(QNetworkReply *reply, const QByteArray &body, const QString &endpoint) const;

    QNetworkAccessManager *m_nam;
    HttpEndpoint m_endpoint;
};

} // namespace cutover
