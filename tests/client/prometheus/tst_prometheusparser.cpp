#include "client/prometheus/prometheusparser.h"

#include "client/prometheus/familyrules.h"

#include <QtCore/QHash>
#include <QtCore/QLocale>
#include <QtTest/QTest>

#include <atomic>
#include <cstdlib>
#include <new>

// Counts operator new calls so the test can prove that a steady-state scrape does not allocate.
// (Qt's own string data uses malloc directly; the parser keeps QString out of its hot path.)
namespace {
std::atomic<long long> g_allocations{0};
}

void *operator new(std::size_t size)
{
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void *p = std::malloc(size ? size : 1))
        return p;
    throw std::bad_alloc();
}
void *operator new[](std::size_t size)
{
    return operator new(size);
}
void operator delete(void *p) noexcept
{
    std::free(p);
}
void operator delete[](void *p) noexcept
{
    std::free(p);
}
void operator delete(void *p, std::size_t) noexcept
{
    std::free(p);
}
void operator delete[](void *p, std::size_t) noexcept
{
    std::free(p);
}

using namespace cutover;

Q_DECLARE_METATYPE(cutover::ExpositionFormat)

namespace {

QString numberText(double v)
{
    if (std::isnan(v))
        return QStringLiteral("NaN");
    if (std::isinf(v))
        return v > 0 ? QStringLiteral("+Inf") : QStringLiteral("-Inf");
    return QString::number(v, 'g', QLocale::FloatingPointShortest);
}

QString escaped(QUtf8StringView s)
{
    QString out = s.toString();
    out.replace(u'\\', QStringLiteral("\\\\"));
    out.replace(u'"', QStringLiteral("\\\""));
    out.replace(u'\n', QStringLiteral("\\n"));
    return out;
}

QString labelsText(std::span<const Label> labels)
{
    QStringList parts;
    for (const Label &label : labels)
        parts << label.name.toString() + QStringLiteral("=\"") + escaped(label.value) + u'"';
    return u'{' + parts.join(u',') + u'}';
}

// One line per family ("name type [help=..] [unit=..]") and one per sample
// ("  name{labels} value [@ms] [# {labels} value [@ms]]"): readable expectations in the tables.
QString dump(const PrometheusParser &parser)
{
    const MetricSnapshot &snapshot = parser.snapshot();
    QStringList lines;
    for (const MetricSnapshot::Family &family : snapshot.families()) {
        const FamilyInfo &info = parser.family(family.id);
        // OpenMetrics spelling of every type ("unknown", not "untyped"), whatever the format.
        QString line = info.name.toString() + u' ' + prom::typeName(info.type, true);
        if (!info.help.isEmpty())
            line += QStringLiteral(" help=\"") + info.help + u'"';
        if (!info.unit.isEmpty())
            line += QStringLiteral(" unit=") + info.unit;
        lines << line;
        for (quint32 i = family.sampleBegin; i < family.sampleEnd; ++i) {
            const Sample &sample = snapshot.samples()[i];
            QString s = QStringLiteral("  ") + parser.series(sample.series).name.toString()
                + labelsText(parser.labels(sample.series)) + u' ' + numberText(sample.value);
            if (sample.timestamp)
                s += QStringLiteral(" @") + QString::number(sample.timestamp->count());
            for (const Exemplar &exemplar : snapshot.exemplars()) {
                if (exemplar.sampleIndex != i)
                    continue;
                s += QStringLiteral(" # ") + labelsText(snapshot.exemplarLabels(exemplar)) + u' '
                    + numberText(exemplar.value);
                if (exemplar.timestamp)
                    s += QStringLiteral(" @") + QString::number(exemplar.timestamp->count());
            }
            lines << s;
        }
    }
    return lines.join(u'\n');
}

QString lines(std::initializer_list<const char *> list)
{
    QStringList out;
    for (const char *line : list)
        out << QString::fromUtf8(line);
    return out.join(u'\n');
}

} // namespace

class TestPrometheusParser : public QObject
{
    Q_OBJECT

private slots:
    void validText_data();
    void validText();
    void invalidText_data();
    void invalidText();
    void validOpenMetrics_data();
    void validOpenMetrics();
    void invalidOpenMetrics_data();
    void invalidOpenMetrics();
    void timestampUnits_data();
    void timestampUnits();
    void numericLe_data();
    void numericLe();
    void duplicateLeSpellingsInOneScrape();
    void interningAcrossScrapes();
    void steadyStateDoesNotAllocate();
    void accessors();
    void failedScrapeLeavesNoPartialResult();
    void seriesLimit();
};

void TestPrometheusParser::validText_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("expected");

    QTest::newRow("empty exposition") << QByteArray() << QString();
    QTest::newRow("doc example: labels and timestamp")
        << QByteArray("# HELP http_requests_total The total number of HTTP requests.\n"
                      "# TYPE http_requests_total counter\n"
                      "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
                      "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n")
        << lines({"http_requests_total counter help=\"The total number of HTTP requests.\"",
                  "  http_requests_total{code=\"200\",method=\"post\"} 1027 @1395066363000",
                  "  http_requests_total{code=\"400\",method=\"post\"} 3 @1395066363000"});
    QTest::newRow("doc example: escapes in label values")
        << QByteArray("msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n")
        << lines({"msdos_file_access_time_seconds unknown",
                  "  msdos_file_access_time_seconds{error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\",path=\"C:\\\\DIR\\\\FILE.TXT\"} 1458255915"});
    QTest::newRow("doc example: no labels, no timestamp")
        << QByteArray("metric_without_timestamp_and_labels 12.47\n")
        << lines({"metric_without_timestamp_and_labels unknown", "  metric_without_timestamp_and_labels{} 12.47"});
    QTest::newRow("doc example: +Inf and negative timestamp")
        << QByteArray("something_weird{problem=\"division by zero\"} +Inf -3982045\n")
        << lines({"something_weird unknown", "  something_weird{problem=\"division by zero\"} +Inf @-3982045"});
    QTest::newRow("trailing comma in label set")
        << QByteArray("a{b=\"c\",} 1\n") << lines({"a unknown", "  a{b=\"c\"} 1"});
    QTest::newRow("blanks and tabs everywhere")
        << QByteArray("  \t a \t{ b = \"c\" ,\td=\"e\" , } \t 1 \t 42 \t\n")
        << lines({"a unknown", "  a{b=\"c\",d=\"e\"} 1 @42"});
    QTest::newRow("empty labels braces") << QByteArray("a{} 1\n") << lines({"a unknown", "  a{} 1"});
    QTest::newRow("empty lines and comments ignored")
        << QByteArray("\n# just a comment\n   \n#HELPless comment\na 1\n\n# another\n")
        << lines({"a unknown", "  a{} 1"});
    QTest::newRow("special values")
        << QByteArray("# TYPE g gauge\ng{v=\"1\"} NaN\ng{v=\"2\"} nan\ng{v=\"3\"} +Inf\ng{v=\"4\"} -Inf\n"
                      "g{v=\"5\"} Inf\ng{v=\"6\"} infinity\ng{v=\"7\"} -Infinity\n")
        << lines({"g gauge", "  g{v=\"1\"} NaN", "  g{v=\"2\"} NaN", "  g{v=\"3\"} +Inf", "  g{v=\"4\"} -Inf",
                  "  g{v=\"5\"} +Inf", "  g{v=\"6\"} +Inf", "  g{v=\"7\"} -Inf"});
    QTest::newRow("number spellings")
        << QByteArray("n{v=\"a\"} 1e3\nn{v=\"b\"} .5\nn{v=\"c\"} 5.\nn{v=\"d\"} -0.25\nn{v=\"e\"} 1E-2\n"
                      "n{v=\"f\"} 0x1p3\nn{v=\"g\"} +7\nn{v=\"h\"} 0042\nn{v=\"i\"} 12345678901234567890\n"
                      "n{v=\"j\"} 1e-400\n")
        << lines({"n unknown", "  n{v=\"a\"} 1000", "  n{v=\"b\"} 0.5", "  n{v=\"c\"} 5", "  n{v=\"d\"} -0.25",
                  "  n{v=\"e\"} 0.01", "  n{v=\"f\"} 8", "  n{v=\"g\"} 7", "  n{v=\"h\"} 42",
                  "  n{v=\"i\"} 12345678901234567000", "  n{v=\"j\"} 0"});
    QTest::newRow("help escapes and trailing blanks")
        << QByteArray("# HELP a Line one\\nwith \\\\ backslash and \"quotes\"   \n# TYPE a gauge\na 1\n")
        << lines({"a gauge help=\"Line one\nwith \\ backslash and \"quotes\"\"", "  a{} 1"});
    QTest::newRow("TYPE after HELP, HELP without text")
        << QByteArray("# HELP a\n# TYPE a counter\na 3\n") << lines({"a counter", "  a{} 3"});
    QTest::newRow("histogram")
        << QByteArray("# TYPE h histogram\nh_bucket{le=\"0.1\"} 1\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 3\n"
                      "h_sum 1.5\nh_count 3\n")
        << lines({"h histogram", "  h_bucket{le=\"0.1\"} 1", "  h_bucket{le=\"1\"} 2", "  h_bucket{le=\"+Inf\"} 3",
                  "  h_sum{} 1.5", "  h_count{} 3"});
    QTest::newRow("summary")
        << QByteArray("# TYPE s summary\ns{quantile=\"0.5\"} 0.2\ns{quantile=\"0.99\"} NaN\ns_sum 9\ns_count 4\n")
        << lines({"s summary", "  s{quantile=\"0.5\"} 0.2", "  s{quantile=\"0.99\"} NaN", "  s_sum{} 9", "  s_count{} 4"});
    QTest::newRow("untyped TYPE line") << QByteArray("# TYPE u untyped\nu 1\n") << lines({"u unknown", "  u{} 1"});
    QTest::newRow("families without metadata split by name")
        << QByteArray("a_total 1\na_created 2\nb 3\n")
        << lines({"a_total unknown", "  a_total{} 1", "a_created unknown", "  a_created{} 2", "b unknown", "  b{} 3"});
    QTest::newRow("metadata-only family") << QByteArray("# TYPE a gauge\n# TYPE b gauge\nb 1\n")
                                          << lines({"a gauge", "b gauge", "  b{} 1"});
    QTest::newRow("label order and empty values canonicalised")
        << QByteArray("a{z=\"1\",a=\"2\",m=\"\"} 1\n") << lines({"a unknown", "  a{a=\"2\",z=\"1\"} 1"});
    QTest::newRow("no blank between labels and value")
        << QByteArray("m{a=\"x\"}1\nm{a=\"y\"}\t2 3\nm{a=\"z\"}+Inf\n")
        << lines({"m unknown", "  m{a=\"x\"} 1", "  m{a=\"y\"} 2 @3", "  m{a=\"z\"} +Inf"});
    QTest::newRow("blank between name and labels") << QByteArray("a {b=\"c\"} 1\n") << lines({"a unknown", "  a{b=\"c\"} 1"});
    QTest::newRow("utf-8 label value and colon name")
        << QByteArray("job:rate5m{city=\"Z\xC3\xBCrich \xE2\x82\xAC\"} 2\n")
        << lines({"job:rate5m unknown", "  job:rate5m{city=\"Z\xC3\xBCrich \xE2\x82\xAC\"} 2"});
    QTest::newRow("EOF is only a comment in 0.0.4") << QByteArray("a 1\n# EOF\nb 2\n")
                                                    << lines({"a unknown", "  a{} 1", "b unknown", "  b{} 2"});
    QTest::newRow("trailing blank-only line without LF") << QByteArray("a 1\n  ") << lines({"a unknown", "  a{} 1"});
}

void TestPrometheusParser::validText()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, expected);
    PrometheusParser parser;
    QVERIFY2(parser.parse(input, ExpositionFormat::PrometheusText), qPrintable(parser.error().toString()));
    QCOMPARE(dump(parser), expected);
    // A second scrape of the same bytes goes through the interned fast path: same result.
    QVERIFY(parser.parse(input, ExpositionFormat::PrometheusText));
    QCOMPARE(dump(parser), expected);
}

void TestPrometheusParser::invalidText_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("line");
    QTest::addColumn<QString>("message");

    QTest::newRow("missing value") << QByteArray("a\n") << 1 << QStringLiteral("expected a sample value");
    QTest::newRow("bad value") << QByteArray("ok 1\na abc\n") << 2 << QStringLiteral("invalid sample value \"abc\"");
    QTest::newRow("signed NaN") << QByteArray("a +NaN\n") << 1 << QStringLiteral("invalid sample value");
    QTest::newRow("value out of range") << QByteArray("a 1e400\n") << 1 << QStringLiteral("invalid sample value");
    QTest::newRow("float timestamp") << QByteArray("a 1 1.5\n") << 1 << QStringLiteral("integer milliseconds");
    QTest::newRow("timestamp overflow") << QByteArray("a 1 9223372036854775808\n") << 1 << QStringLiteral("invalid timestamp");
    QTest::newRow("extra token") << QByteArray("a 1 2 3\n") << 1 << QStringLiteral("after the timestamp");
    QTest::newRow("unterminated label value") << QByteArray("\na{b=\"c} 1\n") << 2 << QStringLiteral("unterminated");
    QTest::newRow("unknown escape in label value") << QByteArray("a{b=\"\\t\"} 1\n") << 1 << QStringLiteral("invalid escape sequence");
    QTest::newRow("missing equals") << QByteArray("a{b \"c\"} 1\n") << 1 << QStringLiteral("expected '=' after label name \"b\"");
    QTest::newRow("label name starts with digit") << QByteArray("a{1b=\"c\"} 1\n") << 1 << QStringLiteral("expected a label name");
    QTest::newRow("lonely comma") << QByteArray("a{,} 1\n") << 1 << QStringLiteral("expected a label name");
    QTest::newRow("double comma") << QByteArray("a{b=\"c\",,} 1\n") << 1 << QStringLiteral("expected a label name after ','");
    QTest::newRow("missing comma") << QByteArray("a{b=\"c\" d=\"e\"} 1\n") << 1 << QStringLiteral("expected ',' or '}'");
    QTest::newRow("duplicate label") << QByteArray("a{b=\"c\",b=\"d\"} 1\n") << 1 << QStringLiteral("duplicate label name \"b\"");
    QTest::newRow("duplicate series") << QByteArray("a{b=\"c\"} 1\na{b=\"c\"} 2\n") << 2 << QStringLiteral("duplicate sample");
    QTest::newRow("duplicate series, other label order")
        << QByteArray("a{b=\"c\",d=\"e\"} 1\na{d=\"e\",b=\"c\"} 2\n") << 2 << QStringLiteral("duplicate sample");
    QTest::newRow("TYPE after samples") << QByteArray("a 1\n# TYPE a gauge\n") << 2 << QStringLiteral("comes after samples");
    QTest::newRow("second TYPE") << QByteArray("# TYPE a gauge\n# TYPE a gauge\na 1\n") << 2 << QStringLiteral("second \"# TYPE\"");
    QTest::newRow("second HELP") << QByteArray("# HELP a x\n# HELP a y\n") << 2 << QStringLiteral("second \"# HELP\"");
    QTest::newRow("OpenMetrics-only type") << QByteArray("# TYPE a info\n") << 1 << QStringLiteral("unknown metric type \"info\"");
    QTest::newRow("type in capitals") << QByteArray("# TYPE a GAUGE\n") << 1 << QStringLiteral("unknown metric type");
    QTest::newRow("missing type") << QByteArray("# TYPE a\n") << 1 << QStringLiteral("expected a metric type");
    QTest::newRow("HELP without name") << QByteArray("# HELP\n") << 1 << QStringLiteral("expected a metric name after \"# HELP\"");
    QTest::newRow("invalid HELP escape") << QByteArray("# HELP a x\\ty\n") << 1 << QStringLiteral("invalid escape sequence");
    QTest::newRow("interleaved families") << QByteArray("a 1\nb 1\na{x=\"1\"} 2\n") << 3 << QStringLiteral("not contiguous");
    QTest::newRow("histogram sample after its family ended")
        << QByteArray("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nb 1\nh_sum 3\n") << 5
        << QStringLiteral("belongs to the histogram family h");
    QTest::newRow("bucket without le") << QByteArray("# TYPE h histogram\nh_bucket 1\n") << 2 << QStringLiteral("needs a \"le\" label");
    QTest::newRow("le not a number") << QByteArray("# TYPE h histogram\nh_bucket{le=\"x\"} 1\n") << 2 << QStringLiteral("invalid \"le\" value \"x\"");
    QTest::newRow("le NaN") << QByteArray("# TYPE h histogram\nh_bucket{le=\"NaN\"} 1\n") << 2 << QStringLiteral("invalid \"le\" value");
    QTest::newRow("le on _sum") << QByteArray("# TYPE h histogram\nh_sum{le=\"1\"} 1\n") << 2 << QStringLiteral("only _bucket samples");
    QTest::newRow("summary without quantile") << QByteArray("# TYPE s summary\ns 1\n") << 2 << QStringLiteral("needs a \"quantile\" label");
    QTest::newRow("quantile out of range") << QByteArray("# TYPE s summary\ns{quantile=\"1.5\"} 1\n") << 2 << QStringLiteral("from 0 to 1");
    QTest::newRow("missing final line feed") << QByteArray("a 1\nb 2") << 2 << QStringLiteral("must end with a line feed");
    QTest::newRow("carriage return") << QByteArray("a 1\r\n") << 1 << QStringLiteral("carriage return");
    QTest::newRow("invalid utf-8 in label value")
        << QByteArray("a{b=\"ok\",c=\"x\xFF\"} 1\n") << 1 << QStringLiteral("value of label \"c\" is not valid UTF-8 (byte 0xff)");
    QTest::newRow("invalid utf-8 in HELP") << QByteArray("# HELP a x\xC3\n") << 1 << QStringLiteral("HELP text is not valid UTF-8");
    QTest::newRow("digit after a bare name is part of the name") << QByteArray("m1\n") << 1
                                                                  << QStringLiteral("expected a sample value");
    QTest::newRow("no blank after a bare name") << QByteArray("m+1\n") << 1 << QStringLiteral("expected a blank");
    QTest::newRow("byte order mark") << QByteArray("\xEF\xBB\xBF" "a 1\n") << 1 << QStringLiteral("byte order mark");
    QTest::newRow("metric name starts with digit") << QByteArray("1a 1\n") << 1 << QStringLiteral("expected a metric name");
    QTest::newRow("error on line 5 of a longer input")
        << QByteArray("# HELP a x\n# TYPE a gauge\na 1\n\nb{c=\"d\" 2\n") << 5 << QStringLiteral("expected ',' or '}'");
}

void TestPrometheusParser::invalidText()
{
    QFETCH(QByteArray, input);
    QFETCH(int, line);
    QFETCH(QString, message);
    PrometheusParser parser;
    QVERIFY(!parser.parse(input, ExpositionFormat::PrometheusText));
    QVERIFY2(parser.error().message.contains(message), qPrintable(parser.error().toString()));
    QCOMPARE(parser.error().line, line);
    QVERIFY(parser.error().column >= 1);
    QVERIFY(parser.snapshot().samples().empty());
}

void TestPrometheusParser::validOpenMetrics_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("expected");

    QTest::newRow("empty exposition") << QByteArray("# EOF\n") << QString();
    QTest::newRow("EOF without final line feed") << QByteArray("# TYPE a gauge\na 1\n# EOF") << lines({"a gauge", "  a{} 1"});
    QTest::newRow("counter with created")
        << QByteArray("# TYPE foo counter\nfoo_total 17.0 1520879607.789\nfoo_created 1520430000.123 1520879607.789\n# EOF\n")
        << lines({"foo counter", "  foo_total{} 17 @1520879607789", "  foo_created{} 1520430000.123 @1520879607789"});
    QTest::newRow("spec histogram with exemplars")
        << QByteArray("# TYPE foo histogram\n"
                      "foo_bucket{le=\"0.01\"} 0\n"
                      "foo_bucket{le=\"0.1\"} 8 # {} 0.054\n"
                      "foo_bucket{le=\"1\"} 11 # {trace_id=\"KOO5S4vxi0o\"} 0.67\n"
                      "foo_bucket{le=\"10\"} 17 # {trace_id=\"oHg5SJYRHA0\"} 9.8 1520879607.789\n"
                      "foo_bucket{le=\"+Inf\"} 17\n"
                      "foo_count 17\n"
                      "foo_sum 324789.3\n"
                      "foo_created 1520430000.123\n"
                      "# EOF\n")
        << lines({"foo histogram", "  foo_bucket{le=\"0.01\"} 0", "  foo_bucket{le=\"0.1\"} 8 # {} 0.054",
                  "  foo_bucket{le=\"1\"} 11 # {trace_id=\"KOO5S4vxi0o\"} 0.67",
                  "  foo_bucket{le=\"10\"} 17 # {trace_id=\"oHg5SJYRHA0\"} 9.8 @1520879607789",
                  "  foo_bucket{le=\"+Inf\"} 17", "  foo_count{} 17", "  foo_sum{} 324789.3",
                  "  foo_created{} 1520430000.123"});
    QTest::newRow("exemplar on counter after timestamp")
        << QByteArray("# TYPE c counter\nc_total 5 100 # {id=\"x\"} 1 99.5\n# EOF\n")
        << lines({"c counter", "  c_total{} 5 @100000 # {id=\"x\"} 1 @99500"});
    QTest::newRow("gaugehistogram")
        << QByteArray("# TYPE g gaugehistogram\ng_bucket{le=\"1\"} 2\ng_bucket{le=\"+Inf\"} 4\ng_gcount 4\ng_gsum -3.5\n# EOF\n")
        << lines({"g gaugehistogram", "  g_bucket{le=\"1\"} 2", "  g_bucket{le=\"+Inf\"} 4", "  g_gcount{} 4", "  g_gsum{} -3.5"});
    QTest::newRow("summary with unit and help")
        << QByteArray("# TYPE acme_seconds summary\n# UNIT acme_seconds seconds\n# HELP acme_seconds Latency \\\"quoted\\\".\n"
                      "acme_seconds{quantile=\"0.95\"} 123.7\nacme_seconds_sum{path=\"/api/v1\"} 9036.32\n"
                      "acme_seconds_count{path=\"/api/v1\"} 807283.0\nacme_seconds_created{path=\"/api/v1\"} 1605281325.0\n# EOF\n")
        << lines({"acme_seconds summary help=\"Latency \"quoted\".\" unit=seconds", "  acme_seconds{quantile=\"0.95\"} 123.7",
                  "  acme_seconds_sum{path=\"/api/v1\"} 9036.32", "  acme_seconds_count{path=\"/api/v1\"} 807283",
                  "  acme_seconds_created{path=\"/api/v1\"} 1605281325"});
    QTest::newRow("info")
        << QByteArray("# TYPE foo info\nfoo_info{entity=\"controller\",name=\"pretty name\",version=\"8.2.7\"} 1.0\n# EOF\n")
        << lines({"foo info", "  foo_info{entity=\"controller\",name=\"pretty name\",version=\"8.2.7\"} 1"});
    QTest::newRow("stateset")
        << QByteArray("# TYPE foo stateset\nfoo{entity=\"r\",foo=\"a\"} 1.0\nfoo{entity=\"r\",foo=\"bb\"} 0.0\n# EOF\n")
        << lines({"foo stateset", "  foo{entity=\"r\",foo=\"a\"} 1", "  foo{entity=\"r\",foo=\"bb\"} 0"});
    QTest::newRow("unknown with and without TYPE")
        << QByteArray("# TYPE u unknown\nu 42.23\nv_total 1\n# EOF\n")
        << lines({"u unknown", "  u{} 42.23", "v_total unknown", "  v_total{} 1"});
    QTest::newRow("metadata in any order, empty HELP and UNIT mean absent")
        << QByteArray("# HELP x_bytes \n# UNIT x_bytes \n# TYPE x_bytes gauge\nx_bytes 1\n# EOF\n")
        << lines({"x_bytes gauge", "  x_bytes{} 1"});
    QTest::newRow("several points of one series with increasing timestamps")
        << QByteArray("# TYPE f_seconds summary\n# UNIT f_seconds seconds\nf_seconds_count{a=\"bb\"} 0 123\n"
                      "f_seconds_sum{a=\"bb\"} 0 123\nf_seconds_count{a=\"bb\"} 0 456\nf_seconds_sum{a=\"bb\"} 0 456\n# EOF\n")
        << lines({"f_seconds summary unit=seconds", "  f_seconds_count{a=\"bb\"} 0 @123000", "  f_seconds_sum{a=\"bb\"} 0 @123000",
                  "  f_seconds_count{a=\"bb\"} 0 @456000", "  f_seconds_sum{a=\"bb\"} 0 @456000"});
    QTest::newRow("escapes in label values, other backslash kept")
        << QByteArray("a{b=\"x\\\"y\\\\z\\n\",c=\"\\a\"} 1\n# EOF\n")
        << lines({"a unknown", "  a{b=\"x\\\"y\\\\z\\n\",c=\"\\\\a\"} 1"});
    QTest::newRow("special values")
        << QByteArray("# TYPE g gauge\ng{v=\"1\"} NaN\ng{v=\"2\"} +Inf\ng{v=\"3\"} -inf\ng{v=\"4\"} Infinity\n# EOF\n")
        << lines({"g gauge", "  g{v=\"1\"} NaN", "  g{v=\"2\"} +Inf", "  g{v=\"3\"} -Inf", "  g{v=\"4\"} +Inf"});
    QTest::newRow("le spellings shown canonical")
        << QByteArray("# TYPE h histogram\nh_bucket{le=\"1.0\"} 0\nh_bucket{le=\"1e+06\"} 1\nh_bucket{le=\"+Inf\"} 1\n# EOF\n")
        << lines({"h histogram", "  h_bucket{le=\"1\"} 0", "  h_bucket{le=\"1000000\"} 1", "  h_bucket{le=\"+Inf\"} 1"});
    QTest::newRow("histogram buckets in any order, _count first")
        << QByteArray("# TYPE h histogram\nh_count 3\nh_sum 2\nh_bucket{le=\"+Inf\"} 3\nh_bucket{le=\"1\"} 1\n"
                      "h_bucket{le=\"0.5\"} 1\n# EOF\n")
        << lines({"h histogram", "  h_count{} 3", "  h_sum{} 2", "  h_bucket{le=\"+Inf\"} 3", "  h_bucket{le=\"1\"} 1",
                  "  h_bucket{le=\"0.5\"} 1"});
    QTest::newRow("histogram points with timestamps")
        << QByteArray("# TYPE h histogram\nh_bucket{le=\"1\"} 0 1\nh_bucket{le=\"+Inf\"} 1 1\nh_count 1 1\n"
                      "h_bucket{le=\"1\"} 2 2\nh_bucket{le=\"+Inf\"} 2 2\nh_count 2 2\n# EOF\n")
        << lines({"h histogram", "  h_bucket{le=\"1\"} 0 @1000", "  h_bucket{le=\"+Inf\"} 1 @1000", "  h_count{} 1 @1000",
                  "  h_bucket{le=\"1\"} 2 @2000", "  h_bucket{le=\"+Inf\"} 2 @2000", "  h_count{} 2 @2000"});
    QByteArray withNul("a{} 1\nb{c=\"x");
    withNul.append('\0').append("y\"} 2\n# EOF\n");
    QTest::newRow("empty label set and NUL in value")
        << withNul << lines({"a unknown", "  a{} 1", "b unknown", "  b{c=\"x"}) + QChar(0) + QStringLiteral("y\"} 2");
}

void TestPrometheusParser::validOpenMetrics()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, expected);
    PrometheusParser parser;
    QVERIFY2(parser.parse(input, ExpositionFormat::OpenMetrics), qPrintable(parser.error().toString()));
    QCOMPARE(dump(parser), expected);
    QVERIFY(parser.parse(input, ExpositionFormat::OpenMetrics));
    QCOMPARE(dump(parser), expected);
}

void TestPrometheusParser::invalidOpenMetrics_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("line");
    QTest::addColumn<QString>("message");

    QTest::newRow("empty body: no EOF") << QByteArray() << 1 << QStringLiteral("missing \"# EOF\"");
    QTest::newRow("truncated after a full line") << QByteArray("# TYPE a gauge\na 1\n") << 3 << QStringLiteral("missing \"# EOF\"");
    QTest::newRow("truncated mid-line") << QByteArray("# TYPE a gauge\na 1") << 2 << QStringLiteral("truncated");
    QTest::newRow("content after EOF") << QByteArray("# EOF\na 1\n") << 2 << QStringLiteral("after \"# EOF\"");
    QTest::newRow("blank line after EOF") << QByteArray("# EOF\n\n") << 2 << QStringLiteral("after \"# EOF\"");
    QTest::newRow("empty line") << QByteArray("a 1\n\n# EOF\n") << 2 << QStringLiteral("empty line");
    QTest::newRow("plain comment") << QByteArray("# hello\n# EOF\n") << 1 << QStringLiteral("allows only");
    QTest::newRow("two spaces before value") << QByteArray("a  1\n# EOF\n") << 1 << QStringLiteral("expected a sample value");
    QTest::newRow("tab separator") << QByteArray("a\t1\n# EOF\n") << 1 << QStringLiteral("expected a single space");
    QTest::newRow("trailing space") << QByteArray("a 1 \n# EOF\n") << 1 << QStringLiteral("expected a timestamp");
    QTest::newRow("leading space") << QByteArray(" a 1\n# EOF\n") << 1 << QStringLiteral("expected a metric name");
    QTest::newRow("trailing comma in labels") << QByteArray("a{b=\"c\",} 1\n# EOF\n") << 1 << QStringLiteral("trailing ','");
    QTest::newRow("untyped is not an OpenMetrics type") << QByteArray("# TYPE a untyped\n# EOF\n") << 1 << QStringLiteral("unknown metric type");
    QTest::newRow("counter sample without _total") << QByteArray("# TYPE foo counter\nfoo 1\n# EOF\n") << 2
                                                   << QStringLiteral("expected foo_total or foo_created");
    QTest::newRow("duplicate series without timestamps") << QByteArray("a 1\na 2\n# EOF\n") << 2 << QStringLiteral("duplicate sample");
    QTest::newRow("decreasing timestamps") << QByteArray("a 1 5\na 2 4\n# EOF\n") << 2 << QStringLiteral("duplicate sample");
    QTest::newRow("unit not a suffix") << QByteArray("# TYPE foo counter\n# UNIT foo seconds\n# EOF\n") << 2 << QStringLiteral("not a suffix");
    QTest::newRow("second UNIT") << QByteArray("# UNIT a_s s\n# UNIT a_s s\n# EOF\n") << 2 << QStringLiteral("second \"# UNIT\"");
    QTest::newRow("unit on info") << QByteArray("# TYPE a_s info\n# UNIT a_s s\n# EOF\n") << 2 << QStringLiteral("must not have a unit");
    QTest::newRow("exemplar on gauge") << QByteArray("# TYPE g gauge\ng 1 # {a=\"b\"} 1\n# EOF\n") << 2 << QStringLiteral("exemplars are only allowed");
    QTest::newRow("exemplar without braces") << QByteArray("# TYPE c counter\nc_total 1 # 1\n# EOF\n") << 2 << QStringLiteral("expected an exemplar");
    QTest::newRow("exemplar too long")
        << (QByteArray("# TYPE c counter\nc_total 1 # {t=\"") + QByteArray(128, 'x') + QByteArray("\"} 1\n# EOF\n")) << 2
        << QStringLiteral("at most 128");
    QTest::newRow("info value not 1") << QByteArray("# TYPE i info\ni_info{a=\"b\"} 2\n# EOF\n") << 2 << QStringLiteral("must be 1");
    QTest::newRow("stateset without state label") << QByteArray("# TYPE s stateset\ns{a=\"b\"} 1\n# EOF\n") << 2 << QStringLiteral("label named after its family");
    QTest::newRow("stateset value 2") << QByteArray("# TYPE s stateset\ns{s=\"b\"} 2\n# EOF\n") << 2 << QStringLiteral("0 or 1");
    QTest::newRow("negative counter") << QByteArray("# TYPE c counter\nc_total -1\n# EOF\n") << 2 << QStringLiteral("non-negative");
    QTest::newRow("fractional bucket count") << QByteArray("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1.5\n# EOF\n") << 2 << QStringLiteral("integers");
    QTest::newRow("unescaped quote in HELP") << QByteArray("# HELP a say \"hi\"\n# EOF\n") << 1 << QStringLiteral("unescaped '\"'");
    QTest::newRow("HELP without space after name") << QByteArray("# HELP a\n# EOF\n") << 1 << QStringLiteral("single space");
    QTest::newRow("hex float is Go-only") << QByteArray("a 0x1p3\n# EOF\n") << 1 << QStringLiteral("invalid sample value");
    QTest::newRow("NaN timestamp") << QByteArray("a 1 NaN\n# EOF\n") << 1 << QStringLiteral("invalid timestamp");
    QTest::newRow("metadata after samples") << QByteArray("# TYPE a gauge\na 1\n# HELP a late\n# EOF\n") << 3 << QStringLiteral("comes after samples");
    QTest::newRow("family clashes with earlier sample name")
        << QByteArray("foo_total 1\n# TYPE foo counter\n# EOF\n") << 2 << QStringLiteral("clashes with the earlier family foo_total");
    QTest::newRow("carriage return") << QByteArray("a 1\r\n# EOF\n") << 1 << QStringLiteral("carriage return");
    QTest::newRow("histogram without +Inf bucket")
        << QByteArray("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"2\"} 2\nh_count 2\nh_sum 1\n# EOF\n") << 3
        << QStringLiteral("histogram family \"h\", metric {}: no bucket with le=\"+Inf\"");
    QTest::newRow("histogram without +Inf bucket, at the end")
        << QByteArray("# TYPE h histogram\nh_bucket{route=\"/a\",le=\"+Inf\"} 2\nh_bucket{route=\"/b\",le=\"1\"} 1\n# EOF\n")
        << 3 << QStringLiteral("histogram family \"h\", metric {route=\"/b\"}: no bucket with le=\"+Inf\"");
    QTest::newRow("histogram with _count but no buckets")
        << QByteArray("# TYPE h histogram\nh_count 0\nh_sum 0\n# EOF\n") << 2 << QStringLiteral("no bucket with le=\"+Inf\"");
    QTest::newRow("histogram buckets not cumulative")
        << QByteArray("# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_bucket{le=\"2\"} 3\nh_bucket{le=\"+Inf\"} 5\n# EOF\n") << 3
        << QStringLiteral("histogram family \"h\", metric {}: buckets are not cumulative: le=\"1\" counts 5 but the higher le=\"2\" only 3");
    QTest::newRow("histogram +Inf below a finite bucket")
        << QByteArray("# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_bucket{le=\"+Inf\"} 4\nh_count 4\n# EOF\n") << 3
        << QStringLiteral("not cumulative");
    QTest::newRow("histogram _count differs from +Inf")
        << QByteArray("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 5\nh_count 4\n# EOF\n") << 3
        << QStringLiteral("histogram family \"h\", metric {}: h_count is 4 but the le=\"+Inf\" bucket is 5");
    QTest::newRow("histogram _count first differs from +Inf")
        << QByteArray("# TYPE h histogram\nh_count 4\nh_bucket{le=\"+Inf\"} 5\n# EOF\n") << 3 << QStringLiteral("h_count is 4");
    QTest::newRow("gaugehistogram _gcount differs from +Inf")
        << QByteArray("# TYPE g gaugehistogram\ng_bucket{le=\"+Inf\"} 5\ng_gcount 6\ng_gsum 1\n# EOF\n") << 3
        << QStringLiteral("gaugehistogram family \"g\", metric {}: g_gcount is 6");
    QTest::newRow("gaugehistogram without +Inf bucket")
        << QByteArray("# TYPE g gaugehistogram\ng_bucket{le=\"1\"} 5\n# EOF\n") << 2 << QStringLiteral("no bucket with le=\"+Inf\"");
    QTest::newRow("EOF with trailing space") << QByteArray("# EOF \n") << 1 << QStringLiteral("allows only");
}

void TestPrometheusParser::invalidOpenMetrics()
{
    QFETCH(QByteArray, input);
    QFETCH(int, line);
    QFETCH(QString, message);
    PrometheusParser parser;
    QVERIFY(!parser.parse(input, ExpositionFormat::OpenMetrics));
    QVERIFY2(parser.error().message.contains(message), qPrintable(parser.error().toString()));
    QCOMPARE(parser.error().line, line);
    QVERIFY(parser.snapshot().samples().empty());
}

void TestPrometheusParser::timestampUnits_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<ExpositionFormat>("format");
    QTest::addColumn<qint64>("milliseconds");

    QTest::newRow("0.0.4 integer ms") << QByteArray("a 1 1500\n") << ExpositionFormat::PrometheusText << qint64(1500);
    QTest::newRow("0.0.4 negative ms") << QByteArray("a 1 -1500\n") << ExpositionFormat::PrometheusText << qint64(-1500);
    QTest::newRow("0.0.4 real-world ms") << QByteArray("a 1 1395066363000\n") << ExpositionFormat::PrometheusText
                                         << qint64(1395066363000);
    QTest::newRow("OpenMetrics integer seconds") << QByteArray("a 1 2\n# EOF\n") << ExpositionFormat::OpenMetrics << qint64(2000);
    QTest::newRow("OpenMetrics float seconds") << QByteArray("a 1 1.5\n# EOF\n") << ExpositionFormat::OpenMetrics << qint64(1500);
    QTest::newRow("OpenMetrics real-world seconds") << QByteArray("a 1 1520879607.789\n# EOF\n") << ExpositionFormat::OpenMetrics
                                                    << qint64(1520879607789);
    QTest::newRow("OpenMetrics negative seconds") << QByteArray("a 1 -1.25\n# EOF\n") << ExpositionFormat::OpenMetrics << qint64(-1250);
    QTest::newRow("OpenMetrics exponent seconds") << QByteArray("a 1 1.5e3\n# EOF\n") << ExpositionFormat::OpenMetrics << qint64(1500000);
}

void TestPrometheusParser::timestampUnits()
{
    QFETCH(QByteArray, input);
    QFETCH(ExpositionFormat, format);
    QFETCH(qint64, milliseconds);
    PrometheusParser parser;
    QVERIFY2(parser.parse(input, format), qPrintable(parser.error().toString()));
    QCOMPARE(parser.snapshot().samples().size(), 1u);
    const auto &timestamp = parser.snapshot().samples()[0].timestamp;
    QVERIFY(timestamp.has_value());
    QCOMPARE(timestamp->count(), milliseconds);
}

void TestPrometheusParser::numericLe_data()
{
    QTest::addColumn<QByteArray>("first");
    QTest::addColumn<QByteArray>("second");
    QTest::addColumn<ExpositionFormat>("format");

    QTest::newRow("1 vs 1.0") << QByteArray("1") << QByteArray("1.0") << ExpositionFormat::PrometheusText;
    QTest::newRow("1 vs 1e0") << QByteArray("1") << QByteArray("1e0") << ExpositionFormat::PrometheusText;
    QTest::newRow("0.1 vs 1e-1") << QByteArray("0.1") << QByteArray("1e-1") << ExpositionFormat::PrometheusText;
    QTest::newRow("+Inf vs Inf") << QByteArray("+Inf") << QByteArray("Inf") << ExpositionFormat::PrometheusText;
    QTest::newRow("+Inf vs +inf, OpenMetrics") << QByteArray("+Inf") << QByteArray("+inf") << ExpositionFormat::OpenMetrics;
    QTest::newRow("10.0 vs 10, OpenMetrics") << QByteArray("10.0") << QByteArray("10") << ExpositionFormat::OpenMetrics;
    QTest::newRow("0 vs -0") << QByteArray("0") << QByteArray("-0") << ExpositionFormat::PrometheusText;
}

void TestPrometheusParser::numericLe()
{
    QFETCH(QByteArray, first);
    QFETCH(QByteArray, second);
    QFETCH(ExpositionFormat, format);
    const QByteArray eof = format == ExpositionFormat::OpenMetrics ? QByteArray("# EOF\n") : QByteArray();
    // OpenMetrics needs a +Inf bucket in every histogram: added after a finite one.
    auto exposition = [&](const QByteArray &le) -> QByteArray {
        QByteArray out = QByteArray("# TYPE h histogram\nh_bucket{job=\"x\",le=\"") + le + QByteArray("\"} 1\n");
        if (format == ExpositionFormat::OpenMetrics && !le.toLower().contains("inf"))
            out += "h_bucket{job=\"x\",le=\"+Inf\"} 1\n";
        return out + eof;
    };
    PrometheusParser parser;
    QVERIFY2(parser.parse(exposition(first), format), qPrintable(parser.error().toString()));
    const SeriesId id = parser.snapshot().samples()[0].series;
    const qsizetype series = parser.seriesCount();
    QVERIFY2(parser.parse(exposition(second), format), qPrintable(parser.error().toString()));
    QCOMPARE(parser.snapshot().samples()[0].series, id);
    QCOMPARE(parser.seriesCount(), series);
    QCOMPARE(parser.bucketBounds(parser.series(id).family).size(), size_t(series));
}

void TestPrometheusParser::duplicateLeSpellingsInOneScrape()
{
    PrometheusParser parser;
    QVERIFY(!parser.parse("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"1.0\"} 1\n", ExpositionFormat::PrometheusText));
    QCOMPARE(parser.error().line, 3);
    QVERIFY(parser.error().message.contains(QStringLiteral("duplicate sample")));
}

void TestPrometheusParser::interningAcrossScrapes()
{
    const QByteArray first("# TYPE r counter\nr{route=\"/a\",code=\"200\"} 1\nr{route=\"/b\",code=\"200\"} 2\n"
                           "# TYPE d histogram\nd_bucket{route=\"/a\",le=\"0.1\"} 1\nd_bucket{route=\"/a\",le=\"+Inf\"} 2\n"
                           "d_sum{route=\"/a\"} 0.3\nd_count{route=\"/a\"} 2\n");
    // Same series, other values, other label order, other spacing and line order.
    const QByteArray second("# TYPE r counter\nr{route=\"/b\",code=\"200\"} 5\nr{code=\"200\",route=\"/a\"} 3\n"
                            "# TYPE d histogram\nd_bucket{le=\"0.1\", route=\"/a\"} 1\nd_bucket{route=\"/a\",le=\"+Inf\"} 2\n"
                            "d_count{route=\"/a\"} 2\nd_sum{route=\"/a\"} 0.3\n");
    PrometheusParser parser;
    QVERIFY(parser.parse(first, ExpositionFormat::PrometheusText));
    QCOMPARE(parser.seriesCount(), 6);
    QHash<QString, SeriesId> ids;
    for (const Sample &sample : parser.snapshot().samples())
        ids.insert(parser.series(sample.series).name.toString() + labelsText(parser.labels(sample.series)), sample.series);

    QVERIFY2(parser.parse(second, ExpositionFormat::PrometheusText), qPrintable(parser.error().toString()));
    QCOMPARE(parser.seriesCount(), 6); // no new series
    for (const Sample &sample : parser.snapshot().samples()) {
        const QString key = parser.series(sample.series).name.toString() + labelsText(parser.labels(sample.series));
        QVERIFY2(ids.contains(key), qPrintable(key));
        QCOMPARE(sample.series, ids.value(key));
    }
    QCOMPARE(parser.snapshot().samples()[0].value, 5.0);
}

void TestPrometheusParser::steadyStateDoesNotAllocate()
{
    QByteArray exposition("# HELP req Requests.\n# TYPE req counter\n");
    // The same series in reverse order: every line misses the order prediction and is found
    // through the hash table instead, which must not allocate either.
    QByteArray reordered = exposition;
    for (int i = 0; i < 200; ++i) {
        exposition += "req{route=\"/r" + QByteArray::number(i) + "\",code=\"200\"} " + QByteArray::number(i * 3) + "\n";
        reordered += "req{route=\"/r" + QByteArray::number(199 - i) + "\",code=\"200\"} 1\n";
    }
    exposition += "# TYPE lat histogram\n";
    for (const char *le : {"0.005", "0.1", "1", "+Inf"})
        exposition += QByteArray("lat_bucket{route=\"/r1\",le=\"") + le + QByteArray("\"} 4\n");
    exposition += "lat_sum{route=\"/r1\"} 0.5\nlat_count{route=\"/r1\"} 4\n";
    QByteArray om("# TYPE c counter\n# HELP c Calls.\nc_total{a=\"b\"} 1 # {trace_id=\"abc\"} 1 1.5\n# EOF\n");

    PrometheusParser parser;
    QVERIFY(parser.parse(exposition, ExpositionFormat::PrometheusText));
    QVERIFY(parser.parse(reordered, ExpositionFormat::PrometheusText));
    QVERIFY(parser.parse(om, ExpositionFormat::OpenMetrics));
    const qsizetype series = parser.seriesCount();

    for (int round = 0; round < 3; ++round) {
        const long long before = g_allocations.load();
        const bool okText = parser.parse(exposition, ExpositionFormat::PrometheusText);
        const bool okReordered = parser.parse(reordered, ExpositionFormat::PrometheusText);
        const bool okOm = parser.parse(om, ExpositionFormat::OpenMetrics);
        const long long allocations = g_allocations.load() - before;
        QVERIFY(okText && okReordered && okOm);
        QCOMPARE(allocations, 0LL);
    }
    QCOMPARE(parser.seriesCount(), series);
    QCOMPARE(parser.snapshot().exemplars().size(), 1u);
}

void TestPrometheusParser::accessors()
{
    PrometheusParser parser;
    const QByteArray input("# TYPE http_seconds histogram\n# UNIT http_seconds seconds\n# HELP http_seconds Latency.\n"
                           "http_seconds_bucket{route=\"/a\",le=\"0.5\"} 1\nhttp_seconds_bucket{route=\"/a\",le=\"+Inf\"} 2\n"
                           "http_seconds_bucket{route=\"/b\",le=\"0.25\"} 0\nhttp_seconds_bucket{route=\"/b\",le=\"+Inf\"} 0\n"
                           "http_seconds_sum{route=\"/a\"} 1.5\nhttp_seconds_count{route=\"/a\"} 2\n# EOF\n");
    QVERIFY2(parser.parse(input, ExpositionFormat::OpenMetrics), qPrintable(parser.error().toString()));
    const MetricSnapshot &snapshot = parser.snapshot();
    QCOMPARE(snapshot.format(), ExpositionFormat::OpenMetrics);
    QCOMPARE(snapshot.families().size(), 1u);
    const FamilyInfo &family = parser.family(snapshot.families()[0].id);
    QCOMPARE(family.name.toString(), QStringLiteral("http_seconds"));
    QCOMPARE(family.type, MetricType::Histogram);
    QCOMPARE(family.unit, QStringLiteral("seconds"));
    QCOMPARE(family.help, QStringLiteral("Latency."));
    QCOMPARE(snapshot.samples(snapshot.families()[0]).size(), 6u);

    const auto samples = snapshot.samples();
    const SeriesInfo &bucket = parser.series(samples[0].series);
    QCOMPARE(bucket.kind, SampleKind::Bucket);
    QCOMPARE(bucket.bound, 0.5);
    QCOMPARE(parser.series(samples[1].series).bound, std::numeric_limits<double>::infinity());
    QCOMPARE(parser.type(samples[0].series), MetricType::Histogram);
    QCOMPARE(parser.labelValue(samples[0].series, "route")->toString(), QStringLiteral("/a"));
    QCOMPARE(parser.labelValue(samples[0].series, "le")->toString(), QStringLiteral("0.5"));
    QVERIFY(!parser.labelValue(samples[0].series, "nope").has_value());
    QCOMPARE(parser.labels(samples[0].series).size(), 2u);

    // Buckets, sum and count of one histogram share a MetricId; other label values do not.
    const SeriesInfo &sum = parser.series(samples[4].series);
    QCOMPARE(sum.kind, SampleKind::Sum);
    QVERIFY(std::isnan(sum.bound));
    QCOMPARE(sum.metric, bucket.metric);
    QCOMPARE(parser.series(samples[5].series).metric, bucket.metric);
    QCOMPARE(parser.series(samples[5].series).kind, SampleKind::Count);
    QVERIFY(parser.series(samples[2].series).metric != bucket.metric);

    const auto bounds = parser.bucketBounds(bucket.family);
    QCOMPARE(std::vector<double>(bounds.begin(), bounds.end()),
             (std::vector<double>{0.25, 0.5, std::numeric_limits<double>::infinity()}));
}

void TestPrometheusParser::failedScrapeLeavesNoPartialResult()
{
    PrometheusParser parser;
    QVERIFY(parser.parse("a 1\nb 2\n", ExpositionFormat::PrometheusText));
    QVERIFY(!parser.parse("a 1\nb{\n", ExpositionFormat::PrometheusText));
    QVERIFY(parser.snapshot().isEmpty());
    QVERIFY(parser.snapshot().samples().empty());
    QVERIFY(parser.error().isError());
    QVERIFY(parser.parse("a 1\nb 2\n", ExpositionFormat::PrometheusText));
    QVERIFY(!parser.error().isError());
    QCOMPARE(parser.snapshot().samples().size(), 2u);
}

void TestPrometheusParser::seriesLimit()
{
    PrometheusParser parser;
    parser.setSeriesLimit(2);
    QVERIFY(!parser.parse("a{x=\"1\"} 1\na{x=\"2\"} 1\na{x=\"3\"} 1\n", ExpositionFormat::PrometheusText));
    QCOMPARE(parser.error().line, 3);
    QVERIFY(parser.error().message.contains(QStringLiteral("more than 2 series")));
    parser.reset();
    QCOMPARE(parser.seriesCount(), 0);
    QVERIFY(parser.parse("a{x=\"1\"} 1\na{x=\"2\"} 1\n", ExpositionFormat::PrometheusText));
}

QTEST_GUILESS_MAIN(TestPrometheusParser)
#include "tst_prometheusparser.moc"
