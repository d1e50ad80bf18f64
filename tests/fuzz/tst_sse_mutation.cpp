#include "sse_oracle.h"

#include <QtCore/QElapsedTimer>
#include <QtTest/QTest>

#include <random>

using namespace cutover;
using cutover::test::SseTrace;

namespace {

// Deterministic mutations: the same seed gives the same inputs on every machine, so a failure
// reproduces from the row name and iteration number alone.
constexpr quint64 Seed = 0x55e5eed5;
constexpr int MutationsPerRow = 20000;
constexpr qint64 TimeBudgetMs = 20000; // per row; the count normally ends the row first

// Bytes that matter to the grammar: line ends, the colon, the one optional space, NUL (ids), digits
// (retry), BOM bytes, and bytes that are not UTF-8.
const char kSpecial[] = {'\r', '\n', ':', ' ', '\0', '0', '7', 'a', '\xEF', '\xBB', '\xBF', '\xFF', '\xC3', '\t'};
const char *const kFieldNames[] = {"data", "event", "id", "retry", "", "dat", "ID"};

class Mutator
{
public:
    explicit Mutator(quint64 seed)
        : m_rng(seed)
    {
    }

    qsizetype below(qsizetype n) { return n <= 0 ? 0 : qsizetype(m_rng() % quint64(n)); }

    QByteArray mutate(const QByteArray &original, const QByteArray &donor)
    {
        QByteArray data = original;
        const qsizetype operations = 1 + below(4);
        for (qsizetype i = 0; i < operations; ++i)
            apply(data, donor);
        return data;
    }

    // Random cut points for feeding the input in pieces; sometimes one byte at a time.
    std::vector<qsizetype> cuts(qsizetype size)
    {
        std::vector<qsizetype> out;
        if (below(8) == 0) {
            for (qsizetype i = 1; i < size; ++i)
                out.push_back(i);
            return out;
        }
        const qsizetype n = below(12);
        for (qsizetype i = 0; i < n; ++i)
            out.push_back(below(size + 1));
        std::sort(out.begin(), out.end());
        return out;
    }

private:
    char special() { return kSpecial[below(sizeof kSpecial)]; }

    void apply(QByteArray &data, const QByteArray &donor)
    {
        const qsizetype size = data.size();
        const qsizetype at = below(size + 1);
        switch (below(9)) {
        case 0: // flip one bit
            if (size > 0) {
                const qsizetype i = below(size);
                data[i] = char(data[i] ^ char(1 << below(8)));
            }
            break;
        case 1: // overwrite with a byte that matters to the grammar
            if (size > 0)
                data[below(size)] = special();
            break;
        case 2: // insert one
            data.insert(at, special());
            break;
        case 3: // delete a short run
            data.remove(at, 1 + below(8));
            break;
        case 4: // truncate
            data.truncate(at);
            break;
        case 5: // a field line of its own, maybe without value or colon
            data.insert(at, QByteArray(kFieldNames[below(std::size(kFieldNames))]) + (below(2) ? ": x" : "")
                                + (below(2) ? "\n" : "\r\n"));
            break;
        case 6: // splice a piece of another stream
            if (!donor.isEmpty())
                data.insert(at, donor.mid(below(donor.size()), 1 + below(64)));
            break;
        case 7: // a long run of one byte (long lines, many blank lines)
            data.insert(at, QByteArray(1 + below(300), size > 0 ? data[below(size)] : '\n'));
            break;
        default: // swap two bytes
            if (size > 1)
                std::swap(data[below(size)], data[below(size)]);
            break;
        }
    }

    std::mt19937_64 m_rng;
};

QByteArray gatewayStream()
{
    QByteArray s = "retry: 2000\n\nid: 11\nevent: gap\ndata: {\"from\":6,\"to\":11,\"missed\":6}\n\n";
    for (int id = 12; id < 16; ++id)
        s += "id: " + QByteArray::number(id)
            + "\nevent: log\ndata: {\"id\":" + QByteArray::number(id)
            + ",\"time\":\"2026-11-26T04:38:45.101Z\",\"level\":\"error\",\"message\":\"POST /api/payments 502\"}\n\n";
    return s + ": heartbeat 2026-11-26T04:38:55.120Z\n\n";
}

const QByteArray kGrammar("\xEF\xBB\xBF: comment\r\nevent: a\rdata\rdata:  two\r\nid: 1\r\n\r\n"
                          "retry: 15a\nretry: 300\nid\ndata: x\n\nfoo\n:\n\n");

QString show(const QByteArray &b)
{
    return QString::fromLatin1(b.toPercentEncoding(" :{}\","));
}

QString show(const SseTrace &t)
{
    QString s = QStringLiteral("retry=%1 comments=%2 last=%3 events:").arg(t.retry).arg(t.comments).arg(show(t.lastEventId));
    for (const QByteArray &e : t.events)
        s += QStringLiteral("\n  ") + show(e);
    return s;
}

} // namespace

class TestSseMutation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matchesOracleWhateverTheSplit_data();
    void matchesOracleWhateverTheSplit();
};

void TestSseMutation::matchesOracleWhateverTheSplit_data()
{
    QTest::addColumn<QByteArray>("valid");
    QTest::addColumn<QByteArray>("donor");
    QTest::newRow("gateway stream") << gatewayStream() << kGrammar;
    QTest::newRow("grammar corners") << kGrammar << gatewayStream();
}

void TestSseMutation::matchesOracleWhateverTheSplit()
{
    QFETCH(QByteArray, valid);
    QFETCH(QByteArray, donor);

    quint64 rowSeed = Seed; // FNV-1a of the row name: a fixed, portable seed per row
    for (const char *c = QTest::currentDataTag(); *c; ++c)
        rowSeed = (rowSeed ^ static_cast<unsigned char>(*c)) * 0x100000001b3ULL;
    Mutator mutator(rowSeed);
    QElapsedTimer budget;
    budget.start();
    qint64 slowestNs = 0;
    qsizetype events = 0;
    int iterations = 0;
    for (; iterations < MutationsPerRow && budget.elapsed() < TimeBudgetMs; ++iterations) {
        const QByteArray input = mutator.mutate(valid, donor);
        const std::vector<qsizetype> cuts = mutator.cuts(input.size());
        QElapsedTimer timer;
        timer.start();
        const SseTrace whole = test::decoderDecode(input, {});
        const SseTrace pieces = test::decoderDecode(input, cuts);
        slowestNs = std::max(slowestNs, timer.nsecsElapsed());
        const SseTrace expected = test::oracleDecode(input);
        events += whole.events.size();
        if (whole != expected || pieces != expected) {
            QString where;
            for (qsizetype c : cuts)
                where += QString::number(c) + QLatin1Char(' ');
            QFAIL(qPrintable(QStringLiteral("iteration %1\ninput: %2\ncuts: %3\noracle: %4\nwhole: %5\npieces: %6")
                                 .arg(iterations)
                                 .arg(show(input), where, show(expected), show(whole), show(pieces))));
        }
    }
    qInfo("%d mutated streams, %lld events, slowest decode %.3f ms", iterations, static_cast<long long>(events),
          double(slowestNs) / 1e6);
    QVERIFY(iterations >= 1000);
    QVERIFY2(slowestNs < 1000LL * 1000 * 1000, "a single small input took more than a second");
}

QTEST_GUILESS_MAIN(TestSseMutation)
#include "tst_sse_mutation.moc"
