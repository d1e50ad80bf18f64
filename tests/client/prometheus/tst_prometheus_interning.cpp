// The storage behind interned series (client/prometheus/arena.h, interntable.h): views stay
// valid while the arena grows, the table finds what was inserted through growth, the hash
// depends on every byte and on the seed.
#include "client/prometheus/arena.h"
#include "client/prometheus/interntable.h"

#include <QtTest/QTest>

#include <string>
#include <vector>

using namespace cutover::prom;

class TestPrometheusInterning : public QObject
{
    Q_OBJECT

private slots:
    void arenaViewsStayValid();
    void arenaLargeValue();
    void tableFindsThroughGrowth();
    void tableComparesKeysOnTagMatch();
    void tableClear();
    void hashUsesEveryByteAndTheSeed();
};

void TestPrometheusInterning::arenaViewsStayValid()
{
    Arena arena;
    std::vector<std::pair<const char *, std::string>> stored;
    // Enough to need several blocks; every earlier view must still read its bytes.
    for (int i = 0; i < 20000; ++i) {
        const std::string text = "series_" + std::to_string(i) + std::string(size_t(i % 13), 'x');
        stored.emplace_back(arena.store(text.data(), text.size()), text);
    }
    QVERIFY(arena.blockCount() > 1);
    for (const auto &[view, text] : stored)
        QCOMPARE(std::string(view, text.size()), text);
    QVERIFY(arena.store(nullptr, 0) != nullptr);
}

void TestPrometheusInterning::arenaLargeValue()
{
    Arena arena;
    const char *small = arena.store("abc", 3);
    const std::string big(Arena::BlockSize * 2 + 5, 'b');
    const char *large = arena.store(big.data(), big.size());
    QCOMPARE(std::string(large, big.size()), big);
    QCOMPARE(std::string(small, 3), std::string("abc"));
    arena.clear();
    QCOMPARE(arena.blockCount(), size_t(0));
}

void TestPrometheusInterning::tableFindsThroughGrowth()
{
    InternTable table;
    std::vector<std::string> keys;
    const quint64 seed = 0x1234;
    for (quint32 i = 0; i < 5000; ++i) {
        keys.push_back("key" + std::to_string(i));
        table.insert(hashBytes(keys.back().data(), keys.back().size(), seed), i);
    }
    QCOMPARE(table.size(), size_t(5000));
    QVERIFY(table.capacity() >= 2 * table.size()); // load factor at most 1/2
    for (quint32 i = 0; i < keys.size(); ++i) {
        const std::string &key = keys[i];
        const quint32 found = table.find(hashBytes(key.data(), key.size(), seed), [&](quint32 v) { return keys[v] == key; });
        QCOMPARE(found, i);
    }
    const std::string missing("nope");
    QCOMPARE(table.find(hashBytes(missing.data(), missing.size(), seed), [&](quint32 v) { return keys[v] == missing; }),
             NoIndex);
}

void TestPrometheusInterning::tableComparesKeysOnTagMatch()
{
    // Two values under one hash (a collision): the caller's comparison tells them apart.
    InternTable table;
    table.insert(42, 0);
    table.insert(42, 1);
    QCOMPARE(table.find(42, [](quint32 v) { return v == 1; }), 1u);
    QCOMPARE(table.find(42, [](quint32 v) { return v == 0; }), 0u);
    QCOMPARE(table.find(42, [](quint32) { return false; }), NoIndex);
    QCOMPARE(table.find(42 | (quint64(1) << 32), [](quint32) { return true; }), NoIndex); // other tag
}

void TestPrometheusInterning::tableClear()
{
    InternTable table;
    table.insert(7, 0);
    table.clear();
    QCOMPARE(table.size(), size_t(0));
    QCOMPARE(table.find(7, [](quint32) { return true; }), NoIndex);
    table.insert(7, 0);
    QCOMPARE(table.find(7, [](quint32) { return true; }), 0u);
}

void TestPrometheusInterning::hashUsesEveryByteAndTheSeed()
{
    const std::string base(37, 'a'); // two 16-byte lanes, an 8-byte word and a tail
    const quint64 h = hashBytes(base.data(), base.size(), 1);
    QCOMPARE(hashBytes(base.data(), base.size(), 1), h);
    QVERIFY(hashBytes(base.data(), base.size(), 2) != h);
    QVERIFY(hashBytes(base.data(), base.size() - 1, 1) != h);
    for (size_t i = 0; i < base.size(); ++i) {
        std::string changed = base;
        changed[i] = 'b';
        QVERIFY2(hashBytes(changed.data(), changed.size(), 1) != h, qPrintable(QString::number(i)));
    }
    QVERIFY(hashBytes("", 0, 1) != hashBytes("", 0, 2));
}

QTEST_GUILESS_MAIN(TestPrometheusInterning)
#include "tst_prometheus_interning.moc"
