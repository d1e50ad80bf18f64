#include "contracthelpers.h"

#include <QRegularExpression>

#include <limits>

namespace cutover::test {

std::optional<Role> asRole(int who)
{
    return who < 0 ? std::nullopt : std::optional<Role>(Role(who));
}

QByteArray dump(const J &j)
{
    return QByteArray::fromStdString(j.dump());
}

QList<J> jsonLines(const QByteArray &out)
{
    QList<J> docs;
    for (const QByteArray &line : out.split('\n'))
        if (!line.trimmed().isEmpty())
            docs.append(J::parse(line.begin(), line.end(), nullptr, false));
    return docs;
}

J at(const J &j, const char *pointer)
{
    const J::json_pointer p(pointer);
    return j.contains(p) ? j.at(p) : J();
}

QByteArray b(const J &j)
{
    return j.is_string() ? QByteArray::fromStdString(j.get<std::string>()) : dump(j);
}

qint64 num(const J &j)
{
    return j.is_number_integer() ? j.get<qint64>() : std::numeric_limits<qint64>::min();
}

bool isTime(const J &j)
{
    static const QRegularExpression re(QStringLiteral("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$"));
    return j.is_string() && re.match(QString::fromStdString(j.get<std::string>())).hasMatch();
}

QByteArray quoted(const QByteArray &version)
{
    return '"' + version + '"';
}

QStringList simArgs(int seed, const QStringList &extra)
{
    return QStringList {QStringLiteral("--manual-clock"), QStringLiteral("--seed"), QString::number(seed)} + extra;
}

void verifyError(const Reply &r, int status, const QByteArray &code, const QByteArray &field)
{
    QVERIFY2(r.status == status, QByteArray(QByteArray::number(r.status) + ' ' + r.body).constData());
    const J j = r.json();
    QVERIFY2(j.is_object() && j.contains("error"), r.body.constData());
    QCOMPARE(num(at(j, "/error/status")), qint64(status));
    QCOMPARE(b(at(j, "/error/code")), code);
    QVERIFY(at(j, "/error/message").is_string() && !b(at(j, "/error/message")).isEmpty());
    QVERIFY(at(j, "/error/field").is_null() || at(j, "/error/field").is_string());
    QVERIFY(at(j, "/error/details").is_object());
    QVERIFY(!r.header("x-request-id").isEmpty());
    QCOMPARE(b(at(j, "/error/request_id")), r.header("x-request-id"));
    if (!field.isNull())
        QCOMPARE(b(at(j, "/error/field")), field);
}

Reply putRoute(SimFixture &sim, const QString &id, const J &body, Role role, const Headers &extra)
{
    const Headers headers = Headers {{"If-Match", quoted(sim.version(QStringLiteral("routes/") + id))}} + extra;
    return sim.request("PUT", QStringLiteral("/admin/routes/") + id, role, dump(body), headers);
}

Reply setPercent(SimFixture &sim, const QString &id, int percent)
{
    return putRoute(sim, id, {{"microservice_percent", percent}, {"reason", "contract test"}});
}

Reply putFlag(SimFixture &sim, const QString &name, const J &body, Role role)
{
    return sim.request("PUT", QStringLiteral("/admin/flags/") + name, role, dump(body),
                       {{"If-Match", quoted(sim.version(QStringLiteral("flags/") + name))}});
}

Reply rollbackAction(SimFixture &sim, bool release, const QByteArray &key, const J &body, Role role)
{
    return sim.request("POST", release ? QStringLiteral("/admin/rollback/release") : QStringLiteral("/admin/rollback"),
                       role, dump(body),
                       {{"If-Match", quoted(sim.version(QStringLiteral("rollback")))}, {"Idempotency-Key", key}});
}

J auditEntries(SimFixture &sim)
{
    J all = J::array();
    for (qint64 after = 0;;) {
        const J page = sim.get(QStringLiteral("/admin/audit?limit=1000&after=") + QString::number(after)).json();
        const J entries = at(page, "/entries");
        if (!entries.is_array() || entries.empty())
            return all;
        for (const J &e : entries)
            all.push_back(e);
        after = num(entries.back()["id"]);
        if (after >= num(at(page, "/latest_id")))
            return all;
    }
}

J auditOf(SimFixture &sim, const char *action)
{
    J out = J::array();
    for (const J &e : auditEntries(sim))
        if (e.value("action", std::string()) == action)
            out.push_back(e);
    return out;
}

qint64 latestAudit(SimFixture &sim)
{
    return num(at(sim.get(QStringLiteral("/admin/audit?limit=1")).json(), "/latest_id"));
}

qint64 lastLogId(SimFixture &sim)
{
    return num(at(sim.get(QStringLiteral("/admin/logs?limit=1")).json(), "/last_id"));
}

double requests(const QByteArray &exposition, const char *route, const char *backend, const char *code)
{
    QMap<QByteArray, QByteArray> labels;
    if (route)
        labels.insert("route", route);
    if (backend)
        labels.insert("backend", backend);
    if (code)
        labels.insert("code", code);
    return sumSamples(exposition, "requests_total", labels);
}

double serverErrors(const QByteArray &exposition, const char *route, const char *backend)
{
    double sum = 0;
    for (const char *code : {"500", "502", "503", "504"})
        sum += requests(exposition, route, backend, code);
    return sum;
}

J serviceHealth(SimFixture &sim, const char *name)
{
    return sim.get(QStringLiteral("/health/services/") + QLatin1String(name)).json();
}

QMap<QByteArray, qint64> routePercents(const J &routesBody)
{
    QMap<QByteArray, qint64> out;
    for (const J &r : at(routesBody, "/routes"))
        out.insert(b(r["id"]), num(r["microservice_percent"]));
    return out;
}

RawHttp::RawHttp(const QUrl &base, const QByteArray &method, const QByteArray &target, const Headers &headers,
                 const QByteArray &body)
{
    QByteArray request = method + ' ' + target + " HTTP/1.1\r\nHost: " + base.host().toLatin1() + ':'
        + QByteArray::number(base.port()) + "\r\n";
    for (const auto &[name, value] : headers)
        request += name + ": " + value + "\r\n";
    if (!body.isEmpty())
        request += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    request += "\r\n" + body;
    QObject::connect(&m_socket, &QTcpSocket::connected, &m_socket, [this, request] { m_socket.write(request); });
    QObject::connect(&m_socket, &QTcpSocket::readyRead, &m_socket, [this] { consume(m_socket.readAll()); });
    QObject::connect(&m_socket, &QTcpSocket::disconnected, &m_socket, [this] { m_closed = true; });
    QObject::connect(&m_socket, &QAbstractSocket::errorOccurred, &m_socket,
                     [this](QAbstractSocket::SocketError) { m_closed = true; });
    m_socket.connectToHost(base.host(), quint16(base.port()));
}

RawHttp::~RawHttp()
{
    m_socket.abort();
}

QList<RawHttp::Event> RawHttp::logEvents() const
{
    QList<Event> out;
    for (const Event &e : m_events)
        if (e.event == "log")
            out.append(e);
    return out;
}

void RawHttp::consume(const QByteArray &data)
{
    m_raw += data;
    m_pending += data;
    if (m_status == 0) {
        const qsizetype end = m_pending.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        const QList<QByteArray> lines = m_pending.left(end).split('\n');
        const QList<QByteArray> statusLine = lines.value(0).trimmed().split(' ');
        m_status = statusLine.value(1).toInt();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon > 0)
                m_headers.insert(lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed());
        }
        m_pending.remove(0, end + 4);
    }
    // Server-Sent Events: blocks end with a blank line; take only complete ones.
    for (qsizetype end = m_pending.indexOf("\n\n"); end >= 0; end = m_pending.indexOf("\n\n")) {
        Event e;
        for (const QByteArray &line : m_pending.left(end).split('\n')) {
            if (line.startsWith(':')) {
                e.comment = line.mid(1).trimmed();
                continue;
            }
            const qsizetype colon = line.indexOf(':');
            const QByteArray name = colon < 0 ? line : line.left(colon);
            QByteArray value = colon < 0 ? QByteArray() : line.mid(colon + 1);
            if (value.startsWith(' '))
                value.remove(0, 1);
            if (name == "id")
                e.id = value;
            else if (name == "event")
                e.event = value;
            else if (name == "data")
                e.data = value;
            else if (name == "retry")
                e.retry = value.toInt();
        }
        m_events.append(e);
        m_pending.remove(0, end + 2);
    }
}

Headers bearer(SimFixture &sim, Role role, const Headers &extra)
{
    return Headers {{"Authorization", "Bearer " + sim.token(role)}} + extra;
}

} // namespace cutover::test
