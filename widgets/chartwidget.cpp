#include "chartwidget.h"

// The only file that knows Qt Charts (deprecated from Qt 6.10).
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>

#include <QContextMenuEvent>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QGraphicsItem>
#include <QGraphicsLayout>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QMouseEvent>
#include <QPainter>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

namespace cutover {

namespace {

// Bounds the pool of polylines per series; gaps beyond it are drawn connected.
constexpr int kMaxSegments = 128;
// The hover card shows a series' nearest point only this close (in pixels) to the pointer's
// time, unless the pointer is between two connected points of that series.
constexpr double kHoverReachPx = 8.0;

const QColor kTextColor(0x11, 0x18, 0x27);
const QColor kMutedColor(0x6b, 0x72, 0x80);
const QColor kGridColor(0xe9, 0xeb, 0xef);
const QColor kAxisLineColor(0xd1, 0xd5, 0xdb);

double msOf(SeriesTime t)
{
    return double(t.time_since_epoch().count());
}

QString timeText(double ms, const QString &format)
{
    return QDateTime::fromMSecsSinceEpoch(qint64(std::llround(ms))).toString(format);
}

// Fixed decimals by magnitude, trailing zeros dropped: "184 ms", "12.35 ms", "0.125 %".
QString formatValueAs(ChartValueFormat format, double value)
{
    if (!std::isfinite(value))
        return QStringLiteral("\u2013");
    const double a = std::abs(value);
    const int decimals = format == ChartValueFormat::Number ? 6
        : format == ChartValueFormat::Percent             ? (a < 0.1 ? 3 : a < 10 ? 2 : 1)
                                                          : (a < 10 ? 2 : a < 1000 ? 1 : 0);
    QString text = QString::number(value, 'f', decimals);
    if (decimals > 0) {
        while (text.endsWith(QLatin1Char('0')))
            text.chop(1);
        if (text.endsWith(QLatin1Char('.')))
            text.chop(1);
    }
    switch (format) {
    case ChartValueFormat::Milliseconds: return text + QStringLiteral(" ms");
    case ChartValueFormat::Percent: return text + QStringLiteral(" %");
    case ChartValueFormat::RequestsPerSecond: return text + QStringLiteral(" req/s");
    case ChartValueFormat::Number: break;
    }
    return text;
}

// 1, 2, 2.5 or 5 times a power of ten, at least raw.
double niceStep(double raw)
{
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double f = raw / magnitude;
    const double n = f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 2.5 ? 2.5 : f <= 5.0 ? 5.0 : 10.0;
    return n * magnitude;
}

// Decimals needed to print multiples of step exactly.
int decimalsFor(double step)
{
    for (int d = 0; d < 8; ++d) {
        const double scaled = step * std::pow(10.0, d);
        if (std::abs(scaled - std::round(scaled)) < 1e-6 * scaled)
            return d;
    }
    return 8;
}

qint64 tickInterval(qint64 spanMs, int maxTicks)
{
    static constexpr qint64 steps[] = {1'000, 2'000, 5'000, 10'000, 15'000, 30'000, 60'000, 120'000, 300'000,
                                       600'000, 900'000, 1'800'000, 3'600'000, 7'200'000, 10'800'000,
                                       21'600'000, 43'200'000, 86'400'000};
    for (const qint64 s : steps)
        if (spanMs / s <= maxTicks)
            return s;
    return steps[std::size(steps) - 1];
}

QString csvField(const QString &s)
{
    if (!s.contains(QLatin1Char(',')) && !s.contains(QLatin1Char('"')) && !s.contains(QLatin1Char('\n')))
        return s;
    QString quoted = s;
    quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

// A short run of line glyphs for the legend and the hover card, drawn like the pen.
QString lineGlyph(Qt::PenStyle style)
{
    switch (style) {
    case Qt::DashLine: return QStringLiteral("\u254D\u254D");
    case Qt::DotLine: return QStringLiteral("\u2509\u2509");
    default: return QStringLiteral("\u2501\u2501");
    }
}

QString swatch(const QColor &color, Qt::PenStyle style)
{
    return QStringLiteral("<span style=\"color:%1\">%2</span>").arg(color.name(), lineGlyph(style));
}

// Index of the point nearest to x (points sorted by x), or -1 when there are none.
qsizetype nearestIndex(const QList<QPointF> &points, double x)
{
    if (points.isEmpty())
        return -1;
    const auto it = std::lower_bound(points.cbegin(), points.cend(), x, [](const QPointF &p, double v) { return p.x() < v; });
    qsizetype i = it - points.cbegin();
    if (i == points.size() || (i > 0 && x - points.at(i - 1).x() <= points.at(i).x() - x))
        --i;
    return i;
}

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
        double max = qQNaN();
    };
    struct HoverDot
    {
        QPointF value;
        QColor color;
    };

    QChart *chart = nullptr;
    QChartView *view = nullptr;
    QCategoryAxis *timeAxis = nullptr;
    QValueAxis *valueAxis = nullptr;
    Overlay *overlay = nullptr;
    QLabel *titleLabel = nullptr;
    QLabel *legend = nullptr;
    QLabel *hoverCard = nullptr;

    ChartValueFormat format = ChartValueFormat::Number;
    SeriesTime from {};
    SeriesTime to {std::chrono::milliseconds(1)};
    std::vector<Series> series;
    QList<ChartThreshold> thresholds;
    QList<ChartMarker> markers;
    double yMax = 1.0;
    int columns = 0;
    qint64 tickKey[3] = {0, 0, 0}; // from, to, interval of the current time ticks

    bool hovering = false;
    QPoint hoverWidgetPos;
    QPointF hoverChartPos;
    std::optional<double> hoverX;
    std::vector<HoverDot> hoverDots;
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
    void applyTimeAxis();
    void updateLegend();
    QString labelFormat(int decimals) const;
};

// Paints what Qt Charts has no item for, in chart coordinates above the series: thresholds,
// change markers, the hover crosshair and an empty-state note.
class ChartWidget::Overlay : public QGraphicsItem
{
public:
    Overlay(ChartWidget::Private *d, const ChartWidget *owner)
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
        const QRectF plot = m_d->chart->plotArea();
        if (plot.width() <= 0 || plot.height() <= 0)
            return;
        p->save();
        p->setRenderHint(QPainter::Antialiasing);
        QFont small = m_owner->font();
        small.setPointSizeF(small.pointSizeF() * 0.85);
        p->setFont(small);
        const QFontMetricsF fm(small);

        for (const ChartMarker &m : std::as_const(m_d->markers)) {
            const double x = m_d->xPos(msOf(m.time));
            if (x < plot.left() || x > plot.right())
                continue;
            p->setPen(QPen(m.color, 1.5));
            p->drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
            if (m.label.isEmpty())
                continue;
            QRectF box(0, 0, fm.horizontalAdvance(m.label) + 8, fm.height() + 2);
            box.moveTopLeft(QPointF(x + 3, plot.top() + 2));
            if (box.right() > plot.right())
                box.moveRight(x - 3);
            p->setPen(Qt::NoPen);
            p->setBrush(m.color);
            p->drawRoundedRect(box, 3, 3);
            p->setPen(Qt::white);
            p->drawText(box, Qt::AlignCenter, m.label);
        }

        for (const ChartThreshold &t : std::as_const(m_d->thresholds)) {
            const double y = m_d->yPos(t.value);
            QPen pen(t.color, 1.5, Qt::DashLine);
            pen.setDashPattern({5.0, 3.0});
            p->setPen(pen);
            p->drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
            const QString text = t.name + QLatin1Char(' ') + m_owner->formatValue(t.value);
            QRectF box(0, 0, fm.horizontalAdvance(text) + 8, fm.height() + 2);
            box.moveBottomRight(QPointF(plot.right() - 4, y - 2));
            if (box.top() < plot.top())
                box.moveTopRight(QPointF(plot.right() - 4, y + 2));
            p->setPen(Qt::NoPen);
            p->setBrush(QColor(255, 255, 255, 220));
            p->drawRect(box);
            p->setPen(t.color.darker(115));
            p->drawText(box, Qt::AlignCenter, text);
        }

        const bool empty = std::all_of(m_d->series.cbegin(), m_d->series.cend(),
                                       [](const Private::Series &s) { return s.points.isEmpty(); });
        if (empty && !m_d->series.empty()) {
            p->setPen(kMutedColor);
            p->drawText(plot, Qt::AlignCenter, ChartWidget::tr("No data in this time range"));
        }

        if (m_d->hoverX) {
            const double x = m_d->xPos(*m_d->hoverX);
            p->setPen(QPen(QColor(0x9c, 0xa3, 0xaf), 1.0));
            p->drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
            for (const Private::HoverDot &dot : m_d->hoverDots) {
                p->setPen(QPen(Qt::white, 1.5));
                p->setBrush(dot.color);
                p->drawEllipse(QPointF(m_d->xPos(dot.value.x()), m_d->yPos(dot.value.y())), 3.5, 3.5);
            }
        }
        p->restore();
    }

private:
    ChartWidget::Private *m_d;
    const ChartWidget *m_owner;
};

QString ChartWidget::Private::labelFormat(int decimals) const
{
    const QString number = QStringLiteral("%.") + QString::number(decimals) + QLatin1Char('f');
    switch (format) {
    case ChartValueFormat::Milliseconds: return number + QStringLiteral(" ms");
    case ChartValueFormat::Percent: return number + QStringLiteral(" %%");
    case ChartValueFormat::RequestsPerSecond: return number + QStringLiteral("/s");
    case ChartValueFormat::Number: break;
    }
    return number;
}

void ChartWidget::Private::applyValueRange()
{
    // From 0 (none of these measures is negative) to the highest value or threshold plus
    // headroom, rounded up to a whole number of nice steps.
    double highest = 0.0;
    for (const Series &s : series)
        if (std::isfinite(s.max))
            highest = std::max(highest, s.max);
    for (const ChartThreshold &t : std::as_const(thresholds))
        if (std::isfinite(t.value))
            highest = std::max(highest, t.value);
    double top = highest > 0.0 ? highest * 1.1 : 1.0;
    const double step = niceStep(top / 4.0);
    top = std::ceil(top / step - 1e-9) * step;
    const int ticks = int(std::lround(top / step)) + 1;
    if (top == yMax && ticks == valueAxis->tickCount())
        return;
    yMax = top;
    valueAxis->setLabelFormat(labelFormat(decimalsFor(step)));
    valueAxis->setRange(0.0, top);
    valueAxis->setTickCount(ticks);
}

void ChartWidget::Private::applyTimeAxis()
{
    // Ticks at round local times, about one per 110 pixels.
    const qint64 a = qint64(msOf(from));
    const qint64 b = qint64(msOf(to));
    const int maxTicks = std::max(2, int(chart->plotArea().width() / 110.0));
    const qint64 interval = tickInterval(b - a, maxTicks);
    if (tickKey[0] == a && tickKey[1] == b && tickKey[2] == interval)
        return;
    tickKey[0] = a;
    tickKey[1] = b;
    tickKey[2] = interval;
    const QStringList old = timeAxis->categoriesLabels();
    for (const QString &label : old)
        timeAxis->remove(label);
    timeAxis->setStartValue(double(a));
    const qint64 offset = qint64(QDateTime::fromMSecsSinceEpoch(a).offsetFromUtc()) * 1000;
    const QString format = interval < 60'000 ? QStringLiteral("HH:mm:ss") : QStringLiteral("HH:mm");
    QSet<QString> used;
    for (qint64 t = ((a + offset) / interval + 1) * interval - offset; t <= b; t += interval) {
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(t);
        // A day boundary on an hours-wide axis reads better as the day.
        QString label = interval >= 3'600'000 && at.time() == QTime(0, 0) ? at.toString(QStringLiteral("ddd d"))
                                                                           : at.toString(format);
        while (used.contains(label)) // labels must be unique; a 24 h range starts and ends alike
            label += QChar(0x200B);
        used.insert(label);
        timeAxis->append(label, double(t));
    }
    timeAxis->setRange(double(a), double(b));
}

void ChartWidget::Private::updateLegend()
{
    QStringList parts;
    for (const Series &s : series) {
        const QString last = s.points.isEmpty() ? QStringLiteral("\u2013") : formatValueAs(format, s.points.constLast().y());
        parts.append(swatch(s.color, s.style) + QStringLiteral("&nbsp;") + s.name.toHtmlEscaped()
                     + QStringLiteral("&nbsp;<b>") + last.toHtmlEscaped() + QStringLiteral("</b>"));
    }
    for (const ChartThreshold &t : std::as_const(thresholds))
        parts.append(QStringLiteral("<span style=\"color:%1\">\u254C\u254C</span>&nbsp;").arg(t.color.name())
                     + t.name.toHtmlEscaped() + QStringLiteral("&nbsp;") + formatValueAs(format, t.value).toHtmlEscaped());
    legend->setText(parts.join(QStringLiteral("&nbsp;&nbsp;&nbsp;&nbsp;")));
}

ChartWidget::ChartWidget(QWidget *parent)
    : QWidget(parent)
    , d(std::make_unique<Private>())
{
    setObjectName(QStringLiteral("chartCard"));
    setAttribute(Qt::WA_StyledBackground);
    setStyleSheet(QStringLiteral("#chartCard { background: #ffffff; border: 1px solid #e5e7eb; border-radius: 6px; }"));

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
    d->view->setMinimumHeight(120);
    d->view->setMouseTracking(true);
    d->view->viewport()->setMouseTracking(true);
    d->view->viewport()->installEventFilter(this);

    d->overlay = new Overlay(d.get(), this);
    d->overlay->setParentItem(d->chart);
    connect(d->chart, &QChart::plotAreaChanged, this, [this](const QRectF &area) {
        d->overlay->relayout();
        const int columns = std::max(1, int(std::lround(area.width())));
        if (columns != d->columns) {
            d->columns = columns;
            // Queued: the tick labels must not change while the chart lays itself out.
            QMetaObject::invokeMethod(this, [this] { d->applyTimeAxis(); }, Qt::QueuedConnection);
            Q_EMIT pixelColumnsChanged(columns);
        }
    });

    d->titleLabel = new QLabel;
    QFont titleFont = font();
    titleFont.setBold(true);
    d->titleLabel->setFont(titleFont);
    d->titleLabel->setStyleSheet(QStringLiteral("color: #111827;"));
    d->legend = new QLabel;
    d->legend->setTextFormat(Qt::RichText);
    d->legend->setStyleSheet(QStringLiteral("color: #374151;"));
    d->legend->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    d->legend->setFont(axisFont);

    auto *header = new QHBoxLayout;
    header->setContentsMargins(8, 0, 4, 0);
    header->addWidget(d->titleLabel);
    header->addStretch(1);
    header->addWidget(d->legend);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 8, 8, 4);
    layout->setSpacing(2);
    layout->addLayout(header);
    layout->addWidget(d->view, 1);

    d->hoverCard = new QLabel(this);
    d->hoverCard->setTextFormat(Qt::RichText);
    d->hoverCard->setAttribute(Qt::WA_TransparentForMouseEvents);
    d->hoverCard->setStyleSheet(QStringLiteral("QLabel { background: rgba(255, 255, 255, 240); color: #111827;"
                                               " border: 1px solid #d1d5db; border-radius: 4px; padding: 5px 7px; }"));
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
    d->applyValueRange();
    d->updateLegend();
    d->overlay->update();
}

ChartValueFormat ChartWidget::valueFormat() const
{
    return d->format;
}

QString ChartWidget::formatValue(double value) const
{
    return formatValueAs(d->format, value);
}

void ChartWidget::setTimeRange(SeriesTime from, SeriesTime to)
{
    d->from = from;
    d->to = std::max(to, from + std::chrono::milliseconds(1));
    d->applyTimeAxis();
    updateHover();
    d->overlay->update();
}

SeriesTime ChartWidget::timeFrom() const
{
    return d->from;
}

SeriesTime ChartWidget::timeTo() const
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
    d->applyValueRange();
    d->updateLegend();
    updateHover();
    d->overlay->update();
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
        QPen pen(s.color, 1.8, s.style, Qt::RoundCap, Qt::RoundJoin);
        line->setPen(pen);
        line->setColor(s.color);
        line->setMarkerSize(5.0);
        s.segments.push_back(line);
    }
    for (int k = 0; k < segments; ++k) {
        const qsizetype begin = k == 0 ? 0 : bounds.at(k - 1);
        const qsizetype end = k + 1 < segments ? bounds.at(k) : n;
        QLineSeries *line = s.segments[std::size_t(k)];
        // A lone sample between two gaps has no line to draw: show it as a dot.
        line->setPointsVisible(end - begin == 1);
        line->replace(segments == 1 ? s.points : s.points.mid(begin, end - begin));
    }
    for (int k = segments; k < s.used; ++k)
        s.segments[std::size_t(k)]->replace(QList<QPointF>());
    s.used = segments;

    d->applyValueRange();
    d->updateLegend();
    updateHover();
    d->overlay->update();
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
    d->applyValueRange();
    d->updateLegend();
    d->overlay->update();
}

void ChartWidget::clearThresholds()
{
    d->thresholds.clear();
    d->applyValueRange();
    d->updateLegend();
    d->overlay->update();
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

int ChartWidget::pixelColumns() const
{
    const double w = d->chart->plotArea().width();
    // Before the first layout there is no plot area yet: estimate it from the widget.
    return w > 1.0 ? int(std::lround(w)) : std::max(1, width() - 70);
}

QRectF ChartWidget::plotArea() const
{
    const QRectF inView = d->view->mapFromScene(d->chart->mapToScene(d->chart->plotArea())).boundingRect();
    return inView.translated(d->view->viewport()->mapTo(this, QPoint(0, 0)));
}

QPointF ChartWidget::mapToWidget(SeriesTime time, double value) const
{
    const QPointF inChart(d->xPos(msOf(time)), d->yPos(value));
    const QPoint offset = d->view->viewport()->mapTo(this, QPoint(0, 0));
    return QPointF(d->view->mapFromScene(d->chart->mapToScene(inChart))) + QPointF(offset);
}

double ChartWidget::valueAxisMax() const
{
    return d->yMax;
}

QString ChartWidget::hoverText() const
{
    return d->hoverText;
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
    d->hoverDots.clear();
    d->hoverX.reset();
    d->hoverText.clear();
    if (!d->hovering) {
        d->hoverCard->hide();
        d->overlay->update();
        return;
    }
    // Snap to the sample nearest the pointer over all series, then show each series there.
    const double cursor = d->xValue(d->hoverChartPos.x());
    double bestPx = std::numeric_limits<double>::infinity();
    double at = cursor;
    for (const Private::Series &s : d->series) {
        const qsizetype i = nearestIndex(s.points, cursor);
        if (i < 0)
            continue;
        const double px = std::abs(d->xPos(s.points.at(i).x()) - d->hoverChartPos.x());
        if (px < bestPx) {
            bestPx = px;
            at = s.points.at(i).x();
        }
    }
    d->hoverX = at;
    QString html = QStringLiteral("<div style=\"font-weight:600; margin-bottom:3px\">%1</div><table cellspacing=\"0\">")
                       .arg(timeText(at, QStringLiteral("HH:mm:ss")));
    QStringList lines {timeText(at, QStringLiteral("HH:mm:ss"))};
    for (const Private::Series &s : d->series) {
        const qsizetype i = nearestIndex(s.points, at);
        bool shown = i >= 0 && std::abs(d->xPos(s.points.at(i).x()) - d->xPos(at)) <= kHoverReachPx;
        if (i >= 0 && !shown) {
            // Between two connected samples (not across a gap) the nearest one still stands.
            const auto next = std::upper_bound(s.points.cbegin(), s.points.cend(), at,
                                               [](double v, const QPointF &p) { return v < p.x(); }) - s.points.cbegin();
            shown = next > 0 && next < s.points.size() && !s.segmentStarts.contains(next);
        }
        const QString value = shown ? formatValue(s.points.at(i).y()) : tr("no data");
        if (shown)
            d->hoverDots.push_back({s.points.at(i), s.color});
        lines.append(s.name + QLatin1Char('\t') + value);
        html += QStringLiteral("<tr><td>%1&nbsp;%2</td><td align=\"right\">&nbsp;&nbsp;&nbsp;<b>%3</b></td></tr>")
                    .arg(swatch(s.color, s.style), s.name.toHtmlEscaped(), value.toHtmlEscaped());
    }
    html += QStringLiteral("</table>");
    d->hoverText = lines.join(QLatin1Char('\n'));
    d->hoverCard->setText(html);
    d->hoverCard->adjustSize();
    QPoint pos = d->hoverWidgetPos + QPoint(16, 12);
    if (pos.x() + d->hoverCard->width() > width() - 4)
        pos.setX(d->hoverWidgetPos.x() - 16 - d->hoverCard->width());
    pos.setY(std::clamp(pos.y(), 2, std::max(2, height() - d->hoverCard->height() - 2)));
    d->hoverCard->move(pos);
    d->hoverCard->raise();
    d->hoverCard->show();
    d->overlay->update();
}

QString ChartWidget::exportPng(const QString &path)
{
    d->hovering = false;
    updateHover();
    const QImage image = grab().toImage();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") || !file.commit())
        return tr("Could not write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
    return {};
}

QString ChartWidget::exportCsv(const QString &path) const
{
    // One row per distinct time over all series; a series without a point at that time
    // leaves its cell empty.
    struct Cell
    {
        double time;
        int series;
        double value;
    };
    std::vector<Cell> cells;
    const double a = msOf(d->from);
    const double b = msOf(d->to);
    for (int s = 0; s < seriesCount(); ++s)
        for (const QPointF &p : std::as_const(d->series[std::size_t(s)].points))
            if (p.x() >= a && p.x() <= b)
                cells.push_back({p.x(), s, p.y()});
    std::stable_sort(cells.begin(), cells.end(), [](const Cell &l, const Cell &r) { return l.time < r.time; });

    QString text = QStringLiteral("time");
    for (const Private::Series &s : d->series)
        text += QLatin1Char(',') + csvField(s.name);
    text += QLatin1Char('\n');
    QStringList row;
    for (std::size_t i = 0; i < cells.size();) {
        row.fill(QString(), seriesCount());
        const double t = cells[i].time;
        for (; i < cells.size() && cells[i].time == t; ++i)
            row[cells[i].series] = QString::number(cells[i].value, 'g', QLocale::FloatingPointShortest);
        text += QDateTime::fromMSecsSinceEpoch(qint64(std::llround(t)), Qt::UTC).toString(Qt::ISODateWithMs)
            + QLatin1Char(',') + row.join(QLatin1Char(',')) + QLatin1Char('\n');
    }

    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text) || file.write(text.toUtf8()) < 0 || !file.commit())
        return tr("Could not write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
    return {};
}

void ChartWidget::showContextMenu(const QPoint &globalPos)
{
    d->hovering = false;
    updateHover();
    QMenu menu(this);
    QAction *png = menu.addAction(tr("Export PNG\u2026"));
    QAction *csv = menu.addAction(tr("Export CSV\u2026"));
    QAction *chosen = menu.exec(globalPos);
    if (!chosen)
        return;
    const bool asPng = chosen == png;
    QString base = title().isEmpty() ? QStringLiteral("chart") : title().toLower();
    base.replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("-"));
    const QString suggested = base + QLatin1Char('-') + QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"))
        + (asPng ? QStringLiteral(".png") : QStringLiteral(".csv"));
    const QString path = QFileDialog::getSaveFileName(this, asPng ? tr("Export chart as PNG") : tr("Export chart data as CSV"),
                                                      QDir::home().filePath(suggested),
                                                      asPng ? tr("PNG images (*.png)") : tr("CSV files (*.csv)"));
    if (path.isEmpty())
        return;
    const QString error = chosen == csv ? exportCsv(path) : exportPng(path);
    if (!error.isEmpty())
        QMessageBox::warning(this, tr("Export failed"), error);
}

} // namespace cutover
