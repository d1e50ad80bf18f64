#include "haproxybackend.h"

#include "backendsupport.h"
#include "eventstream.h"

#include "client/replyerror.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QUrlQuery>

#include <spdlog/spdlog.h>

#include <algorithm>

#include <pwd.h>
#include <unistd.h>

namespace cutover {

using namespace haproxy;


// --- Options -------------------------------------------------------------------------------

Result<HaproxyOptions> HaproxyOptions::fromUrl(const QUrl &url)
{
    Result<Endpoint> ep = Endpoint::fromUrl(url);
    if (!ep)
        return ep.error();
    HaproxyOptions o;
    o.endpoint = *ep;
    const QUrlQuery q(url);
    auto item = [&q](const char *key) { return q.queryItemValue(QLatin1String(key), QUrl::FullyDecoded); };
    o.routesMap = item("routes_map");
    o.flagsMap = item("flags_map");
    o.ring = item("ring");
    o.serverStateFile = item("server_state_file");
    o.actor = item("actor");
    if (const QString v = item("monolith_backend"); !v.isEmpty())
        o.conventions.monolithBackend = v;
    if (const QString v = item("monolith_server"); !v.isEmpty())
        o.conventions.monolithServer = v;
    if (q.hasQueryItem(QStringLiteral("backend_prefix")))
        o.conventions.backendPrefix = item("backend_prefix");
    if (const QString v = item("metrics"); !v.isEmpty()) {
        o.metricsUrl = QUrl(v, QUrl::StrictMode);
        if (!o.metricsUrl.isValid() || (o.metricsUrl.scheme() != QLatin1String("http") && o.metricsUrl.scheme() != QLatin1String("https")))
            return makeError(ApiError::Kind::Validation, QStringLiteral("haproxy profile"),
                             QStringLiteral("metrics must be the exporter's http(s) URL"), QStringLiteral("metrics"));
    }
    if (const QString v = item("timeout_ms"); !v.isEmpty()) {
        bool ok = false;
        const int ms = v.toInt(&ok);
        if (!ok || ms <= 0)
            return makeError(ApiError::Kind::Validation, QStringLiteral("haproxy profile"),
                             QStringLiteral("timeout_ms must be a positive number of milliseconds"),
                             QStringLiteral("timeout_ms"));
        o.timeout = std::chrono::milliseconds(ms);
    }
    return o;
}

// --- Backend -------------------------------------------------------------------------------

HaproxyBackend::HaproxyBackend(HaproxyOptions options, QNetworkAccessManager *nam, QObject *parent)
    : GatewayBackend(parent)
    , m_options(std::move(options))
    , m_nam(nam)
    , m_cli(new RuntimeClient(m_options.endpoint, this))
    , m_journal(m_options.journalPath.isEmpty() ? AuditJournal::defaultPath(m_options.endpoint.fileKey())
                                                : m_options.journalPath)
    , m_runner(new ActionRunner(this))
{
    RuntimeClient::Options cli;
    cli.timeout = m_options.timeout;
    m_cli->setOptions(cli);
    connect(m_runner, &ActionRunner::stepped, this, [this](quint64 id, const ActionStep &step) {
        if (m_actions.contains(id)) // not a route's or a flag's change
            Q_EMIT actionProgress(id, step);
    });
    withJournal([this] { setUnpersisted(m_journal.latestChangeId() > m_journal.latestPersistId()); });
}

HaproxyBackend::~HaproxyBackend()
{
    // Sessions first, so that nothing calls back into a half-destroyed backend.
    delete m_cli;
    const auto replies = findChildren<QNetworkReply *>();
    for (QNetworkReply *r : replies) {
        r->disconnect(this);
        r->abort();
    }
}

QString HaproxyBackend::address() const
{
    return m_options.endpoint.display();
}

QString HaproxyBackend::actor() const
{
    if (!m_options.actor.isEmpty())
        return m_options.actor;
    for (const char *var : {"USER", "LOGNAME", "USERNAME"}) {
        const QString v = qEnvironmentVariable(var);
        if (!v.isEmpty())
            return v;
    }
    // A service or a container may have no login variables; the account still has a name.
    if (const passwd *pw = ::getpwuid(::geteuid()); pw && pw->pw_name)
        return QString::fromLocal8Bit(pw->pw_name);
    return QStringLiteral("unknown");
}

bool HaproxyBackend::hasUnpersistedChanges() const
{
    return m_unpersisted;
}

void HaproxyBackend::setUnpersisted(bool unpersisted)
{
    if (m_unpersisted == unpersisted)
        return;
    m_unpersisted = unpersisted;
    Q_EMIT unpersistedChangesChanged(unpersisted);
}

void HaproxyBackend::withJournal(std::function<void()> then)
{
    m_journal.refresh([this, then = std::move(then)](std::optional<QString> error) {
        // Every read refreshes the journal: say so once per new error, not at each poll.
        if (error.value_or(QString()) != m_journalError) {
            m_journalError = error.value_or(QString());
            if (auto log = spdlog::get("net"); log && error)
                log->warn("{}", error->toStdString());
        }
        then();
    });
}

Model HaproxyBackend::model(const Read &read) const
{
    return buildModel(read.config, m_options.conventions, m_journal);
}

void HaproxyBackend::read(bool withServerState, ReadDone done)
{
    // One connection: list the maps, then dump the two we use, the servers and our CLI level.
    struct Plan
    {
        QString routesFile, flagsFile;
        QList<QByteArray> commands;
    };
    auto plan = std::make_shared<Plan>();
    auto next = [this, plan, withServerState](const RuntimeClient::Replies &replies) -> std::optional<QByteArray> {
        if (replies.last().isError())
            return std::nullopt;
        if (replies.size() == 1) {
            const QList<MapInfo> maps = parseMapList(replies.first().output);
            if (const auto m = findMap(maps, m_options.routesMap, QStringLiteral("routes.map")))
                plan->routesFile = m->file;
            if (const auto m = findMap(maps, m_options.flagsMap, QStringLiteral("flags.map")))
                plan->flagsFile = m->file;
            if (!plan->routesFile.isEmpty())
                plan->commands.append("show map " + cliArg(plan->routesFile));
            if (!plan->flagsFile.isEmpty())
                plan->commands.append("show map " + cliArg(plan->flagsFile));
            plan->commands.append("show stat -1 6 -1");
            plan->commands.append("show cli level");
            if (withServerState)
                plan->commands.append("show servers state");
        }
        const qsizetype i = replies.size() - 1;
        return i < plan->commands.size() ? std::optional<QByteArray>(plan->commands.at(i)) : std::nullopt;
    };
    // HAProxy's answer, then the journal read since: the model needs both.
    ReadDone withFreshJournal = [this, done = std::move(done)](Result<Read> r) {
        if (!r)
            return done(std::move(r));
        withJournal([done, r = std::move(r)]() mutable { done(std::move(r)); });
    };
    m_cli->converse("show map", std::move(next), [plan, withServerState, done = std::move(withFreshJournal)](Result<RuntimeClient::Replies> r) {
        if (!r)
            return done(r.error());
        if (std::optional<ApiError> e = firstCliError(*r))
            return done(*e);
        Read out;
        qsizetype i = 1;
        auto take = [&]() -> const CliReply & { return r->at(i++); };
        if (r->size() < plan->commands.size() + 1)
            return done(makeError(ApiError::Kind::Malformed, QStringLiteral("haproxy"), QStringLiteral("missing answers")));
        if (!plan->routesFile.isEmpty()) {
            Result<QList<MapEntry>> entries = parseMapDump(take().output);
            if (!entries)
                return done(entries.error());
            out.config.routesMapFile = plan->routesFile;
            out.config.routes = *entries;
        }
        if (!plan->flagsFile.isEmpty()) {
            Result<QList<MapEntry>> entries = parseMapDump(take().output);
            if (!entries)
                return done(entries.error());
            out.config.flagsMapFile = plan->flagsFile;
            out.config.flags = *entries;
        }
        Result<QList<HaproxyStatRow>> rows = parseShowStat(take().output);
        if (!rows)
            return done(rows.error());
        out.config.rows = *rows;
        out.level = take().text();
        if (withServerState) {
            out.serverStateText = take().output;
            Result<QList<ServerWeight>> weights = parseServersState(out.serverStateText);
            if (!weights)
                return done(weights.error());
            out.serverState = *weights;
        }
        done(std::move(out));
    });
}

// --- Reads ---------------------------------------------------------------------------------

void HaproxyBackend::fetchInfo(Callback<GatewayInfo> done)
{
    m_cli->run({"show info", "show map", "show events"}, [this, done = std::move(done)](Result<RuntimeClient::Replies> r) {
        if (!r)
            return done(r.error());
        if (std::optional<ApiError> e = firstCliError(*r))
            return done(*e);
        Result<HaproxyInfo> info = parseShowInfo(r->at(0).output);
        if (!info)
            return done(info.error());
        const QList<MapInfo> maps = parseMapList(r->at(1).output);
        const bool routes = findMap(maps, m_options.routesMap, QStringLiteral("routes.map")).has_value();
        const bool flags = findMap(maps, m_options.flagsMap, QStringLiteral("flags.map")).has_value();
        GatewayInfo g;
        g.apiVersion = QStringLiteral("haproxy-runtime-api");
        g.name = info->name.isEmpty() ? QStringLiteral("HAProxy") : info->name;
        g.version = info->version;
        g.instance = info->node + QStringLiteral(" pid ") + info->pid;
        g.capabilities.health = true;
        g.capabilities.metrics = true;
        g.capabilities.percentiles = false; // 1024-request averages only, no histogram
        g.capabilities.routes = routes;
        g.capabilities.flags = flags;
        g.capabilities.rollback = routes;
        g.capabilities.audit = true;        // Cutover's own journal
        g.capabilities.logs = g.capabilities.logStream = !pickRing(r->at(2).output, m_options.ring).isEmpty();
        g.capabilities.simulator = false;
        if (!m_options.metricsUrl.isEmpty())
            g.requestsMetric = QStringLiteral("haproxy_server_http_responses_total");
        done(g);
    });
}

void HaproxyBackend::fetchLogs(std::optional<LogId> after, int limit, Callback<LogPage> done)
{
    const QString endpoint = m_options.endpoint.display() + QStringLiteral(" «show events»");
    if (after) {
        return done(makeError(ApiError::Kind::Validation, endpoint,
                              QStringLiteral("HAProxy's log ring has no line ids, so it cannot resume after one; "
                                             "follow the live stream instead"),
                              QStringLiteral("after")));
    }
    // First which ring (the profile's, or the first one HAProxy lists), then its content.
    m_cli->run({"show events"}, [this, limit, endpoint, done = std::move(done)](Result<RuntimeClient::Replies> r) mutable {
        if (!r)
            return done(r.error());
        const QString ring = pickRing(r->first().output, m_options.ring);
        if (ring.isEmpty()) {
            return done(makeError(ApiError::Kind::NotFound, endpoint,
                                  m_options.ring.isEmpty()
                                      ? QStringLiteral("HAProxy has no log ring; add a ring section and 'log ring@<name>' (docs/haproxy.md)")
                                      : QStringLiteral("HAProxy has no ring named %1").arg(m_options.ring)));
        }
        m_cli->run({"show events " + haproxy::cliArg(ring)},
                   [this, limit, done = std::move(done)](Result<RuntimeClient::Replies> events) {
            if (!events)
                return done(events.error());
            if (std::optional<ApiError> e = firstCliError(*events))
                return done(*e);
            QList<QByteArray> raw = events->first().output.split('\n');
            raw.removeIf([](const QByteArray &l) { return l.trimmed().isEmpty(); });
            if (limit >= 0 && raw.size() > limit)
                raw.remove(0, raw.size() - limit);
            LogPage page;
            page.lines.reserve(raw.size());
            for (const QByteArray &l : std::as_const(raw)) {
                LogLine line = haproxy::toLogLine(haproxy::splitRingLine(l), m_options.conventions);
                line.id = LogId {quint64(page.lines.size()) + 1};
                page.lines.append(std::move(line));
            }
            page.firstId = LogId {1};
            page.lastId = LogId {quint64(page.lines.size())};
            done(std::move(page));
        });
    });
}

LogSource *HaproxyBackend::createLogSource(QObject *parent)
{
    auto *stream = new haproxy::EventStream(m_options.endpoint, m_options.ring, parent);
    haproxy::EventStream::Options options;
    options.conventions = m_options.conventions;
    stream->setOptions(options);
    return stream;
}

void HaproxyBackend::fetchWhoAmI(Callback<WhoAmI> done)
{
    m_cli->run({"show cli level"}, [this, done = std::move(done)](Result<RuntimeClient::Replies> r) {
        if (!r)
            return done(r.error());
        if (std::optional<ApiError> e = firstCliError(*r))
            return done(*e);
        const QString level = r->first().text();
        WhoAmI w;
        w.subject = actor();
        w.role = level == QLatin1String("admin") ? Role::Admin
            : level == QLatin1String("operator") ? Role::Operator
                                                 : Role::Viewer;
        done(w);
    });
}

void HaproxyBackend::fetchStats(Callback<HaproxyStats> done)
{
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    m_cli->run({"show info", "show stat"}, [timer, done = std::move(done)](Result<RuntimeClient::Replies> r) {
        if (!r)
            return done(r.error());
        if (std::optional<ApiError> e = firstCliError(*r))
            return done(*e);
        Result<HaproxyInfo> info = parseShowInfo(r->at(0).output);
        if (!info)
            return done(info.error());
        Result<QList<HaproxyStatRow>> rows = parseShowStat(r->at(1).output);
        if (!rows)
            return done(rows.error());
        HaproxyStats s;
        s.readAt = QDateTime::currentDateTimeUtc();
        s.info = *info;
        s.rows = *rows;
        s.cliLatency = Milliseconds(double(timer->nsecsElapsed()) / 1e6);
        done(std::move(s));
    });
}

void HaproxyBackend::fetchHealth(Callback<HealthSnapshot> done)
{
    fetchStats([this, done = std::move(done)](Result<HaproxyStats> s) {
        if (!s)
            return done(s.error());
        done(healthFrom(*s, m_options.conventions, s->cliLatency));
    });
}

void HaproxyBackend::fetchMetrics(Callback<MetricsScrape> done)
{
    if (!m_options.metricsUrl.isEmpty()) {
        fetchPromex(std::move(done));
        return;
    }
    m_cli->run({"show stat -1 6 -1"}, [this, done = std::move(done)](Result<RuntimeClient::Replies> r) {
        if (!r)
            return done(r.error());
        if (std::optional<ApiError> e = firstCliError(*r))
            return done(*e);
        Result<QList<HaproxyStatRow>> rows = parseShowStat(r->first().output);
        if (!rows)
            return done(rows.error());
        done(MetricsScrape {synthesizeExposition(*rows, m_options.conventions),
                            QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8"), QDateTime::currentDateTimeUtc()});
    });
}

void HaproxyBackend::fetchPromex(Callback<MetricsScrape> done)
{
    const QString endpoint = QStringLiteral("GET ") + m_options.metricsUrl.toString(QUrl::RemoveUserInfo);
    if (!m_nam) {
        done(makeError(ApiError::Kind::NotFound, endpoint,
                       QStringLiteral("no network access manager was given for the Prometheus exporter")));
        return;
    }
    QNetworkRequest request(m_options.metricsUrl);
    request.setTransferTimeout(int(m_options.timeout.count()));
    request.setRawHeader("Accept", "text/plain; version=0.0.4");
    QNetworkReply *reply = m_nam->get(request);
    reply->setParent(this);
    connect(reply, &QNetworkReply::finished, this, [this, reply, endpoint, done = std::move(done)] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray body = reply->isOpen() ? reply->readAll() : QByteArray();
        if (reply->error() != QNetworkReply::NoError || status != 200)
            return done(apiErrorFromReply(reply, body, endpoint, m_options.timeout)); // as every HTTP answer reads
        done(MetricsScrape {body, reply->header(QNetworkRequest::ContentTypeHeader).toByteArray(), QDateTime::currentDateTimeUtc()});
    });
}

void HaproxyBackend::fetchRoutes(Callback<RouteList> done)
{
    read(false, [this, done = std::move(done)](Result<Read> r) {
        if (!r)
            return done(r.error());
        if (r->config.routesMapFile.isEmpty())
            return done(makeError(ApiError::Kind::NotFound, QStringLiteral("haproxy «show map»"),
                                  QStringLiteral("HAProxy has no routes map (a map file named routes.map, or the "
                                                 "profile's routes_map)")));
        done(model(*r).routeList());
    });
}

void HaproxyBackend::fetchFlags(Callback<FlagList> done)
{
    read(false, [this, done = std::move(done)](Result<Read> r) {
        if (!r)
            return done(r.error());
        if (r->config.flagsMapFile.isEmpty())
            return done(makeError(ApiError::Kind::NotFound, QStringLiteral("haproxy «show map»"),
                                  QStringLiteral("HAProxy has no flags map (a map file named flags.map, or the "
                                                 "profile's flags_map)")));
        done(model(*r).flags);
    });
}

void HaproxyBackend::fetchRollback(Callback<RollbackState> done)
{
    read(false, [this, done = std::move(done)](Result<Read> r) {
        if (!r)
            return done(r.error());
        done(model(*r).rollback);
    });
}

void HaproxyBackend::fetchAudit(qint64 afterId, int limit, Callback<AuditPage> done)
{
    m_journal.refresh([this, afterId, limit, done = std::move(done)](std::optional<QString> error) {
        if (error)
            return done(makeError(ApiError::Kind::Server, QStringLiteral("audit journal"), *error));
        done(m_journal.page(afterId, limit));
    });
}

void HaproxyBackend::record(const QString &action, const QString &target, QByteArray before, QByteArray after,
                            const QString &reason, const QString &level, const QByteArray &idempotencyKey,
                            QByteArray extra, std::function<void(JournalEntry &)> finalize, Recorded done)
{
    JournalEntry e;
    e.audit.actor = actor();
    e.audit.role = roleForLevel(level);
    e.audit.action = action;
    e.audit.target = target;
    e.audit.before = std::move(before);
    e.audit.after = std::move(after);
    e.audit.reason = reason;
    e.audit.requestId = QString::fromLatin1(HttpAdminClient::newRequestId());
    e.audit.idempotencyKey = QString::fromLatin1(idempotencyKey);
    e.extra = std::move(extra);
    m_journal.append(std::move(e), std::move(finalize), [done = std::move(done)](Result<JournalEntry> written) {
        if (!written) {
            ApiError err = written.error();
            err.message = QStringLiteral("HAProxy applied the change, but the audit journal could not record it: ") + err.message;
            return done(err);
        }
        done(std::move(written));
    });
}

} // namespace cutover
