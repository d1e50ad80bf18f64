// The GUI wiring of `cutover --demo`, offscreen: real widgets, a real cutover-sim behind them.
#include "app/common/appsession.h"
#include "client/poller.h"
#include "client/simprocess.h"
#include "models/servicemodel.h"
#include "widgets/connectionbar.h"
#include "widgets/healthboard.h"
#include "widgets/slopanel.h"
#include "tests/support/simfixture.h"
#include "widgets/mainwindow.h"

#include <QSettings>
#include <QTemporaryDir>

#include <QApplication>
#include <QDockWidget>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTableView>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTest>

using namespace cutover;

class TestDemoSession : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void demoShowsGatewayRoleAndServices();
    void stoppedGatewayMarksHealthStale();
    void filterNarrowsTheServiceList();
    void windowKeepsItsSizeThroughAnOutage();
    void layoutPersistsAcrossRestart();
    void liveNumbersAndSlo();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QSettings> m_settings;
};

void TestDemoSession::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_settings = std::make_unique<QSettings>(m_dir->filePath(QStringLiteral("cutover.ini")), QSettings::IniFormat);
}

void TestDemoSession::demoShowsGatewayRoleAndServices()
{
    AppSession session(m_settings.get());
    QSignalSpy connected(&session, &AppSession::connected);
    session.startDemo({QStringLiteral("--seed"), QStringLiteral("3")});
    session.window()->show();
    QVERIFY(QTest::qWaitForWindowExposed(session.window()));
    QVERIFY(connected.wait(10000));

    ServiceModel *model = session.window()->serviceModel();
    // The gateway plus the monolith and the five microservices of the migration guide.
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 7, 10000);
    for (const char *name : {"gateway", "monolith", "user-service", "post-service", "media-service", "payment-service",
                             "notification-service"})
        QVERIFY2(model->rowOf(QLatin1String(name)) >= 0, name);
    QCOMPARE(model->service(model->rowOf(QStringLiteral("monolith"))).kind, ServiceKind::Monolith);
    QCOMPARE(model->service(model->rowOf(QStringLiteral("post-service"))).status, HealthStatus::Healthy);

    QTRY_VERIFY_WITH_TIMEOUT(session.window()->gatewayText().contains(QStringLiteral("cutover-sim")), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(session.window()->identityText().contains(QStringLiteral("demo-operator")), 5000);
    QVERIFY(session.window()->identityText().contains(QStringLiteral("operator")));
    QVERIFY(!session.window()->isStale());
    QCOMPARE(session.window()->healthBoard()->view()->model()->rowCount(), 7);
}

void TestDemoSession::stoppedGatewayMarksHealthStale()
{
    AppSession session(m_settings.get());
    QSignalSpy connected(&session, &AppSession::connected);
    connect(&session, &AppSession::connected, &session,
            [&session] { session.poller()->setInterval(Source::Health, std::chrono::milliseconds(300)); });
    session.startDemo();
    QVERIFY(connected.wait(10000));
    QTRY_COMPARE_WITH_TIMEOUT(session.window()->serviceModel()->rowCount(), 7, 10000);
    QVERIFY(!session.window()->isStale());

    const QString port = QString::number(session.demoGateway()->url().port());
    session.demoGateway()->stop();
    // Within two poll intervals (plus the time a refused connection takes to report).
    QTRY_VERIFY_WITH_TIMEOUT(session.window()->isStale(), 2000);
    // The rows stay, but every status says it is stale.
    const QModelIndex status = session.window()->serviceModel()->index(0, ServiceModel::StatusColumn);
    QVERIFY(status.data().toString().contains(QStringLiteral("stale")));
    QVERIFY(status.data(ServiceModel::StaleRole).toBool());

    // The gateway comes back at the same address: the panels recover by themselves, once.
    GatewayBackend *backend = session.backend();
    session.demoGateway()->start({QStringLiteral("--port"), port});
    QTRY_VERIFY_WITH_TIMEOUT(!session.window()->isStale(), 10000);
    QVERIFY(!status.data().toString().contains(QStringLiteral("stale")));
    QCOMPARE(session.backend(), backend);
}

void TestDemoSession::filterNarrowsTheServiceList()
{
    AppSession session(m_settings.get());
    QSignalSpy connected(&session, &AppSession::connected);
    session.startDemo();
    session.window()->show();
    QVERIFY(connected.wait(10000));
    QTRY_COMPARE_WITH_TIMEOUT(session.window()->serviceModel()->rowCount(), 7, 10000);
    auto *filter = session.window()->healthBoard()->filterField();
    QVERIFY(filter);
    QTest::keyClicks(filter, QStringLiteral("post"));
    QCOMPARE(session.window()->healthBoard()->view()->model()->rowCount(), 1);
    filter->clear();
    QCOMPARE(session.window()->healthBoard()->view()->model()->rowCount(), 7);
}

void TestDemoSession::windowKeepsItsSizeThroughAnOutage()
{
    // Names, addresses and "stale" chips arriving must not push the window wider: it would
    // jump at the worst moment, or grow past a laptop's screen.
    AppSession session(m_settings.get());
    QSignalSpy connected(&session, &AppSession::connected);
    connect(&session, &AppSession::connected, &session,
            [&session] { session.poller()->setInterval(Source::Health, std::chrono::milliseconds(300)); });
    MainWindow *w = session.window();
    w->resize(w->minimumSizeHint()); // as narrow as the operator can make it
    w->show();
    QVERIFY(QTest::qWaitForWindowExposed(w));
    const QSize size = w->size();
    QVERIFY2(size.width() <= 1366, qPrintable(QString::number(size.width()))); // fits a laptop
    session.startDemo();
    QVERIFY(connected.wait(10000));
    QTRY_VERIFY_WITH_TIMEOUT(w->gatewayText().contains(QStringLiteral("cutover-sim")), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(w->identityText().contains(QStringLiteral("demo-operator")), 5000);
    QCoreApplication::processEvents();
    QCOMPARE(w->size(), size);
    session.demoGateway()->stop();
    QTRY_VERIFY_WITH_TIMEOUT(w->connectionBar()->sourceIsStale(0), 5000);
    QVERIFY(w->connectionBar()->sourceText(0).contains(QStringLiteral("stale")));
    QCoreApplication::processEvents();
    QCOMPARE(w->size(), size);
}

void TestDemoSession::layoutPersistsAcrossRestart()
{
    QByteArray geometry;
    {
        AppSession session(m_settings.get());
        session.window()->show();
        QVERIFY(QTest::qWaitForWindowExposed(session.window()));
        session.window()->resize(1501, 907);
        QDockWidget *slo = session.window()->dock(QStringLiteral("sloPanel"));
        QVERIFY(slo);
        slo->hide();
        session.window()->close(); // closing saves the layout
    }
    AppSession again(m_settings.get());
    again.window()->show();
    QVERIFY(QTest::qWaitForWindowExposed(again.window()));
    QVERIFY(!again.window()->dock(QStringLiteral("sloPanel"))->isVisible());
    QCOMPARE(again.window()->size(), QSize(1501, 907));
}

void TestDemoSession::liveNumbersAndSlo()
{
    AppSession session(m_settings.get());
    QSignalSpy connected(&session, &AppSession::connected);
    connect(&session, &AppSession::connected, &session,
            [&session] { session.poller()->setInterval(Source::Metrics, std::chrono::milliseconds(200)); });
    session.startDemo({QStringLiteral("--rate"), QStringLiteral("1000")});
    QVERIFY(connected.wait(10000));
    ServiceModel *model = session.window()->serviceModel();
    QTRY_VERIFY_WITH_TIMEOUT(model->rowOf(QStringLiteral("post-service")) >= 0, 10000);
    // Two scrapes make a rate; post-service carries about a third of the traffic.
    QTRY_VERIFY_WITH_TIMEOUT(model->stats(model->rowOf(QStringLiteral("post-service"))).has_value()
                                 && model->stats(model->rowOf(QStringLiteral("post-service")))->requestRate.value_or(0) > 50,
                             10000);
    const QModelIndex rate = model->index(model->rowOf(QStringLiteral("post-service")), ServiceModel::RateColumn);
    QVERIFY(rate.data().toString().endsWith(QStringLiteral("/s")));
    QTRY_VERIFY_WITH_TIMEOUT(session.window()->sloPanel()->view()->model()->rowCount() >= 6, 5000);

    // A fault turns the service red on the board and shows up as errors.
    test::SimFixture *none = nullptr;
    Q_UNUSED(none)
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(session.demoGateway()->url().toString() + QStringLiteral("/sim/faults")));
    req.setRawHeader("Authorization", "Bearer " + session.demoGateway()->token(Role::Admin));
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *reply = nam.post(req, QByteArrayLiteral(R"({"service":"post-service","error_rate":0.6})"));
    QSignalSpy done(reply, &QNetworkReply::finished);
    QVERIFY(done.wait(5000));
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 201);
    reply->deleteLater();
    const int row = model->rowOf(QStringLiteral("post-service"));
    QTRY_COMPARE_WITH_TIMEOUT(model->service(row).status, HealthStatus::Degraded, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(model->stats(row)->errorRatio.value_or(0) > 0.2, 10000);
    QVERIFY(model->index(row, 0).data(ServiceModel::AttentionRole).toBool());
}

QTEST_MAIN(TestDemoSession)
#include "tst_demosession.moc"
