#include "syntheticlog.h"

#include <QDateTime>

namespace cutover::test {

namespace {

const char *const kServices[] = {"user-service", "post-service", "media-service", "payment-service",
                                 "notification-service"};
const char *const kRoutes[] = {"users", "posts", "media", "payments", "notifications"};

// SplitMix64's finaliser: a request id that looks random but is fixed by the id.
quint64 mix(quint64 z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

QByteArray jsonText(const QString &text)
{
    QByteArray out = "\"";
    for (const char c : text.toUtf8()) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + '"';
}

} // namespace

LogLine syntheticLogLine(quint64 id)
{
    const auto k = std::size_t(id % 5);
    LogLine l;
    l.id = LogId {id};
    l.time = WallTime(std::chrono::milliseconds(1'795'000'000'000LL + qint64(id) * 5));
    l.status = id % 20 == 0 ? 502 : id % 15 == 0 ? 404 : 200;
    l.level = l.status >= 500 ? LogLevel::Error : l.status >= 400 ? LogLevel::Warn : LogLevel::Info;
    l.service = QString::fromLatin1(kServices[k]);
    l.backend = id % 2 ? QStringLiteral("microservice") : QStringLiteral("monolith");
    l.upstream = l.backend == QLatin1String("monolith") ? l.backend : l.service;
    l.route = QString::fromLatin1(kRoutes[k]);
    l.method = k == 3 ? QStringLiteral("POST") : QStringLiteral("GET");
    l.path = QStringLiteral("/api/") + l.route + u'/' + QString::number(id % 997);
    l.latency = Milliseconds(double(id % 5000) / 10.0);
    l.requestId = QStringLiteral("req-%1").arg(mix(id / 3), 16, 16, QLatin1Char('0'));
    l.userId = QStringLiteral("u-%1").arg(id % 5000, 5, 10, QLatin1Char('0'));
    l.message = l.method + u' ' + l.path + u' ' + QString::number(l.status) + u' '
        + QString::number(l.latency.count(), 'f', 1) + QStringLiteral("ms")
        + (l.status >= 500 ? QStringLiteral(" (upstream error)") : QString());
    return l;
}

QList<LogLine> syntheticLogLines(quint64 firstId, quint64 count)
{
    QList<LogLine> out;
    out.reserve(qsizetype(count));
    for (quint64 id = firstId; id < firstId + count; ++id)
        out.append(syntheticLogLine(id));
    return out;
}

QByteArray syntheticLogJson(const LogLine &l)
{
    static const char *const levels[] = {"debug", "info", "warn", "error"};
    const QString time = QDateTime::fromMSecsSinceEpoch(l.time.time_since_epoch().count(), Qt::UTC)
                             .toString(Qt::ISODateWithMs);
    return "{\"id\":" + QByteArray::number(l.id.value) + ",\"time\":" + jsonText(time) + ",\"level\":\""
        + levels[int(l.level)] + "\",\"service\":" + jsonText(l.service) + ",\"backend\":" + jsonText(l.backend)
        + ",\"upstream\":" + jsonText(l.upstream) + ",\"route\":" + jsonText(l.route) + ",\"method\":"
        + jsonText(l.method) + ",\"path\":" + jsonText(l.path) + ",\"status\":" + QByteArray::number(l.status)
        + ",\"latency_ms\":" + QByteArray::number(l.latency.count(), 'f', 1) + ",\"request_id\":"
        + jsonText(l.requestId) + ",\"user_id\":" + jsonText(l.userId) + ",\"message\":" + jsonText(l.message) + '}';
}

} // namespace cutover::test
