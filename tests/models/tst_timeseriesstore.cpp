#include "models/timeseriesstore.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <limits>

using namespace cutover;
using namespace std::chrono_literals;

namespace {

constexpr double notANumber = std::numeric_limits<double>::quiet_NaN();

WallTime at(std::chrono::milliseconds sinceEpoch)
{
    return WallTime(sinceEpoch);
}

WallTime atMs(double ms)
{
    return WallTime(std::chrono::milliseconds(qint64(ms)));
}

QList<double> timesOf(std::span<const TimeSeriesPoint> points)
{
    QList<double> out;
    for (const TimeSeriesPoint &p : points)
        out.append(double(p.time.time_since_epoch().count()));
    return out;
}

bool sortedByTime(std::span<const TimeSeriesPoint> points)
{
    return std::adjacent_find(points.begin(), points.end(), [](const TimeSeriesPoint &a, const TimeSeriesPoint &b) {
               return a.time >= b.time;
           }) == points.end();
}

// A deterministic, platform-independent sequence of values in [0, 1000).
class Lcg
{
public:
    explicit Lcg(quint64 seed) : m_state(seed) {}
    double next()
    {
        m_state = m_state * 6364136223846793005ULL + 1442695040888963407ULL;
        return double(m_state >> 33) / double(1ULL << 31) * 1000.0;
    }

private:
    quint64 m_state;
};

} // namespace

class TestTimeSeriesStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void createsEachSeriesOnce();
    void boundedByCapacity_data();
    void boundedByCapacity();
    void boundedByWindow_data();
    void boundedByWindow();
    void expireAgesOutIdleSeries();
    void staysSorted_data();
    void staysSorted();
    void keepsNaN();
    void rangeQueries_data();
    void rangeQueries();
    void decimationMatchesBruteForce_data();
    void decimationMatchesBruteForce();
    void decimationGaps_data();
    void decimationGaps();
    void silenceIsNoData_data();
    void silenceIsNoData();
    void decimationEdgeCases();
    void dayAtOneSecondBecomesFewThousandPoints();
    void noAllocationOnceWarm_data();
    void noAllocationOnceWarm();
    void accountsMemory();
};

void TestTimeSeriesStore::createsEachSeriesOnce()
{
    TimeSeriesStore store;
    const TimeSeriesId a = store.series(QStringLiteral("a"));
    const TimeSeriesId b = store.series(QStringLiteral("b"), {10s, 5});
    QVERIFY(a != b);
    QCOMPARE(store.series(QStringLiteral("a")), a);
    QCOMPARE(store.series(QStringLiteral("b"), {1h, 99}), b);
    QCOMPARE(store.limits(b).capacity, 5); // limits of an existing series are kept
    QCOMPARE(store.seriesCount(), 2);
    QCOMPARE(store.key(b), QStringLiteral("b"));
    QCOMPARE(store.find(QStringLiteral("a")), std::optional<TimeSeriesId>(a));
    QVERIFY(!store.find(QStringLiteral("c")));
    // Unknown ids read as empty series.
    const auto unknown = TimeSeriesId(42);
    QCOMPARE(store.size(unknown), 0);
    QVERIFY(store.points(unknown).empty());
    QVERIFY(store.append(unknown, at(1s), 1.0) == TimeSeriesStore::AppendResult::Dropped);
}

void TestTimeSeriesStore::boundedByCapacity_data()
{
    QTest::addColumn<int>("capacity");
    QTest::addColumn<int>("appends");
    QTest::addColumn<int>("expectedSize");
    QTest::newRow("under capacity") << 10 << 7 << 7;
    QTest::newRow("exactly full") << 10 << 10 << 10;
    QTest::newRow("wrapped once") << 5 << 12 << 5;
    QTest::newRow("wrapped many times") << 100 << 10'000 << 100;
    QTest::newRow("capacity 1") << 1 << 50 << 1;
    QTest::newRow("capacity 0 is 1") << 0 << 3 << 1;
}

void TestTimeSeriesStore::boundedByCapacity()
{
    QFETCH(int, capacity);
    QFETCH(int, appends);
    QFETCH(int, expectedSize);
    TimeSeriesStore store({0ms, capacity});
    const TimeSeriesId id = store.series(QStringLiteral("s"));
    for (int i = 0; i < appends; ++i)
        QVERIFY(store.append(id, at(i * 1s), i) == TimeSeriesStore::AppendResult::Appended);
    QCOMPARE(store.size(id), expectedSize);
    const std::span<const TimeSeriesPoint> points = store.points(id);
    QVERIFY(sortedByTime(points));
    // The newest survive, the oldest were dropped.
    QCOMPARE(points.back().value, double(appends - 1));
    QCOMPARE(points.front().value, double(appends - expectedSize));
}

void TestTimeSeriesStore::boundedByWindow_data()
{
    QTest::addColumn<int>("windowMs");
    QTest::addColumn<int>("stepMs");
    QTest::addColumn<int>("appends");
    QTest::addColumn<double>("expectedFirstMs");
    // Points at 0, step, ..., (appends - 1) * step; kept: time >= newest - window.
    QTest::newRow("boundary point is kept") << 10'000 << 1'000 << 30 << 19'000.0;
    QTest::newRow("window between points") << 10'500 << 1'000 << 30 << 19'000.0;
    QTest::newRow("window wider than the data") << 60'000 << 1'000 << 30 << 0.0;
    QTest::newRow("no time bound") << 0 << 1'000 << 30 << 0.0;
    QTest::newRow("sparse points") << 10'000 << 7'000 << 10 << 56'000.0;
}

void TestTimeSeriesStore::boundedByWindow()
{
    QFETCH(int, windowMs);
    QFETCH(int, stepMs);
    QFETCH(int, appends);
    QFETCH(double, expectedFirstMs);
    TimeSeriesStore store({std::chrono::milliseconds(windowMs), 1'000});
    const TimeSeriesId id = store.series(QStringLiteral("s"));
    for (int i = 0; i < appends; ++i)
        store.append(id, at(std::chrono::milliseconds(i * stepMs)), i);
    const std::span<const TimeSeriesPoint> points = store.points(id);
    QCOMPARE(double(points.front().time.time_since_epoch().count()), expectedFirstMs);
    QCOMPARE(double(points.back().time.time_since_epoch().count()), double((appends - 1) * stepMs));
    QVERIFY(sortedByTime(points));
}

void TestTimeSeriesStore::expireAgesOutIdleSeries()
{
    TimeSeriesStore store({60s, 1'000});
    const TimeSeriesId live = store.series(QStringLiteral("live"));
    const TimeSeriesId idle = store.series(QStringLiteral("idle"));
    const TimeSeriesId unbounded = store.series(QStringLiteral("unbounded"), {0ms, 1'000});
    for (int i = 0; i < 30; ++i) {
        store.append(live, at(i * 1s), i);
        store.append(idle, at(i * 1s), i);
        store.append(unbounded, at(i * 1s), i);
    }
    store.expire(at(75s)); // cutoff 15 s
    QCOMPARE(store.size(live), 15);
    QCOMPARE(store.points(live).front().time, at(15s));
    store.expire(at(200s));
    QCOMPARE(store.size(idle), 0);
    QCOMPARE(store.size(unbounded), 30);
    QCOMPARE(store.pointCount(), 30);
    // An emptied series takes new points as usual.
    QVERIFY(store.append(idle, at(201s), 1.0) == TimeSeriesStore::AppendResult::Appended);
    QCOMPARE(store.size(idle), 1);
}

void TestTimeSeriesStore::staysSorted_data()
{
    QTest::addColumn<int>("capacity");
    QTest::addColumn<int>("windowMs");
    QTest::addColumn<QList<double>>("times");
    QTest::addColumn<QList<double>>("values");
    QTest::addColumn<QList<int>>("results");
    QTest::addColumn<QList<double>>("expectedTimes");
    QTest::addColumn<QList<double>>("expectedValues");

    using R = TimeSeriesStore::AppendResult;
    QTest::newRow("late sample is inserted in order")
        << 10 << 0 << QList<double> {1000, 3000, 2000} << QList<double> {1, 3, 2}
        << QList<int> {int(R::Appended), int(R::Appended), int(R::Inserted)} << QList<double> {1000, 2000, 3000}
        << QList<double> {1, 2, 3};
    QTest::newRow("repeated timestamp replaces the value")
        << 10 << 0 << QList<double> {1000, 2000, 2000, 1000} << QList<double> {1, 2, 5, 7}
        << QList<int> {int(R::Appended), int(R::Appended), int(R::Replaced), int(R::Replaced)}
        << QList<double> {1000, 2000} << QList<double> {7, 5};
    QTest::newRow("older than the window is dropped")
        << 10 << 5000 << QList<double> {10000, 20000, 14000, 16000} << QList<double> {1, 2, 3, 4}
        << QList<int> {int(R::Appended), int(R::Appended), int(R::Dropped), int(R::Inserted)}
        << QList<double> {16000, 20000} << QList<double> {4, 2};
    QTest::newRow("older than a full buffer keeps is dropped")
        << 2 << 0 << QList<double> {1000, 2000, 3000, 500} << QList<double> {1, 2, 3, 4}
        << QList<int> {int(R::Appended), int(R::Appended), int(R::Appended), int(R::Dropped)}
        << QList<double> {2000, 3000} << QList<double> {2, 3};
    QTest::newRow("insert into a full buffer drops the oldest")
        << 3 << 0 << QList<double> {1000, 2000, 4000, 3000} << QList<double> {1, 2, 4, 3}
        << QList<int> {int(R::Appended), int(R::Appended), int(R::Appended), int(R::Inserted)}
        << QList<double> {2000, 3000, 4000} << QList<double> {2, 3, 4};
    QTest::newRow("insert at the front")
        << 10 << 0 << QList<double> {5000, 6000, 1000} << QList<double> {5, 6, 1}
        << QList<int> {int(R::Appended), int(R::Appended), int(R::Inserted)} << QList<double> {1000, 5000, 6000}
        << QList<double> {1, 5, 6};
}

void TestTimeSeriesStore::staysSorted()
{
    QFETCH(int, capacity);
    QFETCH(int, windowMs);
    QFETCH(QList<double>, times);
    QFETCH(QList<double>, values);
    QFETCH(QList<int>, results);
    QFETCH(QList<double>, expectedTimes);
    QFETCH(QList<double>, expectedValues);
    TimeSeriesStore store({std::chrono::milliseconds(windowMs), capacity});
    const TimeSeriesId id = store.series(QStringLiteral("s"));
    for (qsizetype i = 0; i < times.size(); ++i)
        QCOMPARE(int(store.append(id, atMs(times[i]), values[i])), results[i]);
    const std::span<const TimeSeriesPoint> points = store.points(id);
    QCOMPARE(timesOf(points), expectedTimes);
    QList<double> actualValues;
    for (const TimeSeriesPoint &p : points)
        actualValues.append(p.value);
    QCOMPARE(actualValues, expectedValues);
}

void TestTimeSeriesStore::keepsNaN()
{
    TimeSeriesStore store;
    const TimeSeriesId id = store.series(QStringLiteral("s"));
    store.append(id, at(1s), 1.0);
    store.append(id, at(2s), notANumber);
    store.append(id, at(3s), 3.0);
    QCOMPARE(store.size(id), 3);
    QVERIFY(std::isnan(store.points(id)[1].value));
    QCOMPARE(store.latest(id)->value, 3.0);
}

void TestTimeSeriesStore::rangeQueries_data()
{
    QTest::addColumn<double>("fromMs");
    QTest::addColumn<double>("toMs");
    QTest::addColumn<QList<double>>("expectedTimes");
    // Points at 0, 1000, ..., 9000.
    QTest::newRow("everything") << -1000.0 << 20000.0 << QList<double> {0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000};
    QTest::newRow("bounds are inclusive") << 2000.0 << 5000.0 << QList<double> {2000, 3000, 4000, 5000};
    QTest::newRow("bounds between points") << 2500.0 << 4500.0 << QList<double> {3000, 4000};
    QTest::newRow("one point") << 3000.0 << 3000.0 << QList<double> {3000};
    QTest::newRow("before all") << -5000.0 << -1.0 << QList<double> {};
    QTest::newRow("after all") << 9001.0 << 10000.0 << QList<double> {};
    QTest::newRow("reversed") << 5000.0 << 2000.0 << QList<double> {};
}

void TestTimeSeriesStore::rangeQueries()
{
    QFETCH(double, fromMs);
    QFETCH(double, toMs);
    QFETCH(QList<double>, expectedTimes);
    TimeSeriesStore store({0ms, 5});
    const TimeSeriesId id = store.series(QStringLiteral("s"), {0ms, 100});
    for (int i = 0; i < 10; ++i)
        store.append(id, at(i * 1s), i);
    QCOMPARE(timesOf(store.range(id, atMs(fromMs), atMs(toMs))), expectedTimes);
}

void TestTimeSeriesStore::decimationMatchesBruteForce_data()
{
    QTest::addColumn<int>("pointCount");
    QTest::addColumn<int>("columns");
    QTest::addColumn<int>("nanEvery"); // 0: no NaN
    QTest::addColumn<int>("stepMs");
    QTest::addColumn<int>("levels");   // 0: continuous values, else integers 0..levels-1 (many ties)
    QTest::addColumn<QString>("history");
    QTest::newRow("many points per column") << 5'000 << 37 << 0 << 1'000 << 0 << QStringLiteral("appends");
    QTest::newRow("one column") << 500 << 1 << 0 << 1'000 << 0 << QStringLiteral("appends");
    QTest::newRow("about one point per column") << 300 << 300 << 0 << 1'000 << 0 << QStringLiteral("appends");
    QTest::newRow("more columns than points") << 50 << 1'600 << 0 << 1'000 << 0 << QStringLiteral("appends");
    QTest::newRow("irregular spacing") << 3'000 << 101 << 0 << 333 << 0 << QStringLiteral("appends");
    QTest::newRow("with NaN gaps") << 5'000 << 64 << 7 << 1'000 << 0 << QStringLiteral("appends");
    QTest::newRow("ties keep the earliest") << 5'000 << 50 << 0 << 1'000 << 3 << QStringLiteral("appends");
    QTest::newRow("after eviction and compaction") << 4'000 << 45 << 0 << 1'000 << 0 << QStringLiteral("wrapped");
    QTest::newRow("after late inserts") << 3'000 << 45 << 0 << 1'000 << 0 << QStringLiteral("late");
    QTest::newRow("after replaces") << 3'000 << 45 << 0 << 1'000 << 0 << QStringLiteral("replaced");
    QTest::newRow("NaN replaced by values") << 3'000 << 45 << 5 << 1'000 << 0 << QStringLiteral("replaced");
    // Rare NaNs land in the middle of wide columns, where only block summaries are read.
    QTest::newRow("rare NaN inside wide columns") << 5'000 << 20 << 97 << 1'000 << 0 << QStringLiteral("appends");
}

void TestTimeSeriesStore::decimationMatchesBruteForce()
{
    QFETCH(int, pointCount);
    QFETCH(int, columns);
    QFETCH(int, nanEvery);
    QFETCH(int, stepMs);
    QFETCH(int, levels);
    QFETCH(QString, history);
    TimeSeriesStore store({0ms, pointCount});
    const TimeSeriesId id = store.series(QStringLiteral("s"));
    Lcg random(quint64(pointCount) * 31 + quint64(columns));
    const qint64 start = 1'700'000'000'000;
    const auto value = [&](int i) {
        if (nanEvery > 0 && i % nanEvery == 3)
            return notANumber;
        const double v = random.next();
        return levels > 0 ? std::floor(v / 1000.0 * levels) : v;
    };
    const auto time = [&](int i) { return atMs(double(start + qint64(i) * stepMs)); };
    if (history == QLatin1String("wrapped")) {
        // Three times the capacity: the oldest are dropped and the buffer compacted repeatedly.
        for (int i = -2 * pointCount; i < pointCount; ++i)
            store.append(id, time(i), value(i));
    } else if (history == QLatin1String("late")) {
        // Even points first, then the odd ones late and backwards.
        for (int i = 0; i < pointCount; i += 2)
            store.append(id, time(i), value(i));
        for (int i = pointCount - 3 + pointCount % 2; i > 0; i -= 2)
            QVERIFY(store.append(id, time(i), value(i)) == TimeSeriesStore::AppendResult::Inserted);
        if (pointCount % 2 == 0)
            store.append(id, time(pointCount - 1), value(pointCount - 1));
    } else if (history == QLatin1String("replaced")) {
        // Then, newest first, the values that were NaN (if any) and every 10th one replaced.
        for (int i = 0; i < pointCount; ++i)
            store.append(id, time(i), value(i));
        const int every = nanEvery;
        nanEvery = 0;
        for (int i = pointCount - 1; i >= 0; --i) {
            if (i % 10 == 0 || (every > 0 && i % every == 3))
                QVERIFY(store.append(id, time(i), value(i)) == TimeSeriesStore::AppendResult::Replaced);
        }
    } else {
        for (int i = 0; i < pointCount; ++i)
            store.append(id, time(i), value(i));
    }
    QCOMPARE(store.size(id), pointCount);
    // Show a range that starts and ends inside the data.
    const qint64 from = start + qint64(pointCount / 10) * stepMs + 1;
    const qint64 to = start + qint64(pointCount - pointCount / 10) * stepMs;
    const DecimatedSeries d = store.decimate(id, atMs(double(from)), atMs(double(to)), columns);

    // Brute force: every finite point in range, by column floor((t - from) * columns / width).
    const qint64 width = to - from + 1;
    std::vector<DecimatedColumn> expected;
    for (const TimeSeriesPoint &p : store.range(id, atMs(double(from)), atMs(double(to)))) {
        if (!std::isfinite(p.value))
            continue;
        const int column = int((p.time.time_since_epoch().count() - from) * columns / width);
        if (expected.empty() || expected.back().column != column)
            expected.push_back({column, 0, p, p, p, p, false});
        DecimatedColumn &c = expected.back();
        ++c.count;
        if (p.value < c.min.value)
            c.min = p;
        if (p.value > c.max.value)
            c.max = p;
        c.last = p;
    }
    QCOMPARE(d.columns.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const DecimatedColumn &a = d.columns[i];
        const DecimatedColumn &e = expected[i];
        QCOMPARE(a.column, e.column);
        QCOMPARE(a.count, e.count);
        QCOMPARE(a.first.time, e.first.time);
        QCOMPARE(a.last.time, e.last.time);
        QCOMPARE(a.min.value, e.min.value);
        QCOMPARE(a.max.value, e.max.value);
        QCOMPARE(a.min.time, e.min.time); // the earliest of equal extremes
        QCOMPARE(a.max.time, e.max.time);
    }
    // The same through the plain span function (no summaries).
    DecimatedSeries plain;
    decimatePoints(store.points(id), atMs(double(from)), atMs(double(to)), columns, plain);
    QCOMPARE(plain.points, d.points);
    QCOMPARE(plain.segmentStarts, d.segmentStarts);

    QVERIFY(d.points.size() <= 4 * qsizetype(columns));
    QVERIFY(d.points.size() <= 4 * qsizetype(d.columns.size()));
    for (qsizetype i = 1; i < d.points.size(); ++i)
        QVERIFY(d.points[i - 1].x() < d.points[i].x());
    for (const QPointF &p : d.points)
        QVERIFY(std::isfinite(p.y()));
}

void TestTimeSeriesStore::decimationGaps_data()
{
    QTest::addColumn<int>("columns");
    QTest::addColumn<QList<int>>("nanIndexes");
    QTest::addColumn<QList<qsizetype>>("expectedSegmentStarts");
    QTest::addColumn<int>("expectedPoints");
    // Ten points at 0 s .. 9 s, shown over [0, 10 s).
    QTest::newRow("no gap") << 10 << QList<int> {} << QList<qsizetype> {} << 10;
    QTest::newRow("one missing point") << 10 << QList<int> {4} << QList<qsizetype> {4} << 9;
    QTest::newRow("gap at a column start") << 5 << QList<int> {4} << QList<qsizetype> {4} << 9;
    QTest::newRow("gap at a column end") << 5 << QList<int> {5} << QList<qsizetype> {5} << 9;
    QTest::newRow("gap inside a column is sub-pixel") << 2 << QList<int> {2} << QList<qsizetype> {} << 6;
    QTest::newRow("two gaps") << 10 << QList<int> {2, 3, 7} << QList<qsizetype> {2, 5} << 7;
    QTest::newRow("leading NaN is no gap") << 10 << QList<int> {0, 1} << QList<qsizetype> {} << 8;
    QTest::newRow("trailing NaN is no gap") << 10 << QList<int> {9} << QList<qsizetype> {} << 9;
    QTest::newRow("all NaN") << 10 << QList<int> {0, 1, 2, 3, 4, 5, 6, 7, 8, 9} << QList<qsizetype> {} << 0;
}

void TestTimeSeriesStore::decimationGaps()
{
    QFETCH(int, columns);
    QFETCH(QList<int>, nanIndexes);
    QFETCH(QList<qsizetype>, expectedSegmentStarts);
    QFETCH(int, expectedPoints);
    TimeSeriesStore store;
    const TimeSeriesId id = store.series(QStringLiteral("s"));
    for (int i = 0; i < 10; ++i)
        store.append(id, at(i * 1s), nanIndexes.contains(i) ? notANumber : double(i % 3));
    const DecimatedSeries d = store.decimate(id, at(0s), at(9999ms), columns);
    QCOMPARE(d.points.size(), expectedPoints);
    QCOMPARE(d.segmentStarts, expectedSegmentStarts);
    // A series whose newest sample has no value has no current value either (a legend says "—").
    QCOMPARE(d.endsInGap, nanIndexes.contains(9));
}

void TestTimeSeriesStore::silenceIsNoData_data()
{
    QTest::addColumn<QList<int>>("seconds"); // sample times
    QTest::addColumn<QList<int>>("expectedNoData"); // pairs: from, to (s)
    QList<int> hang;
    for (int s = 0; s < 10; ++s)
        hang << s;
    for (int s = 65; s < 75; ++s)
        hang << s;
    QTest::newRow("a 55 s hang in 1 s scrapes") << hang << QList<int> {9, 65};
    QTest::newRow("6 s without a 1 s scrape") << QList<int> {0, 1, 2, 8, 9} << QList<int> {2, 8};
    QTest::newRow("4 s late: under the 5 s floor") << QList<int> {0, 1, 2, 6, 7} << QList<int> {};
    QTest::newRow("a sparse series' steady 5 s") << QList<int> {0, 5, 10, 15, 20, 25} << QList<int> {};
    QTest::newRow("20 s after 10 s steps: within 3x its pace") << QList<int> {0, 10, 20, 40, 50} << QList<int> {};
    QTest::newRow("two hangs") << QList<int> {0, 1, 2, 20, 21, 22, 40, 41} << QList<int> {2, 20, 22, 40};
    QTest::newRow("a silence before the second sample has no pace to judge") << QList<int> {0, 30, 31} << QList<int> {};
}

void TestTimeSeriesStore::silenceIsNoData()
{
    // A gateway that hung for 55 s left no samples: the chart must break the line there and say
    // "no data", never draw it straight across as if the numbers had been seen.
    QFETCH(QList<int>, seconds);
    QFETCH(QList<int>, expectedNoData);
    TimeSeriesStore store;
    const TimeSeriesId id = store.series(QStringLiteral("s"));
    for (int s : seconds)
        store.append(id, at(s * 1s), double(s % 7));
    const DecimatedSeries d = store.decimate(id, at(0s), at(seconds.constLast() * 1s), 400);
    QList<int> noData;
    for (const TimeSpan &span : d.noData)
        noData << int(span.from.time_since_epoch().count() / 1000) << int(span.to.time_since_epoch().count() / 1000);
    QCOMPARE(noData, expectedNoData);
    // Each span breaks the line: a segment starts at the first point after it.
    QCOMPARE(d.segmentStarts.size(), d.noData.size());
    for (qsizetype k = 0; k < d.segmentStarts.size(); ++k)
        QCOMPARE(d.points.at(d.segmentStarts.at(k)).x(), double(d.noData.at(k).to.time_since_epoch().count()));
}

void TestTimeSeriesStore::decimationEdgeCases()
{
    TimeSeriesStore store;
    const TimeSeriesId id = store.series(QStringLiteral("s"));
    for (int i = 0; i < 100; ++i)
        store.append(id, at(i * 1s), i % 2 ? 10.0 : -10.0);
    QVERIFY(store.decimate(id, at(0s), at(100s), 0).points.isEmpty());
    QVERIFY(store.decimate(id, at(50s), at(10s), 100).points.isEmpty());
    QVERIFY(store.decimate(TimeSeriesId(9), at(0s), at(100s), 100).points.isEmpty());
    QVERIFY(store.decimate(id, at(200s), at(300s), 100).columns.empty());

    const DecimatedSeries single = store.decimate(id, at(7s), at(7s), 50);
    QCOMPARE(single.points.size(), 1);
    QCOMPARE(single.points.front(), QPointF(7000, 10));

    // One column: first, min, max, last in time order.
    const DecimatedSeries one = store.decimate(id, at(0s), at(99s), 1);
    QCOMPARE(one.points, (QList<QPointF> {{0, -10}, {1000, 10}, {99000, 10}}));

    // A reused output keeps its capacity and is fully replaced.
    DecimatedSeries reused = store.decimate(id, at(0s), at(99s), 40);
    const qsizetype capacity = reused.points.capacity();
    store.decimate(id, at(0s), at(99s), 1, reused);
    QCOMPARE(reused.points.size(), 3);
    QCOMPARE(reused.points.capacity(), capacity);
}

void TestTimeSeriesStore::dayAtOneSecondBecomesFewThousandPoints()
{
    TimeSeriesStore store; // defaults: 24 h, 86,401 points
    const TimeSeriesId id = store.series(QStringLiteral("latency"));
    Lcg random(7);
    const WallTime start = at(1'700'000'000s);
    double lowest = std::numeric_limits<double>::infinity();
    double highest = -lowest;
    for (int i = 0; i < 86'400; ++i) {
        const double v = 100 + 50 * std::sin(i / 3600.0) + random.next() / 20.0;
        lowest = std::min(lowest, v);
        highest = std::max(highest, v);
        store.append(id, start + i * 1s, v);
    }
    QCOMPARE(store.size(id), 86'400);
    const DecimatedSeries d = store.decimate(id, start, start + 86'399s, 1'600);
    QCOMPARE(d.columns.size(), std::size_t(1'600));
    QVERIFY2(d.points.size() <= 4 * 1'600, qPrintable(QString::number(d.points.size())));
    QVERIFY(d.points.size() >= 1'600);
    QVERIFY(d.segmentStarts.isEmpty());
    const auto [minIt, maxIt] = std::minmax_element(d.points.begin(), d.points.end(),
                                                    [](const QPointF &a, const QPointF &b) { return a.y() < b.y(); });
    QCOMPARE(minIt->y(), lowest);
    QCOMPARE(maxIt->y(), highest);
}

void TestTimeSeriesStore::noAllocationOnceWarm_data()
{
    QTest::addColumn<int>("windowMs");
    QTest::addColumn<int>("capacity");
    QTest::newRow("bounded by capacity") << 0 << 1'000;
    QTest::newRow("bounded by window") << 100'000 << 1'000'000;
}

void TestTimeSeriesStore::noAllocationOnceWarm()
{
    QFETCH(int, windowMs);
    QFETCH(int, capacity);
    TimeSeriesStore store({std::chrono::milliseconds(windowMs), capacity});
    const TimeSeriesId id = store.series(QStringLiteral("s"));
    int i = 0;
    for (; i < 10'000; ++i)
        store.append(id, at(i * 1s), i);
    // Buffer capacity is the only per-point memory: if it stays put, nothing was allocated.
    const std::size_t warm = store.memoryBytes();
    const qsizetype size = store.size(id);
    for (; i < 200'000; ++i) {
        store.append(id, at(i * 1s), i);
        if (store.memoryBytes() != warm)
            QFAIL(qPrintable(QStringLiteral("allocated at append %1").arg(i)));
    }
    QCOMPARE(store.size(id), size);
    QVERIFY(sortedByTime(store.points(id)));
    QCOMPARE(store.latest(id)->value, double(i - 1));
}

void TestTimeSeriesStore::accountsMemory()
{
    TimeSeriesStore store;
    const std::size_t empty = store.memoryBytes();
    const TimeSeriesId a = store.series(QStringLiteral("a"));
    const TimeSeriesId b = store.series(QStringLiteral("b"));
    for (int i = 0; i < 5'000; ++i) {
        store.append(a, at(i * 1s), i);
        store.append(b, at(i * 1s), i);
    }
    QCOMPARE(store.pointCount(), 10'000);
    const std::size_t used = store.memoryBytes();
    QVERIFY(used > empty);
    QVERIFY(used >= std::size_t(store.pointCount()) * sizeof(TimeSeriesPoint));
    // Slack is bounded: geometric growth at most doubles the live points.
    QVERIFY(used <= 2 * std::size_t(store.pointCount()) * sizeof(TimeSeriesPoint) + 64 * 1024);
}

QTEST_GUILESS_MAIN(TestTimeSeriesStore)
#include "tst_timeseriesstore.moc"
