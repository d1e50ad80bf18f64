#include "httpadminclient.h"

#include "jsonboundary.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QSslConfiguration>

#include <spdlog/spdlog.h>

namespace cutover {

HttpAdminClient::HttpAdminClient(QNetworkAccessManager *nam, HttpEndpoint endpoint, QObject *parent)
    : GatewayBackend(parent)
    , m_nam(nam)
    , m_endpoint(std::move(endpoint))
{
}

HttpAdminClient::~HttpAdminClient()
{
    // Replies are children of this object; abort them so no callback runs into a dead client.
    const auto replies = findChildren<QNetworkReply *>();
    for (QNetworkReply *r : replies) {
        r->disconnect(this);
        r->abort();
    }
}

QString HttpAdminClient::address() const
{
    return m_endpoint.baseUrl.toString(QUrl::RemoveUserInfo | QUrl::StripTrailingSlash);
}

QByteArray HttpAdminClient::newRequestId()
{
    return "cut-" + QByteArray::number(QRandomGenerator::global()->generate64(), 16).rightJustified(16, '0');
}

void HttpAdminClient::get(const QString &path, std::function<void(Result<QByteArray>)> done)
{
    QUrl url = m_endpoint.baseUrl;
    const int q = path.indexOf(QLatin1Char('?'));
    url.setPath(url.path(QUrl::FullyDecoded).chopped(url.path().endsWith(QLatin1Char('/')) ? 1 : 0)
                + (q < 0 ? path : path.left(q)));
    if (q >= 0)
        url.setQuery(path.mid(q + 1));
    QNetworkRequest request(url);
    request.setTransferTimeout(int(m_endpoint.timeout.count()));
    request.setRawHeader("Accept", "application/json");
    request.setRawHeader("X-Request-ID", newRequestId());
    if (!m_endpoint.token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_endpoint.token);
    if (url.scheme() == QLatin1String("https") && !m_endpoint.caBundle.isEmpty()) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.addCaCertificates(m_endpoint.caBundle);
        request.setSslConfiguration(tls);
    }
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);

    QNetworkReply *reply = m_nam->get(request);
    reply->setParent(this);
    const QString endpointName = QStringLiteral("GET ") + path.left(q < 0 ? path.size() : q);
    connect(reply, &QNetworkReply::finished, this, [this, reply, endpointName, done = std::move(done)] {
        reply->deleteLater();
        const QByteArray body = reply->readAll();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (reply->error() == QNetworkReply::NoError && status >= 200 && status < 300) {
            done(body);
            return;
        }
        ApiError e = errorFor(reply, body, endpointName);
        if (auto log = spdlog::get("net"))
            log->warn("{}", e.describe().toStdString());
        done(std::move(e));
    });
}

ApiError HttpAdminClient::errorFor(QNetworkReply *reply, const QByteArray &body, const QString &endpoint) const
{
    ApiError e;
    e.endpoint = endpoint;
    e.requestId = QString::fromLatin1(reply->rawHeader("X-Request-ID"));
    if (e.requestId.isEmpty())
        e.requestId = QString::fromLatin1(reply->request().rawHeader("X-Request-ID"));
    e.httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (e.httpStatus == 0) {
        switch (reply->error()) {
        case QNetworkReply::TimeoutError:
        case QNetworkReply::OperationCanceledError:
            // Qt reports the transfer timeout as either, depending on the version.
            e.kind = ApiError::Kind::Timeout;
            e.message = QStringLiteral("no answer within %1 s").arg(double(m_endpoint.timeout.count()) / 1000.0);
            break;
        case QNetworkReply::SslHandshakeFailedError:
            e.kind = ApiError::Kind::Tls;
            e.message = reply->errorString();
            break;
        default:
            e.kind = ApiError::Kind::Unreachable;
            e.message = reply->errorString();
            break;
        }
        return e;
    }
    switch (e.httpStatus) {
    case 401: e.kind = ApiError::Kind::Unauthorized; break;
    case 403: e.kind = ApiError::Kind::Forbidden; break;
    case 404: e.kind = ApiError::Kind::NotFound; break;
    case 409:
    case 412: e.kind = ApiError::Kind::Conflict; break;
    case 422: e.kind = ApiError::Kind::Validation; break;
    case 428: e.kind = ApiError::Kind::PreconditionRequired; break;
    default: e.kind = e.httpStatus >= 500 ? ApiError::Kind::Server : ApiError::Kind::Http; break;
    }
    e.message = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
    json::readErrorEnvelope(body, e);
    return e;
}

template<typename T>
static std::function<void(Result<QByteArray>)> parseWith(Result<T> (*parse)(const QByteArray &),
                                                         GatewayBackend::Callback<T> done)
{
    return [parse, done = std::move(done)](Result<QByteArray> r) {
        if (!r)
            done(r.error());
        else
            done(parse(*r));
    };
}

void HttpAdminClient::fetchInfo(Callback<GatewayInfo> done)
{
    get(QStringLiteral("/admin/info"), parseWith(&json::parseInfo, std::move(done)));
}

void HttpAdminClient::fetchWhoAmI(Callback<WhoAmI> done)
{
    get(QStringLiteral("/admin/whoami"), parseWith(&json::parseWhoAmI, std::move(done)));
}

void HttpAdminClient::fetchHealth(Callback<HealthSnapshot> done)
{
    get(QStringLiteral("/health/services"), parseWith(&json::parseHealth, std::move(done)));
}

} // namespace cutover
