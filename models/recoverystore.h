#pragma once

#include <QDateTime>
#include <QList>
#include <QString>

#include <chrono>
#include <optional>

namespace cutover {

// A measured time to recovery of one emergency rollback. The admin API has no place for it (an
// audit entry cannot be annotated), so the console keeps it locally, keyed by the gateway and the
// engage time, which is also the time of the engage's audit entry.
struct RecoveryRecord
{
    QString gateway;           // the backend's address
    QDateTime engagedAt;       // UTC, as the gateway reported it
    qint64 auditId = 0;        // the rollback.engage entry, 0 until seen
    QString engagedBy;
    QString reason;
    QByteArray idempotencyKey; // when this console engaged it
    std::chrono::milliseconds timeToDrain {0};
    std::chrono::milliseconds timeToRecovery {0};
};

// Recovery records in a small JSON file, rewritten atomically on each change.
class RecoveryStore
{
public:
    // An empty path keeps the records in memory only.
    explicit RecoveryStore(QString path);
    // <AppDataLocation>/recoveries.json
    static QString defaultPath();

    QString path() const { return m_path; }
    const QList<RecoveryRecord> &records() const { return m_records; }
    // Adds or replaces the record of the same gateway and engage time; returns an error message
    // if the file could not be written (the record is kept in memory all the same).
    QString put(const RecoveryRecord &record);
    // Forgets the record of that engage (a recovery that did not hold); an error message as put().
    QString remove(const QString &gateway, const QDateTime &engagedAt);
    std::optional<RecoveryRecord> find(const QString &gateway, const QDateTime &engagedAt) const;
    // The error of the last load, empty if fine (a missing file is fine).
    QString loadError() const { return m_loadError; }

    static constexpr int kMaxRecords = 500;

private:
    void load();
    QString save() const;

    QString m_path;
    QList<RecoveryRecord> m_records;
    QString m_loadError;
};

} // namespace cutover
