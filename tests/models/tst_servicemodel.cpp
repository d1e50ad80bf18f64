#include "models/servicemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace cutover;

namespace {

ServiceHealth svc(const QString &name, HealthStatus status, double latency = 1.0)
{
    ServiceHealth s;
    s.name = name;
    s.kind = name == QLatin1String("monolith") ? ServiceKind::Monolith : ServiceKind::Microservice;
    s.status = status;
    s.latency = Milliseconds(latency);
    s.checkedAt = QDateTime::fromSecsSinceEpoch(1700000000, Qt::UTC);
    return s;
}

HealthSnapshot snapshot(QList<ServiceHealth> services)
{
    HealthSnapshot snap;
    snap.gateway = svc(QStringLiteral("gateway"), HealthStatus::Healthy);
    snap.gateway.kind = ServiceKind::Gateway;
    snap.services = std::move(services);
    return snap;
}

} // namespace

class TestServiceModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void appliesSnapshotsInPlace();
    void removesAndAddsRows();
    void staleIsVisibleInEveryRow();
    void staleMetricsMarkOnlyTheirColumns();
    void sortsBySeverity_data();
    void sortsBySeverity();
    void gatewayTextIsShownInert();
};

void TestServiceModel::gatewayTextIsShownInert()
{
    // A name or message with a bidi override or an escape sequence is shown, never obeyed.
    ServiceModel model;
    ServiceHealth s = svc(QStringLiteral("pay\u202Egnp.exe"), HealthStatus::Degraded);
    s.message = QStringLiteral("db slow\x1b]0;owned\x07");
    model.apply(snapshot({s}));
    const int row = model.rowOf(s.name);
    QCOMPARE(model.index(row, ServiceModel::NameColumn).data().toString(), QStringLiteral("pay<U+202E>gnp.exe"));
    const QString tip = model.index(row, ServiceModel::NameColumn).data(Qt::ToolTipRole).toString();
    QVERIFY2(!tip.contains(QChar(0x1b)) && tip.contains(QStringLiteral("\\e]0;owned")), qPrintable(tip));
    // Sorting keeps the exact text.
    QCOMPARE(model.exactData(model.index(row, ServiceModel::NameColumn)).toString(), s.name);
}

void TestServiceModel::appliesSnapshotsInPlace()
{
    ServiceModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.apply(snapshot({svc(QStringLiteral("monolith"), HealthStatus::Healthy),
                          svc(QStringLiteral("post-service"), HealthStatus::Healthy)}));
    QCOMPARE(model.rowCount(), 3);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.apply(snapshot({svc(QStringLiteral("monolith"), HealthStatus::Healthy),
                          svc(QStringLiteral("post-service"), HealthStatus::Unhealthy)}));
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(changed.count(), 1); // only the row that changed
    const int row = model.rowOf(QStringLiteral("post-service"));
    QCOMPARE(changed.first().at(0).toModelIndex().row(), row);
    QCOMPARE(model.index(row, ServiceModel::StatusColumn).data().toString(), QStringLiteral("unhealthy"));
    QCOMPARE(model.count(HealthStatus::Unhealthy), 1);
}

void TestServiceModel::removesAndAddsRows()
{
    ServiceModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.apply(snapshot({svc(QStringLiteral("a"), HealthStatus::Healthy), svc(QStringLiteral("b"), HealthStatus::Healthy)}));
    model.apply(snapshot({svc(QStringLiteral("b"), HealthStatus::Degraded), svc(QStringLiteral("c"), HealthStatus::Healthy)}));
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.rowOf(QStringLiteral("a")), -1);
    QVERIFY(model.rowOf(QStringLiteral("c")) >= 0);
    QCOMPARE(model.service(model.rowOf(QStringLiteral("b"))).status, HealthStatus::Degraded);
}

void TestServiceModel::staleIsVisibleInEveryRow()
{
    ServiceModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.apply(snapshot({svc(QStringLiteral("monolith"), HealthStatus::Healthy)}));
    model.setStale(true);
    for (int row = 0; row < model.rowCount(); ++row) {
        QVERIFY(model.index(row, ServiceModel::StatusColumn).data().toString().endsWith(QStringLiteral("(stale)")));
        QVERIFY(model.index(row, 0).data(ServiceModel::StaleRole).toBool());
    }
    // A fresh snapshot clears it.
    model.apply(snapshot({svc(QStringLiteral("monolith"), HealthStatus::Healthy)}));
    QVERIFY(!model.isStale());
    QCOMPARE(model.index(0, ServiceModel::StatusColumn).data().toString(), QStringLiteral("healthy"));
}

void TestServiceModel::staleMetricsMarkOnlyTheirColumns()
{
    // Health checks still answer, the metrics do not: the rate, errors, p95 and trend are old,
    // the status and the checks are not.
    ServiceModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.apply(snapshot({svc(QStringLiteral("monolith"), HealthStatus::Healthy)}));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setMetricsStale(true);
    QCOMPARE(changed.count(), 1);
    QVERIFY(model.isMetricsStale());
    for (int column = 0; column < ServiceModel::ColumnCount; ++column) {
        const bool metric = column >= ServiceModel::RateColumn && column <= ServiceModel::TrendColumn;
        QCOMPARE(model.index(0, column).data(ServiceModel::StaleRole).toBool(), metric);
        QCOMPARE(model.index(0, column).data(Qt::ToolTipRole).toString().contains(QStringLiteral("Metrics are stale")), metric);
    }
    QCOMPARE(model.index(0, ServiceModel::StatusColumn).data().toString(), QStringLiteral("healthy"));
    model.setMetricsStale(false);
    QVERIFY(!model.index(0, ServiceModel::RateColumn).data(ServiceModel::StaleRole).toBool());
}

void TestServiceModel::sortsBySeverity_data()
{
    QTest::addColumn<int>("worse");
    QTest::addColumn<int>("better");
    QTest::newRow("unhealthy before degraded") << int(HealthStatus::Unhealthy) << int(HealthStatus::Degraded);
    QTest::newRow("degraded before unknown") << int(HealthStatus::Degraded) << int(HealthStatus::Unknown);
    QTest::newRow("unknown before healthy") << int(HealthStatus::Unknown) << int(HealthStatus::Healthy);
}

void TestServiceModel::sortsBySeverity()
{
    QFETCH(int, worse);
    QFETCH(int, better);
    ServiceModel model;
    model.apply(snapshot({svc(QStringLiteral("x"), HealthStatus(worse)), svc(QStringLiteral("y"), HealthStatus(better))}));
    const auto key = [&](const char *name) {
        return model.index(model.rowOf(QLatin1String(name)), ServiceModel::StatusColumn).data(ServiceModel::SortRole).toInt();
    };
    QVERIFY(key("x") < key("y"));
}

QTEST_GUILESS_MAIN(TestServiceModel)
#include "tst_servicemodel.moc"
