#include "apierror.h"

#include "client/displaytext.h"

#include "domain.h"

namespace cutover {

QString ApiError::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Unreachable: return QStringLiteral("unreachable");
    case Kind::Timeout: return QStringLiteral("timeout");
    case Kind::Tls: return QStringLiteral("TLS error");
    case Kind::Unauthorized: return QStringLiteral("not authenticated");
    case Kind::Forbidden: return QStringLiteral("not allowed");
    case Kind::NotFound: return QStringLiteral("not found");
    case Kind::Conflict: return QStringLiteral("conflict");
    case Kind::Validation: return QStringLiteral("rejected");
    case Kind::PreconditionRequired: return QStringLiteral("precondition required");
    case Kind::Server: return QStringLiteral("gateway error");
    case Kind::Malformed: return QStringLiteral("malformed response");
    case Kind::Http: return QStringLiteral("HTTP error");
    case Kind::Cancelled: return QStringLiteral("cancelled");
    case Kind::OutcomeUnknown: return QStringLiteral("outcome unknown");
    }
    return {};
}

QString ApiError::describe() const
{
    QString s = kindName(kind);
    if (httpStatus)
        s = QString::number(httpStatus) + QLatin1Char(' ') + s;
    // The gateway's words are shown inert: this text goes to terminals and labels.
    if (!endpoint.isEmpty())
        s += QStringLiteral(" on ") + inertText(endpoint);
    if (!message.isEmpty())
        s += QStringLiteral(": ") + inertText(message);
    if (!field.isEmpty())
        s += QStringLiteral(" (field ") + inertText(field) + QLatin1Char(')');
    if (!requestId.isEmpty())
        s += QStringLiteral(" [request ") + inertText(requestId) + QLatin1Char(']');
    return s;
}

QString roleName(Role role)
{
    switch (role) {
    case Role::Viewer: return QStringLiteral("viewer");
    case Role::Operator: return QStringLiteral("operator");
    case Role::Admin: return QStringLiteral("admin");
    }
    return {};
}

QString healthName(HealthStatus status)
{
    switch (status) {
    case HealthStatus::Healthy: return QStringLiteral("healthy");
    case HealthStatus::Degraded: return QStringLiteral("degraded");
    case HealthStatus::Unhealthy: return QStringLiteral("unhealthy");
    case HealthStatus::Unknown: return QStringLiteral("unknown");
    }
    return {};
}

QString serviceKindName(ServiceKind kind)
{
    switch (kind) {
    case ServiceKind::Gateway: return QStringLiteral("gateway");
    case ServiceKind::Monolith: return QStringLiteral("monolith");
    case ServiceKind::Microservice: return QStringLiteral("microservice");
    }
    return {};
}

} // namespace cutover
