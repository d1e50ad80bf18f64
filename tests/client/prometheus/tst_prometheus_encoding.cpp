// What the bytes are: the Content-Type header (client/prometheus/contenttype.h) and strict
// UTF-8 (client/prometheus/utf8.h).
#include "client/prometheus/contenttype.h"
#include "client/prometheus/utf8.h"

#include <QtTest/QTest>

using namespace cutover;

Q_DECLARE_METATYPE(cutover::ExpositionFormat)
Q_DECLARE_METATYPE(std::optional<cutover::ExpositionFormat>)

class TestPrometheusEncoding : public QObject
{
    Q_OBJECT

private slots:
    void contentType_data();
    void contentType();
    void utf8_data();
    void utf8();
    void codePoints();
};

void TestPrometheusEncoding::contentType_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<std::optional<ExpositionFormat>>("expected");
    const std::optional<ExpositionFormat> text = ExpositionFormat::PrometheusText;
    const std::optional<ExpositionFormat> om = ExpositionFormat::OpenMetrics;
    const std::optional<ExpositionFormat> none;
    QTest::newRow("text 0.0.4") << QByteArray("text/plain; version=0.0.4; charset=utf-8") << text;
    QTest::newRow("text without version") << QByteArray("text/plain") << text;
    QTest::newRow("text quoted version") << QByteArray("text/plain;version=\"0.0.4\"") << text;
    QTest::newRow("openmetrics 1.0.0") << QByteArray("application/openmetrics-text; version=1.0.0; charset=utf-8") << om;
    QTest::newRow("openmetrics mixed case") << QByteArray("Application/OpenMetrics-Text;Version=0.0.1") << om;
    QTest::newRow("openmetrics without version") << QByteArray("application/openmetrics-text") << om;
    QTest::newRow("utf8 spelled without dash") << QByteArray(" text/plain ; charset=UTF8 ") << text;
    QTest::newRow("parameter without value ignored") << QByteArray("text/plain; foo") << text;
    QTest::newRow("protobuf") << QByteArray("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily") << none;
    QTest::newRow("html error page") << QByteArray("text/html; charset=utf-8") << none;
    QTest::newRow("empty") << QByteArray() << none;
    QTest::newRow("unknown text version") << QByteArray("text/plain; version=1.0.0") << none;
    QTest::newRow("unknown om version") << QByteArray("application/openmetrics-text; version=2.0.0") << none;
    QTest::newRow("latin1 charset") << QByteArray("text/plain; charset=iso-8859-1") << none;
}

void TestPrometheusEncoding::contentType()
{
    QFETCH(QByteArray, header);
    QFETCH(std::optional<ExpositionFormat>, expected);
    QCOMPARE(expositionFormatFromContentType(header), expected);
}

void TestPrometheusEncoding::utf8_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("firstInvalid");
    QTest::newRow("ascii") << QByteArray("plain text") << -1;
    QTest::newRow("NUL is valid") << QByteArray("a\0b", 3) << -1;
    QTest::newRow("two, three and four bytes") << QByteArray("\xC3\xBC \xE2\x82\xAC \xF0\x9F\x98\x80") << -1;
    QTest::newRow("largest code point") << QByteArray("\xF4\x8F\xBF\xBF") << -1;
    QTest::newRow("lone continuation byte") << QByteArray("ab\x80") << 2;
    QTest::newRow("byte 0xFF") << QByteArray("\xFF") << 0;
    QTest::newRow("overlong 2-byte") << QByteArray("x\xC0\xAF") << 1;
    QTest::newRow("overlong 3-byte") << QByteArray("\xE0\x80\xAF") << 0;
    QTest::newRow("overlong 4-byte") << QByteArray("\xF0\x80\x80\xAF") << 0;
    QTest::newRow("surrogate") << QByteArray("ok\xED\xA0\x80") << 2;
    QTest::newRow("past U+10FFFF") << QByteArray("\xF4\x90\x80\x80") << 0;
    QTest::newRow("truncated at the end") << QByteArray("abc\xE2\x82") << 3;
    QTest::newRow("continuation missing") << QByteArray("\xE2(\xAC") << 0;
}

void TestPrometheusEncoding::utf8()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, firstInvalid);
    QCOMPARE(int(prom::firstInvalidUtf8(bytes.constData(), size_t(bytes.size()))), firstInvalid);
    QCOMPARE(prom::isValidUtf8(bytes.constData(), size_t(bytes.size())), firstInvalid < 0);
}

void TestPrometheusEncoding::codePoints()
{
    const QByteArray text("Z\xC3\xBCrich \xE2\x82\xAC");
    QCOMPARE(prom::codePoints(text.constData(), size_t(text.size())), size_t(8));
}

QTEST_GUILESS_MAIN(TestPrometheusEncoding)
#include "tst_prometheus_encoding.moc"
