// HAProxy Runtime API framing: the interactive-mode framer fed at every split point, severity
// prefixes, argument escaping, and RuntimeClient against a fake CLI peer (TCP and UNIX socket)
// that answers in small delayed chunks, closes early, stays silent or is not there.
#include "client/haproxy/runtimeconnection.h"

#include <QLocalServer>
#include <QLocalSocket>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace cutover;
using namespace cutover::haproxy;
using namespace std::chrono_literals;

namespace {

// Speaks the interactive CLI: "prompt", "set severity-output", then canned answers, written a few
// bytes at a time with pauses so that the client sees split reads.
class FakeCli : public QObject
{
public:
    QHash<QByteArray, QByteArray> answers; // command → answer text (without the delimiter)
    QList<QByteArray> received;             // every command line, in order
    int open = 0;
    int busy = 0;
    int maxBusy = 0;
    int chunk = 3;

    bool listenTcp()
    {
        connect(&m_tcp, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_tcp.nextPendingConnection())
                serve(s);
        });
        return m_tcp.listen(QHostAddress::LocalHost, 0);
    }
    bool listenUnix(const QString &path)
    {
        connect(&m_local, &QLocalServer::newConnection, this, [this] {
            while (QLocalSocket *s = m_local.nextPendingConnection())
                serve(s);
        });
        return m_local.listen(path);
    }
    quint16 port() const { return m_tcp.serverPort(); }

private:
    void serve(QIODevice *s)
    {
        ++open;
        auto buffer = std::make_shared<QByteArray>();
        auto closed = std::make_shared<bool>(false);
        auto onClose = [this, s, closed] {
            if (*closed)
                return;
            *closed = true;
            --open;
            s->deleteLater();
        };
        if (auto *t = qobject_cast<QTcpSocket *>(s))
            connect(t, &QTcpSocket::disconnected, this, onClose);
        else if (auto *l = qobject_cast<QLocalSocket *>(s))
            connect(l, &QLocalSocket::disconnected, this, onClose);
        connect(s, &QIODevice::readyRead, this, [this, s, buffer] {
            buffer->append(s->readAll());
            qsizetype nl;
            while ((nl = buffer->indexOf('\n')) >= 0) {
                const QByteArray line = buffer->left(nl);
                buffer->remove(0, nl + 1);
                handle(s, line);
            }
        });
    }

    void handle(QIODevice *s, const QByteArray &line)
    {
        received.append(line);
        if (line == "quit")
            return close(s);
        if (line == "prompt" || line == "set severity-output number")
            return send(s, "\n> ");
        if (line == "hang")
            return;
        if (line == "slow") {
            // Busy for a while: sessions that overlap here were open at the same time.
            maxBusy = std::max(maxBusy, ++busy);
            QTimer::singleShot(30ms, s, [this, s] {
                --busy;
                send(s, "done\n\n> ");
            });
            return;
        }
        if (line == "die") {
            send(s, "partial answ");
            QTimer::singleShot(20ms, s, [this, s] { close(s); });
            return;
        }
        const QByteArray answer = answers.value(line, "[6]: Unknown command, but maybe one of the following ones is a better match:\n  help\n");
        send(s, answer.isEmpty() ? QByteArray("\n> ") : answer + "\n> ");
    }

    void send(QIODevice *s, const QByteArray &bytes)
    {
        QPointer<QIODevice> guard(s);
        for (qsizetype at = 0, n = 0; at < bytes.size(); at += chunk, ++n) {
            const QByteArray piece = bytes.mid(at, chunk);
            QTimer::singleShot(std::chrono::milliseconds(n), this, [guard, piece] {
                if (guard && guard->isOpen())
                    guard->write(piece);
            });
        }
    }

    void close(QIODevice *s)
    {
        if (auto *t = qobject_cast<QTcpSocket *>(s))
            t->disconnectFromHost();
        else if (auto *l = qobject_cast<QLocalSocket *>(s))
            l->disconnectFromServer();
    }

    QTcpServer m_tcp;
    QLocalServer m_local;
};

Endpoint tcp(quint16 port)
{
    Endpoint e;
    e.transport = Endpoint::Transport::Tcp;
    e.host = QStringLiteral("127.0.0.1");
    e.port = port;
    return e;
}

quint16 closedPort()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort(); // closed again when s goes away
}

QString why(const Result<RuntimeClient::Replies> &r)
{
    return r.ok() ? QString() : r.error().describe();
}

struct Outcome
{
    std::optional<Result<RuntimeClient::Replies>> result;
    int calls = 0;
};

RuntimeClient::Done recorder(std::shared_ptr<Outcome> o)
{
    return [o](Result<RuntimeClient::Replies> r) {
        ++o->calls;
        o->result = std::move(r);
    };
}

} // namespace

class TestRuntimeConnection : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void framerAtEverySplit_data();
    void framerAtEverySplit();
    void severities_data();
    void severities();
    void escapesArguments();
    void endpointFromUrl_data();
    void endpointFromUrl();

    void runsCommandsOverTcp();
    void stopsAtTheFirstError();
    void runsOverUnixSocket();
    void converseUsesEarlierAnswers();
    void refusedIsUnreachable();
    void silenceTimesOut();
    void closedMidAnswerIsUnreachable();
    void limitsConcurrentConnections();
    void noCallbackAfterDestruction();
};

void TestRuntimeConnection::framerAtEverySplit_data()
{
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<QList<QByteArray>>("answers");
    QTest::newRow("empty answer") << QByteArray("\n> ") << QList<QByteArray> {QByteArray()};
    QTest::newRow("data answer") << QByteArray("admin\n\n> ") << QList<QByteArray> {"admin\n"};
    QTest::newRow("multi-line") << QByteArray("# pxname,svname,\nfe,FRONTEND,\n\n> ")
                                << QList<QByteArray> {"# pxname,svname,\nfe,FRONTEND,\n"};
    QTest::newRow("error") << QByteArray("[3]: No such server.\n\n> ") << QList<QByteArray> {"[3]: No such server.\n"};
    QTest::newRow("a line that starts with '> '")
        << QByteArray("a\n> b\n\n> ") << QList<QByteArray> {"a\n> b\n"};
    QTest::newRow("answers back to back")
        << QByteArray("\n> [6]: admin\n\n> \n> x\n\n> ")
        << QList<QByteArray> {QByteArray(), "[6]: admin\n", QByteArray(), "x\n"};
}

void TestRuntimeConnection::framerAtEverySplit()
{
    QFETCH(QByteArray, stream);
    QFETCH(QList<QByteArray>, answers);
    auto drain = [](CliFramer &f, QList<QByteArray> &out) {
        while (auto a = f.next())
            out.append(*a);
    };
    // Two pieces, cut at every position.
    for (qsizetype cut = 0; cut <= stream.size(); ++cut) {
        CliFramer f;
        QList<QByteArray> got;
        f.feed(QByteArrayView(stream).first(cut));
        drain(f, got);
        f.feed(QByteArrayView(stream).sliced(cut));
        drain(f, got);
        QCOMPARE(got, answers);
        QCOMPARE(f.pendingBytes(), 0);
    }
    // One byte at a time.
    CliFramer f;
    QList<QByteArray> got;
    for (char c : stream) {
        f.feed(QByteArrayView(&c, 1));
        drain(f, got);
    }
    QCOMPARE(got, answers);
}

void TestRuntimeConnection::severities_data()
{
    QTest::addColumn<QByteArray>("answer");
    QTest::addColumn<int>("severity");
    QTest::addColumn<QByteArray>("output");
    QTest::addColumn<bool>("error");
    QTest::newRow("error") << QByteArray("[3]: No such server.\n") << 3 << QByteArray("No such server.") << true;
    QTest::newRow("info") << QByteArray("[6]: New version created: 2\n") << 6 << QByteArray("New version created: 2") << false;
    QTest::newRow("unknown command at info") << QByteArray("[6]: Unknown command, but maybe…\n  help\n") << 6
                                             << QByteArray("Unknown command, but maybe…\n  help") << true;
    QTest::newRow("data") << QByteArray("# pxname,svname,\n") << -1 << QByteArray("# pxname,svname,") << false;
    QTest::newRow("no severity, denied") << QByteArray("Permission denied\n") << -1 << QByteArray("Permission denied") << true;
    QTest::newRow("bracket data") << QByteArray("[x]: not a level\n") << -1 << QByteArray("[x]: not a level") << false;
    QTest::newRow("empty") << QByteArray() << -1 << QByteArray() << false;
}

void TestRuntimeConnection::severities()
{
    QFETCH(QByteArray, answer);
    QFETCH(int, severity);
    QFETCH(QByteArray, output);
    QFETCH(bool, error);
    const CliReply r = CliFramer::toReply("cmd", answer);
    QCOMPARE(r.severity, severity);
    QCOMPARE(r.output, output);
    QCOMPARE(r.isError(), error);
}

void TestRuntimeConnection::escapesArguments()
{
    QCOMPARE(cliArg(QByteArrayView("on 25")), QByteArray("on\\ 25"));
    QCOMPARE(cliArg(QByteArrayView("a;b\\c\td")), QByteArray("a\\;b\\\\c\\\td"));
    QCOMPARE(cliArg(QStringLiteral("/api/posts")), QByteArray("/api/posts"));
}

void TestRuntimeConnection::endpointFromUrl_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("display");
    QTest::addColumn<QString>("fileKey");
    QTest::newRow("tcp") << QStringLiteral("tcp://127.0.0.1:9999") << true << QStringLiteral("tcp://127.0.0.1:9999")
                         << QStringLiteral("127.0.0.1_9999");
    QTest::newRow("tcp with options") << QStringLiteral("tcp://127.0.0.1:9999?routes_map=/x") << true
                                      << QStringLiteral("tcp://127.0.0.1:9999") << QStringLiteral("127.0.0.1_9999");
    QTest::newRow("unix") << QStringLiteral("unix:///run/haproxy/admin.sock") << true
                          << QStringLiteral("unix:///run/haproxy/admin.sock") << QStringLiteral("run_haproxy_admin.sock");
    QTest::newRow("tcp without port") << QStringLiteral("tcp://127.0.0.1") << false << QString() << QString();
    QTest::newRow("http") << QStringLiteral("http://127.0.0.1:9999") << false << QString() << QString();
}

void TestRuntimeConnection::endpointFromUrl()
{
    QFETCH(QString, url);
    QFETCH(bool, ok);
    QFETCH(QString, display);
    QFETCH(QString, fileKey);
    const Result<Endpoint> e = Endpoint::fromUrl(QUrl(url));
    QCOMPARE(e.ok(), ok);
    if (!ok) {
        QCOMPARE(e.error().kind, ApiError::Kind::Validation);
        QVERIFY(!e.error().message.isEmpty());
        return;
    }
    QCOMPARE(e->display(), display);
    QCOMPARE(e->fileKey(), fileKey);
}

void TestRuntimeConnection::runsCommandsOverTcp()
{
    FakeCli cli;
    cli.answers = {{"show cli level", "[6]: admin\n"},
                   {"show stat", "# pxname,svname,\nfe,FRONTEND,\nbe,BACKEND,\n"},
                   {"set weight be/s 10", ""}};
    QVERIFY(cli.listenTcp());
    RuntimeClient client(tcp(cli.port()));
    auto o = std::make_shared<Outcome>();
    client.run({"show cli level", "show stat", "set weight be/s 10"}, recorder(o));
    QTRY_VERIFY_WITH_TIMEOUT(o->result.has_value(), 5000);
    QVERIFY2(o->result->ok(), qPrintable(why(*o->result)));
    const RuntimeClient::Replies &r = o->result->value();
    QCOMPARE(r.size(), 3);
    QCOMPARE(r.at(0).output, QByteArray("admin"));
    QCOMPARE(r.at(0).severity, 6);
    QCOMPARE(r.at(1).output, QByteArray("# pxname,svname,\nfe,FRONTEND,\nbe,BACKEND,"));
    QCOMPARE(r.at(2).output, QByteArray());
    QVERIFY(!r.at(2).isError());
    QCOMPARE(r.at(2).command, QByteArray("set weight be/s 10"));
    // The session: interactive mode, severities, the commands, quit.
    QTRY_COMPARE_WITH_TIMEOUT(cli.received.size(), 6, 2000);
    QCOMPARE(cli.received.first(), QByteArray("prompt"));
    QCOMPARE(cli.received.at(1), QByteArray("set severity-output number"));
    QCOMPARE(cli.received.last(), QByteArray("quit"));
    QCOMPARE(o->calls, 1);
}

void TestRuntimeConnection::stopsAtTheFirstError()
{
    FakeCli cli;
    cli.answers = {{"set weight be/nope 1", "[3]: No such server.\n"}, {"show cli level", "[6]: admin\n"}};
    QVERIFY(cli.listenTcp());
    RuntimeClient client(tcp(cli.port()));
    auto o = std::make_shared<Outcome>();
    client.run({"set weight be/nope 1", "show cli level"}, recorder(o));
    QTRY_VERIFY_WITH_TIMEOUT(o->result.has_value(), 5000);
    QVERIFY(o->result->ok());
    QCOMPARE(o->result->value().size(), 1);
    QVERIFY(o->result->value().first().isError());
    QCOMPARE(o->result->value().first().text(), QStringLiteral("No such server."));
    QTRY_VERIFY_WITH_TIMEOUT(cli.received.contains("quit"), 2000);
    QVERIFY(!cli.received.contains("show cli level"));
}

void TestRuntimeConnection::runsOverUnixSocket()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    FakeCli cli;
    cli.chunk = 1;
    cli.answers = {{"show info", "Name: HAProxy\nVersion: 2.6.12\n"}};
    const QString path = dir.filePath(QStringLiteral("admin.sock"));
    QVERIFY(cli.listenUnix(path));
    Endpoint ep;
    ep.transport = Endpoint::Transport::Unix;
    ep.path = path;
    RuntimeClient client(ep);
    auto o = std::make_shared<Outcome>();
    client.run({"show info"}, recorder(o));
    QTRY_VERIFY_WITH_TIMEOUT(o->result.has_value(), 5000);
    QVERIFY2(o->result->ok(), qPrintable(why(*o->result)));
    QCOMPARE(o->result->value().first().output, QByteArray("Name: HAProxy\nVersion: 2.6.12"));
}

void TestRuntimeConnection::converseUsesEarlierAnswers()
{
    FakeCli cli;
    cli.answers = {{"prepare map /m", "[6]: New version created: 7\n"}, {"add map @7 /m k v", ""}, {"commit map @7 /m", ""}};
    QVERIFY(cli.listenTcp());
    RuntimeClient client(tcp(cli.port()));
    auto o = std::make_shared<Outcome>();
    client.converse("prepare map /m",
                    [](const RuntimeClient::Replies &r) -> std::optional<QByteArray> {
                        const QByteArray version = r.first().output.mid(r.first().output.lastIndexOf(' ') + 1);
                        if (r.size() == 1)
                            return "add map @" + version + " /m k v";
                        if (r.size() == 2)
                            return "commit map @" + version + " /m";
                        return std::nullopt;
                    },
                    recorder(o));
    QTRY_VERIFY_WITH_TIMEOUT(o->result.has_value(), 5000);
    QVERIFY(o->result->ok());
    QCOMPARE(o->result->value().size(), 3);
    QVERIFY(cli.received.contains("commit map @7 /m"));
}

void TestRuntimeConnection::refusedIsUnreachable()
{
    RuntimeClient client(tcp(closedPort()));
    auto o = std::make_shared<Outcome>();
    client.run({"show info"}, recorder(o));
    QTRY_VERIFY_WITH_TIMEOUT(o->result.has_value(), 5000);
    QVERIFY(!o->result->ok());
    QCOMPARE(o->result->error().kind, ApiError::Kind::Unreachable);
    QVERIFY(o->result->error().isTransient());

    Endpoint ep;
    ep.transport = Endpoint::Transport::Unix;
    ep.path = QStringLiteral("/nonexistent/haproxy.sock");
    RuntimeClient local(ep);
    auto o2 = std::make_shared<Outcome>();
    local.run({"show info"}, recorder(o2));
    QTRY_VERIFY_WITH_TIMEOUT(o2->result.has_value(), 5000);
    QCOMPARE(o2->result->error().kind, ApiError::Kind::Unreachable);
}

void TestRuntimeConnection::silenceTimesOut()
{
    FakeCli cli;
    QVERIFY(cli.listenTcp());
    RuntimeClient client(tcp(cli.port()));
    client.setOptions({200ms, 3});
    auto o = std::make_shared<Outcome>();
    client.run({"hang"}, recorder(o));
    QTRY_VERIFY_WITH_TIMEOUT(o->result.has_value(), 5000);
    QCOMPARE(o->result->error().kind, ApiError::Kind::Timeout);
    QVERIFY(o->result->error().endpoint.contains(QStringLiteral("hang")));
}

void TestRuntimeConnection::closedMidAnswerIsUnreachable()
{
    FakeCli cli;
    QVERIFY(cli.listenTcp());
    RuntimeClient client(tcp(cli.port()));
    auto o = std::make_shared<Outcome>();
    client.run({"die"}, recorder(o));
    QTRY_VERIFY_WITH_TIMEOUT(o->result.has_value(), 5000);
    QCOMPARE(o->result->error().kind, ApiError::Kind::Unreachable);
    QVERIFY(o->result->error().message.contains(QStringLiteral("die")));
    QCOMPARE(o->calls, 1);
}

void TestRuntimeConnection::limitsConcurrentConnections()
{
    FakeCli cli;
    QVERIFY(cli.listenTcp());
    RuntimeClient client(tcp(cli.port()));
    client.setOptions({5000ms, 2});
    QList<std::shared_ptr<Outcome>> outcomes;
    for (int i = 0; i < 6; ++i) {
        outcomes.append(std::make_shared<Outcome>());
        client.run({"slow"}, recorder(outcomes.last()));
    }
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(outcomes.cbegin(), outcomes.cend(), [](const auto &o) { return o->result.has_value(); }),
                             10000);
    for (const auto &o : outcomes)
        QVERIFY(o->result->ok());
    QCOMPARE(cli.maxBusy, 2);
}

void TestRuntimeConnection::noCallbackAfterDestruction()
{
    FakeCli cli;
    QVERIFY(cli.listenTcp());
    auto client = std::make_unique<RuntimeClient>(tcp(cli.port()));
    auto o = std::make_shared<Outcome>();
    client->run({"show info"}, recorder(o));
    QTRY_VERIFY_WITH_TIMEOUT(cli.received.contains("show info"), 5000);
    client.reset();
    // The connection is gone; run whatever was queued.
    QTRY_COMPARE_WITH_TIMEOUT(cli.open, 0, 5000);
    QCoreApplication::sendPostedEvents();
    QCoreApplication::processEvents();
    QCOMPARE(o->calls, 0);
}

QTEST_GUILESS_MAIN(TestRuntimeConnection)
#include "tst_runtimeconnection.moc"
