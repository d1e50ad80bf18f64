// RoutesModel: the routes as the gateway has them, the split the metrics observe, when a
// difference is worth a warning, and the state of the operator's own changes.
#include "models/metricsaggregator.h"
#include "models/routesmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace cutover;
using namespace std::chrono_literals;

namespace {

Route route(const QString &id, const QString &service, int percent, const QString &version = QStringLiteral("3"))
{
    Route r;
    r.id = id;
    r.prefix = QStringLiteral("/api/") + id;
    r.service = service;
    r.microservicePercent = percent;
    r.version = version;
    r.updatedBy = QStringLiteral("bootstrap");
    r.updatedAt = QDateTime::fromSecsSinceEpoch(1700000000, Qt::UTC);
    return r;
}

RouteList list(QList<Route> routes, bool rollback = false)
{
    RouteList l;
    l.version = QStringLiteral("14");
    l.rollbackEngaged = rollback;
    l.routes = std::move(routes);
    return l;
}

FlagList paymentFlag(bool enabled, int rollout)
{
    Flag f;
    f.name = QStringLiteral("use_payment_microservice");
    f.enabled = enabled;
    f.rolloutPercent = rollout;
    f.version = QStringLiteral("5");
    return FlagList {QStringLiteral("14"), {f}};
}

ObservedSplit split(double monolith, double micro, double seconds = 30)
{
    ObservedSplit s;
    s.monolithRequests = monolith;
    s.microserviceRequests = micro;
    s.requestRate = (monolith + micro) / seconds;
    return s;
}

const WallTime t0 {std::chrono::milliseconds(1'700'000'000'000)};

} // namespace

class TestRoutesModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void appliesListsInPlace();
    void observesTheSplitFromMetrics();
    void warnsOnlyWithEnoughTraffic_data();
    void warnsOnlyWithEnoughTraffic();
    void flagAndRollbackChangeWhatIsExpected();
    void noWarningWhileTheWindowHoldsTheOldSetting();
    void changeIsConfirmedByANewerVersion();
    void movedRates_data();
    void movedRates();
};

void TestRoutesModel::appliesListsInPlace()
{
    RoutesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.apply(list({route(QStringLiteral("posts"), QStringLiteral("post-service"), 100),
                      route(QStringLiteral("payments"), QStringLiteral("payment-service"), 0)}));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(1, RoutesModel::RouteColumn).data().toString(), QStringLiteral("/api/payments"));
    QCOMPARE(model.index(1, RoutesModel::ConfiguredColumn).data().toString(), QStringLiteral("0 %"));
    QCOMPARE(model.index(1, RoutesModel::ObservedColumn).data().toString(), QStringLiteral("—"));

    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    model.apply(list({route(QStringLiteral("payments"), QStringLiteral("payment-service"), 25, QStringLiteral("15"))}));
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0, RoutesModel::ConfiguredColumn).data(RoutesModel::ConfiguredRole).toInt(), 25);
    QCOMPARE(model.find(QStringLiteral("payments"))->version, QStringLiteral("15"));
    QVERIFY(!model.find(QStringLiteral("posts")));

    model.apply(list({route(QStringLiteral("payments"), QStringLiteral("payment-service"), 0)}, true));
    QVERIFY(model.rollbackEngaged());
    QVERIFY(model.index(0, RoutesModel::ConfiguredColumn).data().toString().contains(QStringLiteral("rollback")));
}

void TestRoutesModel::observesTheSplitFromMetrics()
{
    TimeSeriesStore store;
    MetricsAggregator metrics(&store);
    RoutesModel model;
    model.apply(list({route(QStringLiteral("payments"), QStringLiteral("payment-service"), 25),
                      route(QStringLiteral("media"), QStringLiteral("media-service"), 0)}));
    // 30 req/s on /api/payments, a quarter to the microservice, for 40 s.
    double monolith = 0;
    double micro = 0;
    for (int s = 0; s <= 40; ++s) {
        const QByteArray text = "# TYPE requests_total counter\n"
                                "requests_total{route=\"payments\",service=\"payment-service\",backend=\"monolith\",code=\"200\"} "
            + QByteArray::number(monolith, 'f', 1)
            + "\nrequests_total{route=\"payments\",service=\"payment-service\",backend=\"microservice\",code=\"200\"} "
            + QByteArray::number(micro, 'f', 1) + '\n';
        metrics.ingest(MetricsScrape {text, "text/plain; version=0.0.4",
                                      QDateTime::fromMSecsSinceEpoch(1'700'000'000'000LL + s * 1000LL, Qt::UTC)});
        monolith += 22.5;
        micro += 7.5;
    }
    model.observe(metrics);
    const auto obs = model.observed(QStringLiteral("payments"));
    QVERIFY(obs);
    QCOMPARE(qRound(*obs->requestRate), 30);
    QCOMPARE(qRound(obs->total()), 900);
    QVERIFY(qAbs(*obs->microserviceShare() - 0.25) < 1e-9);
    QVERIFY(!model.mismatch(model.rowOf(QStringLiteral("payments"))));
    const QModelIndex observed = model.index(model.rowOf(QStringLiteral("payments")), RoutesModel::ObservedColumn);
    QCOMPARE(observed.data().toString(), QStringLiteral("25 %"));
    QVERIFY(model.index(observed.row(), RoutesModel::TrafficColumn).data().toString().contains(QStringLiteral("7.5 micro")));
    QVERIFY(!model.observed(QStringLiteral("media"))); // no traffic for it in the metrics

    // The same traffic while the route is configured to send nothing to the microservice.
    model.apply(list({route(QStringLiteral("payments"), QStringLiteral("payment-service"), 0, QStringLiteral("16")),
                      route(QStringLiteral("media"), QStringLiteral("media-service"), 0)}));
    model.setObserved({{QStringLiteral("payments"), *obs}}, metrics.lastScrape() + 31s);
    QVERIFY(model.mismatch(model.rowOf(QStringLiteral("payments"))));
    QVERIFY(observed.data().toString().startsWith(QStringLiteral("⚠ 25 %")));
    QVERIFY(observed.data().toString().contains(QStringLiteral("expected 0 %")));
    QVERIFY(observed.data(RoutesModel::MismatchRole).toBool());
}

void TestRoutesModel::warnsOnlyWithEnoughTraffic_data()
{
    QTest::addColumn<int>("percent");
    QTest::addColumn<double>("monolith");
    QTest::addColumn<double>("micro");
    QTest::addColumn<bool>("warn");
    QTest::newRow("matches") << 25 << 750.0 << 250.0 << false;
    QTest::newRow("within noise") << 25 << 720.0 << 280.0 << false;
    QTest::newRow("far off") << 25 << 500.0 << 500.0 << true;
    QTest::newRow("far off, too few requests") << 25 << 25.0 << 25.0 << false;
    QTest::newRow("small noisy sample") << 50 << 90.0 << 140.0 << false;
    QTest::newRow("nothing reaches a 100 % route") << 100 << 400.0 << 0.0 << true;
    QTest::newRow("some reach a 0 % route") << 0 << 900.0 << 100.0 << true;
}

void TestRoutesModel::warnsOnlyWithEnoughTraffic()
{
    QFETCH(int, percent);
    QFETCH(double, monolith);
    QFETCH(double, micro);
    QFETCH(bool, warn);
    RoutesModel model;
    model.apply(list({route(QStringLiteral("payments"), QStringLiteral("payment-service"), percent)}));
    model.setObserved({{QStringLiteral("payments"), split(monolith, micro)}}, t0);
    QCOMPARE(model.mismatch(0), warn);
}

void TestRoutesModel::flagAndRollbackChangeWhatIsExpected()
{
    RoutesModel model;
    model.apply(list({route(QStringLiteral("payments"), QStringLiteral("payment-service"), 0)}));
    model.setObserved({{QStringLiteral("payments"), split(800, 200)}}, t0);
    QVERIFY(model.mismatch(0));
    // A fifth of the users are in the flag: they reach the microservice at 0 %.
    model.setFlags(paymentFlag(true, 20));
    QCOMPARE(model.flagFor(QStringLiteral("payment-service")), QStringLiteral("use_payment_microservice"));
    QCOMPARE(model.expectedShare(0), 0.2);
    model.setObserved({{QStringLiteral("payments"), split(800, 200)}}, t0 + 60s);
    QVERIFY(!model.mismatch(0));
    QVERIFY(model.index(0, RoutesModel::ObservedColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("use_payment_microservice")));
    // With half the rest configured too: 20 % + 80 % × 50 % = 60 %.
    model.apply(list({route(QStringLiteral("payments"), QStringLiteral("payment-service"), 50)}));
    QVERIFY(qAbs(model.expectedShare(0) - 0.6) < 1e-9);
    // A disabled flag contains nobody.
    model.setFlags(paymentFlag(false, 20));
    QCOMPARE(model.expectedShare(0), 0.5);
    // The emergency rollback sends everything to the monolith.
    model.apply(list({route(QStringLiteral("payments"), QStringLiteral("payment-service"), 0)}, true));
    QCOMPARE(model.expectedShare(0), 0.0);
}

void TestRoutesModel::noWarningWhileTheWindowHoldsTheOldSetting()
{
    RoutesModel model;
    model.apply(list({route(QStringLiteral("payments"), QStringLiteral("payment-service"), 0)}));
    model.setObserved({{QStringLiteral("payments"), split(1000, 0)}}, t0);
    QVERIFY(!model.mismatch(0));
    // Cut over to 50 %: the window still holds the monolith-only traffic from before.
    model.apply(list({route(QStringLiteral("payments"), QStringLiteral("payment-service"), 50, QStringLiteral("15"))}));
    model.setObserved({{QStringLiteral("payments"), split(900, 100)}}, t0 + 10s);
    QVERIFY(!model.mismatch(0));
    model.setObserved({{QStringLiteral("payments"), split(900, 100)}}, t0 + RoutesModel::kWindow + 1s);
    QVERIFY(model.mismatch(0)); // a whole window after the change, 10 % is not 50 %
    model.setObserved({{QStringLiteral("payments"), split(510, 490)}}, t0 + RoutesModel::kWindow + 2s);
    QVERIFY(!model.mismatch(0));
}

void TestRoutesModel::changeIsConfirmedByANewerVersion()
{
    RoutesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.apply(list({route(QStringLiteral("payments"), QStringLiteral("payment-service"), 0, QStringLiteral("9"))}));
    const QModelIndex state = model.index(0, RoutesModel::StateColumn);
    QCOMPARE(state.data().toString(), QString());

    PendingChange change;
    change.state = ChangeState::Applying;
    change.baseVersion = QStringLiteral("9");
    change.targetPercent = 25;
    change.summary = QStringLiteral("25 %");
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setChange(QStringLiteral("payments"), change);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(state.data().toString(), QStringLiteral("applying 25 %…"));
    QCOMPARE(ChangeState(state.data(RoutesModel::ChangeStateRole).toInt()), ChangeState::Applying);
    // The configured column still shows what the gateway has.
    QCOMPARE(model.index(0, RoutesModel::ConfiguredColumn).data().toString(), QStringLiteral("0 %"));

    change.state = ChangeState::Confirming;
    model.setChange(QStringLiteral("payments"), change);
    // A poll that started before the change still shows version 9: not confirmed yet.
    model.apply(list({route(QStringLiteral("payments"), QStringLiteral("payment-service"), 0, QStringLiteral("9"))}));
    QCOMPARE(model.change(QStringLiteral("payments")).state, ChangeState::Confirming);
    QVERIFY(state.data().toString().contains(QStringLiteral("refreshing")));
    model.apply(list({route(QStringLiteral("payments"), QStringLiteral("payment-service"), 25, QStringLiteral("15"))}));
    QCOMPARE(model.change(QStringLiteral("payments")).state, ChangeState::Idle);
    QCOMPARE(state.data().toString(), QString());
    QCOMPARE(model.index(0, RoutesModel::ConfiguredColumn).data().toString(), QStringLiteral("25 %"));

    // A failure stays visible, with its reason, until it is cleared.
    change.state = ChangeState::Failed;
    change.message = QStringLiteral("changed by someone else");
    model.setChange(QStringLiteral("payments"), change);
    model.apply(list({route(QStringLiteral("payments"), QStringLiteral("payment-service"), 25, QStringLiteral("16"))}));
    QCOMPARE(state.data().toString(), QStringLiteral("not applied: changed by someone else"));
    model.clearChange(QStringLiteral("payments"));
    QCOMPARE(state.data().toString(), QString());
}

void TestRoutesModel::movedRates_data()
{
    QTest::addColumn<double>("rate");
    QTest::addColumn<double>("flag");
    QTest::addColumn<int>("from");
    QTest::addColumn<int>("to");
    QTest::addColumn<double>("moved");
    QTest::newRow("0 to 25") << 40.0 << 0.0 << 0 << 25 << 10.0;
    QTest::newRow("back to the monolith") << 40.0 << 0.0 << 50 << 0 << -20.0;
    QTest::newRow("flag users do not move") << 40.0 << 0.5 << 0 << 100 << 20.0;
    QTest::newRow("no change") << 40.0 << 0.0 << 25 << 25 << 0.0;
}

void TestRoutesModel::movedRates()
{
    QFETCH(double, rate);
    QFETCH(double, flag);
    QFETCH(int, from);
    QFETCH(int, to);
    QFETCH(double, moved);
    QCOMPARE(movedRate(rate, flag, from, to), moved);
}

QTEST_GUILESS_MAIN(TestRoutesModel)
#include "tst_routesmodel.moc"
