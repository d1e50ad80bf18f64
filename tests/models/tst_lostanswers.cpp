// The console's own flows when the gateway's answers are lost: the RollbackController and the
// route/flag ConfigActions against a real cutover-sim behind a fault-injecting proxy
// (tests/support/faultproxy.h). They report what the gateway has, never "failed" for a change
// that took effect.
#include "client/httpadminclient.h"
#include "client/poller.h"
#include "models/auditlog.h"
#include "models/boardstate.h"
#include "models/configactions.h"
#include "models/identitymodel.h"
#include "models/flagsmodel.h"
#include "models/routesmodel.h"
#include "models/recoverystore.h"
#include "models/rollbackcontroller.h"
#include "tests/support/faultproxy.h"
#include "tests/support/simfixture.h"

#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTest>

using namespace cutover;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;
using cutover::test::FaultProxy;
using cutover::test::SimFixture;
using Json = nlohmann::json;
using Fault = FaultProxy::Fault;

class TestLostAnswers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void engageWhoseAnswersAreCutIsConfirmed();
    void releaseWithUnreadableAnswersIsConfirmed();
    void droppedEngageEndsWhenTheBackendsBudgetIsSpent();
    void sickGatewayIsSentTheRequestByTheBackendAlone();
    void droppedEngageIsTriedUntilCancelled();
    void routeChangeWithCutAnswerIsApplied();
    void flagChangeWithCutAnswerIsApplied();
    void routeChangeWhoseRequestIsDroppedIsNotApplied();

private:
    // Audit entries of `action` written since init().
    QList<Json> audit(const char *action);

    SimFixture m_sim;
    std::unique_ptr<FaultProxy> m_proxy;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    std::unique_ptr<HttpAdminClient> m_client;
    std::unique_ptr<Poller> m_poller;
    // The models as the console's wiring (AppSession) makes and connects them.
    std::unique_ptr<BoardState> m_board;
    std::unique_ptr<IdentityModel> m_identity;
    std::unique_ptr<AuditLog> m_audit;
    std::unique_ptr<RoutesModel> m_routes;
    std::unique_ptr<FlagsModel> m_flags;
    std::unique_ptr<ConfigActions> m_actions;
    std::unique_ptr<RecoveryStore> m_recoveries;
    std::unique_ptr<RollbackController> m_rollback;
    qint64 m_auditMark = 0;
};

void TestLostAnswers::initTestCase()
{
    QVERIFY2(m_sim.start({u"--seed"_s, u"8"_s}), qPrintable(m_sim.error()));
}

void TestLostAnswers::init()
{
    m_auditMark = m_sim.get(u"/admin/audit?after=0&limit=1"_s).json()["latest_id"].get<qint64>();
    m_proxy = std::make_unique<FaultProxy>(m_sim.url());
    QVERIFY(m_proxy->start());
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_client = std::make_unique<HttpAdminClient>(m_nam.get(), HttpEndpoint {m_proxy->url(), m_sim.token(Role::Operator), {}, 5s});
    // A short retry budget for the backend's action (the one layer that resends): it then decides
    // from what the gateway has.
    m_client->setActionRetry(RetryPolicy {3, 100ms, 400ms});
    m_poller = std::make_unique<Poller>(m_client.get());
    m_board = std::make_unique<BoardState>();
    m_identity = std::make_unique<IdentityModel>();
    m_audit = std::make_unique<AuditLog>();
    m_routes = std::make_unique<RoutesModel>();
    m_flags = std::make_unique<FlagsModel>();
    m_actions = std::make_unique<ConfigActions>(m_routes.get(), m_flags.get(), m_identity.get());
    m_recoveries = std::make_unique<RecoveryStore>(QString()); // in memory: never the user's data folder
    m_rollback = std::make_unique<RollbackController>(m_board.get(), m_audit.get(), m_identity.get(), m_recoveries.get());
    m_board->attach(m_poller.get(), nullptr);
    connect(m_poller.get(), &Poller::routesUpdated, m_routes.get(), &RoutesModel::apply);
    connect(m_poller.get(), &Poller::routesUpdated, m_flags.get(), &FlagsModel::setRoutes);
    connect(m_poller.get(), &Poller::flagsUpdated, m_flags.get(), &FlagsModel::apply);
    connect(m_poller.get(), &Poller::flagsUpdated, m_routes.get(), &RoutesModel::setFlags);
    m_audit->attach(m_poller.get());
    m_rollback->attach(m_poller.get());
    m_actions->attach(m_poller.get());
    m_identity->setIdentity(WhoAmI {u"demo-operator"_s, Role::Operator});
    m_poller->start();
    QTRY_VERIFY_WITH_TIMEOUT(m_rollback->hasState() && m_routes->hasData() && m_flags->hasData(), 10000);
}

void TestLostAnswers::cleanup()
{
    m_rollback.reset();
    m_recoveries.reset();
    m_actions.reset();
    m_flags.reset();
    m_routes.reset();
    m_audit.reset();
    m_identity.reset();
    m_board.reset();
    m_poller.reset();
    m_client.reset();
    m_nam.reset();
    m_proxy.reset();
    QVERIFY2(m_sim.releaseRollbackIfEngaged(), qPrintable(m_sim.error()));
}

QList<Json> TestLostAnswers::audit(const char *action)
{
    QList<Json> out;
    const Json page = m_sim.get(u"/admin/audit?after=%1&limit=1000"_s.arg(m_auditMark)).json();
    for (const Json &e : page["entries"])
        if (e["action"] == action)
            out.append(e);
    return out;
}

void TestLostAnswers::engageWhoseAnswersAreCutIsConfirmed()
{
    RollbackController *c = m_rollback.get();
    QVERIFY2(c->blockedReason().isEmpty(), qPrintable(c->blockedReason()));
    m_proxy->addRule({"POST", u"/admin/rollback"_s, Fault::CutBody}); // every answer, replays included
    QSignalSpy finished(c, &RollbackController::actionFinished);
    QVERIFY(c->engage(u"5xx spike"_s));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 20000);
    const QString message = finished.first().at(2).toString();
    QVERIFY2(finished.first().at(1).toBool(), qPrintable(message));
    QVERIFY2(message.contains(u"engaged"_s) && message.contains(u"answer was lost"_s), qPrintable(message));
    QVERIFY(c->isEngaged());
    QVERIFY(m_sim.get(u"/admin/rollback"_s).json()["engaged"].get<bool>());
    const QList<Json> engages = audit("rollback.engage");
    QCOMPARE(engages.size(), 1);
    QCOMPARE(QByteArray::fromStdString(engages.first()["idempotency_key"].get<std::string>()), c->idempotencyKey());
    QVERIFY(m_proxy->seen("POST", u"/admin/rollback"_s) >= 2);
}

void TestLostAnswers::releaseWithUnreadableAnswersIsConfirmed()
{
    RollbackController *c = m_rollback.get();
    QSignalSpy finished(c, &RollbackController::actionFinished);
    QVERIFY(c->engage(u"drill"_s));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    QVERIFY(finished.first().at(1).toBool());
    m_proxy->addRule({"POST", u"/admin/rollback/release"_s, Fault::BadJson});
    QTRY_VERIFY_WITH_TIMEOUT(c->blockedReason().isEmpty(), 10000);
    QVERIFY(c->release(u"hotfix out"_s, false));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 20000);
    const QString message = finished.at(1).at(2).toString();
    QVERIFY2(finished.at(1).at(1).toBool(), qPrintable(message));
    QVERIFY2(message.contains(u"released"_s), qPrintable(message));
    QVERIFY(!m_sim.get(u"/admin/rollback"_s).json()["engaged"].get<bool>());
    QCOMPARE(audit("rollback.release").size(), 1);
}

void TestLostAnswers::droppedEngageEndsWhenTheBackendsBudgetIsSpent()
{
    // Every engage is dropped before the gateway sees it. The backend's action is the one layer
    // that resends: it spends its budget (3 tries) with the one key, reads the rollback back once
    // (not applied), and that ends the operator's action. Nothing sends it again on top.
    RollbackController *c = m_rollback.get();
    m_poller->setEnabled(Source::Rollback, false); // only the action reads the rollback now
    m_proxy->addRule({"POST", u"/admin/rollback"_s, Fault::DropRequest});
    QSignalSpy finished(c, &RollbackController::actionFinished);
    const int readsBefore = m_proxy->seen("GET", u"/admin/rollback"_s);
    QVERIFY(c->engage(u"5xx spike"_s));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    const QString message = finished.first().at(2).toString();
    QVERIFY2(!finished.first().at(1).toBool(), qPrintable(message));
    QVERIFY2(message.contains(u"not applied"_s), qPrintable(message));
    QCOMPARE(c->sends(), m_client->actionRetry().attempts);
    // (Qt itself may send a copy again when the connection is reset before any answer.)
    const int posts = m_proxy->seen("POST", u"/admin/rollback"_s);
    QVERIFY2(posts >= c->sends() && posts <= 2 * c->sends(), qPrintable(QString::number(posts)));
    QCOMPARE(m_proxy->seen("GET", u"/admin/rollback"_s) - readsBefore, 1);
    QVERIFY(!m_sim.get(u"/admin/rollback"_s).json()["engaged"].get<bool>());
    QCOMPARE(audit("rollback.engage").size(), 0);
}

void TestLostAnswers::sickGatewayIsSentTheRequestByTheBackendAlone()
{
    // Three 503s, as many as the backend's budget: its action tries three times and that is the
    // end. The gateway sees exactly the backend's tries; a layer above resending would find the
    // gateway well again and engage.
    RollbackController *c = m_rollback.get();
    m_poller->setEnabled(Source::Rollback, false);
    QTRY_VERIFY(!m_poller->state(Source::Rollback).inFlight); // no read of the rollback takes a 503
    QCOMPARE(m_client->actionRetry().attempts, 3);
    QCOMPARE(m_sim.request("POST", u"/sim/chaos"_s, Role::Admin, R"({"fail_status": 503, "path": "/admin/rollback", "count": 3})")
                 .status,
             200);
    QSignalSpy finished(c, &RollbackController::actionFinished);
    QVERIFY(c->engage(u"5xx spike"_s));
    QTRY_VERIFY_WITH_TIMEOUT(c->progressText().startsWith(u"No confirmation yet"_s), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    const QString message = finished.first().at(2).toString();
    QVERIFY2(!finished.first().at(1).toBool() && message.startsWith(u"The engage failed"_s) && message.contains(u"503"_s),
             qPrintable(message));
    QCOMPARE(c->sends(), 3);
    QCOMPARE(m_proxy->seen("POST", u"/admin/rollback"_s), 3);
    QCOMPARE(audit("rollback.engage").size(), 0);
}

void TestLostAnswers::droppedEngageIsTriedUntilCancelled()
{
    // The console's policy: no end to the tries. The backend reads the rollback back after every
    // HttpAdminClient::kReadBackEvery lost answers, and the controller says what it found; every copy
    // the gateway gets is one try of the backend's one action, until the operator cancels.
    m_client->setActionRetry(RetryPolicy::untilCancelled(10ms, 20ms));
    RollbackController *c = m_rollback.get();
    m_poller->setEnabled(Source::Rollback, false);
    m_proxy->addRule({"POST", u"/admin/rollback"_s, Fault::DropRequest});
    QSignalSpy finished(c, &RollbackController::actionFinished);
    const int readsBefore = m_proxy->seen("GET", u"/admin/rollback"_s);
    QVERIFY(c->engage(u"5xx spike"_s));
    QTRY_VERIFY_WITH_TIMEOUT(c->progressText().startsWith(u"Not applied yet"_s), 10000);
    QVERIFY2(c->progressText().contains(u"sending the same request again (key %1"_s.arg(QString::fromLatin1(c->idempotencyKey().left(8)))),
             qPrintable(c->progressText()));
    QVERIFY(c->sends() >= HttpAdminClient::kReadBackEvery);
    // Still going past where a finite budget would have ended.
    QTRY_VERIFY_WITH_TIMEOUT(c->sends() > 2 * HttpAdminClient::kReadBackEvery, 10000);
    QCOMPARE(finished.size(), 0);
    c->cancel();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    const QString message = finished.first().at(2).toString();
    QVERIFY2(!finished.first().at(1).toBool() && message.startsWith(u"Cancelled"_s), qPrintable(message));
    const int posts = m_proxy->seen("POST", u"/admin/rollback"_s); // (Qt's own copies, as above)
    QVERIFY2(posts >= c->sends() && posts <= 2 * c->sends(), qPrintable(QString::number(posts)));
    QCOMPARE(m_proxy->seen("GET", u"/admin/rollback"_s) - readsBefore, c->sends() / HttpAdminClient::kReadBackEvery);
    QVERIFY(!m_sim.get(u"/admin/rollback"_s).json()["engaged"].get<bool>());
    QCOMPARE(audit("rollback.engage").size(), 0);
}

void TestLostAnswers::routeChangeWithCutAnswerIsApplied()
{
    const std::optional<Route> found = m_routes->find(u"payments"_s);
    QVERIFY(found);
    const Route seen = *found;
    const int percent = seen.microservicePercent == 35 ? 40 : 35;
    m_proxy->addRule({"PUT", u"/admin/routes/payments"_s, Fault::CutBody});
    QSignalSpy finished(m_actions.get(), &ConfigActions::finished);
    m_actions.get()->changeRoute(seen, percent, u"widen"_s);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    const auto outcome = finished.first().at(1).value<ChangeOutcome>();
    QVERIFY2(outcome.kind == ChangeOutcome::Kind::Applied, qPrintable(outcome.explanation));
    QCOMPARE(m_sim.get(u"/admin/routes/payments"_s).json()["microservice_percent"].get<int>(), percent);
    QCOMPARE(audit("route.update").size(), 1);
}

void TestLostAnswers::flagChangeWithCutAnswerIsApplied()
{
    const std::optional<Flag> seen = m_flags->find(u"use_payment_microservice"_s);
    QVERIFY(seen);
    FlagChange change {!seen->enabled, 10, seen->allowUsers, std::nullopt};
    m_proxy->addRule({"PUT", u"/admin/flags/use_payment_microservice"_s, Fault::CutBody});
    QSignalSpy finished(m_actions.get(), &ConfigActions::finished);
    m_actions.get()->changeFlag(*seen, change, u"beta"_s);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    const auto outcome = finished.first().at(1).value<ChangeOutcome>();
    QVERIFY2(outcome.kind == ChangeOutcome::Kind::Applied, qPrintable(outcome.explanation));
    QCOMPARE(m_sim.get(u"/admin/flags/use_payment_microservice"_s).json()["enabled"].get<bool>(), !seen->enabled);
    QCOMPARE(audit("flag.update").size(), 1);
}

void TestLostAnswers::routeChangeWhoseRequestIsDroppedIsNotApplied()
{
    // Every copy of the PUT is dropped before the gateway sees it: the route read back (the
    // runner's resolve step) shows it unchanged, and the operator is told so, not "failed".
    const std::optional<Route> found = m_routes->find(u"payments"_s);
    QVERIFY(found);
    const Route seen = *found;
    const int percent = seen.microservicePercent == 35 ? 40 : 35;
    m_proxy->addRule({"PUT", u"/admin/routes/payments"_s, Fault::DropRequest});
    QSignalSpy finished(m_actions.get(), &ConfigActions::finished);
    m_actions.get()->changeRoute(seen, percent, u"widen"_s);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    const auto outcome = finished.first().at(1).value<ChangeOutcome>();
    QVERIFY2(outcome.kind == ChangeOutcome::Kind::Refused, qPrintable(outcome.explanation));
    QVERIFY2(outcome.explanation.contains(u"has not applied the change"_s)
                 && outcome.explanation.contains(u"version %1"_s.arg(seen.version)),
             qPrintable(outcome.explanation));
    QVERIFY(outcome.error); // the try's own error, as it came
    QCOMPARE(m_routes->change(seen.id).message, u"no answer, not applied"_s);
    QCOMPARE(m_sim.get(u"/admin/routes/payments"_s).json()["microservice_percent"].get<int>(), seen.microservicePercent);
    QCOMPARE(audit("route.update").size(), 0);
}

QTEST_GUILESS_MAIN(TestLostAnswers)
#include "tst_lostanswers.moc"
