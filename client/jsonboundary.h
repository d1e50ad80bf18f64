#pragma once

#include "apierror.h"
#include "domain.h"

#include <QByteArray>

namespace cutover::json {

// nlohmann::json stays behind these functions: each parses one endpoint's body into domain types
// and, on a bad shape, says which endpoint and which field.
Result<GatewayInfo> parseInfo(const QByteArray &body);
Result<WhoAmI> parseWhoAmI(const QByteArray &body);
Result<HealthSnapshot> parseHealth(const QByteArray &body);

Result<RouteList> parseRoutes(const QByteArray &body);
Result<Route> parseRoute(const QByteArray &body);
Result<FlagList> parseFlags(const QByteArray &body);
Result<Flag> parseFlag(const QByteArray &body);
Result<RollbackState> parseRollback(const QByteArray &body);
Result<AuditPage> parseAudit(const QByteArray &body);

// Request bodies of the mutations.
QByteArray routeChangeBody(int percent, const QString &reason);
QByteArray flagChangeBody(const FlagChange &change, const QString &reason);
QByteArray rollbackBody(const QString &reason, std::optional<bool> keepMonolith);

// Fills code/message/field from the contract's error envelope, when the body is one.
void readErrorEnvelope(const QByteArray &body, ApiError &error);

} // namespace cutover::json
