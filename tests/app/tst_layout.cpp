// Layout that fits (issue 14, part 5): a first start on a 1366×768 laptop and on a 1920×1080
// desktop (offscreen screens of those sizes), the viewer's explanation, and dialogs that keep
// their size while their texts change. Real main window and dialogs against a real cutover-sim.
#include "app/common/appsession.h"
#include "models/boardstate.h"
#include "models/identitymodel.h"
#include "models/rollbackcontroller.h"
#include "models/routesmodel.h"
#include "tests/support/simfixture.h"
#include "widgets/changedialog.h"
#include "widgets/healthboard.h"
#include "widgets/mainwindow.h"
#include "widgets/rollbackcontrol.h"
#include "widgets/rollbackdialog.h"
#include "widgets/routespanel.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScreen>
#include <QScrollBar>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace cutover;
using namespace std::chrono_literals;
using test::SimFixture;

namespace {

QScreen *screenSized(const QSize &size)
{
    for (QScreen *s : QGuiApplication::screens())
        if (s->geometry().size() == size)
            return s;
    return nullptr;
}

// Saves what the tests look at when CUTOVER_TEST_SCREENSHOTS names a folder.
void shot(QWidget *w, const QString &name)
{
    const QString dir = qEnvironmentVariable("CUTOVER_TEST_SCREENSHOTS");
    if (!dir.isEmpty())
        w->grab().save(dir + QLatin1Char('/') + name + QStringLiteral(".png"));
}

// Lets posted layout requests run: a check that something did NOT move needs them done.
void settle()
{
    for (int i = 0; i < 3; ++i) {
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        QCoreApplication::processEvents();
    }
}

} // namespace

class TestLayout : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void firstStartFitsALaptop();
    void firstStartOnAFullHdScreen();
    void viewersExplanationWraps();
    void changeDialogKeepsItsSize();
    void rollbackDialogKeepsItsSize();

private:
    // A first start (no saved layout) connected as `role`, on `screen`, as the app opens it.
    void firstStart(Role role, QScreen *screen);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<SimFixture> m_sim;
    std::unique_ptr<AppSession> m_session;
};

void TestLayout::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY2(screenSized(QSize(1366, 768)) && screenSized(QSize(1920, 1080)), "the offscreen screens are not configured");
}

void TestLayout::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_settings = std::make_unique<QSettings>(m_dir->filePath(QStringLiteral("cutover.ini")), QSettings::IniFormat);
    m_sim = std::make_unique<SimFixture>();
    QVERIFY2(m_sim->start({QStringLiteral("--seed"), QStringLiteral("11"), QStringLiteral("--rate"), QStringLiteral("200")}),
             qPrintable(m_sim->error()));
}

void TestLayout::cleanup()
{
    if (QWidget *modal = QApplication::activeModalWidget())
        modal->close();
    m_session.reset();
    m_sim.reset();
}

void TestLayout::firstStart(Role role, QScreen *screen)
{
    m_session = std::make_unique<AppSession>(m_settings.get(), m_dir->filePath(QStringLiteral("data/recoveries.json")));
    Profile profile = Profile::demo();
    profile.url = m_sim->url();
    m_session->connectTo(profile, m_sim->token(role));
    MainWindow *w = m_session->window();
    // Where the window manager would put it: on that screen.
    w->setScreen(screen);
    w->move(screen->availableGeometry().topLeft());
    w->show();
    QVERIFY(QTest::qWaitForWindowExposed(w));
    QTRY_VERIFY_WITH_TIMEOUT(w->healthBoard()->view()->model()->rowCount() >= 5, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(m_session->identity()->identity().has_value(), 10000);
    settle();
}

void TestLayout::firstStartFitsALaptop()
{
    QScreen *laptop = screenSized(QSize(1366, 768));
    firstStart(Role::Operator, laptop);
    MainWindow *w = m_session->window();
    QCOMPARE(w->screen(), laptop);
    const QRect available = laptop->availableGeometry();
    QVERIFY2(available.contains(w->frameGeometry()),
             qPrintable(QStringLiteral("window %1,%2 %3×%4 on %5×%6")
                            .arg(w->frameGeometry().x()).arg(w->frameGeometry().y())
                            .arg(w->frameGeometry().width()).arg(w->frameGeometry().height())
                            .arg(available.width()).arg(available.height())));
    // The status bar, the last thing at the bottom, is on the screen.
    QStatusBar *status = w->statusBar();
    QVERIFY(status->isVisible());
    const QRect statusOnScreen(status->mapToGlobal(QPoint(0, 0)), status->size());
    QVERIFY2(available.contains(statusOnScreen), qPrintable(QString::number(statusOnScreen.bottom())));
    // And the board still shows a few services.
    QTableView *board = w->healthBoard()->view();
    QVERIFY(board->viewport()->height() >= 4 * board->verticalHeader()->defaultSectionSize());
    shot(w, QStringLiteral("first-start-1366x768"));
}

void TestLayout::firstStartOnAFullHdScreen()
{
    QScreen *desktop = screenSized(QSize(1920, 1080));
    firstStart(Role::Operator, desktop);
    MainWindow *w = m_session->window();
    QCOMPARE(w->screen(), desktop);
    QVERIFY(desktop->availableGeometry().contains(w->frameGeometry()));
    // The board's columns all fit: no horizontal scroll bar.
    QTableView *board = w->healthBoard()->view();
    QVERIFY2(!board->horizontalScrollBar()->isVisible(),
             qPrintable(QStringLiteral("board %1 px wide, columns %2 px").arg(board->viewport()->width()).arg(board->horizontalHeader()->length())));
    // At least 15 lines of the log tail.
    QDockWidget *logs = w->dock(QStringLiteral("logPanel"));
    QVERIFY(!logs->visibleRegion().isEmpty());
    auto *table = logs->findChild<QTableView *>(QStringLiteral("logTable"));
    QVERIFY(table);
    const int rows = table->viewport()->height() / table->verticalHeader()->defaultSectionSize();
    QVERIFY2(rows >= 15, qPrintable(QString::number(rows)));
    // The charts are not squeezed for it.
    QVERIFY(w->dock(QStringLiteral("chartsPanel"))->width() >= w->width() / 5);
    shot(w, QStringLiteral("first-start-1920x1080"));
}

void TestLayout::viewersExplanationWraps()
{
    firstStart(Role::Viewer, screenSized(QSize(1366, 768)));
    MainWindow *w = m_session->window();
    RollbackControl *control = w->rollbackControl();
    QTRY_VERIFY(control->statusText().contains(QStringLiteral("viewer role")));
    settle();
    auto *label = control->findChild<QLabel *>(QStringLiteral("rollbackStatus"));
    QVERIFY(label);
    // Shown whole: not cut with an ellipsis, and as tall as its wrapped lines.
    QCOMPARE(label->text(), m_session->rollback()->blockedReason());
    QVERIFY(!label->text().endsWith(QChar(0x2026)));
    QVERIFY(label->wordWrap());
    QVERIFY2(label->height() >= label->heightForWidth(label->width()),
             qPrintable(QStringLiteral("%1 < %2").arg(label->height()).arg(label->heightForWidth(label->width()))));
    QVERIFY(w->rect().contains(QRect(label->mapTo(w, QPoint(0, 0)), label->size())));
    shot(w, QStringLiteral("viewer-1366x768"));
}

void TestLayout::changeDialogKeepsItsSize()
{
    firstStart(Role::Operator, screenSized(QSize(1366, 768)));
    QTRY_COMPARE_WITH_TIMEOUT(m_session->routes()->rowCount(), 6, 10000);
    QDockWidget *dock = m_session->window()->dock(QStringLiteral("routesPanel"));
    dock->raise();
    auto *panel = qobject_cast<RoutesPanel *>(dock->widget());
    QVERIFY(panel->selectRoute(QStringLiteral("payments")));
    // Traffic figures, so that the preview says how many requests move (its longest form).
    QTRY_VERIFY_WITH_TIMEOUT(m_session->routes()->observed(QStringLiteral("payments")).has_value(), 15000);
    QTest::mouseClick(panel->changeButton(), Qt::LeftButton);
    QPointer<ChangeDialog> dialog = panel->activeDialog();
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    settle();
    const QSize size = dialog->size();
    const QRect buttons = dialog->findChild<QDialogButtonBox *>()->geometry();
    QLabel *preview = nullptr; // the framed, wrapped label that says what moves
    for (QLabel *label : dialog->findChildren<QLabel *>())
        if (label->wordWrap() && label->text() == dialog->previewText())
            preview = label;
    QVERIFY(preview);
    QSet<QString> previews;
    for (QPushButton *preset : dialog->presetButtons()) {
        QTest::mouseClick(preset, Qt::LeftButton);
        settle();
        previews << dialog->previewText();
        QVERIFY2(dialog->size() == size, qPrintable(preset->text() + QStringLiteral(": ") + dialog->previewText()));
        // And the whole text shows: the room was there from the start (not cut, not grown).
        QVERIFY2(preview->height() >= preview->heightForWidth(preview->width()),
                 qPrintable(QStringLiteral("%1: %2 px for %3 px of text").arg(preset->text()).arg(preview->height())
                                .arg(preview->heightForWidth(preview->width()))));
        QCOMPARE(dialog->findChild<QDialogButtonBox *>()->geometry(), buttons);
    }
    QVERIFY(previews.size() >= 4); // the texts did change
    QTest::keyClicks(dialog->reasonField(), QStringLiteral("a reason"));
    settle();
    QCOMPARE(dialog->size(), size);
    shot(dialog, QStringLiteral("change-dialog"));
}

void TestLayout::rollbackDialogKeepsItsSize()
{
    firstStart(Role::Operator, screenSized(QSize(1366, 768)));
    RollbackController *c = m_session->rollback();
    QTRY_VERIFY_WITH_TIMEOUT(c->hasState() && !c->routes().routes.isEmpty(), 10000);
    RollbackControl *control = m_session->window()->rollbackControl();
    QTest::mouseClick(control->button(), Qt::LeftButton);
    QPointer<RollbackDialog> dialog = control->dialog();
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    settle();
    const QSize size = dialog->size();
    QTest::keyClicks(dialog->reasonField(), QStringLiteral("post-service 5xx spike"));
    QVERIFY(dialog->confirmButton()->isEnabled()); // the hint below says something else now
    settle();
    QCOMPARE(dialog->size(), size);
    dialog->reasonField()->clear();
    settle();
    QCOMPARE(dialog->size(), size);
    // It fits the laptop's screen.
    QVERIFY(dialog->screen()->availableGeometry().height() >= dialog->frameGeometry().height());
    shot(dialog, QStringLiteral("rollback-dialog"));
}

int main(int argc, char **argv)
{
    // Two screens as an operator has them: a laptop's, and a full HD monitor beside it.
    QTemporaryDir dir;
    QFile config(dir.filePath(QStringLiteral("screens.json")));
    if (!config.open(QIODevice::WriteOnly))
        return 1;
    config.write(R"({
        "windowFrameMargins": true,
        "screens": [
            { "name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1 },
            { "name": "fullhd", "x": 1366, "y": 0, "width": 1920, "height": 1080, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1 }
        ]
    })");
    config.close();
    qputenv("QT_QPA_PLATFORM", "offscreen:configfile=" + config.fileName().toLocal8Bit());
    QApplication app(argc, argv);
    app.setAttribute(Qt::AA_Use96Dpi, true);
    TestLayout test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_layout.moc"
