#pragma once

// HAProxy Runtime API (the "stats socket" CLI) over TCP or a UNIX socket, asynchronously.
//
// Framing (management.txt §9.3): every session enters interactive mode ("prompt") and asks for
// numeric severities ("set severity-output number"), then sends one command per line and waits
// for its answer before sending the next. In interactive mode HAProxy ends each answer with
// "\n> ": an empty answer is exactly "\n> ", a non-empty one ends with "\n\n> " because no
// command ever prints an empty line. CliFramer cuts the byte stream at those points whatever the
// read boundaries are. Errors are told apart from output by the "[n]: " severity prefix (n <= 3),
// with a fallback on the handful of messages HAProxy prints at info level for failures.

#include "client/apierror.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QUrl>

#include <chrono>
#include <deque>
#include <functional>
#include <optional>

namespace cutover::haproxy {

// Where the Runtime API listens: "tcp://127.0.0.1:9999" (stats socket ipv4@…) or
// "unix:///run/haproxy/admin.sock".
struct Endpoint
{
    enum class Transport { Tcp, Unix };
    Transport transport = Transport::Tcp;
    QString host;
    quint16 port = 0;
    QString path;

    // Reads the scheme, host, port or path of a profile URL; the query is not looked at.
    static Result<Endpoint> fromUrl(const QUrl &url);
    QString display() const;   // "tcp://127.0.0.1:9999", "unix:///run/haproxy/admin.sock"
    QString fileKey() const;   // "127.0.0.1_9999", "run_haproxy_admin.sock": safe as a file name
};

// One command and HAProxy's answer to it.
struct CliReply
{
    QByteArray command;
    QByteArray output;  // without the severity prefix and the end-of-answer delimiter
    int severity = -1;  // syslog level of a "[n]: " prefix (3 = error, 6 = info); -1 without one

    bool isError() const;
    QString text() const { return QString::fromUtf8(output).trimmed(); }
};

// Cuts the interactive-mode byte stream into answers. Feed it whatever arrived; take answers
// while there are complete ones.
class CliFramer
{
public:
    void feed(QByteArrayView bytes) { m_buffer.append(bytes); }
    // The next complete answer (raw, still with a severity prefix if any), if it has arrived.
    std::optional<QByteArray> next();
    qsizetype pendingBytes() const { return m_buffer.size(); }
    void clear() { m_buffer.clear(); }

    // Splits "[n]: text" into severity and text (severity -1 when there is no prefix).
    static CliReply toReply(QByteArray command, QByteArray answer);

private:
    QByteArray m_buffer;
};

// Escapes one command argument: backslash, semicolon, space and tab get a backslash
// (management.txt: ';' separates commands, spaces separate arguments).
QByteArray cliArg(QByteArrayView arg);
QByteArray cliArg(const QString &arg);

// Runs command sessions against one endpoint. At most `maxConnections` sessions are open at once
// (HAProxy's `stats maxconn` defaults to 10); the others wait their turn. Callbacks run once, on
// this object's thread, and never after it is destroyed.
class RuntimeClient : public QObject
{
public:
    using Replies = QList<CliReply>;
    using Done = std::function<void(Result<Replies>)>;
    // Given the replies so far (never empty), the next command of the session, or nothing to end
    // it. Lets a session depend on earlier answers (prepare map → add map @<ver> → commit map).
    using Script = std::function<std::optional<QByteArray>(const Replies &replies)>;

    struct Options
    {
        // No byte for this long fails the session with Kind::Timeout.
        std::chrono::milliseconds timeout {10000};
        int maxConnections = 3;
    };

    explicit RuntimeClient(Endpoint endpoint, QObject *parent = nullptr);
    ~RuntimeClient() override;

    const Endpoint &endpoint() const { return m_endpoint; }
    void setOptions(Options options) { m_options = options; }
    const Options &options() const { return m_options; }

    // Runs the commands in order on one connection. With stopOnError the session ends at the
    // first reply that is an error; that reply is the last one passed to `done`.
    void run(QList<QByteArray> commands, Done done, bool stopOnError = true);
    // Starts with `first`, then asks `next` after every reply.
    void converse(QByteArray first, Script next, Done done);

private:
    class Session;
    struct Pending
    {
        QByteArray first;
        Script next;
        Done done;
    };
    void startNext();
    void finished(Session *session);

    Endpoint m_endpoint;
    Options m_options;
    std::deque<Pending> m_queue;
    QList<Session *> m_active;
};

} // namespace cutover::haproxy
