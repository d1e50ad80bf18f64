#include "runtimeconnection.h"

#include <QLocalSocket>
#include <QTcpSocket>
#include <QTimer>

#include <spdlog/spdlog.h>

namespace cutover::haproxy {

namespace {

// Messages HAProxy 2.6 prints without an error severity although the command failed.
bool looksLikeFailure(QByteArrayView text)
{
    return text.startsWith("Unknown command") || text.startsWith("Permission denied")
        || text.startsWith("Unknown map identifier") || text.startsWith("Missing ")
        || text.startsWith("No such ") || text.startsWith("Require ");
}

QString commandName(const QByteArray &command)
{
    // Enough to say which command failed without echoing long payloads.
    return QString::fromUtf8(command.left(80));
}

} // namespace

// --- Endpoint ------------------------------------------------------------------------------

Result<Endpoint> Endpoint::fromUrl(const QUrl &url)
{
    ApiError e;
    e.kind = ApiError::Kind::Validation;
    e.field = QStringLiteral("url");
    e.endpoint = QStringLiteral("haproxy profile");
    Endpoint ep;
    if (url.scheme() == QLatin1String("tcp")) {
        ep.transport = Transport::Tcp;
        ep.host = url.host();
        const int port = url.port(-1);
        if (ep.host.isEmpty() || port <= 0) {
            e.message = QStringLiteral("a tcp:// Runtime API address needs a host and a port, e.g. tcp://127.0.0.1:9999");
            return e;
        }
        ep.port = quint16(port);
        return ep;
    }
    if (url.scheme() == QLatin1String("unix")) {
        ep.transport = Transport::Unix;
        ep.path = url.path();
        if (!ep.path.startsWith(QLatin1Char('/'))) {
            e.message = QStringLiteral("a unix:// Runtime API address needs an absolute socket path, e.g. unix:///run/haproxy/admin.sock");
            return e;
        }
        return ep;
    }
    e.message = QStringLiteral("HAProxy profiles use tcp://host:port or unix:///path/to/admin.sock, not '%1'")
                    .arg(url.scheme());
    return e;
}

QString Endpoint::display() const
{
    return transport == Transport::Tcp ? QStringLiteral("tcp://%1:%2").arg(host).arg(port)
                                       : QStringLiteral("unix://") + path;
}

QString Endpoint::fileKey() const
{
    QString key = transport == Transport::Tcp ? host + QLatin1Char('_') + QString::number(port) : path;
    for (QChar &c : key) {
        if (!c.isLetterOrNumber() && c != QLatin1Char('.') && c != QLatin1Char('-') && c != QLatin1Char('_'))
            c = QLatin1Char('_');
    }
    while (key.startsWith(QLatin1Char('_')))
        key.remove(0, 1);
    return key;
}

// --- Replies and framing -------------------------------------------------------------------

bool CliReply::isError() const
{
    if (severity >= 0 && severity <= 3)
        return true;
    return looksLikeFailure(output);
}

std::optional<QByteArray> CliFramer::next()
{
    // An empty answer: the delimiter alone.
    if (m_buffer.startsWith("\n> ")) {
        m_buffer.remove(0, 3);
        return QByteArray();
    }
    if (m_buffer.startsWith('\n'))
        return std::nullopt; // the start of "\n> ", or nothing yet
    const qsizetype end = m_buffer.indexOf("\n\n> ");
    if (end < 0)
        return std::nullopt;
    QByteArray answer = m_buffer.left(end + 1);
    m_buffer.remove(0, end + 4);
    return answer;
}

CliReply CliFramer::toReply(QByteArray command, QByteArray answer)
{
    CliReply r;
    r.command = std::move(command);
    if (answer.startsWith('[')) {
        const qsizetype close = answer.indexOf("]: ");
        bool ok = false;
        const int level = close > 1 && close < 4 ? answer.mid(1, close - 1).toInt(&ok) : -1;
        if (ok && level >= 0 && level <= 7) {
            r.severity = level;
            answer.remove(0, close + 3);
        }
    }
    while (answer.endsWith('\n'))
        answer.chop(1);
    r.output = std::move(answer);
    return r;
}

QByteArray cliArg(QByteArrayView arg)
{
    QByteArray out;
    out.reserve(arg.size() + 4);
    for (char c : arg) {
        if (c == '\\' || c == ';' || c == ' ' || c == '\t')
            out.append('\\');
        out.append(c);
    }
    return out;
}

QByteArray cliArg(const QString &arg)
{
    return cliArg(QByteArrayView(arg.toUtf8()));
}

// --- Sessions ------------------------------------------------------------------------------

// One connection: prompt, severity-output, then the script's commands one at a time.
class RuntimeClient::Session : public QObject
{
public:
    Session(RuntimeClient *client, Pending pending)
        : QObject(client)
        , m_client(client)
        , m_pending(std::move(pending))
    {
        m_timer.setSingleShot(true);
        m_timer.setInterval(client->options().timeout);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            fail(ApiError::Kind::Timeout,
                 QStringLiteral("HAProxy did not answer within %1 s")
                     .arg(double(m_client->options().timeout.count()) / 1000.0));
        });
    }

    void start()
    {
        const Endpoint &ep = m_client->endpoint();
        m_timer.start();
        if (ep.transport == Endpoint::Transport::Tcp) {
            auto *socket = new QTcpSocket(this);
            m_device = socket;
            connect(socket, &QTcpSocket::connected, this, &Session::onConnected);
            connect(socket, &QTcpSocket::readyRead, this, &Session::onReadyRead);
            connect(socket, &QTcpSocket::disconnected, this, &Session::onDisconnected);
            connect(socket, &QTcpSocket::errorOccurred, this, [this, socket](QAbstractSocket::SocketError err) {
                if (err == QAbstractSocket::RemoteHostClosedError)
                    return; // disconnected() says which answer was cut
                const auto kind = err == QAbstractSocket::SocketTimeoutError ? ApiError::Kind::Timeout
                                                                             : ApiError::Kind::Unreachable;
                fail(kind, socket->errorString());
            });
            socket->connectToHost(ep.host, ep.port);
        } else {
            auto *socket = new QLocalSocket(this);
            m_device = socket;
            connect(socket, &QLocalSocket::connected, this, &Session::onConnected);
            connect(socket, &QLocalSocket::readyRead, this, &Session::onReadyRead);
            connect(socket, &QLocalSocket::disconnected, this, &Session::onDisconnected);
            connect(socket, &QLocalSocket::errorOccurred, this, [this, socket](QLocalSocket::LocalSocketError err) {
                if (err == QLocalSocket::PeerClosedError)
                    return; // disconnected() says which answer was cut
                if (err == QLocalSocket::SocketAccessError) {
                    fail(ApiError::Kind::Forbidden,
                         QStringLiteral("no permission to use %1 (%2); the socket's mode/group must allow the user "
                                        "running Cutover")
                             .arg(m_client->endpoint().path, socket->errorString()));
                    return;
                }
                fail(err == QLocalSocket::SocketTimeoutError ? ApiError::Kind::Timeout : ApiError::Kind::Unreachable,
                     socket->errorString());
            });
            socket->connectToServer(ep.path);
        }
    }

    // Ends without calling back (the client is going away).
    void abandon()
    {
        m_finished = true;
        m_timer.stop();
        if (m_device)
            m_device->disconnect(this);
    }

private:
    enum class Stage { Connecting, Prompt, Severity, Commands };

    void onConnected()
    {
        m_stage = Stage::Prompt;
        write("prompt");
    }

    void onReadyRead()
    {
        if (m_finished)
            return;
        m_timer.start();
        m_framer.feed(m_device->readAll());
        while (!m_finished) {
            std::optional<QByteArray> answer = m_framer.next();
            if (!answer)
                break;
            handle(std::move(*answer));
        }
    }

    void handle(QByteArray answer)
    {
        switch (m_stage) {
        case Stage::Connecting:
            return;
        case Stage::Prompt:
            m_stage = Stage::Severity;
            write("set severity-output number");
            return;
        case Stage::Severity:
            // An old HAProxy without severities still works: isError() falls back on the text.
            m_stage = Stage::Commands;
            send(m_pending.first);
            return;
        case Stage::Commands:
            break;
        }
        m_replies.append(CliFramer::toReply(m_current, std::move(answer)));
        std::optional<QByteArray> next = m_pending.next(m_replies);
        if (next)
            send(*next);
        else
            succeed();
    }

    void send(const QByteArray &command)
    {
        if (command.contains('\n') || command.contains('\r')) {
            fail(ApiError::Kind::Validation, QStringLiteral("a Runtime API command cannot contain a line break"));
            return;
        }
        m_current = command;
        write(command);
    }

    void write(const QByteArray &line)
    {
        m_device->write(line + '\n');
    }

    void onDisconnected()
    {
        if (m_finished)
            return;
        fail(ApiError::Kind::Unreachable,
             m_stage == Stage::Commands
                 ? QStringLiteral("HAProxy closed the connection before answering '%1'").arg(commandName(m_current))
                 : QStringLiteral("HAProxy closed the connection before the session started (stats maxconn reached?)"));
    }

    void succeed()
    {
        write("quit");
        finish(Result<Replies>(m_replies));
    }

    void fail(ApiError::Kind kind, const QString &message)
    {
        if (m_finished)
            return;
        ApiError e;
        e.kind = kind;
        e.message = message;
        e.endpoint = m_client->endpoint().display()
            + (m_current.isEmpty() ? QString() : QStringLiteral(" «") + commandName(m_current) + QStringLiteral("»"));
        if (auto log = spdlog::get("net"))
            log->warn("{}", e.describe().toStdString());
        finish(Result<Replies>(std::move(e)));
    }

    void finish(Result<Replies> result)
    {
        m_finished = true;
        m_timer.stop();
        if (m_device) {
            m_device->disconnect(this);
            // Hand "quit" to the kernel now: the socket is deleted soon after.
            if (auto *tcp = qobject_cast<QTcpSocket *>(m_device)) {
                tcp->flush();
                tcp->disconnectFromHost();
            } else if (auto *local = qobject_cast<QLocalSocket *>(m_device)) {
                local->flush();
                local->disconnectFromServer();
            }
        }
        // Queued: the caller may delete the client from its callback, and we may be inside a
        // socket signal here. A queued call whose context (the client) is gone is dropped.
        RuntimeClient *client = m_client;
        QMetaObject::invokeMethod(
            client, [done = std::move(m_pending.done), result = std::move(result)]() mutable { done(std::move(result)); },
            Qt::QueuedConnection);
        client->finished(this);
    }

    RuntimeClient *m_client;
    Pending m_pending;
    QPointer<QIODevice> m_device;
    QTimer m_timer;
    CliFramer m_framer;
    Stage m_stage = Stage::Connecting;
    QByteArray m_current;
    Replies m_replies;
    bool m_finished = false;
};

// --- Client --------------------------------------------------------------------------------

RuntimeClient::RuntimeClient(Endpoint endpoint, QObject *parent)
    : QObject(parent)
    , m_endpoint(std::move(endpoint))
{
}

RuntimeClient::~RuntimeClient()
{
    for (Session *s : std::as_const(m_active))
        s->abandon();
}

void RuntimeClient::run(QList<QByteArray> commands, Done done, bool stopOnError)
{
    if (commands.isEmpty()) {
        QMetaObject::invokeMethod(
            this, [done = std::move(done)] { done(Replies()); }, Qt::QueuedConnection);
        return;
    }
    QByteArray first = commands.first();
    converse(std::move(first),
             [commands = std::move(commands), stopOnError](const Replies &replies) -> std::optional<QByteArray> {
                 if (stopOnError && replies.last().isError())
                     return std::nullopt;
                 if (replies.size() >= commands.size())
                     return std::nullopt;
                 return commands.at(replies.size());
             },
             std::move(done));
}

void RuntimeClient::converse(QByteArray first, Script next, Done done)
{
    m_queue.push_back({std::move(first), std::move(next), std::move(done)});
    startNext();
}

void RuntimeClient::startNext()
{
    while (!m_queue.empty() && m_active.size() < std::max(1, m_options.maxConnections)) {
        auto *session = new Session(this, std::move(m_queue.front()));
        m_queue.pop_front();
        m_active.append(session);
        session->start();
    }
}

void RuntimeClient::finished(Session *session)
{
    m_active.removeOne(session);
    session->deleteLater();
    startNext();
}

} // namespace cutover::haproxy
