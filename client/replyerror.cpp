#include "replyerror.h"

#include "jsonboundary.h"

#include <QCoreApplication>
#include <QNetworkReply>

namespace cutover {

void classifyTransportError(QNetworkReply *reply, std::chrono::milliseconds transferTimeout, ApiError &e)
{
    switch (reply->error()) {
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError:
        // The transfer timeout, which Qt reports as either, depending on the version.
        e.kind = ApiError::Kind::Timeout;
        e.message = QCoreApplication::translate("cutover", "nothing received for %1 s")
                        .arg(double(transferTimeout.count()) / 1000.0);
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
}

ApiError apiErrorFromReply(QNetworkReply *reply, const QByteArray &body, const QString &endpoint,
                           std::chrono::milliseconds transferTimeout)
{
    ApiError e;
    e.endpoint = endpoint;
    e.requestId = QString::fromLatin1(reply->rawHeader("X-Request-ID"));
    if (e.requestId.isEmpty())
        e.requestId = QString::fromLatin1(reply->request().rawHeader("X-Request-ID"));
    e.httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (e.httpStatus == 0) {
        classifyTransportError(reply, transferTimeout, e);
        return e;
    }
    // A network-layer failure (codes 1-99) after the status line: the body broke off (reset,
    // closed early, timed out). That is a lost answer, not the status it began with.
    const int code = int(reply->error());
    if (code > 0 && code < 100) {
        const int status = e.httpStatus;
        e.httpStatus = 0;
        classifyTransportError(reply, transferTimeout, e);
        e.message = QCoreApplication::translate("cutover", "the answer broke off after its status line (HTTP %1): %2")
                        .arg(status)
                        .arg(e.message);
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

} // namespace cutover
