#include "auditjournal.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLockFile>
#include <QStandardPaths>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace cutover::haproxy {

namespace {

using Json = nlohmann::json;

std::string ss(const QString &s) { return s.toStdString(); }
QString qs(const std::string &s) { return QString::fromStdString(s); }

QString timeText(const QDateTime &t)
{
    return t.toUTC().toString(Qt::ISODateWithMs);
}

Json embedded(const QByteArray &text)
{
    if (text.isEmpty())
        return nullptr;
    Json j = Json::parse(text.constData(), text.constData() + text.size(), nullptr, false);
    return j.is_discarded() ? Json(text.toStdString()) : j;
}

QByteArray dumped(const Json &obj, const char *key)
{
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
        return {};
    return QByteArray::fromStdString(it->dump());
}

QString text(const Json &obj, const char *key)
{
    const auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? qs(it->get<std::string>()) : QString();
}

std::optional<JournalEntry> fromLine(QByteArrayView line)
{
    const Json j = Json::parse(line.begin(), line.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return std::nullopt;
    const auto id = j.find("id");
    if (id == j.end() || !id->is_number_integer())
        return std::nullopt;
    JournalEntry e;
    e.audit.id = id->get<qint64>();
    e.audit.time = QDateTime::fromString(text(j, "time"), Qt::ISODateWithMs);
    e.audit.actor = text(j, "actor");
    e.audit.role = text(j, "role");
    e.audit.action = text(j, "action");
    e.audit.target = text(j, "target");
    e.audit.before = dumped(j, "before");
    e.audit.after = dumped(j, "after");
    e.audit.reason = text(j, "reason");
    e.audit.requestId = text(j, "request_id");
    e.audit.idempotencyKey = text(j, "idempotency_key");
    e.extra = dumped(j, "haproxy");
    return e;
}

QByteArray toLine(const JournalEntry &e)
{
    Json j = {
        {"id", e.audit.id},
        {"time", ss(timeText(e.audit.time))},
        {"actor", ss(e.audit.actor)},
        {"role", ss(e.audit.role)},
        {"action", ss(e.audit.action)},
        {"target", ss(e.audit.target)},
        {"before", embedded(e.audit.before)},
        {"after", embedded(e.audit.after)},
        {"reason", e.audit.reason.isNull() ? Json(nullptr) : Json(ss(e.audit.reason))},
        {"request_id", ss(e.audit.requestId)},
        {"idempotency_key", e.audit.idempotencyKey.isEmpty() ? Json(nullptr) : Json(ss(e.audit.idempotencyKey))},
    };
    if (!e.extra.isEmpty())
        j["haproxy"] = embedded(e.extra);
    return QByteArray::fromStdString(j.dump()) + '\n';
}

bool isChange(const QString &action)
{
    return action == QLatin1String("route.update") || action == QLatin1String("flag.update")
        || action.startsWith(QLatin1String("rollback."));
}

} // namespace

QString AuditJournal::defaultPath(const QString &fileKey)
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/haproxy-audit/")
        + fileKey + QStringLiteral(".jsonl");
}

AuditJournal::AuditJournal(QString path)
    : m_path(std::move(path))
{
}

std::optional<QString> AuditJournal::refresh()
{
    QFile f(m_path);
    if (!f.exists())
        return std::nullopt;
    if (!f.open(QIODevice::ReadOnly))
        return QStringLiteral("cannot read the audit journal %1: %2").arg(m_path, f.errorString());
    if (f.size() < m_readOffset) {
        // Truncated or replaced by someone: read it again from the start.
        m_entries.clear();
        m_readOffset = 0;
        m_skipped = 0;
    }
    f.seek(m_readOffset);
    const QByteArray data = f.readAll();
    qsizetype pos = 0;
    while (true) {
        const qsizetype end = data.indexOf('\n', pos);
        if (end < 0)
            break; // an incomplete last line is read once it is complete
        const QByteArrayView line = QByteArrayView(data).sliced(pos, end - pos);
        pos = end + 1;
        if (line.trimmed().isEmpty())
            continue;
        if (std::optional<JournalEntry> e = fromLine(line); e && e->audit.id > latestId()) {
            m_entries.append(std::move(*e));
        } else {
            ++m_skipped;
            if (auto log = spdlog::get("net"))
                log->warn("haproxy audit journal {}: skipped an unreadable line", m_path.toStdString());
        }
    }
    m_readOffset += pos;
    return std::nullopt;
}

Result<JournalEntry> AuditJournal::append(JournalEntry entry, const std::function<void(JournalEntry &)> &finalize)
{
    ApiError e;
    e.kind = ApiError::Kind::Server;
    e.endpoint = QStringLiteral("audit journal ") + m_path;
    if (!QDir().mkpath(QFileInfo(m_path).absolutePath())) {
        e.message = QStringLiteral("cannot create the folder of the audit journal");
        return e;
    }
    QLockFile lock(m_path + QStringLiteral(".lock"));
    lock.setStaleLockTime(std::chrono::seconds(30));
    if (!lock.tryLock(std::chrono::seconds(5))) {
        e.message = QStringLiteral("the audit journal is locked by another process");
        return e;
    }
    if (std::optional<QString> error = refresh()) {
        e.message = *error;
        return e;
    }
    entry.audit.id = latestId() + 1;
    entry.audit.time = QDateTime::currentDateTimeUtc();
    if (finalize)
        finalize(entry);
    QFile f(m_path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Append)) {
        e.message = QStringLiteral("cannot write the audit journal: ") + f.errorString();
        return e;
    }
    const QByteArray line = toLine(entry);
    if (f.write(line) != line.size() || !f.flush()) {
        e.message = QStringLiteral("cannot write the audit journal: ") + f.errorString();
        return e;
    }
    f.close();
    // Re-read what we wrote, so the offset stays on a line boundary whatever others appended.
    refresh();
    const auto it = std::find_if(m_entries.cbegin(), m_entries.cend(),
                                 [&](const JournalEntry &j) { return j.audit.id == entry.audit.id; });
    return it != m_entries.cend() ? *it : entry;
}

AuditPage AuditJournal::page(qint64 afterId, int limit) const
{
    AuditPage p;
    p.latestId = latestId();
    for (const JournalEntry &e : m_entries) {
        if (e.audit.id <= afterId)
            continue;
        if (p.entries.size() >= std::max(1, limit))
            break;
        p.entries.append(e.audit);
    }
    return p;
}

const JournalEntry *AuditJournal::findByIdempotencyKey(const QString &key) const
{
    if (key.isEmpty())
        return nullptr;
    for (const JournalEntry &e : m_entries) {
        if (e.audit.idempotencyKey == key)
            return &e;
    }
    return nullptr;
}

const JournalEntry *AuditJournal::latestFor(const QString &target) const
{
    for (auto it = m_entries.crbegin(); it != m_entries.crend(); ++it) {
        if (it->audit.target == target)
            return &*it;
    }
    return nullptr;
}

RollbackRecord AuditJournal::rollbackFrom(const JournalEntry &entry)
{
    RollbackRecord r;
    r.entryId = entry.audit.id;
    r.engaged = entry.audit.action == QLatin1String("rollback.engage");
    if (!r.engaged) {
        r.releasedAt = entry.audit.time;
        r.releasedBy = entry.audit.actor;
        return r;
    }
    r.at = entry.audit.time;
    r.by = entry.audit.actor;
    r.reason = entry.audit.reason;
    const Json before = Json::parse(entry.audit.before.constData(),
                                    entry.audit.before.constData() + entry.audit.before.size(), nullptr, false);
    if (before.is_object()) {
        for (auto it = before.begin(); it != before.end(); ++it) {
            if (it.value().is_number_integer())
                r.snapshot.append({qs(it.key()), it.value().get<int>()});
        }
    }
    const Json extra =
        Json::parse(entry.extra.constData(), entry.extra.constData() + entry.extra.size(), nullptr, false);
    if (extra.is_object()) {
        r.mapFile = text(extra, "map_file");
        const auto entries = extra.find("map_entries");
        if (entries != extra.end() && entries->is_array()) {
            for (const Json &pair : *entries) {
                if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string())
                    r.mapEntries.append({qs(pair[0].get<std::string>()), qs(pair[1].get<std::string>())});
            }
        }
    }
    return r;
}

std::optional<RollbackRecord> AuditJournal::latestRollback() const
{
    std::optional<RollbackRecord> latest;
    QDateTime releasedAt;
    QString releasedBy;
    for (const JournalEntry &e : m_entries) {
        if (!e.audit.action.startsWith(QLatin1String("rollback.")))
            continue;
        latest = rollbackFrom(e);
        if (!latest->engaged) {
            releasedAt = latest->releasedAt;
            releasedBy = latest->releasedBy;
        }
        latest->releasedAt = releasedAt;
        latest->releasedBy = releasedBy;
    }
    return latest;
}

QString AuditJournal::flagDescription(const QString &flag) const
{
    const JournalEntry *e = latestFor(QStringLiteral("flags/") + flag);
    if (!e)
        return {};
    const Json after = Json::parse(e->audit.after.constData(), e->audit.after.constData() + e->audit.after.size(),
                                   nullptr, false);
    return after.is_object() ? text(after, "description") : QString();
}

qint64 AuditJournal::latestChangeId() const
{
    for (auto it = m_entries.crbegin(); it != m_entries.crend(); ++it) {
        if (isChange(it->audit.action))
            return it->audit.id;
    }
    return 0;
}

qint64 AuditJournal::latestPersistId() const
{
    for (auto it = m_entries.crbegin(); it != m_entries.crend(); ++it) {
        if (it->audit.action == QLatin1String("maps.persist"))
            return it->audit.id;
    }
    return 0;
}

// --- JSON of the entries' members ----------------------------------------------------------

QByteArray AuditJournal::routeJson(const Route &route)
{
    const Json j = {
        {"id", ss(route.id)},
        {"prefix", ss(route.prefix)},
        {"service", ss(route.service)},
        {"microservice_percent", route.microservicePercent},
        {"version", ss(route.version)},
        {"updated_at", route.updatedAt.isValid() ? Json(ss(timeText(route.updatedAt))) : Json(nullptr)},
        {"updated_by", ss(route.updatedBy)},
    };
    return QByteArray::fromStdString(j.dump());
}

QByteArray AuditJournal::flagJson(const Flag &flag)
{
    Json users = Json::array();
    for (const QString &u : flag.allowUsers)
        users.push_back(ss(u));
    Json routes = Json::array();
    for (const QString &r : flag.routes)
        routes.push_back(ss(r));
    const Json j = {
        {"name", ss(flag.name)},
        {"enabled", flag.enabled},
        {"rollout_percent", flag.rolloutPercent},
        {"allow_users", users},
        {"description", ss(flag.description)},
        {"version", ss(flag.version)},
        {"service", flag.service.isEmpty() ? Json(nullptr) : Json(ss(flag.service))},
        {"routes", routes},
        {"updated_at", flag.updatedAt.isValid() ? Json(ss(timeText(flag.updatedAt))) : Json(nullptr)},
        {"updated_by", ss(flag.updatedBy)},
    };
    return QByteArray::fromStdString(j.dump());
}

QByteArray AuditJournal::percentsJson(const QList<RollbackSnapshotEntry> &percents, std::optional<bool> keepMonolith)
{
    Json j = Json::object();
    for (const RollbackSnapshotEntry &p : percents)
        j[ss(p.route)] = p.microservicePercent;
    if (keepMonolith)
        j["keep_monolith"] = *keepMonolith;
    return QByteArray::fromStdString(j.dump());
}

QByteArray AuditJournal::rollbackExtra(const QString &mapFile, const QList<QPair<QString, QString>> &entries)
{
    Json list = Json::array();
    for (const auto &[key, value] : entries)
        list.push_back(Json::array({ss(key), ss(value)}));
    const Json j = {{"map_file", ss(mapFile)}, {"map_entries", list}};
    return QByteArray::fromStdString(j.dump());
}

QByteArray AuditJournal::rollbackStateJson(const RollbackState &state)
{
    Json snapshot = nullptr;
    if (state.engaged) {
        snapshot = Json::array();
        for (const RollbackSnapshotEntry &s : state.snapshot)
            snapshot.push_back({{"route", ss(s.route)}, {"microservice_percent", s.microservicePercent}});
    }
    auto opt = [](const QString &s) { return s.isEmpty() ? Json(nullptr) : Json(ss(s)); };
    auto optTime = [](const QDateTime &t) { return t.isValid() ? Json(ss(timeText(t))) : Json(nullptr); };
    const Json j = {
        {"engaged", state.engaged},
        {"version", ss(state.version)},
        {"engaged_at", optTime(state.engagedAt)},
        {"engaged_by", opt(state.engagedBy)},
        {"reason", opt(state.reason)},
        {"snapshot", snapshot},
        {"released_at", optTime(state.releasedAt)},
        {"released_by", opt(state.releasedBy)},
    };
    return QByteArray::fromStdString(j.dump());
}

} // namespace cutover::haproxy
