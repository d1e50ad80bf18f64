#include "panels.h"

#include "auditpanel.h"
#include "boardparts.h"
#include "chartspanel.h"
#include "flagspanel.h"
#include "logview.h"
#include "routespanel.h"
#include "slopanel.h"

#include <QEvent>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QVBoxLayout>

namespace cutover {

namespace {

// The charts keep their own minimum height; a dock shorter than that scrolls them instead of
// holding the whole window to their height (three charts need ~460 px: with them the window
// would not fit a 1366×768 laptop). Never narrower than the charts: they do not scroll
// sideways. It asks for what the charts ask for.
class ChartsScroll : public QScrollArea
{
public:
    ChartsScroll()
    {
        setFrameShape(QFrame::NoFrame);
        setWidgetResizable(true);
        setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    }
    QSize sizeHint() const override
    {
        // As wide as the least the charts take (a width of their own would grow the dock at each
        // restart), as tall as they would like.
        return widget() ? QSize(minimumSizeHint().width(), widget()->sizeHint().height()) : QScrollArea::sizeHint();
    }
    QSize minimumSizeHint() const override
    {
        const QSize own = QScrollArea::minimumSizeHint();
        return widget() ? QSize(widget()->minimumSizeHint().width() + verticalScrollBar()->sizeHint().width(), own.height())
                        : own;
    }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        // The charts asked for a new size (a longer title, say): so does the scroll area, or the
        // dock would stay narrower than the charts.
        if (watched == widget() && event->type() == QEvent::LayoutRequest)
            updateGeometry();
        return QScrollArea::eventFilter(watched, event);
    }
};

// The charts panel plus its chosen time window, which survives a restart.
class PersistentCharts : public QWidget, public PersistentPanel
{
public:
    explicit PersistentCharts(const BoardParts &parts)
        : m_charts(new ChartsPanel(parts.board, parts.audit))
    {
        auto *layout = new QVBoxLayout(this);
        layout->setContentsMargins(0, 0, 0, 0);
        auto *scroll = new ChartsScroll;
        scroll->setWidget(m_charts);
        layout->addWidget(scroll);
    }
    void saveSettings(QSettings &settings) const override
    {
        settings.setValue(QStringLiteral("charts/windowMinutes"), qint64(m_charts->window().count()));
    }
    void restoreSettings(QSettings &settings) override
    {
        const qint64 minutes = settings.value(QStringLiteral("charts/windowMinutes"), 15).toLongLong();
        m_charts->setWindow(std::chrono::minutes(minutes));
    }

private:
    ChartsPanel *m_charts;
};

} // namespace

QList<PanelFactory> panelFactories()
{
    return {
        {QStringLiteral("chartsPanel"), QObject::tr("Charts"), Qt::RightDockWidgetArea, QKeySequence(Qt::CTRL | Qt::Key_2),
         [](const BoardParts &parts) -> QWidget * { return new PersistentCharts(parts); }},
        {QStringLiteral("logPanel"), QObject::tr("Logs"), Qt::BottomDockWidgetArea, QKeySequence(Qt::CTRL | Qt::Key_4),
         [](const BoardParts &parts) -> QWidget * { return new LogView(parts.board); }},
        {QStringLiteral("routesPanel"), QObject::tr("Routes"), Qt::BottomDockWidgetArea, QKeySequence(Qt::CTRL | Qt::Key_5),
         [](const BoardParts &parts) -> QWidget * { return new RoutesPanel(parts.config()); }},
        {QStringLiteral("flagsPanel"), QObject::tr("Flags"), Qt::BottomDockWidgetArea, QKeySequence(Qt::CTRL | Qt::Key_6),
         [](const BoardParts &parts) -> QWidget * { return new FlagsPanel(parts.config()); }},
        {QStringLiteral("auditPanel"), QObject::tr("Audit"), Qt::BottomDockWidgetArea, QKeySequence(Qt::CTRL | Qt::Key_7),
         [](const BoardParts &parts) -> QWidget * { return new AuditPanel(parts.audit); }},
        {QStringLiteral("sloPanel"), QObject::tr("SLOs"), Qt::BottomDockWidgetArea, QKeySequence(Qt::CTRL | Qt::Key_3),
         [](const BoardParts &parts) -> QWidget * { return new SloPanel(parts.board); }},
    };
}

} // namespace cutover
