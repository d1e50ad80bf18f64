#include "backendsupport.h"

#include <QList>

namespace cutover::haproxy {

ApiError makeError(ApiError::Kind kind, const QString &endpoint, const QString &message, const QString &field,
                   const QString &code)
{
    ApiError e;
    e.kind = kind;
    e.endpoint = endpoint;
    e.message = message;
    e.field = field;
    e.code = code;
    return e;
}

ApiError cliError(const CliReply &reply)
{
    const QString text = reply.text();
    const QString endpoint = QStringLiteral("haproxy «") + QString::fromUtf8(reply.command.left(80)) + QStringLiteral("»");
    ApiError::Kind kind = ApiError::Kind::Validation;
    QString code = QStringLiteral("haproxy_error");
    if (text.startsWith(QLatin1String("Permission denied"))) {
        kind = ApiError::Kind::Forbidden;
        code = QStringLiteral("forbidden");
    } else if (text.startsWith(QLatin1String("No such")) || text.startsWith(QLatin1String("entry not found"))
               || text.startsWith(QLatin1String("Unknown map identifier"))) {
        kind = ApiError::Kind::NotFound;
        code = QStringLiteral("not_found");
    } else if (text.startsWith(QLatin1String("Version number"))) {
        kind = ApiError::Kind::Conflict;
        code = QStringLiteral("conflict");
    }
    return makeError(kind, endpoint, text, {}, code);
}

std::optional<ApiError> firstCliError(const QList<CliReply> &replies)
{
    for (const CliReply &r : replies) {
        if (r.isError())
            return cliError(r);
    }
    return std::nullopt;
}

std::optional<ApiError> checkVersion(const QString &expected, const QString &current, const QString &what,
                                     const QByteArray &currentJson)
{
    if (expected.isEmpty())
        return makeError(ApiError::Kind::PreconditionRequired, what,
                         QStringLiteral("a change needs the version that was read"), {},
                         QStringLiteral("precondition_required"));
    if (expected == current)
        return std::nullopt;
    ApiError e = makeError(ApiError::Kind::Conflict, what,
                           QStringLiteral("%1 has changed since version %2; reload it and try again.").arg(what, expected),
                           {}, QStringLiteral("precondition_failed"));
    e.httpStatus = 412;
    e.details = "{\"current_version\":\"" + current.toUtf8() + "\",\"current\":" + (currentJson.isEmpty() ? "null" : currentJson) + '}';
    return e;
}

std::optional<ApiError> checkReason(const QString &reason, const QString &endpoint)
{
    const QString r = reason.trimmed();
    if (r.isEmpty() || reason.size() > 500)
        return makeError(ApiError::Kind::Validation, endpoint,
                         QStringLiteral("a reason is required: 1 to 500 characters"), QStringLiteral("reason"),
                         QStringLiteral("validation_failed"));
    return std::nullopt;
}

QString pickRing(QByteArrayView showEvents, const QString &wanted)
{
    // "    cutover-log : type=buffer, 0 dropped, request log"
    const QList<QByteArray> lines = showEvents.toByteArray().split('\n');
    for (const QByteArray &line : lines) {
        const qsizetype colon = line.indexOf(" : type=");
        if (colon <= 0)
            continue;
        const QString name = QString::fromUtf8(line.left(colon)).trimmed();
        const bool buffer = line.mid(colon + 8).startsWith("buffer");
        if (!wanted.isEmpty() ? name == wanted : (buffer && name != QLatin1String("buf0")))
            return name;
    }
    return {};
}

QString roleForLevel(const QString &level)
{
    if (level == QLatin1String("admin"))
        return QStringLiteral("admin");
    if (level == QLatin1String("operator"))
        return QStringLiteral("operator");
    return QStringLiteral("viewer");
}

} // namespace cutover::haproxy
