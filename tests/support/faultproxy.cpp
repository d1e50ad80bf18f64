#include "faultproxy.h"

#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <sys/socket.h>

#include <memory>
#include <optional>

namespace cutover::test {

// One client connection and its upstream copy.
struct FaultProxy::Link
{
    QPointer<QTcpSocket> client;
    QPointer<QTcpSocket> upstream;
    QByteArray request;
    QByteArray answer;
    bool forwarded = false;
    std::optional<Rule> rule;
};

namespace {

qsizetype headEnd(const QByteArray &bytes)
{
    const qsizetype i = bytes.indexOf("\r\n\r\n");
    return i < 0 ? -1 : i + 4;
}

qsizetype contentLength(const QByteArray &head)
{
    for (const QByteArray &line : head.split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().toLower() == "content-length")
            return line.mid(colon + 1).trimmed().toLongLong();
    }
    return 0;
}

// The head with "Connection: close" instead of whatever the client asked for.
QByteArray withConnectionClose(const QByteArray &head)
{
    QByteArray out;
    for (const QByteArray &line : head.split('\n')) {
        const QByteArray trimmed = line.trimmed();
        if (trimmed.isEmpty() || trimmed.toLower().startsWith("connection:"))
            continue;
        out += trimmed + "\r\n";
    }
    return out + "Connection: close\r\n\r\n";
}

} // namespace

FaultProxy::FaultProxy(const QUrl &upstream, QObject *parent)
    : QObject(parent)
    , m_upstream(upstream)
{
    connect(&m_server, &QTcpServer::newConnection, this, &FaultProxy::accept);
}

FaultProxy::~FaultProxy() = default;

bool FaultProxy::start()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

QUrl FaultProxy::url() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()));
}

int FaultProxy::seen(const QByteArray &method, const QString &path) const
{
    return m_seen.value(method + ' ' + path.toUtf8());
}

const FaultProxy::Rule *FaultProxy::match(const QByteArray &method, const QString &path)
{
    for (Rule &r : m_rules) {
        if (r.method != method || r.path != path || r.count == 0)
            continue;
        if (r.skip > 0) {
            --r.skip;
            return nullptr;
        }
        if (r.count > 0)
            --r.count;
        return &r;
    }
    return nullptr;
}

void FaultProxy::accept()
{
    while (QTcpSocket *client = m_server.nextPendingConnection()) {
        auto link = std::make_shared<Link>();
        link->client = client;
        connect(client, &QTcpSocket::disconnected, client, &QObject::deleteLater);
        connect(client, &QTcpSocket::readyRead, this, [this, link] {
            if (!link->client || link->forwarded)
                return;
            link->request += link->client->readAll();
            const qsizetype end = headEnd(link->request);
            if (end < 0 || link->request.size() < end + contentLength(link->request.left(end)))
                return;
            link->forwarded = true;
            requestComplete(link.get());
            // The link lives as long as its sockets' connections hold it.
            if (link->upstream)
                connect(link->upstream, &QTcpSocket::disconnected, this, [this, link] { answerComplete(link.get()); });
        });
    }
}

void FaultProxy::requestComplete(Link *link)
{
    const qsizetype end = headEnd(link->request);
    const QByteArray head = link->request.left(end);
    const QList<QByteArray> first = head.left(head.indexOf("\r\n")).split(' ');
    const QByteArray method = first.value(0);
    const QString path = QString::fromUtf8(first.value(1)).section(QLatin1Char('?'), 0, 0);
    ++m_seen[method + ' ' + path.toUtf8()];
    if (const Rule *r = match(method, path))
        link->rule = *r;
    if (link->rule && link->rule->fault == Fault::DropRequest) {
        reset(link->client);
        return;
    }
    auto *upstream = new QTcpSocket(link->client);
    link->upstream = upstream;
    const QByteArray bytes = withConnectionClose(head) + link->request.mid(end);
    connect(upstream, &QTcpSocket::connected, upstream, [upstream, bytes] { upstream->write(bytes); });
    const bool passThrough = !link->rule;
    QPointer<QTcpSocket> client = link->client;
    connect(upstream, &QTcpSocket::readyRead, upstream, [upstream, client, passThrough, link] {
        if (passThrough) {
            if (client)
                client->write(upstream->readAll());
        } else {
            link->answer += upstream->readAll();
        }
    });
    upstream->connectToHost(m_upstream.host(), quint16(m_upstream.port()));
}

void FaultProxy::answerComplete(Link *link)
{
    QTcpSocket *client = link->client;
    if (!client)
        return;
    if (link->upstream)
        link->answer += link->upstream->readAll();
    if (!link->rule) {
        client->disconnectFromHost();
        return;
    }
    const qsizetype end = headEnd(link->answer);
    const QByteArray head = end < 0 ? link->answer : link->answer.left(end);
    const QByteArray body = end < 0 ? QByteArray() : link->answer.mid(end);
    switch (link->rule->fault) {
    case Fault::CutBody:
        client->write(head + body.left(body.size() / 2));
        client->disconnectFromHost();
        break;
    case Fault::BadJson: {
        const QByteArray junk = "<html><body>upstream hiccup</body></html>";
        QByteArray rewritten;
        for (const QByteArray &line : head.split('\n')) {
            const QByteArray trimmed = line.trimmed();
            if (trimmed.isEmpty())
                continue;
            rewritten += trimmed.toLower().startsWith("content-length:") ? "Content-Length: " + QByteArray::number(junk.size())
                                                                         : trimmed;
            rewritten += "\r\n";
        }
        client->write(rewritten + "\r\n" + junk);
        client->disconnectFromHost();
        break;
    }
    case Fault::ResetAnswer:
    case Fault::DropRequest:
        reset(client);
        break;
    case Fault::Trickle: {
        auto *timer = new QTimer(client);
        auto left = std::make_shared<QByteArray>(link->answer);
        connect(timer, &QTimer::timeout, client, [client, timer, left] {
            if (left->isEmpty()) {
                timer->stop();
                client->disconnectFromHost();
                return;
            }
            client->write(left->left(1));
            left->remove(0, 1);
        });
        timer->start(trickleInterval);
        break;
    }
    }
}

void FaultProxy::reset(QTcpSocket *socket)
{
    if (!socket)
        return;
    // SO_LINGER 0: close() sends RST, the way a middlebox that drops the connection does.
    const linger hard {1, 0};
    ::setsockopt(int(socket->socketDescriptor()), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    socket->abort();
}

} // namespace cutover::test
