#include "models/logscan.h"
#include "models/logstore.h"
#include "models/logtablemodel.h"
#include "tests/support/syntheticlog.h"

#include <QAbstractItemModelTester>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTest>
#include <QThreadPool>

#include <ctime>
#include <set>

using namespace cutover;

Q_DECLARE_METATYPE(cutover::LogFilter)

namespace {

LogLine simLine(quint64 id)
{
    return test::syntheticLogLine(id);
}

QList<LogLine> lines(quint64 from, quint64 count)
{
    return test::syntheticLogLines(from, count);
}

// CPU time of this thread: timings that a busy build machine does not distort.
qint64 threadCpuNs()
{
    timespec t {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return qint64(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

std::vector<quint64> rowsOf(const LogTableModel &model)
{
    std::vector<quint64> out;
    for (int row = 0; row < model.rowCount(); ++row)
        out.push_back(model.seqAt(row));
    return out;
}

// The scan started by setFilter() has delivered everything.
bool scanDone(const LogTableModel &model)
{
    return QTest::qWaitFor([&] { return !model.isScanning(); }, 20000);
}

LogFilter textFilter(const QString &text)
{
    LogFilter f;
    f.text = text;
    return f;
}

void addFilterRows()
{
    QTest::addColumn<LogFilter>("filter");
    LogFilter none;
    QTest::newRow("no filter") << none;
    LogFilter level;
    level.minLevel = LogLevel::Warn;
    QTest::newRow("warn and above") << level;
    LogFilter service;
    service.service = QStringLiteral("payment-service");
    QTest::newRow("service") << service;
    QTest::newRow("text") << textFilter(QStringLiteral("UPSTREAM"));
    LogFilter regex;
    regex.pattern = QStringLiteral("/api/(media|users)/9\\d$");
    QTest::newRow("regex") << regex;
    LogFilter request;
    request.requestId = simLine(120).requestId;
    QTest::newRow("request id") << request;
    LogFilter nothing;
    nothing.service = QStringLiteral("no-such-service");
    QTest::newRow("matches nothing") << nothing;
}

} // namespace

class TestLogTableModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void appendsIncrementally_data() { addFilterRows(); }
    void appendsIncrementally();
    void evictionRemovesTopRows_data() { addFilterRows(); }
    void evictionRemovesTopRows();
    void clearRemovesEveryRow();
    void gapsVisibleUnderEveryFilter_data() { addFilterRows(); }
    void gapsVisibleUnderEveryFilter();
    void invalidRegexKeepsPreviousRows();
    void pauseCountsNewLines();
    void cellsShowTheLine();
    void matchRangesForHighlighting();
    void highlightFollowsTheFilter();
    void rowForSeq();
    void manyLinesWithFilterAreFast();
    void filterScansInTheBackground();
    void scanEqualsSynchronousFilter_data() { addFilterRows(); }
    void scanEqualsSynchronousFilter();
    void newerFilterCancelsScan();
    void clearingFilterCancelsScan();
    void linesArrivingDuringScan();
    void evictionDuringScan();
    void cancelledScanStopsItsWorker();
    void scanInsertsAreCoalesced();
};

void TestLogTableModel::appendsIncrementally()
{
    QFETCH(LogFilter, filter);
    LogStore store;
    LogTableModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QVERIFY(model.setFilter(filter));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

    quint64 next = 1;
    for (int batch = 0; batch < 5; ++batch) {
        const int before = model.rowCount();
        inserted.clear();
        store.append(lines(next, 300));
        next += 300;
        model.refresh();
        const auto expected = store.filter(filter).matches;
        QCOMPARE(rowsOf(model), expected);
        // One batch, at the end.
        if (model.rowCount() == before) {
            QCOMPARE(inserted.size(), 0);
        } else {
            QCOMPARE(inserted.size(), 1);
            QCOMPARE(inserted.first().at(1).toInt(), before);
            QCOMPARE(inserted.first().at(2).toInt(), model.rowCount() - 1);
        }
        model.refresh(); // nothing new: nothing happens
        QCOMPARE(inserted.size(), model.rowCount() == before ? 0 : 1);
    }
    QCOMPARE(reset.size(), 0);
}

void TestLogTableModel::evictionRemovesTopRows()
{
    QFETCH(LogFilter, filter);
    LogStore store(LogStore::kMinimumBudget);
    LogTableModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QVERIFY(model.setFilter(filter));
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    quint64 next = 1;
    // Several times the budget, in frames of 700 lines, a gap every third frame.
    for (int frame = 0; store.evictedEntries() < 12000; ++frame) {
        store.append(lines(next, 700));
        next += 700;
        if (frame % 3 == 2) {
            QVERIFY(store.appendGap(LogGap {LogId {next}, LogId {next + 49}}));
            next += 50;
        }
        // Until the refresh, rows below firstSeq show nothing rather than crash.
        if (model.rowCount() > 0 && !store.contains(model.seqAt(0)))
            QVERIFY(!model.index(0, LogTableModel::MessageColumn).data().isValid());
        model.refresh();
        QCOMPARE(rowsOf(model), store.filter(filter).matches);
        QVERIFY(store.bytesUsed() <= store.byteBudget());
    }
    // Only ever from the top.
    QVERIFY(!removed.isEmpty()); // gap rows at least, under every filter
    for (const auto &args : std::as_const(removed))
        QCOMPARE(args.at(1).toInt(), 0);
    if (model.rowCount() > 0)
        QVERIFY(model.seqAt(0) >= store.firstSeq());
}

void TestLogTableModel::clearRemovesEveryRow()
{
    LogStore store;
    LogTableModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    store.append(lines(1, 100));
    model.refresh();
    QCOMPARE(model.rowCount(), 100);
    store.clear();
    store.append(lines(101, 5));
    model.refresh();
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.index(0, LogTableModel::MessageColumn).data().toString(), simLine(101).message);
}

void TestLogTableModel::gapsVisibleUnderEveryFilter()
{
    QFETCH(LogFilter, filter);
    LogStore store;
    LogTableModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QVERIFY(model.setFilter(filter));
    store.append(lines(1, 100));
    QVERIFY(store.appendGap(LogGap {LogId {101}, LogId {1334}}));
    store.append(lines(1335, 100));
    model.refresh();

    int gaps = 0;
    for (int row = 0; row < model.rowCount(); ++row) {
        const QModelIndex message = model.index(row, LogTableModel::MessageColumn);
        if (!message.data(LogTableModel::IsGapRole).toBool())
            continue;
        ++gaps;
        const QString text = message.data().toString();
        QCOMPARE(text, LogTableModel::gapText(1234, 101, 1334));
        QVERIFY2(text.contains(QStringLiteral("lines missed")) && text.contains(QStringLiteral("101–1334")),
                 qPrintable(text));
        QCOMPARE(model.index(row, LogTableModel::LevelColumn).data().toString(), QStringLiteral("GAP"));
        QCOMPARE(model.rowText(row), text);
    }
    QCOMPARE(gaps, 1);

    // Also after a rescan, and on a filter set after the gap arrived.
    QVERIFY(model.setFilter(filter));
    QVERIFY(scanDone(model));
    QCOMPARE(rowsOf(model), store.filter(filter).matches);
    QVERIFY(std::find(rowsOf(model).begin(), rowsOf(model).end(), quint64(100)) != rowsOf(model).end());
}

void TestLogTableModel::invalidRegexKeepsPreviousRows()
{
    LogStore store;
    LogTableModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    store.append(lines(1, 500));
    model.refresh();
    QVERIFY(model.setFilter(textFilter(QStringLiteral("payment"))));
    QVERIFY(scanDone(model));
    const auto before = rowsOf(model);
    QCOMPARE(before.size(), std::size_t(100));

    QSignalSpy errors(&model, &LogTableModel::filterErrorChanged);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    LogFilter bad;
    bad.pattern = QStringLiteral("timeout|(refused");
    QVERIFY(!model.setFilter(bad));
    QVERIFY(model.filterError().contains(QStringLiteral("invalid regular expression")));
    QCOMPARE(errors.size(), 1);
    QCOMPARE(reset.size(), 0);
    QCOMPARE(rowsOf(model), before);
    QCOMPARE(model.filter().text, QStringLiteral("payment"));

    // New lines still go through the last good filter.
    store.append(lines(501, 100));
    model.refresh();
    QCOMPARE(model.rowCount(), 120);

    bad.pattern = QStringLiteral("timeout|(refused)");
    QVERIFY(model.setFilter(bad));
    QVERIFY(scanDone(model));
    QVERIFY(model.filterError().isEmpty());
    QCOMPARE(errors.size(), 2);
    QCOMPARE(model.rowCount(), 0);
}

void TestLogTableModel::pauseCountsNewLines()
{
    LogStore store;
    LogTableModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QVERIFY(model.setFilter(textFilter(QStringLiteral("payment"))));
    store.append(lines(1, 100));
    model.refresh();
    QVERIFY(model.isFollowing());
    QCOMPARE(model.newSincePause(), 0);

    QSignalSpy following(&model, &LogTableModel::followingChanged);
    QSignalSpy counted(&model, &LogTableModel::newSincePauseChanged);
    model.setFollowing(false);
    QCOMPARE(following.size(), 1);
    QCOMPARE(following.first().first().toBool(), false);
    store.append(lines(101, 100));
    model.refresh();
    store.append(lines(201, 50));
    model.refresh();
    // Rows keep arriving while paused; only the matching ones count.
    QCOMPARE(model.rowCount(), 50);
    QCOMPARE(model.newSincePause(), 30);
    QCOMPARE(counted.size(), 2);
    QCOMPARE(counted.last().first().toLongLong(), 30);

    model.setFollowing(true);
    QCOMPARE(model.newSincePause(), 0);
    QCOMPARE(following.last().first().toBool(), true);
    store.append(lines(251, 50));
    model.refresh();
    QCOMPARE(model.newSincePause(), 0);
}

void TestLogTableModel::cellsShowTheLine()
{
    LogStore store;
    LogTableModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    LogLine l = simLine(40);
    l.time = WallTime(std::chrono::milliseconds(1'795'000'000'123LL)); // 2026-11-18T11:06:40.123Z
    l.message = QStringLiteral("GET /api/posts/40 502\nsecond line\twith tab");
    store.append(l);
    model.refresh();
    QCOMPARE(model.rowCount(), 1);
    const auto cell = [&](int column, int role = Qt::DisplayRole) { return model.index(0, column).data(role); };
    QCOMPARE(cell(LogTableModel::TimeColumn).toString(), QStringLiteral("11:06:40.123"));
    QCOMPARE(cell(LogTableModel::TimeColumn, Qt::ToolTipRole).toString(), QStringLiteral("2026-11-18T11:06:40.123Z"));
    QCOMPARE(cell(LogTableModel::LevelColumn).toString(), QStringLiteral("ERROR"));
    QCOMPARE(cell(LogTableModel::LevelColumn, LogTableModel::LevelRole).toInt(), int(LogLevel::Error));
    QCOMPARE(cell(LogTableModel::ServiceColumn).toString(), QStringLiteral("user-service"));
    QCOMPARE(cell(LogTableModel::BackendColumn).toString(), QStringLiteral("monolith"));
    QCOMPARE(cell(LogTableModel::MethodColumn).toString(), QStringLiteral("GET"));
    QCOMPARE(cell(LogTableModel::PathColumn).toString(), QStringLiteral("/api/users/40"));
    QCOMPARE(cell(LogTableModel::StatusColumn).toString(), QStringLiteral("502"));
    QCOMPARE(cell(LogTableModel::StatusColumn, LogTableModel::StatusRole).toInt(), 502);
    QCOMPARE(cell(LogTableModel::LatencyColumn).toString(), QStringLiteral("4.0 ms"));
    QCOMPARE(cell(LogTableModel::RequestIdColumn).toString(), l.requestId);
    QCOMPARE(cell(LogTableModel::MessageColumn, LogTableModel::RequestIdRole).toString(), l.requestId);
    // One line in the cell; the whole message (escaped) in the copied text.
    QCOMPARE(cell(LogTableModel::MessageColumn).toString(), QStringLiteral("GET /api/posts/40 502 second line with tab"));
    QCOMPARE(cell(LogTableModel::MessageColumn, LogTableModel::IsGapRole).toBool(), false);
    QCOMPARE(cell(LogTableModel::MessageColumn, LogTableModel::SeqRole).toULongLong(), quint64(0));
    const QStringList fields = model.rowText(0).split(u'\t');
    QCOMPARE(fields.size(), int(LogTableModel::ColumnCount));
    QCOMPARE(fields.first(), QStringLiteral("2026-11-18T11:06:40.123Z"));
    QCOMPARE(fields.at(LogTableModel::RequestIdColumn), l.requestId);
    QCOMPARE(fields.last(), QStringLiteral("GET /api/posts/40 502\\nsecond line\\twith tab"));
    QCOMPARE(cell(0, LogTableModel::LineTextRole).toString(), model.rowText(0));
    QCOMPARE(model.headerData(LogTableModel::RequestIdColumn, Qt::Horizontal).toString(), QStringLiteral("Request ID"));
}

void TestLogTableModel::matchRangesForHighlighting()
{
    LogStore store;
    LogTableModel model(&store);
    LogLine l = simLine(7);
    l.message = QStringLiteral("Timeout after timeout");
    store.append(l);
    model.refresh();
    const auto ranges = [&](int column) {
        return model.index(0, column).data(LogTableModel::MatchRangesRole).value<MatchRanges>();
    };
    QVERIFY(ranges(LogTableModel::MessageColumn).isEmpty());

    QVERIFY(model.setFilter(textFilter(QStringLiteral("TIMEOUT"))));
    QVERIFY(scanDone(model));
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(ranges(LogTableModel::MessageColumn), (MatchRanges {{0, 7}, {14, 7}}));
    QVERIFY(ranges(LogTableModel::PathColumn).isEmpty());
    QVERIFY(ranges(LogTableModel::TimeColumn).isEmpty());

    LogFilter regex;
    regex.pattern = QStringLiteral("out|/\\d+$");
    QVERIFY(model.setFilter(regex));
    QVERIFY(scanDone(model));
    QCOMPARE(ranges(LogTableModel::MessageColumn), (MatchRanges {{4, 3}, {18, 3}}));
    QCOMPARE(ranges(LogTableModel::PathColumn), (MatchRanges {{10, 2}}));
}

// The ranges a view is given are the filter's matches in each shown cell, however often it asks
// (the model keeps them per cell), and a new filter's own as soon as it is set: the same lines
// stay on screen from one filter to the next here, with other matches.
void TestLogTableModel::highlightFollowsTheFilter()
{
    LogStore store;
    LogTableModel model(&store);
    store.append(lines(1, 300));
    model.refresh();
    const auto expected = [](const LogFilter &f, const QString &text) {
        MatchRanges out;
        if (!f.text.isEmpty()) {
            for (qsizetype at = text.indexOf(f.text, 0, f.textCase); at >= 0;
                 at = text.indexOf(f.text, at + f.text.size(), f.textCase))
                out.append({int(at), int(f.text.size())});
        }
        if (!f.pattern.isEmpty()) {
            const QRegularExpression re(f.pattern, f.patternCase == Qt::CaseInsensitive
                                                       ? QRegularExpression::CaseInsensitiveOption
                                                       : QRegularExpression::NoPatternOption);
            for (auto it = re.globalMatch(text); it.hasNext();) {
                const QRegularExpressionMatch m = it.next();
                if (m.capturedLength() > 0)
                    out.append({int(m.capturedStart()), int(m.capturedLength())});
            }
        }
        return out;
    };
    const QList<int> searchable {LogTableModel::ServiceColumn,   LogTableModel::BackendColumn,
                                 LogTableModel::MethodColumn,    LogTableModel::PathColumn,
                                 LogTableModel::RequestIdColumn, LogTableModel::MessageColumn};

    const auto check = [&](const LogFilter &f) {
        if (!model.setFilter(f) || !scanDone(model))
            return false;
        int highlighted = 0;
        for (int pass = 0; pass < 2; ++pass) {
            for (int row = 0; row < std::min(model.rowCount(), 120); ++row) {
                for (int column = 0; column < LogTableModel::ColumnCount; ++column) {
                    const QModelIndex index = model.index(row, column);
                    const auto shown = index.data(LogTableModel::MatchRangesRole).value<MatchRanges>();
                    const MatchRanges want = searchable.contains(column)
                        ? expected(f, index.data(Qt::DisplayRole).toString())
                        : MatchRanges();
                    if (shown != want) {
                        const auto text = [](const MatchRanges &ranges) {
                            QStringList out;
                            for (const MatchRange &r : ranges)
                                out.append(QStringLiteral("%1+%2").arg(r.start).arg(r.length));
                            return out.join(u' ');
                        };
                        qWarning("row %d (seq %llu) column %d: shown [%s], matches [%s]", row,
                                 static_cast<unsigned long long>(model.seqAt(row)), column, qPrintable(text(shown)),
                                 qPrintable(text(want)));
                        return false;
                    }
                    highlighted += shown.isEmpty() ? 0 : 1;
                }
            }
        }
        return highlighted > 0;
    };
    LogFilter payment;
    payment.pattern = QStringLiteral("pay(ment)?s?");
    payment.patternCase = Qt::CaseInsensitive;
    LogFilter service; // every line: the payment lines above, with other matches
    service.pattern = QStringLiteral("-serv|/\\d+$");
    QVERIFY(check(payment));
    QVERIFY(check(service));
    QVERIFY(check(payment));
    QVERIFY(check(textFilter(QStringLiteral("PAY"))));
    LogFilter both = textFilter(QStringLiteral("api"));
    both.pattern = QStringLiteral("\\d{2}");
    QVERIFY(check(both));
    QVERIFY(check(service));
}

void TestLogTableModel::rowForSeq()
{
    LogStore store;
    LogTableModel model(&store);
    store.append(lines(1, 100));
    model.refresh();
    QCOMPARE(model.rowForSeq(42), 42);
    QCOMPARE(model.rowForSeq(1000), 100);
    QVERIFY(model.setFilter(textFilter(QStringLiteral("payment")))); // seqs 2, 7, 12, ...
    QVERIFY(scanDone(model));
    QCOMPARE(model.seqAt(0), quint64(2));
    QCOMPARE(model.rowForSeq(7), 1);
    QCOMPARE(model.rowForSeq(8), 2);
    QCOMPARE(model.rowForSeq(1000), model.rowCount());
}

// 200,000 lines arriving in 50 ms frames of 1,000 (20,000 lines/s for 10 s) with a text filter:
// the model's share of the work (filtering only the new lines, inserting one batch per frame).
void TestLogTableModel::manyLinesWithFilterAreFast()
{
    constexpr int kFrames = 200;
    constexpr int kPerFrame = 1000;
    LogStore store;
    LogTableModel model(&store);
    QVERIFY(model.setFilter(textFilter(QStringLiteral("upstream error"))));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    qint64 appendNs = 0;
    qint64 refreshNs = 0;
    for (int frame = 0; frame < kFrames; ++frame) {
        const QList<LogLine> batch = lines(quint64(frame) * kPerFrame + 1, kPerFrame);
        const qint64 t0 = threadCpuNs();
        store.append(batch);
        const qint64 t1 = threadCpuNs();
        model.refresh();
        appendNs += t1 - t0;
        refreshNs += threadCpuNs() - t1;
    }
    QCOMPARE(model.rowCount(), kFrames * kPerFrame / 20);
    QCOMPARE(inserted.size(), kFrames);
    const qint64 t0 = threadCpuNs();
    QVERIFY(model.setFilter(textFilter(QStringLiteral("/api/media/9"))));
    const qint64 rescanNs = threadCpuNs() - t0;
    QVERIFY(scanDone(model));
    qInfo("200,000 lines (CPU time): store append %.1f ms, model refresh %.1f ms (filtered, %d frames), setFilter (the scan runs on the pool) %.1f ms;"
          " store %.1f MB",
          double(appendNs) / 1e6, double(refreshNs) / 1e6, kFrames, double(rescanNs) / 1e6,
          double(store.bytesUsed()) / 1048576.0);
    QVERIFY2(refreshNs < 1'000'000'000LL, "the model must keep up with 20,000 lines/s");
    QVERIFY(store.bytesUsed() <= store.byteBudget());
}

// setFilter() returns before the scan has found anything: the rows arrive in batches through the
// event loop, with progress, and end up as the synchronous filter's.
void TestLogTableModel::filterScansInTheBackground()
{
    LogStore store(std::size_t(128) * 1024 * 1024);
    store.append(lines(1, 100000));
    LogTableModel model(&store);
    model.setScanInsertInterval(std::chrono::milliseconds(0)); // every batch as it comes
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.refresh();
    LogFilter regex;
    regex.pattern = QStringLiteral("/api/(media|payments)/9\\d+ (200|404)");
    const auto expected = store.filter(regex).matches;
    QVERIFY(expected.size() > 10);

    QSignalSpy scanning(&model, &LogTableModel::scanningChanged);
    QSignalSpy progress(&model, &LogTableModel::scanProgressChanged);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QVERIFY(model.setFilter(regex));
    // Nothing yet: the scan is on another thread, its results come through the event loop.
    QVERIFY(model.isScanning());
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(scanning.size(), 1);
    QCOMPARE(scanning.first().first().toBool(), true);
    QCOMPARE(model.scanProgress(), 0.0);

    QVERIFY(scanDone(model));
    QCOMPARE(rowsOf(model), expected);
    QCOMPARE(scanning.size(), 2);
    QCOMPARE(scanning.last().first().toBool(), false);
    QCOMPARE(model.scanProgress(), 1.0);
    // In batches, as the scan went (100,000 entries, a batch about every LogScan::kBatch).
    QVERIFY2(inserted.size() >= 3, qPrintable(QString::number(inserted.size())));
    QVERIFY(progress.size() >= 5);
    double last = -1;
    for (const auto &args : std::as_const(progress)) {
        QVERIFY(args.first().toDouble() >= last);
        last = args.first().toDouble();
    }
    QCOMPARE(last, 1.0);
}

void TestLogTableModel::scanEqualsSynchronousFilter()
{
    QFETCH(LogFilter, filter);
    LogStore store;
    quint64 next = 1;
    for (int i = 0; i < 6; ++i) {
        store.append(lines(next, 7000));
        next += 7000;
        QVERIFY(store.appendGap(LogGap {LogId {next}, LogId {next + 9}}));
        next += 10;
    }
    LogTableModel model(&store);
    model.setScanInsertInterval(std::chrono::milliseconds(0)); // every batch as it comes
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.refresh();
    QVERIFY(model.setFilter(filter));
    QVERIFY(scanDone(model));
    QCOMPARE(rowsOf(model), store.filter(filter).matches);
}

// A newer filter set while a scan is delivering: the old scan's rows never show up again.
void TestLogTableModel::newerFilterCancelsScan()
{
    LogStore store(std::size_t(128) * 1024 * 1024);
    store.append(lines(1, 100000));
    LogTableModel model(&store);
    model.setScanInsertInterval(std::chrono::milliseconds(0)); // every batch as it comes
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.refresh();
    const LogFilter first = textFilter(QStringLiteral("payment"));
    const LogFilter second = textFilter(QStringLiteral("upstream error"));
    const auto expected = store.filter(second).matches;
    const std::set<quint64> allowed(expected.begin(), expected.end());

    bool switched = false;
    std::vector<quint64> insertedAfterSwitch;
    connect(&model, &QAbstractItemModel::rowsInserted, this, [&](const QModelIndex &, int from, int to) {
        if (!switched) {
            // The first filter's first batch: switch now, with its other batches still to come.
            QVERIFY(model.isScanning());
            QVERIFY(model.scanProgress() < 1.0);
            switched = true;
            QVERIFY(model.setFilter(second));
            return;
        }
        for (int row = from; row <= to; ++row)
            insertedAfterSwitch.push_back(model.seqAt(row));
    });
    QVERIFY(model.setFilter(first));
    QTRY_VERIFY(switched);
    QVERIFY(scanDone(model));
    // Let any worker of the first scan finish and its posts arrive: they must change nothing.
    QTRY_COMPARE(LogScan::pool()->activeThreadCount(), 0);
    QCoreApplication::processEvents();
    QCOMPARE(rowsOf(model), expected);
    for (quint64 seq : insertedAfterSwitch)
        QVERIFY2(allowed.count(seq), qPrintable(QString::number(seq)));
    QCOMPARE(model.filter(), second);
}

void TestLogTableModel::clearingFilterCancelsScan()
{
    LogStore store(std::size_t(128) * 1024 * 1024);
    store.append(lines(1, 60000));
    LogTableModel model(&store);
    model.setScanInsertInterval(std::chrono::milliseconds(0)); // every batch as it comes
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.refresh();
    QSignalSpy scanning(&model, &LogTableModel::scanningChanged);
    QVERIFY(model.setFilter(textFilter(QStringLiteral("payment"))));
    QVERIFY(model.isScanning());
    // No criteria: every entry at once, no scan.
    QVERIFY(model.setFilter(LogFilter()));
    QVERIFY(!model.isScanning());
    QCOMPARE(scanning.size(), 2);
    QCOMPARE(model.rowCount(), 60000);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QTRY_COMPARE(LogScan::pool()->activeThreadCount(), 0);
    QCoreApplication::processEvents();
    QCOMPARE(inserted.size(), 0);
    QCOMPARE(model.rowCount(), 60000);
}

// Lines appended (and refreshed) while the scan runs join at the end, once each; the scan's
// batches go in above them.
void TestLogTableModel::linesArrivingDuringScan()
{
    LogStore store(std::size_t(128) * 1024 * 1024);
    store.append(lines(1, 80000));
    LogTableModel model(&store);
    model.setScanInsertInterval(std::chrono::milliseconds(0)); // every batch as it comes
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.refresh();
    const LogFilter filter = textFilter(QStringLiteral("payments/9"));
    QVERIFY(model.setFilter(filter));
    // Before the first batch...
    store.append(lines(80001, 3000));
    model.refresh();
    const int early = model.rowCount();
    QVERIFY(early > 0);
    QVERIFY(model.seqAt(0) >= 80000); // only new lines so far
    // ...and between batches.
    int appends = 0;
    quint64 next = 83001;
    connect(&model, &LogTableModel::scanProgressChanged, this, [&] {
        if (!model.isScanning() || appends == 2)
            return;
        ++appends;
        store.append(lines(next, 2000));
        next += 2000;
        model.refresh();
    });
    QVERIFY(scanDone(model));
    QCOMPARE(appends, 2); // both made it in before the scan ended
    const auto rows = rowsOf(model);
    QVERIFY(std::adjacent_find(rows.begin(), rows.end(), std::greater_equal<quint64>()) == rows.end());
    QCOMPARE(rows, store.filter(filter).matches);
    store.append(lines(next, 1000));
    model.refresh();
    QCOMPARE(rowsOf(model), store.filter(filter).matches);
}

// The store evicts entries the scan has not delivered yet: they never become rows; the snapshot
// keeps the chunks alive, so nothing reads freed memory (ASan in CI).
void TestLogTableModel::evictionDuringScan()
{
    LogStore store(std::size_t(8) * 1024 * 1024);
    quint64 next = 1;
    while (store.evictedEntries() == 0) {
        store.append(lines(next, 5000));
        next += 5000;
    }
    LogTableModel model(&store);
    model.setScanInsertInterval(std::chrono::milliseconds(0)); // every batch as it comes
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.refresh();
    QVERIFY(model.rowCount() > 3 * int(LogScan::kBatch));
    const LogFilter filter = textFilter(QStringLiteral("upstream error"));
    QVERIFY(model.setFilter(filter));
    const quint64 scanFirst = store.firstSeq();
    bool evicted = false;
    connect(&model, &LogTableModel::scanProgressChanged, this, [&] {
        if (evicted || !model.isScanning())
            return;
        evicted = true;
        // Most of what the scan has still to deliver goes.
        const quint64 target = scanFirst + 2 * LogScan::kBatch;
        while (store.firstSeq() < target) {
            store.append(lines(next, 1000));
            next += 1000;
        }
        model.refresh();
    });
    QVERIFY(scanDone(model));
    QVERIFY(evicted);
    QVERIFY(store.firstSeq() > scanFirst + LogScan::kBatch);
    QCOMPARE(rowsOf(model), store.filter(filter).matches);
    for (int row = 0; row < model.rowCount(); ++row)
        QVERIFY(model.index(row, LogTableModel::MessageColumn).data().toString().endsWith(QStringLiteral("(upstream error)")));
}

// cancel() before the worker gets its thread: it scans nothing, and nothing is delivered.
void TestLogTableModel::cancelledScanStopsItsWorker()
{
    LogStore store(std::size_t(128) * 1024 * 1024);
    store.append(lines(1, 50000));
    QThreadPool *pool = LogScan::pool();
    // Hold every thread of the pool so the scan waits in its queue.
    QSemaphore release;
    const int threads = pool->maxThreadCount();
    for (int i = 0; i < threads; ++i)
        pool->start([&release] { release.acquire(); });
    LogScan scan(store.snapshot(), textFilter(QStringLiteral("payment")), store.firstSeq(), store.endSeq());
    QSignalSpy batches(&scan, &LogScan::batchReady);
    QSignalSpy finished(&scan, &LogScan::finished);
    scan.start();
    scan.cancel();
    release.release(threads);
    QTRY_VERIFY(scan.isWorkerDone());
    QCOMPARE(scan.workerScanned(), quint64(0));
    QCoreApplication::processEvents();
    QCOMPARE(batches.size(), 0);
    QCOMPARE(finished.size(), 0);

    // Uncancelled, the same scan delivers every match and says so once.
    LogScan whole(store.snapshot(), textFilter(QStringLiteral("payment")), store.firstSeq(), store.endSeq());
    QSignalSpy wholeBatches(&whole, &LogScan::batchReady);
    QSignalSpy wholeFinished(&whole, &LogScan::finished);
    whole.start();
    QVERIFY(wholeFinished.wait(20000));
    std::vector<quint64> all;
    for (const auto &args : std::as_const(wholeBatches)) {
        const auto part = args.first().value<std::vector<quint64>>();
        all.insert(all.end(), part.begin(), part.end());
    }
    QCOMPARE(all, store.filter(textFilter(QStringLiteral("payment"))).matches);
    QCOMPARE(whole.workerScanned(), quint64(50000));
    QCOMPARE(wholeFinished.size(), 1);
}

// However fast the batches come, a view gets at most one insert per interval: with an interval
// longer than the scan, the first batch and the rest at the end.
void TestLogTableModel::scanInsertsAreCoalesced()
{
    LogStore store(std::size_t(128) * 1024 * 1024);
    store.append(lines(1, 100000));
    LogTableModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.refresh();
    model.setScanInsertInterval(std::chrono::hours(1));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    const LogFilter filter = textFilter(QStringLiteral("payment"));
    QVERIFY(model.setFilter(filter));
    QVERIFY(scanDone(model));
    QCOMPARE(inserted.size(), 2);
    QCOMPARE(rowsOf(model), store.filter(filter).matches);
}

QTEST_GUILESS_MAIN(TestLogTableModel)
#include "tst_logtablemodel.moc"
