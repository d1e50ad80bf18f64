// Number syntaxes of the two formats (client/prometheus/numbers.h): Go's ParseFloat for 0.0.4
// values, the OpenMetrics number and realnumber, 0.0.4 integer timestamps, canonical bounds.
#include "client/prometheus/numbers.h"

#include <QtTest/QTest>

#include <cmath>
#include <limits>

using namespace cutover::prom;

Q_DECLARE_METATYPE(cutover::prom::NumberSyntax)

namespace {

constexpr double Inf = std::numeric_limits<double>::infinity();

bool parse(const QByteArray &text, NumberSyntax syntax, double &out)
{
    return parseNumber(text.constData(), text.constData() + text.size(), syntax, out);
}

} // namespace

class TestPrometheusNumbers : public QObject
{
    Q_OBJECT

private slots:
    void valid_data();
    void valid();
    void invalid_data();
    void invalid();
    void nan();
    void underflowKeepsSign();
    void int64_data();
    void int64();
    void bounds_data();
    void bounds();
    void caseInsensitive();
};

void TestPrometheusNumbers::valid_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<NumberSyntax>("syntax");
    QTest::addColumn<double>("expected");
    const auto go = NumberSyntax::GoFloat;
    const auto om = NumberSyntax::OmNumber;
    const auto real = NumberSyntax::OmReal;
    QTest::newRow("integer") << QByteArray("42") << go << 42.0;
    QTest::newRow("leading zeros") << QByteArray("0042") << om << 42.0;
    QTest::newRow("fraction") << QByteArray("-0.25") << go << -0.25;
    QTest::newRow("dot first") << QByteArray(".5") << go << 0.5;
    QTest::newRow("dot last") << QByteArray("5.") << om << 5.0;
    QTest::newRow("exponent") << QByteArray("1.5e3") << real << 1500.0;
    QTest::newRow("capital exponent, negative") << QByteArray("1E-2") << go << 0.01;
    QTest::newRow("plus sign") << QByteArray("+7") << go << 7.0;
    // Past the 15-digit fast path: from_chars must round correctly.
    QTest::newRow("20 digits") << QByteArray("12345678901234567890") << go << 12345678901234567890.0;
    QTest::newRow("0.1 exactly rounded") << QByteArray("0.1000000000000000055511151231257827") << go << 0.1;
    QTest::newRow("22 fraction digits") << QByteArray("0.0000000000000000000001") << go << 1e-22;
    QTest::newRow("largest double") << QByteArray("1.7976931348623157e308") << go << std::numeric_limits<double>::max();
    QTest::newRow("underflow is zero") << QByteArray("1e-400") << go << 0.0;
    QTest::newRow("Go hex float") << QByteArray("0x1p3") << go << 8.0;
    QTest::newRow("Go hex float with fraction") << QByteArray("-0X1.8P-1") << go << -0.75;
    QTest::newRow("Inf") << QByteArray("Inf") << go << Inf;
    QTest::newRow("+Inf") << QByteArray("+Inf") << om << Inf;
    QTest::newRow("-infinity") << QByteArray("-infinity") << go << -Inf;
    QTest::newRow("INF any case") << QByteArray("iNf") << om << Inf;
}

void TestPrometheusNumbers::valid()
{
    QFETCH(QByteArray, text);
    QFETCH(NumberSyntax, syntax);
    QFETCH(double, expected);
    double value = -1;
    QVERIFY(parse(text, syntax, value));
    QCOMPARE(value, expected);
}

void TestPrometheusNumbers::invalid_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<NumberSyntax>("syntax");
    const auto go = NumberSyntax::GoFloat;
    const auto om = NumberSyntax::OmNumber;
    const auto real = NumberSyntax::OmReal;
    QTest::newRow("empty") << QByteArray() << go;
    QTest::newRow("lone sign") << QByteArray("-") << go;
    QTest::newRow("lone dot") << QByteArray(".") << om;
    QTest::newRow("two dots") << QByteArray("1.2.3") << go;
    QTest::newRow("exponent without digits") << QByteArray("1e") << go;
    QTest::newRow("exponent sign only") << QByteArray("1e+") << om;
    QTest::newRow("trailing letter") << QByteArray("12a") << go;
    QTest::newRow("blank inside") << QByteArray("1 2") << go;
    QTest::newRow("overflow") << QByteArray("1e400") << go;
    QTest::newRow("negative overflow") << QByteArray("-2e308") << om;
    QTest::newRow("signed NaN") << QByteArray("+NaN") << go;
    QTest::newRow("nan with payload") << QByteArray("nan(1)") << go;
    QTest::newRow("hex float without exponent") << QByteArray("0x1.8") << go;
    QTest::newRow("hex float in OpenMetrics") << QByteArray("0x1p3") << om;
    QTest::newRow("hex overflow") << QByteArray("0x1p99999") << go;
    QTest::newRow("Inf as a timestamp") << QByteArray("+Inf") << real;
    QTest::newRow("NaN as a timestamp") << QByteArray("NaN") << real;
    QTest::newRow("infinit") << QByteArray("infinit") << go;
}

void TestPrometheusNumbers::invalid()
{
    QFETCH(QByteArray, text);
    QFETCH(NumberSyntax, syntax);
    double value = 0;
    QVERIFY(!parse(text, syntax, value));
}

void TestPrometheusNumbers::nan()
{
    for (const char *text : {"NaN", "nan", "NAN"}) {
        double value = 0;
        QVERIFY2(parse(QByteArray(text), NumberSyntax::GoFloat, value), text);
        QVERIFY(std::isnan(value));
        QVERIFY(parse(QByteArray(text), NumberSyntax::OmNumber, value));
        QVERIFY(std::isnan(value));
    }
}

void TestPrometheusNumbers::underflowKeepsSign()
{
    double value = 1;
    QVERIFY(parse(QByteArray("-1e-400"), NumberSyntax::GoFloat, value));
    QCOMPARE(value, 0.0);
    QVERIFY(std::signbit(value));
}

void TestPrometheusNumbers::int64_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<qint64>("expected");
    QTest::newRow("ms") << QByteArray("1395066363000") << true << qint64(1395066363000);
    QTest::newRow("negative") << QByteArray("-3982045") << true << qint64(-3982045);
    QTest::newRow("plus") << QByteArray("+5") << true << qint64(5);
    QTest::newRow("max") << QByteArray("9223372036854775807") << true << std::numeric_limits<qint64>::max();
    QTest::newRow("min") << QByteArray("-9223372036854775808") << true << std::numeric_limits<qint64>::min();
    QTest::newRow("max + 1") << QByteArray("9223372036854775808") << false << qint64(0);
    QTest::newRow("fraction") << QByteArray("1.5") << false << qint64(0);
    QTest::newRow("exponent") << QByteArray("1e3") << false << qint64(0);
    QTest::newRow("empty") << QByteArray() << false << qint64(0);
    QTest::newRow("sign only") << QByteArray("-") << false << qint64(0);
}

void TestPrometheusNumbers::int64()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, ok);
    QFETCH(qint64, expected);
    qint64 value = 0;
    QCOMPARE(parseInt64(text.constData(), text.constData() + text.size(), value), ok);
    if (ok)
        QCOMPARE(value, expected);
}

void TestPrometheusNumbers::bounds_data()
{
    QTest::addColumn<double>("value");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("one") << 1.0 << QByteArray("1");
    QTest::newRow("millisecond") << 0.001 << QByteArray("0.001");
    QTest::newRow("fixed lower end") << 1e-4 << QByteArray("0.0001");
    QTest::newRow("scientific below") << 1e-5 << QByteArray("1e-05");
    QTest::newRow("million") << 1e6 << QByteArray("1000000");
    QTest::newRow("scientific above") << 1e21 << QByteArray("1e+21");
    QTest::newRow("negative zero") << -0.0 << QByteArray("0");
    QTest::newRow("+Inf") << Inf << QByteArray("+Inf");
    QTest::newRow("-Inf") << -Inf << QByteArray("-Inf");
    QTest::newRow("NaN") << std::numeric_limits<double>::quiet_NaN() << QByteArray("NaN");
}

void TestPrometheusNumbers::bounds()
{
    QFETCH(double, value);
    QFETCH(QByteArray, expected);
    char text[64];
    const size_t size = formatBound(value, text, sizeof text);
    QCOMPARE(QByteArray(text, qsizetype(size)), expected);
}

void TestPrometheusNumbers::caseInsensitive()
{
    const QByteArray text("InFiNiTy");
    QVERIFY(equalsIgnoreCase(text.constData(), text.constData() + text.size(), "infinity"));
    QVERIFY(!equalsIgnoreCase(text.constData(), text.constData() + 3, "infinity"));
}

QTEST_GUILESS_MAIN(TestPrometheusNumbers)
#include "tst_prometheus_numbers.moc"
