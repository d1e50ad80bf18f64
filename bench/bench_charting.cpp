// One chart redraw of a day of data, our way against feeding Qt Charts the raw points, measured
// in the same run. Meaningful only in an optimised build (RelWithDebInfo/Release).
//
//   bench_charting [--series N] [--points N] [--width PX] [--runs N]
//
// Fills N series with one point per second (default 20 x 86,400: a day) and times, best of
// --runs redraws:
//   (a) ours: TimeSeriesStore::decimate() to the plot width, ChartWidget::setSeriesData() for
//       every series, then rendering the widget to a QImage;
//   (b) baseline: every raw point of every series into a QList<QPointF>, QLineSeries::replace()
//       on a plain QChart of the same size with the same axes and pen (the hairline ChartWidget
//       uses for dense data), antialiased, then the same rendering.
// Target: (a) at least 10x faster than (b). Prints PASS or FAIL and exits non-zero on FAIL.

#include "models/timeseriesstore.h"
#include "syntheticday.h"
#include "widgets/chartwidget.h"

// The baseline is plain Qt Charts; the application itself reaches it only through ChartWidget.
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QDateTimeAxis>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>

#include <QApplication>
#include <QCoreApplication>
#include <QColor>
#include <QDateTime>
#include <QImage>
#include <QPainter>
#include <QStringList>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <numbers>
#include <vector>

using namespace cutover;
using namespace std::chrono_literals;

namespace {

struct Options
{
    int series = 20;
    int points = 86'400;
    int width = 1'700; // widget width; the plot area is about 1,600 pixels of it
    int runs = 5;
};


double bestOf(int runs, const std::function<void()> &work)
{
    double best = std::numeric_limits<double>::infinity();
    for (int r = 0; r < runs; ++r) {
        const auto start = std::chrono::steady_clock::now();
        work();
        const auto elapsed = std::chrono::steady_clock::now() - start;
        best = std::min(best, std::chrono::duration<double, std::milli>(elapsed).count());
    }
    return best;
}

// Runs the posted layout requests (widgets and the chart's graphics layout) to a fixed point.
void settle()
{
    for (int i = 0; i < 3; ++i) {
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        QApplication::processEvents();
    }
}

QColor seriesColor(int s)
{
    return QColor::fromHsv((s * 37) % 360, 180, 200);
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const QStringList args = app.arguments();
    Options o;
    o.series = bench::intArgument(args, QStringLiteral("--series"), o.series);
    o.points = bench::intArgument(args, QStringLiteral("--points"), o.points);
    o.width = bench::intArgument(args, QStringLiteral("--width"), o.width);
    o.runs = bench::intArgument(args, QStringLiteral("--runs"), o.runs);
    const QSize size(o.width, 420);

    TimeSeriesStore store({std::chrono::milliseconds(0), o.points});
    const WallTime start = WallTime(1'700'000'000s);
    const std::vector<TimeSeriesId> ids = bench::fillSyntheticDay(store, o.series, o.points, start);
    const WallTime from = start;
    const WallTime to = start + (o.points - 1) * 1s;

    // (a) Ours.
    ChartWidget chart;
    chart.resize(size);
    chart.setTitle(QStringLiteral("Latency"));
    chart.setValueFormat(ChartValueFormat::Milliseconds);
    chart.setTimeRange(from, to);
    for (int s = 0; s < o.series; ++s)
        chart.addSeries(QStringLiteral("series %1").arg(s), seriesColor(s));
    chart.show();
    settle();
    const int columns = chart.pixelColumns();
    QImage ourImage(chart.size(), QImage::Format_ARGB32_Premultiplied);
    std::vector<DecimatedSeries> decimated(ids.size());
    // Phases of the best redraw: decimate, setSeriesData, render.
    double phases[3] = {0, 0, 0};
    double bestTotal = std::numeric_limits<double>::infinity();
    qsizetype ourPoints = 0;
    const double ourMs = bestOf(o.runs, [&] {
        using Clock = std::chrono::steady_clock;
        double spent[3] = {0, 0, 0};
        ourPoints = 0;
        for (std::size_t s = 0; s < ids.size(); ++s) {
            const auto t0 = Clock::now();
            store.decimate(ids[s], from, to, columns, decimated[s]);
            const auto t1 = Clock::now();
            chart.setSeriesData(int(s), decimated[s]);
            spent[0] += std::chrono::duration<double, std::milli>(t1 - t0).count();
            spent[1] += std::chrono::duration<double, std::milli>(Clock::now() - t1).count();
            ourPoints += chart.seriesPointCount(int(s));
        }
        const auto t2 = Clock::now();
        ourImage.fill(Qt::white);
        chart.render(&ourImage);
        spent[2] = std::chrono::duration<double, std::milli>(Clock::now() - t2).count();
        if (spent[0] + spent[1] + spent[2] < bestTotal) {
            bestTotal = spent[0] + spent[1] + spent[2];
            std::copy(std::begin(spent), std::end(spent), std::begin(phases));
        }
    });

    // (b) Baseline: the same chart fed raw.
    auto *qchart = new QChart;
    qchart->legend()->hide();
    qchart->setAnimationOptions(QChart::NoAnimation);
    auto *xAxis = new QDateTimeAxis;
    xAxis->setFormat(QStringLiteral("HH:mm"));
    xAxis->setRange(QDateTime::fromSecsSinceEpoch(from.time_since_epoch().count() / 1000),
                    QDateTime::fromSecsSinceEpoch(to.time_since_epoch().count() / 1000));
    auto *yAxis = new QValueAxis;
    yAxis->setRange(0.0, chart.valueAxisMax());
    qchart->addAxis(xAxis, Qt::AlignBottom);
    qchart->addAxis(yAxis, Qt::AlignLeft);
    std::vector<QLineSeries *> lines;
    for (int s = 0; s < o.series; ++s) {
        auto *line = new QLineSeries;
        qchart->addSeries(line);
        line->attachAxis(xAxis);
        line->attachAxis(yAxis);
        // The pen ChartWidget uses for dense data (more points than pixel columns).
        line->setPen(QPen(seriesColor(s), 1.0, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        lines.push_back(line);
    }
    QChartView view(qchart);
    view.setRenderHint(QPainter::Antialiasing);
    view.resize(size);
    view.show();
    settle();
    QImage rawImage(view.size(), QImage::Format_ARGB32_Premultiplied);
    qsizetype rawPoints = 0;
    const double rawMs = bestOf(o.runs, [&] {
        rawPoints = 0;
        for (std::size_t s = 0; s < ids.size(); ++s) {
            const std::span<const TimeSeriesPoint> points = store.range(ids[s], from, to);
            QList<QPointF> list;
            list.reserve(qsizetype(points.size()));
            for (const TimeSeriesPoint &p : points)
                list.append(QPointF(double(p.time.time_since_epoch().count()), p.value));
            lines[s]->replace(list);
            rawPoints += lines[s]->count();
        }
        rawImage.fill(Qt::white);
        static_cast<QWidget &>(view).render(&rawImage); // QWidget::render, as for ours
    });

    const double ratio = rawMs / ourMs;
    const bool pass = ratio >= 10.0;
    std::printf("bench_charting: %d series x %d points, %dx%d widget (%d plot columns), best of %d redraws\n",
                o.series, o.points, size.width(), size.height(), columns, o.runs);
    std::printf("  (a) decimate + ChartWidget::setSeriesData + render: %9.2f ms  %9lld points drawn\n", ourMs,
                static_cast<long long>(ourPoints));
    std::printf("      of which decimate %.2f ms, setSeriesData %.2f ms, render %.2f ms\n", phases[0], phases[1], phases[2]);
    std::printf("  (b) raw points + QLineSeries::replace + render:      %9.2f ms  %9lld points drawn\n", rawMs,
                static_cast<long long>(rawPoints));
    std::printf("  ratio (b)/(a): %.1fx (target >= 10x): %s\n", ratio, pass ? "PASS" : "FAIL");
    return pass ? 0 : 1;
}
