#include "models/bytesearcher.h"
#include "models/logstore.h"

#include <QRegularExpression>
#include <QTest>

#include <random>

using namespace cutover;

Q_DECLARE_METATYPE(cutover::LogFilter)

namespace {

// A small, fast, seedable generator: seeding a Mersenne Twister per line would dominate the tests.
struct SplitMix
{
    quint64 state;
    quint64 operator()()
    {
        quint64 z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
};

// Lines shaped like cutover-sim's, deterministic per id.
LogLine simLine(quint64 id)
{
    static const char *const services[] = {"user-service", "post-service", "media-service", "payment-service",
                                           "notification-service"};
    static const char *const routes[] = {"users", "posts", "media", "payments", "notifications"};
    static const char *const paths[] = {"/api/users/42", "/api/posts/feed", "/api/media/upload", "/api/payments/create",
                                        "/api/notifications"};
    SplitMix rng {id * 7919};
    const auto k = std::size_t(rng() % 5);
    LogLine l;
    l.id = LogId {id};
    l.time = WallTime(std::chrono::milliseconds(1'795'000'000'000LL + qint64(id) * 5));
    l.status = rng() % 20 == 0 ? 502 : rng() % 15 == 0 ? 404 : 200;
    l.level = l.status >= 500 ? LogLevel::Error : l.status >= 400 ? LogLevel::Warn : LogLevel::Info;
    l.service = QString::fromLatin1(services[k]);
    l.backend = rng() % 2 ? QStringLiteral("microservice") : QStringLiteral("monolith");
    l.upstream = l.backend == QLatin1String("monolith") ? QStringLiteral("monolith") : l.service;
    l.route = QString::fromLatin1(routes[k]);
    l.method = k == 3 ? QStringLiteral("POST") : QStringLiteral("GET");
    l.path = QString::fromLatin1(paths[k]);
    l.latency = Milliseconds(double(rng() % 5000) / 10.0);
    l.requestId = QStringLiteral("req-") + QString::number(rng(), 16).rightJustified(16, QLatin1Char('0'));
    l.userId = id % 7 == 0 ? QString() : QStringLiteral("u-") + QString::number(rng() % 5000).rightJustified(5, QLatin1Char('0'));
    l.message = l.method + QLatin1Char(' ') + l.path + QLatin1Char(' ') + QString::number(l.status) + QLatin1Char(' ')
        + QString::number(l.latency.count(), 'f', 1) + QStringLiteral("ms");
    return l;
}

// The reference: the filter's meaning written plainly over whole lines.
class Reference
{
public:
    explicit Reference(const QList<LogLine> &lines)
        : m_lines(lines)
    {
        for (const LogLine &l : lines)
            m_fields.append(QStringList {l.service, l.backend, l.upstream, l.route, l.method, l.path, l.requestId,
                                         l.userId, l.message});
    }

    std::vector<quint64> matches(const LogFilter &f) const
    {
        const QRegularExpression re(f.pattern, f.patternCase == Qt::CaseInsensitive ? QRegularExpression::CaseInsensitiveOption
                                                                                   : QRegularExpression::NoPatternOption);
        std::vector<quint64> out;
        for (qsizetype i = 0; i < m_lines.size(); ++i) {
            const LogLine &l = m_lines.at(i);
            const QStringList &fields = m_fields.at(i);
            if (f.minLevel && l.level < *f.minLevel)
                continue;
            if (!f.service.isEmpty() && l.service != f.service)
                continue;
            if (!f.requestId.isEmpty() && l.requestId != f.requestId)
                continue;
            if (!f.text.isEmpty()
                && std::none_of(fields.begin(), fields.end(), [&](const QString &s) { return s.contains(f.text, f.textCase); }))
                continue;
            if (!f.pattern.isEmpty()
                && std::none_of(fields.begin(), fields.end(), [&](const QString &s) { return re.match(s).hasMatch(); }))
                continue;
            out.push_back(quint64(i));
        }
        return out;
    }

private:
    QList<LogLine> m_lines;
    QList<QStringList> m_fields;
};

LogFilter textFilter(const QString &text, Qt::CaseSensitivity cs = Qt::CaseInsensitive)
{
    LogFilter f;
    f.text = text;
    f.textCase = cs;
    return f;
}

} // namespace

class TestLogStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip();
    void idsMustIncrease();
    void gapEntries();
    void byteBudgetHoldsUnderLongIngest();
    void filters_data();
    void filters();
    void filtersAgreeWithReferenceOnRandomNeedles();
    void invalidRegularExpression();
    void incrementalFilter();
    void filterSeesValuesInternedLater();
    void unknownServiceMatchesNothing();
    void internTableCompactsAsLinesTurnOver();
    void longFieldsAreCut();
    void snapshotOutlivesEvictionAndClear();
    void snapshotSurvivesInternCompaction();
    void byteSearcher_data();
    void byteSearcher();
};

void TestLogStore::roundTrip()
{
    LogStore store;
    LogLine l = simLine(1);
    l.message = QStringLiteral("GET /api/café ✓ 😀 200");
    l.userId.clear();
    QVERIFY(store.append(l));
    QVERIFY(store.append(simLine(2)));
    QCOMPARE(store.size(), 2);
    QCOMPARE(store.firstSeq(), 0u);
    const LogLine back = store.line(0);
    QCOMPARE(back.id, l.id);
    QCOMPARE(back.time, l.time);
    QCOMPARE(back.level, l.level);
    QCOMPARE(back.service, l.service);
    QCOMPARE(back.backend, l.backend);
    QCOMPARE(back.upstream, l.upstream);
    QCOMPARE(back.route, l.route);
    QCOMPARE(back.method, l.method);
    QCOMPARE(back.path, l.path);
    QCOMPARE(back.status, l.status);
    QCOMPARE(float(back.latency.count()), float(l.latency.count()));
    QCOMPARE(back.requestId, l.requestId);
    QCOMPARE(back.userId, QString());
    QCOMPARE(back.message, l.message);
    QCOMPARE(store.id(1), LogId {2});
    QVERIFY(!store.isGap(1));
    QCOMPARE(store.lastId(), std::optional(LogId {2}));
}

void TestLogStore::idsMustIncrease()
{
    LogStore store;
    QVERIFY(store.append(simLine(5)));
    QVERIFY(!store.append(simLine(5)));
    QVERIFY(!store.append(simLine(3)));
    QVERIFY(!store.appendGap({LogId {4}, LogId {5}}));
    QVERIFY(store.appendGap({LogId {6}, LogId {9}}));
    QVERIFY(!store.append(simLine(9)));
    QCOMPARE(store.append(QList<LogLine> {simLine(8), simLine(10), simLine(11)}), 2);
    QCOMPARE(store.size(), 4);
    for (quint64 s = store.firstSeq() + 1; s < store.endSeq(); ++s)
        QVERIFY(store.id(s - 1) < store.id(s));
}

void TestLogStore::gapEntries()
{
    LogStore store;
    store.append(simLine(1));
    QVERIFY(store.appendGap({LogId {2}, LogId {11}}));
    store.append(simLine(12));
    QCOMPARE(store.size(), 3);
    QVERIFY(store.isGap(1));
    QCOMPARE(store.gap(1), (LogGap {LogId {2}, LogId {11}}));
    QCOMPARE(store.gap(1).missed(), 10u);
    QCOMPARE(store.id(1), LogId {11});
    QCOMPARE(store.gap(0), LogGap {});
    QCOMPARE(store.line(1).id, LogId {}); // a gap is no line

    // Gaps stay visible whatever the filter; on request they go.
    LogFilter f = textFilter(QStringLiteral("no line has this"));
    QCOMPARE(store.filter(f).matches, std::vector<quint64> {1});
    f.includeGaps = false;
    QVERIFY(store.filter(f).matches.empty());
    f = LogFilter();
    QCOMPARE(store.filter(f).matches, (std::vector<quint64> {0, 1, 2}));
}

void TestLogStore::byteBudgetHoldsUnderLongIngest()
{
    constexpr std::size_t budget = 1024 * 1024;
    LogStore store(budget);
    std::size_t peak = 0;
    constexpr quint64 total = 200'000;
    for (quint64 id = 1; id <= total; ++id) {
        if (id % 50'000 == 0) {
            // Now and then a gap of ten lines instead of a line.
            QVERIFY(store.appendGap({LogId {id}, LogId {id + 9}}));
            id += 10;
        }
        QVERIFY(store.append(simLine(id)));
        peak = std::max(peak, store.bytesUsed());
    }
    QVERIFY2(peak <= budget, qPrintable(QStringLiteral("peak %1 > budget %2").arg(peak).arg(budget)));
    QVERIFY(store.evictedEntries() > 0);
    QCOMPARE(store.firstSeq(), store.evictedEntries());
    QVERIFY(store.size() > 1000);
    // Honest: what is kept really needs at least what is counted as records and text.
    std::size_t text = 0;
    for (quint64 s = store.firstSeq(); s < store.endSeq(); ++s) {
        const LogLine l = store.line(s); // empty for a gap: 4 separators only
        text += std::size_t(l.path.toUtf8().size() + l.requestId.toUtf8().size() + l.userId.toUtf8().size()
                            + l.message.toUtf8().size() + 4);
    }
    QVERIFY(store.bytesUsed() >= std::size_t(store.size()) * 48 + text);
    // And not wildly more: the kept lines fill most of the budget.
    QVERIFY2(std::size_t(store.size()) * 48 + text > budget / 2, qPrintable(QString::number(store.size())));
    // The newest lines are the ones kept, in order.
    QCOMPARE(store.lastId(), std::optional(LogId {total + 10}));
    QCOMPARE(store.line(store.endSeq() - 1).requestId, simLine(total + 10).requestId);
    QVERIFY(store.isGap(store.endSeq() - 2));
    for (quint64 s = store.firstSeq() + 1; s < store.endSeq(); ++s)
        QVERIFY(store.id(s - 1) < store.id(s));
}

void TestLogStore::filters_data()
{
    QTest::addColumn<LogFilter>("filter");
    QTest::addColumn<int>("expected"); // -1: only compare with the reference

    LogFilter f;
    QTest::newRow("empty") << f << 2000;
    f.minLevel = LogLevel::Warn;
    QTest::newRow("min level warn") << f << -1;
    f.minLevel = LogLevel::Error;
    QTest::newRow("min level error") << f << -1;
    f = LogFilter();
    f.service = QStringLiteral("payment-service");
    QTest::newRow("service") << f << -1;
    f.service = QStringLiteral("payment");
    QTest::newRow("service is exact") << f << 0;
    f = LogFilter();
    f.requestId = simLine(77).requestId;
    QTest::newRow("request id") << f << 1;
    f.requestId = simLine(77).requestId.left(10);
    QTest::newRow("request id is exact") << f << 0;
    QTest::newRow("text in message") << textFilter(QStringLiteral("502")) << -1;
    QTest::newRow("text ignoring case") << textFilter(QStringLiteral("post /API/PAYMENTS")) << -1;
    QTest::newRow("text with case") << textFilter(QStringLiteral("post /api"), Qt::CaseSensitive) << 0;
    QTest::newRow("text in interned field") << textFilter(QStringLiteral("Monolith")) << -1;
    QTest::newRow("text in user id") << textFilter(QStringLiteral("u-0001")) << -1;
    QTest::newRow("text never spans fields") << textFilter(QStringLiteral("feedreq")) << 0;
    QTest::newRow("text never spans lines") << textFilter(QStringLiteral("ms/api")) << 0;
    QTest::newRow("text with NUL") << textFilter(QString::fromUtf8("feed\0req", 8)) << 0;
    QTest::newRow("non-ASCII text, case-blind") << textFilter(QStringLiteral("CAFÉ")) << 1;
    QTest::newRow("non-ASCII text, exact") << textFilter(QStringLiteral("café"), Qt::CaseSensitive) << 1;
    f = LogFilter();
    f.pattern = QStringLiteral("^GET /api/(users|posts)/\\w+ 200");
    QTest::newRow("regex") << f << -1;
    f.pattern = QStringLiteral("^get /API");
    f.patternCase = Qt::CaseInsensitive;
    QTest::newRow("regex ignoring case") << f << -1;
    f.pattern = QStringLiteral("^notification-service$");
    f.patternCase = Qt::CaseSensitive;
    QTest::newRow("regex on interned field") << f << -1;
    f = textFilter(QStringLiteral("payments"));
    f.minLevel = LogLevel::Error;
    f.pattern = QStringLiteral("5\\d\\d");
    f.service = QStringLiteral("payment-service");
    QTest::newRow("all at once") << f << -1;
}

void TestLogStore::filters()
{
    QFETCH(LogFilter, filter);
    QFETCH(int, expected);
    LogStore store;
    QList<LogLine> lines;
    for (quint64 id = 1; id <= 2000; ++id) {
        LogLine l = simLine(id);
        if (id == 1000)
            l.message = QStringLiteral("le café est prêt");
        lines.append(l);
    }
    QCOMPARE(store.append(lines), 2000);
    const LogStore::Query q = store.filter(filter);
    QVERIFY(q.ok());
    QCOMPARE(q.matches, Reference(lines).matches(filter));
    if (expected >= 0)
        QCOMPARE(int(q.matches.size()), expected);
    else
        QVERIFY2(!q.matches.empty() && q.matches.size() < 2000, "a row meant to select some lines selects none or all");
}

void TestLogStore::filtersAgreeWithReferenceOnRandomNeedles()
{
    LogStore store;
    QList<LogLine> lines;
    for (quint64 id = 1; id <= 3000; ++id)
        lines.append(simLine(id));
    store.append(lines);
    const Reference reference(lines);
    std::mt19937 rng(4242);
    for (int round = 0; round < 150; ++round) {
        // A random slice of a random line's text, in random case: matches at least that line.
        const LogLine &l = lines.at(qsizetype(rng() % 3000));
        const QString source = round % 3 == 0 ? l.requestId : round % 3 == 1 ? l.message : l.path;
        const qsizetype from = qsizetype(rng() % quint32(source.size()));
        QString needle = source.mid(from, 1 + qsizetype(rng() % 24));
        if (rng() % 2)
            needle = needle.toUpper();
        const LogFilter f = textFilter(needle, rng() % 3 == 0 ? Qt::CaseSensitive : Qt::CaseInsensitive);
        QVERIFY2(store.filter(f).matches == reference.matches(f), qPrintable(needle));
    }
}

void TestLogStore::invalidRegularExpression()
{
    LogStore store;
    store.append(simLine(1));
    LogFilter f;
    f.pattern = QStringLiteral("GET (unclosed");
    const QString error = LogStore::validate(f);
    QVERIFY(error.contains(QLatin1String("offset")));
    const LogStore::Query q = store.filter(f);
    QVERIFY(!q.ok());
    QCOMPARE(q.error, error);
    QVERIFY(q.matches.empty());
    f.pattern = QStringLiteral("GET (closed)");
    QVERIFY(LogStore::validate(f).isEmpty());
}

void TestLogStore::incrementalFilter()
{
    LogStore store(LogStore::kMinimumBudget);
    const LogFilter f = textFilter(QStringLiteral("payments"));
    std::vector<quint64> all;
    quint64 scanned = 0;
    for (quint64 id = 1; id <= 20000; ++id) {
        store.append(simLine(id));
        if (id % 1000 == 0) {
            const auto more = store.filter(f, scanned).matches;
            all.insert(all.end(), more.begin(), more.end());
            scanned = store.endSeq();
        }
    }
    // Evicted matches drop out of a fresh query but the kept ones agree with the incremental result.
    std::erase_if(all, [&](quint64 s) { return s < store.firstSeq(); });
    QVERIFY(store.evictedEntries() > 0);
    QCOMPARE(store.filter(f).matches, all);
    QVERIFY(store.filter(f, store.endSeq()).matches.empty());
}

void TestLogStore::filterSeesValuesInternedLater()
{
    // The compiled filter is kept between calls; values and services that appear afterwards must
    // still be judged.
    LogStore store;
    for (quint64 id = 1; id <= 50; ++id)
        store.append(simLine(id));
    const LogFilter text = textFilter(QStringLiteral("search-svc"));
    LogFilter service;
    service.service = QStringLiteral("search-service");
    QVERIFY(store.filter(text).matches.empty());
    QVERIFY(store.filter(service).matches.empty());
    LogLine late = simLine(51);
    late.service = QStringLiteral("search-service");
    late.route = QStringLiteral("search-svc-route");
    QVERIFY(store.append(late));
    QCOMPARE(store.filter(text).matches, std::vector<quint64> {50});
    QCOMPARE(store.filter(service).matches, std::vector<quint64> {50});
    QCOMPARE(store.filter(text, 50).matches, std::vector<quint64> {50});
}

void TestLogStore::unknownServiceMatchesNothing()
{
    // Far more distinct services than the table of a small store takes, none evicted: the extra
    // ones are stored as "…", and a filter for a service nobody has must not match them.
    LogStore store(LogStore::kMinimumBudget);
    for (quint64 id = 1; id <= 400; ++id) {
        LogLine l = simLine(id);
        l.service = QStringLiteral("service-with-a-long-generated-name-%1").arg(id);
        QVERIFY(store.append(l));
    }
    QCOMPARE(store.evictedEntries(), quint64(0));
    QVERIFY(store.internOverflows() > 0);
    QCOMPARE(store.line(399).service, QStringLiteral("…"));
    LogFilter f;
    f.service = QStringLiteral("no-such-service");
    QVERIFY(store.filter(f).matches.empty());
    f.service = QStringLiteral("service-with-a-long-generated-name-1");
    QCOMPARE(store.filter(f).matches, std::vector<quint64> {0});
}

void TestLogStore::internTableCompactsAsLinesTurnOver()
{
    // Route values that change every 20 lines: only a few dozen are live at a time, thousands
    // over the run. Without compaction the table would fill and later lines would lose their
    // route to "…".
    LogStore store(LogStore::kMinimumBudget);
    const auto routeOf = [](quint64 id) { return QStringLiteral("route-%1").arg(id / 20); };
    for (quint64 id = 1; id <= 40000; ++id) {
        LogLine l = simLine(id);
        l.route = routeOf(id);
        store.append(l);
    }
    QVERIFY(store.evictedEntries() > 30000);
    QVERIFY(store.internCompactions() > 0);
    QCOMPARE(store.internOverflows(), quint64(0));
    QVERIFY(store.internedValues() < 400);
    QVERIFY(store.bytesUsed() <= store.byteBudget());
    for (quint64 seq = store.firstSeq(); seq < store.endSeq(); ++seq) {
        const LogLine l = store.line(seq);
        const LogLine expected = simLine(l.id.value);
        QCOMPARE(l.route, routeOf(l.id.value));
        QCOMPARE(l.service, expected.service);
        QCOMPARE(l.backend, expected.backend);
        QCOMPARE(l.upstream, expected.upstream);
        QCOMPARE(l.method, expected.method);
        QCOMPARE(l.message, expected.message);
    }
    LogFilter f = textFilter(routeOf(39990));
    const auto hits = store.filter(f).matches;
    QVERIFY(!hits.empty());
    for (quint64 seq : hits)
        QCOMPARE(store.line(seq).route, routeOf(39990));
}

void TestLogStore::longFieldsAreCut()
{
    LogStore store;
    LogLine l = simLine(1);
    l.message = QString(LogStore::kMaxMessageBytes, QLatin1Char('x')) + QStringLiteral("é tail");
    l.requestId = QString(300, QChar(0x00E9)); // 2 bytes each in UTF-8
    QVERIFY(store.append(l));
    const LogLine back = store.line(0);
    QCOMPARE(back.message.size(), LogStore::kMaxMessageBytes);
    QCOMPARE(back.requestId, QString(LogStore::kMaxIdBytes / 2, QChar(0x00E9))); // never half a character
    QCOMPARE(store.truncatedFields(), 2u);
}

// A snapshot reads what the store held when it was taken, whatever the store does afterwards.
void TestLogStore::snapshotOutlivesEvictionAndClear()
{
    auto store = std::make_unique<LogStore>(LogStore::kMinimumBudget);
    quint64 id = 1;
    for (; id <= 1500; ++id)
        store->append(simLine(id));
    QVERIFY(store->appendGap({LogId {id}, LogId {id + 4}}));
    id += 5;
    store->appendRestart(QStringLiteral("gateway restarted"), WallTime(std::chrono::milliseconds(1234)));
    const LogFilter f = textFilter(QStringLiteral("payments"));
    const auto before = store->filter(f).matches;
    std::vector<LogLine> kept;
    for (quint64 s = store->firstSeq(); s < store->endSeq(); ++s)
        kept.push_back(store->line(s));
    const LogStore::Snapshot snap = store->snapshot();
    QCOMPARE(snap.firstSeq(), store->firstSeq());
    QCOMPARE(snap.endSeq(), store->endSeq());

    // Appends after it (into its last chunk, then new ones), eviction of everything it holds, a clear.
    for (quint64 more = 1; more <= 20000; ++more)
        store->append(simLine(more));
    QVERIFY(store->firstSeq() > snap.endSeq());
    QCOMPARE(snap.filter(f, 0, ~quint64(0)).matches, before);
    store->clear();
    store.reset();
    QCOMPARE(snap.filter(f, snap.firstSeq(), snap.endSeq()).matches, before);
    for (quint64 s = snap.firstSeq(); s < snap.endSeq(); ++s) {
        const LogLine l = snap.line(s);
        const LogLine &expected = kept[std::size_t(s - snap.firstSeq())];
        QCOMPARE(l.id, expected.id);
        QCOMPARE(l.service, expected.service);
        QCOMPARE(l.message, expected.message);
    }
    QVERIFY(snap.isGap(snap.endSeq() - 2));
    QCOMPARE(snap.gap(snap.endSeq() - 2).missed(), 5u);
    QVERIFY(snap.isRestart(snap.endSeq() - 1));
    QCOMPARE(snap.restartText(snap.endSeq() - 1), QStringLiteral("gateway restarted"));
    // A sub-range, as the background scan asks for it in steps.
    const quint64 mid = snap.firstSeq() + quint64(snap.size()) / 2;
    auto firstHalf = snap.filter(f, 0, mid).matches;
    const auto secondHalf = snap.filter(f, mid, snap.endSeq()).matches;
    firstHalf.insert(firstHalf.end(), secondHalf.begin(), secondHalf.end());
    QCOMPARE(firstHalf, before);
}

// A compaction renumbers the intern ids: the chunks a snapshot holds must keep the ids its copy
// of the table knows.
void TestLogStore::snapshotSurvivesInternCompaction()
{
    LogStore store(LogStore::kMinimumBudget);
    const auto routeOf = [](quint64 id) { return QStringLiteral("route-%1").arg(id / 5); };
    quint64 id = 1;
    const auto append = [&](quint64 until) {
        for (; id <= until; ++id) {
            LogLine l = simLine(id);
            l.route = routeOf(id);
            store.append(l);
        }
    };
    // Just after a compaction, the table fills again: the next one comes within a few hundred lines.
    append(3000);
    const quint64 compacted = store.internCompactions();
    while (store.internCompactions() == compacted)
        append(id + 1);
    append(id + 20);
    const LogStore::Snapshot snap = store.snapshot();
    std::vector<LogLine> kept;
    for (quint64 s = snap.firstSeq(); s < snap.endSeq(); ++s)
        kept.push_back(store.line(s));
    const LogFilter f = textFilter(kept.back().route);
    const auto before = store.filter(f).matches;
    QVERIFY(!before.empty());
    while (store.internCompactions() == compacted + 1)
        append(id + 1);
    QVERIFY(store.firstSeq() < snap.endSeq()); // most of its chunks are still the store's
    for (quint64 s = snap.firstSeq(); s < snap.endSeq(); ++s) {
        const LogLine l = snap.line(s);
        const LogLine &expected = kept[std::size_t(s - snap.firstSeq())];
        QCOMPARE(l.route, expected.route);
        QCOMPARE(l.service, expected.service);
        QCOMPARE(l.backend, expected.backend);
    }
    QCOMPARE(snap.filter(f, snap.firstSeq(), snap.endSeq()).matches, before);
    // And the store's own view is right too.
    for (quint64 s = std::max(store.firstSeq(), snap.firstSeq()); s < snap.endSeq(); ++s)
        QCOMPARE(store.line(s).route, kept[std::size_t(s - snap.firstSeq())].route);
}

void TestLogStore::byteSearcher_data()
{
    QTest::addColumn<int>("seed");
    QTest::addColumn<bool>("fold");
    for (int seed = 1; seed <= 6; ++seed) {
        QTest::addRow("seed %d exact", seed) << seed << false;
        QTest::addRow("seed %d folded", seed) << seed << true;
    }
}

void TestLogStore::byteSearcher()
{
    // Every needle length and position, near block edges, in small alphabets so candidates abound.
    QFETCH(int, seed);
    QFETCH(bool, fold);
    std::mt19937 rng {quint32(seed)};
    const QByteArray alphabet = "aAbB:-@`[{ \xC3\xA9";
    for (int round = 0; round < 2000; ++round) {
        QByteArray hay(qsizetype(rng() % 80), Qt::Uninitialized);
        for (char &c : hay)
            c = alphabet.at(qsizetype(rng() % quint32(alphabet.size())));
        QByteArray needle(1 + qsizetype(rng() % 6), Qt::Uninitialized);
        for (char &c : needle)
            c = alphabet.at(qsizetype(rng() % quint32(alphabet.size())));
        const ByteSearcher s(needle, fold ? Qt::CaseInsensitive : Qt::CaseSensitive);
        const char *got = s.find(hay.constData(), hay.constData() + hay.size());
        const qsizetype expected = fold ? QByteArray(hay).toLower().indexOf(QByteArray(needle).toLower()) : hay.indexOf(needle);
        QCOMPARE(got ? got - hay.constData() : qsizetype(-1), expected);
    }
}

QTEST_GUILESS_MAIN(TestLogStore)
#include "tst_logstore.moc"
