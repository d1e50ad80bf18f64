// The planners of HaproxyBackend's changes without a HAProxy: from a captured read and a request,
// the Runtime API commands to send, the refusals, and the verdict any later read gives (applied,
// not applied, partly applied, moved by someone else). The plans run against a real haproxy in
// tests/app/tst_haproxybackend (lostAnswersAreReadBack among others).
#include "client/haproxy/auditjournal.h"
#include "client/haproxy/flagplan.h"
#include "client/haproxy/haproxymodel.h"
#include "client/haproxy/mapentries.h"
#include "client/haproxy/rollbackplan.h"
#include "client/haproxy/routeplan.h"
#include "client/haproxy/statcsv.h"
#include "tests/support/haproxycaptures.h"

#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace cutover;
using namespace cutover::haproxy;

namespace {

const QString kReason = QStringLiteral("drill");

// routes: /api/posts → be_posts (75/25), /api/payments → be_payments (90/10), /api/media →
// be_monolith; flags: use_post_microservice "off 0", use_payment_microservice "on 10" with u-00042.
ConfigSnapshot capturedConfig()
{
    ConfigSnapshot c;
    c.routesMapFile = QStringLiteral("/tmp/hx/ex/routes.map");
    c.routes = *parseMapDump(test::haproxyCapture("show_map_routes.txt"));
    c.flagsMapFile = QStringLiteral("/tmp/hx/ex/flags.map");
    c.flags = *parseMapDump(test::haproxyCapture("show_map_flags.txt"));
    c.rows = *parseShowStat(test::haproxyCapture("show_stat_traffic.csv"));
    return c;
}

void setWeight(ConfigSnapshot &c, const char *proxy, const char *server, int weight)
{
    HaproxyStatRow *row = test::findRow(c.rows, proxy, server);
    QVERIFY(row);
    row->weight = weight;
    row->userWeight = weight;
}

void setMap(QList<MapEntry> &map, const QString &key, const QString &value)
{
    for (MapEntry &e : map) {
        if (e.key == key) {
            e.value = value;
            return;
        }
    }
    map.append({key, value});
}

void removeMap(QList<MapEntry> &map, const QString &key)
{
    map.removeIf([&](const MapEntry &e) { return e.key == key; });
}

} // namespace

class TestHaproxyPlans : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void routeRaisesBeforeLowering();
    void routeRemapsAPrefixLeftAtTheMonolith();
    void routeRefusals();
    void flagCommandsAndVerdicts();
    void flagRefusals();
    void rollbackVerdicts();

private:
    Model model(const ConfigSnapshot &c) const { return buildModel(c, Conventions(), *m_journal); }
    Verdict verdictOf(const RoutePlan &p, const ConfigSnapshot &c) const { return p.verdict(c, model(c)); }
    Verdict verdictOf(const FlagPlan &p, const ConfigSnapshot &c) const { return p.verdict(c, model(c)); }
    Result<RoutePlan> planRoute(const ConfigSnapshot &c, const char *id, int percent, const QString &level = QStringLiteral("admin"))
    {
        const Model m = model(c);
        const RouteState *s = m.route(QLatin1String(id));
        return RoutePlan::make(QLatin1String(id), percent, s ? s->route.version : QStringLiteral("v"), kReason, c, m, level,
                               Conventions());
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<AuditJournal> m_journal; // empty: nothing was journaled
};

void TestHaproxyPlans::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_journal = std::make_unique<AuditJournal>(m_dir->filePath(QStringLiteral("j.jsonl")));
}

void TestHaproxyPlans::routeRaisesBeforeLowering()
{
    const ConfigSnapshot before = capturedConfig();
    const Result<RoutePlan> p = planRoute(before, "posts", 60);
    QVERIFY2(p.ok(), qPrintable(p.ok() ? QString() : p.error().describe()));
    // The microservice's weight goes up first: the backend never has every weight at 0.
    QCOMPARE(p->commands, (QList<QByteArray> {"set weight be_posts/post-service 60", "set weight be_posts/monolith 40"}));
    QCOMPARE(p->before.microservicePercent, 25);
    QCOMPARE(p->level, QStringLiteral("admin"));

    QCOMPARE(verdictOf(*p, before), Verdict::NotApplied);
    ConfigSnapshot partly = before;
    setWeight(partly, "be_posts", "post-service", 60);
    QCOMPARE(verdictOf(*p, partly), Verdict::Partly);
    ConfigSnapshot applied = partly;
    setWeight(applied, "be_posts", "monolith", 40);
    QCOMPARE(verdictOf(*p, applied), Verdict::Applied);
    QVERIFY(p->evidence(Verdict::Applied).contains(QLatin1String("60 %")));
    // A weight neither planned nor found before: someone else's change, never overwritten.
    ConfigSnapshot moved = partly;
    setWeight(moved, "be_posts", "monolith", 30);
    QCOMPARE(verdictOf(*p, moved), Verdict::Moved);
    QCOMPARE(p->movedError().kind, ApiError::Kind::Conflict);
    ConfigSnapshot gone = before;
    removeMap(gone.routes, QStringLiteral("/api/posts"));
    QCOMPARE(verdictOf(*p, gone), Verdict::Moved);
    // Answered, yet not holding it: the message says where the route is.
    const ApiError notApplied = p->notAppliedError(model(before));
    QCOMPARE(notApplied.kind, ApiError::Kind::Server);
    QCOMPARE(notApplied.message, QStringLiteral("HAProxy did not apply the change (the route is at 25 %)"));

    // Nothing to change: no command, and the read already holds it.
    const Result<RoutePlan> same = planRoute(before, "posts", 25);
    QVERIFY(same.ok());
    QVERIFY(same->commands.isEmpty());
    QCOMPARE(verdictOf(*same, before), Verdict::Applied);
}

void TestHaproxyPlans::routeRemapsAPrefixLeftAtTheMonolith()
{
    ConfigSnapshot before = capturedConfig();
    setMap(before.routes, QStringLiteral("/api/payments"), QStringLiteral("be_monolith"));
    QCOMPARE(model(before).route(QStringLiteral("payments"))->route.microservicePercent, 0);
    const Result<RoutePlan> p = planRoute(before, "payments", 50);
    QVERIFY(p.ok());
    QCOMPARE(p->commands, (QList<QByteArray> {"set weight be_payments/payment-service 50", "set weight be_payments/monolith 50",
                                              "set map /tmp/hx/ex/routes.map /api/payments be_payments"}));
    QCOMPARE(verdictOf(*p, before), Verdict::NotApplied);
    ConfigSnapshot weighted = before;
    setWeight(weighted, "be_payments", "payment-service", 50);
    setWeight(weighted, "be_payments", "monolith", 50);
    QCOMPARE(verdictOf(*p, weighted), Verdict::Partly); // the prefix still goes to the monolith
    ConfigSnapshot applied = weighted;
    setMap(applied.routes, QStringLiteral("/api/payments"), QStringLiteral("be_payments"));
    QCOMPARE(verdictOf(*p, applied), Verdict::Applied);
    ConfigSnapshot elsewhere = weighted;
    setMap(elsewhere.routes, QStringLiteral("/api/payments"), QStringLiteral("be_posts"));
    QCOMPARE(verdictOf(*p, elsewhere), Verdict::Moved);
}

void TestHaproxyPlans::routeRefusals()
{
    const ConfigSnapshot c = capturedConfig();
    const Model m = model(c);
    const QString version = m.route(QStringLiteral("posts"))->route.version;
    const auto plan = [&](const char *id, int percent, const QString &v, const QString &reason, const char *level) {
        return RoutePlan::make(QLatin1String(id), percent, v, reason, c, m, QLatin1String(level), Conventions());
    };
    QCOMPARE(plan("nope", 5, version, kReason, "admin").error().kind, ApiError::Kind::NotFound);
    QCOMPARE(plan("posts", 5, QString(), kReason, "admin").error().kind, ApiError::Kind::PreconditionRequired);
    const ApiError stale = plan("posts", 5, QStringLiteral("old"), kReason, "admin").error();
    QCOMPARE(stale.kind, ApiError::Kind::Conflict);
    QVERIFY(stale.details.contains(version.toUtf8()));
    QCOMPARE(plan("posts", 101, version, kReason, "admin").error().field, QStringLiteral("microservice_percent"));
    QCOMPARE(plan("posts", 5, version, QStringLiteral(" "), "admin").error().field, QStringLiteral("reason"));
    const Result<RoutePlan> media = plan("media", 5, m.route(QStringLiteral("media"))->route.version, kReason, "admin");
    QCOMPARE(media.error().kind, ApiError::Kind::Validation);
    QVERIFY(media.error().message.contains(QLatin1String("be_media")));
    // Weights need level admin; an operator may still change nothing but the map.
    QCOMPARE(plan("posts", 5, version, kReason, "operator").error().kind, ApiError::Kind::Forbidden);
    QCOMPARE(plan("posts", 25, version, kReason, "user").error().kind, ApiError::Kind::Forbidden);
    QVERIFY(plan("posts", 25, version, kReason, "operator").ok());
}

void TestHaproxyPlans::flagCommandsAndVerdicts()
{
    const ConfigSnapshot before = capturedConfig();
    const QString name = QStringLiteral("use_payment_microservice");
    const Model read = model(before);
    const Flag *flag = read.flag(name);
    QVERIFY(flag);
    FlagChange change;
    change.enabled = true;
    change.rolloutPercent = 30;
    change.allowUsers = {QStringLiteral("u-1"), QStringLiteral("u-1")};
    change.description = QStringLiteral("payments beta");
    const Result<FlagPlan> p = FlagPlan::make(name, change, flag->version, kReason, before, read, QStringLiteral("operator"));
    QVERIFY2(p.ok(), qPrintable(p.ok() ? QString() : p.error().describe()));
    QCOMPARE(p->commands, (QList<QByteArray> {"set map /tmp/hx/ex/flags.map use_payment_microservice on\\ 30",
                                              "add map /tmp/hx/ex/flags.map use_payment_microservice@u-1 allow",
                                              "del map /tmp/hx/ex/flags.map use_payment_microservice@u-00042"}));
    QCOMPARE(p->description, QStringLiteral("payments beta"));
    QCOMPARE(p->before.rolloutPercent, 10);

    QCOMPARE(verdictOf(*p, before), Verdict::NotApplied);
    ConfigSnapshot partly = before;
    setMap(partly.flags, name, QStringLiteral("on 30"));
    QCOMPARE(verdictOf(*p, partly), Verdict::Partly);
    setMap(partly.flags, name + QStringLiteral("@u-1"), QStringLiteral("allow"));
    QCOMPARE(verdictOf(*p, partly), Verdict::Partly); // u-00042 still allowed
    ConfigSnapshot applied = partly;
    removeMap(applied.flags, name + QStringLiteral("@u-00042"));
    QCOMPARE(verdictOf(*p, applied), Verdict::Applied);
    // Someone else's value, or a user neither side asked for: moved.
    ConfigSnapshot otherValue = before;
    setMap(otherValue.flags, name, QStringLiteral("off 0"));
    QCOMPARE(verdictOf(*p, otherValue), Verdict::Moved);
    ConfigSnapshot otherUser = applied;
    setMap(otherUser.flags, name + QStringLiteral("@u-9"), QStringLiteral("allow"));
    QCOMPARE(verdictOf(*p, otherUser), Verdict::Moved);
    ConfigSnapshot gone = before;
    removeMap(gone.flags, name);
    QCOMPARE(verdictOf(*p, gone), Verdict::Moved);
    QCOMPARE(p->notAppliedError(model(before)).message, QStringLiteral("HAProxy did not apply the change"));

    // The value it already has is not sent again.
    FlagChange usersOnly;
    usersOnly.enabled = true;
    usersOnly.rolloutPercent = 10;
    usersOnly.allowUsers = {QStringLiteral("u-00042"), QStringLiteral("u-2")};
    const Result<FlagPlan> u = FlagPlan::make(name, usersOnly, flag->version, kReason, before, read, QStringLiteral("admin"));
    QVERIFY(u.ok());
    QCOMPARE(u->commands, QList<QByteArray> {"add map /tmp/hx/ex/flags.map use_payment_microservice@u-2 allow"});
    QCOMPARE(u->description, flag->description);
}

void TestHaproxyPlans::flagRefusals()
{
    const ConfigSnapshot c = capturedConfig();
    const Model m = model(c);
    const QString name = QStringLiteral("use_payment_microservice");
    const QString version = m.flag(name)->version;
    FlagChange ok;
    ok.enabled = true;
    const auto plan = [&](const QString &flag, const FlagChange &change, const QString &v, const char *level) {
        return FlagPlan::make(flag, change, v, kReason, c, m, QLatin1String(level));
    };
    QCOMPARE(plan(QStringLiteral("nope"), ok, version, "admin").error().kind, ApiError::Kind::NotFound);
    QCOMPARE(plan(name, ok, QStringLiteral("old"), "admin").error().kind, ApiError::Kind::Conflict);
    FlagChange rollout = ok;
    rollout.rolloutPercent = 101;
    QCOMPARE(plan(name, rollout, version, "admin").error().field, QStringLiteral("rollout_percent"));
    FlagChange blank = ok;
    blank.allowUsers = {QStringLiteral("a b")};
    QCOMPARE(plan(name, blank, version, "admin").error().field, QStringLiteral("allow_users"));
    QCOMPARE(plan(name, ok, version, "user").error().kind, ApiError::Kind::Forbidden);
    QCOMPARE(FlagPlan::make(name, ok, version, QString(), c, m, QStringLiteral("admin")).error().field, QStringLiteral("reason"));
}

void TestHaproxyPlans::rollbackVerdicts()
{
    const ConfigSnapshot before = capturedConfig();
    const Model m = model(before);
    const ActionRequest request {m.rollback.version, kReason, "k1"};
    const Result<RollbackPlan> p = RollbackPlan::make(true, false, request, before, m, QStringLiteral("operator"), std::nullopt, Conventions());
    QVERIFY(p.ok());
    QCOMPARE(p->verdict(before, m), Verdict::NotApplied);
    ConfigSnapshot engaged = before;
    for (MapEntry &e : engaged.routes)
        e.value = QStringLiteral("be_monolith");
    QCOMPARE(p->verdict(engaged, model(engaged)), Verdict::Applied);
    // One atomic commit: anything else is someone else's.
    ConfigSnapshot other = before;
    setMap(other.routes, QStringLiteral("/api/posts"), QStringLiteral("be_monolith"));
    QCOMPARE(p->verdict(other, model(other)), Verdict::Moved);
    QCOMPARE(p->notAppliedError(m).message, QStringLiteral("HAProxy did not apply the rollback"));
}

QTEST_GUILESS_MAIN(TestHaproxyPlans)
#include "tst_haproxyplans.moc"
