#include "recoverystore.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>

namespace cutover {

RecoveryStore::RecoveryStore(QString path)
    : m_path(std::move(path))
{
    load();
}

QString RecoveryStore::defaultPath()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).filePath(QStringLiteral("recoveries.json"));
}

void RecoveryStore::load()
{
    if (m_path.isEmpty())
        return;
    QFile file(m_path);
    if (!file.exists())
        return;
    if (!file.open(QIODevice::ReadOnly)) {
        m_loadError = file.errorString();
        return;
    }
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
    if (!doc.isArray()) {
        m_loadError = QCoreApplication::translate("RecoveryStore", "%1: not a list of recoveries (%2)")
                          .arg(m_path, error.errorString());
        return;
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
            m_records.append(r);
    }
}

QString RecoveryStore::put(const RecoveryRecord &record)
{
    bool replaced = false;
    for (RecoveryRecord &r : m_records)
        if (r.gateway == record.gateway && r.engagedAt == record.engagedAt) {
            r = record;
            replaced = true;
        }
    if (!replaced)
        m_records.append(record);
    while (m_records.size() > kMaxRecords)
        m_records.removeFirst();
    return save();
}

QString RecoveryStore::remove(const QString &gateway, const QDateTime &engagedAt)
{
    const auto removed = m_records.removeIf([&](const RecoveryRecord &r) { return r.gateway == gateway && r.engagedAt == engagedAt; });
    return removed ? save() : QString();
}

QString RecoveryStore::save() const
{
    if (m_path.isEmpty())
        return {};

    QJsonArray array;
    for (const RecoveryRecord &r : std::as_const(m_records))
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
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly))
        return file.errorString();
    file.write(QJsonDocument(array).toJson(QJsonDocument::Indented));
    if (!file.commit())
        return file.errorString();
    return {};
}

std::optional<RecoveryRecord> RecoveryStore::find(const QString &gateway, const QDateTime &engagedAt) const
{
    for (const RecoveryRecord &r : m_records)
        if (r.gateway == gateway && r.engagedAt == engagedAt)
            return r;
    return std::nullopt;
}

} // namespace cutover
