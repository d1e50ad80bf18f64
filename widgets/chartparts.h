#pragma once

#include "models/timeseriesstore.h"

#include <QColor>
#include <QFont>
#include <QFontMetricsF>
#include <QList>
#include <QPointF>
#include <QRectF>
#include <QString>

#include <functional>
#include <optional>
#include <utility>

class QFont;
class QImage;
class QPainter;

namespace cutover {

// A time as a chart's x value: milliseconds since the epoch.
inline double msOf(WallTime t)
{
    return double(t.time_since_epoch().count());
}

// A dashed horizontal line at an objective, e.g. "SLO p95" at 200 ms.
struct ChartThreshold
{
    QString name;
    double value = 0.0; // in the chart's value unit
    QColor color;
};

// A vertical line at the moment of a change (an audit entry: a weight shift, a rollback).
struct ChartMarker
{
    WallTime time;
    QString label;
    QColor color;
    QString detail = {}; // shown when the pointer is on the line: who, what, why (plain text)
};

// How y values are printed on the axis, in the legend and the hover card: the data handed to a
// chart is already in this unit (milliseconds, percent, requests per second).
enum class ChartValueFormat : quint8 { Number, Milliseconds, Percent, RequestsPerSecond };

// The parts of a chart that do not depend on the renderer (Qt Charts, behind ChartWidget):
// number formats, axis scales and ticks, the hover lookup, CSV, and the overlay painted above
// the series. Swapping the renderer keeps all of these.
namespace chartparts {

// Fixed decimals by magnitude, trailing zeros dropped: "184 ms", "12.35 ms", "0.125 %".
QString formatValue(ChartValueFormat format, double value);
// The printf-style format of value-axis labels, e.g. "%.1f ms".
QString axisLabelFormat(ChartValueFormat format, int decimals);

struct ValueScale
{
    double top = 1.0;
    double step = 0.25;
    int ticks = 5; // labels from 0 to top
    int decimals = 2;
};
// From 0 to the highest value plus 10 % headroom, rounded up to a whole number of nice steps
// (1, 2, 2.5 or 5 times a power of ten), 3 to 5 steps in all, or fewer where at most
// `maxTicks` labels fit (a short chart; at least 2: 0 and the top). Nothing positive: 0 to 1.
ValueScale valueScale(double highest, int maxTicks = 5);

struct TimeTick
{
    qint64 ms = 0;
    QString label;
};
// Ticks at round local times in (fromMs, toMs], at most about maxTicks of them. Labels read
// HH:mm:ss when ticks are under a minute apart, else HH:mm, and a midnight on an hours-wide axis
// reads as the day; labels are unique (a 24 h range starts and ends at the same clock time).
QList<TimeTick> timeTicks(qint64 fromMs, qint64 toMs, int maxTicks);
qint64 tickInterval(qint64 spanMs, int maxTicks);

// A few line-drawing characters that look like the pen, for legends in rich text.
QString lineGlyph(Qt::PenStyle style);

struct LegendEntry
{
    QString name;
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
    QString value; // as printed
};
// One rich-text line: a pen swatch, the name and the value in bold per series, then each
// threshold with a dashed swatch.
QString legendHtml(const QList<LegendEntry> &series, const QList<ChartThreshold> &thresholds, ChartValueFormat format);

// The markers whose line is within reachPx of cursorX (ms since the epoch), nearest first.
QList<ChartMarker> markersNear(const QList<ChartMarker> &markers, double cursorX, double pxPerMs, double reachPx);
// The hover card's section for markers: one line each, time, label and detail.
QString markersHtml(const QList<ChartMarker> &markers);

// Index of the point nearest to x in points sorted by x, or -1 when there are none.
qsizetype nearestIndex(const QList<QPointF> &points, double x);

struct HoverSeries
{
    QString name;
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
    QList<QPointF> points; // sorted by x
    QList<qsizetype> segmentStarts;
};
struct HoverHit
{
    double x = 0.0;                              // the sample time the pointer snapped to
    QList<std::pair<QPointF, QColor>> dots;      // the samples shown
    QString text;                                // "HH:mm:ss", then "name<TAB>value" per series
    QString html;                                // the same as a hover card
};
// Snaps cursorX (ms since the epoch) to the nearest sample of any series, then shows each
// series' sample nearest to that if within reachPx (x distance times pxPerMs) or between two
// connected samples, i.e. not across a gap; otherwise "no data". No samples at all: nullopt.
std::optional<HoverHit> hoverLookup(const QList<HoverSeries> &series, ChartValueFormat format, double cursorX,
                                    double pxPerMs, double reachPx);

struct CsvColumn
{
    QString name;
    QList<QPointF> points; // x: ms since the epoch
};
// "time,<names>" then one row per distinct time in [fromMs, toMs] (ISO 8601, UTC), a cell per
// column holding its value at that time or nothing. Values in shortest round-trip form.
QString csv(const QList<CsvColumn> &columns, double fromMs, double toMs);

// Writes bytes to path atomically (QSaveFile); returns an error message, or empty on success.
QString writeFile(const QString &path, const QByteArray &bytes);
QByteArray pngBytes(const QImage &image);
// A file name suggested for exporting the chart titled title: "latency-20240101-120000.png".
QString exportFileName(const QString &title, const QString &suffix);

// What is drawn above the series, in the coordinates of plot.
struct Overlay
{
    QRectF plot;
    std::function<QPointF(double x, double y)> map; // data to plot coordinates
    ChartValueFormat format = ChartValueFormat::Number;
    QList<ChartThreshold> thresholds;
    QList<ChartMarker> markers;
    std::optional<double> hoverX;                     // crosshair
    QList<std::pair<QPointF, QColor>> hoverDots;      // data points on it
    QString emptyText;                                // centred note, e.g. "No data"
    QList<std::pair<double, double>> noData;          // x ranges without data: shaded, labelled
};
// Where the overlay's labels go, in plot coordinates, with `fm` the font they are drawn in.
// A change marker's label sits at the top by its line, a row lower where an earlier one is in
// the way, and is left out (empty box) once three rows are taken. A threshold's label sits at
// the right end above its line, else below it; where a label is in the way, left of it; at
// worst over the others.
struct OverlayLabels
{
    QList<QRectF> markers;    // per marker; empty: not shown
    QList<QRectF> thresholds; // per threshold
};
OverlayLabels layOutOverlayLabels(const Overlay &overlay, const QFontMetricsF &fm);
// The font the labels are drawn in, from the widget's.
QFont overlayLabelFont(const QFont &font);
void paintOverlay(QPainter &p, const QFont &font, const Overlay &overlay);

} // namespace chartparts
} // namespace cutover
