#include "backendfactory.h"

#include "client/haproxy/haproxybackend.h"

#include <algorithm>

namespace cutover {

Result<std::unique_ptr<GatewayBackend>> createBackend(GatewayKind kind, const HttpEndpoint &endpoint,
                                                      QNetworkAccessManager *nam)
{
    switch (kind) {
    case GatewayKind::Haproxy: {
        Result<HaproxyOptions> options = HaproxyOptions::fromUrl(endpoint.baseUrl);
        if (!options)
            return options.error();
        options.value().timeout = std::min(options.value().timeout, endpoint.timeout);
        return std::unique_ptr<GatewayBackend>(std::make_unique<HaproxyBackend>(options.value(), nam));
    }
    case GatewayKind::Http:
    case GatewayKind::Demo:
        break;
    }
    return std::unique_ptr<GatewayBackend>(std::make_unique<HttpAdminClient>(nam, endpoint));
}

} // namespace cutover
