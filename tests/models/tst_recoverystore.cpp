// The recovery records' file: written and read on a thread pool, never on the thread that owns
// the store; each change reaches the file in order; what was put before the file was read is
// merged over it; and the records survive a reload. Every store here lives in a temporary folder.
#include "models/recoverystore.h"

#include <QFile>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>

using namespace cutover;
using namespace std::chrono_literals;

namespace {

RecoveryRecord record(const QString &gateway, int minute, std::chrono::milliseconds ttr = 42s)
{
    RecoveryRecord r;
    r.gateway = gateway;
    r.engagedAt = QDateTime(QDate(2026, 12, 7), QTime(10, minute), Qt::UTC);
    r.engagedBy = QStringLiteral("alice");
    r.reason = QStringLiteral("5xx spike");
    r.idempotencyKey = "key-" + QByteArray::number(minute);
    r.timeToDrain = 8s;
    r.timeToRecovery = ttr;
    return r;
}

// Keeps a one-thread pool busy until released, so that nothing queued on it can run.
class BlockedPool
{
public:
    BlockedPool() { pool.setMaxThreadCount(1); }
    ~BlockedPool()
    {
        gate.release(8);
        pool.waitForDone();
    }
    void block() { pool.start([this] { gate.acquire(); }); }
    // Lets the queued work run to its end (on the pool's thread; this thread's events wait).
    bool release()
    {
        gate.release();
        return pool.waitForDone(10000);
    }
    QThreadPool pool;
    QSemaphore gate;
};

QList<std::chrono::milliseconds> ttrs(const RecoveryStore &store)
{
    QList<std::chrono::milliseconds> out;
    for (const RecoveryRecord &r : store.records())
        out << r.timeToRecovery;
    return out;
}

} // namespace

class TestRecoveryStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void writesOffTheCallingThread();
    void survivesAReload();
    void changesReachTheFileInOrder();
    void changesBeforeTheLoadGoOverTheFile();
    void unreadableFileIsReported();
    void memoryOnlyWithoutAPath();
};

void TestRecoveryStore::writesOffTheCallingThread()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("data/recoveries.json"));
    BlockedPool blocked;
    blocked.block();
    RecoveryStore store(path, nullptr, &blocked.pool);
    QSignalSpy saved(&store, &RecoveryStore::saved);
    // The file is not read on this thread: with the pool busy, the store has not loaded.
    QVERIFY(!store.isLoaded());
    store.put(record(QStringLiteral("gw:1"), 1));
    QVERIFY(store.find(QStringLiteral("gw:1"), record(QStringLiteral("gw:1"), 1).engagedAt)); // in memory at once
    QVERIFY(blocked.release());
    blocked.block();
    QTRY_VERIFY(store.isLoaded());
    // The write is due, but it waits for the pool: this thread wrote nothing.
    QVERIFY(store.isSaving());
    QTest::qWait(0);
    QVERIFY(!QFile::exists(path));
    QCOMPARE(saved.size(), 0);
    // The pool writes it while this thread runs no event loop at all.
    QVERIFY(blocked.release());
    QVERIFY(QFile::exists(path));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.readAll().contains("\"gateway\": \"gw:1\""));
    // The result comes back to this thread as a queued signal.
    QTRY_COMPARE(saved.size(), 1);
    QCOMPARE(saved.first().first().toString(), QString());
    QVERIFY(!store.isSaving());
}

void TestRecoveryStore::survivesAReload()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("recoveries.json"));
    const RecoveryRecord a = record(QStringLiteral("gw:1"), 1, 41s);
    RecoveryRecord b = record(QStringLiteral("gw:2"), 2, 77s);
    b.auditId = 12;
    {
        RecoveryStore store(path);
        QTRY_VERIFY(store.isLoaded());
        store.put(a);
        store.put(b);
        QTRY_VERIFY(!store.isSaving());
        QCOMPARE(store.saveError(), QString());
    }
    RecoveryStore again(path);
    QSignalSpy loaded(&again, &RecoveryStore::loaded);
    QVERIFY(loaded.wait(10000));
    QCOMPARE(again.loadError(), QString());
    QCOMPARE(again.records().size(), 2);
    const auto back = again.find(b.gateway, b.engagedAt);
    QVERIFY(back);
    QCOMPARE(back->auditId, qint64(12));
    QCOMPARE(back->timeToRecovery, 77s);
    QCOMPARE(back->timeToDrain, 8s);
    QCOMPARE(back->reason, b.reason);
    QCOMPARE(back->idempotencyKey, b.idempotencyKey);
    QCOMPARE(again.find(a.gateway, a.engagedAt)->timeToRecovery, 41s);
}

void TestRecoveryStore::changesReachTheFileInOrder()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("recoveries.json"));
    {
        RecoveryStore store(path);
        QTRY_VERIFY(store.isLoaded());
        // Many changes while writes are running: the file ends with the last of them.
        for (int i = 1; i <= 40; ++i) {
            store.put(record(QStringLiteral("gw:1"), 1, std::chrono::seconds(i)));
            store.put(record(QStringLiteral("gw:1"), 2, std::chrono::seconds(100 + i)));
            if (i % 10 == 0)
                QTest::qWait(0); // let some writes finish in between
        }
        store.remove(QStringLiteral("gw:1"), record(QStringLiteral("gw:1"), 2).engagedAt);
        QCOMPARE(ttrs(store), QList<std::chrono::milliseconds> {40s});
        QTRY_VERIFY(!store.isSaving());
    }
    RecoveryStore again(path);
    QTRY_VERIFY(again.isLoaded());
    QCOMPARE(ttrs(again), QList<std::chrono::milliseconds> {40s});
}

void TestRecoveryStore::changesBeforeTheLoadGoOverTheFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("recoveries.json"));
    {
        RecoveryStore store(path);
        QTRY_VERIFY(store.isLoaded());
        store.put(record(QStringLiteral("gw:1"), 1, 1s));
        store.put(record(QStringLiteral("gw:1"), 2, 2s));
        QTRY_VERIFY(!store.isSaving());
    }
    BlockedPool blocked;
    blocked.block();
    RecoveryStore store(path, nullptr, &blocked.pool);
    store.remove(QStringLiteral("gw:1"), record(QStringLiteral("gw:1"), 1).engagedAt);
    store.put(record(QStringLiteral("gw:1"), 2, 20s)); // replaces the one in the file
    store.put(record(QStringLiteral("gw:1"), 3, 3s));
    QVERIFY(blocked.release());
    QTRY_VERIFY(store.isLoaded());
    QCOMPARE(ttrs(store), (QList<std::chrono::milliseconds> {20s, 3s}));
    QTRY_VERIFY(!store.isSaving());
    RecoveryStore again(path);
    QTRY_VERIFY(again.isLoaded());
    QCOMPARE(ttrs(again), (QList<std::chrono::milliseconds> {20s, 3s}));
}

void TestRecoveryStore::unreadableFileIsReported()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("recoveries.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{\"not\": \"a list\"}");
    file.close();
    RecoveryStore store(path);
    QTRY_VERIFY(store.isLoaded());
    QVERIFY2(store.loadError().contains(QStringLiteral("not a list of recoveries")), qPrintable(store.loadError()));
    QVERIFY(store.records().isEmpty());
}

void TestRecoveryStore::memoryOnlyWithoutAPath()
{
    RecoveryStore store {QString()};
    QVERIFY(store.isLoaded());
    store.put(record(QStringLiteral("gw:1"), 1));
    QCOMPARE(store.records().size(), 1);
    QVERIFY(!store.isSaving());
}

QTEST_GUILESS_MAIN(TestRecoveryStore)
#include "tst_recoverystore.moc"
