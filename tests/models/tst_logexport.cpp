// The log export job and the route -> service query (models/logexport.*, models/logqueries.*),
// moved out of the log view so that they run and are tested without widgets.
#include "models/logexport.h"
#include "models/logqueries.h"
#include "models/logstore.h"
#include "models/logtablemodel.h"
#include "tests/support/syntheticlog.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace cutover;

namespace {

QList<QByteArray> fileLines(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QList<QByteArray> lines = file.readAll().split('\n');
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    return lines;
}

} // namespace

class TestLogExport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void writesRowsAsTheViewCopiesThem();
    void writesWhatWasShownWhateverTheStoreDoes();
    void reportsUnwritableFile();
    void serviceOfRoute();
};

void TestLogExport::writesRowsAsTheViewCopiesThem()
{
    LogStore store;
    store.append(test::syntheticLogLines(1, 400));
    QVERIFY(store.appendGap(LogGap {LogId {401}, LogId {410}}));
    store.appendRestart(QStringLiteral("the gateway restarted"), WallTime(std::chrono::milliseconds(5)));
    store.append(test::syntheticLogLines(1, 100));
    LogTableModel model(&store);
    model.refresh();
    QCOMPARE(model.rowCount(), 502);
    std::vector<quint64> seqs;
    for (int row = 0; row < model.rowCount(); ++row)
        seqs.push_back(model.seqAt(row));

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("all.tsv"));
    LogExport job;
    QSignalSpy progress(&job, &LogExport::progress);
    QSignalSpy finished(&job, &LogExport::finished);
    QVERIFY(job.start(store, seqs, path));
    QVERIFY(job.isRunning());
    QVERIFY(!job.start(store, seqs, path)); // one at a time
    QVERIFY(finished.wait(10000));
    QVERIFY(!job.isRunning());
    QCOMPARE(finished.first().at(0).toBool(), true);
    QCOMPARE(finished.first().at(1).toString(), QStringLiteral("Exported 502 lines to %1").arg(path));
    QVERIFY(!progress.isEmpty());
    QCOMPARE(progress.last().first().toInt(), 100);
    const QList<QByteArray> written = fileLines(path);
    QCOMPARE(written.size(), 502);
    for (int row = 0; row < 502; ++row)
        QCOMPARE(QString::fromUtf8(written.at(row)), model.rowText(row));
    QCOMPARE(QString::fromUtf8(written.at(400)), LogTableModel::gapText(10, 401, 410));
    QCOMPARE(QString::fromUtf8(written.at(401)), QStringLiteral("the gateway restarted"));
}

// The entries are read from a snapshot taken at start(): appends, eviction and a clear right
// after it lose nothing and add nothing.
void TestLogExport::writesWhatWasShownWhateverTheStoreDoes()
{
    LogStore store(LogStore::kMinimumBudget);
    store.append(test::syntheticLogLines(1, 1000));
    LogTableModel model(&store);
    model.refresh();
    std::vector<quint64> seqs;
    QStringList expected;
    for (int row = 0; row < model.rowCount(); row += 2) {
        seqs.push_back(model.seqAt(row));
        expected.append(model.rowText(row));
    }
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("half.tsv"));
    LogExport job;
    QSignalSpy finished(&job, &LogExport::finished);
    QVERIFY(job.start(store, seqs, path));
    store.append(test::syntheticLogLines(1001, 20000));
    QVERIFY(store.firstSeq() > seqs.back());
    store.clear();
    QVERIFY(finished.wait(10000));
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
    QCOMPARE(finished.first().at(1).toString(), QStringLiteral("Exported %1 lines to %2").arg(seqs.size()).arg(path));
    QStringList written;
    for (const QByteArray &line : fileLines(path))
        written.append(QString::fromUtf8(line));
    QCOMPARE(written, expected);

    // Entries already gone when the export starts are counted, not written.
    LogStore small(LogStore::kMinimumBudget);
    small.append(test::syntheticLogLines(1, 10));
    small.clear();
    small.append(test::syntheticLogLines(11, 5));
    finished.clear();
    QVERIFY(job.start(small, {0, 1, 10, 11}, path));
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.first().at(1).toString(),
             QStringLiteral("Exported 2 lines to %1 (2 more left the log store's budget before they could be written)").arg(path));
}

void TestLogExport::reportsUnwritableFile()
{
    LogStore store;
    store.append(test::syntheticLogLines(1, 10));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("missing/folder/x.tsv"));
    LogExport job;
    QSignalSpy finished(&job, &LogExport::finished);
    QVERIFY(job.start(store, {0, 1, 2}, path));
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.first().at(0).toBool(), false);
    const QString message = finished.first().at(1).toString();
    QVERIFY2(message.startsWith(QStringLiteral("Could not write %1: ").arg(path)), qPrintable(message));
    QVERIFY(!QFile::exists(path));
}

void TestLogExport::serviceOfRoute()
{
    LogStore store;
    store.append(test::syntheticLogLines(1, 500));
    QCOMPARE(cutover::serviceOfRoute(store, QStringLiteral("media")), QStringLiteral("media-service"));
    QCOMPARE(cutover::serviceOfRoute(store, QStringLiteral("payments")), QStringLiteral("payment-service"));
    // Text that lines contain but no line's route is.
    QCOMPARE(cutover::serviceOfRoute(store, QStringLiteral("media-service")), QString());
    QCOMPARE(cutover::serviceOfRoute(store, QStringLiteral("search")), QString());
    QCOMPARE(cutover::serviceOfRoute(store, QString()), QString());
    // The newest line that names the route decides, and only the last `lookBack` entries count.
    LogLine moved = test::syntheticLogLine(501);
    moved.route = QStringLiteral("media");
    moved.service = QStringLiteral("search-service");
    QVERIFY(store.append(moved));
    QCOMPARE(cutover::serviceOfRoute(store, QStringLiteral("media")), QStringLiteral("search-service"));
    QVERIFY(store.append(test::syntheticLogLines(502, 10)));
    QCOMPARE(cutover::serviceOfRoute(store, QStringLiteral("media"), 5), QStringLiteral("media-service"));
    QCOMPARE(cutover::serviceOfRoute(store, QStringLiteral("media"), 3), QString());
}

QTEST_GUILESS_MAIN(TestLogExport)
#include "tst_logexport.moc"
