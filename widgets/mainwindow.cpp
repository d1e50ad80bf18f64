#include "mainwindow.h"

#include "client/poller.h"
#include "client/profile.h"
#include "connectionbar.h"
#include "firstframe.h"
#include "focusring.h"
#include "healthboard.h"
#include "models/boardstate.h"
#include "models/identitymodel.h"
#include "models/servicemodel.h"
#include "panels.h"
#include "rollbackbanner.h"
#include "rollbackcontrol.h"
#include "shortcutsdialog.h"
#include "slopanel.h"

#include <QAbstractItemView>
#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QScrollBar>
#include <QStyle>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <utility>

namespace cutover {

namespace {

QString hintKey(const QDockWidget *dock, const char *what)
{
    return QStringLiteral("panels/%1/%2").arg(dock->objectName(), QLatin1String(what));
}

// Holds a dock's place until its panel is made: empty, but with the sizes and size policy the
// panel had when the layout was saved, so that the saved layout comes back exactly and nothing
// moves when the panel takes its place.
class PanelStandIn : public QWidget
{
public:
    // False (and nothing changed) if `settings` has no sizes for `dock`'s panel.
    bool load(const QSettings &settings, const QDockWidget *dock)
    {
        const QSize minimum = settings.value(hintKey(dock, "minimumSizeHint")).toSize();
        const QSize hint = settings.value(hintKey(dock, "sizeHint")).toSize();
        const QVariant policy = settings.value(hintKey(dock, "sizePolicy"));
        if (!minimum.isValid() || !hint.isValid() || !policy.canConvert<QSizePolicy>())
            return false;
        m_minimum = minimum;
        m_hint = hint;
        setSizePolicy(policy.value<QSizePolicy>());
        updateGeometry();
        return true;
    }
    QSize sizeHint() const override { return m_hint; }
    QSize minimumSizeHint() const override { return m_minimum; }

private:
    QSize m_minimum {0, 0};
    QSize m_hint {0, 0};
};

} // namespace

MainWindow::MainWindow(const BoardParts &parts, QWidget *parent)
    : QMainWindow(parent)
    , m_parts(parts)
    , m_state(parts.board)
    , m_bar(new ConnectionBar)
    , m_banner(new QLabel)
    , m_board(new HealthBoard(parts.board))
{
    BoardState *state = parts.board;
    setWindowTitle(tr("Cutover"));
    // A first start's size (later ones restore theirs); fitted again to the screen the window
    // opens on when it is shown (see fitToScreen()).
    m_firstStartSize = firstStartSize(screen() ? screen()->availableGeometry() : QRect());
    resize(m_firstStartSize);
    setDockNestingEnabled(true);

    // Above the board and every panel, the whole width of the window, and nothing can hide it:
    // the menus, the emergency rollback, then the connection bar with the banners under it.
    // (QMainWindow's menu widget is the only place that spans the docks without being a
    // toolbar, which could be hidden, moved, or pushed into an overflow menu.)
    auto *header = new QWidget;
    header->setObjectName(QStringLiteral("header"));
    auto *headerLayout = new QVBoxLayout(header);
    headerLayout->setContentsMargins(0, 0, 0, 0);
    headerLayout->setSpacing(0);
    auto *menus = new QMenuBar;
    headerLayout->addWidget(menus);

    auto *emergency = new QWidget;
    emergency->setObjectName(QStringLiteral("emergencyRow"));
    auto *emergencyLayout = new QHBoxLayout(emergency);
    emergencyLayout->setContentsMargins(2, 2, 2, 2);
    m_rollbackControl = new RollbackControl(state, parts.rollback);
    emergencyLayout->addWidget(m_rollbackControl);
    headerLayout->addWidget(emergency);
    // Every key is a QAction of the window (Help → Keyboard shortcuts lists them from there).
    auto *rollbackKey = new QAction(tr("Emergency rollback: engage or release (asks first)"), this);
    rollbackKey->setShortcut(RollbackControl::shortcut());
    connect(rollbackKey, &QAction::triggered, m_rollbackControl, &RollbackControl::trigger);
    addAction(rollbackKey);

    headerLayout->addWidget(m_bar);
    // Everyone sees an engaged emergency rollback, right under the connection bar.
    m_rollbackBanner = new RollbackBanner(state, parts.rollback);
    headerLayout->addWidget(m_rollbackBanner);
    m_banner->setWordWrap(true);
    // Always rich text: what goes in is escaped, and an escaped message without a tag would
    // otherwise be taken for plain text and show its entities ("&quot;").
    m_banner->setTextFormat(Qt::RichText);
    m_banner->setObjectName(QStringLiteral("problemBanner"));
    m_banner->setVisible(false);
    m_banner->setStyleSheet(QStringLiteral(
        "QLabel { background: #fef3c7; color: #78350f; border-bottom: 1px solid #f59e0b; padding: 6px 12px; }"));
    headerLayout->addWidget(m_banner);
    m_top = headerLayout; // notices go last
    setMenuWidget(header);

    auto *boardHolder = new QWidget;
    auto *boardLayout = new QVBoxLayout(boardHolder);
    boardLayout->setContentsMargins(10, 4, 10, 6);
    boardLayout->addWidget(m_board);
    setCentralWidget(boardHolder);

    auto *fileMenu = menus->addMenu(tr("&File"));
    QAction *quit = fileMenu->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    quit->setMenuRole(QAction::QuitRole);
    m_viewMenu = menus->addMenu(tr("&View"));
    QAction *refresh = m_viewMenu->addAction(tr("&Refresh now"), QKeySequence::Refresh, this, [this] {
        if (!m_poller)
            return;
        for (int i = 0; i < kSourceCount; ++i)
            m_poller->refresh(Source(i));
    });
    Q_UNUSED(refresh)
    m_viewMenu->addSeparator();

    // One Find for the whole window: it goes to the filter of the panel that has the focus (the
    // board's when that panel has none), so two filters never claim the same key.
    auto *find = new QAction(tr("Find: the focused panel's filter"), this);
    find->setShortcut(QKeySequence::Find);
    connect(find, &QAction::triggered, this, &MainWindow::findInFocusedPanel);
    addAction(find);
    m_board->filterField()->setProperty(kFindFieldProperty, true);

    // The View menu: every panel, in the order of their keys, the board first.
    auto *focusBoard = new QAction(tr("&Board"), this);
    focusBoard->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    focusBoard->setStatusTip(tr("Go to the board"));
    connect(focusBoard, &QAction::triggered, m_board->view(), qOverload<>(&QWidget::setFocus));
    addAction(focusBoard);
    m_viewMenu->addAction(focusBoard);
    setUpKeyboardFocus(m_board->view());

    QList<PanelFactory> factories = panelFactories();
    for (const PanelFactory &factory : std::as_const(factories)) {
        QDockWidget *dock = addPanel(factory.objectName, factory.title, new PanelStandIn, factory.area, factory.shortcut);
        m_pending.append({dock, factory.create});
    }
    std::stable_sort(factories.begin(), factories.end(), [](const PanelFactory &a, const PanelFactory &b) {
        return a.shortcut.toString(QKeySequence::PortableText) < b.shortcut.toString(QKeySequence::PortableText);
    });
    for (const PanelFactory &factory : std::as_const(factories))
        m_viewMenu->addAction(dock(factory.objectName)->toggleViewAction());

    auto *helpMenu = menus->addMenu(tr("&Help"));
    QAction *keys = helpMenu->addAction(tr("&Keyboard shortcuts"), QKeySequence::HelpContents, this, &MainWindow::showShortcuts);
    addAction(keys);
    // SLOs and logs share the bottom area as tabs; the charts stand to the right of the board.
    const QList<QDockWidget *> bottom = findChildren<QDockWidget *>();
    QDockWidget *first = nullptr;
    for (QDockWidget *d : bottom) {
        if (dockWidgetArea(d) != Qt::BottomDockWidgetArea)
            continue;
        if (first)
            tabifyDockWidget(first, d);
        else
            first = d;
    }
    if (first)
        first->raise();

    statusBar(); // there from the start, so that its first message does not make the window taller

    m_bannerTimer.setInterval(1000);
    connect(&m_bannerTimer, &QTimer::timeout, this, &MainWindow::updateBanner);
    connect(state, &BoardState::metricsProblemChanged, this, &MainWindow::updateBanner);
    // Who we are and what the gateway is, as the identity model learns it.
    IdentityModel *identity = parts.identity;
    connect(identity, &IdentityModel::gatewayChanged, this, [this, identity] {
        if (identity->gateway())
            m_bar->setGateway(*identity->gateway(), identity->address());
    });
    connect(identity, &IdentityModel::identityChanged, this, [this, identity] {
        if (identity->identity())
            m_bar->setIdentity(*identity->identity());
        else if (!identity->identityError().isEmpty())
            m_bar->setIdentityError(identity->identityError());
    });
}

MainWindow::~MainWindow() = default;

QDockWidget *MainWindow::addPanel(const QString &objectName, const QString &title, QWidget *panel,
                                  Qt::DockWidgetArea area, const QKeySequence &shortcut)
{
    auto *dock = new QDockWidget(title, this);
    dock->setObjectName(objectName);
    dock->setWidget(panel);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetFloatable);
    addDockWidget(area, dock);
    // The key raises the panel (and gives it the focus); the View menu's entry shows or hides it.
    auto *raise = new QAction(tr("Go to the %1 panel").arg(title), this);
    raise->setShortcut(shortcut);
    connect(raise, &QAction::triggered, dock, [this, dock] {
        buildPanel(dock);
        dock->show();
        dock->raise();
        dock->widget()->setFocus();
    });
    addAction(raise);
    QAction *toggle = dock->toggleViewAction();
    toggle->setText(tr("%1\t%2").arg(title, shortcut.toString(QKeySequence::NativeText)));
    return dock;
}

void MainWindow::buildPanel(QDockWidget *dock)
{
    const auto it = std::find_if(m_pending.begin(), m_pending.end(), [dock](const PendingPanel &p) { return p.dock == dock; });
    if (it == m_pending.end())
        return;
    const PendingPanel pending = *it;
    m_pending.erase(it);
    QWidget *panel = pending.create(m_parts);
    QWidget *standIn = dock->widget();
    dock->setWidget(panel);
    delete standIn;
    for (QAbstractItemView *view : panel->findChildren<QAbstractItemView *>())
        setUpKeyboardFocus(view);
    if (auto *slo = qobject_cast<SloPanel *>(panel))
        m_slo = slo;
    if (auto *persistent = dynamic_cast<PersistentPanel *>(panel); persistent && m_layoutSettings)
        persistent->restoreSettings(*m_layoutSettings);
    if (m_pending.isEmpty())
        Q_EMIT panelsReady();
}

void MainWindow::buildNextPanel()
{
    if (m_pending.isEmpty())
        return;
    // What the operator can see first; panels behind other tabs or closed come after.
    auto next = std::find_if(m_pending.begin(), m_pending.end(),
                             [](const PendingPanel &p) { return !p.dock->visibleRegion().isEmpty(); });
    buildPanel(next != m_pending.end() ? next->dock : m_pending.first().dock);
    if (!m_pending.isEmpty())
        QTimer::singleShot(0, this, &MainWindow::buildNextPanel);
}

void MainWindow::buildPanels()
{
    while (!m_pending.isEmpty())
        buildPanel(m_pending.first().dock);
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    if (m_restorePending) {
        m_restorePending = false;
        if (!restoreState(std::exchange(m_savedState, {}))) {
            // Nothing saved: a first start. Neither the caller nor a saved geometry sized it:
            // fit the screen it opens on, then share the space out.
            if (!m_geometryRestored && size() == m_firstStartSize)
                fitToScreen();
            applyFirstStartDocks();
        }
    }
    if (!m_pending.isEmpty() && !m_waitingForFirstFrame) {
        m_waitingForFirstFrame = true;
        // The panels follow from the next turn of the event loop, one per turn.
        whenFirstFrameShown(this, [this] { QTimer::singleShot(0, this, &MainWindow::buildNextPanel); });
    }
}

void MainWindow::findInFocusedPanel()
{
    // The focused widget's panel (a dock, or the board in the middle), then its marked filter.
    QWidget *scope = m_board;
    for (QWidget *w = QApplication::focusWidget(); w && w != this; w = w->parentWidget()) {
        if (qobject_cast<QDockWidget *>(w)) {
            scope = w;
            break;
        }
    }
    QLineEdit *field = nullptr;
    for (QLineEdit *edit : scope->findChildren<QLineEdit *>())
        if (edit->property(kFindFieldProperty).toBool() && edit->isVisible() && edit->isEnabled())
            field = field ? field : edit;
    if (!field)
        field = m_board->filterField();
    field->setFocus(Qt::ShortcutFocusReason);
    field->selectAll();
}

void MainWindow::showShortcuts()
{
    auto *dialog = new ShortcutsDialog(this, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

QSize MainWindow::firstStartSize(const QRect &available)
{
    // Room for a window manager's frame and title bar, which are not known before the window is
    // on screen: without it a laptop's window ends below the screen's edge.
    const QSize frame(16, 48);
    const QSize preferred(1760, 1000);
    return available.isValid() ? preferred.boundedTo(available.size() - frame) : preferred;
}

void MainWindow::fitToScreen()
{
    if (!screen())
        return;
    const QRect available = screen()->availableGeometry();
    const QSize size = firstStartSize(available).expandedTo(minimumSizeHint()).boundedTo(available.size());
    m_firstStartSize = size;
    resize(size);
    // Centred, a little lower than the middle: the title bar above it stays on screen too.
    move(available.x() + (available.width() - size.width()) / 2,
         available.y() + std::max(0, (available.height() - size.height()) * 3 / 4));
}

void MainWindow::applyFirstStartDocks()
{
    // The charts take what the board's columns leave (the board never scrolls sideways when
    // there is room for it), at least a fifth of the width.
    if (QDockWidget *charts = dock(QStringLiteral("chartsPanel"))) {
        const QTableView *view = m_board->view();
        int boardWidth = 2 * view->frameWidth() + view->verticalScrollBar()->sizeHint().width();
        for (int c = 0; c < view->model()->columnCount(); ++c)
            boardWidth += view->isColumnHidden(c) ? 0 : view->columnWidth(c);
        const QMargins margins = centralWidget()->layout()->contentsMargins();
        boardWidth += margins.left() + margins.right() + style()->pixelMetric(QStyle::PM_DockWidgetSeparatorExtent) + 4;
        resizeDocks({charts}, {std::max(width() / 5, width() - boardWidth)}, Qt::Horizontal);
    }
    // The tabs below get a third of the height, more if that shows fewer than kFirstStartLogRows
    // lines of the log tail, as long as the board keeps room for kFirstStartBoardRows services.
    // Worked out from size hints: before the first frame nothing inside the docks is laid out.
    QDockWidget *logs = dock(QStringLiteral("logPanel"));
    if (!logs)
        return;
    int logsHeight = height() / 3;
    const auto *table = logs->findChild<QTableView *>(QStringLiteral("logTable"));
    if (table) { // else not made yet (a stand-in): a third it is
        const int chrome = logs->minimumSizeHint().height() - logs->widget()->minimumSizeHint().height();
        const int around = logs->widget()->minimumSizeHint().height() - table->minimumSizeHint().height();
        const int inTable = table->horizontalHeader()->sizeHint().height() + 2 * table->frameWidth();
        const int wanted = chrome + around + inTable + kFirstStartLogRows * table->verticalHeader()->defaultSectionSize();

        const QTableView *board = m_board->view();
        const int boardRows = board->horizontalHeader()->sizeHint().height() + 2 * board->frameWidth()
            + kFirstStartBoardRows * board->verticalHeader()->defaultSectionSize();
        const int central = centralWidget()->minimumSizeHint().height() - board->minimumSizeHint().height() + boardRows;
        const int separators = 2 * style()->pixelMetric(QStyle::PM_DockWidgetSeparatorExtent);
        // The size asked for is the bottom area's, with the tabs of the panels that share it.
        const int tabBar = QFontMetrics(font()).height() + 12;
        const int top = menuWidget() ? menuWidget()->sizeHint().height() : 0;
        const int room = height() - top - statusBar()->sizeHint().height() - central - separators;
        logsHeight = std::max(logsHeight, std::min(wanted + tabBar + 4, room));
    }
    resizeDocks({logs}, {logsHeight}, Qt::Vertical);
}

QDockWidget *MainWindow::dock(const QString &objectName) const
{
    return findChild<QDockWidget *>(objectName);
}

ServiceModel *MainWindow::serviceModel() const
{
    return m_state->services();
}

void MainWindow::setPoller(Poller *poller, const Profile &profile)
{
    m_poller = poller;
    setWindowTitle(tr("%1 — Cutover").arg(profile.name));
    m_bar->setProfile(profile);
    m_bar->setMessage(tr("Connecting to %1…").arg(poller->backend()->address()));
    m_bar->setSources(poller, m_state->logSource());
    connect(poller, &Poller::sourceStateChanged, this, [this](Source source) {
        if (source == Source::Health)
            healthStateChanged();
    });
    statusBar()->clearMessage();
    m_bannerTimer.start();
}

void MainWindow::showConnecting(const QString &message)
{
    m_bar->setMessage(message);
    statusBar()->showMessage(message);
}

void MainWindow::addNotice(QWidget *notice)
{
    m_top->addWidget(notice);
}

void MainWindow::showFailure(const QString &message)
{
    m_bar->setMessage(tr("Not connected"));
    m_banner->setText(message.toHtmlEscaped());
    m_banner->show();
    statusBar()->showMessage(message);
}

QString MainWindow::identityText() const
{
    return m_bar->identityText();
}

QString MainWindow::gatewayText() const
{
    return m_bar->gatewayText();
}

bool MainWindow::isStale() const
{
    return m_state->services()->isStale();
}

void MainWindow::healthStateChanged()
{
    updateBanner();
}

void MainWindow::updateBanner()
{
    if (!m_poller)
        return;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const SourceState &health = m_poller->state(Source::Health);
    const bool stale = health.isStale(now);
    m_state->services()->setStale(stale);
    QStringList problems;
    if (stale && !health.lastSuccess.isValid()) {
        // Failing from the start (a TLS failure, a wrong address): there is no "ago" to give.
        problems << tr("<b>Service health could not be read</b> — never updated. %1")
                        .arg((health.lastError ? health.lastError->describe() : tr("no answer")).toHtmlEscaped());
    } else if (stale) {
        const QString why = health.lastError ? health.lastError->describe()
                                             : tr("no update for %1 s").arg(health.lastSuccess.secsTo(now));
        problems << tr("<b>Service health is stale</b> — last good update %1 s ago. %2")
                        .arg(health.lastSuccess.secsTo(now))
                        .arg(why.toHtmlEscaped());
    }
    const SourceState &metrics = m_poller->state(Source::Metrics);
    const bool metricsStale = metrics.isStale(now);
    m_state->services()->setMetricsStale(metricsStale);
    if (metricsStale)
        problems << tr("<b>Metrics are stale</b> — %1")
                        .arg((metrics.lastError ? metrics.lastError->describe() : tr("no recent scrape")).toHtmlEscaped());
    // A scrape that did not parse is a failed scrape (stale, with the parser's error, above); the
    // problem is said on its own only while the source is not (yet) stale.
    if (!metricsStale && !m_state->metricsProblem().isEmpty())
        problems << m_state->metricsProblem().toHtmlEscaped();
    m_banner->setText(problems.join(QStringLiteral("<br>")));
    m_banner->setVisible(!problems.isEmpty());
}

void MainWindow::restoreLayout(QSettings &settings)
{
    m_layoutSettings = &settings;
    // A stand-in lays out like its panel only with the sizes saved with the layout: without
    // them (a first start, or a panel new in this version) the panels are made now.
    bool sized = true;
    for (const PendingPanel &pending : std::as_const(m_pending))
        sized = static_cast<PanelStandIn *>(pending.dock->widget())->load(settings, pending.dock) && sized;
    if (!sized)
        buildPanels(); // each panel reads its own settings as it is made
    m_geometryRestored = restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    // The board's columns as the operator left them: widths, order, the hidden ones, the sort.
    m_board->view()->horizontalHeader()->restoreState(settings.value(QStringLiteral("board/columns")).toByteArray());
    // Applied by showEvent(): Qt 6 keeps the docks' saved sizes only when the window is visible
    // as the state is restored (before, each dock came back at its size hint).
    m_savedState = settings.value(QStringLiteral("window/state")).toByteArray();
}

void MainWindow::saveLayout(QSettings &settings) const
{
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("board/columns"), m_board->view()->horizontalHeader()->saveState());
    // What each made panel asks of the layout, for its stand-in next time (see PanelStandIn).
    for (QDockWidget *dock : findChildren<QDockWidget *>()) {
        QWidget *panel = dock->widget();
        if (!panel || dynamic_cast<PanelStandIn *>(panel))
            continue; // a stand-in's sizes are already what was saved
        settings.setValue(hintKey(dock, "minimumSizeHint"), panel->minimumSizeHint());
        settings.setValue(hintKey(dock, "sizeHint"), panel->sizeHint());
        settings.setValue(hintKey(dock, "sizePolicy"), QVariant::fromValue(panel->sizePolicy()));
    }
    for (QWidget *panel : findChildren<QWidget *>())
        if (auto *p = dynamic_cast<PersistentPanel *>(panel))
            p->saveSettings(settings);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    Q_EMIT closing();
    QMainWindow::closeEvent(event);
}

} // namespace cutover
