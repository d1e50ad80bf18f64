#include "client/conformance/conformancehttp.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslConfiguration>
#include <QTimer>

namespace cutover {

namespace {

void readHeaders(QNetworkReply *reply, HttpExchange &out)
{
    out.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    for (const auto &[name, value] : reply->rawHeaderPairs()) {
        QByteArray &slot = out.headers[name.toLower()];
        slot = slot.isEmpty() ? value : slot + ", " + value;
    }
}

} // namespace

ConformanceHttp::ConformanceHttp(QNetworkAccessManager *nam, HttpEndpoint endpoint)
    : m_nam(nam), m_endpoint(std::move(endpoint))
{
}

QNetworkRequest ConformanceHttp::prepare(const Request &request) const
{
    QUrl url = m_endpoint.baseUrl;
    QString basePath = url.path();
    if (basePath.endsWith(QLatin1Char('/')))
        basePath.chop(1);
    const qsizetype q = request.path.indexOf(QLatin1Char('?'));
    url.setPath(basePath + (q < 0 ? request.path : request.path.left(q)));
    if (q >= 0)
        url.setQuery(request.path.mid(q + 1));
    QNetworkRequest r(url);
    r.setTransferTimeout(int(m_endpoint.timeout.count()));
    r.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    r.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    const QByteArray token = request.token.isEmpty() ? m_endpoint.token : request.token;
    if (request.withToken && !token.isEmpty())
        r.setRawHeader("Authorization", "Bearer " + token);
    if (!request.body.isEmpty())
        r.setRawHeader("Content-Type", "application/json");
    for (const auto &[name, value] : request.headers)
        r.setRawHeader(name, value);
    if (url.scheme() == QLatin1String("https") && !m_endpoint.caBundle.isEmpty()) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.addCaCertificates(m_endpoint.caBundle);
        r.setSslConfiguration(tls);
    }
    return r;
}

HttpExchange ConformanceHttp::send(const Request &request) const
{
    HttpExchange out;
    QNetworkReply *reply = m_nam->sendCustomRequest(prepare(request), request.method, request.body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    // The transfer timeout restarts with every byte; this ends a gateway that trickles.
    QTimer::singleShot(m_endpoint.timeout * 2, &loop, [reply] { reply->abort(); });
    if (!reply->isFinished())
        loop.exec();
    readHeaders(reply, out);
    out.body = reply->readAll();
    if (reply->error() != QNetworkReply::NoError && out.status == 0)
        out.error = reply->errorString();
    reply->deleteLater();
    return out;
}

HttpExchange ConformanceHttp::stream(const Request &request, std::chrono::milliseconds limit,
                                     const std::function<bool(const QByteArray &)> &chunk) const
{
    HttpExchange out;
    QNetworkRequest r = prepare(request);
    r.setTransferTimeout(0); // the limit below ends it
    QNetworkReply *reply = m_nam->sendCustomRequest(r, request.method, request.body);
    QEventLoop loop;
    bool headersRead = false;
    QObject::connect(reply, &QNetworkReply::metaDataChanged, &loop, [&] {
        readHeaders(reply, out);
        headersRead = true;
    });
    QObject::connect(reply, &QNetworkReply::readyRead, &loop, [&] {
        if (!headersRead) {
            readHeaders(reply, out);
            headersRead = true;
        }
        if (!chunk(reply->readAll()))
            loop.quit();
    });
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(limit, &loop, &QEventLoop::quit);
    if (!reply->isFinished())
        loop.exec();
    if (!headersRead)
        readHeaders(reply, out);
    if (reply->isFinished() && reply->error() != QNetworkReply::NoError && out.status == 0)
        out.error = reply->errorString();
    QObject::disconnect(reply, nullptr, &loop, nullptr);
    reply->abort();
    reply->deleteLater();
    return out;
}

} // namespace cutover
