// The models the GUI shows gateway text through (audit, log): what a view displays is inert
// (models/displaytext.h), while search, filters and copying keep the exact text.
#include "models/auditlog.h"
#include "models/logstore.h"
#include "models/logtablemodel.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace cutover;
using namespace Qt::StringLiterals;

namespace {

// The test's own oracle: a code point that would steer the display, as "U+XXXX"; empty if none.
QString firstActiveCharacter(const QString &text, bool allowLineBreaks)
{
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if (allowLineBreaks && u == u'\n')
            continue;
        if (u < 0x20 || (u >= 0x7f && u <= 0x9f) || (u >= 0x202a && u <= 0x202e) || (u >= 0x2066 && u <= 0x2069)
            || u == 0x200e || u == 0x200f || u == 0x061c || u == 0x2028 || u == 0x2029)
            return u"U+%1"_s.arg(uint(u), 4, 16, QLatin1Char('0'));
    }
    return {};
}

const QString kReason = u"hotfix\x1b]0;pwned\x07\r\nforged line \u202egnp.exe"_s;
const QString kActor = u"mallory\u202e"_s;

AuditEntry evilEntry()
{
    AuditEntry e;
    e.id = 7;
    e.time = QDateTime::fromMSecsSinceEpoch(1'800'000'000'000, Qt::UTC);
    e.actor = kActor;
    e.role = u"operator"_s;
    e.action = u"route.update"_s;
    e.target = u"pay\x1b[2Jments"_s;
    e.before = R"({"microservice_percent":10})";
    e.after = R"({"microservice_percent":25,"note":"\u001b[31mred"})";
    e.reason = kReason;
    e.requestId = u"req-1\n"_s;
    return e;
}

LogLine evilLine(quint64 id)
{
    LogLine l;
    l.id = LogId {id};
    l.time = WallTime(std::chrono::milliseconds(1'795'000'000'000LL + qint64(id)));
    l.status = 502;
    l.level = LogLevel::Error;
    l.service = u"payment-service"_s;
    l.backend = u"microservice"_s;
    l.upstream = u"payment-service"_s;
    l.route = u"payments"_s;
    l.method = u"GET"_s;
    l.path = u"/api/payments/\u202egnp.exe"_s;
    l.latency = Milliseconds(12.0);
    l.requestId = u"req-\x1b[2J"_s;
    l.message = u"\x1b]2;title\x07upstream ERROR\r\nfake"_s;
    return l;
}

} // namespace

class TestDisplayRoles : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void auditDisplayAndToolTipAreInert();
    void logDisplayAndToolTipAreInert();
    void logMatchRangesFollowTheRenderedText();
};

void TestDisplayRoles::auditDisplayAndToolTipAreInert()
{
    AuditLog log;
    QAbstractItemModelTester tester(&log, QAbstractItemModelTester::FailureReportingMode::Fatal);
    AuditPage page;
    page.entries = {evilEntry()};
    page.latestId = 7;
    log.append(page);
    QCOMPARE(log.rowCount(), 1);
    for (int column = 0; column < AuditLog::ColumnCount; ++column) {
        const QModelIndex index = log.index(0, column);
        const QString shown = index.data(Qt::DisplayRole).toString();
        QVERIFY2(firstActiveCharacter(shown, false).isEmpty(), qPrintable(u"column %1: "_s.arg(column) + shown));
        const QString tip = index.data(Qt::ToolTipRole).toString();
        QVERIFY2(firstActiveCharacter(tip, true).isEmpty(), qPrintable(u"tooltip %1: "_s.arg(column) + tip));
    }
    QCOMPARE(log.index(0, AuditLog::ReasonColumn).data().toString(),
             u"hotfix\\e]0;pwned\\x07\\r\\nforged line <U+202E>gnp.exe"_s);
    QCOMPARE(log.index(0, AuditLog::ActorColumn).data().toString(), u"mallory<U+202E> (operator)"_s);
    QCOMPARE(log.index(0, AuditLog::TargetColumn).data().toString(), u"pay\\e[2Jments"_s);
    // Exact where it is data, not display: filters search it, and the panel's actor list keys on it.
    QVERIFY(log.index(0, 0).data(AuditLog::SearchTextRole).toString().contains(kReason));
    QCOMPARE(log.index(0, 0).data(AuditLog::ActorRole).toString(), kActor);
    QCOMPARE(log.entry(0).reason, kReason);
}

void TestDisplayRoles::logDisplayAndToolTipAreInert()
{
    LogStore store;
    LogTableModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    store.append({evilLine(1)});
    model.refresh();
    QCOMPARE(model.rowCount(), 1);
    for (int column = 0; column < LogTableModel::ColumnCount; ++column) {
        const QModelIndex index = model.index(0, column);
        const QString shown = index.data(Qt::DisplayRole).toString();
        QVERIFY2(firstActiveCharacter(shown, false).isEmpty(), qPrintable(u"column %1: "_s.arg(column) + shown));
        const QString tip = index.data(Qt::ToolTipRole).toString();
        QVERIFY2(firstActiveCharacter(tip, true).isEmpty(), qPrintable(u"tooltip %1: "_s.arg(column) + tip));
    }
    // (The store already keeps a message on one line: CR and LF arrive as spaces.)
    QCOMPARE(model.index(0, LogTableModel::MessageColumn).data().toString(), u"\\e]2;title\\x07upstream ERROR  fake"_s);
    QVERIFY(model.index(0, LogTableModel::PathColumn).data().toString().endsWith(u"<U+202E>gnp.exe"_s));
    // Copying a line gives what the store holds, exactly.
    QVERIFY(model.index(0, 0).data(LogTableModel::LineTextRole).toString().contains(u"\x1b]2;title\x07upstream ERROR"_s));
}

void TestDisplayRoles::logMatchRangesFollowTheRenderedText()
{
    LogStore store;
    LogTableModel model(&store);
    store.append({evilLine(1)});
    LogFilter filter;
    filter.text = u"ERROR"_s;
    QVERIFY(model.setFilter(filter));
    model.refresh();
    QTRY_VERIFY(!model.isScanning()); // the filter's scan runs on its own thread
    QCOMPARE(model.rowCount(), 1);
    const QModelIndex index = model.index(0, LogTableModel::MessageColumn);
    const QString shown = index.data().toString();
    const auto ranges = index.data(LogTableModel::MatchRangesRole).value<MatchRanges>();
    QCOMPARE(ranges.size(), 1);
    // The highlight covers "ERROR" in what the view draws, not five characters of "\e]2;…".
    QCOMPARE(shown.mid(ranges[0].start, ranges[0].length), u"ERROR"_s);
}

QTEST_GUILESS_MAIN(TestDisplayRoles)
#include "tst_displayroles.moc"
