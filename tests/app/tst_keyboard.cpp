// Keys that never surprise (issue 14, part 1), on the real main window and dialogs, offscreen,
// against a real cutover-sim: Enter and Esc in every dialog, one Tab stop per table with a
// visible focus ring, one shortcut per action, the Help window that lists them, the View menu.
#include "app/common/appsession.h"
#include "client/poller.h"
#include "models/boardstate.h"
#include "models/identitymodel.h"
#include "models/rollbackcontroller.h"
#include "models/routesmodel.h"
#include "models/servicemodel.h"
#include "tests/support/simfixture.h"
#include "widgets/changedialog.h"
#include "widgets/connectionbar.h"
#include "widgets/healthboard.h"
#include "widgets/mainwindow.h"
#include "widgets/rollbackcontrol.h"
#include "widgets/rollbackdialog.h"
#include "widgets/routespanel.h"
#include "widgets/shortcutsdialog.h"

#include <QAction>
#include <QApplication>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace cutover;
using namespace std::chrono_literals;
using test::SimFixture;

namespace {

// Saves what the tests look at when CUTOVER_TEST_SCREENSHOTS names a folder (for reviewing the
// layout by eye); does nothing otherwise.
void shot(QWidget *w, const QString &name)
{
    const QString dir = qEnvironmentVariable("CUTOVER_TEST_SCREENSHOTS");
    if (!dir.isEmpty())
        w->grab().save(dir + QLatin1Char('/') + name + QStringLiteral(".png"));
}

QMessageBox *discardPrompt(QWidget *dialog)
{
    for (QMessageBox *box : dialog->findChildren<QMessageBox *>(QStringLiteral("discardPrompt")))
        if (box->isVisible())
            return box;
    return nullptr;
}

int routePercent(SimFixture &sim, const char *id)
{
    return sim.get(QStringLiteral("/admin/routes/") + QLatin1String(id)).json()["microservice_percent"].get<int>();
}

// The key sequences every action and shortcut object of `window` claims, with what claims them.
QMultiMap<QString, QString> claimedKeys(const QWidget *window)
{
    QMultiMap<QString, QString> keys;
    for (const QAction *a : window->findChildren<QAction *>())
        for (const QKeySequence &k : a->shortcuts())
            keys.insert(k.toString(QKeySequence::PortableText), a->text());
    for (const QShortcut *s : window->findChildren<QShortcut *>())
        for (const QKeySequence &k : s->keys())
            keys.insert(k.toString(QKeySequence::PortableText), s->parent()->objectName());
    return keys;
}

QMenu *menuNamed(QWidget *window, const QString &title)
{
    for (QMenuBar *bar : window->findChildren<QMenuBar *>())
        for (QAction *a : bar->actions())
            if (a->menu() && a->text() == title)
                return a->menu();
    return nullptr;
}

} // namespace

class TestKeyboard : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void changeDialogEnterNeverDiscards();
    void changeDialogEscAsksBeforeDroppingAReason();
    void rollbackNeedsItsButtonOrCtrlEnter();
    void tabLeavesTheBoardAndTheTables();
    void everyTableShowsWhereTheFocusIs();
    void findGoesToTheFocusedPanel();
    void helpListsTheRegisteredShortcuts();
    void viewMenuListsEveryPanelInOrder();

private:
    void connectAs(Role role, Environment environment = Environment::Development);
    ChangeDialog *openRouteDialog(int presetIndex);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<SimFixture> m_sim;
    std::unique_ptr<AppSession> m_session;
};

void TestKeyboard::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TestKeyboard::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_settings = std::make_unique<QSettings>(m_dir->filePath(QStringLiteral("cutover.ini")), QSettings::IniFormat);
    m_sim = std::make_unique<SimFixture>();
    QVERIFY2(m_sim->start({QStringLiteral("--seed"), QStringLiteral("11"), QStringLiteral("--rate"), QStringLiteral("200")}),
             qPrintable(m_sim->error()));
}

void TestKeyboard::cleanup()
{
    if (QWidget *modal = QApplication::activeModalWidget())
        modal->close();
    m_session.reset();
    m_sim.reset();
}

void TestKeyboard::connectAs(Role role, Environment environment)
{
    m_session = std::make_unique<AppSession>(m_settings.get(), m_dir->filePath(QStringLiteral("data/recoveries.json")));
    Profile profile = Profile::demo();
    profile.name = environment == Environment::Production ? QStringLiteral("prod-eu") : QStringLiteral("sim-dev");
    profile.environment = environment;
    profile.url = m_sim->url();
    profile.configInterval = 300ms;
    m_session->connectTo(profile, m_sim->token(role));
    MainWindow *w = m_session->window();
    w->resize(1400, 900);
    w->show();
    QVERIFY(QTest::qWaitForWindowExposed(w));
    w->buildPanels();
    QTRY_COMPARE_WITH_TIMEOUT(m_session->routes()->rowCount(), 6, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(m_session->identity()->identity().has_value(), 10000);
    RollbackController *c = m_session->rollback();
    QTRY_VERIFY_WITH_TIMEOUT(c->hasState() && !c->routes().routes.isEmpty(), 10000);
}

ChangeDialog *TestKeyboard::openRouteDialog(int presetIndex)
{
    QDockWidget *dock = m_session->window()->dock(QStringLiteral("routesPanel"));
    dock->show();
    dock->raise();
    auto *panel = qobject_cast<RoutesPanel *>(dock->widget());
    if (!panel || !panel->selectRoute(QStringLiteral("payments")))
        return nullptr;
    QTest::mouseClick(panel->stepButtons().at(presetIndex), Qt::LeftButton);
    ChangeDialog *dialog = panel->activeDialog();
    if (dialog && !QTest::qWaitForWindowExposed(dialog))
        return nullptr;
    return dialog;
}

void TestKeyboard::changeDialogEnterNeverDiscards()
{
    connectAs(Role::Operator);
    QPointer<ChangeDialog> dialog = openRouteDialog(3); // 25 %
    QVERIFY(dialog);
    QCOMPARE(dialog->percentField()->value(), 25);
    // Not valid yet (no reason): Confirm is not the default, and Enter keeps everything.
    QVERIFY(!dialog->confirmButton()->isEnabled());
    QVERIFY(!dialog->confirmButton()->isDefault());
    QTest::keyClick(dialog->reasonField(), Qt::Key_Return);
    QTest::keyClick(dialog->percentField(), Qt::Key_Enter, Qt::KeypadModifier);
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->phase(), ChangeDialog::Phase::Editing);
    QCOMPARE(dialog->percentField()->value(), 25);
    QVERIFY(dialog->reasonField()->hasFocus()); // Enter led to what is missing
    // With a reason it is valid: now Enter applies it (a route change, not the rollback).
    QTest::keyClicks(dialog->reasonField(), QStringLiteral("canary for payments"));
    QVERIFY(dialog->confirmButton()->isEnabled());
    QVERIFY(dialog->confirmButton()->isDefault());
    QTest::keyClick(dialog->reasonField(), Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog, 10000);
    QCOMPARE(routePercent(*m_sim, "payments"), 25);
}

void TestKeyboard::changeDialogEscAsksBeforeDroppingAReason()
{
    connectAs(Role::Operator);
    QPointer<ChangeDialog> dialog = openRouteDialog(4); // 50 %
    QVERIFY(dialog);
    // Nothing typed: Esc just cancels.
    QTest::keyClick(dialog->percentField(), Qt::Key_Escape);
    QTRY_VERIFY(!dialog);

    dialog = openRouteDialog(4);
    QVERIFY(dialog);
    QTest::keyClicks(dialog->reasonField(), QStringLiteral("half of payments"));
    QTest::keyClick(dialog->reasonField(), Qt::Key_Escape);
    QVERIFY(dialog && dialog->isVisible());
    QMessageBox *prompt = discardPrompt(dialog);
    QVERIFY2(prompt, "Esc dropped a typed reason without asking");
    // Enter (and Esc) on the question keep editing.
    QVERIFY(QTest::qWaitForWindowExposed(prompt));
    shot(prompt, QStringLiteral("discard-prompt"));
    QTest::keyClick(prompt, Qt::Key_Return);
    QTRY_VERIFY(!discardPrompt(dialog));
    QVERIFY(dialog && dialog->isVisible());
    QCOMPARE(dialog->reasonField()->text(), QStringLiteral("half of payments"));
    // So does the Cancel button: it asks too; "Discard" is an explicit answer.
    QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Cancel), Qt::LeftButton);
    prompt = discardPrompt(dialog);
    QVERIFY(prompt);
    QTest::mouseClick(prompt->findChild<QPushButton *>(QStringLiteral("discardButton")), Qt::LeftButton);
    QTRY_VERIFY(!dialog);
    QCOMPARE(routePercent(*m_sim, "payments"), 0);
}

void TestKeyboard::rollbackNeedsItsButtonOrCtrlEnter()
{
    connectAs(Role::Operator, Environment::Production);
    RollbackController *c = m_session->rollback();
    RollbackControl *control = m_session->window()->rollbackControl();
    QVERIFY(control->button()->isEnabled());
    QTest::mouseClick(control->button(), Qt::LeftButton);
    QPointer<RollbackDialog> dialog = control->dialog();
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    QVERIFY(!dialog->confirmButton()->isDefault());

    QTest::keyClicks(dialog->reasonField(), QStringLiteral("payments outage"));
    QTest::keyClick(dialog->reasonField(), Qt::Key_Return);
    // Ctrl+Enter before the typed confirmation does nothing either.
    QTest::keyClick(dialog->reasonField(), Qt::Key_Return, Qt::ControlModifier);
    QTest::keyClicks(dialog->confirmField(), QStringLiteral("prod-eu"));
    QVERIFY(dialog->confirmButton()->isEnabled());
    QVERIFY(!dialog->confirmButton()->isDefault());
    // A complete form, and still plain Enter never engages: not in a field, not on the button.
    QTest::keyClick(dialog->confirmField(), Qt::Key_Return);
    QTest::keyClick(dialog->confirmField(), Qt::Key_Enter, Qt::KeypadModifier);
    dialog->confirmButton()->setFocus();
    QTest::keyClick(dialog->confirmButton(), Qt::Key_Return);
    QVERIFY(dialog && dialog->isVisible());
    QCOMPARE(c->inFlight(), RollbackController::Action::None);
    QVERIFY(!c->isEngaged());
    QCOMPARE(c->sends(), 0);

    // Esc with a reason asks first; Esc on the question keeps the dialog.
    QTest::keyClick(dialog->confirmField(), Qt::Key_Escape);
    QMessageBox *prompt = discardPrompt(dialog);
    QVERIFY2(prompt, "Esc dropped a typed reason without asking");
    QVERIFY(QTest::qWaitForWindowExposed(prompt));
    QTest::keyClick(prompt, Qt::Key_Escape);
    QTRY_VERIFY(!discardPrompt(dialog));
    QVERIFY(dialog && dialog->isVisible());

    // Ctrl+Enter after the typed confirmation engages.
    QTest::keyClick(dialog->confirmField(), Qt::Key_Return, Qt::ControlModifier);
    QTRY_VERIFY_WITH_TIMEOUT(c->isEngaged(), 10000);
    QVERIFY(!dialog || !dialog->isVisible());
    const auto routes = m_sim->get(QStringLiteral("/admin/routes")).json();
    for (const auto &r : routes["routes"])
        QCOMPARE(r["microservice_percent"].get<int>(), 0);
}

void TestKeyboard::tabLeavesTheBoardAndTheTables()
{
    connectAs(Role::Viewer);
    MainWindow *w = m_session->window();
    QTableView *board = w->healthBoard()->view();
    QTRY_VERIFY_WITH_TIMEOUT(board->model()->rowCount() >= 3, 10000);
    board->setFocus();
    QTRY_VERIFY(board->hasFocus());
    QTest::keyClick(board, Qt::Key_Down);
    QTest::keyClick(board, Qt::Key_Down);
    const int row = board->currentIndex().row();
    QVERIFY(row >= 1); // arrows move inside the table
    const MetricGroup selected = m_session->state()->selection();
    // One Tab leaves the table: the selection (and so the charts and the log filter) stays.
    QTest::keyClick(board, Qt::Key_Tab);
    QVERIFY2(!board->hasFocus(), "Tab stayed in the board");
    QCOMPARE(board->currentIndex().row(), row);
    QCOMPARE(m_session->state()->selection().name, selected.name);
    // Every table of the window is one stop in the Tab chain.
    for (QAbstractItemView *view : w->findChildren<QAbstractItemView *>())
        QVERIFY2(!view->tabKeyNavigation(), qPrintable(view->objectName()));
}

void TestKeyboard::everyTableShowsWhereTheFocusIs()
{
    connectAs(Role::Viewer);
    MainWindow *w = m_session->window();
    QTableView *board = w->healthBoard()->view();
    QTRY_VERIFY_WITH_TIMEOUT(board->model()->rowCount() >= 3, 10000);
    QDockWidget *logs = w->dock(QStringLiteral("logPanel"));
    logs->raise();
    auto *logTable = logs->findChild<QTableView *>(QStringLiteral("logTable"));
    QVERIFY(logTable);
    QTRY_VERIFY(logTable->isVisible());
    const QColor ring = board->palette().color(QPalette::Active, QPalette::Highlight);
    // The left edge, half way down, inside the frame: the ring's colour only while focused.
    const auto edge = [](QWidget *view) {
        const QImage image = view->grab().toImage();
        return QColor(image.pixel(1, image.height() / 2));
    };
    for (QTableView *view : {board, logTable}) {
        view->setFocus();
        QTRY_VERIFY(view->hasFocus());
        QTRY_COMPARE(edge(view), ring);
        w->connectionBar()->setFocus(); // away
        QTRY_VERIFY(!view->hasFocus());
        QTRY_VERIFY(edge(view) != ring);
    }
}

void TestKeyboard::findGoesToTheFocusedPanel()
{
    connectAs(Role::Viewer);
    MainWindow *w = m_session->window();
    // One claim per key sequence across the window's actions and shortcuts.
    const QMultiMap<QString, QString> keys = claimedKeys(w);
    for (const QString &k : keys.uniqueKeys())
        QVERIFY2(keys.count(k) == 1, qPrintable(k + QStringLiteral(" is claimed by: ") + keys.values(k).join(QStringLiteral(", "))));

    QDockWidget *logs = w->dock(QStringLiteral("logPanel"));
    logs->raise();
    auto *logTable = logs->findChild<QTableView *>(QStringLiteral("logTable"));
    auto *logFilter = logs->findChild<QLineEdit *>(QStringLiteral("textFilter"));
    QVERIFY(logTable && logFilter);
    QTRY_VERIFY(logTable->isVisible());
    logTable->setFocus();
    QTRY_VERIFY(logTable->hasFocus());
    QTest::keySequence(logTable, QKeySequence::Find);
    QVERIFY2(logFilter->hasFocus(), "Ctrl+F in the logs did not reach the log filter");

    QTableView *board = w->healthBoard()->view();
    board->setFocus();
    QTRY_VERIFY(board->hasFocus());
    QTest::keySequence(board, QKeySequence::Find);
    QVERIFY(w->healthBoard()->filterField()->hasFocus());

    // A panel without a filter of its own: the board's.
    QDockWidget *routes = w->dock(QStringLiteral("routesPanel"));
    routes->raise();
    auto *routesTable = qobject_cast<RoutesPanel *>(routes->widget())->view();
    QTRY_VERIFY(routesTable->isVisible());
    routesTable->setFocus();
    QTRY_VERIFY(routesTable->hasFocus());
    QTest::keySequence(routesTable, QKeySequence::Find);
    QVERIFY(w->healthBoard()->filterField()->hasFocus());
}

void TestKeyboard::helpListsTheRegisteredShortcuts()
{
    connectAs(Role::Viewer);
    MainWindow *w = m_session->window();
    QMenu *help = menuNamed(w, QStringLiteral("&Help"));
    QVERIFY(help);
    QAction *open = nullptr;
    for (QAction *a : help->actions())
        if (a->text().contains(QStringLiteral("Keyboard shortcuts")))
            open = a;
    QVERIFY(open);
    // Something registered later shows up too: the list is read from the actions.
    auto *extra = new QAction(QStringLiteral("Test-only action"), w);
    extra->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_J));
    w->addAction(extra);

    QTest::keySequence(w, open->shortcut());
    auto *dialog = w->findChild<ShortcutsDialog *>();
    QVERIFY2(dialog, "F1 did not open the shortcuts window");
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    QTableWidget *table = dialog->table();
    QHash<QString, QString> listed; // keys -> action
    for (int row = 0; row < table->rowCount(); ++row)
        listed.insert(table->item(row, 1)->text(), table->item(row, 0)->text());
    const QMultiMap<QString, QString> claimed = claimedKeys(w);
    QCOMPARE(qsizetype(table->rowCount()), claimed.size());
    for (const QString &portable : claimed.keys()) {
        const QString native = QKeySequence(portable, QKeySequence::PortableText).toString(QKeySequence::NativeText);
        QVERIFY2(listed.contains(native), qPrintable(native));
    }
    QCOMPARE(listed.value(QKeySequence(QKeySequence::Find).toString(QKeySequence::NativeText)),
             QStringLiteral("Find: the focused panel's filter"));
    QCOMPARE(listed.value(RollbackControl::shortcut().toString(QKeySequence::NativeText)),
             QStringLiteral("Emergency rollback: engage or release (asks first)"));
    QCOMPARE(listed.value(QStringLiteral("Ctrl+Alt+J")), QStringLiteral("Test-only action"));
    QCOMPARE(listed.value(QStringLiteral("Ctrl+4")), QStringLiteral("Go to the Logs panel"));
    QCOMPARE(listed.value(QStringLiteral("Ctrl+1")), QStringLiteral("Go to the board"));
    shot(dialog, QStringLiteral("shortcuts"));
    dialog->close();
}

void TestKeyboard::viewMenuListsEveryPanelInOrder()
{
    m_session = std::make_unique<AppSession>(m_settings.get(), m_dir->filePath(QStringLiteral("data/recoveries.json")));
    MainWindow *w = m_session->window();
    w->show();
    QVERIFY(QTest::qWaitForWindowExposed(w));
    QMenu *view = menuNamed(w, QStringLiteral("&View"));
    QVERIFY(view);
    QStringList panels;
    bool pastRefresh = false;
    for (QAction *a : view->actions()) {
        if (a->isSeparator()) {
            pastRefresh = true;
            continue;
        }
        if (!pastRefresh)
            continue;
        const QString text = a->text().remove(QLatin1Char('&'));
        QString keys = text.section(QLatin1Char('\t'), 1);
        if (keys.isEmpty())
            keys = a->shortcut().toString(QKeySequence::NativeText);
        panels << text.section(QLatin1Char('\t'), 0, 0) + QLatin1Char(' ') + keys;
    }
    QCOMPARE(panels, (QStringList {QStringLiteral("Board Ctrl+1"), QStringLiteral("Charts Ctrl+2"), QStringLiteral("SLOs Ctrl+3"),
                                   QStringLiteral("Logs Ctrl+4"), QStringLiteral("Routes Ctrl+5"), QStringLiteral("Flags Ctrl+6"),
                                   QStringLiteral("Audit Ctrl+7")}));
    // Every dock of the window is there.
    QCOMPARE(qsizetype(w->findChildren<QDockWidget *>().size()) + 1, panels.size());
}

QTEST_MAIN(TestKeyboard)
#include "tst_keyboard.moc"
