// Route cutovers and feature flags through the GUI, offscreen: real panels and change dialogs in
// the real main window, connected to a real cutover-sim (manual clock) over HTTP. What the GUI
// does is checked at the gateway itself: its routes, flags, audit log and /metrics.
#include "app/common/appsession.h"
#include "client/poller.h"
#include "models/boardstate.h"
#include "models/flagsmodel.h"
#include "models/identitymodel.h"
#include "models/metricsaggregator.h"
#include "models/routesmodel.h"
#include "tests/support/simfixture.h"
#include "widgets/changedialog.h"
#include "widgets/chartspanel.h"
#include "widgets/chartwidget.h"
#include "widgets/flagspanel.h"
#include "widgets/mainwindow.h"
#include "widgets/routespanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace cutover;
using namespace std::chrono_literals;
using test::SimFixture;

namespace {

QByteArray putRoute(SimFixture &sim, Role role, const QString &id, int percent, const QByteArray &version, const QByteArray &reason)
{
    return QByteArray::number(sim.request("PUT", QStringLiteral("/admin/routes/") + id, role,
                                          "{\"microservice_percent\":" + QByteArray::number(percent) + ",\"reason\":\"" + reason + "\"}",
                                          {{"If-Match", '"' + version + '"'}})
                                  .status);
}

double routeRequests(const QByteArray &metrics, const char *route, const char *backend)
{
    return test::sumSamples(metrics, "requests_total", {{"route", route}, {"backend", backend}});
}

// Saves what the tests look at when CUTOVER_TEST_SCREENSHOTS names a folder (for reviewing the
// layout by eye); does nothing otherwise.
void shot(QWidget *w, const QString &name)
{
    const QString dir = qEnvironmentVariable("CUTOVER_TEST_SCREENSHOTS");
    if (dir.isEmpty())
        return;
    QTest::qWait(100); // let pending layout requests run, as the event loop would
    if (!dir.isEmpty())
        w->grab().save(dir + QLatin1Char('/') + name + QStringLiteral(".png"));
}

} // namespace

class TestRoutesPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void cutOverARouteThroughTheGui();
    void toggleAFlagThroughTheGui();
    void viewerFindsEveryControlDisabled();
    void secondEditorGetsAConflictNotALostUpdate();
    void droppedFlagChangeLeavesTheOtherEdit();
    void forbiddenIsExplained();
    void lostAnswerIsCheckedNotResent();
    void observedSplitMatchesTheConfiguration();
    void rollbackFreezesRoutes();
    void shortcutsRaiseThePanels();
    void pickingARouteDrivesChartsAndLogs();

private:
    // Connects a console to the simulator with `role`'s token and waits until it knows the routes,
    // the flags and who it is.
    void connectAs(Role role);
    RoutesPanel *routesPanel() const;
    FlagsPanel *flagsPanel() const;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<SimFixture> m_sim;
    std::unique_ptr<AppSession> m_session;
};

void TestRoutesPanel::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_settings = std::make_unique<QSettings>(m_dir->filePath(QStringLiteral("cutover.ini")), QSettings::IniFormat);
    m_sim = std::make_unique<SimFixture>();
    QVERIFY2(m_sim->start({QStringLiteral("--manual-clock"), QStringLiteral("--seed"), QStringLiteral("11"),
                           QStringLiteral("--rate"), QStringLiteral("300")}),
             qPrintable(m_sim->error()));
}

void TestRoutesPanel::cleanup()
{
    m_session.reset();
    m_sim.reset();
}

void TestRoutesPanel::connectAs(Role role)
{
    m_session = std::make_unique<AppSession>(m_settings.get());
    AppSession *session = m_session.get();
    connect(session, &AppSession::connected, session, [session] {
        for (Source s : {Source::Routes, Source::Flags, Source::Metrics})
            session->poller()->setInterval(s, 300ms);
    });
    Profile profile = Profile::demo();
    profile.url = m_sim->url();
    session->connectTo(profile, m_sim->token(role));
    session->window()->resize(1400, 900);
    session->window()->show();
    QVERIFY(QTest::qWaitForWindowExposed(session->window()));
    QTRY_COMPARE_WITH_TIMEOUT(session->routes()->rowCount(), 6, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(session->flags()->rowCount(), 5, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(session->identity()->identity().has_value(), 10000);
    for (const char *name : {"routesPanel", "flagsPanel"})
        QVERIFY2(session->window()->dock(QLatin1String(name)), name);
}

RoutesPanel *TestRoutesPanel::routesPanel() const
{
    QDockWidget *dock = m_session->window()->dock(QStringLiteral("routesPanel"));
    dock->show();
    dock->raise();
    return qobject_cast<RoutesPanel *>(dock->widget());
}

FlagsPanel *TestRoutesPanel::flagsPanel() const
{
    QDockWidget *dock = m_session->window()->dock(QStringLiteral("flagsPanel"));
    dock->show();
    dock->raise();
    return qobject_cast<FlagsPanel *>(dock->widget());
}

void TestRoutesPanel::cutOverARouteThroughTheGui()
{
    connectAs(Role::Operator);
    QVERIFY(m_sim->step(20));
    const QByteArray before = m_sim->metrics();
    QVERIFY(routeRequests(before, "payments", "monolith") > 100);
    QCOMPARE(routeRequests(before, "payments", "microservice"), 0.0); // 0 % and its flag is off

    RoutesPanel *panel = routesPanel();
    QVERIFY(panel);
    RoutesModel *routes = m_session->routes();
    QVERIFY(panel->selectRoute(QStringLiteral("payments")));
    // Enough traffic seen for a preview in requests per second.
    QTRY_VERIFY_WITH_TIMEOUT(routes->observed(QStringLiteral("payments")).has_value(), 10000);
    QPushButton *step50 = panel->stepButtons().at(4);
    QCOMPARE(step50->text(), QStringLiteral("50 %"));
    QVERIFY(step50->isEnabled());
    QTest::mouseClick(step50, Qt::LeftButton);
    QPointer<ChangeDialog> dialog = panel->activeDialog();
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    QCOMPARE(dialog->percentField()->value(), 50);
    QCOMPARE(dialog->percentSlider()->value(), 50);
    QVERIFY(dialog->currentText().contains(QStringLiteral("Now: 0 % to payment-service")));
    QVERIFY2(dialog->previewText().startsWith(QStringLiteral("/api/payments: 0 % → 50 % to payment-service.")), qPrintable(dialog->previewText()));
    QVERIFY2(dialog->previewText().contains(QStringLiteral("req/s of /api/payments goes to payment-service instead of the monolith")),
             qPrintable(dialog->previewText()));
    // No reason, no change.
    QVERIFY(!dialog->confirmButton()->isEnabled());
    QVERIFY(dialog->confirmButton()->toolTip().contains(QStringLiteral("reason")));
    QTest::keyClicks(dialog->reasonField(), QStringLiteral("payments error rate flat for 24 h"));
    QVERIFY(dialog->confirmButton()->isEnabled());
    QCOMPARE(dialog->confirmButton()->text(), QStringLiteral("Confirm: set 50 %"));
    shot(dialog, QStringLiteral("route-dialog"));

    QTest::mouseClick(dialog->confirmButton(), Qt::LeftButton);
    // In flight: the row says so and still shows what the gateway has.
    const int row = routes->rowOf(QStringLiteral("payments"));
    QCOMPARE(routes->change(QStringLiteral("payments")).state, ChangeState::Applying);
    QCOMPARE(routes->index(row, RoutesModel::StateColumn).data().toString(), QStringLiteral("applying 50 %…"));
    QCOMPARE(routes->route(row).microservicePercent, 0);
    QVERIFY(!dialog->confirmButton()->isEnabled()); // no double action
    QVERIFY(!panel->changeButton()->isEnabled());
    shot(m_session->window(), QStringLiteral("route-applying"));

    QTRY_VERIFY_WITH_TIMEOUT(!dialog, 10000); // closed once the gateway applied it
    QTRY_COMPARE_WITH_TIMEOUT(routes->route(row).microservicePercent, 50, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(routes->change(QStringLiteral("payments")).state, ChangeState::Idle, 5000);
    QVERIFY2(panel->messageText().contains(QStringLiteral("The gateway applied it")), qPrintable(panel->messageText()));

    // At the gateway: the route, who and why.
    const auto route = m_sim->get(QStringLiteral("/admin/routes/payments")).json();
    QCOMPARE(route["microservice_percent"].get<int>(), 50);
    QCOMPARE(route["updated_by"].get<std::string>(), std::string("demo-operator"));
    const auto audit = m_sim->get(QStringLiteral("/admin/audit?limit=1000")).json();
    QCOMPARE(audit["entries"].back()["reason"].get<std::string>(), std::string("payments error rate flat for 24 h"));

    // And the traffic moves: about half of what the route served since then went to payment-service.
    QVERIFY(m_sim->step(30));
    const QByteArray after = m_sim->metrics();
    const double micro = routeRequests(after, "payments", "microservice");
    const double mono = routeRequests(after, "payments", "monolith") - routeRequests(before, "payments", "monolith");
    QVERIFY2(micro > 100, qPrintable(QString::number(micro)));
    const double share = micro / (micro + mono);
    QVERIFY2(share > 0.4 && share < 0.6, qPrintable(QString::number(share)));
    // The board's observed column follows. A new series' first sample is only its baseline (as in
    // Prometheus): the traffic after it shows.
    const qsizetype scrapes = m_session->state()->metrics()->scrapes();
    QTRY_VERIFY_WITH_TIMEOUT(m_session->state()->metrics()->scrapes() > scrapes + 1, 5000);
    QVERIFY(m_sim->step(30));
    QTRY_VERIFY_WITH_TIMEOUT(routes->index(row, RoutesModel::ObservedColumn).data(RoutesModel::ObservedShareRole).toDouble() > 0.1,
                             10000);
    QVERIFY(!routes->mismatch(row)); // the window still holds traffic from before the change
    shot(m_session->window(), QStringLiteral("routes-panel"));
}

void TestRoutesPanel::toggleAFlagThroughTheGui()
{
    connectAs(Role::Operator);
    FlagsPanel *panel = flagsPanel();
    QVERIFY(panel);
    FlagsModel *flags = m_session->flags();
    const int row = flags->rowOf(QStringLiteral("use_payment_microservice"));
    QVERIFY(row >= 0);
    QCOMPARE(flags->index(row, FlagsModel::RoutesColumn).data().toString(), QStringLiteral("/api/payments"));
    QVERIFY(panel->selectFlag(QStringLiteral("use_payment_microservice")));
    QCOMPARE(panel->toggleButton()->text(), QStringLiteral("Turn on…"));
    QTest::mouseClick(panel->toggleButton(), Qt::LeftButton);
    QPointer<ChangeDialog> dialog = panel->activeDialog();
    QVERIFY(dialog);
    QVERIFY(dialog->enabledField()->isChecked());
    QTest::mouseClick(dialog->presetButtons().at(3), Qt::LeftButton); // 25 %
    QCOMPARE(dialog->percentField()->value(), 25);
    QTest::keyClicks(dialog->allowUsersField(), QStringLiteral("u-00042, u-00230"));
    QTest::keyClicks(dialog->reasonField(), QStringLiteral("beta cohort for payments"));
    QVERIFY2(dialog->previewText().contains(QStringLiteral("off → on, 25 % of users, 2 allow-listed")), qPrintable(dialog->previewText()));
    QVERIFY2(dialog->previewText().contains(QStringLiteral("Affects /api/payments")), qPrintable(dialog->previewText()));
    shot(dialog, QStringLiteral("flag-dialog"));
    QTest::mouseClick(dialog->confirmButton(), Qt::LeftButton);
    QCOMPARE(flags->change(QStringLiteral("use_payment_microservice")).state, ChangeState::Applying);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(flags->index(row, FlagsModel::EnabledColumn).data().toString(), QStringLiteral("on"), 5000);
    QCOMPARE(flags->flag(row).rolloutPercent, 25);

    const auto flag = m_sim->get(QStringLiteral("/admin/flags/use_payment_microservice")).json();
    QCOMPARE(flag["enabled"].get<bool>(), true);
    QCOMPARE(flag["rollout_percent"].get<int>(), 25);
    QCOMPARE(flag["allow_users"].size(), std::size_t(2));
    QCOMPARE(flag["updated_by"].get<std::string>(), std::string("demo-operator"));
    // The route is still at 0 %, yet the flag's users now reach payment-service.
    QVERIFY(m_sim->step(30));
    const double micro = routeRequests(m_sim->metrics(), "payments", "microservice");
    QVERIFY2(micro > 20, qPrintable(QString::number(micro)));
    shot(m_session->window(), QStringLiteral("flags-panel"));
}

void TestRoutesPanel::viewerFindsEveryControlDisabled()
{
    connectAs(Role::Viewer);
    RoutesPanel *routes = routesPanel();
    FlagsPanel *flags = flagsPanel();
    QVERIFY(routes->selectRoute(QStringLiteral("payments")));
    QVERIFY(flags->selectFlag(QStringLiteral("use_payment_microservice")));
    QList<QAbstractButton *> controls = routes->actionButtons() + flags->actionButtons();
    QCOMPARE(controls.size(), 1 + 6 + 2);
    for (QAbstractButton *b : controls) {
        QVERIFY2(!b->isEnabled(), qPrintable(b->text()));
        QVERIFY2(b->toolTip().contains(QStringLiteral("viewer role")), qPrintable(b->toolTip()));
        QVERIFY2(b->toolTip().contains(QStringLiteral("demo-viewer")), qPrintable(b->toolTip()));
    }
    QTRY_VERIFY_WITH_TIMEOUT(routes->headerText().contains(QStringLiteral("Read-only")), 3000);
    // Double-click or Enter does not open a dialog either.
    routes->changeSelected(25);
    flags->changeSelected(true);
    QVERIFY(!routes->activeDialog());
    QVERIFY(!flags->activeDialog());
    // And a change dialog, however it is reached, offers nothing to press.
    auto *dialog = new ChangeDialog(m_session->window()->parts().config(), *m_session->routes()->find(QStringLiteral("payments")), 25, routes);
    QList<QWidget *> inputs {dialog->percentField(), dialog->percentSlider(), dialog->reasonField(), dialog->confirmButton()};
    for (QPushButton *b : dialog->presetButtons())
        inputs << b;
    for (QWidget *w : inputs) {
        QVERIFY2(!w->isEnabled(), w->metaObject()->className());
        QVERIFY2(w->toolTip().contains(QStringLiteral("viewer role")), qPrintable(w->toolTip()));
    }
    shot(m_session->window(), QStringLiteral("viewer"));
    dialog->close();
    // Nothing changed at the gateway.
    QCOMPARE(m_sim->get(QStringLiteral("/admin/routes/payments")).json()["microservice_percent"].get<int>(), 0);
}

void TestRoutesPanel::secondEditorGetsAConflictNotALostUpdate()
{
    connectAs(Role::Operator);
    RoutesPanel *panel = routesPanel();
    RoutesModel *routes = m_session->routes();
    QVERIFY(panel->selectRoute(QStringLiteral("payments")));
    QTest::mouseClick(panel->changeButton(), Qt::LeftButton);
    QPointer<ChangeDialog> dialog = panel->activeDialog();
    QVERIFY(dialog);
    const QByteArray seen = m_sim->version(QStringLiteral("routes/payments"));
    QCOMPARE(routes->find(QStringLiteral("payments"))->version, QString::fromLatin1(seen));

    // Meanwhile another client moves the route to 25 %.
    QCOMPARE(putRoute(*m_sim, Role::Admin, QStringLiteral("payments"), 25, seen, "other console"), QByteArray("200"));
    // The dialog notices as soon as the board does.
    QTRY_VERIFY_WITH_TIMEOUT(dialog->statusText().contains(QStringLiteral("Changed at the gateway since you opened this: now 25 %, by demo-admin")),
                             5000);

    dialog->percentField()->setValue(50);
    QTest::keyClicks(dialog->reasonField(), QStringLiteral("next step"));
    QTest::mouseClick(dialog->confirmButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog || dialog->phase() == ChangeDialog::Phase::Conflict, 10000);
    QVERIFY2(dialog, "the dialog closed: the change went through");
    const QString status = dialog->statusText();
    QVERIFY2(status.contains(QStringLiteral("demo-admin")), qPrintable(status));
    QVERIFY2(status.contains(QStringLiteral("from 0 % to 25 %")), qPrintable(status));
    QVERIFY2(status.contains(QStringLiteral("Nothing was overwritten")), qPrintable(status));
    QVERIFY(dialog->dropButton()->isVisible());
    QVERIFY2(dialog->currentText().contains(QStringLiteral("Now: 25 %")), qPrintable(dialog->currentText()));
    QVERIFY2(dialog->previewText().contains(QStringLiteral("25 % → 50 %")), qPrintable(dialog->previewText()));
    QCOMPARE(dialog->confirmButton()->text(), QStringLiteral("Re-apply 50 % on top"));
    QCOMPARE(routes->index(routes->rowOf(QStringLiteral("payments")), RoutesModel::StateColumn).data().toString(),
             QStringLiteral("not applied: changed by someone else"));
    shot(dialog, QStringLiteral("route-conflict"));
    // Not overwritten.
    QCOMPARE(m_sim->get(QStringLiteral("/admin/routes/payments")).json()["microservice_percent"].get<int>(), 25);

    // Re-applying on top of the other change is a fresh, explicit decision.
    QTest::mouseClick(dialog->confirmButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog, 10000);
    const auto route = m_sim->get(QStringLiteral("/admin/routes/payments")).json();
    QCOMPARE(route["microservice_percent"].get<int>(), 50);
    QCOMPARE(route["updated_by"].get<std::string>(), std::string("demo-operator"));
    QTRY_COMPARE_WITH_TIMEOUT(routes->find(QStringLiteral("payments"))->microservicePercent, 50, 5000);
}

void TestRoutesPanel::droppedFlagChangeLeavesTheOtherEdit()
{
    connectAs(Role::Operator);
    FlagsPanel *panel = flagsPanel();
    FlagsModel *flags = m_session->flags();
    QVERIFY(panel->selectFlag(QStringLiteral("use_media_microservice")));
    QTest::mouseClick(panel->changeButton(), Qt::LeftButton);
    QPointer<ChangeDialog> dialog = panel->activeDialog();
    QVERIFY(dialog);
    const QByteArray seen = m_sim->version(QStringLiteral("flags/use_media_microservice"));
    const auto other = m_sim->request("PUT", QStringLiteral("/admin/flags/use_media_microservice"), Role::Admin,
                                      R"({"enabled":true,"rollout_percent":5,"reason":"other console"})", {{"If-Match", '"' + seen + '"'}});
    QCOMPARE(other.status, 200);

    dialog->enabledField()->setChecked(true);
    dialog->percentField()->setValue(50);
    QTest::keyClicks(dialog->reasonField(), QStringLiteral("widen media"));
    QTest::mouseClick(dialog->confirmButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog || dialog->phase() == ChangeDialog::Phase::Conflict, 10000);
    QVERIFY2(dialog, "the dialog closed: the change went through");
    QVERIFY2(dialog->statusText().contains(QStringLiteral("demo-admin")), qPrintable(dialog->statusText()));
    QVERIFY2(dialog->statusText().contains(QStringLiteral("to on, 5 % of users")), qPrintable(dialog->statusText()));
    QTest::mouseClick(dialog->dropButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog, 5000);
    QCOMPARE(flags->change(QStringLiteral("use_media_microservice")).state, ChangeState::Idle);
    const auto flag = m_sim->get(QStringLiteral("/admin/flags/use_media_microservice")).json();
    QCOMPARE(flag["rollout_percent"].get<int>(), 5);
    QCOMPARE(flag["updated_by"].get<std::string>(), std::string("demo-admin"));
}

void TestRoutesPanel::forbiddenIsExplained()
{
    // The gateway tells a viewer token it is an operator (as after a role change behind the
    // console's back): the controls are open, and the gateway's 403 must be explained.
    const auto chaos = m_sim->request(
        "POST", QStringLiteral("/sim/chaos"), Role::Admin,
        R"({"replace_body":"{\"subject\":\"demo-viewer\",\"role\":\"operator\",\"permissions\":[\"read\",\"routes.write\",\"flags.write\",\"rollback\"]}","path":"/admin/whoami","count":5})");
    QCOMPARE(chaos.status, 200);
    connectAs(Role::Viewer);
    RoutesPanel *panel = routesPanel();
    QVERIFY(panel->selectRoute(QStringLiteral("payments")));
    QVERIFY(panel->changeButton()->isEnabled());
    QTest::mouseClick(panel->stepButtons().at(3), Qt::LeftButton);
    QPointer<ChangeDialog> dialog = panel->activeDialog();
    QVERIFY(dialog);
    QTest::keyClicks(dialog->reasonField(), QStringLiteral("try it"));
    QTest::mouseClick(dialog->confirmButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog || dialog->phase() == ChangeDialog::Phase::Failed, 10000);
    QVERIFY2(dialog, "the dialog closed: the change went through");
    const QString status = dialog->statusText();
    QVERIFY2(status.startsWith(QStringLiteral("The gateway refused: your token (demo-viewer) is not allowed "
                                              "to change the route /api/payments. Nothing was changed.")),
             qPrintable(status));
    QVERIFY2(status.contains(QStringLiteral("needs the operator or admin role")), qPrintable(status));
    QVERIFY2(status.contains(QStringLiteral("reported the operator role for this token: it may have changed")), qPrintable(status));
    // Sending the same request again cannot help.
    QVERIFY(!dialog->confirmButton()->isEnabled());
    QVERIFY(panel->messageText().contains(QStringLiteral("not allowed")));
    shot(dialog, QStringLiteral("forbidden"));
    QCOMPARE(m_sim->get(QStringLiteral("/admin/routes/payments")).json()["microservice_percent"].get<int>(), 0);
}

void TestRoutesPanel::lostAnswerIsCheckedNotResent()
{
    connectAs(Role::Operator);
    // The gateway applies the next change of /admin/routes/media, then drops the connection.
    QCOMPARE(m_sim->request("POST", QStringLiteral("/sim/chaos"), Role::Admin,
                            R"({"drop_response":{"path":"/admin/routes/media","count":1}})")
                 .status,
             200);
    RoutesPanel *panel = routesPanel();
    QVERIFY(panel->selectRoute(QStringLiteral("media")));
    QTest::mouseClick(panel->stepButtons().at(2), Qt::LeftButton); // 5 %
    QPointer<ChangeDialog> dialog = panel->activeDialog();
    QVERIFY(dialog);
    QTest::keyClicks(dialog->reasonField(), QStringLiteral("canary"));
    QSignalSpy outcome(dialog.data(), &ChangeDialog::outcome);
    QTest::mouseClick(dialog->confirmButton(), Qt::LeftButton);
    QVERIFY(outcome.wait(10000));
    const auto result = outcome.first().first().value<ChangeOutcome>();
    QVERIFY2(result.kind == ChangeOutcome::Kind::Applied, qPrintable(result.explanation));
    // Qt resends a PUT once when the connection drops before an answer (then the gateway says 412
    // with our own change as the current state); without that, the route is read back. Either
    // way the operator is told it was applied, once.
    QVERIFY2(result.explanation.contains(QStringLiteral("applied once"))
                 || result.explanation.contains(QStringLiteral("answer was lost, but it shows the change")),
             qPrintable(result.explanation));
    QCOMPARE(result.route->microservicePercent, 5);
    // Applied exactly once.
    const auto audit = m_sim->get(QStringLiteral("/admin/audit?limit=1000")).json();
    int changes = 0;
    for (const auto &e : audit["entries"])
        changes += e["target"].get<std::string>() == "routes/media" ? 1 : 0;
    QCOMPARE(changes, 1);
    QCOMPARE(m_sim->get(QStringLiteral("/admin/routes/media")).json()["microservice_percent"].get<int>(), 5);
}

void TestRoutesPanel::observedSplitMatchesTheConfiguration()
{
    // Real time this once: a steady stream of requests, as in production.
    m_sim = std::make_unique<SimFixture>();
    QVERIFY2(m_sim->start({QStringLiteral("--seed"), QStringLiteral("5"), QStringLiteral("--rate"), QStringLiteral("1500")}),
             qPrintable(m_sim->error()));
    connectAs(Role::Operator);
    RoutesModel *routes = m_session->routes();
    RoutesPanel *panel = routesPanel();
    auto observed = [routes](const char *id) {
        return routes->index(routes->rowOf(QLatin1String(id)), RoutesModel::ObservedColumn).data(RoutesModel::ObservedShareRole);
    };
    // Enough requests in the window to judge every route.
    QTRY_VERIFY_WITH_TIMEOUT(routes->observed(QStringLiteral("media")) && routes->observed(QStringLiteral("media"))->total() > 300,
                             15000);
    QCOMPARE(observed("posts").toDouble(), 1.0);
    QCOMPARE(observed("media").toDouble(), 0.0);
    for (int row = 0; row < routes->rowCount(); ++row)
        QVERIFY2(!routes->mismatch(row), qPrintable(routes->route(row).id));
    QVERIFY(panel->view()->model()->index(0, RoutesModel::TrafficColumn).data().toString().endsWith(QStringLiteral("req/s")));
    shot(m_session->window(), QStringLiteral("routes-live"));
}

void TestRoutesPanel::rollbackFreezesRoutes()
{
    connectAs(Role::Operator);
    RoutesPanel *panel = routesPanel();
    QVERIFY(panel->selectRoute(QStringLiteral("payments")));
    QTest::mouseClick(panel->stepButtons().at(3), Qt::LeftButton);
    QPointer<ChangeDialog> dialog = panel->activeDialog();
    QVERIFY(dialog);
    QTest::keyClicks(dialog->reasonField(), QStringLiteral("canary"));
    QVERIFY(dialog->confirmButton()->isEnabled());

    // Someone engages the emergency rollback before this operator confirms.
    const auto engaged = m_sim->request("POST", QStringLiteral("/admin/rollback"), Role::Operator, R"({"reason":"5xx spike"})",
                                        {{"If-Match", '"' + m_sim->version(QStringLiteral("rollback")) + '"'},
                                         {"Idempotency-Key", "test-rollback-1"}});
    QCOMPARE(engaged.status, 200);
    // The dialog's confirm is sent before the board has noticed: the gateway's 409 is explained.
    QTest::mouseClick(dialog->confirmButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog || dialog->phase() == ChangeDialog::Phase::Failed, 10000);
    QVERIFY2(dialog, "the dialog closed: the change went through");
    // (The gateway answers 412, since engaging gave every route a new version; the console finds out why.)
    QVERIFY2(dialog->statusText().startsWith(QStringLiteral("The emergency rollback was engaged after you read the route")),
             qPrintable(dialog->statusText()));
    QVERIFY2(dialog->statusText().contains(QStringLiteral("refused until it is released. Nothing was changed.")),
             qPrintable(dialog->statusText()));
    dialog->close();

    // Then the board shows it, and the route controls say why they are closed.
    QTRY_VERIFY_WITH_TIMEOUT(m_session->routes()->rollbackEngaged(), 5000);
    QVERIFY(!panel->changeButton()->isEnabled());
    QVERIFY2(panel->changeButton()->toolTip().contains(QStringLiteral("emergency rollback is engaged")),
             qPrintable(panel->changeButton()->toolTip()));
    QVERIFY(m_session->routes()->index(0, RoutesModel::ConfiguredColumn).data().toString().contains(QStringLiteral("rollback")));
    QCOMPARE(m_sim->get(QStringLiteral("/admin/routes/payments")).json()["microservice_percent"].get<int>(), 0);
}

void TestRoutesPanel::shortcutsRaiseThePanels()
{
    m_session = std::make_unique<AppSession>(m_settings.get());
    MainWindow *window = m_session->window();
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window));
    QDockWidget *routes = window->dock(QStringLiteral("routesPanel"));
    QDockWidget *flags = window->dock(QStringLiteral("flagsPanel"));
    QVERIFY(routes && flags);
    QTest::keyClick(window, Qt::Key_6, Qt::ControlModifier);
    QTRY_VERIFY(!flags->visibleRegion().isEmpty());
    QTest::keyClick(window, Qt::Key_5, Qt::ControlModifier);
    QTRY_VERIFY(!routes->visibleRegion().isEmpty());
    QVERIFY(flags->visibleRegion().isEmpty()); // they share the bottom area as tabs
    // Not connected yet: nothing to change, and the panel says so.
    auto *panel = qobject_cast<RoutesPanel *>(routes->widget());
    QVERIFY(panel->headerText().contains(QStringLiteral("not connected")));
    QVERIFY(!panel->changeButton()->isEnabled());
    QVERIFY2(panel->changeButton()->toolTip().contains(QStringLiteral("locked")), qPrintable(panel->changeButton()->toolTip()));
}

void TestRoutesPanel::pickingARouteDrivesChartsAndLogs()
{
    connectAs(Role::Viewer); // looking needs no rights
    RoutesPanel *panel = routesPanel();
    QVERIFY(panel->selectRoute(QStringLiteral("payments")));
    const MetricGroup picked = m_session->state()->selection();
    QCOMPARE(picked.scope, MetricGroup::Scope::Route);
    QCOMPARE(picked.name, QStringLiteral("payments"));
    auto *charts = m_session->window()->findChild<ChartsPanel *>();
    QVERIFY(charts);
    QVERIFY(charts->latencyChart()->title().contains(QLatin1String("p95")));
    // The log filter narrows to the service behind the route.
    auto *service = m_session->window()->findChild<QComboBox *>(QStringLiteral("serviceFilter"));
    QVERIFY(service);
    QCOMPARE(service->currentText(), QStringLiteral("payment-service"));
}

QTEST_MAIN(TestRoutesPanel)
#include "tst_routespanel.moc"
