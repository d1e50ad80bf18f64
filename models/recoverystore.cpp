#include "recoverystore.h"

#include "client/offthread.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>
#include <QThreadPool>

namespace cutover {

RecoveryStore::RecoveryStore(QString path, QObject *parent, QThreadPool *pool)
    : QObject(parent)
    , m_path(std::move(path))
    , m_pool(pool ? pool : QThreadPool::globalInstance())
{
    if (m_path.isEmpty()) {
        m_loaded = true;
        return;
    }
    runOffThread<Loaded>(
        m_pool, this, [path = m_path] { return read(path); }, [this](Loaded result) { merge(std::move(result)); });
}

RecoveryStore::~RecoveryStore() = default;

QString RecoveryStore::defaultPath()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).filePath(QStringLiteral("recoveries.json"));
}

RecoveryStore::Loaded RecoveryStore::read(const QString &path)
{
    Loaded out;
    QFile file(path);
    if (!file.exists())
        return out;
    if (!file.open(QIODevice::ReadOnly)) {
        out.error = file.errorString();
        return out;
    }
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
    if (!doc.isArray()) {
        out.error = QCoreApplication::translate("RecoveryStore", "%1: not a list of recoveries (%2)").arg(path, error.errorString());
        return out;
    }
    for (const QJsonValue &v : doc.array()) {
        const QJsonObject o = v.toObject();
        RecoveryRecord r;
        r.gateway = o.value(QStringLiteral("gateway")).toString();
        r.engagedAt = QDateTime::fromString(o.value(QStringLiteral("engaged_at")).toString(), Qt::ISODateWithMs);
        r.auditId = o.value(QStringLiteral("audit_id")).toInteger();
        r.engagedBy = o.value(QStringLiteral("engaged_by")).toString();
        r.reason = o.value(QStringLiteral("reason")).toString();
        r.idempotencyKey = o.value(QStringLiteral("idempotency_key")).toString().toLatin1();
        r.timeToDrain = std::chrono::milliseconds(o.value(QStringLiteral("time_to_drain_ms")).toInteger());
        r.timeToRecovery = std::chrono::milliseconds(o.value(QStringLiteral("time_to_recovery_ms")).toInteger());
        if (!r.gateway.isEmpty() && r.engagedAt.isValid())
            out.records.append(r);
    }
    return out;
}

QString RecoveryStore::write(const QString &path, const QList<RecoveryRecord> &records)
{
    QJsonArray array;
    for (const RecoveryRecord &r : records)
        array.append(QJsonObject {
            {QStringLiteral("gateway"), r.gateway},
            {QStringLiteral("engaged_at"), r.engagedAt.toUTC().toString(Qt::ISODateWithMs)},
            {QStringLiteral("audit_id"), r.auditId},
            {QStringLiteral("engaged_by"), r.engagedBy},
            {QStringLiteral("reason"), r.reason},
            {QStringLiteral("idempotency_key"), QString::fromLatin1(r.idempotencyKey)},
            {QStringLiteral("time_to_drain_ms"), qint64(r.timeToDrain.count())},
            {QStringLiteral("time_to_recovery_ms"), qint64(r.timeToRecovery.count())},
        });
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return file.errorString();
    file.write(QJsonDocument(array).toJson(QJsonDocument::Indented));
    if (!file.commit())
        return file.errorString();
    return {};
}

void RecoveryStore::merge(Loaded result)
{
    // What was put or removed meanwhile goes over what the file holds (over nothing, when it
    // could not be read: loadError() says why, and the next write replaces it, as it always did).
    m_loadError = std::move(result.error);
    QList<RecoveryRecord> merged = std::move(result.records);
    for (const auto &change : std::as_const(m_early))
        change(merged);
    m_records = std::move(merged);
    const bool changed = !m_early.isEmpty();
    m_early.clear();
    m_loaded = true;
    if (changed)
        save();
    Q_EMIT loaded();
}

void RecoveryStore::apply(const std::function<void(QList<RecoveryRecord> &)> &change)
{
    change(m_records);
    if (!m_loaded) {
        m_early.append(change);
        return;
    }
    save();
}

void RecoveryStore::put(const RecoveryRecord &record)
{
    apply([record](QList<RecoveryRecord> &records) {
        bool replaced = false;
        for (RecoveryRecord &r : records)
            if (r.gateway == record.gateway && r.engagedAt == record.engagedAt) {
                r = record;
                replaced = true;
            }
        if (!replaced)
            records.append(record);
        while (records.size() > kMaxRecords)
            records.removeFirst();
    });
}

void RecoveryStore::remove(const QString &gateway, const QDateTime &engagedAt)
{
    if (!find(gateway, engagedAt) && m_loaded)
        return;
    apply([gateway, engagedAt](QList<RecoveryRecord> &records) {
        records.removeIf([&](const RecoveryRecord &r) { return r.gateway == gateway && r.engagedAt == engagedAt; });
    });
}

void RecoveryStore::save()
{
    if (m_path.isEmpty())
        return;
    if (m_writing) {
        // One write at a time, in order: the next one starts when this one is done.
        m_dirty = true;
        return;
    }
    m_writing = true;
    m_dirty = false;
    runOffThread<QString>(
        m_pool, this, [path = m_path, records = m_records] { return write(path, records); },
        [this](QString error) {
            m_writing = false;
            m_saveError = error;
            if (m_dirty)
                save();
            Q_EMIT saved(error);
        });
}

std::optional<RecoveryRecord> RecoveryStore::find(const QString &gateway, const QDateTime &engagedAt) const
{
    for (const RecoveryRecord &r : m_records)
        if (r.gateway == gateway && r.engagedAt == engagedAt)
            return r;
    return std::nullopt;
}

} // namespace cutover
