#pragma once

#include "models/timeseriesstore.h"
#include "widgets/chartparts.h"

#include <QColor>
#include <QList>
#include <QPointF>
#include <QRectF>
#include <QString>
#include <QWidget>

#include <functional>
#include <memory>

namespace cutover {

// A time-series line chart for live metrics. Qt Charts is deprecated from Qt 6.10, so it lives
// only behind this class: nothing but chartwidget.cpp includes a Qt Charts header, and swapping
// the renderer means rewriting that file alone (the renderer-free parts are in chartparts.h).
//
// Feeding it: decimate each series to pixelColumns() (TimeSeriesStore::decimate) and hand the
// result to setSeriesData(), which replaces the drawn points in one go (QXYSeries::replace).
// NaN gaps in the data become separate line segments. The value axis starts at 0 and scales to
// the data and the thresholds with headroom; the time axis shows the range set by setTimeRange()
// with ticks at round times. Hovering shows the nearest value of each series; the context menu
// exports PNG or CSV.
class ChartWidget : public QWidget
{
    Q_OBJECT

public:
    explicit ChartWidget(QWidget *parent = nullptr);
    ~ChartWidget() override;

    void setTitle(const QString &title);
    QString title() const;
    void setValueFormat(ChartValueFormat format);
    ChartValueFormat valueFormat() const;
    // A value as the hover card and the legend print it, e.g. "12.3 ms", "0.25 %", "41.5 req/s".
    QString formatValue(double value) const;

    void setTimeRange(WallTime from, WallTime to);
    WallTime timeFrom() const;
    WallTime timeTo() const;

    // Returns the index of the new series (0, 1, ...); indexes stay valid until clearSeries().
    int addSeries(const QString &name, const QColor &color, Qt::PenStyle style = Qt::SolidLine);
    void clearSeries();
    int seriesCount() const;
    QString seriesName(int index) const;
    // Replaces what series `index` draws: data.points, x in ms since the epoch, y in the value
    // unit, split into polylines at data.segmentStarts. Unknown indexes are ignored.
    void setSeriesData(int index, const DecimatedSeries &data);
    // What the chart holds for a series: points handed to the renderer (over all segments) and
    // the number of non-empty polylines.
    qsizetype seriesPointCount(int index) const;
    int seriesSegmentCount(int index) const;
    // The points last handed to setSeriesData() (all segments, in time order).
    QList<QPointF> seriesData(int index) const;
    // Where any series has no data (DecimatedSeries::noData), merged: shaded and labelled "no data".
    QList<TimeSpan> noDataSpans() const;

    // A threshold with the same name is replaced.
    void setThreshold(const QString &name, double value, const QColor &color);
    void clearThresholds();
    QList<ChartThreshold> thresholds() const;
    void setMarkers(const QList<ChartMarker> &markers);
    QList<ChartMarker> markers() const;

    // Width of the plot area in pixels: the number of columns to decimate to (at least 1).
    int pixelColumns() const;
    // The plot area and a data point in this widget's coordinates.
    QRectF plotArea() const;
    QPointF mapToWidget(WallTime time, double value) const;
    double valueAxisMax() const;
    // Charts stacked in a column line their plot areas up (so that one time is at one x in all
    // of them) by reserving the widest value-label width of them all in each.
    int valueLabelWidth() const;
    void setValueLabelWidth(int pixels);
    // The hover card's text as plain lines: the time, then "name<TAB>value" per series, then
    // "label<TAB>detail" per change marker under the pointer; empty while the pointer is not
    // over the plot.
    QString hoverText() const;

    // Writes the chart to `path`. The PNG is this widget as shown now (title, legend and chart)
    // at its size; the CSV has a time column (ISO 8601, UTC) and one column per series with the
    // data last handed in, within the time range. What is shown is taken at once; encoding and
    // writing happen on the thread pool, and exportFinished() reports the outcome.
    enum class ExportFormat { Png, Csv };
    void startExport(ExportFormat format, const QString &path);

    // Taller than the layout alone says while the legend wraps onto more lines.
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    // The plot area changed size: callers should decimate to the new pixelColumns().
    void pixelColumnsChanged(int columns);
    // An export is written (`error` empty) or failed (`error` says why; nothing is left at
    // `path` then).
    void exportFinished(const QString &path, const QString &error);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    bool event(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    struct Private;
    void checkLegendHeight();
    class OverlayItem;
    void showContextMenu(const QPoint &globalPos);
    void writeExport(ExportFormat format, const QString &path, std::function<void(const QString &)> failed);
    void updateHover();
    void dataChanged(); // rescale, legend, hover, overlay
    std::unique_ptr<Private> d;
};

} // namespace cutover
