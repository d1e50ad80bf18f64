#pragma once

// Internal to HaproxyBackend: error values and checks shared by its reads and its changes.

#include "client/apierror.h"
#include "client/haproxy/runtimeconnection.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace cutover::haproxy {

ApiError makeError(ApiError::Kind kind, const QString &endpoint, const QString &message, const QString &field = {},
                   const QString &code = {});
// A failed CLI command as an ApiError: "Permission denied" → Forbidden, "No such …" / "entry not
// found" → NotFound, a map version overtaken by another commit → Conflict, anything else →
// Validation with code "haproxy_error" and HAProxy's words as the message.
ApiError cliError(const CliReply &reply);
// The first error among the replies, if any.
std::optional<ApiError> firstCliError(const QList<CliReply> &replies);

// The contract's If-Match rules: none → PreconditionRequired, another → Conflict (with the
// current resource as details).
std::optional<ApiError> checkVersion(const QString &expected, const QString &current, const QString &what,
                                     const QByteArray &currentJson);
// Non-empty after trimming, at most 500 characters.
std::optional<ApiError> checkReason(const QString &reason, const QString &endpoint);

// The ring `show events` should follow: `wanted` if listed, else the first buffer sink other than
// HAProxy's own buf0; empty when there is none.
QString pickRing(QByteArrayView showEvents, const QString &wanted);

// The journal's role name for a CLI level: admin, operator, viewer (level "user").
QString roleForLevel(const QString &level);

} // namespace cutover::haproxy
