#include "auditjournal.h"

#include "client/offthread.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLockFile>
#include <QPointer>
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

// Reads the complete lines past `offset`, or from the start if the file is now shorter than
// that (truncated or replaced). An incomplete last line is read once it is complete.
AuditJournal::Tail readTail(const QString &path, qint64 offset)
{
    AuditJournal::Tail t;
    t.from = t.to = offset;
    QFile f(path);
    if (!f.exists())
        return t;
    if (!f.open(QIODevice::ReadOnly)) {
        t.error = QStringLiteral("cannot read the audit journal %1: %2").arg(path, f.errorString());
        return t;
    }
    if (f.size() < offset) {
        t.restarted = true;
        t.from = 0;
    }
    f.seek(t.from);
    const QByteArray data = f.readAll();
    qsizetype pos = 0;
    while (true) {
        const qsizetype end = data.indexOf('\n', pos);
        if (end < 0)
            break;
        const QByteArrayView line = QByteArrayView(data).sliced(pos, end - pos);
        pos = end + 1;
        if (line.trimmed().isEmpty())
            continue;
        if (std::optional<JournalEntry> e = fromLine(line))
            t.entries.append(std::move(*e));
        else
            ++t.unreadable;
    }
    t.to = t.from + pos;
    return t;
}

struct Appended
{
    AuditJournal::Tail tail; // everything read while appending, our own line included
    std::optional<ApiError> error;
    JournalEntry written;
};

// Under the lock file: reads what others appended since `offset`, numbers the entry after the
// latest id, writes it, and reads it back.
Appended appendLine(const QString &path, qint64 offset, qint64 latestKnown, JournalEntry entry,
                    const std::function<void(JournalEntry &)> &finalize)
{
    Appended out;
    out.tail.from = out.tail.to = offset;
    const auto fail = [&out, &path](const QString &message) {
        ApiError e;
        e.kind = ApiError::Kind::Server;
        e.endpoint = QStringLiteral("audit journal ") + path;
        e.message = message;
        out.error = e;
        return out;
    };
    if (!QDir().mkpath(QFileInfo(path).absolutePath()))
        return fail(QStringLiteral("cannot create the folder of the audit journal"));
    QLockFile lock(path + QStringLiteral(".lock"));
    lock.setStaleLockTime(std::chrono::seconds(30));
    if (!lock.tryLock(std::chrono::seconds(5)))
        return fail(QStringLiteral("the audit journal is locked by another process"));
    out.tail = readTail(path, offset);
    if (out.tail.error)
        return fail(*out.tail.error);
    qint64 latest = out.tail.restarted ? 0 : latestKnown;
    for (const JournalEntry &e : out.tail.entries)
        latest = std::max(latest, e.audit.id);
    entry.audit.id = latest + 1;
    entry.audit.time = QDateTime::currentDateTimeUtc();
    if (finalize)
        finalize(entry);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Append))
        return fail(QStringLiteral("cannot write the audit journal: ") + f.errorString());
    const QByteArray line = toLine(entry);
    if (f.write(line) != line.size() || !f.flush())
        return fail(QStringLiteral("cannot write the audit journal: ") + f.errorString());
    f.close();
    // Read back what we wrote, so the offset stays on a line boundary.
    AuditJournal::Tail mine = readTail(path, out.tail.to);
    if (mine.restarted) {
        out.tail = std::move(mine);
    } else {
        out.tail.entries.append(mine.entries);
        out.tail.unreadable += mine.unreadable;
        out.tail.to = mine.to;
    }
    const auto it = std::find_if(out.tail.entries.cbegin(), out.tail.entries.cend(),
                                 [&](const JournalEntry &j) { return j.audit.id == entry.audit.id; });
    out.written = it != out.tail.entries.cend() ? *it : entry;
    return out;
}

} // namespace

QString AuditJournal::defaultPath(const QString &fileKey)
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/haproxy-audit/")
        + fileKey + QStringLiteral(".jsonl");
}

struct AuditJournal::Operation
{
    bool isAppend = false;
    JournalEntry entry;
    std::function<void(JournalEntry &)> finalize;
    std::function<void(Result<JournalEntry>)> appended;
    QList<std::function<void(std::optional<QString>)>> refreshed;
};

AuditJournal::AuditJournal(QString path)
    : m_path(std::move(path))
    , m_context(std::make_unique<QObject>())
{
}

AuditJournal::~AuditJournal() = default;

void AuditJournal::refresh(std::function<void(std::optional<QString> error)> done)
{
    // A refresh still waiting to start reads late enough for this one too.
    if (m_queue.size() > 1 && !m_queue.last()->isAppend) {
        m_queue.last()->refreshed.append(std::move(done));
        return;
    }
    auto op = std::make_shared<Operation>();
    op->refreshed.append(std::move(done));
    m_queue.append(op);
    if (m_queue.size() == 1)
        runNext();
}

void AuditJournal::append(JournalEntry entry, std::function<void(JournalEntry &)> finalize,
                          std::function<void(Result<JournalEntry>)> done)
{
    auto op = std::make_shared<Operation>();
    op->isAppend = true;
    op->entry = std::move(entry);
    op->finalize = std::move(finalize);
    op->appended = std::move(done);
    m_queue.append(op);
    if (m_queue.size() == 1)
        runNext();
}

void AuditJournal::runNext()
{
    const std::shared_ptr<Operation> op = m_queue.first();
    const QString path = m_path;
    const qint64 offset = m_readOffset;
    // Takes the finished operation off the queue and starts the next before calling back: a
    // callback may ask for more, or destroy the journal.
    const auto finish = [this] {
        m_queue.removeFirst();
        if (!m_queue.isEmpty())
            runNext();
    };
    if (!op->isAppend) {
        runOffThread<Tail>(m_context.get(), [path, offset] { return readTail(path, offset); },
                           [this, op, finish](const Tail &tail) {
                               apply(tail);
                               finish();
                               QPointer<QObject> alive(m_context.get());
                               for (const auto &done : op->refreshed) {
                                   if (!alive)
                                       return;
                                   done(tail.error);
                               }
                           });
        return;
    }
    runOffThread<Appended>(
        m_context.get(),
        [path, offset, latest = latestId(), entry = op->entry, finalize = op->finalize] {
            return appendLine(path, offset, latest, entry, finalize);
        },
        [this, op, finish](const Appended &a) {
            apply(a.tail);
            finish();
            op->appended(a.error ? Result<JournalEntry>(*a.error) : Result<JournalEntry>(a.written));
        });
}

void AuditJournal::apply(const Tail &tail)
{
    if (tail.error || tail.from != (tail.restarted ? 0 : m_readOffset))
        return;
    if (tail.restarted) {
        m_entries.clear();
        m_skipped = 0;
    }
    int skipped = tail.unreadable;
    for (const JournalEntry &e : tail.entries) {
        if (e.audit.id > latestId())
            m_entries.append(e);
        else
            ++skipped;
    }
    m_readOffset = tail.to;
    m_skipped += skipped;
    if (skipped > 0) {
        if (auto log = spdlog::get("net"))
            log->warn("haproxy audit journal {}: skipped {} unreadable line(s)", m_path.toStdString(), skipped);
    }
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
