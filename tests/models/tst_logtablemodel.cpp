#include "models/logstore.h"
#include "models/logtablemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

#include <ctime>

using namespace cutover;

Q_DECLARE_METATYPE(cutover::LogFilter)

namespace {

const char *const kServices[] = {"user-service", "post-service", "media-service", "payment-service",
                                 "notification-service"};

// Lines shaped like cutover-sim's, deterministic per id: every 20th a 502 (error), every 15th a
// 404 (warn), request ids shared by runs of three lines.
LogLine simLine(quint64 id)
{
    const auto k = std::size_t(id % 5);
    LogLine l;
    l.id = LogId {id};
    l.time = LogTime(std::chrono::milliseconds(1'795'000'000'000LL + qint64(id) * 5));
    l.status = id % 20 == 0 ? 502 : id % 15 == 0 ? 404 : 200;
    l.level = l.status >= 500 ? LogLevel::Error : l.status >= 400 ? LogLevel::Warn : LogLevel::Info;
    l.service = QString::fromLatin1(kServices[k]);
    l.backend = id % 2 ? QStringLiteral("microservice") : QStringLiteral("monolith");
    l.upstream = l.backend == QLatin1String("monolith") ? QStringLiteral("monolith") : l.service;
    l.route = l.service.section(u'-', 0, 0);
    l.method = k == 3 ? QStringLiteral("POST") : QStringLiteral("GET");
    l.path = QStringLiteral("/api/") + l.route + u'/' + QString::number(id % 997);
    l.latency = Milliseconds(double(id % 5000) / 10.0);
    l.requestId = QStringLiteral("req-%1").arg(id / 3, 16, 16, QLatin1Char('0'));
    l.userId = QStringLiteral("u-%1").arg(id % 5000, 5, 10, QLatin1Char('0'));
    l.message = l.method + u' ' + l.path + u' ' + QString::number(l.status)
        + (l.status >= 500 ? QStringLiteral(" (upstream error)") : QString());
    return l;
}

// CPU time of this thread: timings that a busy build machine does not distort.
qint64 threadCpuNs()
{
    timespec t {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return qint64(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

QList<LogLine> lines(quint64 from, quint64 count)
{
    QList<LogLine> out;
    out.reserve(qsizetype(count));
    for (quint64 id = from; id < from + count; ++id)
        out.append(simLine(id));
    return out;
}

std::vector<quint64> rowsOf(const LogTableModel &model)
{
    std::vector<quint64> out;
    for (int row = 0; row < model.rowCount(); ++row)
        out.push_back(model.seqAt(row));
    return out;
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
    request.requestId = QStringLiteral("req-%1").arg(40, 16, 16, QLatin1Char('0'));
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
    void rowForSeq();
    void manyLinesWithFilterAreFast();
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
    l.time = LogTime(std::chrono::milliseconds(1'795'000'000'123LL)); // 2026-11-18T11:06:40.123Z
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
    QCOMPARE(cell(LogTableModel::PathColumn).toString(), QStringLiteral("/api/user/40"));
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
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(ranges(LogTableModel::MessageColumn), (MatchRanges {{0, 7}, {14, 7}}));
    QVERIFY(ranges(LogTableModel::PathColumn).isEmpty());
    QVERIFY(ranges(LogTableModel::TimeColumn).isEmpty());

    LogFilter regex;
    regex.pattern = QStringLiteral("out|/\\d+$");
    QVERIFY(model.setFilter(regex));
    QCOMPARE(ranges(LogTableModel::MessageColumn), (MatchRanges {{4, 3}, {18, 3}}));
    QCOMPARE(ranges(LogTableModel::PathColumn), (MatchRanges {{10, 2}}));
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
    qInfo("200,000 lines (CPU time): store append %.1f ms, model refresh %.1f ms (filtered, %d frames), full rescan %.1f ms;"
          " store %.1f MB",
          double(appendNs) / 1e6, double(refreshNs) / 1e6, kFrames, double(rescanNs) / 1e6,
          double(store.bytesUsed()) / 1048576.0);
    QVERIFY2(refreshNs < 1'000'000'000LL, "the model must keep up with 20,000 lines/s");
    QVERIFY(store.bytesUsed() <= store.byteBudget());
}

QTEST_GUILESS_MAIN(TestLogTableModel)
#include "tst_logtablemodel.moc"
