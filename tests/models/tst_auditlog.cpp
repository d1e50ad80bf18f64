// The audit timeline model and its filter.
#include "models/auditlog.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace cutover;

namespace {

AuditEntry entry(qint64 id, const char *actor, const char *action, const char *target, const char *before,
                 const char *after, const char *reason)
{
    AuditEntry e;
    e.id = id;
    e.time = QDateTime::fromMSecsSinceEpoch(1'800'000'000'000 + id * 60'000, Qt::UTC);
    e.actor = QLatin1String(actor);
    e.role = QStringLiteral("operator");
    e.action = QLatin1String(action);
    e.target = QLatin1String(target);
    e.before = before;
    e.after = after;
    e.reason = QLatin1String(reason);
    return e;
}

AuditPage page(const QList<AuditEntry> &entries)
{
    AuditPage p;
    p.entries = entries;
    p.latestId = entries.isEmpty() ? 0 : entries.constLast().id;
    return p;
}

const char *kRouteBefore = R"({"id":"payments","prefix":"/api/payments","service":"payment-service","microservice_percent":10,"version":"9","updated_at":"2026-11-26T04:12:31.480Z","updated_by":"alice"})";
const char *kRouteAfter = R"({"id":"payments","prefix":"/api/payments","service":"payment-service","microservice_percent":25,"version":"15","updated_at":"2026-11-26T04:38:45.123Z","updated_by":"alice"})";

QList<AuditEntry> sample()
{
    return {
        entry(1, "alice", "route.update", "routes/payments", kRouteBefore, kRouteAfter, "error rate flat for 24 h"),
        entry(2, "bob", "flag.update", "flags/use_payment_microservice",
              R"({"name":"use_payment_microservice","enabled":false,"rollout_percent":0})",
              R"({"name":"use_payment_microservice","enabled":true,"rollout_percent":10})", "beta users"),
        entry(3, "alice", "rollback.engage", "rollback", R"({"auth":100,"posts":100,"payments":25})",
              R"({"auth":0,"posts":0,"payments":0})", "5xx spike on payments"),
        entry(4, "root", "sim.fault.add", "sim/faults/f1", "null",
              R"({"id":"f1","service":"payment-service","error_rate":0.3})", ""),
    };
}

} // namespace

class TestAuditLog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void appendsPagesOnceInOrder();
    void restartKeepsThePreviousInstanceApart();
    void columnsShowWhoWhatBeforeAfterWhy();
    void changeSummary_data();
    void changeSummary();
    void markerLabels();
    void filterByTextActorAndKind();
    void recoveryTimeOnTheEngageEntry();
};

void TestAuditLog::appendsPagesOnceInOrder()
{
    AuditLog log;
    QAbstractItemModelTester tester(&log, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy added(&log, &AuditLog::entriesAdded);
    const QList<AuditEntry> all = sample();
    log.append(page({all[0], all[1]}));
    QCOMPARE(log.rowCount(), 2);
    log.append(page({all[1], all[2]})); // an overlapping page
    QCOMPARE(log.rowCount(), 3);
    log.append(page({all[1]}));         // nothing new: no signal
    QCOMPARE(added.size(), 2);
    log.append(page({all[3], all[0]}));
    QCOMPARE(log.rowCount(), 4);
    for (int row = 0; row < 4; ++row)
        QCOMPARE(log.entry(row).id, qint64(row + 1));
    QCOMPARE(log.rowOf(3), 2);
    QCOMPARE(log.rowOf(99), -1);
    QCOMPARE(log.actors(), (QStringList {QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("root")}));
    QCOMPARE(log.kinds(), (QStringList {QStringLiteral("flag"), QStringLiteral("rollback"), QStringLiteral("route"),
                                        QStringLiteral("sim")}));
    log.clear();
    QCOMPARE(log.rowCount(), 0);
}

void TestAuditLog::restartKeepsThePreviousInstanceApart()
{
    AuditLog log;
    QAbstractItemModelTester tester(&log, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy restarted(&log, &AuditLog::restarted);
    const QList<AuditEntry> all = sample();
    log.append(page(all));
    log.gatewayRestarted(QStringLiteral("instance sim-1 is now sim-2"));
    QCOMPARE(restarted.size(), 1);
    QCOMPARE(log.restartDescription(), QStringLiteral("instance sim-1 is now sim-2"));
    // The new instance numbers its entries from 1 again: id 1 and 2 are new entries, not repeats.
    AuditEntry fresh = entry(2, "carol", "route.update", "routes/media", "null", "null", "after the restart");
    log.append(page({fresh}));
    fresh = entry(1, "carol", "flag.update", "flags/x", "null", "null", "after the restart");
    log.append(page({fresh}));
    QCOMPARE(log.rowCount(), 6);
    // The previous instance's entries first, then the new one's in id order.
    QCOMPARE(log.entry(4).id, qint64(1));
    QCOMPARE(log.entry(5).id, qint64(2));
    QCOMPARE(log.entry(5).actor, QStringLiteral("carol"));
    for (int row = 0; row < 6; ++row) {
        QCOMPARE(log.index(row, 0).data(AuditLog::PreviousInstanceRole).toBool(), row < 4);
        QCOMPARE(log.index(row, 0).data(AuditLog::OrderRole).toInt(), row);
    }
    QVERIFY(log.index(0, 0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("previous instance")));
    QCOMPARE(log.rowOf(1), 4);
    QCOMPARE(log.rowOf(3), -1); // only the previous instance had a #3
    // A page seen again changes nothing.
    log.append(page({fresh}));
    QCOMPARE(log.rowCount(), 6);
}

void TestAuditLog::columnsShowWhoWhatBeforeAfterWhy()
{
    AuditLog log;
    log.append(page(sample()));
    QCOMPARE(log.index(0, AuditLog::ActorColumn).data().toString(), QStringLiteral("alice (operator)"));
    QCOMPARE(log.index(0, AuditLog::ActionColumn).data().toString(), QStringLiteral("route.update"));
    QCOMPARE(log.index(0, AuditLog::TargetColumn).data().toString(), QStringLiteral("routes/payments"));
    QCOMPARE(log.index(0, AuditLog::ChangeColumn).data().toString(), QStringLiteral("microservice_percent: 10 \u2192 25"));
    QCOMPARE(log.index(0, AuditLog::ReasonColumn).data().toString(), QStringLiteral("error rate flat for 24 h"));
    QCOMPARE(log.index(3, AuditLog::ReasonColumn).data().toString(), QStringLiteral("\u2014"));
    QCOMPARE(log.index(0, AuditLog::TimeColumn).data(AuditLog::TimeRole).toDateTime(), sample()[0].time);
    QCOMPARE(log.index(0, AuditLog::TimeColumn).data().toString(),
             sample()[0].time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
    QVERIFY(log.index(2, 0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("5xx spike on payments")));
    QCOMPARE(log.headerData(AuditLog::ChangeColumn, Qt::Horizontal).toString(), QStringLiteral("Before \u2192 after"));
}

void TestAuditLog::changeSummary_data()
{
    QTest::addColumn<QByteArray>("before");
    QTest::addColumn<QByteArray>("after");
    QTest::addColumn<QString>("expected");
    QTest::newRow("route percent") << QByteArray(kRouteBefore) << QByteArray(kRouteAfter)
                                   << QStringLiteral("microservice_percent: 10 \u2192 25");
    QTest::newRow("rollback map") << QByteArray(R"({"auth":100,"media":0,"posts":100})")
                                  << QByteArray(R"({"auth":0,"media":0,"posts":0})")
                                  << QStringLiteral("auth: 100 \u2192 0; posts: 100 \u2192 0");
    QTest::newRow("member added") << QByteArray(R"({"auth":0})") << QByteArray(R"({"auth":100,"keep_monolith":false})")
                                  << QStringLiteral("auth: 0 \u2192 100; keep_monolith = false");
    QTest::newRow("member removed") << QByteArray(R"({"a":1,"b":2})") << QByteArray(R"({"a":1})")
                                    << QStringLiteral("b removed");
    QTest::newRow("created") << QByteArray("null") << QByteArray(R"({"id":"f1","error_rate":0.3,"down":false})")
                             << QStringLiteral("added: down=false, error_rate=0.3, id=f1");
    QTest::newRow("deleted") << QByteArray(R"({"id":"f1"})") << QByteArray("null") << QStringLiteral("removed: id=f1");
    QTest::newRow("both null") << QByteArray("null") << QByteArray("null") << QString();
    QTest::newRow("only bookkeeping") << QByteArray(R"({"x":1,"version":"3"})") << QByteArray(R"({"x":1,"version":"4"})")
                                      << QStringLiteral("no change");
    QTest::newRow("lists") << QByteArray(R"({"allow_users":[]})") << QByteArray(R"({"allow_users":["u-1"]})")
                           << QStringLiteral("allow_users: [] \u2192 [\"u-1\"]");
}

void TestAuditLog::changeSummary()
{
    QFETCH(QByteArray, before);
    QFETCH(QByteArray, after);
    QFETCH(QString, expected);
    QCOMPARE(AuditLog::changeSummary(before, after), expected);
}

void TestAuditLog::markerLabels()
{
    const QList<AuditEntry> all = sample();
    QCOMPARE(AuditLog::markerLabel(all[0]), QStringLiteral("payments 25 %"));
    QCOMPARE(AuditLog::markerLabel(all[1]), QStringLiteral("use_payment_microservice on 10 %"));
    QCOMPARE(AuditLog::markerLabel(all[2]), QStringLiteral("rollback"));
    QCOMPARE(AuditLog::markerLabel(all[3]), QStringLiteral("fault payment-service"));
    AuditEntry release = entry(5, "bob", "rollback.release", "rollback", "{}", R"({"auth":0,"keep_monolith":true})", "x");
    QCOMPARE(AuditLog::markerLabel(release), QStringLiteral("release (monolith kept)"));
}

void TestAuditLog::filterByTextActorAndKind()
{
    AuditLog log;
    log.append(page(sample()));
    AuditFilter filter;
    QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
    filter.setSourceModel(&log);
    QCOMPARE(filter.rowCount(), 4);

    filter.setText(QStringLiteral("PAYMENT"));
    QCOMPARE(filter.rowCount(), 4); // in the target, the before/after or the reason of each
    filter.setText(QStringLiteral("payments"));
    QCOMPARE(filter.rowCount(), 2);
    filter.setText(QStringLiteral("spike"));
    QCOMPARE(filter.rowCount(), 1);
    QCOMPARE(filter.index(0, 0).data(AuditLog::EntryIdRole).toLongLong(), 3);
    filter.setText(QStringLiteral("payments alice"));
    QCOMPARE(filter.rowCount(), 2);
    filter.setText(QString());

    filter.setActor(QStringLiteral("alice"));
    QCOMPARE(filter.rowCount(), 2);
    filter.setKind(QStringLiteral("rollback"));
    QCOMPARE(filter.rowCount(), 1);
    filter.setActor(QString());
    filter.setKind(QStringLiteral("flag"));
    QCOMPARE(filter.rowCount(), 1);
    QCOMPARE(filter.index(0, AuditLog::ActorColumn).data().toString(), QStringLiteral("bob (operator)"));
    filter.setKind(QString());
    QCOMPARE(filter.rowCount(), 4);

    // New entries pass through the filter as they arrive.
    filter.setKind(QStringLiteral("rollback"));
    log.append(page({entry(5, "bob", "rollback.release", "rollback", "{}", "{}", "hotfix")}));
    QCOMPARE(filter.rowCount(), 2);
}

void TestAuditLog::recoveryTimeOnTheEngageEntry()
{
    AuditLog log;
    log.append(page(sample()));
    QSignalSpy changed(&log, &QAbstractItemModel::dataChanged);
    log.setRecoveryTime(3, std::chrono::seconds(134));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(log.recoveryTime(3), std::optional<std::chrono::milliseconds>(std::chrono::seconds(134)));
    QVERIFY(log.index(2, AuditLog::ChangeColumn).data().toString().startsWith(QStringLiteral("recovered in 2 min 14 s \u2014 auth: 100 \u2192 0")));
    QVERIFY(log.index(2, 0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("Time to recovery")));
    QVERIFY(!log.recoveryTime(1));
    QCOMPARE(AuditLog::formatDuration(std::chrono::milliseconds(4'400)), QStringLiteral("4 s"));
    QCOMPARE(AuditLog::formatDuration(std::chrono::minutes(75)), QStringLiteral("1 h 15 min"));
}

QTEST_GUILESS_MAIN(TestAuditLog)
#include "tst_auditlog.moc"
