#include "chartspanel.h"
#include "client/displaytext.h"

#include "stalenotice.h"

#include "chartwidget.h"
#include "elidedlabel.h"
#include "models/auditlog.h"
#include "models/boardstate.h"

#include <QButtonGroup>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cstdlib>

namespace cutover {

using namespace std::chrono_literals;
using Measure = MetricsAggregator::Measure;

namespace {

// Percentiles from calm to strong; the two backends in distinct hues (the monolith the old
// grey-blue, the microservice the new teal); objectives dashed red and orange.
const QColor kP50(0x93, 0xc5, 0xfd);
const QColor kP95(0x25, 0x63, 0xeb);
const QColor kP99(0x1e, 0x1b, 0x4b);
const QColor kErrors(0xe1, 0x1d, 0x48);
const QColor kRequests(0x0e, 0x74, 0x90);
const QColor kMonolith(0x64, 0x74, 0x8b);
const QColor kMicroservice(0x0d, 0x94, 0x88);
const QColor kLatencySlo(0xdc, 0x26, 0x26);
const QColor kErrorSlo(0xea, 0x58, 0x0c);

// Change markers by kind of change: the rollback in alarm red, routing in violet, flags in
// indigo, simulator faults in amber.
QColor markerColor(const QString &kind)
{
    if (kind == QLatin1String("rollback"))
        return QColor(0xb9, 0x1c, 0x1c);
    if (kind == QLatin1String("route"))
        return QColor(0x7c, 0x3a, 0xed);
    if (kind == QLatin1String("flag"))
        return QColor(0x43, 0x38, 0xca);
    if (kind == QLatin1String("sim"))
        return QColor(0xb4, 0x53, 0x09);
    return QColor(0x4b, 0x55, 0x63);
}

QString windowLabel(std::chrono::minutes m)
{
    return m < 60min ? ChartsPanel::tr("%1 min").arg(m.count()) : ChartsPanel::tr("%1 h").arg(m.count() / 60);
}

} // namespace

QList<std::chrono::minutes> ChartsPanel::supportedWindows()
{
    return {5min, 15min, 60min, 360min, 1440min};
}

ChartsPanel::ChartsPanel(BoardState *board, AuditLog *audit, QWidget *parent)
    : QWidget(parent)
    , m_board(board)
    , m_audit(audit)
    , m_header(new ElidedLabel)
    , m_windowButtons(new QButtonGroup(this))
    , m_latency(new ChartWidget)
    , m_errors(new ChartWidget)
    , m_rate(new ChartWidget)
{
    setObjectName(QStringLiteral("chartsPanel"));
    setAttribute(Qt::WA_StyledBackground);
    setStyleSheet(QStringLiteral("#chartsPanel { background: #f4f5f7; }"));

    QFont headerFont = m_header->font();
    headerFont.setPointSizeF(headerFont.pointSizeF() * 1.15);
    headerFont.setBold(true);
    m_header->setFont(headerFont);
    m_header->setStyleSheet(QStringLiteral("color: #111827;"));
    // A long route name is cut (whole in the tooltip) rather than widen the dock and the window;
    // it has a row of its own, so it is cut only past the dock's whole width.

    // The window selector: one segmented row of exclusive buttons.
    auto *segments = new QWidget;
    segments->setObjectName(QStringLiteral("windowSelector"));
    segments->setStyleSheet(QStringLiteral(
        "#windowSelector QToolButton { background: #ffffff; color: #374151; border: 1px solid #d1d5db;"
        " border-left: none; padding: 3px 11px; }"
        "#windowSelector QToolButton:hover { background: #f3f4f6; }"
        "#windowSelector QToolButton:checked { background: #1f2937; color: #ffffff; border-color: #1f2937; }"
        "#windowSelector QToolButton#first { border-left: 1px solid #d1d5db; border-top-left-radius: 5px;"
        " border-bottom-left-radius: 5px; }"
        "#windowSelector QToolButton#last { border-top-right-radius: 5px; border-bottom-right-radius: 5px; }"));
    auto *segmentLayout = new QHBoxLayout(segments);
    segmentLayout->setContentsMargins(0, 0, 0, 0);
    segmentLayout->setSpacing(0);
    const QList<std::chrono::minutes> windows = supportedWindows();
    for (qsizetype i = 0; i < windows.size(); ++i) {
        auto *button = new QToolButton;
        button->setText(windowLabel(windows[i]));
        button->setCheckable(true);
        button->setToolTip(tr("Show the last %1").arg(windowLabel(windows[i])));
        button->setCursor(Qt::PointingHandCursor);
        if (i == 0)
            button->setObjectName(QStringLiteral("first"));
        else if (i == windows.size() - 1)
            button->setObjectName(QStringLiteral("last"));
        m_windowButtons->addButton(button, int(windows[i].count()));
        segmentLayout->addWidget(button);
    }
    m_windowButtons->setExclusive(true);
    m_windowButtons->button(int(m_window.count()))->setChecked(true);
    connect(m_windowButtons, &QButtonGroup::idClicked, this, [this](int id) { setWindow(std::chrono::minutes(id)); });

    auto *top = new QVBoxLayout;
    top->setContentsMargins(2, 0, 0, 0);
    top->setSpacing(4);
    top->addWidget(m_header);
    top->addWidget(segments, 0, Qt::AlignLeft);
    m_stale = new StaleNotice(board, Source::Metrics, tr("Metrics"), tr("The charts end at the last good scrape."));
    top->addWidget(m_stale);

    m_latency->setTitle(tr("Latency"));
    m_latency->setValueFormat(ChartValueFormat::Milliseconds);
    m_errors->setTitle(tr("Error rate (5xx)"));
    m_errors->setValueFormat(ChartValueFormat::Percent);
    m_rate->setTitle(tr("Request rate"));
    m_rate->setValueFormat(ChartValueFormat::RequestsPerSecond);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(10, 10, 10, 10);
    layout->setSpacing(8);
    layout->addLayout(top);
    for (ChartWidget *chart : {m_latency, m_errors, m_rate}) {
        layout->addWidget(chart, 1);
        connect(chart, &ChartWidget::pixelColumnsChanged, this, &ChartsPanel::scheduleRedraw);
    }

    m_redrawTimer.setSingleShot(true);
    m_redrawTimer.setInterval(kRedrawDelay);
    connect(&m_redrawTimer, &QTimer::timeout, this, &ChartsPanel::redraw);
    connect(m_board, &BoardState::metricsUpdated, this, [this] {
        const MetricsAggregator *metrics = m_board->metrics();
        if (metrics && (!metrics->hasLatency() && metrics->hasAverageLatency()) != m_averagesOnly)
            selectionChanged(); // the first scrape said what kind of latency there is
        scheduleRedraw();
    });
    connect(m_board, &BoardState::selectionChanged, this, &ChartsPanel::selectionChanged);
    connect(m_audit, &AuditLog::entriesAdded, this, &ChartsPanel::scheduleRedraw);
    connect(m_audit, &QAbstractItemModel::dataChanged, this, &ChartsPanel::scheduleRedraw);
    selectionChanged();
}

ChartsPanel::~ChartsPanel() = default;

void ChartsPanel::setWindow(std::chrono::minutes window)
{
    const QList<std::chrono::minutes> windows = supportedWindows();
    std::chrono::minutes nearest = windows.constFirst();
    for (const std::chrono::minutes w : windows)
        if (std::abs((w - window).count()) < std::abs((nearest - window).count()))
            nearest = w;
    m_windowButtons->button(int(nearest.count()))->setChecked(true);
    if (nearest == m_window)
        return;
    m_window = nearest;
    Q_EMIT windowChanged(m_window);
    scheduleRedraw();
}

QString ChartsPanel::headerText() const
{
    return m_header->fullText();
}

void ChartsPanel::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_dirty)
        scheduleRedraw();
}

void ChartsPanel::selectionChanged()
{
    const MetricGroup &selection = m_board->selection();
    for (ChartWidget *chart : {m_latency, m_errors, m_rate})
        chart->clearSeries();
    m_lines.clear();
    auto add = [this](ChartWidget *chart, const QString &name, const QColor &color, const MetricGroup &group,
                      Measure measure, double scale, Qt::PenStyle style = Qt::SolidLine) {
        m_lines.append(Line {group, measure, scale, chart, chart->addSeries(name, color, style)});
    };

    const MetricsAggregator *metrics = m_board->metrics();
    m_averagesOnly = metrics && !metrics->hasLatency() && metrics->hasAverageLatency();
    // Each title names the window its legend values are measured over, as the board's columns do.
    const QString window = metrics ? windowText(metrics->liveWindow()) : QString();
    auto titled = [&window](const QString &title) { return window.isEmpty() ? title : title + QStringLiteral(", ") + window; };
    m_errors->setTitle(titled(tr("Error rate (5xx)")));
    m_rate->setTitle(titled(tr("Request rate")));
    m_latency->setToolTip(m_averagesOnly ? tr("The gateway keeps no latency histogram, only each server's average over "
                                              "its last 1024 requests; shown weighted by traffic, never as a percentile.")
                                         : QString());
    // Short, so the legend keeps its room; the chart's tooltip says what the average is.
    const QString averageTitle = titled(tr("Latency avg (no p95)"));
    if (selection.scope == MetricGroup::Scope::Route) {
        m_header->setFullText(tr("Route %1 \u2014 monolith vs microservice").arg(selection.name));
        const MetricGroup monolith {MetricGroup::Scope::Route, selection.name, MetricGroup::Via::Monolith};
        const MetricGroup micro {MetricGroup::Scope::Route, selection.name, MetricGroup::Via::Microservice};
        const Measure latency = m_averagesOnly ? Measure::Average : Measure::P95;
        m_latency->setTitle(m_averagesOnly ? averageTitle : titled(tr("Latency p95")));
        add(m_latency, tr("monolith"), kMonolith, monolith, latency, 1000.0);
        add(m_latency, tr("microservice"), kMicroservice, micro, latency, 1000.0);
        add(m_errors, tr("monolith"), kMonolith, monolith, Measure::ErrorRatio, 100.0);
        add(m_errors, tr("microservice"), kMicroservice, micro, Measure::ErrorRatio, 100.0);
        add(m_rate, tr("monolith"), kMonolith, monolith, Measure::RequestRate, 1.0);
        add(m_rate, tr("microservice"), kMicroservice, micro, Measure::RequestRate, 1.0);
    } else {
        if (selection.scope == MetricGroup::Scope::Service)
            m_header->setFullText(tr("Service %1").arg(selection.name));
        else if (selection.via == MetricGroup::Via::All)
            m_header->setFullText(tr("All traffic"));
        else
            m_header->setFullText(tr("All traffic via the %1").arg(viaName(selection.via)));
        if (m_averagesOnly) {
            m_latency->setTitle(averageTitle);
            add(m_latency, tr("avg"), kP95, selection, Measure::Average, 1000.0);
        } else {
            m_latency->setTitle(titled(tr("Latency")));
            add(m_latency, QStringLiteral("p50"), kP50, selection, Measure::P50, 1000.0);
            add(m_latency, QStringLiteral("p95"), kP95, selection, Measure::P95, 1000.0);
            add(m_latency, QStringLiteral("p99"), kP99, selection, Measure::P99, 1000.0);
        }
        add(m_errors, tr("5xx"), kErrors, selection, Measure::ErrorRatio, 100.0);
        add(m_rate, tr("requests"), kRequests, selection, Measure::RequestRate, 1.0);
    }
    scheduleRedraw();
}

void ChartsPanel::scheduleRedraw()
{
    m_dirty = true;
    if (isVisible() && !m_redrawTimer.isActive())
        m_redrawTimer.start();
}

void ChartsPanel::redraw()
{
    if (!isVisible())
        return; // m_dirty stays set: showEvent redraws
    m_dirty = false;
    ++m_redraws;

    MetricsAggregator *metrics = m_board->metrics();
    TimeSeriesStore *store = m_board->series();
    // The window ends at the last scrape, so the charts follow the data's clock (a replay or a
    // test feeding simulated time) rather than the wall clock.
    const WallTime to = metrics->scrapes() > 0
        ? metrics->lastScrape()
        : std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    const WallTime from = to - m_window;
    for (ChartWidget *chart : {m_latency, m_errors, m_rate})
        chart->setTimeRange(from, to);
    // Every change of the audit log in the window, on all three charts at its moment.
    QList<ChartMarker> markers;
    for (const AuditEntry &e : m_audit->entries()) {
        const WallTime at {std::chrono::milliseconds(e.time.toMSecsSinceEpoch())};
        if (at < from || at > to)
            continue;
        // Gateway text, shown inert: one line each, no control or bidi characters.
        QString detail = tr("%1 by %2").arg(inertText(e.action), inertText(e.actor));
        const QString change = AuditLog::changeSummary(e.before, e.after);
        if (!change.isEmpty())
            detail += QLatin1Char('\n') + inertText(change);
        if (!e.reason.isEmpty())
            detail += QLatin1Char('\n') + tr("Why: %1").arg(inertText(e.reason));
        if (const auto ttr = m_audit->recoveryTime(e.id))
            detail += QLatin1Char('\n') + tr("Recovered in %1").arg(AuditLog::formatDuration(*ttr));
        markers.append(ChartMarker {at, AuditLog::markerLabel(e), markerColor(AuditLog::kindOf(e.action)), detail});
    }
    for (ChartWidget *chart : {m_latency, m_errors, m_rate})
        chart->setMarkers(markers);

    const SloThresholds slo = m_board->sloThresholds();
    m_latency->setThreshold(tr("SLO p95"), slo.latencyP95Max.count(), kLatencySlo);
    m_errors->setThreshold(tr("SLO"), slo.errorRatioMax * 100.0, kErrorSlo);

    for (const Line &line : std::as_const(m_lines)) {
        // hasGroup first: series() would create a group for a backend that never served the route.
        if (metrics->hasGroup(line.group)) {
            store->decimate(metrics->series(line.group, line.measure), from, to, line.chart->pixelColumns(), m_buffer);
            for (QPointF &p : m_buffer.points)
                p.ry() *= line.scale;
        } else {
            m_buffer.clear();
        }
        line.chart->setSeriesData(line.index, m_buffer);
    }
    // One time at one x in all three charts.
    int labelWidth = 0;
    for (const ChartWidget *chart : {m_latency, m_errors, m_rate})
        labelWidth = std::max(labelWidth, chart->valueLabelWidth());
    for (ChartWidget *chart : {m_latency, m_errors, m_rate})
        chart->setValueLabelWidth(labelWidth);
}

} // namespace cutover
