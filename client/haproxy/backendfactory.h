#pragma once

#include "client/apierror.h"
#include "client/httpadminclient.h"
#include "client/profile.h"

#include <memory>

class QNetworkAccessManager;

namespace cutover {

class GatewayBackend;

// The one place a gateway's kind picks its backend: the admin-API client for http and demo
// gateways, the Runtime API facade (HaproxyBackend) for haproxy. For haproxy only the endpoint's
// address (tcp:// or unix://) and timeout are used. A haproxy address that does not parse is an
// error (ApiError::Kind::Validation, saying what is wrong); nothing is checked for the others here.
// Callers set up what is theirs (deadlines, retries, progress) on the backend they get.
Result<std::unique_ptr<GatewayBackend>> createBackend(GatewayKind kind, const HttpEndpoint &endpoint,
                                                      QNetworkAccessManager *nam);

} // namespace cutover
