// The emergency rollback and the audit timeline on real widgets, offscreen, against a real
// cutover-sim: the dialog is clicked through and the result checked at the gateway itself.
#include "app/common/appsession.h"
#include "client/httpadminclient.h"
#include "client/poller.h"
#include "models/auditlog.h"
#include "models/boardstate.h"
#include "models/identitymodel.h"
#include "models/rollbackcontroller.h"
#include "tests/support/contracthelpers.h"
#include "tests/support/faultproxy.h"
#include "widgets/auditpanel.h"
#include "widgets/chartspanel.h"
#include "widgets/chartwidget.h"
#include "widgets/mainwindow.h"
#include "widgets/rollbackbanner.h"
#include "widgets/rollbackcontrol.h"
#include "widgets/rollbackdialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextDocument>

using namespace cutover;
using namespace cutover::test;
using namespace std::chrono_literals;

namespace {

Profile profileFor(const SimFixture &sim, const QString &name, Environment environment)
{
    Profile p;
    p.name = name;
    p.url = sim.url();
    p.environment = environment;
    p.healthInterval = 1000ms;
    p.metricsInterval = 250ms;
    p.configInterval = 300ms;
    p.auditInterval = 300ms;
    return p;
}

QMap<QByteArray, qint64> gatewayRoutes(SimFixture &sim)
{
    return routePercents(sim.get(QStringLiteral("/admin/routes")).json());
}

const QMap<QByteArray, qint64> kInitialRoutes {{"auth", 100}, {"users", 100}, {"posts", 100},
                                               {"media", 0},  {"payments", 0}, {"notifications", 0}};
const QMap<QByteArray, qint64> kAllOnMonolith {{"auth", 0},  {"users", 0},    {"posts", 0},
                                               {"media", 0}, {"payments", 0}, {"notifications", 0}};

} // namespace

class TestRollback : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void engageAndReleaseThroughTheDialog();
    void productionRequiresTheTypedName();
    void lostAnswersAreRetriedAndAppliedOnce();
    void cancelStopsRetrying();
    void viewerFindsTheControlDisabled();
    void auditTimelineFiltersAndMarksTheCharts();
    void markerHoverNamesTheChange();
    void screenshots();
    void profileNameIsShownAsWritten();

private:
    // Connects a session to m_sim as `role`, shows the window, and waits until the rollback
    // control has read the state, the routes and the identity.
    bool startSession(Role role, const Profile &profile);
    RollbackDialog *openDialog();
    void confirm(RollbackDialog *dialog, const QString &reason);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<SimFixture> m_sim;
    std::unique_ptr<AppSession> m_session;
};

void TestRollback::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true); // recovery records go to a test location
}

void TestRollback::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_settings = std::make_unique<QSettings>(m_dir->filePath(QStringLiteral("cutover.ini")), QSettings::IniFormat);
    m_sim = std::make_unique<SimFixture>();
    QVERIFY2(m_sim->start({QStringLiteral("--seed"), QStringLiteral("11"), QStringLiteral("--rate"), QStringLiteral("400")}),
             qPrintable(m_sim->error()));
}

void TestRollback::cleanup()
{
    m_session.reset();
    m_sim.reset();
}

bool TestRollback::startSession(Role role, const Profile &profile)
{
    // Recoveries are kept in this test's own folder.
    m_session = std::make_unique<AppSession>(m_settings.get(), m_dir->filePath(QStringLiteral("data/recoveries.json")));
    m_session->connectTo(profile, m_sim->token(role));
    MainWindow *w = m_session->window();
    w->show();
    if (!QTest::qWaitForWindowExposed(w))
        return false;
    RollbackController *c = m_session->rollback();
    return QTest::qWaitFor([&] { return c->hasState() && !c->routes().routes.isEmpty() && c->identity(); }, 10000);
}

RollbackDialog *TestRollback::openDialog()
{
    RollbackControl *control = m_session->window()->rollbackControl();
    if (!control->button()->isEnabled())
        return nullptr;
    QTest::mouseClick(control->button(), Qt::LeftButton);
    return control->dialog();
}

void TestRollback::confirm(RollbackDialog *dialog, const QString &reason)
{
    QTest::keyClicks(dialog->reasonField(), reason);
    QVERIFY(dialog->confirmButton()->isEnabled());
    QTest::mouseClick(dialog->confirmButton(), Qt::LeftButton);
}

void TestRollback::engageAndReleaseThroughTheDialog()
{
    QVERIFY(startSession(Role::Operator, profileFor(*m_sim, QStringLiteral("sim-dev"), Environment::Development)));
    MainWindow *w = m_session->window();
    RollbackController *c = m_session->rollback();
    RollbackControl *control = w->rollbackControl();
    QVERIFY(control->isVisible());
    QVERIFY(!w->rollbackBanner()->isVisible());
    QCOMPARE(gatewayRoutes(*m_sim), kInitialRoutes);
    // Two scrapes give the blast radius its request rates.
    QTRY_VERIFY_WITH_TIMEOUT(m_session->state()->metrics()->scrapes() >= 3, 10000);

    RollbackDialog *dialog = openDialog();
    QVERIFY(dialog);
    QCOMPARE(dialog->mode(), RollbackDialog::Mode::Engage);
    QVERIFY(!dialog->requiresTypedName());
    // Blast radius: the three routes served by microservices, with the traffic that moves.
    QCOMPARE(dialog->radiusTable()->rowCount(), 3);
    QStringList moving;
    for (int row = 0; row < 3; ++row)
        moving << dialog->radiusTable()->item(row, 0)->text();
    QCOMPARE(moving, (QStringList {QStringLiteral("auth"), QStringLiteral("users"), QStringLiteral("posts")}));
    QVERIFY(dialog->blastRadius().hasRates);
    QVERIFY(*dialog->blastRadius().movingRate > 50.0);
    // No reason, no rollback.
    QVERIFY(!dialog->confirmButton()->isEnabled());
    QTest::keyClicks(dialog->reasonField(), QStringLiteral("   "));
    QVERIFY(!dialog->confirmButton()->isEnabled());
    dialog->reasonField()->clear();

    confirm(dialog, QStringLiteral("post-service 5xx spike"));
    // In flight: the control cannot start a second action, however often it is clicked.
    QCOMPARE(c->inFlight(), RollbackController::Action::Engage);
    QVERIFY(!control->button()->isEnabled());
    QTest::mouseClick(control->button(), Qt::LeftButton);
    QTest::mouseClick(control->button(), Qt::LeftButton);
    QVERIFY(!c->engage(QStringLiteral("again")));

    QTRY_VERIFY_WITH_TIMEOUT(c->isEngaged() && c->inFlight() == RollbackController::Action::None, 10000);
    QCOMPARE(c->sends(), 1);
    QCOMPARE(gatewayRoutes(*m_sim), kAllOnMonolith);
    const J engages = auditOf(*m_sim, "rollback.engage");
    QCOMPARE(engages.size(), std::size_t(1));
    QCOMPARE(b(engages[0]["idempotency_key"]), c->idempotencyKey());
    QVERIFY(control->statusText().contains(QStringLiteral("engaged")));

    // Everyone sees it: the banner with who, why and the time since.
    QTRY_VERIFY_WITH_TIMEOUT(w->rollbackBanner()->isVisible(), 5000);
    QVERIFY(w->rollbackBanner()->headline().contains(QStringLiteral("EMERGENCY ROLLBACK ENGAGED")));
    QVERIFY(w->rollbackBanner()->headline().contains(QStringLiteral("demo-operator")));
    QVERIFY(w->rollbackBanner()->headline().contains(QStringLiteral("post-service 5xx spike")));
    QVERIFY(control->button()->text().contains(QStringLiteral("Release")));

    // Verification from traffic: drained, then within the SLO; the time to recovery is measured,
    // shown, kept, and attached to the engage's audit entry.
    QTRY_VERIFY_WITH_TIMEOUT(c->verifier().phase() == RollbackVerifier::Phase::Recovered, 40000);
    QVERIFY(c->verifier().isMeasurable());
    const auto ttr = c->verifier().timeToRecovery();
    QVERIFY(ttr);
    QVERIFY(*ttr >= RollbackController::kVerifyWindow - 2s); // a whole window without microservice traffic
    QVERIFY(*ttr < 60s);
    QTRY_VERIFY_WITH_TIMEOUT(w->rollbackBanner()->verification().contains(QStringLiteral("Recovered in")), 5000);
    QVERIFY(w->rollbackBanner()->verification().contains(QStringLiteral("Microservice share 0 %")));
    AuditLog *audit = m_session->audit();
    const qint64 engageId = num(engages[0]["id"]);
    QTRY_VERIFY_WITH_TIMEOUT(audit->recoveryTime(engageId).has_value(), 5000);
    QCOMPARE(*audit->recoveryTime(engageId), *ttr);
    const std::optional<RecoveryRecord> kept = c->recoveryStore()->find(m_session->backend()->address(),
                                                                         c->state().engagedAt);
    QVERIFY(kept);
    QCOMPARE(kept->auditId, engageId);
    QCOMPARE(kept->timeToRecovery, *ttr);
    // Kept across a restart: a fresh store reads it from the file (once the writes are done).
    QVERIFY(c->recoveryStore()->path().startsWith(m_dir->path()));
    QTRY_VERIFY_WITH_TIMEOUT(!c->recoveryStore()->isSaving(), 5000);
    RecoveryStore reread(c->recoveryStore()->path());
    QTRY_VERIFY_WITH_TIMEOUT(reread.isLoaded(), 5000);
    QVERIFY(reread.find(kept->gateway, kept->engagedAt));
    QCOMPARE(reread.find(kept->gateway, kept->engagedAt)->timeToRecovery, *ttr);

    // Release: the preview shows what returns, the snapshot is restored at the gateway.
    dialog = openDialog();
    QVERIFY(dialog);
    QCOMPARE(dialog->mode(), RollbackDialog::Mode::Release);
    QCOMPARE(dialog->radiusTable()->rowCount(), 3);
    QCOMPARE(dialog->radiusTable()->item(0, 4)->text(), QStringLiteral("100 %"));
    QTest::mouseClick(dialog->keepMonolithBox(), Qt::LeftButton);
    QVERIFY(dialog->blastRadius().moves.isEmpty());
    QTest::mouseClick(dialog->keepMonolithBox(), Qt::LeftButton);
    QCOMPARE(dialog->blastRadius().moves.size(), qsizetype(3));
    confirm(dialog, QStringLiteral("hotfix deployed"));
    QTRY_VERIFY_WITH_TIMEOUT(!c->isEngaged() && c->inFlight() == RollbackController::Action::None, 10000);
    QCOMPARE(gatewayRoutes(*m_sim), kInitialRoutes);
    QCOMPARE(auditOf(*m_sim, "rollback.release").size(), std::size_t(1));
    QTRY_VERIFY_WITH_TIMEOUT(!w->rollbackBanner()->isVisible(), 5000);
    QVERIFY(control->button()->text().contains(QStringLiteral("Emergency rollback")));
}

void TestRollback::productionRequiresTheTypedName()
{
    QVERIFY(startSession(Role::Operator, profileFor(*m_sim, QStringLiteral("prod-eu"), Environment::Production)));
    RollbackController *c = m_session->rollback();
    RollbackDialog *dialog = openDialog();
    QVERIFY(dialog);
    QVERIFY(dialog->requiresTypedName());
    QTest::keyClicks(dialog->reasonField(), QStringLiteral("payments outage"));
    QVERIFY(!dialog->confirmButton()->isEnabled());
    QTest::keyClicks(dialog->confirmField(), QStringLiteral("prod"));
    QVERIFY(!dialog->confirmButton()->isEnabled());
    QTest::keyClicks(dialog->confirmField(), QStringLiteral("-EU"));
    QVERIFY(!dialog->confirmButton()->isEnabled()); // exactly, case included
    dialog->confirmField()->clear();
    QTest::keyClicks(dialog->confirmField(), QStringLiteral("prod-eu"));
    QVERIFY(dialog->confirmButton()->isEnabled());
    QTest::mouseClick(dialog->confirmButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(c->isEngaged(), 10000);
    QCOMPARE(gatewayRoutes(*m_sim), kAllOnMonolith);

    // The release asks for the name too; keeping the monolith restores nothing.
    QTRY_VERIFY_WITH_TIMEOUT(c->inFlight() == RollbackController::Action::None, 5000);
    dialog = openDialog();
    QVERIFY(dialog);
    QVERIFY(dialog->requiresTypedName());
    QTest::mouseClick(dialog->keepMonolithBox(), Qt::LeftButton);
    QTest::keyClicks(dialog->reasonField(), QStringLiteral("bring routes back one by one"));
    QVERIFY(!dialog->confirmButton()->isEnabled());
    QTest::keyClicks(dialog->confirmField(), QStringLiteral("prod-eu"));
    QTest::mouseClick(dialog->confirmButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!c->isEngaged(), 10000);
    QCOMPARE(gatewayRoutes(*m_sim), kAllOnMonolith);
}

void TestRollback::lostAnswersAreRetriedAndAppliedOnce()
{
    QVERIFY(startSession(Role::Operator, profileFor(*m_sim, QStringLiteral("sim-dev"), Environment::Development)));
    RollbackController *c = m_session->rollback();
    // The console's backend tries its rollback actions until the gateway confirms, refuses, or the
    // operator cancels: the one layer that resends (the controller does not, on top).
    QVERIFY(m_session->backend()->actionRetry().isUntilCancelled());
    // The rules match GET /admin/rollback too: stop polling it so only the action meets them.
    m_session->poller()->setEnabled(Source::Rollback, false);
    // A sick gateway (503), then the answer lost after the gateway applied the engage, and lost
    // again for the next try (Qt itself may resend a request whose connection closed unanswered):
    // only a later copy with the same key can learn that it happened.
    QCOMPARE(m_sim->request("POST", QStringLiteral("/sim/chaos"), Role::Admin,
                            dump({{"fail_status", 503}, {"path", "/admin/rollback"}, {"count", 1}}))
                 .status,
             200);
    QCOMPARE(m_sim->request("POST", QStringLiteral("/sim/chaos"), Role::Admin,
                            dump({{"drop_response", {{"path", "/admin/rollback"}, {"count", 2}}}}))
                 .status,
             200);

    RollbackDialog *dialog = openDialog();
    QVERIFY(dialog);
    QSignalSpy finished(c, &RollbackController::actionFinished);
    confirm(dialog, QStringLiteral("drill: lost answers"));
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.at(0).at(1).toBool(), true);
    QVERIFY(c->isEngaged());
    // The controller learned that it happened: from the replay of a later copy, or (issue 11) by
    // reading the rollback state and the audit entry with its key back.
    const QString message = finished.at(0).at(2).toString();
    QVERIFY2(c->sends() >= 2 || message.contains(QStringLiteral("answer was lost")), qPrintable(message));
    // Applied exactly once, with the one key of this action.
    const J engages = auditOf(*m_sim, "rollback.engage");
    QCOMPARE(engages.size(), std::size_t(1));
    QCOMPARE(b(engages[0]["idempotency_key"]), c->idempotencyKey());
    QCOMPARE(gatewayRoutes(*m_sim), kAllOnMonolith);
    // Every rule was used up by the action's requests: the gateway answers normally again.
    QCOMPARE(m_sim->get(QStringLiteral("/admin/rollback")).status, 200);
}

void TestRollback::cancelStopsRetrying()
{
    // Through a proxy that only counts: every copy the gateway gets is seen.
    FaultProxy proxy(m_sim->url());
    QVERIFY(proxy.start());
    Profile profile = profileFor(*m_sim, QStringLiteral("sim-dev"), Environment::Development);
    profile.url = proxy.url();
    QVERIFY(startSession(Role::Operator, profile));
    RollbackController *c = m_session->rollback();
    m_session->poller()->setEnabled(Source::Rollback, false);
    QCOMPARE(m_sim->request("POST", QStringLiteral("/sim/chaos"), Role::Admin,
                            dump({{"fail_status", 503}, {"path", "/admin/rollback"}, {"count", 1000}}))
                 .status,
             200);
    RollbackDialog *dialog = openDialog();
    QVERIFY(dialog);
    QSignalSpy finished(c, &RollbackController::actionFinished);
    confirm(dialog, QStringLiteral("drill: sick gateway"));
    RollbackControl *control = m_session->window()->rollbackControl();
    QTRY_VERIFY_WITH_TIMEOUT(c->sends() >= 2, 10000);
    QVERIFY(control->cancelButton()->isVisible());
    QVERIFY(control->statusText().contains(QStringLiteral("sending the same request again")));
    QTest::mouseClick(control->cancelButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    QCOMPARE(finished.at(0).at(1).toBool(), false);
    QVERIFY(control->statusText().startsWith(QStringLiteral("Cancelled")));
    // One layer: every copy the gateway got is one of the backend's tries the controller counted.
    const int sends = c->sends();
    QCOMPARE(proxy.seen("POST", QStringLiteral("/admin/rollback")), sends);
    // Longer than the longest backoff (its cap, jittered by up to 1.5): nothing more goes out.
    QTest::qWait(int(AppSession::rollbackRetry().maxBackoff.count()) * 3 / 2 + 500);
    QCOMPARE(proxy.seen("POST", QStringLiteral("/admin/rollback")), sends);
    QCOMPARE(c->sends(), sends);
    QCOMPARE(auditOf(*m_sim, "rollback.engage").size(), std::size_t(0));
    QVERIFY(control->button()->isEnabled());
}

void TestRollback::viewerFindsTheControlDisabled()
{
    QVERIFY(startSession(Role::Viewer, profileFor(*m_sim, QStringLiteral("sim-dev"), Environment::Development)));
    RollbackControl *control = m_session->window()->rollbackControl();
    QVERIFY(control->isVisible());
    QVERIFY(!control->button()->isEnabled());
    QVERIFY(control->button()->toolTip().contains(QStringLiteral("viewer role")));
    QVERIFY(control->button()->toolTip().contains(QStringLiteral("operator")));
    QVERIFY(control->statusText().contains(QStringLiteral("viewer role")));
    if (const QString dir = qEnvironmentVariable("CUTOVER_SCREENSHOT_DIR"); !dir.isEmpty())
        QVERIFY(m_session->window()->grab(QRect(0, 0, m_session->window()->width(), 120)).save(dir + QStringLiteral("/viewer.png")));
    QTest::keySequence(m_session->window(), RollbackControl::shortcut());
    QVERIFY(!control->dialog());
    QVERIFY(!m_session->rollback()->engage(QStringLiteral("not allowed")));
    QCOMPARE(auditOf(*m_sim, "rollback.engage").size(), std::size_t(0));

    // Were a 403 to come back anyway (a role changed at the gateway), it is said in plain words.
    ApiError forbidden;
    forbidden.kind = ApiError::Kind::Forbidden;
    forbidden.httpStatus = 403;
    const QString text = RollbackController::explain(forbidden, RollbackController::Action::Engage);
    QVERIFY(text.contains(QStringLiteral("may not engage")));
    QVERIFY(text.contains(QStringLiteral("operator")));
}

void TestRollback::auditTimelineFiltersAndMarksTheCharts()
{
    QVERIFY(startSession(Role::Operator, profileFor(*m_sim, QStringLiteral("sim-dev"), Environment::Development)));
    MainWindow *w = m_session->window();
    QCOMPARE(setPercent(*m_sim, QStringLiteral("payments"), 25).status, 200);
    QCOMPARE(putFlag(*m_sim, QStringLiteral("use_media_microservice"),
                     {{"enabled", true}, {"rollout_percent", 10}, {"reason", "media beta"}})
                 .status,
             200);
    QCOMPARE(m_sim->request("POST", QStringLiteral("/sim/faults"), Role::Admin,
                            dump({{"service", "payment-service"}, {"error_rate", 0.2}, {"reason", "game day"}}))
                 .status,
             201);

    QTest::keyClick(w, Qt::Key_7, Qt::ControlModifier);
    QDockWidget *dock = w->dock(QStringLiteral("auditPanel"));
    QVERIFY(dock);
    QTRY_VERIFY(dock->isVisible());
    auto *panel = qobject_cast<AuditPanel *>(dock->widget());
    QVERIFY(panel);
    QAbstractItemModel *shown = panel->view()->model();
    QTRY_COMPARE_WITH_TIMEOUT(shown->rowCount(), 3, 10000);
    // Newest first.
    QCOMPARE(shown->index(0, AuditLog::ActionColumn).data().toString(), QStringLiteral("sim.fault.add"));
    QCOMPARE(shown->index(2, AuditLog::ActionColumn).data().toString(), QStringLiteral("route.update"));
    QCOMPARE(shown->index(2, AuditLog::ChangeColumn).data().toString(), QStringLiteral("microservice_percent: 0 \u2192 25"));
    QCOMPARE(shown->index(2, AuditLog::ActorColumn).data().toString(), QStringLiteral("demo-operator (operator)"));

    QTest::keyClicks(panel->filterField(), QStringLiteral("beta"));
    QCOMPARE(shown->rowCount(), 1);
    QCOMPARE(shown->index(0, AuditLog::TargetColumn).data().toString(), QStringLiteral("flags/use_media_microservice"));
    panel->filterField()->clear();
    QCOMPARE(shown->rowCount(), 3);
    panel->actorBox()->setCurrentIndex(panel->actorBox()->findData(QStringLiteral("demo-admin")));
    QCOMPARE(shown->rowCount(), 1);
    QCOMPARE(shown->index(0, AuditLog::ActionColumn).data().toString(), QStringLiteral("sim.fault.add"));
    panel->actorBox()->setCurrentIndex(0);
    panel->kindBox()->setCurrentIndex(panel->kindBox()->findData(QStringLiteral("route")));
    QCOMPARE(shown->rowCount(), 1);
    panel->view()->selectRow(0);
    QVERIFY(panel->detailsText().contains(QStringLiteral("routes/payments")));
    QVERIFY(panel->detailsText().contains(QStringLiteral("microservice_percent: 0 \u2192 25")));
    panel->kindBox()->setCurrentIndex(0);
    QCOMPARE(shown->rowCount(), 3);

    // The same changes as markers on the charts, at their moment.
    auto *charts = w->findChild<ChartsPanel *>();
    QVERIFY(charts);
    QTRY_COMPARE_WITH_TIMEOUT(charts->latencyChart()->markers().size(), qsizetype(3), 10000);
    QStringList labels;
    for (const ChartMarker &m : charts->errorChart()->markers())
        labels << m.label;
    QCOMPARE(labels, (QStringList {QStringLiteral("payments 25 %"), QStringLiteral("use_media_microservice on 10 %"),
                                   QStringLiteral("fault payment-service")}));
    const ChartMarker route = charts->errorChart()->markers().constFirst();
    QVERIFY(route.detail.contains(QStringLiteral("route.update by demo-operator")));
    QVERIFY(route.detail.contains(QStringLiteral("Why: ")));
}

void TestRollback::markerHoverNamesTheChange()
{
    ChartWidget chart;
    chart.resize(640, 300);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    const WallTime t0 {std::chrono::milliseconds(1'800'000'000'000)};
    chart.setTimeRange(t0, t0 + 600s);
    const ChartMarker marker {t0 + 300s, QStringLiteral("rollback"), QColor(0xb9, 0x1c, 0x1c),
                              QStringLiteral("rollback.engage by alice\nWhy: 5xx spike")};
    chart.setMarkers({marker});
    QTest::qWait(50);
    const QPoint on = chart.mapToWidget(marker.time, 0.0).toPoint() - QPoint(0, 40);
    QVERIFY(chart.plotArea().contains(on));
    QTest::mouseMove(chart.windowHandle(), on + QPoint(3, 0));
    QTRY_VERIFY(chart.hoverText().contains(QStringLiteral("rollback\trollback.engage by alice")));
    QVERIFY(chart.hoverText().contains(QStringLiteral("5xx spike")));
    // Away from the line, the marker is not named.
    QTest::mouseMove(chart.windowHandle(), on - QPoint(120, 0));
    QTRY_VERIFY(!chart.hoverText().contains(QStringLiteral("rollback")));
}

// Writes PNGs of the window with the rollback engaged and of the dialog, when
// CUTOVER_SCREENSHOT_DIR is set (for looking at them; the assertions are elsewhere).
void TestRollback::screenshots()
{
    const QString dir = qEnvironmentVariable("CUTOVER_SCREENSHOT_DIR");
    if (dir.isEmpty())
        QSKIP("set CUTOVER_SCREENSHOT_DIR to write screenshots");
    QVERIFY(startSession(Role::Operator, profileFor(*m_sim, QStringLiteral("prod-eu"), Environment::Production)));
    MainWindow *w = m_session->window();
    w->resize(1500, 950);
    QCOMPARE(setPercent(*m_sim, QStringLiteral("payments"), 25).status, 200);
    QTRY_VERIFY_WITH_TIMEOUT(m_session->state()->metrics()->scrapes() >= 20, 20000);
    QVERIFY(w->grab(QRect(0, 0, w->width(), 200)).save(dir + QStringLiteral("/rollback-ready.png")));
    RollbackDialog *dialog = openDialog();
    QVERIFY(dialog);
    QTest::keyClicks(dialog->reasonField(), QStringLiteral("payment-service 5xx spike after the 25 % step"));
    QTest::keyClicks(dialog->confirmField(), QStringLiteral("prod-eu"));
    QTest::qWait(200);
    QVERIFY(dialog->grab().save(dir + QStringLiteral("/rollback-dialog.png")));
    QTest::mouseClick(dialog->confirmButton(), Qt::LeftButton);
    RollbackController *c = m_session->rollback();
    QTRY_VERIFY_WITH_TIMEOUT(c->isEngaged(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(c->verifier().phase() == RollbackVerifier::Phase::Recovered, 40000);
    QDockWidget *audit = w->dock(QStringLiteral("auditPanel"));
    audit->show();
    audit->raise();
    QTest::qWait(1500);
    QVERIFY(w->grab().save(dir + QStringLiteral("/rollback-engaged.png")));
    QTRY_VERIFY_WITH_TIMEOUT(c->inFlight() == RollbackController::Action::None, 5000);
    dialog = openDialog();
    QVERIFY(dialog);
    QTest::keyClicks(dialog->reasonField(), QStringLiteral("hotfix 0.7.1 deployed"));
    QTest::qWait(200);
    QVERIFY(dialog->grab().save(dir + QStringLiteral("/release-dialog.png")));
    dialog->reject();
}

void TestRollback::profileNameIsShownAsWritten()
{
    // The dialog names the profile it acts on: as the operator wrote it, never as HTML entities.
    BoardState board;
    AuditLog audit;
    IdentityModel identity;
    RecoveryStore recoveries {QString()};
    RollbackController controller(&board, &audit, &identity, &recoveries);
    Profile profile = Profile::demo();
    profile.name = QStringLiteral("eu \"blue\" & co");
    RollbackDialog dialog(RollbackDialog::Mode::Engage, profile, &controller);
    bool shown = false;
    for (const QLabel *label : dialog.findChildren<QLabel *>()) {
        const bool rich = label->textFormat() == Qt::RichText
            || (label->textFormat() == Qt::AutoText && Qt::mightBeRichText(label->text()));
        QString text = label->text();
        if (rich) {
            QTextDocument doc;
            doc.setHtml(text);
            text = doc.toPlainText();
        }
        QVERIFY2(!text.contains(QLatin1String("&quot;")) && !text.contains(QLatin1String("&amp;")), qPrintable(text));
        shown = shown || text.contains(profile.name);
    }
    QVERIFY(shown);
}

QTEST_MAIN(TestRollback)
#include "tst_rollback.moc"
