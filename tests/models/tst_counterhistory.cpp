// The ring behind MetricsAggregator's history tiers: order, bounds, growth and bucket layouts.
#include "models/counterhistory.h"

#include <QTest>

#include <array>

using namespace cutover;
using namespace std::chrono_literals;

namespace {

const WallTime t0 {std::chrono::milliseconds(1'700'000'000'000)};

CounterRow rowAt(int second)
{
    return CounterRow {t0 + std::chrono::seconds(second), double(second), 0.0, 0.0, 0.0};
}

} // namespace

class TestCounterHistory : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fullHistoryDropsTheOldest();
    void growsToItsMaximumOnly();
    void lookupByTime();
    void newBucketLayoutDropsOlderBuckets();
};

void TestCounterHistory::fullHistoryDropsTheOldest()
{
    CounterHistory h(4, 4, false);
    const std::size_t bytes = h.memoryBytes();
    for (int i = 0; i < 1000; ++i)
        h.push(rowAt(i), {}, {});
    QCOMPARE(h.size(), std::size_t(4));
    QCOMPARE(h.front().time, t0 + 996s);
    QCOMPARE(h.back().time, t0 + 999s);
    QCOMPARE(h.memoryBytes(), bytes); // laid out once
    h.dropBefore(t0 + 998s);
    QCOMPARE(h.size(), std::size_t(2));
    QCOMPARE(h.row(0).total, 998.0);
    h.popFront();
    h.popFront();
    h.popFront(); // on an empty history: nothing
    QVERIFY(h.empty());
}

void TestCounterHistory::growsToItsMaximumOnly()
{
    const double bounds[] = {0.1, 1.0, qInf()};
    CounterHistory h(2, 8, true);
    for (int i = 0; i < 20; ++i) {
        const double counts[] = {double(i), 2.0 * i, 3.0 * i};
        h.push(rowAt(i), bounds, counts);
        QVERIFY(h.capacity() <= 8);
        QVERIFY(h.size() <= 8);
    }
    QCOMPARE(h.capacity(), std::size_t(8));
    QCOMPARE(h.size(), std::size_t(8));
    // Rows and their counts stay together through growth and wrapping.
    for (std::size_t i = 0; i < h.size(); ++i) {
        const double second = double(12 + i);
        QCOMPARE(h.row(i).total, second);
        QCOMPARE(h.counts(i).size(), std::size_t(3));
        QCOMPARE(h.counts(i)[2], 3.0 * second);
    }
    QCOMPARE(h.bounds().size(), std::size_t(3));
}

void TestCounterHistory::lookupByTime()
{
    CounterHistory h(8, 8, false);
    for (int i = 0; i < 12; ++i) // wraps: 4..11 kept, 10 s apart
        h.push(rowAt(10 * i), {}, {});
    QCOMPARE(h.lastAtOrBefore(t0 + 39s), h.size()); // before every row
    QCOMPARE(h.lastAtOrBefore(t0 + 40s), std::size_t(0));
    QCOMPARE(h.lastAtOrBefore(t0 + 75s), std::size_t(3));
    QCOMPARE(h.lastAtOrBefore(t0 + 1h), std::size_t(7));
}

void TestCounterHistory::newBucketLayoutDropsOlderBuckets()
{
    const double before[] = {0.1, qInf()};
    const double after[] = {0.1, 0.5, qInf()};
    CounterHistory h(4, 4, true);
    h.push(rowAt(0), before, std::array {1.0, 2.0});
    h.push(rowAt(1), before, std::array {3.0, 4.0});
    QCOMPARE(h.counts(0)[1], 2.0);
    // The gateway's buckets changed: older counts cannot be compared with the new ones.
    h.push(rowAt(2), after, std::array {1.0, 1.0, 1.0});
    QVERIFY(h.counts(0).empty());
    QVERIFY(h.counts(1).empty());
    QCOMPARE(h.counts(2).size(), std::size_t(3));
    h.push(rowAt(3), after, std::array {2.0, 2.0, 2.0});
    h.push(rowAt(4), after, std::array {3.0, 3.0, 3.0}); // drops row 0
    QVERIFY(h.counts(0).empty()); // the second-oldest, still from before the change
    QCOMPARE(h.counts(1)[0], 1.0);
    QCOMPARE(h.counts(3)[2], 3.0);
    // A history without buckets keeps none.
    CounterHistory plain(2, 2, false);
    plain.push(rowAt(0), before, std::array {1.0, 2.0});
    QVERIFY(plain.counts(0).empty());
}

QTEST_GUILESS_MAIN(TestCounterHistory)
#include "tst_counterhistory.moc"
