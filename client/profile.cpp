#include "profile.h"

#include "client/displaytext.h"

#include <QSettings>

namespace cutover {

QString environmentName(Environment e)
{
    switch (e) {
    case Environment::Production: return QStringLiteral("production");
    case Environment::Staging: return QStringLiteral("staging");
    case Environment::Development: return QStringLiteral("development");
    case Environment::Demo: return QStringLiteral("demo");
    }
    return {};
}

std::optional<Environment> environmentFromName(const QString &name)
{
    for (Environment e : {Environment::Production, Environment::Staging, Environment::Development, Environment::Demo})
        if (environmentName(e) == name)
            return e;
    return std::nullopt;
}

QString gatewayKindName(GatewayKind kind)
{
    switch (kind) {
    case GatewayKind::Http: return QStringLiteral("http");
    case GatewayKind::Haproxy: return QStringLiteral("haproxy");
    case GatewayKind::Demo: return QStringLiteral("demo");
    }
    return {};
}

std::optional<GatewayKind> gatewayKindFromName(const QString &name)
{
    for (GatewayKind k : {GatewayKind::Http, GatewayKind::Haproxy, GatewayKind::Demo})
        if (gatewayKindName(k) == name)
            return k;
    return std::nullopt;
}

QString Profile::effectiveColor() const
{
    if (!color.isEmpty())
        return color;
    switch (environment) {
    case Environment::Production: return QStringLiteral("#c0392b");
    case Environment::Staging: return QStringLiteral("#d68910");
    case Environment::Development: return QStringLiteral("#2471a3");
    case Environment::Demo: return QStringLiteral("#7d3c98");
    }
    return QStringLiteral("#2471a3");
}

std::optional<GatewayKind> profileKindForUrl(const QUrl &url)
{
    const QString scheme = url.scheme();
    if (scheme == QLatin1String("http") || scheme == QLatin1String("https"))
        return GatewayKind::Http;
    if (scheme == QLatin1String("tcp") || scheme == QLatin1String("unix"))
        return GatewayKind::Haproxy;
    return std::nullopt;
}

QString profileNameProblem(const QString &name)
{
    if (hasUnsafeForDisplay(name))
        return QStringLiteral("a profile name cannot contain a line break, tab or other control character, nor a "
                              "bidi override: \"%1\"")
            .arg(inertText(name));
    return {};
}

Profile Profile::demo()
{
    Profile p;
    p.name = QStringLiteral("Demo gateway");
    p.kind = GatewayKind::Demo;
    p.environment = Environment::Demo;
    return p;
}

ProfileStore::ProfileStore(QSettings &settings)
    : m_settings(settings)
{
}

QStringList ProfileStore::names() const
{
    m_settings.beginGroup(QStringLiteral("profiles"));
    QStringList groups = m_settings.childGroups();
    m_settings.endGroup();
    QStringList names;
    for (const QString &g : std::as_const(groups))
        names << QString::fromUtf8(QByteArray::fromPercentEncoding(g.toLatin1()));
    names.sort(Qt::CaseInsensitive);
    return names;
}

static QString groupFor(const QString &name)
{
    // Settings keys cannot hold '/' or many other characters; percent-encode the name.
    return QStringLiteral("profiles/") + QString::fromLatin1(name.toUtf8().toPercentEncoding());
}

std::optional<Profile> ProfileStore::load(const QString &name, QString *problem) const
{
    if (problem)
        problem->clear();
    const QString g = groupFor(name);
    if (!m_settings.childGroups().contains(QStringLiteral("profiles")) || !m_settings.contains(g + QStringLiteral("/url")))
        return std::nullopt;
    // Profiles saved before HAProxy support have no kind: they speak the admin API.
    const QString kindName = m_settings.value(g + QStringLiteral("/kind"), gatewayKindName(GatewayKind::Http)).toString();
    const std::optional<GatewayKind> kind = gatewayKindFromName(kindName);
    if (!kind) {
        if (problem)
            *problem = QStringLiteral("profile \"%1\" is a \"%2\" gateway, which this version does not know (http, haproxy or demo)")
                           .arg(inertText(name), inertText(kindName));
        return std::nullopt;
    }
    m_settings.beginGroup(g);
    Profile p;
    p.name = name;
    p.kind = *kind;
    p.url = m_settings.value(QStringLiteral("url")).toUrl();
    p.environment = environmentFromName(m_settings.value(QStringLiteral("environment")).toString())
                        .value_or(Environment::Development);
    p.color = m_settings.value(QStringLiteral("color")).toString();
    p.caBundle = m_settings.value(QStringLiteral("caBundle")).toString();
    p.tokenFile = m_settings.value(QStringLiteral("tokenFile")).toString();
    auto ms = [this](const char *key, std::chrono::milliseconds fallback) {
        const qint64 v = m_settings.value(QLatin1String(key), qint64(fallback.count())).toLongLong();
        return std::chrono::milliseconds(std::clamp<qint64>(v, 100, 3'600'000));
    };
    p.healthInterval = ms("healthIntervalMs", p.healthInterval);
    p.metricsInterval = ms("metricsIntervalMs", p.metricsInterval);
    p.configInterval = ms("configIntervalMs", p.configInterval);
    p.auditInterval = ms("auditIntervalMs", p.auditInterval);
    p.slo.availability = m_settings.value(QStringLiteral("slo/availability"), p.slo.availability).toDouble();
    p.slo.p95 = std::chrono::milliseconds(m_settings.value(QStringLiteral("slo/p95Ms"), qint64(p.slo.p95.count())).toLongLong());
    p.slo.errorRate = m_settings.value(QStringLiteral("slo/errorRate"), p.slo.errorRate).toDouble();
    auto name_ = [this](const char *key, QString &out) { out = m_settings.value(QLatin1String(key), out).toString(); };
    name_("metrics/requestsTotal", p.metrics.requestsTotal);
    name_("metrics/requestDuration", p.metrics.requestDuration);
    name_("metrics/routeLabel", p.metrics.routeLabel);
    name_("metrics/serviceLabel", p.metrics.serviceLabel);
    name_("metrics/backendLabel", p.metrics.backendLabel);
    name_("metrics/methodLabel", p.metrics.methodLabel);
    name_("metrics/codeLabel", p.metrics.codeLabel);
    m_settings.endGroup();
    return p;
}

QString ProfileStore::save(const Profile &p)
{
    if (p.name.trimmed().isEmpty())
        return QStringLiteral("a profile needs a name");
    if (const QString problem = profileNameProblem(p.name); !problem.isEmpty())
        return problem;
    if (p.kind != GatewayKind::Demo && (!p.url.isValid() || p.url.host().isEmpty()))
        return QStringLiteral("the gateway address must be a full URL, e.g. https://gateway.example:9443");
    if (!(p.slo.availability > 0 && p.slo.availability < 1))
        return QStringLiteral("the availability target must be between 0 and 100 %");
    m_settings.remove(groupFor(p.name));
    m_settings.beginGroup(groupFor(p.name));
    m_settings.setValue(QStringLiteral("kind"), gatewayKindName(p.kind));
    m_settings.setValue(QStringLiteral("url"), p.url);
    m_settings.setValue(QStringLiteral("environment"), environmentName(p.environment));
    m_settings.setValue(QStringLiteral("color"), p.color);
    m_settings.setValue(QStringLiteral("caBundle"), p.caBundle);
    m_settings.setValue(QStringLiteral("tokenFile"), p.tokenFile);
    m_settings.setValue(QStringLiteral("healthIntervalMs"), qint64(p.healthInterval.count()));
    m_settings.setValue(QStringLiteral("metricsIntervalMs"), qint64(p.metricsInterval.count()));
    m_settings.setValue(QStringLiteral("configIntervalMs"), qint64(p.configInterval.count()));
    m_settings.setValue(QStringLiteral("auditIntervalMs"), qint64(p.auditInterval.count()));
    m_settings.setValue(QStringLiteral("slo/availability"), p.slo.availability);
    m_settings.setValue(QStringLiteral("slo/p95Ms"), qint64(p.slo.p95.count()));
    m_settings.setValue(QStringLiteral("slo/errorRate"), p.slo.errorRate);
    m_settings.setValue(QStringLiteral("metrics/requestsTotal"), p.metrics.requestsTotal);
    m_settings.setValue(QStringLiteral("metrics/requestDuration"), p.metrics.requestDuration);
    m_settings.setValue(QStringLiteral("metrics/routeLabel"), p.metrics.routeLabel);
    m_settings.setValue(QStringLiteral("metrics/serviceLabel"), p.metrics.serviceLabel);
    m_settings.setValue(QStringLiteral("metrics/backendLabel"), p.metrics.backendLabel);
    m_settings.setValue(QStringLiteral("metrics/methodLabel"), p.metrics.methodLabel);
    m_settings.setValue(QStringLiteral("metrics/codeLabel"), p.metrics.codeLabel);
    m_settings.endGroup();
    m_settings.sync();
    return {};
}

void ProfileStore::remove(const QString &name)
{
    m_settings.remove(groupFor(name));
}

QString ProfileStore::lastUsed() const
{
    return m_settings.value(QStringLiteral("lastProfile")).toString();
}

void ProfileStore::setLastUsed(const QString &name)
{
    m_settings.setValue(QStringLiteral("lastProfile"), name);
}

} // namespace cutover
