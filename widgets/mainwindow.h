#pragma once

#include "boardparts.h"

#include <QMainWindow>
#include <QPointer>
#include <QTimer>

#include <functional>

class QDockWidget;
class QLabel;
class QSettings;
class QVBoxLayout;

namespace cutover {

class BoardState;
class ConnectionBar;
class HealthBoard;
class Poller;
class RollbackBanner;
class RollbackControl;
class ServiceModel;
class SloPanel;
struct Profile;

// The operations board: the connection bar on top, the health board in the middle, charts, SLOs
// and the log tail in dockable panels. It shows the session's models (made and connected by the
// wiring, app/) and gives each widget the ones it uses; it never speaks HTTP itself. Layout, open panels and the chart window are
// kept in QSettings across runs.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(const BoardParts &parts, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Starts showing `poller`'s data (not owned) for `profile`.
    void setPoller(Poller *poller, const Profile &profile);
    // Shown while there is no backend yet (the demo gateway is starting) or it could not start.
    void showConnecting(const QString &message);
    void showFailure(const QString &message);
    // A bar of the backend's own (e.g. HAProxy's unsaved runtime changes), under the banners.
    void addNotice(QWidget *notice);

    // Reads the window layout and, as each panel is made, its own settings; `settings` must
    // outlive the window.
    void restoreLayout(QSettings &settings);
    void saveLayout(QSettings &settings) const;

    // The docks exist from the start (so the saved layout applies at once), but their panels are
    // made after the window's first frame, one per turn of the event loop, visible ones first:
    // the window appears without waiting for charts and tables nobody sees yet. buildPanels()
    // makes the remaining ones now; a dock's shortcut makes its own panel at once.
    void buildPanels();
    bool panelsBuilt() const { return m_pending.isEmpty(); }

    BoardState *state() const { return m_state; }
    const BoardParts &parts() const { return m_parts; }
    ServiceModel *serviceModel() const;
    HealthBoard *healthBoard() const { return m_board; }
    SloPanel *sloPanel() const { return m_slo; } // nullptr until the panels are built
    ConnectionBar *connectionBar() const { return m_bar; }
    // The emergency rollback: the always-visible control in the toolbar and the engaged banner.
    RollbackControl *rollbackControl() const { return m_rollbackControl; }
    RollbackBanner *rollbackBanner() const { return m_rollbackBanner; }
    QDockWidget *dock(const QString &objectName) const;
    QString identityText() const;
    QString gatewayText() const;
    bool isStale() const;

protected:
    void closeEvent(QCloseEvent *event) override;
    void showEvent(QShowEvent *event) override;

Q_SIGNALS:
    void closing();
    // Every panel is made (and has its settings back).
    void panelsReady();

private:
    struct PendingPanel
    {
        QDockWidget *dock;
        std::function<QWidget *(const BoardParts &)> create;
    };

    static QSize firstStartSize(const QRect &available);
    void fitToScreen();
    void applyFirstStartDocks();
    void findInFocusedPanel();
    void showShortcuts();
    QDockWidget *addPanel(const QString &objectName, const QString &title, QWidget *panel, Qt::DockWidgetArea area,
                          const QKeySequence &shortcut);
    void buildPanel(QDockWidget *dock);
    void buildNextPanel();
    void healthStateChanged();
    void updateBanner();

    BoardParts m_parts;
    BoardState *m_state;
    QPointer<Poller> m_poller;
    ConnectionBar *m_bar;
    QLabel *m_banner;
    QVBoxLayout *m_top = nullptr;
    RollbackControl *m_rollbackControl = nullptr;
    RollbackBanner *m_rollbackBanner = nullptr;
    HealthBoard *m_board;
    SloPanel *m_slo = nullptr;
    QList<PendingPanel> m_pending;
    QSettings *m_layoutSettings = nullptr;
    bool m_waitingForFirstFrame = false;
    QByteArray m_savedState;     // restored when first shown (see restoreLayout())
    bool m_restorePending = true; // none saved, or not valid: a first start's layout
    bool m_geometryRestored = false;
    QSize m_firstStartSize;
    static constexpr int kFirstStartLogRows = 15;
    static constexpr int kFirstStartBoardRows = 8;
    QMenu *m_viewMenu = nullptr;
    QTimer m_bannerTimer;
};

} // namespace cutover
