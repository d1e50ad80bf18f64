#pragma once

// Helpers of the HAProxy integration test: tiny HTTP upstreams, free ports, and waiting for an
// asynchronous backend call while the event loop runs.

#include "client/apierror.h"
#include "client/domain.h"

#include <QEventLoop>
#include <QHash>
#include <QStringList>
#include <QTcpServer>
#include <QTcpSocket>
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

} // namespace cutover::test
