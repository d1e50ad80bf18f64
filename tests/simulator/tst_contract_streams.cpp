// cutover-sim against the gateway admin API contract (docs/admin-api.md), over real HTTP to a real
// simulator process: metrics (formats, histograms), paging of the audit and the logs, log backfill
// and the SSE log stream (resume, gaps, ?after=, heartbeats).
//
// Part of the contract suite tst_contract_{access,mutations,traffic,streams}; the shared helpers
// are in tests/support/contracthelpers.h.
#include "tests/support/contracthelpers.h"

#include <QRegularExpression>
#include <QTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <utility>

using cutover::Role;
using namespace cutover::test;

class TestContractStreams : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    // Metrics.
    void metricsFormat();
    void histogram();

    // Paging and query validation of the audit and the log buffer.
    void auditPaging();
    void invalidQuery_data();
    void invalidQuery();

    // Logs.
    void logsBackfill();
    void logsGap();
    void sseResume();
    void sseLiveOnly();
    void sseGap();
    void sseAfter();
    void sseHeartbeat();

private:
    SimFixture m_sim; // shared: --manual-clock --seed 42, for tests that leave no lasting trace
};

void TestContractStreams::initTestCase()
{
    START_SIM(m_sim, simArgs(42));
    QVERIFY(m_sim.step(5));
}

// ---------------------------------------------------------------------------------------------
// Metrics

void TestContractStreams::metricsFormat()
{
    Reply r = m_sim.get(QStringLiteral("/metrics"));
    QCOMPARE(r.status, 200);
    QVERIFY2(r.header("content-type").startsWith("text/plain; version=0.0.4"), r.header("content-type").constData());
    const QByteArray text = r.body;
    const std::pair<const char *, const char *> families[] = {
        {"requests_total", "counter"},   {"request_duration_seconds", "histogram"},
        {"upstream_up", "gauge"},        {"rollback_engaged", "gauge"},
        {"config_version", "gauge"},     {"health_check_duration_seconds", "gauge"}};
    for (const auto &[name, type] : families) {
        QVERIFY2(text.contains(QByteArray("# HELP " + QByteArray(name) + ' ')), name);
        QVERIFY2(text.contains(QByteArray("# TYPE " + QByteArray(name) + ' ' + type + '\n')), name);
    }
    // No timestamps: a sample is a name, optional labels and exactly one value.
    static const QRegularExpression sample(QStringLiteral("^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[^}]*\\})? \\S+$"));
    for (const QByteArray &line : text.split('\n'))
        if (!line.isEmpty() && !line.startsWith('#'))
            QVERIFY2(sample.match(QString::fromUtf8(line)).hasMatch(), line.constData());
    QCOMPARE(QByteArray::number(sumSamples(text, "config_version")),
             b(at(m_sim.get(QStringLiteral("/admin/routes")).json(), "/version")));

    r = m_sim.request("GET", QStringLiteral("/metrics"), Role::Viewer, {},
                      {{"Accept", "application/openmetrics-text; version=1.0.0, text/plain;q=0.5"}});
    QCOMPARE(r.status, 200);
    QVERIFY2(r.header("content-type").startsWith("application/openmetrics-text; version=1.0.0"),
             r.header("content-type").constData());
    QVERIFY(r.body.endsWith("\n# EOF\n"));
    QVERIFY(r.body.contains("# TYPE requests counter\n"));
    QVERIFY(r.body.contains("# HELP requests "));
    QVERIFY(r.body.contains("\nrequests_total{"));
    QVERIFY(r.body.contains("# TYPE request_duration_seconds histogram\n"));
    QVERIFY(r.body.contains("# HELP request_duration_seconds "));

    r = m_sim.request("GET", QStringLiteral("/metrics"), Role::Viewer, {}, {{"Accept", "text/plain"}});
    QVERIFY(r.header("content-type").startsWith("text/plain; version=0.0.4"));
    QVERIFY(!r.body.contains("# EOF"));
}

void TestContractStreams::histogram()
{
    const QByteArray text = m_sim.metrics();
    struct Histogram { QList<double> bounds, values; double count = -1; };
    QMap<QByteArray, Histogram> histograms; // by label set without le
    auto labelsOf = [](const QByteArray &line) {
        const qsizetype open = line.indexOf('{'), close = line.lastIndexOf('}');
        return line.mid(open + 1, close - open - 1);
    };
    auto valueOf = [](const QByteArray &line) { return line.mid(line.lastIndexOf(' ') + 1).toDouble(); };
    for (const QByteArray &line : text.split('\n')) {
        if (line.startsWith("request_duration_seconds_bucket{")) {
            const QByteArray labels = labelsOf(line);
            const qsizetype le = labels.indexOf(",le=\"");
            QVERIFY2(le > 0, line.constData());
            const QByteArray bound = labels.mid(le + 5, labels.indexOf('"', le + 5) - le - 5);
            Histogram &h = histograms[labels.left(le)];
            h.bounds.append(bound == "+Inf" ? qInf() : bound.toDouble());
            h.values.append(valueOf(line));
        } else if (line.startsWith("request_duration_seconds_count{")) {
            histograms[labelsOf(line)].count = valueOf(line);
        }
    }
    QVERIFY(histograms.size() >= 6);
    const QList<double> contractBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10, qInf()};
    for (auto it = histograms.cbegin(); it != histograms.cend(); ++it) {
        const Histogram &h = it.value();
        QVERIFY2(h.bounds == contractBounds, it.key().constData());
        for (qsizetype i = 1; i < h.values.size(); ++i)
            QVERIFY2(h.values[i] >= h.values[i - 1], it.key().constData()); // cumulative
        QCOMPARE(h.values.constLast(), h.count);                             // +Inf == _count
        // _count is the sum of requests_total over the codes of the same label set.
        double requestsTotal = 0;
        for (const QByteArray &line : text.split('\n'))
            if (line.startsWith(QByteArray("requests_total{" + it.key() + ",code=")))
                requestsTotal += valueOf(line);
        QCOMPARE(requestsTotal, h.count);
    }
}

// ---------------------------------------------------------------------------------------------
// Audit and log paging

void TestContractStreams::auditPaging()
{
    for (int i = 0; i < 3; ++i)
        QCOMPARE(setPercent(m_sim, QStringLiteral("notifications"), 0).status, 200);
    const qint64 n = latestAudit(m_sim);
    QVERIFY(n >= 3);

    auto ids = [this](const QString &query, qint64 *latest = nullptr) {
        const J page = m_sim.get(QStringLiteral("/admin/audit") + query).json();
        if (latest)
            *latest = num(at(page, "/latest_id"));
        QList<qint64> out;
        for (const J &e : at(page, "/entries"))
            out.append(num(e["id"]));
        return out;
    };
    qint64 latest = 0;
    QCOMPARE(ids(QStringLiteral("?after=0&limit=2"), &latest), (QList<qint64> {1, 2}));
    QCOMPARE(latest, n);
    QCOMPARE(ids(QStringLiteral("?after=%1&limit=2").arg(n - 3)), (QList<qint64> {n - 2, n - 1}));
    QCOMPARE(ids(QStringLiteral("?after=%1").arg(n - 1)), (QList<qint64> {n}));
    QCOMPARE(ids(QStringLiteral("?after=%1").arg(n)), QList<qint64>());
    QCOMPARE(ids(QStringLiteral("?limit=1")), (QList<qint64> {1})); // oldest first
    const QList<qint64> all = ids(QStringLiteral("?limit=1000"));
    QCOMPARE(all.size(), qsizetype(std::min<qint64>(n, 1000)));
    for (qsizetype i = 0; i < all.size(); ++i)
        QCOMPARE(all[i], qint64(i + 1));
}

void TestContractStreams::invalidQuery_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("field");
    auto row = [](const char *path, int status, const char *field) {
        QTest::newRow(path) << QString::fromLatin1(path) << status << QByteArray(field);
    };
    row("/admin/audit?limit=0", 422, "limit");
    row("/admin/audit?limit=1001", 422, "limit");
    row("/admin/audit?limit=abc", 422, "limit");
    row("/admin/audit?limit=-1", 422, "limit");
    row("/admin/audit?limit=1.5", 422, "limit");
    row("/admin/audit?after=-1", 422, "after");
    row("/admin/audit?after=x", 422, "after");
    row("/admin/audit?limit=1000", 200, "");
    row("/admin/logs?limit=0", 422, "limit");
    row("/admin/logs?limit=5001", 422, "limit");
    row("/admin/logs?limit=many", 422, "limit");
    row("/admin/logs?after=-5", 422, "after");
    row("/admin/logs?after=abc", 422, "after");
    row("/admin/logs?limit=5000", 200, "");
}

void TestContractStreams::invalidQuery()
{
    QFETCH(QString, path);
    QFETCH(int, status);
    QFETCH(QByteArray, field);
    const Reply r = m_sim.get(path);
    if (status == 200)
        QCOMPARE(r.status, 200);
    else
        VERIFY_ERROR(r, status, "validation_failed", field);
}

// ---------------------------------------------------------------------------------------------
// Logs

void TestContractStreams::logsBackfill()
{
    QVERIFY(m_sim.step(2));
    J page = m_sim.get(QStringLiteral("/admin/logs?limit=10")).json();
    const qint64 last = num(at(page, "/last_id"));
    QVERIFY(last > 100);
    QVERIFY(num(at(page, "/first_id")) <= last - 9);
    QVERIFY(at(page, "/gap").is_null());
    QList<qint64> ids;
    for (const J &line : at(page, "/lines"))
        ids.append(num(line["id"]));
    QList<qint64> newest;
    for (qint64 id = last - 9; id <= last; ++id)
        newest.append(id);
    QCOMPARE(ids, newest);

    const J line = page["lines"][0];
    for (const char *key : {"/time", "/level", "/service", "/backend", "/method", "/path", "/request_id", "/route", "/message"})
        QVERIFY2(at(line, key).is_string(), key);
    QVERIFY(isTime(at(line, "/time")));
    QVERIFY(at(line, "/status").is_number_integer() && at(line, "/latency_ms").is_number());
    QVERIFY(at(line, "/user_id").is_string() || at(line, "/user_id").is_null());
    const qint64 status = num(at(line, "/status"));
    QCOMPARE(b(at(line, "/level")), QByteArray(status >= 500 ? "error" : status >= 400 ? "warn" : "info"));

    page = m_sim.get(QStringLiteral("/admin/logs?limit=20&after=%1").arg(last - 30)).json();
    ids.clear();
    for (const J &l : at(page, "/lines"))
        ids.append(num(l["id"]));
    QList<qint64> expected;
    for (qint64 id = last - 29; id <= last - 10; ++id)
        expected.append(id);
    QCOMPARE(ids, expected);

    page = m_sim.get(QStringLiteral("/admin/logs?after=%1").arg(last)).json();
    QCOMPARE(at(page, "/lines").size(), std::size_t(0));
    QVERIFY(at(page, "/gap").is_null());
    page = m_sim.get(QStringLiteral("/admin/logs")).json();
    QCOMPARE(at(page, "/lines").size(), std::size_t(200));
    QCOMPARE(num(page["lines"].back()["id"]), last);
}

void TestContractStreams::logsGap()
{
    SimFixture sim;
    START_SIM(sim, simArgs(41, {QStringLiteral("--log-buffer"), QStringLiteral("50")}));
    QVERIFY(sim.step(2));
    J page = sim.get(QStringLiteral("/admin/logs?after=1")).json();
    const qint64 first = num(at(page, "/first_id")), last = num(at(page, "/last_id"));
    QCOMPARE(last - first + 1, qint64(50));
    QCOMPARE(num(at(page, "/gap/from")), qint64(2));
    QCOMPARE(num(at(page, "/gap/to")), first - 1);
    QCOMPARE(num(at(page, "/gap/missed")), first - 2);
    QCOMPARE(at(page, "/lines").size(), std::size_t(50));
    QCOMPARE(num(page["lines"][0]["id"]), first);
    QCOMPARE(num(page["lines"].back()["id"]), last);

    page = sim.get(QStringLiteral("/admin/logs?after=%1").arg(first - 1)).json();
    QVERIFY(at(page, "/gap").is_null());
    QCOMPARE(num(page["lines"][0]["id"]), first);
    page = sim.get(QStringLiteral("/admin/logs?limit=10")).json();
    QVERIFY(at(page, "/gap").is_null());
}

void TestContractStreams::sseResume()
{
    QVERIFY(m_sim.step(1));
    const qint64 last = lastLogId(m_sim);
    const qint64 from = last - 10;
    RawHttp sse(m_sim.url(), "GET", "/admin/logs/stream",
                bearer(m_sim, Role::Viewer,
                       {{"Accept", "text/event-stream"}, {"Last-Event-ID", QByteArray::number(from)},
                        {"X-Request-ID", "contract-sse-1"}}));
    QTRY_VERIFY_WITH_TIMEOUT(sse.logEvents().size() >= 10, 5000);
    QCOMPARE(sse.status(), 200);
    QVERIFY(sse.header("content-type").startsWith("text/event-stream"));
    QCOMPARE(sse.header("x-request-id"), QByteArray("contract-sse-1"));
    QCOMPARE(sse.events().first().retry, 2000);

    // Now live lines, after the backlog and in order.
    const qint64 newLast = num(at(m_sim.request("POST", QStringLiteral("/sim/step"), Role::Admin,
                                                dump({{"seconds", 0.5}})).json(), "/log_last_id"));
    QVERIFY(newLast > last);
    QTRY_VERIFY_WITH_TIMEOUT(sse.logEvents().size() >= newLast - from, 5000);
    const QList<RawHttp::Event> logs = sse.logEvents();
    QCOMPARE(logs.size(), qsizetype(newLast - from));
    for (qsizetype i = 0; i < logs.size(); ++i) {
        QCOMPARE(logs[i].id.toLongLong(), from + 1 + i);
        QCOMPARE(logs[i].event, QByteArray("log"));
        const J data = J::parse(logs[i].data.toStdString(), nullptr, false);
        QCOMPARE(num(at(data, "/id")), from + 1 + i);
    }
    for (const RawHttp::Event &e : sse.events())
        QVERIFY(e.event == "log" || e.event == "instance" || e.retry == 2000 || e.comment.startsWith("heartbeat"));
}

void TestContractStreams::sseLiveOnly()
{
    const qint64 last = lastLogId(m_sim);
    RawHttp sse(m_sim.url(), "GET", "/admin/logs/stream", bearer(m_sim, Role::Viewer));
    QTRY_VERIFY_WITH_TIMEOUT(!sse.events().isEmpty(), 5000);
    QCOMPARE(sse.events().first().retry, 2000);
    QVERIFY(m_sim.step(0.5));
    const qint64 newLast = lastLogId(m_sim);
    QTRY_VERIFY_WITH_TIMEOUT(sse.logEvents().size() >= newLast - last, 5000);
    QCOMPARE(sse.logEvents().size(), qsizetype(newLast - last));
    QCOMPARE(sse.logEvents().first().id.toLongLong(), last + 1);
    QCOMPARE(sse.logEvents().last().id.toLongLong(), newLast);
}

void TestContractStreams::sseGap()
{
    SimFixture sim;
    START_SIM(sim, simArgs(43, {QStringLiteral("--log-buffer"), QStringLiteral("50")}));
    QVERIFY(sim.step(2));
    const J page = sim.get(QStringLiteral("/admin/logs?limit=1")).json();
    const qint64 first = num(at(page, "/first_id")), last = num(at(page, "/last_id"));
    QVERIFY(first > 6);

    RawHttp sse(sim.url(), "GET", "/admin/logs/stream", bearer(sim, Role::Viewer, {{"Last-Event-ID", "5"}}));
    QTRY_VERIFY_WITH_TIMEOUT(sse.logEvents().size() >= 50, 5000);
    const QList<RawHttp::Event> events = sse.events();
    QCOMPARE(events[0].retry, 2000);
    QCOMPARE(events[1].event, QByteArray("instance")); // 1.1: right after retry (tst_contract_v11)
    QCOMPARE(events[2].event, QByteArray("gap"));
    QCOMPARE(events[2].id.toLongLong(), first - 1);
    const J gap = J::parse(events[2].data.toStdString(), nullptr, false);
    QCOMPARE(num(at(gap, "/from")), qint64(6));
    QCOMPARE(num(at(gap, "/to")), first - 1);
    QCOMPARE(num(at(gap, "/missed")), first - 6);
    QCOMPARE(events[3].event, QByteArray("log"));
    QCOMPARE(events[3].id.toLongLong(), first);
    QCOMPARE(sse.logEvents().size(), qsizetype(last - first + 1));
    QCOMPARE(sse.logEvents().last().id.toLongLong(), last);
}

void TestContractStreams::sseAfter()
{
    const qint64 last = lastLogId(m_sim);
    {
        RawHttp sse(m_sim.url(), "GET", "/admin/logs/stream?after=" + QByteArray::number(last - 5),
                    bearer(m_sim, Role::Viewer));
        QTRY_VERIFY_WITH_TIMEOUT(sse.logEvents().size() >= 5, 5000);
        QCOMPARE(sse.logEvents().size(), qsizetype(5));
        QCOMPARE(sse.logEvents().first().id.toLongLong(), last - 4);
        QCOMPARE(sse.logEvents().last().id.toLongLong(), last);
    }
    {
        // Last-Event-ID wins over after.
        RawHttp sse(m_sim.url(), "GET", "/admin/logs/stream?after=" + QByteArray::number(last - 20),
                    bearer(m_sim, Role::Viewer, {{"Last-Event-ID", QByteArray::number(last - 3)}}));
        QTRY_VERIFY_WITH_TIMEOUT(sse.logEvents().size() >= 3, 5000);
        QCOMPARE(sse.logEvents().first().id.toLongLong(), last - 2);
        QCOMPARE(sse.logEvents().size(), qsizetype(3));
    }
    {
        RawHttp sse(m_sim.url(), "GET", "/admin/logs/stream?after=abc", bearer(m_sim, Role::Viewer));
        QTRY_VERIFY_WITH_TIMEOUT(sse.hasHead(), 5000);
        QCOMPARE(sse.status(), 422);
    }
}

void TestContractStreams::sseHeartbeat()
{
    SimFixture sim;
    START_SIM(sim, simArgs(44, {QStringLiteral("--heartbeat-s"), QStringLiteral("1")}));
    RawHttp sse(sim.url(), "GET", "/admin/logs/stream", bearer(sim, Role::Viewer));
    auto heartbeats = [&sse] {
        return std::count_if(sse.events().cbegin(), sse.events().cend(),
                             [](const RawHttp::Event &e) { return e.comment.startsWith("heartbeat"); });
    };
    QTRY_VERIFY_WITH_TIMEOUT(heartbeats() >= 1, 3000);
    QCOMPARE(sse.events().first().retry, 2000);
    QTRY_VERIFY_WITH_TIMEOUT(heartbeats() >= 2, 3000); // and again, about a second later
}

QTEST_GUILESS_MAIN(TestContractStreams)
#include "tst_contract_streams.moc"
