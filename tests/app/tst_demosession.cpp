// The GUI wiring of `cutover --demo`, offscreen: real widgets, a real cutover-sim behind them.
#include "app/common/appsession.h"
#include "client/poller.h"
#include "client/simprocess.h"
#include "models/servicemodel.h"
#include "widgets/chartspanel.h"
#include "widgets/connectionbar.h"
#include "widgets/firstframe.h"
#include "widgets/healthboard.h"
#include "widgets/logview.h"
#include "models/logstore.h"
#include "models/logtablemodel.h"
#include "models/boardstate.h"
#include "models/slomodel.h"
#include "widgets/slopanel.h"
#include "tests/support/simfixture.h"
#include "widgets/mainwindow.h"
#include "widgets/tablestyle.h"
#include "widgets/stalenotice.h"
#include "widgets/auditpanel.h"
#include "models/auditlog.h"

#include <QLabel>
#include <QProcess>
#include <QSettings>
#include <QTemporaryDir>
#include <QTextDocument>

#include <QApplication>
#include <QDockWidget>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTableView>
#include <QHeaderView>
#include <QLineEdit>
#include <QMenu>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTest>
#include <QAction>

using namespace cutover;
using namespace std::chrono_literals;

namespace {

// Saves a layout as a first start would: panels made at once, the charts on a one-hour window.
void saveFirstStart(QSettings *settings)
{
    AppSession session(settings);
    QVERIFY(session.window()->panelsBuilt()); // nothing saved yet, so nothing to size the docks by
    auto *charts = session.window()->findChild<ChartsPanel *>();
    QVERIFY(charts);
    charts->setWindow(60min);
    session.window()->show();
    QVERIFY(QTest::qWaitForWindowExposed(session.window()));
    session.window()->close(); // saves
}

// What a label shows: its text, or the text its HTML renders to.
QString shownText(const QLabel *label)
{
    const bool rich = label->textFormat() == Qt::RichText
        || (label->textFormat() == Qt::AutoText && Qt::mightBeRichText(label->text()));
    if (!rich)
        return label->text();
    QTextDocument doc;
    doc.setHtml(label->text());
    return doc.toPlainText();
}

// POST /sim/faults on a demo gateway (audited as sim.fault.add); the HTTP status.
int addFault(QNetworkAccessManager &nam, const SimProcess &gateway)
{
    QUrl url = gateway.url();
    url.setPath(QStringLiteral("/sim/faults"));
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", "Bearer " + gateway.token(Role::Admin));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setTransferTimeout(10000);
    QNetworkReply *reply = nam.post(request, QByteArrayLiteral(R"({"service":"post-service","extra_latency_ms":1})"));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        finished.wait(12000);
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    reply->deleteLater();
    return status;
}

const char *const kPanels[] = {"chartsPanel", "logPanel", "routesPanel", "flagsPanel", "auditPanel", "sloPanel"};

} // namespace

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
    void boardColumnsAreChosenAndKept();
    void panelsFollowTheFirstFrame();
    void panelsMadeLateShowWhatIsThere();
    void unmadePanelsKeepTheirSettings();
    void liveNumbersAndSlo();
    void failingFromTheStartSaysNeverUpdated();
    void gatewayRestartIsShownInLogsAndAudit();

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
    connect(&session, &AppSession::connected, &session, [&session] {
        session.poller()->setInterval(Source::Health, std::chrono::milliseconds(300));
        session.poller()->setInterval(Source::Metrics, std::chrono::milliseconds(300));
    });
    session.window()->buildPanels();
    auto *charts = session.window()->findChild<ChartsPanel *>();
    SloPanel *slo = session.window()->sloPanel();
    QVERIFY(charts && slo);
    session.startDemo();
    QVERIFY(connected.wait(10000));
    QTRY_COMPARE_WITH_TIMEOUT(session.window()->serviceModel()->rowCount(), 7, 10000);
    QVERIFY(!session.window()->isStale());
    // The panels drawn from the metrics say nothing while the scrapes come in.
    QTRY_VERIFY_WITH_TIMEOUT(session.poller()->state(Source::Metrics).lastSuccess.isValid(), 10000);
    QVERIFY(charts->staleNotice()->isHidden());
    QVERIFY(slo->staleNotice()->isHidden());

    const QString port = QString::number(session.demoGateway()->url().port());
    session.demoGateway()->stop();
    // Within two poll intervals (plus the time a refused connection takes to report).
    QTRY_VERIFY_WITH_TIMEOUT(session.window()->isStale(), 2000);
    // The rows stay, but every status says it is stale.
    const QModelIndex status = session.window()->serviceModel()->index(0, ServiceModel::StatusColumn);
    QVERIFY(status.data().toString().contains(QStringLiteral("stale")));
    QVERIFY(status.data(ServiceModel::StaleRole).toBool());
    // The charts and the SLOs say their numbers are old, how old, and why.
    QTRY_VERIFY_WITH_TIMEOUT(!charts->staleNotice()->isHidden(), 3000);
    QVERIFY(charts->staleNotice()->text().contains(QStringLiteral("Metrics are stale")));
    QVERIFY(charts->staleNotice()->text().contains(QStringLiteral(" s ago")));
    QVERIFY(charts->staleNotice()->text().contains(QStringLiteral("unreachable")));
    QTRY_VERIFY(!slo->staleNotice()->isHidden());

    // The gateway comes back at the same address: the panels recover by themselves, once.
    GatewayBackend *backend = session.backend();
    session.demoGateway()->start({QStringLiteral("--port"), port});
    QTRY_VERIFY_WITH_TIMEOUT(!session.window()->isStale(), 10000);
    QVERIFY(!status.data().toString().contains(QStringLiteral("stale")));
    QTRY_VERIFY_WITH_TIMEOUT(charts->staleNotice()->isHidden(), 10000);
    QTRY_VERIFY(slo->staleNotice()->isHidden());
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
    // It fits a 1366×768 laptop screen (with a panel and a title bar), as narrow as it goes.
    QVERIFY2(w->minimumSizeHint().width() <= 1366 && w->minimumSizeHint().height() <= 700,
             qPrintable(QStringLiteral("%1x%2").arg(w->minimumSizeHint().width()).arg(w->minimumSizeHint().height())));
    w->resize(w->minimumSizeHint().width(), 700);
    w->show();
    QVERIFY(QTest::qWaitForWindowExposed(w));
    const QSize size = w->size();
    session.startDemo();
    QVERIFY(connected.wait(10000));
    QTRY_VERIFY_WITH_TIMEOUT(w->gatewayText().contains(QStringLiteral("cutover-sim")), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(w->identityText().contains(QStringLiteral("demo-operator")), 5000);
    // A good health answer first: with none, the chip would rightly say "never updated".
    QTRY_VERIFY_WITH_TIMEOUT(session.poller()->state(Source::Health).lastSuccess.isValid(), 10000);
    QCoreApplication::processEvents();
    QCOMPARE(w->size(), size);
    session.demoGateway()->stop();
    QTRY_VERIFY_WITH_TIMEOUT(w->connectionBar()->sourceIsStale(0), 5000);
    QVERIFY2(w->connectionBar()->sourceText(0).contains(QStringLiteral("stale")),
             qPrintable(w->connectionBar()->sourceText(0)));
    QCoreApplication::processEvents();
    QCOMPARE(w->size(), size);
}

void TestDemoSession::layoutPersistsAcrossRestart()
{
    const auto widthOf = [](MainWindow *w, const char *dock) { return w->dock(QLatin1String(dock))->width(); };
    const auto heightOf = [](MainWindow *w, const char *dock) { return w->dock(QLatin1String(dock))->height(); };
    int chartsWidth = 0, logsHeight = 0;
    {
        AppSession session(m_settings.get());
        MainWindow *w = session.window();
        w->show();
        QVERIFY(QTest::qWaitForWindowExposed(w));
        w->resize(1501, 907);
        QDockWidget *slo = w->dock(QStringLiteral("sloPanel"));
        QVERIFY(slo);
        slo->hide();
        // The operator drags the charts wider and the tabs below taller than a first start has them.
        w->resizeDocks({w->dock(QStringLiteral("chartsPanel"))}, {widthOf(w, "chartsPanel") + 137}, Qt::Horizontal);
        w->resizeDocks({w->dock(QStringLiteral("logPanel"))}, {heightOf(w, "logPanel") + 61}, Qt::Vertical);
        QCoreApplication::processEvents();
        chartsWidth = widthOf(w, "chartsPanel");
        logsHeight = heightOf(w, "logPanel");
        w->close(); // closing saves the layout
    }
    AppSession again(m_settings.get());
    MainWindow *w = again.window();
    int chartsAtFirstFrame = 0, logsAtFirstFrame = 0;
    whenFirstFrameShown(w, [&] {
        chartsAtFirstFrame = widthOf(w, "chartsPanel");
        logsAtFirstFrame = heightOf(w, "logPanel");
    });
    QSignalSpy ready(w, &MainWindow::panelsReady);
    w->show();
    QVERIFY(ready.wait(5000));
    QVERIFY(!w->dock(QStringLiteral("sloPanel"))->isVisible());
    QCOMPARE(w->size(), QSize(1501, 907));
    // Each dock comes back at the size it was left at, from the first frame on (until Qt 6
    // restores the state into a shown window, each came back at its size hint).
    QCOMPARE(chartsAtFirstFrame, chartsWidth);
    QCOMPARE(logsAtFirstFrame, logsHeight);
    QCOMPARE(widthOf(w, "chartsPanel"), chartsWidth);
    QCOMPARE(heightOf(w, "logPanel"), logsHeight);
}

void TestDemoSession::boardColumnsAreChosenAndKept()
{
    const auto actionNamed = [](QMenu *menu, const QString &text) -> QAction * {
        for (QAction *a : menu->actions())
            if (a->text() == text)
                return a;
        return nullptr;
    };
    {
        AppSession session(m_settings.get());
        QTableView *board = session.window()->healthBoard()->view();
        session.window()->show();
        QVERIFY(QTest::qWaitForWindowExposed(session.window()));
        std::unique_ptr<QMenu> menu(columnMenu(board, nullptr));
        QCOMPARE(menu->actions().size(), ServiceModel::ColumnCount + 2); // the columns, a separator, show all
        QVERIFY(!menu->actions().first()->isEnabled()); // the service's name always shows
        QAction *kind = actionNamed(menu.get(), QStringLiteral("Kind"));
        QAction *version = actionNamed(menu.get(), QStringLiteral("Version"));
        QVERIFY(kind && version && kind->isChecked());
        kind->setChecked(false);
        version->setChecked(false);
        QVERIFY(board->isColumnHidden(ServiceModel::KindColumn));
        actionNamed(menu.get(), QStringLiteral("Show all columns"))->trigger();
        QVERIFY(!board->isColumnHidden(ServiceModel::KindColumn));
        menu.reset(columnMenu(board, nullptr));
        actionNamed(menu.get(), QStringLiteral("Kind"))->setChecked(false);
        board->setColumnWidth(ServiceModel::DbColumn, 333);
        board->sortByColumn(ServiceModel::RateColumn, Qt::DescendingOrder);
        session.window()->close(); // saves
    }
    AppSession again(m_settings.get());
    QTableView *board = again.window()->healthBoard()->view();
    QVERIFY(board->isColumnHidden(ServiceModel::KindColumn));
    QVERIFY(!board->isColumnHidden(ServiceModel::VersionColumn));
    QCOMPARE(board->columnWidth(ServiceModel::DbColumn), 333);
    QCOMPARE(board->horizontalHeader()->sortIndicatorSection(), int(ServiceModel::RateColumn));
    QCOMPARE(board->horizontalHeader()->sortIndicatorOrder(), Qt::DescendingOrder);
}

void TestDemoSession::panelsFollowTheFirstFrame()
{
    const auto dockGeometries = [](MainWindow *w) {
        QMap<QString, QRect> geometries;
        for (const char *name : kPanels)
            geometries.insert(QLatin1String(name), w->dock(QLatin1String(name))->geometry());
        return geometries;
    };
    QMap<QString, QRect> reference;
    QSize referenceSize;
    {
        saveFirstStart(m_settings.get());
        AppSession eager(m_settings.get());
        eager.window()->buildPanels();
        eager.window()->show();
        QVERIFY(QTest::qWaitForWindowExposed(eager.window()));
        reference = dockGeometries(eager.window());
        referenceSize = eager.window()->size();
        eager.saveLayout();
    }
    // A later start shows the window with empty stand-ins in the saved layout, then makes the
    // panels; nothing moves when they arrive.
    AppSession session(m_settings.get());
    MainWindow *w = session.window();
    QVERIFY(!w->panelsBuilt());
    QVERIFY(!w->findChild<ChartsPanel *>());
    QVERIFY(!w->sloPanel());
    QMap<QString, QRect> atFirstFrame;
    bool anyPanelAtFirstFrame = true;
    whenFirstFrameShown(w, [&] {
        atFirstFrame = dockGeometries(w);
        anyPanelAtFirstFrame = w->findChild<ChartsPanel *>() || w->findChild<LogView *>();
    });
    QSignalSpy ready(w, &MainWindow::panelsReady);
    w->show();
    QVERIFY(ready.wait(5000));
    QVERIFY(!anyPanelAtFirstFrame);
    QCOMPARE(atFirstFrame, reference);
    QCOMPARE(dockGeometries(w), reference);
    QCOMPARE(w->size(), referenceSize);
    QVERIFY(w->panelsBuilt());
    QVERIFY(w->sloPanel());
    QVERIFY(w->findChild<LogView *>());
    auto *charts = w->findChild<ChartsPanel *>();
    QVERIFY(charts);
    QCOMPARE(charts->window(), 60min); // its own setting came back as it was made
    QCOMPARE(ready.size(), 1);
}

void TestDemoSession::panelsMadeLateShowWhatIsThere()
{
    saveFirstStart(m_settings.get());
    AppSession session(m_settings.get());
    QSignalSpy connected(&session, &AppSession::connected);
    session.startDemo();
    QVERIFY(connected.wait(10000));
    // Data arrives while the window is not shown, so no panel is made yet.
    QTRY_COMPARE_WITH_TIMEOUT(session.window()->serviceModel()->rowCount(), 7, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(session.state()->logs()->size() > 0, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(session.state()->slo()->rowCount() >= 6, 10000);
    QVERIFY(!session.window()->panelsBuilt());

    // A dock's shortcut (an action of the window: issue 14) makes its panel at once.
    QAction *sloKey = nullptr;
    for (QAction *a : session.window()->findChildren<QAction *>())
        if (a->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_3))
            sloKey = a;
    QVERIFY(sloKey);
    sloKey->trigger();
    QVERIFY(session.window()->sloPanel());
    QVERIFY(session.window()->sloPanel()->view()->model()->rowCount() >= 6);
    QVERIFY(!session.window()->panelsBuilt());

    session.window()->buildPanels();
    auto *logs = session.window()->findChild<LogView *>();
    QVERIFY(logs);
    QVERIFY(logs->model()->rowCount() > 0);
}

void TestDemoSession::unmadePanelsKeepTheirSettings()
{
    saveFirstStart(m_settings.get());
    {
        // Saved (as on close) before any panel was made: the charts' window is left as it was.
        AppSession session(m_settings.get());
        QVERIFY(!session.window()->findChild<ChartsPanel *>());
        session.saveLayout();
    }
    AppSession again(m_settings.get());
    again.window()->buildPanels();
    QCOMPARE(again.window()->findChild<ChartsPanel *>()->window(), 60min);
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

void TestDemoSession::failingFromTheStartSaysNeverUpdated()
{
    // A gateway whose certificate is not trusted: every source fails from the first request.
    QTemporaryDir dir;
    const QString cert = dir.filePath(QStringLiteral("cert.pem")), key = dir.filePath(QStringLiteral("key.pem"));
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"),
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
                   QStringLiteral("-nodes"), QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"),
                   QStringLiteral("/CN=127.0.0.1"), QStringLiteral("-addext"), QStringLiteral("subjectAltName=IP:127.0.0.1"),
                   QStringLiteral("-keyout"), key, QStringLiteral("-out"), cert});
    QVERIFY(openssl.waitForFinished(30000));
    QCOMPARE(openssl.exitCode(), 0);
    cutover::test::SimFixture sim;
    QVERIFY2(sim.start({QStringLiteral("--tls-cert"), cert, QStringLiteral("--tls-key"), key}), qPrintable(sim.error()));

    AppSession session(m_settings.get());
    Profile profile = Profile::demo();
    profile.name = QStringLiteral("untrusted");
    profile.url = sim.url();
    session.connectTo(profile, sim.token(Role::Viewer));
    ConnectionBar *bar = session.window()->connectionBar();
    QTRY_VERIFY_WITH_TIMEOUT(bar->sourceIsStale(0) && bar->sourceIsStale(1), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(session.poller()->state(Source::Health).lastError.has_value(), 10000);
    QCOMPARE(session.poller()->state(Source::Health).lastError->kind, ApiError::Kind::Tls);
    for (int chip : {0, 1})
        QVERIFY2(bar->sourceText(chip).endsWith(QStringLiteral("never updated")), qPrintable(bar->sourceText(chip)));

    auto *banner = session.window()->findChild<QLabel *>(QStringLiteral("problemBanner"));
    QVERIFY(banner);
    QTRY_VERIFY_WITH_TIMEOUT(!banner->isHidden() && shownText(banner).contains(QStringLiteral("never updated")), 5000);
    QVERIFY2(!shownText(banner).contains(QStringLiteral(" s ago")), qPrintable(shownText(banner)));

    // Escaped text is shown as written, never as its entities (a message without a tag used to
    // be taken for plain text: "&quot;").
    session.window()->showFailure(QStringLiteral("profile \"prod\": no token"));
    QCOMPARE(shownText(banner), QStringLiteral("profile \"prod\": no token"));
    session.window()->showFailure(QStringLiteral("profile \"prod\" <admin> has no token & no file"));
    QCOMPARE(shownText(banner), QStringLiteral("profile \"prod\" <admin> has no token & no file"));
}

void TestDemoSession::gatewayRestartIsShownInLogsAndAudit()
{
    AppSession session(m_settings.get());
    QSignalSpy connected(&session, &AppSession::connected);
    connect(&session, &AppSession::connected, &session,
            [&session] { session.poller()->setInterval(Source::Audit, std::chrono::milliseconds(300)); });
    session.window()->buildPanels();
    auto *auditPanel = session.window()->findChild<AuditPanel *>();
    QVERIFY(auditPanel);
    session.startDemo();
    QVERIFY(connected.wait(10000));
    QNetworkAccessManager nam;
    SimProcess *gateway = session.demoGateway();
    QCOMPARE(addFault(nam, *gateway), 201);
    BoardState *state = session.state();
    LogStore *store = state->logs();
    QTRY_VERIFY_WITH_TIMEOUT(session.audit()->rowCount() >= 1 && store->size() > 100, 10000);
    QVERIFY(auditPanel->restartNotice()->isHidden());
    const int auditBefore = session.audit()->rowCount();
    const quint64 lastBefore = store->lastId()->value;

    // The gateway restarts on the same address: a new instance, its log and audit ids from 1.
    const QString port = QString::number(gateway->url().port());
    gateway->stop();
    QSignalSpy ready(gateway, &SimProcess::ready);
    gateway->start({QStringLiteral("--port"), port});
    QVERIFY(ready.wait(10000));
    QCOMPARE(addFault(nam, *gateway), 201);

    // The log tail: a marker row, the old lines above it marked, the new instance's from its first.
    auto marker = [store]() -> std::optional<quint64> {
        for (quint64 seq = store->firstSeq(); seq < store->endSeq(); ++seq)
            if (store->isRestart(seq))
                return seq;
        return std::nullopt;
    };
    QTRY_VERIFY_WITH_TIMEOUT(marker().has_value(), 20000);
    const quint64 at = *marker();
    QTRY_VERIFY_WITH_TIMEOUT(store->endSeq() > at + 10, 10000);
    QVERIFY(!store->isGap(at + 1));
    QCOMPARE(store->id(at + 1).value, quint64(1));
    QVERIFY(store->id(at + 1).value < lastBefore);
    LogTableModel model(store);
    model.refresh();
    const int markerRow = model.rowForSeq(at);
    const QModelIndex message = model.index(markerRow, LogTableModel::MessageColumn);
    QVERIFY(message.data(LogTableModel::IsRestartRole).toBool());
    QVERIFY2(message.data().toString().contains(QStringLiteral("Gateway restarted")), qPrintable(message.data().toString()));
    QVERIFY(message.data().toString().contains(QStringLiteral("previous instance")));
    QVERIFY(model.index(markerRow - 1, 0).data(LogTableModel::PreviousInstanceRole).toBool());
    QVERIFY(!model.index(markerRow + 1, 0).data(LogTableModel::PreviousInstanceRole).toBool());

    // The audit: the new instance's entry shows, the old ones are kept and marked, and it says so.
    QTRY_VERIFY_WITH_TIMEOUT(session.audit()->rowCount() > auditBefore, 10000);
    AuditLog *audit = session.audit();
    QCOMPARE(audit->entry(audit->rowCount() - 1).action, QStringLiteral("sim.fault.add"));
    QVERIFY(!audit->isFromPreviousInstance(audit->rowCount() - 1));
    QVERIFY(audit->isFromPreviousInstance(0));
    QVERIFY(!auditPanel->restartNotice()->isHidden());
    QVERIFY2(auditPanel->restartNotice()->text().contains(QStringLiteral("restarted")),
             qPrintable(auditPanel->restartNotice()->text()));
}

QTEST_MAIN(TestDemoSession)
#include "tst_demosession.moc"
