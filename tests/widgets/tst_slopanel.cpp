// The SLO panel's headline and rows say what the numbers allow: traffic without a verdict is not
// "no traffic", too few requests are not "met", and a burn-rate window not yet full says so.
#include "models/boardstate.h"
#include "models/slomodel.h"
#include "widgets/slopanel.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace cutover;

namespace {

const QDateTime t0 = QDateTime::fromSecsSinceEpoch(1'800'000'000, Qt::UTC);

// One scrape of a gateway that counts requests (and errors) per service; with `histogram`, a
// duration histogram whose requests all took under 50 ms.
MetricsScrape scrape(int at, double requests, double errors, bool histogram)
{
    QByteArray text = "# TYPE requests_total counter\n";
    text += "requests_total{route=\"pay\",service=\"payment-service\",backend=\"microservice\",code=\"200\"} "
        + QByteArray::number(requests - errors) + '\n';
    text += "requests_total{route=\"pay\",service=\"payment-service\",backend=\"microservice\",code=\"500\"} "
        + QByteArray::number(errors) + '\n';
    if (histogram) {
        text += "# TYPE request_duration_seconds histogram\n";
        for (const char *le : {"0.05", "0.2", "+Inf"})
            text += "request_duration_seconds_bucket{route=\"pay\",service=\"payment-service\",backend=\"microservice\",le=\""
                + QByteArray(le) + "\"} " + QByteArray::number(requests) + '\n';
        text += "request_duration_seconds_sum{route=\"pay\",service=\"payment-service\",backend=\"microservice\"} "
            + QByteArray::number(requests * 0.02) + '\n';
        text += "request_duration_seconds_count{route=\"pay\",service=\"payment-service\",backend=\"microservice\"} "
            + QByteArray::number(requests) + '\n';
    }
    return MetricsScrape {text, "text/plain; version=0.0.4", t0.addSecs(at)};
}

} // namespace

class TestSloPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void trafficWithoutAVerdictIsNotNoTraffic();
    void fewRequestsAreNotMet();
    void incompleteBurnWindowsAreMarked();
};

void TestSloPanel::trafficWithoutAVerdictIsNotNoTraffic()
{
    BoardState board;
    SloPanel panel(&board);
    QVERIFY(panel.headline().contains(QStringLiteral("No traffic data yet")));
    // Plenty of requests, but no histogram: the p95 cannot be judged, the traffic is there.
    board.ingestMetrics(scrape(0, 0, 0, false));
    board.ingestMetrics(scrape(60, 60000, 0, false));
    QTRY_VERIFY(!panel.headline().contains(QStringLiteral("No traffic data yet")));
    QVERIFY2(panel.headline().contains(QStringLiteral("Some SLOs cannot be judged")), qPrintable(panel.headline()));
    QVERIFY2(panel.headline().contains(QStringLiteral("p95: no latency histogram")), qPrintable(panel.headline()));
}

void TestSloPanel::fewRequestsAreNotMet()
{
    BoardState board;
    SloPanel panel(&board);
    QAbstractItemModelTester tester(board.slo(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    // One error in 405 requests: 0.25 %, but too few to say the 0.1 % objective is breached.
    board.ingestMetrics(scrape(0, 0, 0, true));
    board.ingestMetrics(scrape(40, 405, 1, true));
    const SloModel *model = board.slo();
    QCOMPARE(model->rowCount(), 2); // all traffic, payment-service
    for (int r = 0; r < model->rowCount(); ++r) {
        QCOMPARE(model->row(r).status.evaluation.errorRate.state, SloState::NotEnoughTraffic);
        QCOMPARE(model->index(r, SloModel::StateColumn).data().toString(), QStringLiteral("NOT ENOUGH TRAFFIC"));
        const QString tip = model->index(r, SloModel::ErrorColumn).data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(QStringLiteral("405 requests, about")), qPrintable(tip));
    }
    QTRY_VERIFY2(panel.headline().contains(QStringLiteral("Not enough traffic to judge")), qPrintable(panel.headline()));
    QVERIFY(!panel.headline().contains(QStringLiteral("breached"), Qt::CaseInsensitive));

    // Thousands more, all good: met.
    board.ingestMetrics(scrape(100, 20405, 1, true));
    QCOMPARE(model->row(0).status.state(), SloState::Met);
    QTRY_VERIFY2(panel.headline().contains(QStringLiteral("All SLOs met")), qPrintable(panel.headline()));
}

void TestSloPanel::incompleteBurnWindowsAreMarked()
{
    BoardState board;
    board.ingestMetrics(scrape(0, 0, 0, true));
    board.ingestMetrics(scrape(300, 30000, 0, true));
    const SloModel *model = board.slo();
    QCOMPARE(model->index(0, SloModel::BurnLongColumn).data().toString(), QStringLiteral("0.0× (5 min of 1 h)"));
    QCOMPARE(model->index(0, SloModel::BurnShortColumn).data().toString(), QStringLiteral("0.0×"));
}

QTEST_MAIN(TestSloPanel)
#include "tst_slopanel.moc"
