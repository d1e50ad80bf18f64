#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QTcpServer>
#include <QUrl>

#include <chrono>

class QTcpSocket;

namespace cutover::test {

// A small fault-injecting HTTP proxy on 127.0.0.1 in front of a real gateway (cutover-sim): one
// request per connection (it asks the gateway for "Connection: close"), passed through unless a
// rule matches its method and path. Runs on the test's event loop, so the test must spin it
// (QTRY_*, or an event loop while a child process runs).
class FaultProxy : public QObject
{
    Q_OBJECT

public:
    enum class Fault : quint8 {
        CutBody,      // forward, then send the status line, headers and half the body, and close
        BadJson,      // forward, then answer with the gateway's status and a body that is not JSON
        ResetAnswer,  // forward, wait for the whole answer (so it was applied), then reset the connection
        DropRequest,  // never forward: reset the connection once the request has arrived
        Trickle,      // forward, then send the answer one byte per trickleInterval
    };
    struct Rule
    {
        QByteArray method;   // "POST"
        QString path;        // "/admin/rollback", without the query
        Fault fault = Fault::CutBody;
        int count = -1;      // how many matching requests it spoils; -1: all
        int skip = 0;        // matching requests passed through before it starts
    };

    explicit FaultProxy(const QUrl &upstream, QObject *parent = nullptr);
    ~FaultProxy() override;

    bool start();
    QUrl url() const;
    void addRule(const Rule &rule) { m_rules.append(rule); }
    void clearRules() { m_rules.clear(); }
    // Requests seen for "METHOD /path" (query left out), spoiled or not.
    int seen(const QByteArray &method, const QString &path) const;
    std::chrono::milliseconds trickleInterval {1000};

private:
    struct Link;
    void accept();
    void requestComplete(Link *link);
    void answerComplete(Link *link);
    void reset(QTcpSocket *socket);
    const Rule *match(const QByteArray &method, const QString &path);

    QTcpServer m_server;
    QUrl m_upstream;
    QList<Rule> m_rules;
    QHash<QByteArray, int> m_seen;
};

} // namespace cutover::test
