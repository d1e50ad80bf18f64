#pragma once

#include "client/httpadminclient.h" // HttpEndpoint

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QPair>
#include <QString>

#include <chrono>
#include <functional>

class QNetworkAccessManager;
class QNetworkRequest;

namespace cutover {

// One request and what came back, as the conformance checker needs it: raw headers, raw body.
struct HttpExchange
{
    int status = 0;                          // 0: no HTTP answer (see error)
    QByteArray body;
    QHash<QByteArray, QByteArray> headers;   // names in lower case; repeated headers joined with ", "
    QString error;                           // transport failure, empty when the gateway answered

    QByteArray header(const char *name) const { return headers.value(QByteArray(name).toLower()); }
    bool answered() const { return status > 0; }
};

// Sends single requests to a gateway and WAITS for each on a local event loop, so the checks read
// top to bottom. For the command line (cutoverctl conformance) and tests only: the console's GUI
// thread never uses it. TLS verification stays on; the token is only ever put in the header.
class ConformanceHttp
{
public:
    struct Request
    {
        QByteArray method = "GET";
        QString path;                                 // with its query, e.g. "/admin/logs?limit=5"
        QList<QPair<QByteArray, QByteArray>> headers; // added after the defaults
        QByteArray body;
        bool withToken = true;                        // false: no Authorization header at all
        QByteArray token;                             // set: this token instead of the endpoint's
    };

    ConformanceHttp(QNetworkAccessManager *nam, HttpEndpoint endpoint);

    HttpExchange send(const Request &request) const;
    HttpExchange get(const QString &path) const { return send({"GET", path, {}, {}, true, {}}); }

    // Opens a stream and hands every chunk to `chunk` until it returns false, the connection
    // ends, or `limit` passes. The exchange has the status and headers; its body stays empty.
    HttpExchange stream(const Request &request, std::chrono::milliseconds limit,
                        const std::function<bool(const QByteArray &)> &chunk) const;

    const HttpEndpoint &endpoint() const { return m_endpoint; }

private:
    QNetworkRequest prepare(const Request &request) const;

    QNetworkAccessManager *m_nam;
    HttpEndpoint m_endpoint;
};

} // namespace cutover
