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

// Fills code/message/field from the contract's error envelope, when the body is one.
void readErrorEnvelope(const QByteArray &body, ApiError &error);

} // namespace cutover::json
