// The log tail panel, offscreen: real widgets clicked and typed into, lines fed through BoardState.
#include "client/logstream.h"
#include "models/boardstate.h"
#include "models/logstore.h"
#include "models/logtablemodel.h"
#include "models/servicemodel.h"
#include "tests/support/simfixture.h"
#include "tests/support/syntheticlog.h"
#include "widgets/logview.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QPushButton>
#include <QScrollBar>
#include <QSet>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QWheelEvent>

#include <QToolButton>

using namespace cutover;
using cutover::test::SimFixture;

namespace {

// The shared synthetic lines: every 5th payment-service's, every 20th a 502 (error), request ids
// shared by runs of three.
LogLine line(quint64 id)
{
    return test::syntheticLogLine(id);
}

QList<LogLine> lines(quint64 from, quint64 count)
{
    return test::syntheticLogLines(from, count);
}

// Feeds lines the way the stream does and waits for the coalesced frame that shows them.
bool feed(BoardState &state, const QList<LogLine> &batch)
{
    QSignalSpy appended(&state, &BoardState::logsAppended);
    state.ingestLogs(batch);
    return appended.wait(2000);
}

QSet<QString> column(const QAbstractItemModel *model, int role, int col = LogTableModel::MessageColumn)
{
    QSet<QString> out;
    for (int row = 0; row < model->rowCount(); ++row)
        out.insert(model->index(row, col).data(role).toString());
    return out;
}

// Whether the row is (at least partly) on screen.
bool rowVisible(QTableView *table, int row)
{
    const QRect r = table->visualRect(table->model()->index(row, 0));
    return r.isValid() && r.intersects(table->viewport()->rect());
}

struct Panel
{
    Panel()
        : view(&state)
    {
        view.resize(1400, 520);
        view.show();
    }
    template<typename T>
    T *child(const char *name)
    {
        return view.findChild<T *>(QLatin1String(name));
    }
    QTableView *table() { return view.table(); }
    const QAbstractItemModel *model() { return view.table()->model(); }

    BoardState state;
    LogView view;
};

} // namespace

class TestLogView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void typingNarrowsRows();
    void invalidRegexShowsErrorAndKeepsRows();
    void clickingRequestIdShowsThatRequest();
    void ctrlCCopiesSelectedLines();
    void exportWritesFilteredLines();
    void bigExportKeepsTheBoardLive();
    void pauseKeepsFirstVisibleRow();
    void scrollingUpPauses();
    void pausedPlaceSurvivesEviction();
    void gapLineIsShown();
    void followsBoardSelection();
    void liveLinesFromGateway();
};

void TestLogView::typingNarrowsRows()
{
    Panel p;
    QVERIFY(QTest::qWaitForWindowExposed(&p.view));
    QVERIFY(feed(p.state, lines(1, 300)));
    QCOMPARE(p.model()->rowCount(), 300);
    QVERIFY(p.view.countText().startsWith(QStringLiteral("300 lines · store ")));

    auto *text = p.child<QLineEdit>("textFilter");
    QTest::keyClicks(text, QStringLiteral("PAYMENT"));
    QTRY_COMPARE(p.model()->rowCount(), 60);
    QCOMPARE(column(p.model(), Qt::DisplayRole, LogTableModel::ServiceColumn), QSet<QString> {QStringLiteral("payment-service")});
    QVERIFY2(p.view.countText().contains(QStringLiteral("· 60 matching")), qPrintable(p.view.countText()));
    QVERIFY(p.child<QLabel>("countLabel")->text().contains(QStringLiteral("60 matching")));
    // New lines are filtered as they come.
    QVERIFY(feed(p.state, lines(301, 100)));
    QCOMPARE(p.model()->rowCount(), 80);

    QTest::keyClicks(text, QStringLiteral("s/9")); // "PAYMENTs/9": the path /api/payments/9..
    // The scan runs off the GUI thread: judge the rows once it has finished.
    QTRY_VERIFY(!p.view.model()->isScanning() && p.model()->rowCount() < 80);
    QVERIFY(p.model()->rowCount() > 0);
    text->clear();
    QTRY_COMPARE(p.model()->rowCount(), 400);
}

void TestLogView::invalidRegexShowsErrorAndKeepsRows()
{
    Panel p;
    QVERIFY(feed(p.state, lines(1, 400)));
    auto *text = p.child<QLineEdit>("textFilter");
    auto *regex = p.child<QToolButton>("regexToggle");
    QTest::keyClicks(text, QStringLiteral("(upstream"));
    QTRY_COMPARE(p.model()->rowCount(), 20); // the 502s
    QVERIFY(p.view.filterErrorText().isEmpty());

    // As a regular expression the same text is invalid: the error shows, the rows stay.
    QTest::mouseClick(regex, Qt::LeftButton);
    QVERIFY(regex->isChecked());
    QTRY_VERIFY(!p.view.filterErrorText().isEmpty());
    QVERIFY2(p.view.filterErrorText().contains(QStringLiteral("invalid regular expression")),
             qPrintable(p.view.filterErrorText()));
    QVERIFY(p.child<QLabel>("filterError")->isVisible());
    QCOMPARE(p.model()->rowCount(), 20);

    QTest::keyClicks(text, QStringLiteral(")|payments/1\\d$"));
    QTRY_VERIFY(p.view.filterErrorText().isEmpty());
    QVERIFY(!p.child<QLabel>("filterError")->isVisible());
    LogFilter reference;
    reference.pattern = text->text();
    reference.patternCase = Qt::CaseInsensitive;
    QTRY_COMPARE(p.model()->rowCount(), int(p.state.logs()->filter(reference).matches.size()));
    QVERIFY(p.model()->rowCount() > 20);
}

void TestLogView::clickingRequestIdShowsThatRequest()
{
    Panel p;
    QVERIFY(QTest::qWaitForWindowExposed(&p.view));
    QVERIFY(feed(p.state, lines(1, 300)));
    QTableView *table = p.table();
    QTRY_VERIFY(rowVisible(table, 299)); // following: the newest line is on screen
    const int row = table->rowAt(table->viewport()->height() / 2);
    QVERIFY(row > 0);
    const QModelIndex cell = p.model()->index(row, LogTableModel::RequestIdColumn);
    const QString id = cell.data().toString();
    const QString message = p.model()->index(row, LogTableModel::MessageColumn).data().toString();
    QVERIFY(id.startsWith(QStringLiteral("req-")));

    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(cell).center());
    auto *requestId = p.child<QLineEdit>("requestIdFilter");
    QCOMPARE(requestId->text(), id);
    QTRY_VERIFY(p.model()->rowCount() >= 1 && p.model()->rowCount() <= 3);
    QCOMPARE(column(p.model(), LogTableModel::RequestIdRole), QSet<QString> {id});
    QVERIFY(column(p.model(), Qt::DisplayRole).contains(message));

    // The line edit's clear button brings every line back, with the clicked one selected.
    auto *clear = requestId->findChild<QToolButton *>();
    QVERIFY(clear);
    QTRY_VERIFY(clear->isVisible());
    QTest::mouseClick(clear, Qt::LeftButton);
    QVERIFY(requestId->text().isEmpty());
    QTRY_COMPARE(p.model()->rowCount(), 300);
    QVERIFY(!p.view.isFollowing());
    const QModelIndexList selected = table->selectionModel()->selectedRows();
    QCOMPARE(selected.size(), 1);
    QCOMPARE(selected.first().row(), row);
    QVERIFY(rowVisible(table, row));
}

void TestLogView::ctrlCCopiesSelectedLines()
{
    Panel p;
    QVERIFY(QTest::qWaitForWindowExposed(&p.view));
    QVERIFY(feed(p.state, lines(1, 100)));
    QTest::mouseClick(p.child<QPushButton>("followButton"), Qt::LeftButton);
    QVERIFY(!p.view.isFollowing());
    QTableView *table = p.table();
    table->scrollToTop();
    const auto centre = [&](int row) { return table->visualRect(p.model()->index(row, LogTableModel::MessageColumn)).center(); };
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, centre(2));
    QTest::mouseClick(table->viewport(), Qt::LeftButton, Qt::ShiftModifier, centre(4));
    QCOMPARE(table->selectionModel()->selectedRows().size(), 3);
    QVERIFY(p.child<QLineEdit>("requestIdFilter")->text().isEmpty()); // not a request-id click

    QApplication::clipboard()->clear();
    QTest::keyClick(table, Qt::Key_C, Qt::ControlModifier);
    const QStringList copied = QApplication::clipboard()->text().split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(copied.size(), 3);
    for (int i = 0; i < 3; ++i) {
        const LogLine expected = line(quint64(3 + i));
        const QStringList fields = copied.at(i).split(u'\t');
        QCOMPARE(fields.size(), int(LogTableModel::ColumnCount));
        QCOMPARE(fields.at(LogTableModel::RequestIdColumn), expected.requestId);
        QCOMPARE(fields.last(), expected.message);
        QCOMPARE(copied.at(i), p.view.model()->rowText(2 + i));
    }
}

void TestLogView::exportWritesFilteredLines()
{
    Panel p;
    QVERIFY(feed(p.state, lines(1, 400)));
    auto *level = p.child<QComboBox>("levelFilter");
    level->setCurrentIndex(level->findText(QStringLiteral("Errors only")));
    QTRY_COMPARE(p.model()->rowCount(), 20);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("errors.tsv"));
    QSignalSpy finished(&p.view, &LogView::exportFinished);
    QVERIFY(p.view.startExport(path));
    QVERIFY(p.view.isExporting());
    QVERIFY(!p.view.startExport(path)); // one at a time
    QVERIFY(finished.wait(5000));
    QVERIFY(finished.at(0).at(0).toBool());
    QCOMPARE(finished.at(0).at(1).toString(), QStringLiteral("Exported 20 lines to %1").arg(path));
    QVERIFY(!p.view.isExporting());
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> written = file.readAll().split('\n');
    QCOMPARE(written.size(), 21); // 20 lines and the final newline
    QVERIFY(written.last().isEmpty());
    for (int row = 0; row < 20; ++row) {
        QCOMPARE(QString::fromUtf8(written.at(row)), p.view.model()->rowText(row));
        QVERIFY(written.at(row).contains("\tERROR\t"));
    }

    finished.clear();
    QVERIFY(p.view.startExport(dir.filePath(QStringLiteral("missing/folder/x.tsv"))));
    QVERIFY(finished.wait(5000));
    QVERIFY(!finished.at(0).at(0).toBool());
    QVERIFY(finished.at(0).at(1).toString().contains(QStringLiteral("missing/folder/x.tsv")));
}

void TestLogView::bigExportKeepsTheBoardLive()
{
    // 200,000 lines take a few hundred ms to format: the event loop must keep turning, and what
    // is written is what was shown when the export started, whatever arrives meanwhile.
    Panel p;
    for (int i = 0; i < 50; ++i)
        QVERIFY(feed(p.state, lines(1 + i * 4000, 4000)));
    const int shown = p.model()->rowCount();
    QCOMPARE(shown, 200000);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("all.tsv"));
    // Each turn of the event loop while the text is made sees the progress on the button.
    QSet<QString> progress;
    auto *button = p.child<QPushButton>("exportButton");
    QTimer tick;
    tick.setInterval(0);
    connect(&tick, &QTimer::timeout, [&] {
        if (button->text().startsWith(QStringLiteral("Exporting")))
            progress.insert(button->text());
    });
    QSignalSpy finished(&p.view, &LogView::exportFinished);
    QVERIFY(p.view.startExport(path));
    tick.start();
    QVERIFY(feed(p.state, lines(200001, 100))); // arrives after the export started
    QVERIFY(finished.wait(30000));
    tick.stop();
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    QVERIFY2(progress.size() >= 3, qPrintable(QStringList(progress.values()).join(QStringLiteral(", "))));
    QCOMPARE(button->text(), QStringLiteral("Export…"));
    QVERIFY(button->isEnabled());
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    QCOMPARE(text.count('\n'), shown);
    QVERIFY(text.startsWith(QByteArray(p.view.model()->rowText(0).toUtf8() + '\n')));
}

void TestLogView::pauseKeepsFirstVisibleRow()
{
    Panel p;
    QVERIFY(QTest::qWaitForWindowExposed(&p.view));
    QVERIFY(feed(p.state, lines(1, 500)));
    QTableView *table = p.table();
    QTRY_VERIFY(rowVisible(table, 499));
    QVERIFY(p.view.newLinesText().isEmpty());

    QTest::mouseClick(p.child<QPushButton>("followButton"), Qt::LeftButton);
    QVERIFY(!p.view.isFollowing());
    table->scrollTo(p.model()->index(100, 0), QAbstractItemView::PositionAtTop);
    const int top = table->rowAt(0);
    const quint64 topSeq = p.view.model()->seqAt(top);

    QVERIFY(feed(p.state, lines(501, 200)));
    QCOMPARE(p.model()->rowCount(), 700);
    QCOMPARE(p.view.model()->seqAt(table->rowAt(0)), topSeq);
    QCOMPARE(p.view.newLinesText(), QStringLiteral("200 new lines"));
    QVERIFY(p.child<QPushButton>("newLinesBadge")->isVisible());
    QVERIFY(!rowVisible(table, 699));

    // Space (table focused) follows again: to the newest line, badge gone.
    table->setFocus();
    QTest::keyClick(table, Qt::Key_Space);
    QVERIFY(p.view.isFollowing());
    QTRY_VERIFY(rowVisible(table, 699));
    QVERIFY(p.view.newLinesText().isEmpty());
    QVERIFY(!p.child<QPushButton>("newLinesBadge")->isVisible());
    QVERIFY(feed(p.state, lines(701, 50)));
    QTRY_VERIFY(rowVisible(table, 749));

    // Paused, a new filter keeps the place too: the first matching line at or after the top one.
    QTest::keyClick(table, Qt::Key_Space);
    QVERIFY(!p.view.isFollowing());
    table->scrollTo(p.model()->index(100, 0), QAbstractItemView::PositionAtTop);
    QTest::keyClicks(p.child<QLineEdit>("textFilter"), QStringLiteral("payment"));
    QTRY_COMPARE(p.model()->rowCount(), 150);
    QCOMPARE(p.view.model()->seqAt(table->rowAt(0)), quint64(102)); // line 103, the next payment one
    p.child<QLineEdit>("textFilter")->clear();
    QTRY_COMPARE(p.model()->rowCount(), 750);
    QCOMPARE(p.view.model()->seqAt(table->rowAt(0)), quint64(102));
}

void TestLogView::scrollingUpPauses()
{
    Panel p;
    QVERIFY(QTest::qWaitForWindowExposed(&p.view));
    QVERIFY(feed(p.state, lines(1, 300)));
    QVERIFY(p.view.isFollowing());
    QWidget *viewport = p.table()->viewport();
    const QPointF at = viewport->rect().center();
    QWheelEvent wheel(at, viewport->mapToGlobal(at), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(viewport, &wheel);
    QVERIFY(!p.view.isFollowing());
    const quint64 topSeq = p.view.model()->seqAt(p.table()->rowAt(0));
    QVERIFY(feed(p.state, lines(301, 10)));
    QCOMPARE(p.view.model()->seqAt(p.table()->rowAt(0)), topSeq);
    QCOMPARE(p.view.newLinesText(), QStringLiteral("10 new lines"));
    // The badge jumps back to the end.
    QTest::mouseClick(p.child<QPushButton>("newLinesBadge"), Qt::LeftButton);
    QVERIFY(p.view.isFollowing());
    QTRY_VERIFY(rowVisible(p.table(), 309));
}

// The board's store holds 32 MB: past that, the oldest lines leave at the top of the table, and
// a paused view must still show the same first line.
void TestLogView::pausedPlaceSurvivesEviction()
{
    Panel p;
    QVERIFY(QTest::qWaitForWindowExposed(&p.view));
    QVERIFY(feed(p.state, lines(1, 100000)));
    QTest::mouseClick(p.child<QPushButton>("followButton"), Qt::LeftButton);
    QTableView *table = p.table();
    table->scrollTo(p.model()->index(90000, 0), QAbstractItemView::PositionAtTop);
    const quint64 topSeq = p.view.model()->seqAt(table->rowAt(0));
    QCOMPARE(topSeq, quint64(90000));

    const LogStore *store = p.state.logs();
    quint64 next = 100001;
    while (store->evictedEntries() == 0) {
        QVERIFY(feed(p.state, lines(next, 50000)));
        next += 50000;
        QVERIFY(next < 1'000'000);
    }
    QVERIFY(feed(p.state, lines(next, 20000)));
    QVERIFY(store->firstSeq() > 0 && store->firstSeq() < topSeq);
    QVERIFY(store->bytesUsed() <= store->byteBudget());
    QCOMPARE(p.view.model()->seqAt(0), store->firstSeq());
    QCOMPARE(p.model()->rowCount(), int(store->size()));
    QCOMPARE(p.view.model()->seqAt(table->rowAt(0)), topSeq);
    QVERIFY2(p.view.countText().contains(QStringLiteral("older lines dropped")), qPrintable(p.view.countText()));
}

void TestLogView::gapLineIsShown()
{
    Panel p;
    QVERIFY(QTest::qWaitForWindowExposed(&p.view));
    QVERIFY(feed(p.state, lines(1, 100)));
    QVERIFY(p.state.logs()->appendGap(LogGap {LogId {101}, LogId {1334}}));
    QVERIFY(feed(p.state, lines(1335, 20)));
    QCOMPARE(p.model()->rowCount(), 121);
    const QModelIndex gap = p.model()->index(100, LogTableModel::MessageColumn);
    QVERIFY(gap.data(LogTableModel::IsGapRole).toBool());
    QCOMPARE(gap.data().toString(), LogTableModel::gapText(1234, 101, 1334));
    QVERIFY(gap.data().toString().contains(QStringLiteral("lines missed")));
    p.table()->scrollTo(gap);
    QVERIFY(rowVisible(p.table(), 100));

    // Whatever the filter.
    QTest::keyClicks(p.child<QLineEdit>("textFilter"), QStringLiteral("payment"));
    QTRY_COMPARE(p.model()->rowCount(), 20 + 4 + 1);
    QVERIFY(column(p.model(), Qt::DisplayRole).contains(LogTableModel::gapText(1234, 101, 1334)));
}

void TestLogView::followsBoardSelection()
{
    Panel p;
    HealthSnapshot health;
    health.gateway.name = QStringLiteral("gateway");
    health.gateway.kind = ServiceKind::Gateway;
    for (const char *name : {"monolith", "user-service", "payment-service"}) {
        ServiceHealth s;
        s.name = QLatin1String(name);
        s.kind = s.name == QLatin1String("monolith") ? ServiceKind::Monolith : ServiceKind::Microservice;
        health.services.append(s);
    }
    p.state.services()->apply(health);
    auto *service = p.child<QComboBox>("serviceFilter");
    QStringList items;
    for (int i = 0; i < service->count(); ++i)
        items.append(service->itemText(i));
    QCOMPARE(items, (QStringList {QStringLiteral("All services"), QStringLiteral("user-service"), QStringLiteral("payment-service")}));

    QVERIFY(feed(p.state, lines(1, 300)));
    service->setCurrentIndex(1);
    QTRY_COMPARE(p.model()->rowCount(), 60);

    p.state.select({MetricGroup::Scope::Service, QStringLiteral("payment-service"), MetricGroup::Via::All});
    QCOMPARE(service->currentText(), QStringLiteral("payment-service"));
    QTRY_COMPARE(column(p.model(), Qt::DisplayRole, LogTableModel::ServiceColumn), QSet<QString> {QStringLiteral("payment-service")});
    // A route: its service (found in the lines), as LogFilter has no route criterion.
    p.state.select({MetricGroup::Scope::Route, QStringLiteral("media"), MetricGroup::Via::Microservice});
    QCOMPARE(service->currentText(), QStringLiteral("media-service"));
    QTRY_COMPARE(p.model()->rowCount(), 60);
    p.state.select({});
    QCOMPARE(service->currentIndex(), 0);
    QCOMPARE(p.model()->rowCount(), 300);
}

// A real gateway: a backfill that starts behind its buffer (a gap), then live lines.
void TestLogView::liveLinesFromGateway()
{
    SimFixture sim;
    QVERIFY2(sim.start({QStringLiteral("--seed"), QStringLiteral("11"), QStringLiteral("--manual-clock"),
                        QStringLiteral("--log-buffer"), QStringLiteral("400")}),
             qPrintable(sim.error()));
    QCOMPARE(sim.request("POST", QStringLiteral("/sim/faults"), Role::Admin,
                         R"({"service":"payment-service","backend":"monolith","error_rate":0.3,"reason":"test"})")
                 .status,
             201);
    QVERIFY(sim.step(4));

    QNetworkAccessManager nam;
    LogStream stream(&nam, HttpEndpoint {sim.url(), sim.token(Role::Viewer), {}, std::chrono::milliseconds(10000)});
    BoardState state;
    state.attach(nullptr, &stream);
    LogView view(&state);
    view.resize(1500, 560);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QCOMPARE(view.connectionText(), QStringLiteral("Stopped"));

    stream.start(LogId {5});
    QTRY_COMPARE_WITH_TIMEOUT(view.connectionText(), QStringLiteral("Live"), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(view.model()->rowCount(), 401, 10000); // the gap, then the buffer
    const QModelIndex gap = view.model()->index(0, LogTableModel::MessageColumn);
    QVERIFY(gap.data(LogTableModel::IsGapRole).toBool());
    QVERIFY(gap.data().toString().contains(QStringLiteral("lines missed (ids 6–")));

    QVERIFY(sim.step(2));
    QTRY_VERIFY_WITH_TIMEOUT(view.model()->rowCount() > 600, 10000);
    QTRY_VERIFY(rowVisible(view.table(), view.model()->rowCount() - 1));
    QVERIFY(view.countText().contains(QStringLiteral("lines · store ")));
    // To look at the panel: CUTOVER_LOGVIEW_SHOT=/tmp/logview (writes -errors.png and -filtered.png).
    if (const QString shot = qEnvironmentVariable("CUTOVER_LOGVIEW_SHOT"); !shot.isEmpty()) {
        auto *level = view.findChild<QComboBox *>(QStringLiteral("levelFilter"));
        level->setCurrentIndex(level->findText(QStringLiteral("Warnings and errors")));
        view.setFollowing(false);
        view.table()->scrollToTop();
        view.table()->selectRow(3);
        QVERIFY(view.grab().save(shot + QStringLiteral("-errors.png")));
        level->setCurrentIndex(0);
        view.setFollowing(true);
        QTest::keyClicks(view.findChild<QLineEdit *>(QStringLiteral("textFilter")), QStringLiteral("payment"));
        QTRY_VERIFY(view.model()->rowCount() < 600);
        QVERIFY(view.grab().save(shot + QStringLiteral("-filtered.png")));
        view.setFollowing(false);
        QTest::mouseClick(view.findChild<QToolButton *>(QStringLiteral("regexToggle")), Qt::LeftButton);
        QTest::keyClicks(view.findChild<QLineEdit *>(QStringLiteral("textFilter")), QStringLiteral("|(timeout"));
        QTRY_VERIFY(!view.filterErrorText().isEmpty());
        QVERIFY(sim.step(1));
        QTRY_VERIFY(!view.newLinesText().isEmpty());
        QVERIFY(view.grab().save(shot + QStringLiteral("-paused.png")));
    }

    sim.stop();
    QTRY_VERIFY_WITH_TIMEOUT(view.connectionText().startsWith(QStringLiteral("Reconnecting")), 10000);
    stream.stop();
    QCOMPARE(view.connectionText(), QStringLiteral("Stopped"));
}

QTEST_MAIN(TestLogView)
#include "tst_logview.moc"
