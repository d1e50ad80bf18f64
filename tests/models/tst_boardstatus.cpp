// The board's status and numbers against real traffic from cutover-sim: a service whose health
// check passes while its traffic breaches the SLO is not shown as healthy, the board agrees with
// the SLO panel, and only numbers beyond their objective are marked.
#include "client/jsonboundary.h"
#include "models/boardstate.h"
#include "models/servicemodel.h"
#include "models/slomodel.h"
#include "tests/support/simfixture.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace cutover;
using namespace std::chrono_literals;

using test::SimFixture;

class TestBoardStatus : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void checkPassesButTrafficBreaches();
    void quietNumbersAreNotRed();

private:
    // Health and a scrape taken `at` seconds into the manual clock.
    void observe(int at);
    int row(const QString &name) const { return m_board->services()->rowOf(name); }
    QVariant cell(const QString &name, int column, int role = Qt::DisplayRole) const
    {
        const ServiceModel *m = m_board->services();
        return m->index(row(name), column).data(role);
    }

    SimFixture m_sim;
    std::unique_ptr<BoardState> m_board;
    const QDateTime m_t0 = QDateTime::fromSecsSinceEpoch(1'800'000'000, Qt::UTC);
};

void TestBoardStatus::initTestCase()
{
    QVERIFY2(m_sim.start({QStringLiteral("--seed"), QStringLiteral("7"), QStringLiteral("--manual-clock"),
                          QStringLiteral("--rate"), QStringLiteral("400")}),
             qPrintable(m_sim.error()));
    m_board = std::make_unique<BoardState>();
    observe(0);
    QVERIFY(m_sim.step(90));
    observe(90);
}

void TestBoardStatus::observe(int at)
{
    const test::Reply health = m_sim.get(QStringLiteral("/health/services"));
    QCOMPARE(health.status, 200);
    Result<HealthSnapshot> snapshot = json::parseHealth(health.body);
    QVERIFY(snapshot);
    m_board->services()->apply(snapshot.value());
    MetricsScrape scrape;
    scrape.body = m_sim.metrics();
    scrape.contentType = "text/plain; version=0.0.4";
    scrape.receivedAt = m_t0.addSecs(at);
    m_board->ingestMetrics(scrape);
    QVERIFY(m_board->metricsProblem().isEmpty());
}

void TestBoardStatus::checkPassesButTrafficBreaches()
{
    QAbstractItemModelTester tester(m_board->services(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester sloTester(m_board->slo(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    // Everything calm: the monolith is healthy by its check and by its traffic.
    const QString monolith = QStringLiteral("monolith");
    QVERIFY(row(monolith) >= 0);
    QCOMPARE(HealthStatus(cell(monolith, ServiceModel::StatusColumn, ServiceModel::StatusRole).toInt()), HealthStatus::Healthy);

    // 2.6 % of what the monolith serves fails; its health check still passes.
    QCOMPARE(m_sim.request("POST", QStringLiteral("/sim/faults"), Role::Admin, R"({"service":"monolith","error_rate":0.026})").status,
             201);
    QVERIFY(m_sim.step(120));
    observe(210);

    QCOMPARE(HealthStatus(cell(monolith, ServiceModel::StatusColumn, ServiceModel::HealthRole).toInt()), HealthStatus::Healthy);
    QCOMPARE(HealthStatus(cell(monolith, ServiceModel::StatusColumn, ServiceModel::StatusRole).toInt()), HealthStatus::Degraded);
    QCOMPARE(cell(monolith, ServiceModel::StatusColumn).toString(), QStringLiteral("SLO breached"));
    const QString why = cell(monolith, ServiceModel::StatusColumn, Qt::ToolTipRole).toString();
    QVERIFY2(why.startsWith(QStringLiteral("healthy check; errors ")) && why.contains(QStringLiteral(" > 0.1 % over ")),
             qPrintable(why));
    QVERIFY(cell(monolith, ServiceModel::NameColumn, ServiceModel::AttentionRole).toBool());
    // Its error number is beyond the objective and marked so.
    QCOMPARE(SloState(cell(monolith, ServiceModel::ErrorColumn, ServiceModel::CellSloRole).toInt()), SloState::Breached);

    // The board and the SLO panel say the same of every group both show.
    const SloModel *slo = m_board->slo();
    int panelBreached = 0;
    for (int r = 0; r < slo->rowCount(); ++r) {
        const SloModel::Row &panelRow = slo->row(r);
        const SloState state = panelRow.status.state();
        panelBreached += state == SloState::Breached;
        QString boardName;
        if (panelRow.group.scope == MetricGroup::Scope::Overall)
            boardName = panelRow.group.via == MetricGroup::Via::Monolith ? monolith : QStringLiteral("gateway");
        else
            boardName = panelRow.group.name;
        if (row(boardName) < 0)
            continue;
        QCOMPARE(SloState(cell(boardName, ServiceModel::StatusColumn, ServiceModel::SloRole).toInt()), state);
    }
    QVERIFY(panelBreached >= 1);
    QCOMPARE(m_board->services()->countSloBreached(), panelBreached);
    // The summary's counts follow the status, not the check alone.
    QVERIFY(m_board->services()->count(HealthStatus::Degraded) >= 1);
    QCOMPARE(m_board->services()->count(HealthStatus::Healthy) + m_board->services()->count(HealthStatus::Degraded)
                 + m_board->services()->count(HealthStatus::Unhealthy) + m_board->services()->count(HealthStatus::Unknown),
             m_board->services()->rowCount());

    // Stale metrics judge nothing: the status falls back to the check, and says so.
    m_board->services()->setMetricsStale(true);
    QCOMPARE(HealthStatus(cell(monolith, ServiceModel::StatusColumn, ServiceModel::StatusRole).toInt()), HealthStatus::Healthy);
    QVERIFY(cell(monolith, ServiceModel::StatusColumn, Qt::ToolTipRole).toString().contains(QStringLiteral("SLO not judged")));
    m_board->services()->setMetricsStale(false);

    QCOMPARE(m_sim.request("DELETE", QStringLiteral("/sim/faults"), Role::Admin).status, 200);
}

void TestBoardStatus::quietNumbersAreNotRed()
{
    // Rows whose own numbers are within their objectives are never marked, whatever the row's state.
    const ServiceModel *m = m_board->services();
    int checked = 0;
    for (int r = 0; r < m->rowCount(); ++r) {
        const std::optional<ServiceStats> &st = m->stats(r);
        if (!st || !st->errorRatio || *st->errorRatio > 0.001)
            continue;
        QVERIFY(SloState(m->index(r, ServiceModel::ErrorColumn).data(ServiceModel::CellSloRole).toInt()) != SloState::Breached);
        ++checked;
    }
    for (int r = 0; r < m->rowCount(); ++r) {
        const std::optional<ServiceStats> &st = m->stats(r);
        if (st && st->p95Ms && *st->p95Ms < 200.0)
            QVERIFY(SloState(m->index(r, ServiceModel::P95Column).data(ServiceModel::CellSloRole).toInt()) != SloState::Breached);
    }
    QVERIFY(checked >= 1);
    // Every live column names its window.
    for (int column : {ServiceModel::RateColumn, ServiceModel::ErrorColumn, ServiceModel::P95Column})
        QVERIFY(m->headerData(column, Qt::Horizontal).toString().endsWith(QStringLiteral(", 1 min")));
}

QTEST_GUILESS_MAIN(TestBoardStatus)
#include "tst_boardstatus.moc"
