#include "client/logstream.h"
#include "tests/support/faultproxy.h"
#include "tests/support/simfixture.h"

#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QStringList>
#include <QTcpServer>
#include <QTcpSocket>
#include <QElapsedTimer>
#include <QTemporaryFile>
#include <QTest>

#include <csignal>

using namespace cutover;
using cutover::test::FaultProxy;
using cutover::test::SimFixture;
using namespace std::chrono_literals;

namespace {

// Collects what a LogStream delivers, in order.
struct Sink
{
    explicit Sink(LogStream &stream)
    {
        QObject::connect(&stream, &LogStream::linesReceived, &stream, [this](const QList<LogLine> &batch) {
            ++batches;
            lines += batch;
        });
        QObject::connect(&stream, &LogStream::gap, &stream,
                         [this](LogId from, LogId to, quint64 missed) { gaps.append({from, to, missed}); });
        QObject::connect(&stream, &LogStream::connectionStateChanged, &stream,
                         [this](LogStream::State state, const std::optional<ApiError> &error) {
                             states.append(state);
                             if (error)
                                 errors.append(*error);
                         });
        QObject::connect(&stream, &LogStream::gatewayRestarted, &stream, [this](const QString &description) {
            restarts.append(description);
            restartAt.append(lines.size());
        });
    }

    std::uint64_t lastId() const { return lines.isEmpty() ? 0 : lines.last().id.value; }

    QList<LogLine> lines;
    int batches = 0;
    struct Gap
    {
        LogId from, to;
        quint64 missed;
    };
    QList<Gap> gaps;
    QList<LogStream::State> states;
    QList<ApiError> errors;
    QStringList restarts;
    QList<qsizetype> restartAt; // lines delivered before each restart
};

struct BufferState
{
    std::uint64_t first = 0;
    std::uint64_t last = 0;
};

BufferState bufferState(SimFixture &sim)
{
    const auto j = sim.get(QStringLiteral("/admin/logs?limit=1")).json();
    return {j.value("first_id", std::uint64_t(0)), j.value("last_id", std::uint64_t(0))};
}

// The gateway's own record of lines after..: request ids by line id.
QMap<std::uint64_t, QString> gatewayLines(SimFixture &sim, std::uint64_t after)
{
    QMap<std::uint64_t, QString> out;
    for (;;) {
        const auto j = sim.get(QStringLiteral("/admin/logs?after=%1&limit=5000").arg(after)).json();
        if (!j.is_object() || j["lines"].empty())
            return out;
        for (const auto &line : j["lines"]) {
            after = line["id"].get<std::uint64_t>();
            out.insert(after, QString::fromStdString(line["request_id"].get<std::string>()));
        }
    }
}

// Ids 1..n, each once, in order.
bool contiguous(const QList<LogLine> &lines, std::uint64_t first)
{
    for (qsizetype i = 0; i < lines.size(); ++i)
        if (lines.at(i).id.value != first + std::uint64_t(i))
            return false;
    return true;
}

QByteArray logEvent(std::uint64_t id)
{
    const QByteArray n = QByteArray::number(id);
    return "id: " + n + "\nevent: log\ndata: {\"id\":" + n
        + ",\"time\":\"2026-11-26T04:38:45.101Z\",\"level\":\"info\",\"service\":\"post-service\","
          "\"backend\":\"microservice\",\"method\":\"GET\",\"path\":\"/api/posts/feed\",\"status\":200,"
          "\"latency_ms\":12.3,\"request_id\":\"req-"
        + n.rightJustified(16, '0') + "\",\"user_id\":null,\"route\":\"posts\",\"message\":\"GET /api/posts/feed 200\"}\n\n";
}

// A scripted HTTP peer for what cutover-sim cannot be made to do: go silent, answer 204 or 503.
// It has no /admin/info (404, not counted in `requests`), like a gateway without instance ids.
class FakeGateway : public QObject
{
public:
    explicit FakeGateway(QList<QByteArray> responses)
        : m_responses(std::move(responses))
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                socket->setParent(this);
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { readRequest(socket); });
            }
        });
        m_server.listen(QHostAddress::LocalHost);
    }

    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort())); }
    QList<QByteArray> requests; // the head of every request received

private:
    void readRequest(QTcpSocket *socket)
    {
        QByteArray &buffer = m_pending[socket];
        buffer += socket->readAll();
        if (!buffer.contains("\r\n\r\n"))
            return;
        if (buffer.startsWith("GET /admin/info ")) {
            buffer.clear();
            socket->write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            socket->disconnectFromHost();
            return;
        }
        requests.append(buffer);
        // Answers go out in order; the last one repeats. An event stream stays open (and silent
        // once written); anything else is closed after it.
        const QByteArray response = m_responses.at(std::min(requests.size(), m_responses.size()) - 1);
        socket->write(response);
        if (!response.contains("event-stream"))
            socket->disconnectFromHost();
    }

    QTcpServer m_server;
    QList<QByteArray> m_responses;
    QHash<QTcpSocket *, QByteArray> m_pending;
};

const QByteArray kStreamHead = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";

QByteArray header(const QByteArray &request, const QByteArray &name)
{
    for (const QByteArray &line : request.split('\n'))
        if (line.toLower().startsWith(QByteArray(name.toLower() + ':')))
            return line.mid(name.size() + 1).trimmed();
    return {};
}

} // namespace

class TestLogStream : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void followsLiveLinesInOrder();
    void backfillThenStream();
    void restartedGatewayIsFollowedFromItsStart();
    void idsGoingBackMeanARestart();
    void instanceEventShowsARestart();
    void pageInstanceShowsARestart();
    void unknownEventsAreIgnored();
    void silentGatewayIsStaleWithinTwoHeartbeats();
    void reportsGapWhenResumePointLeftTheBuffer();
    void badTokenStopsWithClearError();
    void heartbeatsArrive();
    void silentConnectionTimesOutAndResumes();
    void noContentStops();
    void serverErrorRetriesThenStreams();
    void wrongContentTypeStops();

private:
    HttpEndpoint endpoint(const QUrl &url, const QByteArray &token) const
    {
        return HttpEndpoint {url, token, {}, std::chrono::milliseconds(10000)};
    }

    QNetworkAccessManager m_nam;
};

void TestLogStream::followsLiveLinesInOrder()
{
    SimFixture sim;
    QVERIFY2(sim.start({QStringLiteral("--seed"), QStringLiteral("7"), QStringLiteral("--manual-clock")}), qPrintable(sim.error()));
    LogStream stream(&m_nam, endpoint(sim.url(), sim.token(Role::Viewer)));
    Sink sink(stream);
    stream.start();
    QTRY_COMPARE_WITH_TIMEOUT(stream.state(), LogStream::State::Streaming, 10000);
    const std::uint64_t before = bufferState(sim).last;
    QVERIFY(sim.step(3));
    const std::uint64_t last = bufferState(sim).last;
    QVERIFY(last > before + 100);
    QTRY_COMPARE_WITH_TIMEOUT(sink.lastId(), last, 10000);

    // Live only: exactly the lines produced after the connection, each once, as the gateway has them.
    QCOMPARE(sink.lines.first().id.value, before + 1);
    QVERIFY(contiguous(sink.lines, before + 1));
    const auto recorded = gatewayLines(sim, before);
    QCOMPARE(qsizetype(recorded.size()), sink.lines.size());
    for (const LogLine &line : std::as_const(sink.lines))
        QCOMPARE(line.requestId, recorded.value(line.id.value));
    // Batches, not one signal per line: the gateway flushes ~every 100 ms.
    QVERIFY2(sink.batches < sink.lines.size() / 4, qPrintable(QString::number(sink.batches)));
    QVERIFY(sink.gaps.isEmpty());
    QCOMPARE(stream.lastId(), std::optional(LogId {last}));
    stream.stop();
    QCOMPARE(sink.states.last(), LogStream::State::Stopped);
}

void TestLogStream::backfillThenStream()
{
    SimFixture sim;
    QVERIFY2(sim.start({QStringLiteral("--seed"), QStringLiteral("11"), QStringLiteral("--manual-clock")}), qPrintable(sim.error()));
    QVERIFY(sim.step(2));
    const std::uint64_t last = bufferState(sim).last;
    LogStream stream(&m_nam, endpoint(sim.url(), sim.token(Role::Viewer)));
    LogStream::Options options;
    options.backfillLimit = 100;
    stream.setOptions(options);
    Sink sink(stream);
    stream.start();
    QTRY_COMPARE_WITH_TIMEOUT(stream.state(), LogStream::State::Streaming, 10000);
    QCOMPARE(sink.lines.size(), 100);
    QCOMPARE(sink.lines.last().id.value, last);
    QVERIFY(sim.step(1));
    const std::uint64_t later = bufferState(sim).last;
    QTRY_COMPARE_WITH_TIMEOUT(sink.lastId(), later, 10000);
    QVERIFY(contiguous(sink.lines, last - 99));
    QVERIFY(sink.gaps.isEmpty());
}

void TestLogStream::restartedGatewayIsFollowedFromItsStart()
{
    // Both gateways share a token file, so the client's token stays valid across the restart.
    QTemporaryFile tokens;
    QVERIFY(tokens.open());
    tokens.write("tok-viewer-restart reader viewer\ntok-admin-restart root admin\n");
    tokens.flush();
    const QStringList args {QStringLiteral("--seed"), QStringLiteral("5"), QStringLiteral("--manual-clock"),
                            QStringLiteral("--tokens"), tokens.fileName()};
    const SimFixture::Headers admin {{"Authorization", "Bearer tok-admin-restart"}};
    auto step = [&](SimFixture &sim, int seconds) {
        return sim.request("POST", QStringLiteral("/sim/step"), std::nullopt,
                           "{\"seconds\":" + QByteArray::number(seconds) + '}', admin).status == 200;
    };
    auto logState = [](SimFixture &sim) {
        const auto j = sim.request("GET", QStringLiteral("/admin/logs?limit=1"), std::nullopt, {},
                                   {{"Authorization", "Bearer tok-viewer-restart"}}).json();
        return j.value("last_id", std::uint64_t(0));
    };

    auto first = std::make_unique<SimFixture>();
    QVERIFY2(first->start(args), qPrintable(first->error()));
    const QUrl url = first->url();
    LogStream stream(&m_nam, endpoint(url, "tok-viewer-restart"));
    Sink sink(stream);
    stream.start(LogId {0}); // everything the gateway still has
    QVERIFY(step(*first, 3));
    const std::uint64_t lastBefore = logState(*first);
    QTRY_COMPARE_WITH_TIMEOUT(sink.lastId(), lastBefore, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(!stream.instance().isEmpty(), 5000);
    const QString instanceBefore = stream.instance();

    first.reset(); // the gateway goes away
    QTRY_COMPARE_WITH_TIMEOUT(stream.state(), LogStream::State::Reconnecting, 10000);

    // Same address, same seed, a new instance: its ids start again at 1 and stay below where the
    // client was (the incident: resumed "after 322170" while the new gateway was at 19540).
    SimFixture second;
    QVERIFY2(second.start(args + QStringList {QStringLiteral("--port"), QString::number(url.port())}),
             qPrintable(second.error()));
    QCOMPARE(second.url(), url);
    QVERIFY(step(second, 1));
    const std::uint64_t lastAfter = logState(second);
    QVERIFY(lastAfter > 50 && lastAfter < lastBefore);
    QTRY_COMPARE_WITH_TIMEOUT(sink.restarts.size(), 1, 20000);
    QVERIFY2(sink.restarts.first().contains(instanceBefore), qPrintable(sink.restarts.first()));
    QVERIFY(stream.instance() != instanceBefore);
    // Everything the new instance has, from its first line, after the old instance's lines.
    QTRY_COMPARE_WITH_TIMEOUT(sink.lastId(), lastAfter, 20000);
    QCOMPARE(stream.state(), LogStream::State::Streaming);
    const qsizetype split = sink.restartAt.first();
    QVERIFY2(contiguous(sink.lines.mid(0, split), 1), "a line of the first instance was lost or doubled");
    QCOMPARE(sink.lines.at(split - 1).id.value, lastBefore);
    QVERIFY2(contiguous(sink.lines.mid(split), 1), "a line of the new instance was lost or doubled");
    QVERIFY(sink.gaps.isEmpty());
}

void TestLogStream::idsGoingBackMeanARestart()
{
    // A gateway without /admin/info: the ids alone show the restart. The first connection carries
    // lines 7 and 8 and goes silent; the next one (a new instance) starts again at 1.
    FakeGateway gateway({kStreamHead + "retry: 50\n\n" + logEvent(7) + logEvent(8),
                         kStreamHead + logEvent(1) + logEvent(2)});
    LogStream stream(&m_nam, endpoint(gateway.url(), "t"));
    LogStream::Options options;
    options.transferTimeout = 1000ms;
    stream.setOptions(options);
    Sink sink(stream);
    stream.start();
    QTRY_COMPARE_WITH_TIMEOUT(sink.restarts.size(), 1, 10000);
    QVERIFY2(sink.restarts.first().contains(QLatin1String("went back from 8 to 1")), qPrintable(sink.restarts.first()));
    QTRY_COMPARE_WITH_TIMEOUT(sink.lines.size(), 4, 10000);
    QCOMPARE(sink.lines.at(2).id.value, 1u);
    QCOMPARE(sink.lines.at(3).id.value, 2u);
    // Started over from the new instance's beginning, not resumed after line 8.
    QVERIFY(gateway.requests.size() >= 3);
    QCOMPARE(header(gateway.requests.at(2), "Last-Event-ID"), QByteArray("0"));
    stream.stop();
}

void TestLogStream::instanceEventShowsARestart()
{
    // Admin API 1.1 with /admin/info out of reach (the proxy resets every request to it): the
    // stream's `instance` event alone shows the restart, even when the new instance's ids have
    // passed the resume point already, so that they never go back and the 1.0 heuristic sees
    // nothing. Without it the client would resume "after N" and silently miss lines 1..N.
    QTemporaryFile tokens;
    QVERIFY(tokens.open());
    tokens.write("tok-viewer-epoch-1 reader viewer\ntok-admin-epoch-12 root admin\n");
    tokens.flush();
    const QStringList args {QStringLiteral("--seed"), QStringLiteral("6"), QStringLiteral("--manual-clock"),
                            QStringLiteral("--tokens"), tokens.fileName()};
    auto step = [](SimFixture &sim, int seconds) {
        return sim.request("POST", QStringLiteral("/sim/step"), std::nullopt, "{\"seconds\":" + QByteArray::number(seconds) + '}',
                           {{"Authorization", "Bearer tok-admin-epoch-12"}}).status == 200;
    };
    auto lastLogId = [](SimFixture &sim) {
        return sim.request("GET", QStringLiteral("/admin/logs?limit=1"), std::nullopt, {},
                           {{"Authorization", "Bearer tok-viewer-epoch-1"}}).json().value("last_id", std::uint64_t(0));
    };

    auto first = std::make_unique<SimFixture>();
    QVERIFY2(first->start(args), qPrintable(first->error()));
    const QUrl url = first->url();
    FaultProxy proxy(url);
    QVERIFY(proxy.start());
    const FaultProxy::Rule noInfo {"GET", QStringLiteral("/admin/info"), FaultProxy::Fault::DropRequest};
    proxy.addRule(noInfo);
    LogStream stream(&m_nam, endpoint(proxy.url(), "tok-viewer-epoch-1"));
    LogStream::Options options;
    options.maxBackoff = 1000ms;
    stream.setOptions(options);
    Sink sink(stream);
    stream.start(LogId {0});
    QVERIFY(step(*first, 1));
    const std::uint64_t lastBefore = lastLogId(*first);
    QTRY_COMPARE_WITH_TIMEOUT(sink.lastId(), lastBefore, 10000);
    QVERIFY(proxy.seen("GET", QStringLiteral("/admin/info")) >= 1);
    const QString instanceBefore = stream.instance(); // from the stream: /admin/info never answered
    QVERIFY(!instanceBefore.isEmpty());

    // The gateway restarts; the client gets through again only once the new instance is ahead.
    proxy.addRule({"GET", QStringLiteral("/admin/logs/stream"), FaultProxy::Fault::DropRequest});
    first.reset();
    QTRY_COMPARE_WITH_TIMEOUT(stream.state(), LogStream::State::Reconnecting, 10000);
    SimFixture second;
    QVERIFY2(second.start(args + QStringList {QStringLiteral("--port"), QString::number(url.port())}),
             qPrintable(second.error()));
    QVERIFY(step(second, 3));
    const std::uint64_t lastAfter = lastLogId(second);
    QVERIFY(lastAfter > lastBefore);
    proxy.clearRules();
    proxy.addRule(noInfo);

    QTRY_COMPARE_WITH_TIMEOUT(sink.restarts.size(), 1, 20000);
    QVERIFY2(sink.restarts.first().contains(instanceBefore), qPrintable(sink.restarts.first()));
    QVERIFY(stream.instance() != instanceBefore && !stream.instance().isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(sink.lastId(), lastAfter, 20000);
    QCOMPARE(stream.state(), LogStream::State::Streaming);
    const qsizetype split = sink.restartAt.first();
    QCOMPARE(split, qsizetype(lastBefore));
    QVERIFY2(contiguous(sink.lines.mid(0, split), 1), "a line of the first instance was lost or doubled");
    QVERIFY2(contiguous(sink.lines.mid(split), 1), "the new instance's lines were not followed from its start");
    QVERIFY(sink.gaps.isEmpty());
    stream.stop();
}

void TestLogStream::pageInstanceShowsARestart()
{
    // The resume point belongs to an instance that is gone (e.g. the page it came from was read
    // before a restart): the backfill page's `instance` shows it before any stream connects.
    SimFixture sim;
    QVERIFY2(sim.start({QStringLiteral("--seed"), QStringLiteral("7"), QStringLiteral("--manual-clock")}), qPrintable(sim.error()));
    QVERIFY(sim.step(1));
    const std::uint64_t last = bufferState(sim).last;
    QVERIFY(last > 20);
    FaultProxy proxy(sim.url());
    QVERIFY(proxy.start());
    proxy.addRule({"GET", QStringLiteral("/admin/info"), FaultProxy::Fault::DropRequest});
    LogStream stream(&m_nam, endpoint(proxy.url(), sim.token(Role::Viewer)));
    stream.setBackfill(5000);
    Sink sink(stream);
    int streamsBeforeRestart = -1;
    connect(&stream, &LogStream::gatewayRestarted, this,
            [&] { streamsBeforeRestart = proxy.seen("GET", QStringLiteral("/admin/logs/stream")); });
    stream.setResumeInstance(QStringLiteral("sim-gone"));
    stream.start(LogId {10});
    QTRY_COMPARE_WITH_TIMEOUT(sink.restarts.size(), 1, 10000);
    QVERIFY2(sink.restarts.first().contains(QLatin1String("sim-gone")), qPrintable(sink.restarts.first()));
    QTRY_COMPARE_WITH_TIMEOUT(sink.lastId(), last, 10000);
    QVERIFY2(contiguous(sink.lines, 1), "the new instance's lines were not followed from its start");
    QCOMPARE(sink.restartAt.first(), qsizetype(0));
    // Seen in the page, before any stream connected.
    QCOMPARE(streamsBeforeRestart, 0);
    stream.stop();
}

void TestLogStream::unknownEventsAreIgnored()
{
    // Admin API 1.1: event types, fields and members a client does not know are skipped silently;
    // only a known event it cannot read is reported. CR-only line ends and a BOM are the grammar.
    QByteArray body = "\xEF\xBB\xBFretry: 50\r\revent: instance\rdata: {\"instance\":\"gw-1\",\"first_id\":1,\"last_id\":2,\"zone\":\"a\"}\r\r";
    body += "event: future\ndata: {\"x\":1}\nflavour: new\n\n: a comment\n\n" + logEvent(1);
    body += "event: instance\ndata: {\"first_id\":1}\n\n" + logEvent(2);
    FakeGateway gateway({kStreamHead + body});
    LogStream stream(&m_nam, endpoint(gateway.url(), "t"));
    Sink sink(stream);
    QList<ApiError> malformed;
    connect(&stream, &LogStream::malformedEvent, this, [&](const ApiError &e) { malformed.append(e); });
    stream.start();
    QTRY_COMPARE_WITH_TIMEOUT(sink.lines.size(), 2, 5000);
    QCOMPARE(stream.instance(), QStringLiteral("gw-1"));
    QCOMPARE(malformed.size(), 1); // the instance event without an instance
    QCOMPARE(malformed.first().field, QStringLiteral("instance"));
    QVERIFY(sink.restarts.isEmpty());
    QCOMPARE(stream.state(), LogStream::State::Streaming);
    stream.stop();
}

void TestLogStream::silentGatewayIsStaleWithinTwoHeartbeats()
{
    SimFixture sim;
    QVERIFY2(sim.start({QStringLiteral("--manual-clock"), QStringLiteral("--heartbeat-s"), QStringLiteral("1")}),
             qPrintable(sim.error()));
    LogStream stream(&m_nam, endpoint(sim.url(), sim.token(Role::Viewer)));
    QSignalSpy beats(&stream, &LogStream::heartbeat);
    stream.start();
    // Two heartbeats show the gateway's interval: the timeout follows it (default transfer
    // timeout: 45 s).
    QTRY_VERIFY_WITH_TIMEOUT(beats.size() >= 2, 10000);
    QVERIFY(stream.silenceTimeout() && *stream.silenceTimeout() <= 2500ms);

    // The gateway hangs (the process stops; the connection stays open, nothing comes).
    const auto pid = pid_t(sim.process().processId());
    QVERIFY(pid > 0);
    struct Resume
    {
        pid_t pid;
        ~Resume() { ::kill(pid, SIGCONT); }
    } resume {pid};
    QCOMPARE(::kill(pid, SIGSTOP), 0);
    QElapsedTimer since;
    since.start();
    QTRY_COMPARE_WITH_TIMEOUT(stream.state(), LogStream::State::Reconnecting, 3500);
    QVERIFY2(since.elapsed() >= 900, qPrintable(QString::number(since.elapsed())));
    QVERIFY(stream.lastError());
    QCOMPARE(stream.lastError()->kind, ApiError::Kind::Timeout);
    QVERIFY2(stream.lastError()->message.contains(QLatin1String("heartbeat")), qPrintable(stream.lastError()->message));
    stream.stop();
}

void TestLogStream::reportsGapWhenResumePointLeftTheBuffer()
{
    SimFixture sim;
    QVERIFY2(sim.start({QStringLiteral("--seed"), QStringLiteral("3"), QStringLiteral("--manual-clock"),
                        QStringLiteral("--log-buffer"), QStringLiteral("50")}),
             qPrintable(sim.error()));
    QVERIFY(sim.step(2));
    const BufferState buffer = bufferState(sim);
    QCOMPARE(buffer.last - buffer.first + 1, 50u);
    LogStream stream(&m_nam, endpoint(sim.url(), sim.token(Role::Viewer)));
    Sink sink(stream);
    stream.start(LogId {5});
    QTRY_COMPARE_WITH_TIMEOUT(sink.lastId(), buffer.last, 10000);
    QCOMPARE(sink.gaps.size(), 1);
    QCOMPARE(sink.gaps.first().from, LogId {6});
    QCOMPARE(sink.gaps.first().to, LogId {buffer.first - 1});
    QCOMPARE(sink.gaps.first().missed, buffer.first - 6);
    QCOMPARE(sink.lines.size(), 50);
    QVERIFY(contiguous(sink.lines, buffer.first));
}

void TestLogStream::badTokenStopsWithClearError()
{
    SimFixture sim;
    QVERIFY2(sim.start({QStringLiteral("--manual-clock")}), qPrintable(sim.error()));
    const QByteArray token = "not-a-valid-token-1234";
    LogStream stream(&m_nam, endpoint(sim.url(), token));
    Sink sink(stream);
    stream.start();
    QTRY_COMPARE_WITH_TIMEOUT(stream.state(), LogStream::State::Stopped, 10000);
    QCOMPARE(sink.states, (QList<LogStream::State> {LogStream::State::Connecting, LogStream::State::Stopped}));
    QVERIFY(stream.lastError());
    const ApiError &e = *stream.lastError();
    QCOMPARE(e.kind, ApiError::Kind::Unauthorized);
    QCOMPARE(e.httpStatus, 401);
    QCOMPARE(e.code, QStringLiteral("unauthorized"));
    QVERIFY(!e.requestId.isEmpty());
    QVERIFY2(e.describe().contains(QLatin1String("401")), qPrintable(e.describe()));
    QVERIFY(!e.describe().contains(QString::fromLatin1(token)));
}

void TestLogStream::heartbeatsArrive()
{
    SimFixture sim;
    QVERIFY2(sim.start({QStringLiteral("--manual-clock"), QStringLiteral("--heartbeat-s"), QStringLiteral("1")}),
             qPrintable(sim.error()));
    LogStream stream(&m_nam, endpoint(sim.url(), sim.token(Role::Viewer)));
    QSignalSpy beats(&stream, &LogStream::heartbeat);
    stream.start();
    QTRY_VERIFY_WITH_TIMEOUT(beats.size() >= 2, 10000);
    QCOMPARE(stream.state(), LogStream::State::Streaming);
    QCOMPARE(stream.reconnectionTime(), 2000ms); // the gateway's retry: 2000
}

void TestLogStream::silentConnectionTimesOutAndResumes()
{
    // The peer sends one line, then nothing, not even heartbeats: the connection is dead.
    FakeGateway gateway({kStreamHead + "retry: 50\n\n" + logEvent(3)});
    LogStream stream(&m_nam, endpoint(gateway.url(), "secret-token"));
    LogStream::Options options;
    options.transferTimeout = 500ms;
    stream.setOptions(options);
    Sink sink(stream);
    stream.start();
    QTRY_COMPARE_WITH_TIMEOUT(sink.lastId(), 3u, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(gateway.requests.size() >= 2, 10000);
    QVERIFY(!sink.errors.isEmpty());
    QCOMPARE(sink.errors.first().kind, ApiError::Kind::Timeout);
    QVERIFY(sink.states.contains(LogStream::State::Reconnecting));

    const QByteArray &first = gateway.requests.at(0);
    QVERIFY(first.startsWith("GET /admin/logs/stream HTTP/1.1"));
    QCOMPARE(header(first, "Accept"), QByteArray("text/event-stream"));
    QCOMPARE(header(first, "Authorization"), QByteArray("Bearer secret-token"));
    QCOMPARE(header(first, "Last-Event-ID"), QByteArray());
    QCOMPARE(header(gateway.requests.at(1), "Last-Event-ID"), QByteArray("3"));
    // The same line again on the new connection is not delivered twice.
    QCOMPARE(sink.lines.size(), 1);
    stream.stop();
}

void TestLogStream::noContentStops()
{
    FakeGateway gateway({"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"});
    LogStream stream(&m_nam, endpoint(gateway.url(), "t"));
    Sink sink(stream);
    stream.start();
    QTRY_COMPARE_WITH_TIMEOUT(stream.state(), LogStream::State::Stopped, 5000);
    QCOMPARE(sink.errors.size(), 1);
    QCOMPARE(sink.errors.first().httpStatus, 204);
    QCOMPARE(gateway.requests.size(), 1);
}

void TestLogStream::serverErrorRetriesThenStreams()
{
    const QByteArray body = "{\"error\":{\"status\":503,\"code\":\"unavailable\",\"message\":\"warming up\"}}";
    const QByteArray unavailable = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    FakeGateway gateway({unavailable, kStreamHead + logEvent(1) + logEvent(2)});
    LogStream stream(&m_nam, endpoint(gateway.url(), "t"));
    LogStream::Options options;
    options.initialRetry = 20ms;
    stream.setOptions(options);
    Sink sink(stream);
    stream.start();
    QTRY_COMPARE_WITH_TIMEOUT(sink.lastId(), 2u, 5000);
    QCOMPARE(sink.errors.first().kind, ApiError::Kind::Server);
    QCOMPARE(sink.errors.first().code, QStringLiteral("unavailable"));
    QCOMPARE(sink.states.mid(0, 3), (QList<LogStream::State> {LogStream::State::Connecting, LogStream::State::Reconnecting,
                                                               LogStream::State::Streaming}));
    stream.stop();
}

void TestLogStream::wrongContentTypeStops()
{
    FakeGateway gateway({"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"});
    LogStream stream(&m_nam, endpoint(gateway.url(), "t"));
    Sink sink(stream);
    stream.start();
    QTRY_COMPARE_WITH_TIMEOUT(stream.state(), LogStream::State::Stopped, 5000);
    QCOMPARE(sink.errors.first().kind, ApiError::Kind::Malformed);
    QVERIFY(sink.lines.isEmpty());
}

QTEST_GUILESS_MAIN(TestLogStream)
#include "tst_logstream.moc"
