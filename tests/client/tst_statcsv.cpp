// `show stat` / `show info` parsing on captures from a real HAProxy 2.6.12 running
// docs/haproxy/haproxy.cfg (tests/client/data/haproxy/): columns by header name, statuses
// (UP/DOWN/DRAIN/MAINT), check results, counters and averages, and the health they give.
#include "client/haproxy/haproxymodel.h"
#include "client/haproxy/statcsv.h"

#include <QFile>
#include <QRandomGenerator>
#include <QTest>

using namespace cutover;
using namespace cutover::haproxy;

namespace {

QByteArray capture(const char *name)
{
    QFile f(QFINDTESTDATA(QStringLiteral("data/haproxy/") + QLatin1String(name)));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("missing capture %s", name);
    return f.readAll();
}

const HaproxyStatRow *row(const QList<HaproxyStatRow> &rows, const char *proxy, const char *name)
{
    for (const HaproxyStatRow &r : rows) {
        if (r.proxy == QLatin1String(proxy) && r.name == QLatin1String(name))
            return &r;
    }
    return nullptr;
}

// The same CSV with its columns in another order (the header and every line alike).
QByteArray shuffledColumns(const QByteArray &csv, quint32 seed)
{
    QList<QByteArray> lines = csv.trimmed().split('\n');
    const QStringList header = splitStatCsvLine(lines.first().mid(2));
    QList<int> order;
    for (int i = 0; i < header.size(); ++i)
        order.append(i);
    QRandomGenerator rng(seed);
    std::shuffle(order.begin(), order.end(), rng);
    auto quoted = [](const QString &f) -> QByteArray {
        if (!f.contains(QLatin1Char(',')) && !f.contains(QLatin1Char('"')))
            return f.toUtf8();
        return '"' + QString(f).replace(QStringLiteral("\""), QStringLiteral("\"\"")).toUtf8() + '"';
    };
    QByteArray out;
    for (int l = 0; l < lines.size(); ++l) {
        const QStringList fields = l == 0 ? header : splitStatCsvLine(lines.at(l));
        QByteArray line = l == 0 ? "# " : "";
        for (int i : order)
            line += quoted(i < fields.size() ? fields.at(i) : QString()) + ',';
        out += line + '\n';
    }
    return out;
}

} // namespace

class TestStatCsv : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesCapturedTraffic();
    void columnsAreFoundByName();
    void capturedStates();
    void stateFromStatus_data();
    void stateFromStatus();
    void csvQuoting_data();
    void csvQuoting();
    void malformed_data();
    void malformed();
    void showInfo();
    void healthFromCapture();
};

void TestStatCsv::parsesCapturedTraffic()
{
    const Result<QList<HaproxyStatRow>> rows = parseShowStat(capture("show_stat_traffic.csv"));
    QVERIFY2(rows.ok(), qPrintable(rows.ok() ? QString() : rows.error().describe()));
    QCOMPARE(rows->size(), 10);

    const HaproxyStatRow *fe = row(*rows, "fe_main", "FRONTEND");
    QVERIFY(fe);
    QCOMPARE(fe->type, HaproxyStatRow::Type::Frontend);
    QCOMPARE(fe->state, HaproxyStatRow::State::Open);
    QCOMPARE(fe->requestsTotal, std::optional<qint64>(69));
    QCOMPARE(fe->responses[HaproxyStatRow::Hrsp2xx], 64);
    QCOMPARE(fe->responses[HaproxyStatRow::Hrsp5xx], 5);
    QCOMPARE(fe->mode, QStringLiteral("http"));

    const HaproxyStatRow *be = row(*rows, "be_posts", "BACKEND");
    QVERIFY(be);
    QCOMPARE(be->type, HaproxyStatRow::Type::Backend);
    QCOMPARE(be->algorithm, QStringLiteral("roundrobin"));
    QCOMPARE(be->totalResponses(), 45);

    const HaproxyStatRow *ms = row(*rows, "be_posts", "post-service");
    QVERIFY(ms);
    QCOMPARE(ms->type, HaproxyStatRow::Type::Server);
    QCOMPARE(ms->status, QStringLiteral("UP"));
    QCOMPARE(ms->state, HaproxyStatRow::State::Up);
    QCOMPARE(ms->checkStatus, QStringLiteral("L7OK"));
    QCOMPARE(ms->checkCode, std::optional<int>(200));
    QVERIFY(ms->checkDurationMs.has_value());
    QCOMPARE(ms->checkDescription, QStringLiteral("Layer7 check passed"));
    QCOMPARE(ms->userWeight, std::optional<int>(25));
    QCOMPARE(ms->address, QStringLiteral("127.0.0.1:28002"));
    QCOMPARE(ms->responses[HaproxyStatRow::Hrsp2xx], 10);
    QCOMPARE(ms->responses[HaproxyStatRow::Hrsp5xx], 1);
    // The moving averages exist (ms) and there is nothing like a percentile.
    QVERIFY(ms->responseTimeMs.has_value());
    QVERIFY(ms->totalTimeMs.has_value());
    QVERIFY(ms->totalTimeMaxMs.has_value());
    QVERIFY(*ms->totalTimeMaxMs >= *ms->totalTimeMs);
}

void TestStatCsv::columnsAreFoundByName()
{
    const QByteArray original = capture("show_stat_traffic.csv");
    const Result<QList<HaproxyStatRow>> expected = parseShowStat(original);
    QVERIFY(expected.ok());
    for (quint32 seed : {1u, 7u, 42u}) {
        const Result<QList<HaproxyStatRow>> rows = parseShowStat(shuffledColumns(original, seed));
        QVERIFY(rows.ok());
        QCOMPARE(rows->size(), expected->size());
        for (qsizetype i = 0; i < rows->size(); ++i) {
            const HaproxyStatRow &a = rows->at(i), &b = expected->at(i);
            QCOMPARE(a.proxy, b.proxy);
            QCOMPARE(a.name, b.name);
            QCOMPARE(a.type, b.type);
            QCOMPARE(a.status, b.status);
            QCOMPARE(a.userWeight, b.userWeight);
            QCOMPARE(a.responses, b.responses);
            QCOMPARE(a.checkDescription, b.checkDescription);
            QCOMPARE(a.totalTimeMs, b.totalTimeMs);
        }
    }
}

void TestStatCsv::capturedStates()
{
    // be_posts/monolith set to drain, be_payments/payment-service to maint, post-service killed.
    const Result<QList<HaproxyStatRow>> rows = parseShowStat(capture("show_stat_states.csv"));
    QVERIFY(rows.ok());
    const HaproxyStatRow *drain = row(*rows, "be_posts", "monolith");
    QCOMPARE(drain->state, HaproxyStatRow::State::Drain);
    QCOMPARE(healthOf(*drain), HealthStatus::Degraded);
    const HaproxyStatRow *down = row(*rows, "be_posts", "post-service");
    QCOMPARE(down->state, HaproxyStatRow::State::Down);
    QCOMPARE(down->checkStatus, QStringLiteral("L4CON"));
    QCOMPARE(down->lastCheck, QStringLiteral("Connection refused"));
    QCOMPARE(healthOf(*down), HealthStatus::Unhealthy);
    QVERIFY(describeHealth(*down).contains(QStringLiteral("L4CON")));
    const HaproxyStatRow *maint = row(*rows, "be_payments", "payment-service");
    QCOMPARE(maint->state, HaproxyStatRow::State::Maintenance);
    QCOMPARE(healthOf(*maint), HealthStatus::Unhealthy);
    QVERIFY(describeHealth(*maint).contains(QStringLiteral("MAINT")));
}

void TestStatCsv::stateFromStatus_data()
{
    // The strings of src/stats.c (srv_hlt_st and the MAINT variants) and of frontends.
    QTest::addColumn<QString>("status");
    QTest::addColumn<HaproxyStatRow::State>("state");
    using S = HaproxyStatRow::State;
    QTest::newRow("UP") << QStringLiteral("UP") << S::Up;
    QTest::newRow("UP going down") << QStringLiteral("UP 1/3") << S::GoingDown;
    QTest::newRow("DOWN") << QStringLiteral("DOWN") << S::Down;
    QTest::newRow("DOWN going up") << QStringLiteral("DOWN 1/2") << S::GoingUp;
    QTest::newRow("DOWN agent") << QStringLiteral("DOWN (agent)") << S::Down;
    QTest::newRow("NOLB") << QStringLiteral("NOLB") << S::NoLoadBalancing;
    QTest::newRow("NOLB going down") << QStringLiteral("NOLB 1/2") << S::NoLoadBalancing;
    QTest::newRow("DRAIN") << QStringLiteral("DRAIN") << S::Drain;
    QTest::newRow("DRAIN agent") << QStringLiteral("DRAIN (agent)") << S::Drain;
    QTest::newRow("MAINT") << QStringLiteral("MAINT") << S::Maintenance;
    QTest::newRow("MAINT via") << QStringLiteral("MAINT (via be_x/srv)") << S::Maintenance;
    QTest::newRow("MAINT resolution") << QStringLiteral("MAINT (resolution)") << S::Maintenance;
    QTest::newRow("no check") << QStringLiteral("no check") << S::NotChecked;
    QTest::newRow("OPEN") << QStringLiteral("OPEN") << S::Open;
    QTest::newRow("STOP") << QStringLiteral("STOP") << S::Stopped;
    QTest::newRow("empty") << QString() << S::Unknown;
}

void TestStatCsv::stateFromStatus()
{
    QFETCH(QString, status);
    QFETCH(HaproxyStatRow::State, state);
    QCOMPARE(HaproxyStatRow::stateFromStatus(status), state);
}

void TestStatCsv::csvQuoting_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QStringList>("fields");
    QTest::newRow("trailing comma") << QByteArray("a,b,") << QStringList {QStringLiteral("a"), QStringLiteral("b")};
    QTest::newRow("empty fields") << QByteArray("a,,b,,")
                                  << QStringList {QStringLiteral("a"), QString(), QStringLiteral("b"), QString()};
    QTest::newRow("quoted comma") << QByteArray("x,\"Layer7 wrong status, code 500\",y,")
                                  << QStringList {QStringLiteral("x"), QStringLiteral("Layer7 wrong status, code 500"), QStringLiteral("y")};
    QTest::newRow("doubled quote") << QByteArray("\"say \"\"hi\"\"\",")
                                   << QStringList {QStringLiteral("say \"hi\"")};
    QTest::newRow("quoted empty") << QByteArray("\"\",a,") << QStringList {QString(), QStringLiteral("a")};
}

void TestStatCsv::csvQuoting()
{
    QFETCH(QByteArray, line);
    QFETCH(QStringList, fields);
    QCOMPARE(splitStatCsvLine(line), fields);
}

void TestStatCsv::malformed_data()
{
    QTest::addColumn<QByteArray>("csv");
    QTest::addColumn<QString>("field");
    QTest::newRow("empty") << QByteArray("\n") << QStringLiteral("header");
    QTest::newRow("no header") << QByteArray("fe,FRONTEND,\n") << QStringLiteral("header");
    QTest::newRow("no pxname") << QByteArray("# name,svname,\nfe,FRONTEND,\n") << QStringLiteral("pxname");
    QTest::newRow("error text") << QByteArray("Permission denied\n") << QStringLiteral("header");
}

void TestStatCsv::malformed()
{
    QFETCH(QByteArray, csv);
    QFETCH(QString, field);
    const Result<QList<HaproxyStatRow>> rows = parseShowStat(csv);
    QVERIFY(!rows.ok());
    QCOMPARE(rows.error().kind, ApiError::Kind::Malformed);
    QCOMPARE(rows.error().field, field);
    QCOMPARE(rows.error().endpoint, QStringLiteral("show stat"));
}

void TestStatCsv::showInfo()
{
    const Result<HaproxyInfo> info = parseShowInfo(capture("show_info.txt"));
    QVERIFY(info.ok());
    QCOMPARE(info->name, QStringLiteral("HAProxy"));
    QCOMPARE(info->version, QStringLiteral("2.6.12-1+deb12u4"));
    QVERIFY(!info->pid.isEmpty());
    QVERIFY(info->uptimeSeconds.has_value());
    QVERIFY(!parseShowInfo("Permission denied\n").ok());
}

void TestStatCsv::healthFromCapture()
{
    HaproxyStats stats;
    stats.readAt = QDateTime::currentDateTimeUtc();
    stats.info.version = QStringLiteral("2.6.12");
    stats.rows = *parseShowStat(capture("show_stat_states.csv"));
    const HealthSnapshot h = healthFrom(stats, Conventions(), Milliseconds(1.5));
    QCOMPARE(h.gateway.kind, ServiceKind::Gateway);
    QCOMPARE(h.gateway.version, QStringLiteral("2.6.12"));
    QCOMPARE(h.gateway.latency, std::optional<Milliseconds>(Milliseconds(1.5)));
    // Frontends and backends are the gateway's checks.
    QVERIFY(std::any_of(h.gateway.checks.cbegin(), h.gateway.checks.cend(),
                        [](const HealthCheck &c) { return c.name == QLatin1String("frontend fe_main"); }));
    QVERIFY(std::any_of(h.gateway.checks.cbegin(), h.gateway.checks.cend(),
                        [](const HealthCheck &c) { return c.name == QLatin1String("backend be_posts"); }));
    // Servers grouped by name: the monolith sits in three backends.
    QCOMPARE(h.services.size(), 3);
    const ServiceHealth &mono = h.services.at(0);
    QCOMPARE(mono.name, QStringLiteral("monolith"));
    QCOMPARE(mono.kind, ServiceKind::Monolith);
    QCOMPARE(mono.checks.size(), 3);
    QCOMPARE(mono.status, HealthStatus::Degraded); // draining in be_posts
    const ServiceHealth &posts = h.services.at(1);
    QCOMPARE(posts.name, QStringLiteral("post-service"));
    QCOMPARE(posts.kind, ServiceKind::Microservice);
    QCOMPARE(posts.status, HealthStatus::Unhealthy);
    QVERIFY(!posts.latency.has_value());
    QCOMPARE(posts.url, QStringLiteral("http://127.0.0.1:28002"));
    QVERIFY(posts.message.contains(QStringLiteral("Connection refused")));
    QCOMPARE(h.services.at(2).status, HealthStatus::Unhealthy); // MAINT
}

QTEST_GUILESS_MAIN(TestStatCsv)
#include "tst_statcsv.moc"
