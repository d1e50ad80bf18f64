#pragma once

#include <QKeySequence>
#include <QList>
#include <QString>

#include <functional>

class QSettings;
class QWidget;

namespace cutover {

struct BoardParts;

// A dockable panel of the main window, made from the session's models.
struct PanelFactory
{
    QString objectName; // also the key of its place in the saved layout
    QString title;
    Qt::DockWidgetArea area;
    QKeySequence shortcut;
    std::function<QWidget *(const BoardParts &)> create;
};

// A panel's QLineEdit with this property set to true is where Find (Ctrl+F, the main window's
// one action for it) goes while the panel has the focus.
inline constexpr char kFindFieldProperty[] = "cutoverFindField";

// The dockable panels (everything but the health board), in the order they are docked.
QList<PanelFactory> panelFactories();

// Panels with settings of their own (a chart window, a filter) implement this; the main window
// saves and restores them with the layout.
class PersistentPanel
{
public:
    virtual ~PersistentPanel() = default;
    virtual void saveSettings(QSettings &settings) const = 0;
    virtual void restoreSettings(QSettings &settings) = 0;
};

} // namespace cutover
