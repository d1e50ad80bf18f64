#include "haproxymodel.h"

#include <QCryptographicHash>
#include <QMap>
#include <QSet>

#include <algorithm>
#include <cmath>

namespace cutover::haproxy {

namespace {

bool isMonolithServer(const QString &server, const Conventions &c)
{
    return server.startsWith(c.monolithServer);
}

QString routeIdForBackend(const QString &backend, const Conventions &c)
{
    return backend.startsWith(c.backendPrefix) && backend.size() > c.backendPrefix.size()
        ? backend.mid(c.backendPrefix.size())
        : backend;
}

// "/api/posts/" → "posts"
QString lastSegment(const QString &prefix)
{
    const QStringList parts = prefix.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    return parts.isEmpty() ? QStringLiteral("root") : parts.last();
}

// The microservice a flag named use_<short>_microservice sends users to.
QString flagService(const QString &flag)
{
    static const QLatin1String head("use_"), tail("_microservice");
    if (!flag.startsWith(head) || !flag.endsWith(tail) || flag.size() <= head.size() + tail.size())
        return {};
    return flag.mid(head.size(), flag.size() - head.size() - tail.size()) + QStringLiteral("-service");
}

QByteArray labelValue(const QString &v)
{
    QByteArray out = v.toUtf8();
    out.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
    return out;
}

} // namespace

// --- Values and versions -------------------------------------------------------------------

std::optional<FlagValue> parseFlagValue(const QString &value)
{
    const QStringList words = value.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (words.isEmpty())
        return std::nullopt;
    FlagValue v;
    const QString state = words.first().toLower();
    if (state == QLatin1String("on") || state == QLatin1String("true") || state == QLatin1String("1"))
        v.enabled = true;
    else if (state != QLatin1String("off") && state != QLatin1String("false") && state != QLatin1String("0"))
        return std::nullopt;
    v.rolloutPercent = v.enabled ? 100 : 0;
    if (words.size() > 1) {
        bool ok = false;
        const int p = words.at(1).toInt(&ok);
        if (!ok || p < 0 || p > 100)
            return std::nullopt;
        v.rolloutPercent = p;
    }
    return v;
}

QString flagValueText(bool enabled, int rolloutPercent)
{
    return (enabled ? QStringLiteral("on ") : QStringLiteral("off ")) + QString::number(rolloutPercent);
}

QString versionOf(const QList<QByteArray> &parts)
{
    QCryptographicHash h(QCryptographicHash::Sha256);
    for (const QByteArray &p : parts) {
        h.addData(QByteArray::number(p.size()));
        h.addData(":");
        h.addData(p);
    }
    return QString::fromLatin1(h.result().toHex().left(16));
}

QString versionAfterEntry(const QString &version, qint64 entryId)
{
    return version.section(QLatin1Char('.'), 0, 0) + QLatin1Char('.') + QString::number(entryId);
}

QString rollbackVersion(qint64 journalEntryId, bool lost)
{
    return QStringLiteral("rb-") + QString::number(journalEntryId) + (lost ? QStringLiteral("-lost") : QString());
}

QList<WeightedServer> weightsFor(const RouteState &route, int percent)
{
    QList<WeightedServer> out;
    auto spread = [&out](const QList<WeightedServer> &servers, int total) {
        const int n = int(servers.size());
        for (int i = 0; i < n; ++i)
            out.append({servers.at(i).name, total / n + (i < total % n ? 1 : 0)});
    };
    if (!route.monolithServers.isEmpty())
        spread(route.monolithServers, 100 - percent);
    if (!route.microserviceServers.isEmpty())
        spread(route.microserviceServers, percent);
    return out;
}

// --- Model ---------------------------------------------------------------------------------

const RouteState *Model::route(const QString &id) const
{
    for (const RouteState &r : routes) {
        if (r.route.id == id)
            return &r;
    }
    return nullptr;
}

const Flag *Model::flag(const QString &name) const
{
    for (const Flag &f : flags.flags) {
        if (f.name == name)
            return &f;
    }
    return nullptr;
}

RouteList Model::routeList() const
{
    RouteList list;
    list.version = globalVersion;
    list.rollbackEngaged = rollback.engaged;
    for (const RouteState &r : routes)
        list.routes.append(r.route);
    return list;
}

Model buildModel(const ConfigSnapshot &config, const Conventions &c, const AuditJournal &journal)
{
    Model m;
    // Servers of every backend, in configuration order.
    QMap<QString, QList<const HaproxyStatRow *>> servers;
    QSet<QString> backends;
    for (const HaproxyStatRow &r : config.rows) {
        if (r.type == HaproxyStatRow::Type::Backend)
            backends.insert(r.proxy);
        else if (r.isServer())
            servers[r.proxy].append(&r);
    }

    m.allToMonolith = !config.routes.isEmpty()
        && std::all_of(config.routes.cbegin(), config.routes.cend(),
                       [&](const MapEntry &e) { return e.value == c.monolithBackend; });
    std::optional<RollbackRecord> rb = journal.latestRollback();
    const bool journalEngaged = rb && rb->engaged;
    // The journal may say engaged while HAProxy routes elsewhere (reloaded, or changed behind
    // our back): then traffic is not rolled back, and the state must say so.
    const bool engaged = journalEngaged && m.allToMonolith;
    m.rollbackLost = journalEngaged && !engaged;

    // Which prefixes belong to which route: during a rollback, as they were before it.
    QHash<QString, QString> current;
    for (const MapEntry &e : config.routes)
        current.insert(e.key, e.value);
    QList<QPair<QString, QString>> identity;
    if (engaged) {
        identity = rb->mapEntries;
        for (const MapEntry &e : config.routes) {
            const bool known = std::any_of(identity.cbegin(), identity.cend(),
                                           [&](const auto &p) { return p.first == e.key; });
            if (!known)
                identity.append({e.key, e.value});
        }
    } else {
        for (const MapEntry &e : config.routes)
            identity.append({e.key, e.value});
    }

    QList<QByteArray> globalParts;
    for (const MapEntry &e : config.routes)
        globalParts << "route" << e.key.toUtf8() << e.value.toUtf8();
    for (const MapEntry &e : config.flags)
        globalParts << "flag" << e.key.toUtf8() << e.value.toUtf8();

    // Where each prefix pointed before the latest rollback: a route left on the monolith by a
    // release with keep_monolith keeps its backend (and id) even when the names do not match.
    QHash<QString, QString> remembered;
    for (auto it = journal.entries().crbegin(); it != journal.entries().crend(); ++it) {
        if (it->audit.action == QLatin1String("rollback.engage")) {
            for (const auto &[prefix, value] : AuditJournal::rollbackFrom(*it).mapEntries)
                remembered.insert(prefix, value);
            break;
        }
    }

    QHash<QString, int> byId;
    for (const auto &[prefix, value] : identity) {
        QString backend = value;
        if (value == c.monolithBackend) {
            const QString before = remembered.value(prefix);
            backend = !before.isEmpty() && before != c.monolithBackend && servers.contains(before)
                ? before
                : c.backendPrefix + lastSegment(prefix);
            if (!servers.contains(backend) || backend == c.monolithBackend)
                backend.clear(); // a route the monolith still owns completely
        }
        const QString id = backend.isEmpty() ? lastSegment(prefix) : routeIdForBackend(backend, c);
        auto it = byId.constFind(id);
        if (it == byId.constEnd()) {
            RouteState s;
            s.route.id = id;
            s.backend = backend;
            s.backendExists = backends.contains(backend) || servers.contains(backend);
            for (const HaproxyStatRow *srv : servers.value(backend)) {
                const WeightedServer w {srv->name, srv->userWeight.value_or(srv->weight.value_or(0))};
                (isMonolithServer(srv->name, c) ? s.monolithServers : s.microserviceServers).append(w);
            }
            it = byId.insert(id, int(m.routes.size()));
            m.routes.append(std::move(s));
        }
        m.routes[*it].prefixes.append(prefix);
    }

    for (RouteState &s : m.routes) {
        Route &r = s.route;
        r.prefix = s.prefixes.join(QLatin1Char(' '));
        r.service = s.microserviceServers.isEmpty() ? QString() : s.microserviceServers.first().name;
        const bool mappedToBackend = !s.backend.isEmpty()
            && std::any_of(s.prefixes.cbegin(), s.prefixes.cend(), [&](const QString &p) { return current.value(p) == s.backend; });
        int mono = 0, micro = 0;
        for (const WeightedServer &w : s.monolithServers)
            mono += w.weight;
        for (const WeightedServer &w : s.microserviceServers)
            micro += w.weight;
        if (engaged || !mappedToBackend)
            r.microservicePercent = 0;
        else if (s.monolithServers.isEmpty())
            r.microservicePercent = s.microserviceServers.isEmpty() ? 0 : 100;
        else
            r.microservicePercent = mono + micro > 0 ? int(std::lround(100.0 * micro / (mono + micro))) : 0;

        QList<QByteArray> parts {"route", r.id.toUtf8(), s.backend.toUtf8(), engaged ? "engaged" : "free"};
        for (const QString &p : s.prefixes)
            parts << p.toUtf8() << current.value(p).toUtf8();
        for (const auto *list : {&s.monolithServers, &s.microserviceServers}) {
            for (const WeightedServer &w : *list) {
                parts << w.name.toUtf8() << QByteArray::number(w.weight);
                globalParts << s.backend.toUtf8() << w.name.toUtf8() << QByteArray::number(w.weight);
            }
        }
        // The content, and the journal entry of the last change through Cutover: a change that
        // sets what was already there still makes a new version.
        const JournalEntry *last = journal.latestFor(QStringLiteral("routes/") + r.id);
        r.version = versionOf(parts) + QLatin1Char('.') + QString::number(last ? last->audit.id : 0);
        if (last) {
            r.updatedAt = last->audit.time;
            r.updatedBy = last->audit.actor;
        }
    }

    // Flags: "<flag> on|off <percent>" and "<flag>@<user> allow".
    QMap<QString, Flag> flags;
    QMap<QString, QStringList> allowed;
    for (const MapEntry &e : config.flags) {
        const qsizetype at = e.key.indexOf(kFlagUserSeparator);
        if (at > 0) {
            allowed[e.key.left(at)].append(e.key.mid(at + 1));
            continue;
        }
        Flag f;
        f.name = e.key;
        if (const std::optional<FlagValue> v = parseFlagValue(e.value)) {
            f.enabled = v->enabled;
            f.rolloutPercent = v->rolloutPercent;
        }
        m.flagValues.insert(e.key, e.value);
        flags.insert(f.name, f);
    }
    for (auto it = flags.begin(); it != flags.end(); ++it) {
        Flag &f = it.value();
        f.allowUsers = allowed.value(f.name);
        f.service = flagService(f.name);
        for (const RouteState &s : m.routes) {
            if (!f.service.isEmpty() && s.route.service == f.service)
                f.routes.append(s.route.id);
        }
        f.description = journal.flagDescription(f.name);
        QStringList users = f.allowUsers;
        users.sort();
        const JournalEntry *last = journal.latestFor(QStringLiteral("flags/") + f.name);
        f.version = versionOf({"flag", f.name.toUtf8(), m.flagValues.value(f.name).toUtf8(), users.join(QLatin1Char(',')).toUtf8()})
            + QLatin1Char('.') + QString::number(last ? last->audit.id : 0);
        if (last) {
            f.updatedAt = last->audit.time;
            f.updatedBy = last->audit.actor;
        }
        m.flags.flags.append(f);
    }

    // Rollback.
    RollbackState &state = m.rollback;
    state.engaged = engaged;
    state.version = rollbackVersion(rb ? rb->entryId : 0, m.rollbackLost);
    if (rb) {
        state.releasedAt = rb->releasedAt;
        state.releasedBy = rb->releasedBy;
        if (engaged) {
            state.engagedAt = rb->at;
            state.engagedBy = rb->by;
            state.reason = rb->reason;
            state.snapshot = rb->snapshot;
        }
    }
    globalParts << "rollback" << state.version.toUtf8();
    m.globalVersion = versionOf(globalParts);
    m.flags.version = m.globalVersion;
    return m;
}

// --- Metrics ---------------------------------------------------------------------------------

QByteArray synthesizeExposition(const QList<HaproxyStatRow> &rows, const Conventions &c)
{
    static constexpr const char *kCodes[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};
    QByteArray requests, up, backendTimes, serverTimes, averages;
    QMap<QString, std::pair<bool, bool>> upstreams; // name → (monolith, up)
    QMap<QString, QList<const HaproxyStatRow *>> servers;
    for (const HaproxyStatRow &r : rows) {
        if (r.isServer())
            servers[r.proxy].append(&r);
    }
    auto times = [](QByteArray &out, const QByteArray &prefix, const QByteArray &labels, const HaproxyStatRow &r) {
        const std::pair<const char *, std::optional<double>> values[] = {
            {"queue_time_average_seconds", r.queueTimeMs},
            {"connect_time_average_seconds", r.connectTimeMs},
            {"response_time_average_seconds", r.responseTimeMs},
            {"total_time_average_seconds", r.totalTimeMs},
        };
        for (const auto &[name, ms] : values) {
            if (ms)
                out += prefix + name + '{' + labels + "} " + QByteArray::number(*ms / 1000.0, 'g', 12) + '\n';
        }
    };
    for (const HaproxyStatRow &b : rows) {
        if (b.type != HaproxyStatRow::Type::Backend)
            continue;
        const QList<const HaproxyStatRow *> list = servers.value(b.proxy);
        QString service;
        for (const HaproxyStatRow *s : list) {
            if (!isMonolithServer(s->name, c)) {
                service = s->name;
                break;
            }
        }
        QByteArray base;
        if (b.proxy != c.monolithBackend)
            base += "route=\"" + labelValue(routeIdForBackend(b.proxy, c)) + "\",";
        if (!service.isEmpty())
            base += "service=\"" + labelValue(service) + "\",";
        std::array<qint64, HaproxyStatRow::ResponseClassCount> fromServers {};
        for (const HaproxyStatRow *s : list) {
            const bool mono = isMonolithServer(s->name, c);
            for (int k = 0; k < HaproxyStatRow::ResponseClassCount; ++k) {
                fromServers[std::size_t(k)] += s->responses[std::size_t(k)];
                requests += "requests_total{" + base + "backend=\"" + (mono ? "monolith" : "microservice") + "\",server=\""
                    + labelValue(s->name) + "\",code=\"" + kCodes[k] + "\"} "
                    + QByteArray::number(s->responses[std::size_t(k)]) + '\n';
            }
            auto &u = upstreams[s->name];
            u.first = mono;
            u.second = u.second || healthOf(*s) != HealthStatus::Unhealthy;
            times(serverTimes, "haproxy_server_",
                  "proxy=\"" + labelValue(b.proxy) + "\",server=\"" + labelValue(s->name) + '"', *s);
            // The same average in the contract's labels, so it lines up with requests_total.
            if (s->totalTimeMs)
                averages += "request_duration_average_seconds{" + base + "backend=\"" + (mono ? "monolith" : "microservice")
                    + "\",server=\"" + labelValue(s->name) + "\"} " + QByteArray::number(*s->totalTimeMs / 1000.0, 'g', 12) + '\n';
        }
        for (int k = 0; k < HaproxyStatRow::ResponseClassCount; ++k) {
            const qint64 own = b.responses[std::size_t(k)] - fromServers[std::size_t(k)];
            if (own > 0)
                requests += "requests_total{" + base + "backend=\"haproxy\",code=\"" + kCodes[k] + "\"} "
                    + QByteArray::number(own) + '\n';
        }
        times(backendTimes, "haproxy_backend_", "proxy=\"" + labelValue(b.proxy) + '"', b);
    }
    for (auto it = upstreams.cbegin(); it != upstreams.cend(); ++it) {
        up += "upstream_up{service=\"" + labelValue(it.key()) + "\",kind=\""
            + (it.value().first ? "monolith" : "microservice") + "\"} " + (it.value().second ? "1" : "0") + '\n';
    }

    QByteArray out;
    out += "# HELP requests_total Responses by HAProxy backend server and status class (from show stat hrsp_*).\n"
           "# TYPE requests_total counter\n"
        + requests;
    if (!averages.isEmpty())
        out += "# HELP request_duration_average_seconds Total time averaged over the server's last 1024 requests "
               "(show stat ttime); HAProxy keeps no histogram, so there are no percentiles.\n"
               "# TYPE request_duration_average_seconds gauge\n"
            + averages;
    out += "# HELP upstream_up 1 while at least one instance of the server is not down or in maintenance.\n"
           "# TYPE upstream_up gauge\n"
        + up;
    const char *names[] = {"queue_time", "connect_time", "response_time", "total_time"};
    for (const QByteArray *section : {&backendTimes, &serverTimes}) {
        const QByteArray prefix = section == &backendTimes ? "haproxy_backend_" : "haproxy_server_";
        for (const char *n : names) {
            const QByteArray family = prefix + n + "_average_seconds";
            QByteArray lines;
            for (const QByteArray &l : section->split('\n')) {
                if (l.startsWith(QByteArray(family + '{')))
                    lines += l + '\n';
            }
            if (lines.isEmpty())
                continue;
            out += "# HELP " + family + " Moving average over the last 1024 requests (HAProxy keeps no histogram).\n";
            out += "# TYPE " + family + " gauge\n" + lines;
        }
    }
    return out;
}

// --- Health ----------------------------------------------------------------------------------

HealthSnapshot healthFrom(const HaproxyStats &stats, const Conventions &c, std::optional<Milliseconds> cliLatency)
{
    HealthSnapshot h;
    h.checkedAt = stats.readAt;
    h.gateway.name = QStringLiteral("haproxy");
    h.gateway.kind = ServiceKind::Gateway;
    h.gateway.status = HealthStatus::Healthy;
    h.gateway.latency = cliLatency;
    h.gateway.checkedAt = stats.readAt;
    h.gateway.version = stats.info.version;
    h.gateway.message = QStringLiteral("Runtime API answers");

    QMap<QString, ServiceHealth> services;
    QStringList order;
    auto rank = [](HealthStatus s) {
        switch (s) {
        case HealthStatus::Healthy: return 0;
        case HealthStatus::Unknown: return 1;
        case HealthStatus::Degraded: return 2;
        case HealthStatus::Unhealthy: return 3;
        }
        return 1;
    };
    for (const HaproxyStatRow &r : stats.rows) {
        HealthCheck check;
        check.status = healthOf(r);
        check.message = describeHealth(r);
        if (!r.isServer()) {
            check.name = HaproxyStatRow::typeName(r.type) + QLatin1Char(' ') + r.proxy;
            if (r.type == HaproxyStatRow::Type::Listener)
                check.name += QLatin1Char('/') + r.name;
            h.gateway.checks.append(check);
            if (r.type == HaproxyStatRow::Type::Backend && check.status == HealthStatus::Unhealthy)
                h.gateway.status = HealthStatus::Degraded;
            continue;
        }
        check.name = r.proxy + QLatin1Char('/') + r.name;
        if (check.status != HealthStatus::Unhealthy && r.checkDurationMs)
            check.latency = Milliseconds(*r.checkDurationMs);
        if (!services.contains(r.name)) {
            ServiceHealth s;
            s.name = r.name;
            s.kind = isMonolithServer(r.name, c) ? ServiceKind::Monolith : ServiceKind::Microservice;
            s.status = check.status;
            s.url = r.address.isEmpty() ? QString() : QStringLiteral("http://") + r.address;
            s.message = check.message;
            order.append(r.name);
            services.insert(r.name, s);
        }
        ServiceHealth &s = services[r.name];
        if (rank(check.status) > rank(s.status) || s.checks.isEmpty()) {
            s.status = check.status;
            s.message = check.message;
        }
        if (check.latency && (!s.latency || *check.latency > *s.latency))
            s.latency = check.latency;
        s.checks.append(check);
    }
    for (const QString &name : std::as_const(order)) {
        ServiceHealth s = services.value(name);
        if (s.status == HealthStatus::Unhealthy)
            s.latency.reset();
        h.services.append(s);
    }
    return h;
}

} // namespace cutover::haproxy
