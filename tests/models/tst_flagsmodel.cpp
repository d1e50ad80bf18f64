// FlagsModel (flags, the routes each affects, the operator's changes) and the plain-words side of
// ConfigActions: how a 412's current resource, a 403 and a refused change are explained.
#include "models/configactions.h"
#include "models/flagsmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace cutover;

namespace {

Flag flag(const QString &name, bool enabled, int rollout, QStringList allow = {}, QString service = {}, QStringList routes = {})
{
    Flag f;
    f.name = name;
    f.enabled = enabled;
    f.rolloutPercent = rollout;
    f.allowUsers = std::move(allow);
    f.service = std::move(service);
    f.routes = std::move(routes);
    f.version = QStringLiteral("3");
    f.updatedBy = QStringLiteral("bootstrap");
    return f;
}

Route route(const QString &id, const QString &service)
{
    Route r;
    r.id = id;
    r.prefix = QStringLiteral("/api/") + id;
    r.service = service;
    return r;
}

RouteList fleet()
{
    RouteList l;
    l.version = QStringLiteral("14");
    l.routes = {route(QStringLiteral("auth"), QStringLiteral("user-service")),
                route(QStringLiteral("users"), QStringLiteral("user-service")),
                route(QStringLiteral("payments"), QStringLiteral("payment-service"))};
    return l;
}

// The 412 of docs/admin-api.md §4.10.
ApiError staleRoute()
{
    ApiError e;
    e.kind = ApiError::Kind::Conflict;
    e.httpStatus = 412;
    e.code = QStringLiteral("precondition_failed");
    e.message = QStringLiteral("Route payments has changed since version 9.");
    e.details = R"({"current_version":"15","current":{"id":"payments","prefix":"/api/payments","service":"payment-service","microservice_percent":25,"version":"15","updated_at":"2026-11-26T04:38:45.123Z","updated_by":"alice"}})";
    return e;
}

} // namespace

class TestFlagsModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void showsFlagsAndTheRoutesTheyAffect();
    void changeIsConfirmedByANewerVersion();
    void conflictSaysWhoAndWhat();
    void conflictWithoutDetails();
    void refusalsInPlainWords_data();
    void refusalsInPlainWords();
};

void TestFlagsModel::showsFlagsAndTheRoutesTheyAffect()
{
    FlagsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRoutes(fleet());
    model.apply(FlagList {QStringLiteral("14"),
                          {flag(QStringLiteral("use_user_microservice"), true, 100),
                           flag(QStringLiteral("use_payment_microservice"), false, 10, {QStringLiteral("u-00042"), QStringLiteral("u-00230"), QStringLiteral("u-1")},
                                QStringLiteral("payment-service"), {QStringLiteral("payments")}),
                           flag(QStringLiteral("dark_mode"), true, 50)}});
    QCOMPARE(model.rowCount(), 3);
    // Derived from the name when the gateway does not say.
    const Flag users = model.flag(model.rowOf(QStringLiteral("use_user_microservice")));
    QCOMPARE(FlagsModel::serviceOf(users), QStringLiteral("user-service"));
    QCOMPARE(model.affectedRoutes(users).size(), 2);
    QCOMPARE(model.index(0, FlagsModel::RoutesColumn).data().toString(), QStringLiteral("/api/auth, /api/users"));
    const int pay = model.rowOf(QStringLiteral("use_payment_microservice"));
    QCOMPARE(model.index(pay, FlagsModel::RoutesColumn).data().toString(), QStringLiteral("/api/payments"));
    QCOMPARE(model.index(pay, FlagsModel::EnabledColumn).data().toString(), QStringLiteral("off"));
    QCOMPARE(model.index(pay, FlagsModel::RolloutColumn).data().toString(), QStringLiteral("10 %"));
    QCOMPARE(model.index(pay, FlagsModel::AllowColumn).data().toString(), QStringLiteral("u-00042, u-00230 and 1 more"));
    QVERIFY(model.index(pay, FlagsModel::AllowColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("u-1")));
    // Not a use_<x>_microservice flag: no routes.
    const int dark = model.rowOf(QStringLiteral("dark_mode"));
    QCOMPARE(model.index(dark, FlagsModel::RoutesColumn).data().toString(), QStringLiteral("—"));
    QVERIFY(model.affectedRoutes(model.flag(dark)).isEmpty());

    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    model.apply(FlagList {QStringLiteral("15"), {flag(QStringLiteral("dark_mode"), false, 50)}});
    QCOMPARE(removed.count(), 2);
    QCOMPARE(model.index(0, FlagsModel::EnabledColumn).data(FlagsModel::EnabledRole).toBool(), false);
}

void TestFlagsModel::changeIsConfirmedByANewerVersion()
{
    FlagsModel model;
    model.apply(FlagList {QStringLiteral("14"), {flag(QStringLiteral("use_payment_microservice"), false, 0)}});
    PendingChange change;
    change.state = ChangeState::Confirming;
    change.baseVersion = QStringLiteral("3");
    change.summary = ConfigActions::flagSummary(true, 10, 0);
    model.setChange(QStringLiteral("use_payment_microservice"), change);
    QCOMPARE(model.index(0, FlagsModel::StateColumn).data().toString(), QStringLiteral("applied on, 10 % of users, refreshing…"));
    model.apply(FlagList {QStringLiteral("14"), {flag(QStringLiteral("use_payment_microservice"), false, 0)}});
    QCOMPARE(model.change(QStringLiteral("use_payment_microservice")).state, ChangeState::Confirming);
    Flag now = flag(QStringLiteral("use_payment_microservice"), true, 10);
    now.version = QStringLiteral("16");
    model.apply(FlagList {QStringLiteral("16"), {now}});
    QCOMPARE(model.change(QStringLiteral("use_payment_microservice")).state, ChangeState::Idle);
    QCOMPARE(model.index(0, FlagsModel::EnabledColumn).data().toString(), QStringLiteral("on"));
}

void TestFlagsModel::conflictSaysWhoAndWhat()
{
    const auto current = ConfigActions::conflictingRoute(staleRoute());
    QVERIFY(current);
    QCOMPARE(current->microservicePercent, 25);
    QCOMPARE(current->version, QStringLiteral("15"));
    QCOMPARE(current->updatedBy, QStringLiteral("alice"));
    Route seen = *current;
    seen.microservicePercent = 10;
    seen.version = QStringLiteral("9");
    const QString text = ConfigActions::describeRouteConflict(seen, *current);
    QVERIFY2(text.startsWith(QStringLiteral("alice at ")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("from 10 % to 25 % (version 15)")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Nothing was overwritten")), qPrintable(text));
    // A route's conflict is not a flag's: its "current" has no flag in it.
    QVERIFY(!ConfigActions::conflictingFlag(staleRoute()));

    ApiError flagConflict = staleRoute();
    flagConflict.details = R"({"current_version":"16","current":{"name":"use_payment_microservice","enabled":true,"rollout_percent":25,"allow_users":["u-00042","u-00230"],"description":"Payments beta users","version":"16","service":"payment-service","routes":["payments"],"updated_at":"2026-11-26T04:41:02.554Z","updated_by":"bob"}})";
    const auto currentFlag = ConfigActions::conflictingFlag(flagConflict);
    QVERIFY(currentFlag);
    QVERIFY(!ConfigActions::conflictingRoute(flagConflict));
    Flag seenFlag = flag(QStringLiteral("use_payment_microservice"), true, 10, {QStringLiteral("u-00042")});
    const QString flagText = ConfigActions::describeFlagConflict(seenFlag, *currentFlag);
    QVERIFY2(flagText.startsWith(QStringLiteral("bob at ")), qPrintable(flagText));
    QVERIFY2(flagText.contains(QStringLiteral("from on, 10 % of users, 1 allow-listed to on, 25 % of users, 2 allow-listed")),
             qPrintable(flagText));
}

void TestFlagsModel::conflictWithoutDetails()
{
    ApiError e = staleRoute();
    e.details = "{}";
    QVERIFY(!ConfigActions::conflictingRoute(e));
    e.details = "not json";
    QVERIFY(!ConfigActions::conflictingRoute(e));
    // A 409 (rollback engaged) carries no current resource either.
    e = staleRoute();
    e.httpStatus = 409;
    e.code = QStringLiteral("conflict");
    QVERIFY(!ConfigActions::conflictingRoute(e));
    Route current = route(QStringLiteral("payments"), QStringLiteral("payment-service"));
    current.version = QStringLiteral("15");
    QVERIFY(ConfigActions::describeRouteConflict(current, current).contains(QStringLiteral("someone else")));
}

void TestFlagsModel::refusalsInPlainWords_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QStringList>("mustSay");
    QTest::newRow("403") << int(ApiError::Kind::Forbidden) << QStringLiteral("forbidden")
                         << QStringList {QStringLiteral("not allowed to change the route /api/payments"), QStringLiteral("your token (grafana)"),
                                         QStringLiteral("operator or admin role"), QStringLiteral("Nothing was changed")};
    QTest::newRow("401") << int(ApiError::Kind::Unauthorized) << QStringLiteral("unauthorized")
                         << QStringList {QStringLiteral("no longer accepts your token"), QStringLiteral("Nothing was changed")};
    QTest::newRow("409 rollback") << int(ApiError::Kind::Conflict) << QStringLiteral("conflict")
                                  << QStringList {QStringLiteral("emergency rollback is engaged"), QStringLiteral("Release the rollback first")};
    QTest::newRow("422") << int(ApiError::Kind::Validation) << QStringLiteral("validation_failed")
                         << QStringList {QStringLiteral("rejected the value of “reason”")};
    QTest::newRow("404") << int(ApiError::Kind::NotFound) << QStringLiteral("not_found")
                         << QStringList {QStringLiteral("has no route /api/payments any more")};
}

void TestFlagsModel::refusalsInPlainWords()
{
    QFETCH(int, kind);
    QFETCH(QString, code);
    QFETCH(QStringList, mustSay);
    ApiError e;
    e.kind = ApiError::Kind(kind);
    e.code = code;
    e.field = QStringLiteral("reason");
    e.message = QStringLiteral("gateway message");
    WhoAmI who {QStringLiteral("grafana"), Role::Viewer};
    const QString text = ConfigActions::explain(e, QStringLiteral("route /api/payments"), who);
    for (const QString &s : mustSay)
        QVERIFY2(text.contains(s), qPrintable(text));
    QVERIFY2(!text.contains(QStringLiteral("HTTP error")), qPrintable(text));
}

QTEST_GUILESS_MAIN(TestFlagsModel)
#include "tst_flagsmodel.moc"
