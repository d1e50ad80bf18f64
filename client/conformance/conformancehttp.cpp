#include "client/conformance/conformancehttp.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
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
    HttpEndpoint endpoint = m_endpoint;
    endpoint.token = !request.withToken ? QByteArray() : request.token.isEmpty() ? m_endpoint.token : request.token;
    QNetworkRequest r = adminRequest(endpoint, request.path);
    r.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    if (!request.body.isEmpty())
        r.setRawHeader("Content-Type", "application/json");
    for (const auto &[name, value] : request.headers)
        r.setRawHeader(name, value);
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
