#pragma once

#include <QString>
#include <QStringList>
#include <QUrl>

#include <chrono>
#include <optional>

class QSettings;

namespace cutover {

// How the environment of a profile is shown: production must be unmistakable.
enum class Environment { Production, Staging, Development, Demo };
QString environmentName(Environment environment);
std::optional<Environment> environmentFromName(const QString &name);

// What a profile talks to: a gateway speaking our admin API, HAProxy's Runtime API, or the
// built-in demo gateway (cutover-sim, started for the session). Settings keep the name.
enum class GatewayKind { Http, Haproxy, Demo };
QString gatewayKindName(GatewayKind kind); // "http", "haproxy", "demo"
std::optional<GatewayKind> gatewayKindFromName(const QString &name);

// Names of the metrics and labels a gateway uses, so that gateways with other names can be read.
struct MetricNames
{
    QString requestsTotal = QStringLiteral("requests_total");
    QString requestDuration = QStringLiteral("request_duration_seconds");
    QString routeLabel = QStringLiteral("route");
    QString serviceLabel = QStringLiteral("service");
    QString backendLabel = QStringLiteral("backend");
    QString methodLabel = QStringLiteral("method");
    QString codeLabel = QStringLiteral("code");
    // A gauge some gateways offer instead of a histogram: their own moving average of request
    // duration per server, with the requests_total labels plus `server` (Cutover's HAProxy
    // backend synthesises it from show stat's ttime). Shown as "avg", never as a percentile.
    QString averageDuration = QStringLiteral("request_duration_average_seconds");
};

struct SloTargets
{
    double availability = 0.999;                    // the migration guide: > 99.9 %
    std::chrono::milliseconds p95 {200};            // p95 < 200 ms
    double errorRate = 0.001;                       // < 0.1 %
};

// A saved connection. Never holds a token: tokens live in the keychain, $CUTOVER_TOKEN or a
// token file (tokenFile here is only a path).
struct Profile
{
    QString name;
    GatewayKind kind = GatewayKind::Http;
    QUrl url;
    Environment environment = Environment::Development;
    QString color;                                  // "#rrggbb"; empty = the environment's default
    QString caBundle;
    QString tokenFile;
    std::chrono::milliseconds healthInterval {2000};
    std::chrono::milliseconds metricsInterval {1000};
    std::chrono::milliseconds configInterval {2000}; // routes, flags, rollback
    std::chrono::milliseconds auditInterval {5000};
    SloTargets slo;
    MetricNames metrics;

    QString effectiveColor() const;
    static Profile demo();
};

// The kind a gateway address implies: Http for http(s):// (the admin API), Haproxy for tcp://
// and unix:// (HAProxy's Runtime API); nothing for anything else.
std::optional<GatewayKind> profileKindForUrl(const QUrl &url);

// Why `name` cannot name a profile (it holds a control character, such as a line break, or a
// bidi override: it would forge lines in listings and settings), or empty when it can.
QString profileNameProblem(const QString &name);

// Profiles in QSettings ("profiles/<name>/…"). Names are case-sensitive and unique.
class ProfileStore
{
public:
    explicit ProfileStore(QSettings &settings);

    QStringList names() const;
    // Nothing when there is no such profile, or (with the reason in `problem`, if given) when
    // its kind is one this version does not know.
    std::optional<Profile> load(const QString &name, QString *problem = nullptr) const;
    // Returns an error message, or empty on success. Refuses a name profileNameProblem() refuses.
    QString save(const Profile &profile);
    void remove(const QString &name);
    QString lastUsed() const;
    void setLastUsed(const QString &name);

private:
    QSettings &m_settings;
};

} // namespace cutover
