// Byte-level scanning and the family rules (client/prometheus/lexer.h, familyrules.h).
#include "client/prometheus/familyrules.h"
#include "client/prometheus/lexer.h"

#include <QtTest/QTest>

#include <string>

using namespace cutover;
using namespace cutover::prom;

Q_DECLARE_METATYPE(cutover::prom::EscapeRules)
Q_DECLARE_METATYPE(cutover::prom::EscapeError::Problem)

class TestPrometheusLexer : public QObject
{
    Q_OBJECT

private slots:
    void charClasses();
    void metricName_data();
    void metricName();
    void escapes_data();
    void escapes();
    void escapeErrors_data();
    void escapeErrors();
    void quotedExcerpt();
    void suffixes();
    void typeNames();
};

void TestPrometheusLexer::charClasses()
{
    QVERIFY(is(':', MetricStart) && !is(':', LabelStart));
    QVERIFY(is('_', LabelStart) && is('7', LabelChar) && !is('7', LabelStart));
    QVERIFY(is('\t', Blank) && is(' ', Blank) && !is('\n', Blank));
    QVERIFY(!is(char(0xC3), MetricChar));
    const char text[] = " \t x";
    QCOMPARE(skipBlanks(text, text + 4), text + 3);
}

void TestPrometheusLexer::metricName_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("length");
    QTest::newRow("plain") << QByteArray("http_requests_total{") << 19;
    QTest::newRow("colons and digits") << QByteArray("job:rate5m 1") << 10;
    QTest::newRow("digit first") << QByteArray("1abc") << 0;
    QTest::newRow("empty") << QByteArray() << 0;
    QTest::newRow("utf-8 stops it") << QByteArray("ab\xC3\xA9") << 2;
}

void TestPrometheusLexer::metricName()
{
    QFETCH(QByteArray, text);
    QFETCH(int, length);
    const char *begin = text.constData();
    QCOMPARE(int(scanMetricName(begin, begin + text.size()) - begin), length);
}

void TestPrometheusLexer::escapes_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<EscapeRules>("rules");
    QTest::addColumn<QByteArray>("decoded");
    QTest::newRow("text HELP") << QByteArray("a\\nb\\\\c\"d") << EscapeRules::TextHelp << QByteArray("a\nb\\c\"d");
    QTest::newRow("text label value") << QByteArray("x\\\"y\\\\z\\n") << EscapeRules::TextLabelValue << QByteArray("x\"y\\z\n");
    QTest::newRow("OpenMetrics keeps unknown escapes") << QByteArray("\\a\\\"") << EscapeRules::OpenMetrics << QByteArray("\\a\"");
    QTest::newRow("utf-8 and NUL") << QByteArray("Z\xC3\xBCrich\0!", 9) << EscapeRules::TextLabelValue
                                   << QByteArray("Z\xC3\xBCrich\0!", 9);
    QTest::newRow("empty") << QByteArray() << EscapeRules::OpenMetrics << QByteArray();
}

void TestPrometheusLexer::escapes()
{
    QFETCH(QByteArray, raw);
    QFETCH(EscapeRules, rules);
    QFETCH(QByteArray, decoded);
    std::string out = "left over";
    const EscapeError error = decodeEscapes(raw.constData(), raw.constData() + raw.size(), out, rules, false);
    QVERIFY2(!error, qPrintable(error.message));
    QCOMPARE(QByteArray(out.data(), qsizetype(out.size())), decoded);
}

void TestPrometheusLexer::escapeErrors_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<EscapeRules>("rules");
    QTest::addColumn<bool>("forbidQuote");
    QTest::addColumn<EscapeError::Problem>("problem");
    QTest::addColumn<int>("at");
    QTest::newRow("\\\" in 0.0.4 HELP") << QByteArray("ab\\\"") << EscapeRules::TextHelp << false << EscapeError::UnknownEscape << 2;
    QTest::newRow("\\t in a 0.0.4 label value") << QByteArray("\\t") << EscapeRules::TextLabelValue << false
                                                << EscapeError::UnknownEscape << 0;
    QTest::newRow("backslash at the end") << QByteArray("abc\\") << EscapeRules::OpenMetrics << false
                                          << EscapeError::UnfinishedEscape << 3;
    QTest::newRow("bare quote in OpenMetrics HELP") << QByteArray("say \"hi\"") << EscapeRules::OpenMetrics << true
                                                    << EscapeError::UnescapedQuote << 4;
    QTest::newRow("invalid byte") << QByteArray("ok\xFFok") << EscapeRules::TextLabelValue << false
                                  << EscapeError::InvalidUtf8 << 2;
    QTest::newRow("invalid byte after an escape") << QByteArray("\\n\xC3(") << EscapeRules::OpenMetrics << false
                                                  << EscapeError::InvalidUtf8 << 2;
}

void TestPrometheusLexer::escapeErrors()
{
    QFETCH(QByteArray, raw);
    QFETCH(EscapeRules, rules);
    QFETCH(bool, forbidQuote);
    QFETCH(EscapeError::Problem, problem);
    QFETCH(int, at);
    std::string out;
    const EscapeError error = decodeEscapes(raw.constData(), raw.constData() + raw.size(), out, rules, forbidQuote);
    QCOMPARE(error.problem, problem);
    QCOMPARE(int(error.at - raw.constData()), at);
    QVERIFY(!error.message.isEmpty());
}

void TestPrometheusLexer::quotedExcerpt()
{
    QCOMPARE(quoted("a\tb", 3), QStringLiteral("\"a\\x09b\""));
    const std::string longText(100, 'x');
    QCOMPARE(quoted(longText.data(), longText.size()), u'"' + QString(60, u'x') + QStringLiteral("...\""));
}

void TestPrometheusLexer::suffixes()
{
    const auto kinds = [](MetricType type, bool om) {
        QStringList out;
        for (const SuffixRule &rule : suffixRules(type, om))
            out << QString::fromLatin1(rule.suffix.data(), qsizetype(rule.suffix.size()));
        return out.join(u',');
    };
    QCOMPARE(kinds(MetricType::Counter, false), QString());
    QCOMPARE(kinds(MetricType::Counter, true), QStringLiteral("_total,_created"));
    QCOMPARE(kinds(MetricType::Histogram, false), QStringLiteral("_bucket,_count,_sum"));
    QCOMPARE(kinds(MetricType::Histogram, true), QStringLiteral("_bucket,_count,_sum,_created"));
    QCOMPARE(kinds(MetricType::GaugeHistogram, true), QStringLiteral("_bucket,_gcount,_gsum"));
    QCOMPARE(kinds(MetricType::Summary, true), QStringLiteral(",_count,_sum,_created"));
    QCOMPARE(kinds(MetricType::Info, true), QStringLiteral("_info"));
    QCOMPARE(kinds(MetricType::StateSet, true), QString());
    for (const SuffixRule &rule : suffixRules(MetricType::Histogram, true)) {
        if (rule.suffix == "_bucket")
            QCOMPARE(rule.kind, SampleKind::Bucket);
    }
}

void TestPrometheusLexer::typeNames()
{
    QCOMPARE(typeName(MetricType::Unknown, false), QStringLiteral("untyped"));
    QCOMPARE(typeName(MetricType::Unknown, true), QStringLiteral("unknown"));
    QCOMPARE(typeName(MetricType::GaugeHistogram, true), QStringLiteral("gaugehistogram"));
    const auto parsed = [](const char *text, bool om) { return parseType(text, std::strlen(text), om); };
    QCOMPARE(parsed("untyped", false), std::optional<MetricType>(MetricType::Unknown));
    QCOMPARE(parsed("untyped", true), std::optional<MetricType>());
    QCOMPARE(parsed("unknown", true), std::optional<MetricType>(MetricType::Unknown));
    QCOMPARE(parsed("info", false), std::optional<MetricType>());
    QCOMPARE(parsed("stateset", true), std::optional<MetricType>(MetricType::StateSet));
    QCOMPARE(parsed("Gauge", false), std::optional<MetricType>());
    // Every type's name is read back as that type in OpenMetrics.
    for (MetricType type : {MetricType::Unknown, MetricType::Counter, MetricType::Gauge, MetricType::Histogram,
                            MetricType::GaugeHistogram, MetricType::Summary, MetricType::Info, MetricType::StateSet}) {
        const QByteArray name = typeName(type, true).toLatin1();
        QCOMPARE(parseType(name.constData(), size_t(name.size()), true), std::optional<MetricType>(type));
    }
}

QTEST_GUILESS_MAIN(TestPrometheusLexer)
#include "tst_prometheus_lexer.moc"
