// HaproxyBackend's Prometheus exporter (the profile's `metrics` URL) when it answers badly: its
// errors go through the one HTTP mapping (client/replyerror.h), so a 401, a 403, an answer that
// breaks off or a silent exporter read as they do from the admin API. A scripted HTTP peer on
// loopback plays the exporter (what a real haproxy cannot be made to do on cue).
#include "client/haproxy/haproxybackend.h"

#include <QNetworkAccessManager>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace cutover;
using namespace std::chrono_literals;

namespace {

// Answers every request (once its headers are in) with `answer`, then closes; an empty answer:
// says nothing and keeps the connection open.
class ScriptedExporter : public QObject
{
public:
    ScriptedExporter()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                s->setParent(this);
                connect(s, &QTcpSocket::readyRead, s, [this, s] {
                    m_request.append(s->readAll());
                    if (!m_request.contains("\r\n\r\n") || answer.isEmpty())
                        return;
                    m_request.clear();
                    s->write(answer);
                    s->disconnectFromHost();
                });
            }
        });
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1/metrics").arg(m_server.serverPort()); }
    QByteArray answer;

private:
    QTcpServer m_server;
    QByteArray m_request;
};

} // namespace

class TestHaproxyPromex : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void scrapes();
    void errorsReadAsEverywhere_data();
    void errorsReadAsEverywhere();
    void silentExporterTimesOut();

private:
    Result<MetricsScrape> scrape(std::chrono::milliseconds timeout = 5s);

    QTemporaryDir m_dir;
    QNetworkAccessManager m_nam;
    ScriptedExporter m_exporter;
};

void TestHaproxyPromex::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(m_exporter.listen());
}

Result<MetricsScrape> TestHaproxyPromex::scrape(std::chrono::milliseconds timeout)
{
    // The Runtime API is never asked: the port is only for the profile to be valid.
    Result<HaproxyOptions> o = HaproxyOptions::fromUrl(QUrl(QStringLiteral("tcp://127.0.0.1:1?metrics=") + m_exporter.url()));
    if (!o)
        return o.error();
    HaproxyOptions options = *o;
    options.journalPath = m_dir.filePath(QStringLiteral("j.jsonl"));
    options.timeout = timeout;
    HaproxyBackend backend(options, &m_nam);
    std::optional<Result<MetricsScrape>> out;
    backend.fetchMetrics([&out](Result<MetricsScrape> r) { out = std::move(r); });
    if (!QTest::qWaitFor([&out] { return out.has_value(); }, 15000)) {
        ApiError e;
        e.message = QStringLiteral("the test gave up waiting");
        return e;
    }
    return *out;
}

void TestHaproxyPromex::scrapes()
{
    const QByteArray body = "# TYPE haproxy_process_nbthread gauge\nhaproxy_process_nbthread 1\n";
    m_exporter.answer = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    const Result<MetricsScrape> r = scrape();
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().describe()));
    QCOMPARE(r->body, body);
    QCOMPARE(r->contentType, QByteArray("text/plain; version=0.0.4"));
}

void TestHaproxyPromex::errorsReadAsEverywhere_data()
{
    QTest::addColumn<QByteArray>("answer");
    QTest::addColumn<ApiError::Kind>("kind");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("message");
    const QByteArray html = "<html><body><h1>401 Unauthorized</h1></body></html>\n";
    QTest::newRow("401") << "HTTP/1.1 401 Unauthorized\r\nContent-Type: text/html\r\nWWW-Authenticate: Basic realm=\"stats\"\r\n"
                            "Content-Length: " + QByteArray::number(html.size()) + "\r\nConnection: close\r\n\r\n" + html
                         << ApiError::Kind::Unauthorized << 401 << QStringLiteral("Unauthorized");
    QTest::newRow("403") << QByteArray("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                         << ApiError::Kind::Forbidden << 403 << QStringLiteral("Forbidden");
    QTest::newRow("503") << QByteArray("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                         << ApiError::Kind::Server << 503 << QStringLiteral("Service Unavailable");
    // A 200 whose body breaks off: a lost answer, not "HTTP 200".
    QTest::newRow("cut off") << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4096\r\n\r\n# HELP haproxy_")
                             << ApiError::Kind::Unreachable << 0
                             << QStringLiteral("the answer broke off after its status line (HTTP 200)");
}

void TestHaproxyPromex::errorsReadAsEverywhere()
{
    QFETCH(QByteArray, answer);
    QFETCH(ApiError::Kind, kind);
    QFETCH(int, status);
    QFETCH(QString, message);
    m_exporter.answer = answer;
    const Result<MetricsScrape> r = scrape();
    QVERIFY(!r.ok());
    const ApiError &e = r.error();
    QVERIFY2(e.kind == kind, qPrintable(e.describe()));
    QCOMPARE(e.httpStatus, status);
    QVERIFY2(e.message.startsWith(message), qPrintable(e.message));
    QCOMPARE(e.endpoint, QStringLiteral("GET ") + m_exporter.url());
}

void TestHaproxyPromex::silentExporterTimesOut()
{
    m_exporter.answer.clear();
    const Result<MetricsScrape> r = scrape(300ms);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, ApiError::Kind::Timeout);
    QCOMPARE(r.error().message, QStringLiteral("nothing received for 0.3 s"));
}

QTEST_GUILESS_MAIN(TestHaproxyPromex)
#include "tst_haproxypromex.moc"
