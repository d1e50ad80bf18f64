// The one action layer (client/actionrunner.h): one idempotency key for every try, a jittered and
// capped backoff, the deadline, cancellation (a confirmation still wins), and an answer that was
// lost resolved by reading the gateway's state, never guessed. Where a peer is needed it is a
// real cutover-sim behind tests/support/faultproxy, which cuts answers or drops requests.
#include "client/actionrunner.h"
#include "client/httpadminclient.h"
#include "client/readback.h"
#include "tests/support/faultproxy.h"
#include "tests/support/simfixture.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <optional>

using namespace cutover;
using namespace std::chrono_literals;
using namespace Qt::StringLiterals;
using cutover::test::FaultProxy;
using cutover::test::SimFixture;
using Fault = FaultProxy::Fault;

namespace {

ApiError lostAnswer()
{
    ApiError e;
    e.kind = ApiError::Kind::Unreachable;
    e.endpoint = u"POST /x"_s;
    e.message = u"connection reset"_s;
    e.answerLost = true;
    return e;
}

ApiError refused(ApiError::Kind kind)
{
    ApiError e;
    e.kind = kind;
    e.endpoint = u"POST /x"_s;
    e.message = u"no"_s;
    return e;
}

} // namespace

class TestActionRunner : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void backoffIsJitteredDoubledAndCapped();
    void transientFailuresAreTriedAgainUpToTheBudget();
    void refusalEndsAtOnce();
    void deadlineLeavesNoTimeForAnotherTry();
    void cancelWhileWaitingEndsAtOnce();
    void confirmationWinsOverALateCancel();
    void destroyedRunnerNeverCallsBack();
    void unknownOutcomeIsNeverGuessed();
    void resetAnswersAreRetriedWithTheSameKeyAndAppliedOnce();
    void lostAnswerIsResolvedByReadingTheState();
    void droppedRequestsReadBackAsNotApplied();
    void cancelAfterALostAnswerReadsTheStateBack();
    void routeChangeWithLostAnswerIsDecidedByReadingBack();
    void droppedRouteChangeReadsBackAsNotApplied();
    void flagChangeWithUnreadableAnswerIsDecidedByReadingBack();
    void rollbackActionSendsAgainThenReadsBack();
    void rollbackActionWithOneUnreadableAnswerGetsTheReplay();
    void untilCancelledHasNoEndButTheCancel();
    void rollbackActionReportsItsSteps();
    void untilCancelledReadsBackAfterEveryFewLostAnswers();

private:
    ActionRequest engageRequest(const QString &reason);
    int engagesWithKey(const QByteArray &key);

    SimFixture m_sim;
    std::unique_ptr<FaultProxy> m_proxy;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    std::unique_ptr<HttpAdminClient> m_client;
};

void TestActionRunner::initTestCase()
{
    QVERIFY2(m_sim.start({u"--manual-clock"_s}), qPrintable(m_sim.error()));
}

void TestActionRunner::init()
{
    m_proxy = std::make_unique<FaultProxy>(m_sim.url());
    QVERIFY(m_proxy->start());
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_client = std::make_unique<HttpAdminClient>(m_nam.get(), HttpEndpoint {m_proxy->url(), m_sim.token(Role::Operator), {}, 5s});
    m_client->setActionRetry(RetryPolicy {4, 20ms, 40ms});
}

void TestActionRunner::cleanup()
{
    m_client.reset();
    m_nam.reset();
    m_proxy.reset();
    QVERIFY2(m_sim.releaseRollbackIfEngaged(), qPrintable(m_sim.error()));
}

ActionRequest TestActionRunner::engageRequest(const QString &reason)
{
    return ActionRequest {QString::fromLatin1(m_sim.version(u"rollback"_s)), reason, ActionRequest::newIdempotencyKey()};
}

int TestActionRunner::engagesWithKey(const QByteArray &key)
{
    int n = 0;
    const auto page = m_sim.get(u"/admin/audit?limit=1000"_s).json();
    for (const auto &e : page["entries"])
        n += e["action"] == "rollback.engage" && e["idempotency_key"] == key.toStdString();
    return n;
}

void TestActionRunner::backoffIsJitteredDoubledAndCapped()
{
    const RetryPolicy p {5, 100ms, 1000ms};
    QCOMPARE(p.backoff(0, [] { return 0.5; }), 100ms);
    QCOMPARE(p.backoff(1, [] { return 0.5; }), 200ms);
    QCOMPARE(p.backoff(3, [] { return 0.5; }), 800ms);
    QCOMPARE(p.backoff(4, [] { return 0.5; }), 1000ms); // capped before the jitter
    QCOMPARE(p.backoff(0, [] { return 0.0; }), 50ms);   // jitter: 0.5 … 1.5
    QCOMPARE(p.backoff(60, [] { return 0.0; }), 500ms); // no overflow far out
    for (int i = 0; i < 200; ++i) {
        const auto d = p.backoff(1);
        QVERIFY(d >= 100ms && d <= 300ms);
    }
}

void TestActionRunner::transientFailuresAreTriedAgainUpToTheBudget()
{
    ActionRunner runner;
    QSignalSpy progress(&runner, &ActionRunner::progress);
    QList<ActionTry> tries;
    std::optional<Result<int>> out;
    runner.run<int>({u"POST /x"_s, u"the gateway"_s, RetryPolicy {3, 1ms, 2ms}, QDeadlineTimer(QDeadlineTimer::Forever),
                     [&](const ActionTry &t, ActionRunner::Done<int> done) {
                         tries.append(t);
                         done(refused(ApiError::Kind::Server));
                     }},
                    [&](Result<int> r) { out = r; });
    QVERIFY(tries.isEmpty()); // started on the next turn: the caller has the id first
    QTRY_VERIFY(out.has_value());
    QCOMPARE(tries.size(), 3);
    QCOMPARE(tries.at(2).number, 2);
    QCOMPARE(tries.at(2).of, 3);
    QCOMPARE(out->error().kind, ApiError::Kind::Server);
    QCOMPARE(progress.size(), 2);
    QVERIFY2(progress.at(1).at(0).toString().contains(u"sending it again"_s)
                 && progress.at(1).at(0).toString().contains(u"try 3 of 3"_s),
             qPrintable(progress.at(1).at(0).toString()));

    // The second try answers: that is the result.
    int n = 0;
    out.reset();
    runner.run<int>({u"POST /x"_s, u"the gateway"_s, RetryPolicy {3, 1ms, 2ms}, QDeadlineTimer(QDeadlineTimer::Forever),
                     [&](const ActionTry &, ActionRunner::Done<int> done) {
                         if (n++ == 0)
                             return done(refused(ApiError::Kind::Timeout));
                         done(42);
                     }},
                    [&](Result<int> r) { out = r; });
    QTRY_VERIFY(out.has_value());
    QVERIFY(out->ok());
    QCOMPARE(out->value(), 42);
}

void TestActionRunner::refusalEndsAtOnce()
{
    ActionRunner runner;
    int tries = 0;
    std::optional<Result<int>> out;
    runner.run<int>({u"POST /x"_s, u"the gateway"_s, RetryPolicy {5, 1ms, 2ms}, QDeadlineTimer(QDeadlineTimer::Forever),
                     [&](const ActionTry &, ActionRunner::Done<int> done) {
                         ++tries;
                         done(refused(ApiError::Kind::Forbidden));
                     }},
                    [&](Result<int> r) { out = r; });
    QTRY_VERIFY(out.has_value());
    QCOMPARE(tries, 1);
    QCOMPARE(out->error().kind, ApiError::Kind::Forbidden);
}

void TestActionRunner::deadlineLeavesNoTimeForAnotherTry()
{
    ActionRunner runner;
    runner.setRandom([] { return 0.5; });
    int tries = 0;
    std::optional<Result<int>> out;
    // Each wait is 10 s: the 5 s deadline leaves no time for even one.
    runner.run<int>({u"POST /x"_s, u"the gateway"_s, RetryPolicy {10, 10000ms, 10000ms}, QDeadlineTimer(5000ms),
                     [&](const ActionTry &, ActionRunner::Done<int> done) {
                         ++tries;
                         done(refused(ApiError::Kind::Unreachable));
                     }},
                    [&](Result<int> r) { out = r; });
    QTRY_VERIFY(out.has_value());
    QCOMPARE(tries, 1);
    QVERIFY2(out->error().message.contains(u"deadline leaves no time"_s), qPrintable(out->error().message));

    // A deadline that has passed: nothing is sent.
    out.reset();
    tries = 0;
    runner.run<int>({u"POST /x"_s, u"the gateway"_s, RetryPolicy {3, 1ms, 1ms}, QDeadlineTimer(0ms),
                     [&](const ActionTry &, ActionRunner::Done<int> done) {
                         ++tries;
                         done(1);
                     }},
                    [&](Result<int> r) { out = r; });
    QTRY_VERIFY(out.has_value());
    QCOMPARE(tries, 0);
    QCOMPARE(out->error().kind, ApiError::Kind::Timeout);
}

void TestActionRunner::cancelWhileWaitingEndsAtOnce()
{
    ActionRunner runner;
    int tries = 0;
    std::optional<Result<int>> out;
    const quint64 id = runner.run<int>({u"POST /x"_s, u"the gateway"_s, RetryPolicy {5, 60000ms, 60000ms},
                                        QDeadlineTimer(QDeadlineTimer::Forever),
                                        [&](const ActionTry &, ActionRunner::Done<int> done) {
                                            ++tries;
                                            done(refused(ApiError::Kind::Server));
                                        }},
                                       [&](Result<int> r) { out = r; });
    QTRY_COMPARE(tries, 1);
    QVERIFY(runner.isRunning(id));
    runner.cancel(id); // waiting a minute for the next try: ends now
    QVERIFY(out.has_value());
    QCOMPARE(out->error().kind, ApiError::Kind::Cancelled);
    QVERIFY2(out->error().message.contains(u"the gateway had not confirmed it"_s), qPrintable(out->error().message));
    QVERIFY(!runner.isRunning(id));
    QCOMPARE(tries, 1);
}

void TestActionRunner::confirmationWinsOverALateCancel()
{
    ActionRunner runner;
    ActionRunner::Done<int> pending;
    std::optional<Result<int>> out;
    const quint64 id = runner.run<int>({u"POST /x"_s, u"the gateway"_s, RetryPolicy {5, 1ms, 1ms},
                                        QDeadlineTimer(QDeadlineTimer::Forever),
                                        [&](const ActionTry &, ActionRunner::Done<int> done) { pending = done; }},
                                       [&](Result<int> r) { out = r; });
    QTRY_VERIFY(bool(pending));
    runner.cancel(id);
    QVERIFY(!out.has_value()); // the try on the wire is waited for
    pending(7);
    QVERIFY(out.has_value());
    QVERIFY(out->ok());
    QCOMPARE(out->value(), 7);

    // The try on the wire fails: cancelled, with the reason.
    pending = {};
    out.reset();
    const quint64 id2 = runner.run<int>({u"POST /x"_s, u"HAProxy"_s, RetryPolicy {5, 1ms, 1ms},
                                         QDeadlineTimer(QDeadlineTimer::Forever),
                                         [&](const ActionTry &, ActionRunner::Done<int> done) { pending = done; }},
                                        [&](Result<int> r) { out = r; });
    QTRY_VERIFY(bool(pending));
    runner.cancel(id2);
    pending(refused(ApiError::Kind::Unreachable));
    QVERIFY(out.has_value());
    QCOMPARE(out->error().kind, ApiError::Kind::Cancelled);
    QVERIFY2(out->error().message.contains(u"HAProxy had not confirmed it (no)"_s), qPrintable(out->error().message));
}

void TestActionRunner::destroyedRunnerNeverCallsBack()
{
    auto runner = std::make_unique<ActionRunner>();
    ActionRunner::Done<int> pending;
    int calls = 0;
    runner->run<int>({u"POST /x"_s, u"the gateway"_s, RetryPolicy {5, 1ms, 1ms}, QDeadlineTimer(QDeadlineTimer::Forever),
                      [&](const ActionTry &, ActionRunner::Done<int> done) { pending = done; }},
                     [&](Result<int>) { ++calls; });
    QTRY_VERIFY(bool(pending));
    runner.reset();
    pending(1);
    QCoreApplication::processEvents();
    QCOMPARE(calls, 0);
}

void TestActionRunner::unknownOutcomeIsNeverGuessed()
{
    // Every answer lost, and reading back cannot tell: neither a success nor a plain failure.
    ActionRunner runner;
    int tries = 0, reads = 0;
    std::optional<Result<int>> out;
    ActionRunner::Spec<int> spec {u"POST /x"_s, u"the gateway"_s, RetryPolicy {3, 1ms, 1ms},
                                  QDeadlineTimer(QDeadlineTimer::Forever),
                                  [&](const ActionTry &t, ActionRunner::Done<int> done) {
                                      QCOMPARE(t.afterLostAnswer, t.number > 0);
                                      ++tries;
                                      done(lostAnswer());
                                  }};
    spec.resolve = [&](std::function<void(ActionResolution<int>)> report) {
        ++reads;
        report({std::nullopt, false, u"the state could not be read"_s});
    };
    runner.run<int>(spec, [&](Result<int> r) { out = r; });
    QTRY_VERIFY(out.has_value());
    QCOMPARE(tries, 3);
    QCOMPARE(reads, 3); // before each further try, and once more when none is left
    QVERIFY(!out->ok());
    QVERIFY(out->error().answerLost);
    QVERIFY2(out->error().message.contains(u"could not tell"_s), qPrintable(out->error().message));

    // Without a resolve step the lost answer is reported as it is: still not a failure.
    out.reset();
    spec.resolve = {};
    runner.run<int>(spec, [&](Result<int> r) { out = r; });
    QTRY_VERIFY(out.has_value());
    QVERIFY(out->error().answerLost);
}

void TestActionRunner::resetAnswersAreRetriedWithTheSameKeyAndAppliedOnce()
{
    // The gateway applies the engage, the answer is reset, twice: the third copy (same key) gets
    // the replayed answer, and the audit log has one engage.
    m_proxy->addRule({"POST", u"/admin/rollback"_s, Fault::ResetAnswer, 2});
    QSignalSpy progress(m_client.get(), &HttpAdminClient::progress);
    const ActionRequest request = engageRequest(u"runner: reset answers"_s);
    std::optional<Result<RollbackState>> out;
    m_client->engageRollback(request, [&](Result<RollbackState> r) { out = r; });
    QTRY_VERIFY_WITH_TIMEOUT(out.has_value(), 20000);
    QVERIFY2(out->ok(), qPrintable(out->ok() ? QString() : out->error().describe()));
    QVERIFY(out->value().engaged);
    // (Qt's network stack may itself resend once on a reset connection.)
    QVERIFY(m_proxy->seen("POST", u"/admin/rollback"_s) >= 2);
    QCOMPARE(engagesWithKey(request.idempotencyKey), 1);
    QVERIFY(!progress.isEmpty());
}

void TestActionRunner::lostAnswerIsResolvedByReadingTheState()
{
    // Every answer is cut: the replays too. The runner's resolve step (the gateway's rollback
    // state and its audit entry with the key) decides that it was applied.
    m_proxy->addRule({"POST", u"/admin/rollback"_s, Fault::CutBody});
    m_client->setActionRetry(RetryPolicy {1, 1ms, 1ms}); // the client's own runner gives up at once
    const ActionRequest request = engageRequest(u"runner: cut answers"_s);
    ActionRunner runner;
    int tries = 0;
    QString evidence;
    ActionRunner::Spec<RollbackState> spec {u"rollback.engage"_s, u"the gateway"_s, RetryPolicy {3, 10ms, 20ms},
                                            QDeadlineTimer(QDeadlineTimer::Forever),
                                            [&](const ActionTry &, ActionRunner::Done<RollbackState> done) {
                                                ++tries;
                                                m_client->engageRollback(request, done);
                                            }};
    spec.resolve = [&](std::function<void(ActionResolution<RollbackState>)> report) {
        readBackRollback(m_client.get(), request, true, [&, report](RollbackReadBack read) {
            evidence = read.evidence;
            if (read.verdict == ReadBack::Verdict::Applied && read.state)
                return report({Result<RollbackState>(*read.state), false, read.evidence});
            report({std::nullopt, read.verdict == ReadBack::Verdict::NotApplied, read.evidence});
        });
    };
    std::optional<Result<RollbackState>> out;
    runner.run(spec, ActionRunner::Done<RollbackState>([&](Result<RollbackState> r) { out = r; }));
    QTRY_VERIFY_WITH_TIMEOUT(out.has_value(), 20000);
    QVERIFY2(out->ok(), qPrintable(out->ok() ? QString() : out->error().describe()));
    QVERIFY(out->value().engaged);
    QCOMPARE(tries, 1); // the state decided: nothing more was sent
    QVERIFY2(!evidence.isEmpty(), "the resolve step ran");
    QCOMPARE(engagesWithKey(request.idempotencyKey), 1);
}

void TestActionRunner::droppedRequestsReadBackAsNotApplied()
{
    // The requests never reach the gateway (the connection is reset once each has arrived): the
    // answers are lost, the state says not applied, and that is what is reported.
    m_proxy->addRule({"POST", u"/admin/rollback"_s, Fault::DropRequest});
    m_client->setActionRetry(RetryPolicy {1, 1ms, 1ms});
    const ActionRequest request = engageRequest(u"runner: dropped"_s);
    ActionRunner runner;
    int tries = 0, reads = 0;
    ActionRunner::Spec<RollbackState> spec {u"rollback.engage"_s, u"the gateway"_s, RetryPolicy {2, 10ms, 20ms},
                                            QDeadlineTimer(QDeadlineTimer::Forever),
                                            [&](const ActionTry &, ActionRunner::Done<RollbackState> done) {
                                                ++tries;
                                                m_client->engageRollback(request, done);
                                            }};
    spec.resolve = [&](std::function<void(ActionResolution<RollbackState>)> report) {
        ++reads;
        readBackRollback(m_client.get(), request, true, [report](RollbackReadBack read) {
            if (read.verdict == ReadBack::Verdict::Applied && read.state)
                return report({Result<RollbackState>(*read.state), false, read.evidence});
            report({std::nullopt, read.verdict == ReadBack::Verdict::NotApplied, read.evidence});
        });
    };
    std::optional<Result<RollbackState>> out;
    runner.run(spec, ActionRunner::Done<RollbackState>([&](Result<RollbackState> r) { out = r; }));
    QTRY_VERIFY_WITH_TIMEOUT(out.has_value(), 20000);
    QVERIFY(!out->ok());
    QVERIFY(!out->error().answerLost); // known: not applied
    QVERIFY2(out->error().message.contains(u"not applied"_s), qPrintable(out->error().message));
    QCOMPARE(tries, 2);
    QCOMPARE(reads, 2);
    QVERIFY(!m_sim.get(u"/admin/rollback"_s).json()["engaged"].get<bool>());
    QCOMPARE(engagesWithKey(request.idempotencyKey), 0);
}

void TestActionRunner::cancelAfterALostAnswerReadsTheStateBack()
{
    // Cancelled while the try is on the wire; its answer is lost but the gateway applied it: the
    // state says so, and that wins over the cancel.
    m_proxy->addRule({"POST", u"/admin/rollback"_s, Fault::ResetAnswer});
    m_client->setActionRetry(RetryPolicy {1, 1ms, 1ms});
    const ActionRequest request = engageRequest(u"runner: cancel after lost"_s);
    ActionRunner runner;
    quint64 id = 0;
    ActionRunner::Spec<RollbackState> spec {u"rollback.engage"_s, u"the gateway"_s, RetryPolicy {5, 10ms, 20ms},
                                            QDeadlineTimer(QDeadlineTimer::Forever),
                                            [&](const ActionTry &, ActionRunner::Done<RollbackState> done) {
                                                runner.cancel(id);
                                                m_client->engageRollback(request, done);
                                            }};
    spec.resolve = [&](std::function<void(ActionResolution<RollbackState>)> report) {
        readBackRollback(m_client.get(), request, true, [report](RollbackReadBack read) {
            if (read.verdict == ReadBack::Verdict::Applied && read.state)
                return report({Result<RollbackState>(*read.state), false, read.evidence});
            report({std::nullopt, read.verdict == ReadBack::Verdict::NotApplied, read.evidence});
        });
    };
    std::optional<Result<RollbackState>> out;
    id = runner.run(spec, ActionRunner::Done<RollbackState>([&](Result<RollbackState> r) { out = r; }));
    QTRY_VERIFY_WITH_TIMEOUT(out.has_value(), 20000);
    QVERIFY2(out->ok(), qPrintable(out->ok() ? QString() : out->error().describe()));
    QVERIFY(out->value().engaged);
    QCOMPARE(engagesWithKey(request.idempotencyKey), 1);
}

void TestActionRunner::routeChangeWithLostAnswerIsDecidedByReadingBack()
{
    // The PUT is applied; its answer is cut off. One try, then the route read back decides.
    const auto before = m_sim.get(u"/admin/routes/payments"_s).json();
    const int percent = before["microservice_percent"].get<int>() == 35 ? 40 : 35;
    const QString version = QString::fromStdString(before["version"].get<std::string>());
    m_proxy->addRule({"PUT", u"/admin/routes/payments"_s, Fault::CutBody});
    ActionRunner runner;
    std::optional<CheckedRoute> out;
    runRouteChange(&runner, m_client.get(), u"payments"_s, percent, version, u"runner: cut"_s,
                   [&](CheckedRoute c) { out.emplace(std::move(c)); });
    QTRY_VERIFY_WITH_TIMEOUT(out.has_value(), 20000);
    QVERIFY2(out->result.ok(), qPrintable(out->result.ok() ? QString() : out->result.error().describe()));
    QCOMPARE(out->result->microservicePercent, percent);
    QVERIFY(out->lost); // the try's own error, as it came
    QVERIFY(out->readBack && out->endedOnReadBack);
    QCOMPARE(out->readBack->verdict, ReadBack::Verdict::Applied);
    QCOMPARE(m_sim.get(u"/admin/routes/payments"_s).json()["microservice_percent"].get<int>(), percent);
}

void TestActionRunner::droppedRouteChangeReadsBackAsNotApplied()
{
    // Every copy of the PUT is dropped before the gateway sees it: read back, not applied, and
    // never sent again by the runner (If-Match changes get one try).
    const auto before = m_sim.get(u"/admin/routes/payments"_s).json();
    const int percent = before["microservice_percent"].get<int>() == 35 ? 40 : 35;
    const QString version = QString::fromStdString(before["version"].get<std::string>());
    m_proxy->addRule({"PUT", u"/admin/routes/payments"_s, Fault::DropRequest});
    ActionRunner runner;
    std::optional<CheckedRoute> out;
    runRouteChange(&runner, m_client.get(), u"payments"_s, percent, version, u"runner: dropped"_s,
                   [&](CheckedRoute c) { out.emplace(std::move(c)); });
    QTRY_VERIFY_WITH_TIMEOUT(out.has_value(), 20000);
    QVERIFY(!out->result.ok());
    QVERIFY(!out->result.error().answerLost); // known now: not applied
    QVERIFY(out->lost && out->readBack && out->endedOnReadBack);
    QCOMPARE(out->readBack->verdict, ReadBack::Verdict::NotApplied);
    QVERIFY(out->readBack->route);
    QCOMPARE(out->readBack->route->version, version);
    QVERIFY(m_sim.get(u"/admin/routes/payments"_s).json() == before);
}

void TestActionRunner::flagChangeWithUnreadableAnswerIsDecidedByReadingBack()
{
    const auto before = m_sim.get(u"/admin/flags/use_payment_microservice"_s).json();
    const QString version = QString::fromStdString(before["version"].get<std::string>());
    FlagChange change {!before["enabled"].get<bool>(), 10, {}, std::nullopt};
    for (const auto &u : before["allow_users"])
        change.allowUsers.append(QString::fromStdString(u.get<std::string>()));
    m_proxy->addRule({"PUT", u"/admin/flags/use_payment_microservice"_s, Fault::BadJson});
    ActionRunner runner;
    std::optional<CheckedFlag> out;
    runFlagChange(&runner, m_client.get(), u"use_payment_microservice"_s, change, version, u"runner: unreadable"_s,
                  [&](CheckedFlag c) { out.emplace(std::move(c)); });
    QTRY_VERIFY_WITH_TIMEOUT(out.has_value(), 20000);
    QVERIFY2(out->result.ok(), qPrintable(out->result.ok() ? QString() : out->result.error().describe()));
    QCOMPARE(out->result->enabled, change.enabled);
    QVERIFY(out->lost && out->readBack && out->endedOnReadBack);
    QCOMPARE(out->readBack->verdict, ReadBack::Verdict::Applied);
    QCOMPARE(m_proxy->seen("PUT", u"/admin/flags/use_payment_microservice"_s), 1);
}

void TestActionRunner::rollbackActionSendsAgainThenReadsBack()
{
    // Every answer is cut: the same key goes out for the whole budget (the gateway replays), and
    // then the rollback state and the audit entry with the key decide.
    m_proxy->addRule({"POST", u"/admin/rollback"_s, Fault::CutBody});
    m_client->setActionRetry(RetryPolicy {3, 10ms, 20ms});
    QSignalSpy progress(m_client.get(), &HttpAdminClient::progress);
    const ActionRequest request = engageRequest(u"client: cut answers"_s);
    std::optional<CheckedRollback> out;
    m_client->runRollbackAction(request, true, false, [&](CheckedRollback c) { out.emplace(std::move(c)); });
    QTRY_VERIFY_WITH_TIMEOUT(out.has_value(), 20000);
    QVERIFY2(out->result.ok(), qPrintable(out->result.ok() ? QString() : out->result.error().describe()));
    QVERIFY(out->result->engaged);
    QCOMPARE(m_proxy->seen("POST", u"/admin/rollback"_s), 3);
    QVERIFY(out->readBack && out->endedOnReadBack);
    QCOMPARE(out->readBack->verdict, ReadBack::Verdict::Applied);
    QVERIFY2(out->readBack->evidence.contains(u"idempotency key"_s), qPrintable(out->readBack->evidence));
    QCOMPARE(engagesWithKey(request.idempotencyKey), 1);
    QStringList lines;
    for (const auto &args : progress)
        lines.append(args.first().toString());
    QVERIFY2(lines.filter(u"sending it again"_s).size() == 2 && lines.filter(u"reading its state back"_s).size() == 1,
             qPrintable(lines.join(u'\n')));
}

void TestActionRunner::rollbackActionWithOneUnreadableAnswerGetsTheReplay()
{
    // One unreadable 2xx: the replay with the same key brings the answer; nothing is read back.
    m_proxy->addRule({"POST", u"/admin/rollback"_s, Fault::BadJson, 1});
    m_client->setActionRetry(RetryPolicy {3, 10ms, 20ms});
    const ActionRequest request = engageRequest(u"client: one unreadable"_s);
    std::optional<CheckedRollback> out;
    m_client->runRollbackAction(request, true, false, [&](CheckedRollback c) { out.emplace(std::move(c)); });
    QTRY_VERIFY_WITH_TIMEOUT(out.has_value(), 20000);
    QVERIFY2(out->result.ok(), qPrintable(out->result.ok() ? QString() : out->result.error().describe()));
    QVERIFY(out->lost);
    QVERIFY(!out->readBack);
    QCOMPARE(m_proxy->seen("POST", u"/admin/rollback"_s), 2);
    QCOMPARE(engagesWithKey(request.idempotencyKey), 1);
}

void TestActionRunner::untilCancelledHasNoEndButTheCancel()
{
    // The console's policy for the rollback: the same request again for as long as it takes; each
    // step reported with the try's number, and the progress line without a meaningless "of".
    ActionRunner runner;
    QList<ActionStep> steps;
    connect(&runner, &ActionRunner::stepped, this, [&](quint64, const ActionStep &s) { steps.append(s); });
    QSignalSpy progress(&runner, &ActionRunner::progress);
    std::optional<Result<int>> out;
    const quint64 id = runner.run<int>({u"POST /x"_s, u"the gateway"_s, RetryPolicy::untilCancelled(1ms, 2ms),
                                        QDeadlineTimer(QDeadlineTimer::Forever),
                                        [&](const ActionTry &, ActionRunner::Done<int> done) { done(refused(ApiError::Kind::Server)); }},
                                       [&](Result<int> r) { out = r; });
    QTRY_VERIFY(steps.size() >= 40);
    QVERIFY(!out);
    runner.cancel(id);
    QTRY_VERIFY(out.has_value());
    QCOMPARE(out->error().kind, ApiError::Kind::Cancelled);
    for (qsizetype i = 0; i < steps.size(); ++i) {
        const ActionStep &s = steps.at(i);
        QCOMPARE(s.kind, i % 2 == 0 ? ActionStep::Kind::Sending : ActionStep::Kind::Again);
        QCOMPARE(s.number, int(i / 2));
        QCOMPARE(s.of, RetryPolicy::kUntilCancelled);
        if (s.kind == ActionStep::Kind::Again) {
            QCOMPARE(s.error.kind, ApiError::Kind::Server);
            QVERIFY(!s.readBack);
            QVERIFY(s.wait <= 3ms); // the cap, jittered by up to 1.5
        }
    }
    const QString line = progress.at(1).at(0).toString();
    QVERIFY2(line.contains(u"(try 3)"_s) && !line.contains(u" of "_s), qPrintable(line));
}

void TestActionRunner::rollbackActionReportsItsSteps()
{
    // Two unreadable answers, then the replay: the backend reports each try and each resend of its
    // action (GatewayBackend::actionProgress, with the action's id), and nothing of its other calls.
    m_proxy->addRule({"POST", u"/admin/rollback"_s, Fault::BadJson, 2});
    GatewayBackend *backend = m_client.get();
    backend->setActionRetry(RetryPolicy {4, 10ms, 20ms});
    QCOMPARE(backend->actionRetry().attempts, 4);
    QList<QPair<quint64, ActionStep>> steps;
    connect(backend, &GatewayBackend::actionProgress, this, [&](quint64 id, const ActionStep &s) { steps.append({id, s}); });
    QSignalSpy lines(m_client.get(), &HttpAdminClient::progress);
    // A GET the runner tries again (a 503 first): not an action's step.
    QCOMPARE(m_sim.request("POST", u"/sim/chaos"_s, Role::Admin, R"({"fail_status": 503, "path": "/admin/routes", "count": 1})")
                 .status,
             200);
    std::optional<Result<RouteList>> routes;
    backend->fetchRoutes([&](Result<RouteList> r) { routes = r; });
    QTRY_VERIFY_WITH_TIMEOUT(routes.has_value(), 20000);
    QVERIFY(routes->ok());
    QVERIFY(std::any_of(lines.cbegin(), lines.cend(), [](const QList<QVariant> &l) { return l.at(0).toString().contains(u"/admin/routes"_s); }));
    QVERIFY(steps.isEmpty());
    std::optional<Result<RollbackState>> out;
    const quint64 id = backend->engageRollback(engageRequest(u"client: steps"_s), [&](Result<RollbackState> r) { out = r; });
    QTRY_VERIFY_WITH_TIMEOUT(out.has_value(), 20000);
    QVERIFY2(out->ok(), qPrintable(out->ok() ? QString() : out->error().describe()));
    QCOMPARE(steps.size(), 5);
    for (qsizetype i = 0; i < steps.size(); ++i) {
        const auto &[stepId, s] = steps.at(i);
        QCOMPARE(stepId, id);
        QCOMPARE(s.kind, i % 2 == 0 ? ActionStep::Kind::Sending : ActionStep::Kind::Again);
        QCOMPARE(s.number, int(i / 2));
        QCOMPARE(s.of, 4);
        if (s.kind == ActionStep::Kind::Again) {
            QVERIFY(s.error.answerLost);
            QVERIFY(!s.readBack); // the same key first: the replay brings the answer
            QVERIFY2(s.line.contains(u"sending it again"_s), qPrintable(s.line));
        }
    }
    QCOMPARE(m_proxy->seen("POST", u"/admin/rollback"_s), 3);
}

void TestActionRunner::untilCancelledReadsBackAfterEveryFewLostAnswers()
{
    // Every answer is cut and the policy has no end: the backend does not wait for a last try that
    // never comes; after kReadBackEvery lost answers the rollback state and the audit entry with the
    // key decide.
    m_proxy->addRule({"POST", u"/admin/rollback"_s, Fault::CutBody});
    m_client->setActionRetry(RetryPolicy::untilCancelled(5ms, 10ms));
    QSignalSpy progress(m_client.get(), &HttpAdminClient::progress);
    const ActionRequest request = engageRequest(u"client: until cancelled"_s);
    std::optional<CheckedRollback> out;
    m_client->runRollbackAction(request, true, false, [&](CheckedRollback c) { out.emplace(std::move(c)); });
    QTRY_VERIFY_WITH_TIMEOUT(out.has_value(), 20000);
    QVERIFY2(out->result.ok(), qPrintable(out->result.ok() ? QString() : out->result.error().describe()));
    QVERIFY(out->result->engaged);
    QCOMPARE(m_proxy->seen("POST", u"/admin/rollback"_s), HttpAdminClient::kReadBackEvery);
    QVERIFY(out->readBack && out->endedOnReadBack);
    QCOMPARE(out->readBack->verdict, ReadBack::Verdict::Applied);
    QCOMPARE(engagesWithKey(request.idempotencyKey), 1);
    QStringList lines;
    for (const auto &args : progress)
        lines.append(args.first().toString());
    QVERIFY2(lines.filter(u"reading its state back"_s).size() == 1 && lines.filter(u" of "_s).isEmpty(),
             qPrintable(lines.join(u'\n')));
}

QTEST_GUILESS_MAIN(TestActionRunner)
#include "tst_actionrunner.moc"
