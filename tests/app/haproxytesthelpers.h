#pragma once

// Helpers of the HAProxy integration test: its configuration, tiny HTTP upstreams, traffic
// through the frontend, free ports, a Runtime API link that loses an answer, and waiting for an
// asynchronous backend call while the event loop runs.

#include "client/apierror.h"
#include "client/domain.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QHash>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QStringList>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

namespace cutover::test {

// A tiny HTTP/1.1 server: one request per connection, answers with its name.
class TinyHttp : public QObject
{
public:
    explicit TinyHttp(QString name) : m_name(std::move(name))
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection())
                serve(s);
        });
    }
    bool listen(quint16 port = 0) { return m_server.listen(QHostAddress::LocalHost, port); }
    quint16 port() const { return m_port ? m_port : m_server.serverPort(); }
    void stop()
    {
        m_port = m_server.serverPort();
        m_server.close();
        const auto sockets = m_server.findChildren<QTcpSocket *>();
        for (QTcpSocket *s : sockets)
            s->abort();
    }
    bool restart() { return listen(m_port); }
    int requests = 0;       // not counting health checks
    QStringList users;      // X-User-Id of each counted request

private:
    void serve(QTcpSocket *s)
    {
        s->setParent(&m_server);
        connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
        connect(s, &QTcpSocket::readyRead, s, [this, s] {
            m_buffers[s].append(s->readAll());
            const QByteArray &buf = m_buffers[s];
            if (!buf.contains("\r\n\r\n"))
                return;
            const QList<QByteArray> lines = buf.left(buf.indexOf("\r\n\r\n")).split('\n');
            const QByteArray path = lines.first().split(' ').value(1);
            QByteArray user;
            for (const QByteArray &l : lines) {
                if (l.toLower().startsWith("x-user-id:"))
                    user = l.mid(10).trimmed();
            }
            m_buffers.remove(s);
            const bool health = path == "/health";
            if (!health) {
                ++requests;
                users.append(QString::fromUtf8(user));
            }
            const bool fail = path.contains("fail");
            const QByteArray body = m_name.toUtf8() + '\n';
            s->write((fail ? "HTTP/1.1 500 Internal Server Error\r\n" : "HTTP/1.1 200 OK\r\n") + QByteArray("Content-Length: ")
                     + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
            s->disconnectFromHost();
        });
    }
    QString m_name;
    QTcpServer m_server;
    quint16 m_port = 0;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

// A TCP proxy in front of HAProxy's Runtime API that loses one answer: sessions pass through,
// but the command that is the (skip+1)-th to start with `trigger` reaches HAProxy, is applied,
// and its answer is dropped with the connection, as when a link breaks at the wrong moment.
class CliAnswerLoser : public QObject
{
public:
    CliAnswerLoser(quint16 upstream, QByteArray trigger, int skip = 0)
        : m_upstream(upstream), m_trigger(std::move(trigger)), m_skip(skip)
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection())
                link(s);
        });
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server.serverPort(); }
    int seen = 0;      // commands that started with the trigger, passed or cut
    bool cut = false;  // the answer was lost

private:
    void link(QTcpSocket *client)
    {
        client->setParent(this);
        auto *upstream = new QTcpSocket(client);
        auto pending = std::make_shared<QByteArray>(); // the client's bytes not yet split into lines
        auto losing = std::make_shared<bool>(false);   // this session's next answer is dropped
        const auto forward = [this, client, upstream, pending, losing] {
            if (upstream->state() != QAbstractSocket::ConnectedState)
                return; // sent once connected
            pending->append(client->readAll());
            for (qsizetype nl = pending->indexOf('\n'); nl >= 0; nl = pending->indexOf('\n')) {
                const QByteArray line = pending->left(nl + 1);
                pending->remove(0, nl + 1);
                if (line.startsWith(m_trigger) && seen++ == m_skip)
                    *losing = true;
                upstream->write(line);
            }
        };
        connect(upstream, &QTcpSocket::connected, client, forward);
        connect(client, &QTcpSocket::readyRead, client, forward);
        connect(upstream, &QTcpSocket::readyRead, client, [this, client, upstream, losing] {
            const QByteArray answer = upstream->readAll();
            if (!*losing) {
                client->write(answer);
                return;
            }
            // HAProxy answered, so it applied the command: the client never learns it.
            cut = true;
            upstream->abort();
            client->abort();
            client->deleteLater();
        });
        connect(upstream, &QTcpSocket::disconnected, client, [client] { client->disconnectFromHost(); });
        connect(client, &QTcpSocket::disconnected, client, [client, upstream] {
            upstream->disconnectFromHost();
            client->deleteLater();
        });
        upstream->connectToHost(QHostAddress::LocalHost, m_upstream);
    }

    QTcpServer m_server;
    quint16 m_upstream;
    QByteArray m_trigger;
    int m_skip;
};

// Ports free at the moment of asking, all different. The probes stay open until every port is
// chosen: closed one at a time, the kernel may hand the same port out twice, and HAProxy (which
// binds with SO_REUSEPORT) would then accept two listeners on one port and split connections
// between them.
inline QList<quint16> freePorts(int count)
{
    std::vector<std::unique_ptr<QTcpServer>> probes;
    QList<quint16> ports;
    for (int i = 0; i < count; ++i) {
        auto s = std::make_unique<QTcpServer>();
        if (!s->listen(QHostAddress::LocalHost, 0))
            return {};
        ports.append(s->serverPort());
        probes.push_back(std::move(s));
    }
    return ports;
}

// The ports docs/haproxy/haproxy.cfg is run with.
struct HaproxyPorts
{
    quint16 stats, frontend, prometheus, monolith, posts, payments;
};

// Writes the documented example into `dir` as haproxy.cfg, with these ports and `dir` for every
// folder it names; nothing may point at the system's.
inline void writeHaproxyConfig(const QString &dir, const HaproxyPorts &p)
{
    QFile cfg(QFINDTESTDATA("../../docs/haproxy/haproxy.cfg"));
    QVERIFY2(cfg.open(QIODevice::ReadOnly), "docs/haproxy/haproxy.cfg not found");
    QString text = QString::fromUtf8(cfg.readAll());
    const QString folder = dir + QLatin1Char('/');
    const auto at = [](quint16 port) { return QStringLiteral("127.0.0.1:%1").arg(port); };
    const QList<QPair<QString, QString>> substitutions {
        {QStringLiteral("/etc/haproxy/"), folder},
        {QStringLiteral("/run/haproxy/"), folder},
        {QStringLiteral("/var/lib/haproxy/"), folder},
        {QStringLiteral("127.0.0.1:9999"), at(p.stats)},
        {QStringLiteral("127.0.0.1:8080"), at(p.frontend)},
        {QStringLiteral("127.0.0.1:8405"), at(p.prometheus)},
        {QStringLiteral("127.0.0.1:8001"), at(p.monolith)},
        {QStringLiteral("127.0.0.1:8002"), at(p.posts)},
        {QStringLiteral("127.0.0.1:8003"), at(p.payments)},
        // Faster checks.
        {QStringLiteral("inter 1s"), QStringLiteral("inter 100ms")},
    };
    for (const auto &[from, to] : substitutions) {
        QVERIFY2(text.contains(from), qPrintable(from));
        text.replace(from, to);
    }
    for (const char *forbidden : {"/etc/haproxy", "/run/haproxy", "/var/lib/haproxy", ":9999", ":8080"})
        QVERIFY2(!text.contains(QLatin1String(forbidden)), forbidden);
    QFile out(QDir(dir).filePath(QStringLiteral("haproxy.cfg")));
    QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate) && out.write(text.toUtf8()) > 0);
}

// `count` GETs of `path` through the frontend on `port` at once (as user `user`, if given): their
// statuses, once all have answered or 15 s have passed.
inline QList<int> getThrough(QNetworkAccessManager &nam, quint16 port, const QString &path, int count,
                             const QByteArray &user = {})
{
    QList<int> statuses;
    QEventLoop loop;
    int pending = count;
    for (int i = 0; i < count; ++i) {
        QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(path)));
        request.setTransferTimeout(5000);
        if (!user.isEmpty())
            request.setRawHeader("X-User-Id", user);
        QNetworkReply *reply = nam.get(request);
        QObject::connect(reply, &QNetworkReply::finished, &loop, [&, reply] {
            statuses.append(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt());
            reply->deleteLater();
            if (--pending == 0)
                loop.quit();
        });
    }
    QTimer::singleShot(std::chrono::seconds(15), &loop, &QEventLoop::quit);
    if (pending > 0)
        loop.exec();
    return statuses;
}

// Runs an asynchronous backend call and waits for its callback (the event loop keeps running).
template<typename T, typename Call>
Result<T> await(Call call, std::chrono::milliseconds timeout = std::chrono::seconds(15))
{
    std::optional<Result<T>> out;
    QEventLoop loop;
    QTimer::singleShot(timeout, &loop, &QEventLoop::quit);
    call([&](Result<T> r) {
        out = std::move(r);
        loop.quit();
    });
    if (!out)
        loop.exec();
    if (!out) {
        ApiError e;
        e.kind = ApiError::Kind::Timeout;
        e.message = QStringLiteral("the test gave up waiting");
        return e;
    }
    return std::move(*out);
}

template<typename T>
QString why(const Result<T> &r)
{
    return r.ok() ? QString() : r.error().describe();
}

// The service or route of that name in a snapshot, or null.
inline const ServiceHealth *service(const HealthSnapshot &h, const char *name)
{
    for (const ServiceHealth &s : h.services) {
        if (s.name == QLatin1String(name))
            return &s;
    }
    return nullptr;
}

inline const Route *route(const RouteList &list, const char *id)
{
    for (const Route &r : list.routes) {
        if (r.id == QLatin1String(id))
            return &r;
    }
    return nullptr;
}

// The flag of that name in a list that was read, or an empty one.
inline Flag flagNamed(const Result<FlagList> &list, const char *name)
{
    for (const Flag &f : list.ok() ? list->flags : QList<Flag>()) {
        if (f.name == QLatin1String(name))
            return f;
    }
    return {};
}

} // namespace cutover::test
