#pragma once

#include "apierror.h"

#include <QByteArray>
#include <QString>

#include <chrono>

class QNetworkReply;

namespace cutover {

// The one mapping from a failed QNetworkReply to the error taxonomy: transport failures
// (unreachable, the transfer timeout, TLS) when no HTTP status came back, otherwise the status
// with the contract's error envelope read from `body`. Used by every HTTP client of the gateway.
ApiError apiErrorFromReply(QNetworkReply *reply, const QByteArray &body, const QString &endpoint,
                           std::chrono::milliseconds transferTimeout);

// Only the transport part: sets kind and message from reply->error() (timeout, TLS, unreachable).
// For a connection that failed after its status line, such as an event stream that broke off.
void classifyTransportError(QNetworkReply *reply, std::chrono::milliseconds transferTimeout, ApiError &error);

} // namespace cutover
