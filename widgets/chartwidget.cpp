#include "chartwidget.h"

#include "client/offthread.h"

// The only file that knows Qt Charts (deprecated from Qt 6.10).
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>

#include <QContextMenuEvent>
#include <QCoreApplication>
#include <QDir>
#include <QFileDialog>
#include <QGraphicsItem>
#include <QGraphicsLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QMouseEvent>
#include <QPainter>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

namespace cutover {

namespace {

using namespace chartparts;

// Bounds the pool of polylines per series; gaps beyond it are drawn connected.
constexpr int kMaxSegments = 128;
// The hover card shows a series' sample only this close (in pixels) to the snapped time,
// unless the pointer is between two connected samples of that series.
constexpr double kHoverReachPx = 8.0;

const QColor kMutedColor(0x6b, 0x72, 0x80);
const QColor kGridColor(0xe9, 0xeb, 0xef);
const QColor kAxisLineColor(0xd1, 0xd5, 0xdb);

} // namespace

struct ChartWidget::Private
{
    struct Series
    {
        QString name;
        QColor color;
        Qt::PenStyle style = Qt::SolidLine;
        std::vector<QLineSeries *> segments; // pooled polylines; [used, size) are empty
        int used = 0;
        QList<QPointF> points; // the data last handed in, for hover and CSV
        QList<qsizetype> segmentStarts;
        bool endsInGap = false; // the newest sample has no value: the legend shows none
        QList<TimeSpan> noData;
        double max = qQNaN();
    };
    QChart *chart = nullptr;
    QChartView *view = nullptr;
    QCategoryAxis *timeAxis = nullptr;
    QValueAxis *valueAxis = nullptr;
    OverlayItem *overlay = nullptr;
    QLabel *titleLabel = nullptr;
    QLabel *legend = nullptr;
    int legendHeight = 0; // at its current width, wrapped
    QLabel *hoverCard = nullptr;

    ChartValueFormat format = ChartValueFormat::Number;
    WallTime from {};
    WallTime to {std::chrono::milliseconds(1)};
    std::vector<Series> series;
    QList<ChartThreshold> thresholds;
    QList<ChartMarker> markers;
    double yMax = -1.0; // none yet: the first applyValueRange() sets the axis
    double yStep = 1.0;
    int labelWidth = 0; // reserved by setValueLabelWidth()
    int columns = 0;
    int ticksFitted = 5;           // value labels that fit the plot's height, as last applied
    qint64 tickKey[3] = {0, 0, 0}; // from, to, plot width of the current time ticks

    bool hovering = false;
    QPoint hoverWidgetPos;
    QPointF hoverChartPos;
    std::optional<double> hoverX;
    QList<std::pair<QPointF, QColor>> hoverDots;
    QString hoverText;

    double span() const { return std::max(1.0, msOf(to) - msOf(from)); }
    double xPos(double ms) const
    {
        const QRectF p = chart->plotArea();
        return p.left() + (ms - msOf(from)) / span() * p.width();
    }
    double yPos(double v) const
    {
        const QRectF p = chart->plotArea();
        return p.bottom() - v / yMax * p.height();
    }
    double xValue(double px) const
    {
        const QRectF p = chart->plotArea();
        return p.width() > 0 ? msOf(from) + (px - p.left()) / p.width() * span() : msOf(from);
    }

    void applyValueRange();
    int valueTicksThatFit() const;
    void applyMargins();
    int ownLabelWidth() const;
    void applyTimeAxis();
    void updateLegend();
};

// Paints what Qt Charts has no item for, in chart coordinates above the series: thresholds,
// change markers, the hover crosshair and an empty-state note.
class ChartWidget::OverlayItem : public QGraphicsItem
{
public:
    OverlayItem(ChartWidget::Private *d, const ChartWidget *owner)
        : m_d(d)
        , m_owner(owner)
    {
        setZValue(1000);
        setAcceptedMouseButtons(Qt::NoButton);
    }

    void relayout()
    {
        prepareGeometryChange();
        update();
    }

    QRectF boundingRect() const override { return m_d->chart->rect(); }

    void paint(QPainter *p, const QStyleOptionGraphicsItem *, QWidget *) override
    {
        chartparts::Overlay o;
        o.plot = m_d->chart->plotArea();
        o.map = [d = m_d](double x, double y) { return QPointF(d->xPos(x), d->yPos(y)); };
        o.format = m_d->format;
        o.thresholds = m_d->thresholds;
        o.markers = m_d->markers;
        o.hoverX = m_d->hoverX;
        o.hoverDots = m_d->hoverDots;
        for (const TimeSpan &span : m_owner->noDataSpans())
            o.noData.append({msOf(span.from), msOf(span.to)});
        const bool empty = std::all_of(m_d->series.cbegin(), m_d->series.cend(),
                                       [](const Private::Series &s) { return s.points.isEmpty(); });
        if (empty && !m_d->series.empty())
            o.emptyText = ChartWidget::tr("No data in this time range");
        paintOverlay(*p, m_owner->font(), o);
    }

private:
    ChartWidget::Private *m_d;
    const ChartWidget *m_owner;
};

void ChartWidget::Private::applyValueRange()
{
    // From 0 (none of these measures is negative) to the highest value or threshold.
    double highest = 0.0;
    for (const Series &s : series)
        if (std::isfinite(s.max))
            highest = std::max(highest, s.max);
    for (const ChartThreshold &t : std::as_const(thresholds))
        if (std::isfinite(t.value))
            highest = std::max(highest, t.value);
    const ValueScale scale = valueScale(highest, valueTicksThatFit());
    if (scale.top == yMax && scale.ticks == valueAxis->tickCount())
        return;
    yMax = scale.top;
    yStep = scale.step;
    valueAxis->setLabelFormat(axisLabelFormat(format, scale.decimals));
    valueAxis->setRange(0.0, scale.top);
    valueAxis->setTickCount(scale.ticks);
    applyMargins();
}

int ChartWidget::Private::valueTicksThatFit() const
{
    // Qt Charts gives each value label its axis's height over the tick count, less 4 px above
    // and below, and prints "..." instead of every label taller than that. The axis is about a
    // label plus 8 px taller than the plot (found by measuring: Qt does not say).
    const double height = chart->plotArea().height();
    if (height <= 0.0)
        return 5; // not laid out yet
    const double perLabel = QFontMetricsF(valueAxis->labelsFont()).height() + 1.0 + 2 * 4.0;
    return std::max(2, int((height + perLabel - 1.0) / perLabel));
}

int ChartWidget::Private::ownLabelWidth() const
{
    const QFontMetrics fm(valueAxis->labelsFont());
    const QByteArray format = valueAxis->labelFormat().toLatin1();
    int widest = 0;
    for (double v = 0.0; v <= yMax + yStep / 2; v += yStep)
        widest = std::max(widest, fm.horizontalAdvance(QString::asprintf(format.constData(), v)));
    return widest;
}

void ChartWidget::Private::applyMargins()
{
    const QMargins margins(std::max(0, labelWidth - ownLabelWidth()), 6, 6, 0);
    if (chart->margins() != margins)
        chart->setMargins(margins);
}

void ChartWidget::Private::applyTimeAxis()
{
    // About one tick per 110 pixels.
    const qint64 a = qint64(msOf(from));
    const qint64 b = qint64(msOf(to));
    const double plotWidth = chart->plotArea().width();
    if (tickKey[0] == a && tickKey[1] == b && tickKey[2] == qint64(plotWidth))
        return;
    tickKey[0] = a;
    tickKey[1] = b;
    tickKey[2] = qint64(plotWidth);
    const QStringList old = timeAxis->categoriesLabels();
    for (const QString &label : old)
        timeAxis->remove(label);
    timeAxis->setStartValue(double(a));
    // A label is centred on its tick: one whose half would stick out past either end of the
    // plot (into the value labels, or cut off at the card's edge) waits until it fits.
    const QFontMetrics fm(timeAxis->labelsFont());
    const double pxPerMs = b > a ? plotWidth / double(b - a) : 0.0;
    const double rightRoom = chart->margins().right();
    for (const TimeTick &tick : timeTicks(a, b, std::max(2, int(plotWidth / 110.0)))) {
        const double half = fm.horizontalAdvance(tick.label) / 2.0;
        if (double(tick.ms - a) * pxPerMs < half || double(b - tick.ms) * pxPerMs + rightRoom < half)
            continue;
        timeAxis->append(tick.label, double(tick.ms));
    }
    timeAxis->setRange(double(a), double(b));
}

void ChartWidget::Private::updateLegend()
{
    QList<LegendEntry> entries;
    for (const Series &s : series)
        entries.append({s.name, s.color, s.style,
                        chartparts::formatValue(format, s.points.isEmpty() || s.endsInGap ? qQNaN() : s.points.constLast().y())});
    legend->setText(legendHtml(entries, thresholds, format));
}

ChartWidget::ChartWidget(QWidget *parent)
    : QWidget(parent)
    , d(std::make_unique<Private>())
{
    setObjectName(QStringLiteral("chartCard"));
    setAttribute(Qt::WA_StyledBackground);
    setStyleSheet(QStringLiteral(
        "#chartCard { background: #ffffff; border: 1px solid #e5e7eb; border-radius: 6px; }"
        "#chartTitle { color: #111827; font-weight: bold; } #chartLegend { color: #374151; }"
        "#chartHover { background: rgba(255, 255, 255, 240); color: #111827; border: 1px solid #d1d5db;"
        " border-radius: 4px; padding: 5px 7px; }"));

    d->chart = new QChart;
    d->chart->legend()->hide();
    d->chart->setAnimationOptions(QChart::NoAnimation);
    d->chart->setBackgroundRoundness(0);
    d->chart->setBackgroundBrush(Qt::white);
    d->chart->setBackgroundPen(Qt::NoPen);
    d->chart->setMargins(QMargins(0, 6, 6, 0));
    d->chart->layout()->setContentsMargins(0, 0, 0, 0);

    QFont axisFont = font();
    axisFont.setPointSizeF(axisFont.pointSizeF() * 0.9);
    d->timeAxis = new QCategoryAxis;
    d->timeAxis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    d->valueAxis = new QValueAxis;
    for (QValueAxis *axis : {static_cast<QValueAxis *>(d->timeAxis), d->valueAxis}) {
        axis->setLabelsFont(axisFont);
        axis->setLabelsColor(kMutedColor);
        axis->setGridLineColor(kGridColor);
        axis->setLinePenColor(kAxisLineColor);
        axis->setMinorGridLineVisible(false);
        axis->setTitleVisible(false);
    }
    d->valueAxis->setLineVisible(false);
    d->chart->addAxis(d->timeAxis, Qt::AlignBottom);
    d->chart->addAxis(d->valueAxis, Qt::AlignLeft);

    d->view = new QChartView(d->chart);
    d->view->setRenderHint(QPainter::Antialiasing);
    d->view->setFrameShape(QFrame::NoFrame);
    d->view->setMinimumHeight(100);
    d->view->setMouseTracking(true);
    d->view->viewport()->setMouseTracking(true);
    d->view->viewport()->installEventFilter(this);

    d->overlay = new OverlayItem(d.get(), this);
    d->overlay->setParentItem(d->chart);
    connect(d->chart, &QChart::plotAreaChanged, this, [this](const QRectF &area) {
        d->overlay->relayout();
        // A taller or shorter plot fits more or fewer value labels. Queued, like the time ticks.
        if (const int fit = d->valueTicksThatFit(); fit != d->ticksFitted) {
            d->ticksFitted = fit;
            QMetaObject::invokeMethod(this, [this] { d->applyValueRange(); }, Qt::QueuedConnection);
        }
        const int columns = std::max(1, int(std::lround(area.width())));
        if (columns != d->columns) {
            d->columns = columns;
            // Queued: the tick labels must not change while the chart lays itself out.
            QMetaObject::invokeMethod(this, [this] { d->applyTimeAxis(); }, Qt::QueuedConnection);
            Q_EMIT pixelColumnsChanged(columns);
        }
    });

    d->titleLabel = new QLabel;
    d->titleLabel->setObjectName(QStringLiteral("chartTitle"));
    d->legend = new QLabel;
    d->legend->setObjectName(QStringLiteral("chartLegend"));
    d->legend->setTextFormat(Qt::RichText);
    // Many series wrap onto more lines rather than widen the widget.
    d->legend->setWordWrap(true);
    d->legend->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    d->legend->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    d->legend->setFont(axisFont);

    auto *header = new QHBoxLayout;
    header->setContentsMargins(8, 0, 4, 0);
    header->addWidget(d->titleLabel, 0, Qt::AlignTop);
    header->addSpacing(24);
    header->addWidget(d->legend, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 8, 8, 4);
    layout->setSpacing(2);
    layout->addLayout(header);
    layout->addWidget(d->view, 1);

    d->hoverCard = new QLabel(this);
    d->hoverCard->setObjectName(QStringLiteral("chartHover"));
    d->hoverCard->setTextFormat(Qt::RichText);
    d->hoverCard->setAttribute(Qt::WA_TransparentForMouseEvents);
    d->hoverCard->hide();

    d->applyValueRange();
    d->applyTimeAxis();
}

ChartWidget::~ChartWidget() = default;

void ChartWidget::setTitle(const QString &title)
{
    d->titleLabel->setText(title);
}

QString ChartWidget::title() const
{
    return d->titleLabel->text();
}

void ChartWidget::setValueFormat(ChartValueFormat format)
{
    d->format = format;
    d->yMax = -1.0; // force the labels to be redone
    dataChanged();
}

ChartValueFormat ChartWidget::valueFormat() const
{
    return d->format;
}

QString ChartWidget::formatValue(double value) const
{
    return chartparts::formatValue(d->format, value);
}

void ChartWidget::setTimeRange(WallTime from, WallTime to)
{
    d->from = from;
    d->to = std::max(to, from + std::chrono::milliseconds(1));
    d->applyTimeAxis();
    updateHover();
    d->overlay->update();
}

WallTime ChartWidget::timeFrom() const
{
    return d->from;
}

WallTime ChartWidget::timeTo() const
{
    return d->to;
}

int ChartWidget::addSeries(const QString &name, const QColor &color, Qt::PenStyle style)
{
    Private::Series s;
    s.name = name;
    s.color = color;
    s.style = style;
    d->series.push_back(std::move(s));
    d->updateLegend();
    return int(d->series.size()) - 1;
}

void ChartWidget::clearSeries()
{
    for (Private::Series &s : d->series) {
        for (QLineSeries *segment : s.segments) {
            d->chart->removeSeries(segment);
            delete segment;
        }
    }
    d->series.clear();
    dataChanged();
}

int ChartWidget::seriesCount() const
{
    return int(d->series.size());
}

QString ChartWidget::seriesName(int index) const
{
    return index >= 0 && index < seriesCount() ? d->series[std::size_t(index)].name : QString();
}

void ChartWidget::setSeriesData(int index, const DecimatedSeries &data)
{
    if (index < 0 || index >= seriesCount())
        return;
    Private::Series &s = d->series[std::size_t(index)];
    s.points = data.points;
    s.segmentStarts = data.segmentStarts;
    s.endsInGap = data.endsInGap;
    s.noData = data.noData;
    s.max = qQNaN();
    for (const QPointF &p : std::as_const(s.points))
        if (!(p.y() <= s.max))
            s.max = p.y();

    const qsizetype n = s.points.size();
    QList<qsizetype> bounds;
    for (const qsizetype start : data.segmentStarts)
        if (start > 0 && start < n && bounds.size() < kMaxSegments - 1 && (bounds.isEmpty() || start > bounds.constLast()))
            bounds.append(start);
    const int segments = n == 0 ? 0 : int(bounds.size()) + 1;
    while (int(s.segments.size()) < segments) {
        auto *line = new QLineSeries;
        line->setName(s.name);
        d->chart->addSeries(line);
        line->attachAxis(d->timeAxis);
        line->attachAxis(d->valueAxis);
        line->setPen(QPen(s.color, 1.75, s.style, Qt::RoundCap, Qt::RoundJoin));
        line->setColor(s.color);
        line->setMarkerSize(3.5);
        s.segments.push_back(line);
    }
    // Dense data (more points than pixel columns: a min/max envelope) reads best with a
    // hairline, which also strokes an order of magnitude faster; sparse lines get a firmer pen.
    const qreal penWidth = n > pixelColumns() ? 1.0 : 1.75;
    for (int k = 0; k < segments; ++k) {
        const qsizetype begin = k == 0 ? 0 : bounds.at(k - 1);
        const qsizetype end = k + 1 < segments ? bounds.at(k) : n;
        QLineSeries *line = s.segments[std::size_t(k)];
        if (line->pen().widthF() != penWidth) {
            QPen pen = line->pen();
            pen.setWidthF(penWidth);
            line->setPen(pen);
        }
        // A lone sample between two gaps has no line to draw: show it as a dot.
        line->setPointsVisible(end - begin == 1);
        line->replace(segments == 1 ? s.points : s.points.mid(begin, end - begin));
    }
    for (int k = segments; k < s.used; ++k)
        s.segments[std::size_t(k)]->replace(QList<QPointF>());
    s.used = segments;

    dataChanged();
}

qsizetype ChartWidget::seriesPointCount(int index) const
{
    if (index < 0 || index >= seriesCount())
        return 0;
    qsizetype n = 0;
    for (const QLineSeries *line : d->series[std::size_t(index)].segments)
        n += line->count();
    return n;
}

int ChartWidget::seriesSegmentCount(int index) const
{
    if (index < 0 || index >= seriesCount())
        return 0;
    const auto &segments = d->series[std::size_t(index)].segments;
    return int(std::count_if(segments.cbegin(), segments.cend(), [](const QLineSeries *l) { return l->count() > 0; }));
}

QList<QPointF> ChartWidget::seriesData(int index) const
{
    return index >= 0 && index < seriesCount() ? d->series[std::size_t(index)].points : QList<QPointF>();
}

void ChartWidget::setThreshold(const QString &name, double value, const QColor &color)
{
    auto it = std::find_if(d->thresholds.begin(), d->thresholds.end(), [&](const ChartThreshold &t) { return t.name == name; });
    if (it == d->thresholds.end())
        d->thresholds.append(ChartThreshold {name, value, color});
    else
        *it = ChartThreshold {name, value, color};
    dataChanged();
}

void ChartWidget::clearThresholds()
{
    d->thresholds.clear();
    dataChanged();
}

QList<ChartThreshold> ChartWidget::thresholds() const
{
    return d->thresholds;
}

void ChartWidget::setMarkers(const QList<ChartMarker> &markers)
{
    d->markers = markers;
    d->overlay->update();
}

QList<ChartMarker> ChartWidget::markers() const
{
    return d->markers;
}

QList<TimeSpan> ChartWidget::noDataSpans() const
{
    QList<TimeSpan> spans;
    for (const Private::Series &s : d->series)
        spans.append(s.noData);
    std::sort(spans.begin(), spans.end(), [](const TimeSpan &a, const TimeSpan &b) { return a.from < b.from; });
    QList<TimeSpan> merged;
    for (const TimeSpan &span : std::as_const(spans)) {
        if (!merged.isEmpty() && span.from <= merged.constLast().to)
            merged.last().to = std::max(merged.constLast().to, span.to);
        else
            merged.append(span);
    }
    return merged;
}

int ChartWidget::pixelColumns() const
{
    const double w = d->chart->plotArea().width();
    // Before the first layout there is no plot area yet: estimate it from the widget.
    return w > 1.0 ? int(std::lround(w)) : std::max(1, width() - 70);
}

QRectF ChartWidget::plotArea() const
{
    const QRectF inScene = d->chart->mapRectToScene(d->chart->plotArea());
    return d->view->viewportTransform().mapRect(inScene).translated(d->view->viewport()->mapTo(this, QPoint(0, 0)));
}

QPointF ChartWidget::mapToWidget(WallTime time, double value) const
{
    const QPointF inScene = d->chart->mapToScene(QPointF(d->xPos(msOf(time)), d->yPos(value)));
    return d->view->viewportTransform().map(inScene) + QPointF(d->view->viewport()->mapTo(this, QPoint(0, 0)));
}

double ChartWidget::valueAxisMax() const
{
    return d->yMax;
}

int ChartWidget::valueLabelWidth() const
{
    return d->ownLabelWidth();
}

void ChartWidget::setValueLabelWidth(int pixels)
{
    d->labelWidth = pixels;
    d->applyMargins();
}

QString ChartWidget::hoverText() const
{
    return d->hoverText;
}

QSize ChartWidget::minimumSizeHint() const
{
    // The layout counts a word-wrapped legend as one line. The lines it wraps onto come on top,
    // so that the plot gives up the room, not the time axis (pushed out of the card).
    QSize size = QWidget::minimumSizeHint();
    const QMargins m = layout()->contentsMargins();
    const int header = std::max(d->titleLabel->sizeHint().height(), d->legendHeight);
    size.setHeight(std::max(size.height(), m.top() + header + layout()->spacing() + d->view->minimumHeight() + m.bottom()));
    return size;
}

void ChartWidget::checkLegendHeight()
{
    const int height = d->legend->width() > 0 ? d->legend->heightForWidth(d->legend->width()) : d->legend->sizeHint().height();
    if (height != d->legendHeight) {
        d->legendHeight = height;
        updateGeometry();
    }
}

bool ChartWidget::event(QEvent *event)
{
    if (event->type() == QEvent::LayoutRequest) // e.g. the legend's text changed
        checkLegendHeight();
    return QWidget::event(event);
}

void ChartWidget::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    checkLegendHeight(); // a new width wraps the legend differently
}

bool ChartWidget::eventFilter(QObject *watched, QEvent *event)
{
    if (watched != d->view->viewport())
        return QWidget::eventFilter(watched, event);
    switch (event->type()) {
    case QEvent::MouseMove: {
        const QPoint pos = static_cast<QMouseEvent *>(event)->position().toPoint();
        const QPointF inChart = d->chart->mapFromScene(d->view->mapToScene(pos));
        d->hovering = d->chart->plotArea().contains(inChart);
        d->hoverChartPos = inChart;
        d->hoverWidgetPos = d->view->viewport()->mapTo(this, pos);
        updateHover();
        break;
    }
    case QEvent::Leave:
        d->hovering = false;
        updateHover();
        break;
    case QEvent::ContextMenu:
        showContextMenu(static_cast<QContextMenuEvent *>(event)->globalPos());
        return true;
    default: break;
    }
    return QWidget::eventFilter(watched, event);
}

void ChartWidget::updateHover()
{
    std::optional<HoverHit> hit;
    if (d->hovering) {
        QList<HoverSeries> series;
        for (const Private::Series &s : d->series)
            series.append(HoverSeries {s.name, s.color, s.style, s.points, s.segmentStarts});
        hit = hoverLookup(series, d->format, d->xValue(d->hoverChartPos.x()), d->chart->plotArea().width() / d->span(),
                          kHoverReachPx);
    }
    // A change marker under the pointer says what changed, so cause and effect sit together.
    const QList<ChartMarker> near = d->hovering
        ? markersNear(d->markers, d->xValue(d->hoverChartPos.x()), d->chart->plotArea().width() / d->span(), kHoverReachPx)
        : QList<ChartMarker>();
    d->hoverX = hit ? std::optional<double>(hit->x) : std::nullopt;
    d->hoverDots = hit ? hit->dots : QList<std::pair<QPointF, QColor>>();
    d->hoverText = hit ? hit->text : QString();
    for (const ChartMarker &m : near)
        d->hoverText += (d->hoverText.isEmpty() ? QString() : QStringLiteral("\n")) + m.label
            + (m.detail.isEmpty() ? QString() : QLatin1Char('\t') + m.detail);
    d->overlay->update();
    if (!hit && near.isEmpty()) {
        d->hoverCard->hide();
        return;
    }
    d->hoverCard->setText((hit ? hit->html : QString()) + markersHtml(near));
    d->hoverCard->adjustSize();
    // Beside the pointer, on its left near the right edge, always inside the widget.
    QPoint pos = d->hoverWidgetPos + QPoint(16, 12);
    if (pos.x() + d->hoverCard->width() > width() - 4)
        pos.setX(d->hoverWidgetPos.x() - 16 - d->hoverCard->width());
    pos.setY(std::clamp(pos.y(), 2, std::max(2, height() - d->hoverCard->height() - 2)));
    d->hoverCard->move(pos);
    d->hoverCard->raise();
    d->hoverCard->show();
}

void ChartWidget::dataChanged()
{
    d->applyValueRange();
    d->updateLegend();
    updateHover(); // also repaints the overlay
}

void ChartWidget::startExport(ExportFormat format, const QString &path)
{
    writeExport(format, path, {});
}

void ChartWidget::writeExport(ExportFormat format, const QString &path, std::function<void(const QString &)> failed)
{
    std::function<QString()> work;
    if (format == ExportFormat::Png) {
        d->hovering = false;
        updateHover();
        // Axis labels and the legend are laid out on posted requests: run them before painting.
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        work = [path, image = grab().toImage()] { return writeFile(path, pngBytes(image)); };
    } else {
        QList<CsvColumn> columns;
        for (const Private::Series &s : d->series)
            columns.append(CsvColumn {s.name, s.points});
        work = [path, columns, from = msOf(d->from), to = msOf(d->to)] {
            return writeFile(path, csv(columns, from, to).toUtf8());
        };
    }
    runOffThread<QString>(this, std::move(work), [this, path, failed = std::move(failed)](const QString &error) {
        if (!error.isEmpty() && failed)
            failed(error);
        Q_EMIT exportFinished(path, error);
    });
}

void ChartWidget::showContextMenu(const QPoint &globalPos)
{
    d->hovering = false;
    updateHover();
    QMenu menu(this);
    QAction *png = menu.addAction(tr("Export PNG\u2026"));
    menu.addAction(tr("Export CSV\u2026"));
    QAction *chosen = menu.exec(globalPos);
    if (!chosen)
        return;
    const bool asPng = chosen == png;
    const QString path = QFileDialog::getSaveFileName(
        this, asPng ? tr("Export chart as PNG") : tr("Export chart data as CSV"),
        QDir::home().filePath(exportFileName(title(), asPng ? QStringLiteral("png") : QStringLiteral("csv"))),
        asPng ? tr("PNG images (*.png)") : tr("CSV files (*.csv)"));
    if (path.isEmpty())
        return;
    writeExport(asPng ? ExportFormat::Png : ExportFormat::Csv, path,
                [this](const QString &error) { QMessageBox::warning(this, tr("Export failed"), error); });
}

} // namespace cutover
