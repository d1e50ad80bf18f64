// The SLO panel's model on synthetic scrapes with known answers, under QAbstractItemModelTester:
// which rows it has and in what order, what a breach and too little traffic read as, the worst
// row and its reason, and that a refresh with the same rows updates them in place.
#include "models/metricsaggregator.h"
#include "models/slomodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace cutover;
using namespace std::chrono_literals;
using Scope = MetricGroup::Scope;
using Via = MetricGroup::Via;

namespace {

const WallTime t0 {std::chrono::milliseconds(1'700'000'000'000)};

// What one service served so far, by one backend: counters as a gateway exposes them.
struct Served
{
    const char *service;
    const char *backend; // "monolith" or "microservice"
    double ok;
    double errors;
};

// All requests took under 0.1 s: p95 is well within the 200 ms objective.
QByteArray exposition(const QList<Served> &served)
{
    QByteArray out = "# TYPE requests_total counter\n";
    for (const Served &s : served) {
        const QByteArray labels = QByteArray("route=\"") + s.service + "\",service=\"" + s.service + "\",backend=\"" + s.backend + '"';
        out += "requests_total{" + labels + ",code=\"200\"} " + QByteArray::number(s.ok) + '\n';
        out += "requests_total{" + labels + ",code=\"503\"} " + QByteArray::number(s.errors) + '\n';
    }
    out += "# TYPE request_duration_seconds histogram\n";
    for (const Served &s : served) {
        const QByteArray labels = QByteArray("route=\"") + s.service + "\",service=\"" + s.service + "\",backend=\"" + s.backend + '"';
        for (const char *le : {"0.1", "0.2", "+Inf"})
            out += "request_duration_seconds_bucket{" + labels + ",le=\"" + le + "\"} " + QByteArray::number(s.ok + s.errors) + '\n';
    }
    return out;
}

// Two scrapes 60 s apart: the second adds `delta` to a first of zeros.
void feed(MetricsAggregator &agg, const QList<Served> &delta, WallTime start = t0)
{
    QList<Served> zero = delta;
    for (Served &s : zero)
        s.ok = s.errors = 0;
    QVERIFY(!agg.ingest(exposition(zero), ExpositionFormat::PrometheusText, start));
    QVERIFY(!agg.ingest(exposition(delta), ExpositionFormat::PrometheusText, start + 60s));
}

int rowOf(const SloModel &model, const QString &scope)
{
    for (int r = 0; r < model.rowCount(); ++r)
        if (model.index(r, SloModel::ScopeColumn).data().toString() == scope)
            return r;
    return -1;
}

} // namespace

class TestSloModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void emptyModelJudgesNothing();
    void rowsInOrder();
    void breachIsSaidPlainly();
    void tooLittleTrafficIsNotAVerdict_data();
    void tooLittleTrafficIsNotAVerdict();
    void sameRowsUpdateInPlace();
    void newServiceResetsRows();
    void headersNameTheirWindow();
};

void TestSloModel::emptyModelJudgesNothing()
{
    SloModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), int(SloModel::ColumnCount));
    QCOMPARE(model.worst(), SloState::NoData);
    QVERIFY(model.worstReason().isEmpty());
    QVERIFY(!model.hasTraffic());

    // An aggregator that saw nothing still gives the "all traffic" row, with no data in it.
    MetricsAggregator agg(nullptr);
    model.refresh(agg, SloThresholds {});
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0, SloModel::ScopeColumn).data().toString(), QStringLiteral("All traffic"));
    QCOMPARE(model.index(0, SloModel::RequestsColumn).data().toString(), QStringLiteral("—"));
    QCOMPARE(SloState(model.index(0, 0).data(SloModel::StateRole).toInt()), SloState::NoData);
    QVERIFY(!model.hasTraffic());
}

void TestSloModel::rowsInOrder()
{
    MetricsAggregator agg(nullptr);
    feed(agg, {{"user-service", "microservice", 6000, 0},
               {"legacy", "monolith", 6000, 0},
               {"post-service", "microservice", 6000, 0}});
    SloModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.refresh(agg, SloThresholds {});
    // All traffic first, then what the monolith served, then every service.
    QVERIFY(model.rowCount() >= 4);
    QCOMPARE(model.row(0).group, (MetricGroup {Scope::Overall, QString(), Via::All}));
    QCOMPARE(model.row(1).group, (MetricGroup {Scope::Overall, QString(), Via::Monolith}));
    QCOMPARE(model.index(1, SloModel::ScopeColumn).data().toString(), QStringLiteral("Monolith (all it served)"));
    QStringList services;
    for (int r = 2; r < model.rowCount(); ++r) {
        QCOMPARE(model.row(r).group.scope, Scope::Service);
        services << model.row(r).group.name;
    }
    QVERIFY2(services.contains(QStringLiteral("user-service")) && services.contains(QStringLiteral("post-service")),
             qPrintable(services.join(QLatin1Char(','))));
    QCOMPARE(model.index(0, SloModel::RequestsColumn).data().toString(), QStringLiteral("18000"));
    QVERIFY(model.hasTraffic());
    // Numbers align right; the scope and the verdict read as text.
    QCOMPARE(model.index(0, SloModel::ErrorColumn).data(Qt::TextAlignmentRole).toInt(), int(Qt::AlignRight | Qt::AlignVCenter));
    QVERIFY(!model.index(0, SloModel::ScopeColumn).data(Qt::TextAlignmentRole).isValid());

    // Without monolith traffic there is no monolith row.
    MetricsAggregator micro(nullptr);
    feed(micro, {{"user-service", "microservice", 6000, 0}});
    model.refresh(micro, SloThresholds {});
    QCOMPARE(rowOf(model, QStringLiteral("Monolith (all it served)")), -1);
    QCOMPARE(model.rowCount(), 2);
}

void TestSloModel::breachIsSaidPlainly()
{
    MetricsAggregator agg(nullptr);
    // 3 % errors over 6,000 requests against a 0.1 % objective: breached beyond any doubt.
    feed(agg, {{"payment-service", "microservice", 5820, 180}, {"user-service", "microservice", 6000, 0}});
    SloModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.refresh(agg, SloThresholds {});
    const int pay = rowOf(model, QStringLiteral("payment-service"));
    const int user = rowOf(model, QStringLiteral("user-service"));
    QVERIFY(pay >= 0 && user >= 0);
    QCOMPARE(SloState(model.index(pay, 0).data(SloModel::StateRole).toInt()), SloState::Breached);
    QCOMPARE(SloState(model.index(pay, SloModel::ErrorColumn).data(SloModel::CellStateRole).toInt()), SloState::Breached);
    QCOMPARE(model.index(pay, SloModel::ErrorColumn).data().toString(), QStringLiteral("3.000 %"));
    QVERIFY(model.index(pay, SloModel::StateColumn).data().toString().startsWith(QStringLiteral("BREACHED")));
    QVERIFY(model.index(pay, SloModel::ErrorColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("Window: last")));
    // The quiet service is met, and its numbers are not marked.
    QCOMPARE(SloState(model.index(user, 0).data(SloModel::StateRole).toInt()), SloState::Met);
    QCOMPARE(model.index(user, SloModel::StateColumn).data().toString(), QStringLiteral("MET"));
    QCOMPARE(model.worst(), SloState::Breached);
    QVERIFY2(model.worstReason().startsWith(QStringLiteral("All traffic: ")) || model.worstReason().startsWith(QStringLiteral("payment-service: ")),
             qPrintable(model.worstReason()));
    // Sorting by state puts the breach first (the proxy sorts ascending on SortRole).
    QVERIFY(model.index(pay, SloModel::StateColumn).data(SloModel::SortRole).toInt()
            < model.index(user, SloModel::StateColumn).data(SloModel::SortRole).toInt());
}

void TestSloModel::tooLittleTrafficIsNotAVerdict_data()
{
    QTest::addColumn<double>("ok");
    QTest::addColumn<double>("errors");
    QTest::addColumn<SloState>("state");
    QTest::newRow("one error in 405") << 404.0 << 1.0 << SloState::NotEnoughTraffic;
    QTest::newRow("no error in 10") << 10.0 << 0.0 << SloState::NotEnoughTraffic;
    QTest::newRow("no error in 6000") << 6000.0 << 0.0 << SloState::Met;
}

void TestSloModel::tooLittleTrafficIsNotAVerdict()
{
    QFETCH(double, ok);
    QFETCH(double, errors);
    QFETCH(SloState, state);
    MetricsAggregator agg(nullptr);
    feed(agg, {{"post-service", "microservice", ok, errors}});
    SloModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.refresh(agg, SloThresholds {});
    const int row = rowOf(model, QStringLiteral("post-service"));
    QVERIFY(row >= 0);
    QCOMPARE(SloState(model.index(row, 0).data(SloModel::StateRole).toInt()), state);
    QCOMPARE(model.worst(), state);
    if (state == SloState::Met)
        QVERIFY(model.worstReason().isEmpty() || !model.worstReason().contains(QStringLiteral("breach")));
    else
        QVERIFY2(model.worstReason().contains(QStringLiteral("traffic")), qPrintable(model.worstReason()));
}

void TestSloModel::sameRowsUpdateInPlace()
{
    MetricsAggregator agg(nullptr);
    feed(agg, {{"post-service", "microservice", 6000, 0}});
    SloModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.refresh(agg, SloThresholds {});
    const int row = rowOf(model, QStringLiteral("post-service"));
    QCOMPARE(SloState(model.index(row, 0).data(SloModel::StateRole).toInt()), SloState::Met);

    // Errors start: the same rows, new numbers. A view keeps its selection and scroll position.
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QVERIFY(!agg.ingest(exposition({{"post-service", "microservice", 9000, 3000}}), ExpositionFormat::PrometheusText, t0 + 120s));
    model.refresh(agg, SloThresholds {});
    QCOMPARE(reset.size(), 0);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.first().at(0).toModelIndex(), model.index(0, 0));
    QCOMPARE(changed.first().at(1).toModelIndex(), model.index(model.rowCount() - 1, SloModel::ColumnCount - 1));
    QCOMPARE(SloState(model.index(row, 0).data(SloModel::StateRole).toInt()), SloState::Breached);

    // Other thresholds judge the same numbers again.
    SloThresholds lenient;
    lenient.errorRatioMax = 0.5;
    lenient.availabilityTarget = 0.5;
    model.refresh(agg, lenient);
    QCOMPARE(model.thresholds().errorRatioMax, 0.5);
    QVERIFY(SloState(model.index(row, 0).data(SloModel::StateRole).toInt()) != SloState::Breached);
}

void TestSloModel::newServiceResetsRows()
{
    MetricsAggregator agg(nullptr);
    feed(agg, {{"post-service", "microservice", 6000, 0}});
    SloModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.refresh(agg, SloThresholds {});
    const int before = model.rowCount();
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QVERIFY(!agg.ingest(exposition({{"post-service", "microservice", 6000, 0}, {"media-service", "microservice", 10, 0}}),
                        ExpositionFormat::PrometheusText, t0 + 120s));
    model.refresh(agg, SloThresholds {});
    QCOMPARE(reset.size(), 1);
    QCOMPARE(model.rowCount(), before + 1);
    QVERIFY(rowOf(model, QStringLiteral("media-service")) >= 0);
}

void TestSloModel::headersNameTheirWindow()
{
    SloModel model;
    QCOMPARE(model.headerData(SloModel::RequestsColumn, Qt::Horizontal).toString(), QStringLiteral("Requests (5 min)"));
    QCOMPARE(model.headerData(SloModel::BurnLongColumn, Qt::Horizontal).toString(), QStringLiteral("Burn 1 h"));
    QCOMPARE(model.headerData(SloModel::BurnShortColumn, Qt::Horizontal).toString(), QStringLiteral("Burn 5 min"));
    QVERIFY(!model.headerData(0, Qt::Vertical).isValid());
    QVERIFY(!model.headerData(0, Qt::Horizontal, Qt::ToolTipRole).isValid());
}

QTEST_GUILESS_MAIN(TestSloModel)
#include "tst_slomodel.moc"
