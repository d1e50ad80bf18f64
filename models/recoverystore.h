#pragma once

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>

#include <chrono>
#include <functional>
#include <optional>

class QThreadPool;

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

// Recovery records in a small JSON file, rewritten atomically on each change. The records live
// on the thread that made the store; the file is read and written on a thread pool, never there:
// the file is read once, from the constructor (until loaded(), records() holds only what was put
// since, and what is read is merged under it); each change is written after the ones before it,
// one write at a time, the last one always holding the latest records.
class RecoveryStore : public QObject
{
    Q_OBJECT

public:
    // An empty path keeps the records in memory only (loaded at once). `pool` (not owned) runs
    // the file work; the global pool unless given.
    explicit RecoveryStore(QString path, QObject *parent = nullptr, QThreadPool *pool = nullptr);
    ~RecoveryStore() override;
    // <AppDataLocation>/recoveries.json: for the application's wiring only, never for tests.
    static QString defaultPath();

    QString path() const { return m_path; }
    bool isLoaded() const { return m_loaded; }
    // A write is running or due.
    bool isSaving() const { return m_writing || m_dirty; }
    const QList<RecoveryRecord> &records() const { return m_records; }
    // Adds or replaces the record of the same gateway and engage time, now; the file follows.
    void put(const RecoveryRecord &record);
    // Forgets the record of that engage (a recovery that did not hold), now; the file follows.
    void remove(const QString &gateway, const QDateTime &engagedAt);
    std::optional<RecoveryRecord> find(const QString &gateway, const QDateTime &engagedAt) const;
    // The error of the load, empty if fine (a missing file is fine).
    QString loadError() const { return m_loadError; }
    // The error of the last write, empty if it was fine.
    QString saveError() const { return m_saveError; }

    static constexpr int kMaxRecords = 500;

Q_SIGNALS:
    // The file was read and its records merged (or it could not be: loadError()).
    void loaded();
    // A write finished: the file holds the records as they were when it started (error empty),
    // or it could not be written (the records are kept in memory all the same).
    void saved(const QString &error);

private:
    struct Loaded
    {
        QList<RecoveryRecord> records;
        QString error;
    };
    static Loaded read(const QString &path);
    static QString write(const QString &path, const QList<RecoveryRecord> &records);
    void apply(const std::function<void(QList<RecoveryRecord> &)> &change);
    void merge(Loaded result);
    void save();

    QString m_path;
    QThreadPool *m_pool;
    QList<RecoveryRecord> m_records;
    // Changes made before the file was read, replayed over what it holds.
    QList<std::function<void(QList<RecoveryRecord> &)>> m_early;
    bool m_loaded = false;
    bool m_writing = false;
    bool m_dirty = false;
    QString m_loadError;
    QString m_saveError;
};

} // namespace cutover
