#pragma once

// Helpers shared by the admin API contract tests (tests/simulator/tst_contract_*.cpp), which check
// cutover-sim against docs/admin-api.md over real HTTP: JSON access, the error envelope, the
// mutation requests with their If-Match and Idempotency-Key headers, readers for the audit, the
// log buffer and /metrics, and a raw HTTP/SSE reader.
#include "tests/support/simfixture.h"

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QStringList>
#include <QTcpSocket>
#include <QTest>
#include <QUrl>

#include <nlohmann/json.hpp>

#include <optional>

namespace cutover::test {

using J = nlohmann::json;
using Headers = SimFixture::Headers;

// Who sends a request in the data tables: no token, or one of the roles.
enum Who { Nobody = -1, Viewer = 0, Operator = 1, Admin = 2 };
std::optional<Role> asRole(int who);

QByteArray dump(const J &j);
// The value at a JSON pointer, or null when it is not there.
J at(const J &j, const char *pointer);
// A JSON value as bytes for QCOMPARE: the text of a string, else its serialisation ("null", "12").
QByteArray b(const J &j);
// An integer, or the lowest qint64 when the value is not an integer.
qint64 num(const J &j);
// A contract time: UTC with milliseconds, "2024-05-01T12:00:00.000Z".
bool isTime(const J &j);
QByteArray quoted(const QByteArray &version);
// One JSON document per non-empty line (cutoverctl's --json output); a line that is not JSON is a
// discarded value (J::is_discarded()), so a count or a comparison fails instead of throwing.
QList<J> jsonLines(const QByteArray &out);
// --manual-clock --seed <seed>, then `extra`.
QStringList simArgs(int seed, const QStringList &extra = {});

// The contract's error envelope (§2.4); `field` is compared when given ("null" for null).
// Use VERIFY_ERROR, which also leaves the calling test function when the check failed.
void verifyError(const Reply &r, int status, const QByteArray &code, const QByteArray &field = {});
#define VERIFY_ERROR(...)                                                                                              \
    do {                                                                                                               \
        ::cutover::test::verifyError(__VA_ARGS__);                                                                     \
        if (QTest::currentTestFailed())                                                                                \
            return;                                                                                                    \
    } while (false)

#define START_SIM(sim, args) QVERIFY2((sim).start(args), qPrintable((sim).error()))

// PUT /admin/routes/{id} with the route's current version as If-Match.
Reply putRoute(SimFixture &sim, const QString &id, const J &body, Role role = Role::Operator, const Headers &extra = {});
Reply setPercent(SimFixture &sim, const QString &id, int percent);
// PUT /admin/flags/{name} with the flag's current version as If-Match.
Reply putFlag(SimFixture &sim, const QString &name, const J &body, Role role = Role::Operator);
// POST /admin/rollback (release false) or /admin/rollback/release with the current rollback version.
Reply rollbackAction(SimFixture &sim, bool release, const QByteArray &key, const J &body, Role role = Role::Operator);

// Every audit entry, oldest first, read page by page.
J auditEntries(SimFixture &sim);
// The audit entries of one action ("rollback.engage", ...).
J auditOf(SimFixture &sim, const char *action);
qint64 latestAudit(SimFixture &sim);
qint64 lastLogId(SimFixture &sim);

// requests_total summed over every sample with these labels (null: any value).
double requests(const QByteArray &exposition, const char *route, const char *backend, const char *code = nullptr);
// requests_total with a 5xx code.
double serverErrors(const QByteArray &exposition, const char *route, const char *backend);

J serviceHealth(SimFixture &sim, const char *name);
// microservice_percent by route id, from a GET /admin/routes body.
QMap<QByteArray, qint64> routePercents(const J &routesBody);

// A raw HTTP/1.1 exchange on its own QTcpSocket, read as bytes arrive. Used for the SSE stream, and
// for a response that never comes: QNetworkAccessManager would quietly resend the request.
class RawHttp
{
public:
    struct Event
    {
        QByteArray id, event, data, comment;
        int retry = -1;
    };

    RawHttp(const QUrl &base, const QByteArray &method, const QByteArray &target, const Headers &headers,
            const QByteArray &body = {});
    ~RawHttp();
    RawHttp(const RawHttp &) = delete;
    RawHttp &operator=(const RawHttp &) = delete;

    bool closed() const { return m_closed; }
    const QByteArray &raw() const { return m_raw; }
    bool hasHead() const { return m_status != 0; }
    int status() const { return m_status; }
    QByteArray header(const QByteArray &lowerName) const { return m_headers.value(lowerName); }
    const QList<Event> &events() const { return m_events; }
    QList<Event> logEvents() const;

private:
    void consume(const QByteArray &data);

    QTcpSocket m_socket;
    QByteArray m_raw;
    QByteArray m_pending;
    int m_status = 0;
    QMap<QByteArray, QByteArray> m_headers;
    QList<Event> m_events;
    bool m_closed = false;
};

// An Authorization header with the role's token, then `extra`.
Headers bearer(SimFixture &sim, Role role, const Headers &extra = {});

} // namespace cutover::test
