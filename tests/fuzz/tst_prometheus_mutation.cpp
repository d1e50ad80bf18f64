#include "client/prometheus/prometheusparser.h"

#include <QtCore/QElapsedTimer>
#include <QtTest/QTest>

#include <cmath>
#include <cstring>
#include <random>

using namespace cutover;

Q_DECLARE_METATYPE(cutover::ExpositionFormat)

namespace {

// Deterministic mutations: the same seed gives the same inputs on every machine, so a failure
// reproduces from the row name and iteration number alone.
constexpr quint64 Seed = 0x5eed2024;
constexpr int MutationsPerRow = 20000;
constexpr qint64 TimeBudgetMs = 20000; // per row; the count normally ends the row first

const char kSpecial[] = {'\0', '\n', '\r', '"', '\\', '{', '}', '=', ',', '#', ' ', '\t', 'e', '+', '-', '.',
                         'n', 'a', 'I', '_', ':', '0', '9', char(0xff), char(0xc3), char(0xe2)};

class Mutator
{
public:
    explicit Mutator(quint64 seed)
        : m_rng(seed)
    {
    }

    size_t below(size_t n) { return n == 0 ? 0 : size_t(m_rng() % n); }

    QByteArray mutate(const QByteArray &original, const QByteArray &donor)
    {
        QByteArray data = original;
        const size_t operations = 1 + below(4);
        for (size_t i = 0; i < operations; ++i)
            apply(data, donor);
        return data;
    }

private:
    char special() { return kSpecial[below(sizeof kSpecial)]; }

    void apply(QByteArray &data, const QByteArray &donor)
    {
        const auto size = size_t(data.size());
        const auto at = qsizetype(below(size + 1));
        switch (below(9)) {
        case 0: // flip one bit
            if (size > 0) {
                const auto i = qsizetype(below(size));
                data[i] = char(data[i] ^ char(1 << below(8)));
            }
            break;
        case 1: // overwrite with a character that matters to the grammar
            if (size > 0)
                data[qsizetype(below(size))] = special();
            break;
        case 2: // insert one
            data.insert(at, special());
            break;
        case 3: // delete a short run
            data.remove(at, qsizetype(1 + below(8)));
            break;
        case 4: // truncate
            data.truncate(at);
            break;
        case 5: { // duplicate a line
            const qsizetype begin = data.lastIndexOf('\n', at > 0 ? at - 1 : 0) + 1;
            qsizetype end = data.indexOf('\n', begin);
            end = end < 0 ? data.size() : end + 1;
            data.insert(end, data.mid(begin, end - begin));
            break;
        }
        case 6: // splice a chunk of another exposition
            if (!donor.isEmpty()) {
                const auto from = qsizetype(below(size_t(donor.size())));
                data.insert(at, donor.mid(from, qsizetype(1 + below(64))));
            }
            break;
        case 7: // repeat a byte many times (long tokens, deep label sets)
            data.insert(at, QByteArray(qsizetype(1 + below(300)), size > 0 ? data[qsizetype(below(size))] : 'a'));
            break;
        default: // swap two bytes
            if (size > 1)
                std::swap(data[qsizetype(below(size))], data[qsizetype(below(size))]);
            break;
        }
    }

    std::mt19937_64 m_rng;
};

// A parse result reduced to comparable text, so a long-lived parser (interned tables, prediction
// chains) can be checked against a fresh one on every input.
QString outcome(const PrometheusParser &parser, bool ok)
{
    if (!ok)
        return QStringLiteral("error ") + parser.error().toString();
    QString out = QStringLiteral("ok");
    for (const Sample &sample : parser.snapshot().samples()) {
        out += u'\n' + parser.series(sample.series).name.toString();
        for (const Label &label : parser.labels(sample.series))
            out += u' ' + label.name.toString() + u'=' + label.value.toString();
        out += u' ' + (std::isnan(sample.value) ? QStringLiteral("NaN") : QString::number(sample.value, 'g', 17));
        if (sample.timestamp)
            out += u'@' + QString::number(sample.timestamp->count());
    }
    return out + QStringLiteral("\nexemplars ") + QString::number(parser.snapshot().exemplars().size());
}

const QByteArray kText(
    "# HELP gateway_requests_total Requests by route.\n"
    "# TYPE gateway_requests_total counter\n"
    "gateway_requests_total{route=\"/api/v1/orders\",backend=\"legacy\",code=\"200\"} 1027 1395066363000\n"
    "gateway_requests_total{route=\"/api/v1/orders\",backend=\"modern\",code=\"500\",} 3\n"
    "# TYPE gateway_request_seconds histogram\n"
    "gateway_request_seconds_bucket{route=\"/a\",le=\"0.005\"} 1\n"
    "gateway_request_seconds_bucket{route=\"/a\",le=\"0.1\"} 4\n"
    "gateway_request_seconds_bucket{route=\"/a\",le=\"1e0\"} 7\n"
    "gateway_request_seconds_bucket{route=\"/a\",le=\"+Inf\"} 9\n"
    "gateway_request_seconds_sum{route=\"/a\"} 2.75\n"
    "gateway_request_seconds_count{route=\"/a\"} 9\n"
    "# TYPE rpc_seconds summary\n"
    "rpc_seconds{quantile=\"0.5\"} 0.05\n"
    "rpc_seconds{quantile=\"0.99\"} NaN\n"
    "rpc_seconds_sum 17\n"
    "rpc_seconds_count 42\n"
    "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
    "something_weird{problem=\"division by zero\"} +Inf -3982045\n"
    "\n# a comment\n");

const QByteArray kOpenMetrics(
    "# TYPE foo histogram\n"
    "foo_bucket{le=\"0.01\"} 0\n"
    "foo_bucket{le=\"0.1\"} 8 # {} 0.054\n"
    "foo_bucket{le=\"1\"} 11 # {trace_id=\"KOO5S4vxi0o\"} 0.67\n"
    "foo_bucket{le=\"10\"} 17 # {trace_id=\"oHg5SJYRHA0\"} 9.8 1520879607.789\n"
    "foo_bucket{le=\"+Inf\"} 17\n"
    "foo_count 17\n"
    "foo_sum 324789.3\n"
    "foo_created 1520430000.123\n"
    "# TYPE c counter\n"
    "# HELP c Calls with \\\"quotes\\\".\n"
    "c_total{a=\"b\"} 17.0 1520879607.789 # {id=\"x\"} 1\n"
    "c_created{a=\"b\"} 1520430000.123\n"
    "# TYPE v info\n"
    "v_info{name=\"pretty name\",version=\"8.2.7\"} 1\n"
    "# TYPE st stateset\n"
    "st{st=\"a\"} 1\n"
    "st{st=\"b\"} 0\n"
    "# TYPE g gaugehistogram\n"
    "g_bucket{le=\"1\"} 2\n"
    "g_bucket{le=\"+Inf\"} 4\n"
    "g_gcount 4\n"
    "g_gsum 3.5\n"
    "u 42.23\n"
    "# EOF\n");

} // namespace

class TestPrometheusMutation : public QObject
{
    Q_OBJECT

private slots:
    void neverCrashesOrHangs_data();
    void neverCrashesOrHangs();
};

void TestPrometheusMutation::neverCrashesOrHangs_data()
{
    QTest::addColumn<QByteArray>("valid");
    QTest::addColumn<ExpositionFormat>("format");
    QTest::addColumn<QByteArray>("donor");
    QTest::addColumn<bool>("validParses");
    QTest::newRow("0.0.4") << kText << ExpositionFormat::PrometheusText << kOpenMetrics << true;
    QTest::newRow("OpenMetrics") << kOpenMetrics << ExpositionFormat::OpenMetrics << kText << true;
    // Cross-format: bytes in the wrong format exercise the other grammar's error paths
    // (exemplars are not 0.0.4, a missing "# EOF" is not OpenMetrics).
    QTest::newRow("OpenMetrics bytes as 0.0.4") << kOpenMetrics << ExpositionFormat::PrometheusText << kText << false;
    QTest::newRow("0.0.4 bytes as OpenMetrics") << kText << ExpositionFormat::OpenMetrics << kOpenMetrics << false;
}

void TestPrometheusMutation::neverCrashesOrHangs()
{
    QFETCH(QByteArray, valid);
    QFETCH(ExpositionFormat, format);
    QFETCH(QByteArray, donor);
    QFETCH(bool, validParses);

    PrometheusParser longLived;
    const bool validOk = longLived.parse(valid, format);
    const QString validOutcome = outcome(longLived, validOk);
    QVERIFY2(validOk == validParses, qPrintable(longLived.error().toString()));

    quint64 rowSeed = Seed; // FNV-1a of the row name: a fixed, portable seed per row
    for (const char *c = QTest::currentDataTag(); *c; ++c)
        rowSeed = (rowSeed ^ static_cast<unsigned char>(*c)) * 0x100000001b3ULL;
    Mutator mutator(rowSeed);
    QElapsedTimer budget;
    budget.start();
    qint64 slowestNs = 0;
    int failures = 0;
    int iterations = 0;
    for (; iterations < MutationsPerRow && budget.elapsed() < TimeBudgetMs; ++iterations) {
        const QByteArray input = mutator.mutate(valid, donor);
        QElapsedTimer timer;
        timer.start();
        const bool ok = longLived.parse(input, format);
        slowestNs = std::max(slowestNs, timer.nsecsElapsed());

        if (!ok) {
            ++failures;
            const ParseError &error = longLived.error();
            const qsizetype lines = input.count('\n') + 1;
            QVERIFY2(error.line >= 1 && error.line <= lines,
                     qPrintable(QStringLiteral("iteration %1: error line %2 outside 1..%3")
                                    .arg(iterations).arg(error.line).arg(lines)));
            QVERIFY2(error.column >= 1 && !error.message.isEmpty(), qPrintable(QString::number(iterations)));
            QVERIFY(longLived.snapshot().samples().empty());
        }

        // Interned state must never change a result: compare with a parser that saw nothing.
        PrometheusParser fresh;
        const bool freshOk = fresh.parse(input, format);
        const QString got = outcome(longLived, ok);
        const QString expected = outcome(fresh, freshOk);
        if (got != expected) {
            QFAIL(qPrintable(QStringLiteral("iteration %1: long-lived parser disagrees with a fresh one\ninput: %2\n"
                                            "long-lived: %3\nfresh: %4")
                                 .arg(iterations)
                                 .arg(QString::fromLatin1(input.toPercentEncoding(" {}=\",#\n")), got, expected)));
        }

        // And the original still parses to the same result after any garbage.
        if (iterations % 64 == 0) {
            const bool again = longLived.parse(valid, format);
            QCOMPARE(outcome(longLived, again), validOutcome);
        }
    }
    qInfo("%d mutated inputs, %d rejected, slowest parse %.3f ms, %lld series interned", iterations, failures,
          double(slowestNs) / 1e6, static_cast<long long>(longLived.seriesCount()));
    QVERIFY(iterations >= 1000);
    QVERIFY2(slowestNs < 1000LL * 1000 * 1000, "a single small input took more than a second");
}

QTEST_GUILESS_MAIN(TestPrometheusMutation)
#include "tst_prometheus_mutation.moc"
