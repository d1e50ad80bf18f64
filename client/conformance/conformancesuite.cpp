#include "client/conformance/conformancesuite_p.h"

#include "client/conformance/openapischema.h"
#include "client/prometheus/prometheusparser.h"
#include "client/ssedecoder.h"

#include <nlohmann/json.hpp>

#include <QRegularExpression>
#include <QUuid>

#include <algorithm>
#include <cmath>
#include <optional>

namespace cutover {

using namespace conformance;

QString ConformanceResult::statusName(Status s)
{
    switch (s) {
    case Status::Pass: return QStringLiteral("pass");
    case Status::Fail: return QStringLiteral("fail");
    case Status::Skip: return QStringLiteral("skip");
    }
    return {};
}


void ConformanceSuite::State::verdict(const QString &id, const QStringList &problems, const QString &ok)
{
    if (problems.isEmpty())
        pass(id, ok);
    else
        fail(id, problems.join(QStringLiteral("; ")));
}

bool ConformanceSuite::State::capability(const char *name) const
{
    const auto caps = info.find("capabilities");
    if (caps == info.end() || !caps->is_object())
        return false;
    const auto it = caps->find(name);
    return it != caps->end() && it->is_boolean() && it->get<bool>();
}

QString ConformanceSuite::State::metricName(const char *contractName) const
{
    const auto m = info.find("metrics");
    if (m != info.end() && m->is_object()) {
        const std::string mapped = str(*m, contractName);
        if (!mapped.empty())
            return q(mapped);
    }
    return QString::fromLatin1(contractName);
}

QStringList ConformanceSuite::State::shape(const HttpExchange &x, const QString &what, const QString &schemaName) const
{
    if (x.status != 200)
        return {QStringLiteral("%1: expected 200, got %2").arg(what, answered(x))};
    QStringList p;
    for (const QString &problem : schema.problems(x.body, schemaName))
        p << QStringLiteral("%1: %2").arg(what, problem);
    return p;
}

QStringList ConformanceSuite::State::envelope(const HttpExchange &x, int status, const char *code,
    std::optional<const char *> field) const
{
    QStringList p;
    if (x.status != status) {
        p << QStringLiteral("expected %1 %2, got %3").arg(status).arg(QLatin1String(code), answered(x));
        return p;
    }
    p << schema.problems(x.body, QStringLiteral("Error"));
    const Json j = parseJson(x.body);
    if (!j.is_object() || !j.contains("error") || !j["error"].is_object())
        return p;
    const Json &e = j["error"];
    if (str(e, "code") != code)
        p << QStringLiteral("error.code is \"%1\", expected \"%2\"").arg(q(str(e, "code")), QLatin1String(code));
    if (integer(e, "status") != status)
        p << QStringLiteral("error.status does not repeat %1").arg(status);
    if (field) {
        const auto f = e.find("field");
        if (f == e.end() || !f->is_string() || f->get<std::string>() != *field)
            p << QStringLiteral("error.field is not \"%1\"").arg(QLatin1String(*field));
    }
    const QByteArray rid = x.header("X-Request-ID");
    if (rid.isEmpty())
        p << QStringLiteral("no X-Request-ID header");
    else if (str(e, "request_id") != rid.toStdString())
        p << QStringLiteral("error.request_id differs from the X-Request-ID header");
    return p;
}

void ConformanceSuite::State::checkResources(const char *capabilityName, const QString &id, const QString &listPath, const char *member,
    const char *key, const QString &listSchema, const QString &itemSchema, Json &keep)
{
    if (!capability(capabilityName))
        return skip(id, QStringLiteral("the gateway does not serve %1 (capabilities.%2)")
                            .arg(QLatin1String(capabilityName), QLatin1String(capabilityName)));
    const HttpExchange x = http.get(listPath);
    QStringList p = shape(x, QStringLiteral("GET ") + listPath, listSchema);
    const Json j = parseJson(x.body);
    int items = 0;
    if (x.status == 200 && j.is_object() && j.contains(member) && j[member].is_array()) {
        keep = j;
        for (const Json &item : j[member]) {
            const QString name = q(str(item, key));
            if (name.isEmpty())
                continue;
            ++items;
            const QString path = listPath + QLatin1Char('/') + name;
            const HttpExchange one = http.get(path);
            p << shape(one, QStringLiteral("GET ") + path, itemSchema);
            const Json body = parseJson(one.body);
            if (one.status == 200 && body.is_object() && one.header("ETag") != quoted(str(body, "version")))
                p << QStringLiteral("GET %1: ETag %2 is not the quoted version \"%3\"")
                         .arg(path, QString::fromUtf8(one.header("ETag")), q(str(body, "version")));
        }
    }
    verdict(id, p, QStringLiteral("GET %1 and each of its %2 items, with ETags").arg(listPath).arg(items));
}

bool ConformanceSuite::State::checkInfo()
{
    const HttpExchange x = http.get(QStringLiteral("/admin/info"));
    QStringList p = shape(x, QStringLiteral("GET /admin/info"), QStringLiteral("Info"));
    info = parseJson(x.body);
    if (x.status != 200 || !info.is_object()) {
        fail(QStringLiteral("info.shape"), p.join(QStringLiteral("; ")));
        return false;
    }
    const QString version = q(str(info, "api_version"));
    if (!version.startsWith(QLatin1String("1.")))
        p << QStringLiteral("api_version \"%1\" is not 1.x").arg(version);
    const auto gw = info.find("gateway");
    if (gw != info.end() && gw->is_object())
        instance = q(str(*gw, "instance"));
    if (instance.isEmpty())
        p << QStringLiteral("gateway.instance is missing or empty (required in 1.1, §4.2)");
    verdict(QStringLiteral("info.shape"), p,
            QStringLiteral("GET /admin/info: api_version %1, instance %2").arg(version, instance));
    return true;
}

void ConformanceSuite::State::checkAuth()
{
    const HttpExchange health = http.send({"GET", QStringLiteral("/health"), {}, {}, false, {}});
    verdict(QStringLiteral("auth.health-open"), shape(health, QStringLiteral("GET /health without a token"), QStringLiteral("Health")),
            QStringLiteral("GET /health answers without a token"));

    const QByteArray challenge = "Bearer realm=\"cutover\"";
    const auto unauthorized = [&](const HttpExchange &x) {
        QStringList p = envelope(x, 401, "unauthorized");
        if (x.status == 401 && x.header("WWW-Authenticate").trimmed() != challenge)
            p << QStringLiteral("WWW-Authenticate is \"%1\", expected %2")
                     .arg(QString::fromUtf8(x.header("WWW-Authenticate")), QString::fromLatin1(challenge));
        return p;
    };
    verdict(QStringLiteral("auth.missing-token"),
            unauthorized(http.send({"GET", QStringLiteral("/admin/info"), {}, {}, false, {}})),
            QStringLiteral("no token: 401 unauthorized with WWW-Authenticate"));
    verdict(QStringLiteral("auth.unknown-token"),
            unauthorized(http.send({"GET", QStringLiteral("/admin/info"), {}, {}, true,
                                    "conformance-" + QUuid::createUuid().toByteArray(QUuid::Id128)})),
            QStringLiteral("an unknown token: 401 unauthorized with WWW-Authenticate"));
}

void ConformanceSuite::State::checkWhoAmI()
{
    const HttpExchange x = http.get(QStringLiteral("/admin/whoami"));
    QStringList p = shape(x, QStringLiteral("GET /admin/whoami"), QStringLiteral("WhoAmI"));
    const Json j = parseJson(x.body);
    if (x.status == 200 && j.is_object()) {
        role = q(str(j, "role"));
        subject = q(str(j, "subject"));
        // §2.2: roles are cumulative, and each reports exactly its permissions.
        QStringList expected {QStringLiteral("read")};
        if (role != QLatin1String("viewer"))
            expected << QStringLiteral("routes.write") << QStringLiteral("flags.write") << QStringLiteral("rollback");
        if (role == QLatin1String("admin"))
            expected << QStringLiteral("sim.control");
        QStringList got;
        if (j.contains("permissions") && j["permissions"].is_array())
            for (const Json &perm : j["permissions"])
                if (perm.is_string())
                    got << q(perm.get<std::string>());
        QStringList a = expected, b = got;
        a.sort();
        b.sort();
        if (a != b)
            p << QStringLiteral("role %1 reports permissions [%2], expected [%3]")
                     .arg(role, got.join(QStringLiteral(", ")), expected.join(QStringLiteral(", ")));
    }
    verdict(QStringLiteral("whoami.shape"), p, QStringLiteral("GET /admin/whoami: %1 is %2").arg(subject, role));
}

void ConformanceSuite::State::checkRequestIds()
{
    const QByteArray mine = conformanceRequestId().toLatin1();
    QStringList p;
    for (const QString &path : {QStringLiteral("/health"), QStringLiteral("/admin/info"),
                                QStringLiteral("/admin/conformance-no-such-path")}) {
        const HttpExchange x = http.send({"GET", path, {{"X-Request-ID", mine}}, {}, true, {}});
        if (!x.answered())
            p << QStringLiteral("GET %1: %2").arg(path, answered(x));
        else if (x.header("X-Request-ID") != mine)
            p << QStringLiteral("GET %1 (HTTP %2) answered X-Request-ID \"%3\", not the one sent")
                     .arg(path).arg(x.status).arg(QString::fromUtf8(x.header("X-Request-ID")));
    }
    verdict(QStringLiteral("request-id.echo"), p, QStringLiteral("a valid X-Request-ID is echoed, also on errors"));

    static const QRegularExpression generated(QStringLiteral("^req-[0-9a-fA-F]{16}$"));
    p.clear();
    for (const QByteArray &bad : {QByteArray("not valid!"), QByteArray(129, 'a')}) {
        const HttpExchange x = http.send({"GET", QStringLiteral("/admin/info"), {{"X-Request-ID", bad}}, {}, true, {}});
        const QString got = QString::fromUtf8(x.header("X-Request-ID"));
        if (!generated.match(got).hasMatch())
            p << QStringLiteral("for an invalid X-Request-ID the gateway answered \"%1\", expected req- and 16 hex digits").arg(got);
    }
    verdict(QStringLiteral("request-id.generated"), p, QStringLiteral("an invalid X-Request-ID is replaced by req-<16 hex>"));
}

void ConformanceSuite::State::checkErrors()
{
    verdict(QStringLiteral("errors.unknown-path"),
            envelope(http.get(QStringLiteral("/admin/conformance-no-such-path")), 404, "not_found"),
            QStringLiteral("an unknown path: 404 not_found in the error envelope"));
    const HttpExchange x = http.send({"PATCH", QStringLiteral("/admin/info"), {}, "{}", true, {}});
    QStringList p = envelope(x, 405, "method_not_allowed");
    if (x.status == 405 && !x.header("Allow").contains("GET"))
        p << QStringLiteral("the Allow header \"%1\" does not list GET").arg(QString::fromUtf8(x.header("Allow")));
    verdict(QStringLiteral("errors.method-not-allowed"), p, QStringLiteral("PATCH /admin/info: 405 with Allow: GET"));
}

void ConformanceSuite::State::checkHealth()
{
    const QString id = QStringLiteral("health.services");
    if (!capability("health"))
        return skip(id, QStringLiteral("the gateway does not serve health (capabilities.health)"));
    const HttpExchange x = http.get(QStringLiteral("/health/services"));
    QStringList p = shape(x, QStringLiteral("GET /health/services"), QStringLiteral("ServicesHealth"));
    const Json j = parseJson(x.body);
    int services = 0;
    if (x.status == 200 && j.is_object() && j.contains("services") && j["services"].is_array()) {
        for (const Json &s : j["services"]) {
            const QString name = q(str(s, "name"));
            if (name.isEmpty())
                continue;
            ++services;
            const QString path = QStringLiteral("/health/services/") + name;
            p << shape(http.get(path), QStringLiteral("GET ") + path, QStringLiteral("ServiceHealth"));
            // §4.6: the status code follows the check's status, and a failing check still
            // answers with the check object, not the error envelope.
            const HttpExchange db = http.get(path + QStringLiteral("/db"));
            const Json check = parseJson(db.body);
            const QString status = check.is_object() ? q(str(check, "status")) : QString();
            const int expected = status == QLatin1String("healthy") || status == QLatin1String("degraded") ? 200 : 503;
            if (db.status != 200 && db.status != 503)
                p << QStringLiteral("GET %1/db: %2").arg(path, answered(db));
            else if (db.status != expected)
                p << QStringLiteral("GET %1/db: status \"%2\" answered %3, expected %4").arg(path, status).arg(db.status).arg(expected);
            else
                for (const QString &problem : schema.problems(db.body, QStringLiteral("Check")))
                    p << QStringLiteral("GET %1/db: %2").arg(path, problem);
        }
    }
    verdict(id, p, QStringLiteral("%1 services, each with its health and database check").arg(services));
}

void ConformanceSuite::State::checkRollbackRead()
{
    const QString id = QStringLiteral("rollback.read");
    if (!capability("rollback"))
        return skip(id, QStringLiteral("the gateway does not serve the rollback (capabilities.rollback)"));
    const HttpExchange x = http.get(QStringLiteral("/admin/rollback"));
    QStringList p = shape(x, QStringLiteral("GET /admin/rollback"), QStringLiteral("RollbackState"));
    const Json j = parseJson(x.body);
    if (x.status == 200 && j.is_object()) {
        rollbackEngaged = boolean(j, "engaged").value_or(false);
        if (x.header("ETag") != quoted(str(j, "version")))
            p << QStringLiteral("ETag %1 is not the quoted version").arg(QString::fromUtf8(x.header("ETag")));
    }
    verdict(id, p, QStringLiteral("GET /admin/rollback: %1").arg(rollbackEngaged ? QStringLiteral("engaged") : QStringLiteral("not engaged")));
}

void ConformanceSuite::State::checkAudit()
{
    const QString id = QStringLiteral("audit.paging");
    if (!capability("audit"))
        return skip(id, QStringLiteral("the gateway does not serve the audit log (capabilities.audit)"));
    const HttpExchange x = http.get(QStringLiteral("/admin/audit?limit=2"));
    QStringList p = shape(x, QStringLiteral("GET /admin/audit?limit=2"), QStringLiteral("AuditPage"));
    const Json j = parseJson(x.body);
    if (x.status == 200 && j.is_object() && j.contains("entries") && j["entries"].is_array()) {
        const Json &entries = j["entries"];
        if (entries.size() > 2)
            p << QStringLiteral("limit=2 returned %1 entries").arg(entries.size());
        qint64 previous = 0;
        for (const Json &e : entries) {
            const qint64 eid = integer(e, "id").value_or(0);
            if (eid <= previous)
                p << QStringLiteral("entry ids are not ascending (%1 after %2)").arg(eid).arg(previous);
            previous = eid;
        }
        if (previous > integer(j, "latest_id").value_or(0))
            p << QStringLiteral("latest_id is below the ids returned");
        if (q(str(j, "instance")) != instance)
            p << QStringLiteral("the page's instance \"%1\" is not /admin/info's \"%2\"").arg(q(str(j, "instance")), instance);
        if (entries.size() == 2) {
            const qint64 first = integer(entries[0], "id").value_or(0);
            const QString path = QStringLiteral("/admin/audit?after=%1&limit=1").arg(first);
            const HttpExchange next = http.get(path);
            p << shape(next, QStringLiteral("GET ") + path, QStringLiteral("AuditPage"));
            const Json n = parseJson(next.body);
            if (next.status == 200 && n.is_object() && n.contains("entries") && n["entries"].is_array()
                && (n["entries"].size() != 1 || integer(n["entries"][0], "id") != integer(entries[1], "id")))
                p << QStringLiteral("%1 did not return exactly the entry after %2").arg(path).arg(first);
        }
    }
    p << envelope(http.get(QStringLiteral("/admin/audit?limit=0")), 422, "validation_failed", "limit");
    verdict(id, p, QStringLiteral("audit pages ascend, link by after/limit, carry the instance; limit=0 is 422"));
}

ConformanceSuite::State::LogBuffer ConformanceSuite::State::checkLogs()
{
    const QString id = QStringLiteral("logs.paging");
    LogBuffer buffer;
    if (!capability("logs")) {
        skip(id, QStringLiteral("the gateway does not serve logs (capabilities.logs)"));
        return buffer;
    }
    const HttpExchange x = http.get(QStringLiteral("/admin/logs?limit=5"));
    QStringList p = shape(x, QStringLiteral("GET /admin/logs?limit=5"), QStringLiteral("LogPage"));
    const Json j = parseJson(x.body);
    if (x.status == 200 && j.is_object() && j.contains("lines") && j["lines"].is_array()) {
        buffer.first = integer(j, "first_id").value_or(0);
        buffer.last = integer(j, "last_id").value_or(0);
        buffer.ok = true;
        const Json &lines = j["lines"];
        if (lines.size() > 5)
            p << QStringLiteral("limit=5 returned %1 lines").arg(lines.size());
        qint64 previous = buffer.first - 1;
        for (const Json &l : lines) {
            const qint64 lid = integer(l, "id").value_or(-1);
            if (lid <= previous || lid > buffer.last)
                p << QStringLiteral("line id %1 is out of order or outside first_id..last_id").arg(lid);
            previous = lid;
        }
        if (!lines.empty() && integer(lines.back(), "id") != buffer.last)
            p << QStringLiteral("the newest page does not end at last_id");
        if (lines.empty() && buffer.first != buffer.last + 1)
            p << QStringLiteral("an empty buffer answers first_id %1, last_id %2; 1.1 says first_id = last_id + 1")
                     .arg(buffer.first).arg(buffer.last);
        if (q(str(j, "instance")) != instance)
            p << QStringLiteral("the page's instance \"%1\" is not /admin/info's \"%2\"").arg(q(str(j, "instance")), instance);
        // Resuming above last_id: not this instance's id, so no lines and no gap (§4.18).
        const QString above = QStringLiteral("/admin/logs?after=%1&limit=5").arg(buffer.last + 1000000);
        const HttpExchange a = http.get(above);
        p << shape(a, QStringLiteral("GET ") + above, QStringLiteral("LogPage"));
        const Json aj = parseJson(a.body);
        if (a.status == 200 && aj.is_object()
            && (!aj.contains("lines") || !aj["lines"].is_array() || !aj["lines"].empty() || !member(aj, "gap").is_null()))
            p << QStringLiteral("%1 must return no lines and no gap").arg(above);
    }
    p << envelope(http.get(QStringLiteral("/admin/logs?limit=0")), 422, "validation_failed", "limit");
    p << envelope(http.get(QStringLiteral("/admin/logs?after=-1")), 422, "validation_failed", "after");
    verdict(id, p, QStringLiteral("log pages: ids in order within first_id..last_id, the instance, after above last_id, 422s"));
    return buffer;
}

ConformanceSuite::State::StreamRead ConformanceSuite::State::readStream(const QByteArray &lastEventId, int wantLogEvents, std::chrono::milliseconds limit) const
{
    StreamRead out;
    SseDecoder decoder;
    if (!lastEventId.isEmpty())
        decoder.setLastEventId(lastEventId);
    QByteArray head;
    int logs = 0;
    bool sawInstance = false;
    out.exchange = http.stream({"GET", QStringLiteral("/admin/logs/stream"),
                                lastEventId.isEmpty() ? QList<QPair<QByteArray, QByteArray>> {{"Accept", "text/event-stream"}}
                                                      : QList<QPair<QByteArray, QByteArray>> {{"Accept", "text/event-stream"},
                                                                                              {"Last-Event-ID", lastEventId}},
                                {}, true, {}},
                               limit, [&](const QByteArray &bytes) {
                                   if (out.firstLine.isEmpty()) {
                                       head += bytes;
                                       const qsizetype end = head.indexOf('\n');
                                       if (end >= 0)
                                           out.firstLine = head.left(end).trimmed();
                                   }
                                   decoder.feed(bytes);
                                   for (const SseEvent &e : decoder.takeBatch().events) {
                                       out.events << e;
                                       logs += e.type == "log" || e.type == "gap";
                                       sawInstance = sawInstance || e.type == "instance";
                                   }
                                   return !(sawInstance && logs >= wantLogEvents);
                               });
    return out;
}

void ConformanceSuite::State::checkStream(const LogBuffer &buffer)
{
    const QString id = QStringLiteral("logs.stream-resume");
    if (!capability("log_stream"))
        return skip(id, QStringLiteral("the gateway does not stream logs (capabilities.log_stream)"));
    if (!buffer.ok)
        return skip(id, QStringLiteral("GET /admin/logs did not answer, so there is no resume point to test"));
    // Resume a few lines back, so the backlog is known: ids resume+1 .. last_id.
    const bool empty = buffer.last < buffer.first;
    const qint64 resume = empty ? buffer.last : std::max(buffer.first, buffer.last - 2) - 1;
    const int backlog = empty ? 0 : int(buffer.last - resume);
    const StreamRead r = readStream(QByteArray::number(resume), backlog, 10s);
    QStringList p;
    if (r.exchange.status != 200)
        p << QStringLiteral("expected 200, got %1").arg(answered(r.exchange));
    else if (!r.exchange.header("Content-Type").startsWith("text/event-stream"))
        p << QStringLiteral("Content-Type is \"%1\"").arg(QString::fromUtf8(r.exchange.header("Content-Type")));
    if (r.exchange.status == 200) {
        if (!r.firstLine.startsWith("retry:"))
            p << QStringLiteral("the stream does not start with retry: (it starts \"%1\")").arg(QString::fromUtf8(r.firstLine.left(40)));
        const qsizetype at = std::find_if(r.events.begin(), r.events.end(), [](const SseEvent &e) { return e.type == "instance"; })
                             - r.events.begin();
        if (at == r.events.size()) {
            p << QStringLiteral("no instance event (1.1, §6.1)");
        } else {
            const SseEvent &e = r.events[at];
            const Json data = parseJson(e.data);
            if (at != 0)
                p << QStringLiteral("the instance event is not the first event");
            if (e.lastEventId != QByteArray::number(resume))
                p << QStringLiteral("the instance event carries an id: field");
            if (!data.is_object() || q(str(data, "instance")) != instance || !integer(data, "first_id") || !integer(data, "last_id"))
                p << QStringLiteral("the instance event's data %1 does not carry instance \"%2\", first_id and last_id")
                         .arg(QString::fromUtf8(e.data.left(120)), instance);
        }
        qint64 expected = resume + 1;
        int logs = 0;
        for (const SseEvent &e : r.events) {
            if (e.type != "log")
                continue;
            ++logs;
            const Json line = parseJson(e.data);
            for (const QString &problem : schema.problems(e.data, QStringLiteral("LogLine")))
                p << QStringLiteral("event %1: %2").arg(QString::fromUtf8(e.lastEventId), problem);
            const qint64 lid = line.is_object() ? integer(line, "id").value_or(-1) : -1;
            if (e.lastEventId != QByteArray::number(lid))
                p << QStringLiteral("a log event's id: %1 differs from its line's id %2").arg(QString::fromUtf8(e.lastEventId)).arg(lid);
            if (logs <= backlog && lid != expected)
                p << QStringLiteral("after Last-Event-ID %1 the backlog should continue with %2, got %3").arg(resume).arg(expected).arg(lid);
            expected = lid + 1;
            if (p.size() > 10)
                break;
        }
        if (logs < backlog)
            p << QStringLiteral("%1 of the %2 backlog lines after Last-Event-ID %3 arrived within 10 s").arg(logs).arg(backlog).arg(resume);
    }
    verdict(id, p, QStringLiteral("retry, the instance event without an id, then the backlog after Last-Event-ID %1").arg(resume));

    // §6.3 rule 5: a resume point above last_id is another instance's, so the whole buffer
    // follows instead of silence.
    const QString restart = QStringLiteral("logs.stream-after-restart");
    if (empty)
        return skip(restart, QStringLiteral("the log buffer is empty, so there is nothing the stream must send"));
    const StreamRead a = readStream(QByteArray::number(buffer.last + 1000000), 1, 10s);
    QStringList pa;
    const auto firstLine = std::find_if(a.events.begin(), a.events.end(),
                                        [](const SseEvent &e) { return e.type == "log" || e.type == "gap"; });
    if (a.exchange.status != 200)
        pa << QStringLiteral("expected 200, got %1").arg(answered(a.exchange));
    else if (firstLine == a.events.end())
        pa << QStringLiteral("nothing within 10 s after Last-Event-ID %1 (above last_id %2): the stream must send the "
                             "buffer from its start (1.1, §6.3)").arg(buffer.last + 1000000).arg(buffer.last);
    else if (firstLine->type == "log" && integer(parseJson(firstLine->data), "id").value_or(-1) > buffer.first)
        pa << QStringLiteral("the stream began at line %1, not at the start of the buffer (%2)")
                  .arg(integer(parseJson(firstLine->data), "id").value_or(-1)).arg(buffer.first);
    verdict(restart, pa, QStringLiteral("a resume point above last_id gets the whole buffer"));
}

void ConformanceSuite::State::checkMetrics()
{
    if (!capability("metrics")) {
        skip(QStringLiteral("metrics.text"), QStringLiteral("the gateway does not serve metrics (capabilities.metrics)"));
        skip(QStringLiteral("metrics.openmetrics"), QStringLiteral("the gateway does not serve metrics (capabilities.metrics)"));
        return;
    }
    struct Want
    {
        QString name;
        MetricType type;
        bool required;
    };
    QList<Want> wants {{metricName("requests_total"), MetricType::Counter, true},
                       {QStringLiteral("upstream_up"), MetricType::Gauge, true},
                       {QStringLiteral("rollback_engaged"), MetricType::Gauge, true},
                       {QStringLiteral("health_check_duration_seconds"), MetricType::Gauge, true},
                       {QStringLiteral("config_version"), MetricType::Gauge, false}};
    if (capability("percentiles"))
        wants.append({metricName("request_duration_seconds"), MetricType::Histogram, true});

    for (const bool openMetrics : {false, true}) {
        const QString id = openMetrics ? QStringLiteral("metrics.openmetrics") : QStringLiteral("metrics.text");
        ConformanceHttp::Request request {"GET", QStringLiteral("/metrics"), {}, {}, true, {}};
        if (openMetrics)
            request.headers.append(qMakePair(QByteArray("Accept"), QByteArray("application/openmetrics-text; version=1.0.0")));
        const HttpExchange x = http.send(request);
        QStringList p;
        const QByteArray type = x.header("Content-Type");
        if (x.status != 200) {
            fail(id, QStringLiteral("GET /metrics: %1").arg(answered(x)));
            continue;
        }
        if (openMetrics ? !type.startsWith("application/openmetrics-text") : !(type.startsWith("text/plain") && type.contains("0.0.4")))
            p << QStringLiteral("Content-Type is \"%1\"").arg(QString::fromUtf8(type));
        PrometheusParser parser;
        if (!parser.parse(x.body, openMetrics ? ExpositionFormat::OpenMetrics : ExpositionFormat::PrometheusText)) {
            p << QStringLiteral("does not parse: %1").arg(parser.error().toString());
            verdict(id, p, {});
            continue;
        }
        for (const Want &w : std::as_const(wants)) {
            // In OpenMetrics a counter's family drops _total; 0.0.4 names it by the sample.
            QString family = w.name;
            if (openMetrics && w.type == MetricType::Counter && family.endsWith(QLatin1String("_total")))
                family.chop(6);
            const MetricSnapshot::Family *found = nullptr;
            for (const auto &f : parser.snapshot().families())
                if (QString(parser.family(f.id).name.toString()) == family || QString(parser.family(f.id).name.toString()) == w.name)
                    found = &f;
            if (!found) {
                if (w.required)
                    p << QStringLiteral("no %1 family").arg(w.name);
                continue;
            }
            const FamilyInfo &fi = parser.family(found->id);
            if (fi.type != w.type)
                p << QStringLiteral("%1 is not a %2").arg(w.name, w.type == MetricType::Counter ? QStringLiteral("counter")
                                                                 : w.type == MetricType::Gauge ? QStringLiteral("gauge")
                                                                                               : QStringLiteral("histogram"));
            const QByteArray fname = QString(fi.name.toString()).toUtf8();
            if (!x.body.contains(QByteArray("# HELP " + fname + ' ')) && !x.body.contains(QByteArray("# HELP " + fname + '\n')))
                p << QStringLiteral("%1 has no HELP line").arg(w.name);
            if (w.type == MetricType::Histogram) {
                const auto bounds = parser.bucketBounds(found->id);
                if (!std::equal(bounds.begin(), bounds.end(), kBuckets.begin(), kBuckets.end()))
                    p << QStringLiteral("%1's buckets are not the contract's (0.005 … 10, +Inf)").arg(w.name);
            }
            if (w.name == metricName("requests_total")) {
                for (const Sample &s : parser.snapshot().samples(*found)) {
                    for (const char *label : {"route", "service", "backend", "method", "code"})
                        if (!parser.labelValue(s.series, label))
                            p << QStringLiteral("a %1 sample has no %2 label").arg(w.name, QLatin1String(label));
                    break; // one sample shows the label set
                }
            }
        }
        p.removeDuplicates();
        verdict(id, p, QStringLiteral("%1: every family of §5.2 with its type, HELP and buckets")
                           .arg(openMetrics ? QStringLiteral("OpenMetrics 1.0") : QStringLiteral("text format 0.0.4")));
    }
}

void ConformanceSuite::State::runReadOnly()
{
    if (!checkInfo())
        return;
    checkAuth();
    checkWhoAmI();
    checkRequestIds();
    checkErrors();
    checkHealth();
    checkResources("routes", QStringLiteral("routes.read"), QStringLiteral("/admin/routes"), "routes", "id",
                   QStringLiteral("RouteList"), QStringLiteral("Route"), routes);
    checkResources("flags", QStringLiteral("flags.read"), QStringLiteral("/admin/flags"), "flags", "name",
                   QStringLiteral("FlagList"), QStringLiteral("Flag"), flags);
    checkRollbackRead();
    checkAudit();
    checkStream(checkLogs());
    checkMetrics();
}

ConformanceSuite::ConformanceSuite(const ConformanceHttp &http, Options options)
    : d(std::make_unique<State>(http, std::move(options)))
{
}

ConformanceSuite::~ConformanceSuite() = default;

bool ConformanceSuite::saysTestGateway(const HttpExchange &info)
{
    const Json j = parseJson(info.body);
    return info.status == 200 && boolean(member(j, "gateway"), "test") == true;
}

void ConformanceSuite::run(const std::function<void(const ConformanceResult &)> &report)
{
    d->report = report;
    d->runReadOnly();
    d->runMutating();
}

} // namespace cutover
