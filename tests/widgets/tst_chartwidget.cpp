// ChartWidget on the offscreen platform: what it hands to the renderer, what it draws, what it
// exports, and what hovering shows.
#include "widgets/chartparts.h"
#include "widgets/chartwidget.h"

#include <QDateTime>
#include <QRegularExpression>
#include <QFile>
#include <QSet>
#include <QImage>
#include <QTemporaryDir>
#include <QLabel>
#include <QVBoxLayout>
#include <QCategoryAxis>
#include <QChartView>
#include <QGraphicsScene>
#include <QGraphicsTextItem>
#include <QValueAxis>
#include <QSignalSpy>
#include <QTest>

#include <cmath>
#include <memory>

using namespace cutover;
using namespace std::chrono_literals;

namespace {

const WallTime t0 {std::chrono::milliseconds(1'700'000'000'000)};

std::unique_ptr<ChartWidget> shownChart(QSize size = QSize(900, 300))
{
    auto chart = std::make_unique<ChartWidget>();
    chart->resize(size);
    chart->show();
    if (!QTest::qWaitForWindowExposed(chart.get()))
        return nullptr;
    // The plot area exists once Qt Charts has laid the chart out.
    if (!QTest::qWaitFor([&] { return chart->plotArea().width() > 100; }))
        return nullptr;
    return chart;
}

DecimatedSeries pointsAt(const QList<std::pair<int, double>> &secondsAndValues)
{
    DecimatedSeries s;
    for (const auto &[second, value] : secondsAndValues)
        s.points.append(QPointF(double((t0 + std::chrono::seconds(second)).time_since_epoch().count()), value));
    return s;
}

// Pixels within a small distance of color along a line of the image.
int matchingPixels(const QImage &image, QPoint from, QPoint step, int count, const QColor &color)
{
    int n = 0;
    for (int i = 0; i < count; ++i) {
        const QPoint p = from + step * i;
        if (!image.rect().contains(p))
            continue;
        const QColor c = image.pixelColor(p);
        if (std::abs(c.red() - color.red()) + std::abs(c.green() - color.green()) + std::abs(c.blue() - color.blue()) < 60)
            ++n;
    }
    return n;
}

} // namespace

class TestChartWidget : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void dayOfDataIsDecimatedToColumns();
    void nanGapsSplitSegments_data();
    void nanGapsSplitSegments();
    void aHangIsShadedAsNoData();
    void autoscaleFromZeroWithHeadroom_data();
    void autoscaleFromZeroWithHeadroom();
    void thresholdAndMarkerAreDrawn();
    void exportPngWritesWidgetSizedImage();
    void exportCsvWritesHeaderAndRows();
    void exportTakesTheChartAsShownWhenAsked();
    void hoverShowsNearestValues();
    void formatValue_data();
    void formatValue();
    void timeLabelsStayInsideThePlot();
    void valueLabelsFitAShortChart();
    void overlayLabelsDoNotCoverEachOther();
    void timeTicks_data();
    void timeTicks();
    void legendBreaksOnlyBetweenEntries();
    void legendShowsNoValueAfterTheTrafficStops();
    void wrappedLegendLeavesRoomForTheAxis();
};

void TestChartWidget::dayOfDataIsDecimatedToColumns()
{
    const auto chart = shownChart(QSize(1400, 320));
    QVERIFY(chart);
    TimeSeriesStore store;
    const TimeSeriesId id = store.series(QStringLiteral("p95"));
    for (int i = 0; i < 86'400; ++i)
        store.append(id, t0 + std::chrono::seconds(i), 120 + 40 * std::sin(i / 3000.0) + (i * 7919 % 31));
    const WallTime to = t0 + 86'399s;
    const int columns = chart->pixelColumns();
    QVERIFY2(columns > 1000, qPrintable(QString::number(columns)));
    QCOMPARE(columns, int(std::lround(chart->plotArea().width())));

    const int index = chart->addSeries(QStringLiteral("p95"), Qt::blue);
    chart->setTimeRange(t0, to);
    const DecimatedSeries data = store.decimate(id, t0, to, columns);
    chart->setSeriesData(index, data);
    QCOMPARE(chart->seriesPointCount(index), data.points.size());
    QVERIFY(chart->seriesPointCount(index) <= 4 * columns);
    QVERIFY(chart->seriesPointCount(index) >= columns);
    QCOMPARE(chart->seriesSegmentCount(index), 1);
}

void TestChartWidget::nanGapsSplitSegments_data()
{
    QTest::addColumn<QList<int>>("gapStarts"); // each gap is 30 s of NaN
    QTest::addColumn<int>("segments");
    QTest::newRow("no gap") << QList<int> {} << 1;
    QTest::newRow("one gap") << QList<int> {200} << 2;
    QTest::newRow("three gaps") << QList<int> {100, 250, 400} << 4;
    QTest::newRow("gap at the end") << QList<int> {570} << 1;
}

void TestChartWidget::nanGapsSplitSegments()
{
    QFETCH(QList<int>, gapStarts);
    QFETCH(int, segments);
    const auto chart = shownChart();
    QVERIFY(chart);
    TimeSeriesStore store;
    const TimeSeriesId id = store.series(QStringLiteral("p95"));
    for (int i = 0; i < 600; ++i) {
        const bool gap = std::any_of(gapStarts.cbegin(), gapStarts.cend(), [i](int g) { return i >= g && i < g + 30; });
        store.append(id, t0 + std::chrono::seconds(i), gap ? qQNaN() : 50.0 + i % 7);
    }
    const int index = chart->addSeries(QStringLiteral("p95"), Qt::blue);
    chart->setTimeRange(t0, t0 + 599s);
    const DecimatedSeries data = store.decimate(id, t0, t0 + 599s, chart->pixelColumns());
    chart->setSeriesData(index, data);
    QCOMPARE(chart->seriesSegmentCount(index), segments);
    QCOMPARE(chart->seriesPointCount(index), data.points.size());
    QCOMPARE(chart->seriesData(index), data.points);

    // The pool is reused: gap-free data afterwards is one polyline again, nothing left over.
    const DecimatedSeries whole = pointsAt({{0, 1.0}, {10, 2.0}, {20, 3.0}});
    chart->setSeriesData(index, whole);
    QCOMPARE(chart->seriesSegmentCount(index), 1);
    QCOMPARE(chart->seriesPointCount(index), qsizetype(3));
    chart->setSeriesData(index, DecimatedSeries {});
    QCOMPARE(chart->seriesSegmentCount(index), 0);
    QCOMPARE(chart->seriesPointCount(index), qsizetype(0));
}

void TestChartWidget::autoscaleFromZeroWithHeadroom_data()
{
    QTest::addColumn<double>("highest");
    QTest::addColumn<double>("threshold"); // NaN: none
    QTest::newRow("latency") << 87.3 << qQNaN();
    QTest::newRow("sub-millisecond") << 0.42 << qQNaN();
    QTest::newRow("thousands") << 1234.0 << qQNaN();
    QTest::newRow("threshold above the data") << 40.0 << 200.0;
    QTest::newRow("data above the threshold") << 640.0 << 200.0;
    QTest::newRow("all zero") << 0.0 << qQNaN();
}

void TestChartWidget::autoscaleFromZeroWithHeadroom()
{
    QFETCH(double, highest);
    QFETCH(double, threshold);
    ChartWidget chart;
    const int index = chart.addSeries(QStringLiteral("s"), Qt::blue);
    chart.setTimeRange(t0, t0 + 60s);
    chart.setSeriesData(index, pointsAt({{0, highest / 2}, {30, highest}, {60, 0.0}}));
    if (!std::isnan(threshold))
        chart.setThreshold(QStringLiteral("SLO"), threshold, Qt::red);
    const double top = std::max(highest, std::isnan(threshold) ? 0.0 : threshold);
    if (top == 0.0) {
        QVERIFY(chart.valueAxisMax() > 0.0);
        return;
    }
    QVERIFY2(chart.valueAxisMax() >= top * 1.05, qPrintable(QString::number(chart.valueAxisMax())));
    QVERIFY2(chart.valueAxisMax() <= top * 2.0, qPrintable(QString::number(chart.valueAxisMax())));
}

void TestChartWidget::aHangIsShadedAsNoData()
{
    // 1 s scrapes, then 55 s with none (a gateway that hung), then 1 s again: the line breaks and
    // the silence is a shaded band, not a straight line across.
    const auto chart = shownChart();
    QVERIFY(chart);
    TimeSeriesStore store;
    const TimeSeriesId a = store.series(QStringLiteral("p95"));
    const TimeSeriesId b = store.series(QStringLiteral("p50"));
    for (int s = 0; s < 120; ++s) {
        if (s > 30 && s < 86)
            continue;
        store.append(a, t0 + std::chrono::seconds(s), 100.0);
        if (s < 80 || s > 95) // the second series' silence is longer: the bands merge
            store.append(b, t0 + std::chrono::seconds(s), 50.0);
    }
    chart->setTimeRange(t0, t0 + 119s);
    const int ia = chart->addSeries(QStringLiteral("p95"), QColor(0x25, 0x63, 0xeb));
    const int ib = chart->addSeries(QStringLiteral("p50"), QColor(0x16, 0xa3, 0x4a));
    chart->setSeriesData(ia, store.decimate(a, t0, t0 + 119s, chart->pixelColumns()));
    chart->setSeriesData(ib, store.decimate(b, t0, t0 + 119s, chart->pixelColumns()));
    QCOMPARE(chart->seriesSegmentCount(ia), 2);
    QCOMPARE(chart->seriesSegmentCount(ib), 2);
    QCOMPARE(chart->noDataSpans(), (QList<TimeSpan> {{t0 + 30s, t0 + 96s}}));

    // The plot is shaded over the band's whole height, and not before it (where the two lines
    // and the grid cross the same column).
    const QImage image = chart->grab().toImage();
    const QRect plot = chart->plotArea().toRect().adjusted(0, 2, 0, -2);
    const auto meanLightness = [&](WallTime t) {
        const int x = int(chart->mapToWidget(t, 0).x());
        double sum = 0;
        for (int y = plot.top(); y <= plot.bottom(); ++y)
            sum += image.pixelColor(x, y).lightness();
        return sum / (plot.height() + 1);
    };
    const double inside = meanLightness(t0 + 60s);
    const double before = meanLightness(t0 + 12s);
    QVERIFY2(inside < before - 12, qPrintable(QString::number(inside) + QStringLiteral(" vs ") + QString::number(before)));

    // Data without a silence has no band.
    chart->setSeriesData(ia, store.decimate(a, t0, t0 + 30s, chart->pixelColumns()));
    chart->setSeriesData(ib, store.decimate(b, t0, t0 + 30s, chart->pixelColumns()));
    QVERIFY(chart->noDataSpans().isEmpty());
}

void TestChartWidget::thresholdAndMarkerAreDrawn()
{
    const auto chart = shownChart();
    QVERIFY(chart);
    const QColor thresholdColor(0xdc, 0x26, 0x26);
    const QColor markerColor(0x7c, 0x3a, 0xed);
    const int index = chart->addSeries(QStringLiteral("p95"), QColor(0x25, 0x63, 0xeb));
    chart->setTimeRange(t0, t0 + 600s);
    chart->setSeriesData(index, pointsAt({{0, 40.0}, {300, 80.0}, {600, 60.0}}));
    chart->setThreshold(QStringLiteral("SLO p95"), 200.0, Qt::black);
    chart->setThreshold(QStringLiteral("SLO p95"), 250.0, thresholdColor); // replaces, by name
    QCOMPARE(chart->thresholds().size(), qsizetype(1));
    QCOMPARE(chart->thresholds().constFirst().value, 250.0);
    const ChartMarker marker {t0 + 450s, QStringLiteral("weight 50 %"), markerColor};
    chart->setMarkers({marker});
    QCOMPARE(chart->markers().size(), qsizetype(1));
    QVERIFY(chart->valueAxisMax() >= 250.0);

    const QImage image = chart->grab().toImage();
    const QRect plot = chart->plotArea().toRect();
    // The dashed line covers more than half of its row (a pixel row above or below with
    // antialiasing); the marker most of its column.
    const QPointF at = chart->mapToWidget(t0, 250.0);
    int best = 0;
    for (int dy = -1; dy <= 1; ++dy)
        best = std::max(best, matchingPixels(image, QPoint(plot.left(), int(at.y()) + dy), QPoint(1, 0), plot.width(), thresholdColor));
    QVERIFY2(best > plot.width() / 2, qPrintable(QString::number(best)));
    const QPointF m = chart->mapToWidget(marker.time, 0.0);
    best = 0;
    for (int dx = -1; dx <= 1; ++dx)
        best = std::max(best, matchingPixels(image, QPoint(int(m.x()) + dx, plot.top()), QPoint(0, 1), plot.height(), markerColor));
    QVERIFY2(best > plot.height() / 2, qPrintable(QString::number(best)));

    chart->clearThresholds();
    chart->setMarkers({});
    QVERIFY(chart->thresholds().isEmpty());
    QVERIFY(chart->markers().isEmpty());
    QVERIFY(chart->valueAxisMax() < 250.0);
}

// Starts an export and waits for its outcome: the error, empty on success.
static QString exportAndWait(ChartWidget &chart, ChartWidget::ExportFormat format, const QString &path)
{
    QSignalSpy finished(&chart, &ChartWidget::exportFinished);
    chart.startExport(format, path);
    if (!finished.wait(10000))
        return QStringLiteral("no exportFinished");
    if (finished.first().at(0).toString() != path)
        return QStringLiteral("exportFinished for another path");
    return finished.first().at(1).toString();
}

void TestChartWidget::exportPngWritesWidgetSizedImage()
{
    const auto chart = shownChart(QSize(640, 280));
    QVERIFY(chart);
    chart->setTitle(QStringLiteral("Latency"));
    const int index = chart->addSeries(QStringLiteral("p95"), Qt::blue);
    chart->setTimeRange(t0, t0 + 60s);
    chart->setSeriesData(index, pointsAt({{0, 1.0}, {60, 2.0}}));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("chart.png"));
    QCOMPARE(exportAndWait(*chart, ChartWidget::ExportFormat::Png, path), QString());
    const QImage image(path);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), chart->size() * chart->devicePixelRatio());
    QVERIFY(!exportAndWait(*chart, ChartWidget::ExportFormat::Png, dir.filePath(QStringLiteral("missing/chart.png"))).isEmpty());
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("missing/chart.png"))));
}

void TestChartWidget::exportTakesTheChartAsShownWhenAsked()
{
    // Encoding and writing run on the thread pool; what is written is what was shown when the
    // export was asked for, whatever the chart does meanwhile.
    const auto chart = shownChart(QSize(640, 280));
    QVERIFY(chart);
    const int index = chart->addSeries(QStringLiteral("p95"), Qt::blue);
    chart->setTimeRange(t0, t0 + 2s);
    chart->setSeriesData(index, pointsAt({{0, 1.0}, {1, 2.0}}));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString csvPath = dir.filePath(QStringLiteral("chart.csv"));
    const QString pngPath = dir.filePath(QStringLiteral("chart.png"));
    const QSize shownSize = chart->size() * chart->devicePixelRatio();
    QSignalSpy finished(chart.get(), &ChartWidget::exportFinished);
    chart->startExport(ChartWidget::ExportFormat::Csv, csvPath);
    chart->startExport(ChartWidget::ExportFormat::Png, pngPath);
    chart->setSeriesData(index, pointsAt({{0, 7.0}, {1, 8.0}}));
    chart->resize(500, 250);
    QCOMPARE(finished.size(), 0); // the outcome comes back through the event loop
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 10000);
    QStringList paths;
    for (const QList<QVariant> &args : finished) {
        paths.append(args.at(0).toString());
        QCOMPARE(args.at(1).toString(), QString());
    }
    paths.sort();
    QCOMPARE(paths, (QStringList {csvPath, pngPath}));
    QFile file(csvPath);
    QVERIFY(file.open(QIODevice::ReadOnly | QIODevice::Text));
    QCOMPARE(QString::fromUtf8(file.readAll()),
             QStringLiteral("time,p95\n2023-11-14T22:13:20.000Z,1\n2023-11-14T22:13:21.000Z,2\n"));
    QCOMPARE(QImage(pngPath).size(), shownSize);
}

void TestChartWidget::exportCsvWritesHeaderAndRows()
{
    ChartWidget chart;
    const int a = chart.addSeries(QStringLiteral("p50"), Qt::blue);
    const int b = chart.addSeries(QStringLiteral("p95, ms"), Qt::red);
    chart.setTimeRange(t0, t0 + 2500ms);
    chart.setSeriesData(a, pointsAt({{0, 1.5}, {1, 2.0}, {2, 3.25}}));
    chart.setSeriesData(b, pointsAt({{1, 10.0}, {3, 20.0}})); // t0 + 3 s is outside the range
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("chart.csv"));
    QCOMPARE(exportAndWait(chart, ChartWidget::ExportFormat::Csv, path), QString());
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    const QStringList expected {
        QStringLiteral("time,p50,\"p95, ms\""),
        QStringLiteral("2023-11-14T22:13:20.000Z,1.5,"),
        QStringLiteral("2023-11-14T22:13:21.000Z,2,10"),
        QStringLiteral("2023-11-14T22:13:22.000Z,3.25,"),
    };
    QCOMPARE(lines, expected);
}

void TestChartWidget::hoverShowsNearestValues()
{
    const auto chart = shownChart();
    QVERIFY(chart);
    chart->setValueFormat(ChartValueFormat::Milliseconds);
    const int p50 = chart->addSeries(QStringLiteral("p50"), Qt::blue);
    const int p95 = chart->addSeries(QStringLiteral("p95"), Qt::red);
    chart->addSeries(QStringLiteral("p99"), Qt::black); // never gets data
    QList<std::pair<int, double>> a;
    QList<std::pair<int, double>> b;
    for (int i = 0; i <= 60; ++i) {
        a.append({i * 10, 10.0 + i * 0.25});
        b.append({i * 10, 100.0 + i});
    }
    chart->setTimeRange(t0, t0 + 600s);
    chart->setSeriesData(p50, pointsAt(a));
    chart->setSeriesData(p95, pointsAt(b));
    QVERIFY(chart->hoverText().isEmpty());

    // Two seconds past the sample at 200 s: the nearest samples are those at 200 s.
    const QPoint pos = chart->mapToWidget(t0 + 202s, 50.0).toPoint();
    QVERIFY(chart->plotArea().contains(pos));
    QTest::mouseMove(chart->windowHandle(), pos);
    const QString time = QDateTime::fromMSecsSinceEpoch((t0 + 200s).time_since_epoch().count()).toString(QStringLiteral("HH:mm:ss"));
    QTRY_COMPARE(chart->hoverText(), time + QStringLiteral("\np50\t15 ms\np95\t120 ms\np99\tno data"));

    // Leaving the plot hides it again.
    QTest::mouseMove(chart->windowHandle(), QPoint(2, 2));
    QTRY_VERIFY(chart->hoverText().isEmpty());
}

void TestChartWidget::formatValue_data()
{
    QTest::addColumn<ChartValueFormat>("format");
    QTest::addColumn<double>("value");
    QTest::addColumn<QString>("text");
    QTest::newRow("ms whole") << ChartValueFormat::Milliseconds << 184.0 << QStringLiteral("184 ms");
    QTest::newRow("ms tenths") << ChartValueFormat::Milliseconds << 184.5 << QStringLiteral("184.5 ms");
    QTest::newRow("ms small") << ChartValueFormat::Milliseconds << 2.25 << QStringLiteral("2.25 ms");
    QTest::newRow("ms large") << ChartValueFormat::Milliseconds << 1234.4 << QStringLiteral("1234 ms");
    QTest::newRow("percent") << ChartValueFormat::Percent << 0.5 << QStringLiteral("0.5 %");
    QTest::newRow("percent fine") << ChartValueFormat::Percent << 0.025 << QStringLiteral("0.025 %");
    QTest::newRow("percent zero") << ChartValueFormat::Percent << 0.0 << QStringLiteral("0 %");
    QTest::newRow("rps") << ChartValueFormat::RequestsPerSecond << 41.5 << QStringLiteral("41.5 req/s");
    QTest::newRow("missing") << ChartValueFormat::Milliseconds << qQNaN() << QStringLiteral("\u2014");
}

void TestChartWidget::formatValue()
{
    QFETCH(ChartValueFormat, format);
    QFETCH(double, value);
    QFETCH(QString, text);
    ChartWidget chart;
    chart.setValueFormat(format);
    QCOMPARE(chart.formatValue(value), text);
}

void TestChartWidget::timeLabelsStayInsideThePlot()
{
    // A range ending on a round time has a tick at its very end: half of that label would stick
    // out past the plot (cut off at the card's edge), so it is left out until it fits.
    const auto chart = shownChart(QSize(640, 280));
    QVERIFY(chart);
    const WallTime end {std::chrono::milliseconds(1'699'999'200'000)}; // a round hour
    chart->setTimeRange(end - 15min, end);
    chart->addSeries(QStringLiteral("p95"), Qt::blue);
    QCoreApplication::processEvents();
    auto *axis = qobject_cast<QCategoryAxis *>(chart->findChild<QChartView *>()->chart()->axes(Qt::Horizontal).value(0));
    QVERIFY(axis);
    const QRectF plot = chart->plotArea();
    const int maxTicks = std::max(2, int(plot.width() / 110.0));
    const qint64 endMs = end.time_since_epoch().count();
    const QList<chartparts::TimeTick> ticks = chartparts::timeTicks(endMs - 900'000, endMs, maxTicks);
    QVERIFY(!ticks.isEmpty());
    QCOMPARE(ticks.last().ms, endMs);
    const QStringList shown = axis->categoriesLabels();
    QVERIFY(!shown.contains(ticks.last().label));
    QVERIFY(shown.size() >= 1);
    const QFontMetrics fm(axis->labelsFont());
    for (const chartparts::TimeTick &tick : ticks) {
        if (!shown.contains(tick.label))
            continue;
        const double x = chart->mapToWidget(WallTime {std::chrono::milliseconds(tick.ms)}, 0.0).x();
        const double half = fm.horizontalAdvance(tick.label) / 2.0;
        QVERIFY2(x - half >= plot.left() && x + half <= chart->width(), qPrintable(tick.label));
    }
}

void TestChartWidget::valueLabelsFitAShortChart()
{
    // Qt Charts prints "..." for every value label when the plot is too short for the tick
    // count; a short chart gets fewer ticks instead, a tall one keeps its usual scale.
    const auto labelsOf = [](ChartWidget &chart) {
        QStringList texts;
        for (QGraphicsItem *item : chart.findChild<QChartView *>()->scene()->items())
            if (auto *text = qgraphicsitem_cast<QGraphicsTextItem *>(item); text && text->isVisible())
                texts.append(text->toPlainText());
        return texts;
    };
    const auto valueAxisOf = [](ChartWidget &chart) {
        return qobject_cast<QValueAxis *>(chart.findChild<QChartView *>()->chart()->axes(Qt::Vertical).value(0));
    };
    for (const int height : {110, 120, 130, 150, 400}) {
        const auto chart = shownChart(QSize(640, height));
        QVERIFY(chart);
        chart->setValueFormat(ChartValueFormat::RequestsPerSecond);
        const int index = chart->addSeries(QStringLiteral("requests"), Qt::blue);
        chart->setTimeRange(t0, t0 + 60s);
        chart->setSeriesData(index, pointsAt({{0, 9.0}, {30, 18.0}, {60, 11.0}})); // 0 to 20/s: 5 ticks
        QVERIFY(valueAxisOf(*chart));
        QTRY_VERIFY(valueAxisOf(*chart)->max() >= 18.0);
        QTest::qWait(100); // the chart lays its labels out again
        QVERIFY2(!labelsOf(*chart).contains(QStringLiteral("...")), qPrintable(labelsOf(*chart).join(QLatin1Char('|'))));
        QVERIFY(valueAxisOf(*chart)->tickCount() >= (height >= 150 ? 3 : 2)); // as many as fit
        if (height == 400)
            QCOMPARE(valueAxisOf(*chart)->tickCount(), 5);
    }
}

void TestChartWidget::overlayLabelsDoNotCoverEachOther()
{
    // A rollback marker at the right end, and the p95 SLO near the top: the SLO's label would sit
    // right on the marker's.
    using namespace chartparts;
    Overlay o;
    o.plot = QRectF(40, 10, 400, 120);
    const qint64 from = 1'700'000'000'000, to = from + 600'000;
    o.map = [&](double x, double y) {
        return QPointF(o.plot.left() + (x - double(from)) / double(to - from) * o.plot.width(),
                       o.plot.bottom() - y / 300.0 * o.plot.height());
    };
    o.format = ChartValueFormat::Milliseconds;
    o.markers = {ChartMarker {WallTime {std::chrono::milliseconds(to - 2'000)}, QStringLiteral("rollback engaged"), Qt::red}};
    o.thresholds = {ChartThreshold {QStringLiteral("SLO p95"), 270.0, Qt::red}};
    const QFontMetricsF fm(overlayLabelFont(QFont()));
    OverlayLabels labels = layOutOverlayLabels(o, fm);
    QCOMPARE(labels.markers.size(), 1);
    QCOMPARE(labels.thresholds.size(), 1);
    const QRectF marker = labels.markers.first(), slo = labels.thresholds.first();
    QVERIFY(!marker.isEmpty());
    QVERIFY2(!marker.intersects(slo), qPrintable(QStringLiteral("marker %1,%2 %3x%4 / SLO %5,%6 %7x%8")
                                                     .arg(marker.x()).arg(marker.y()).arg(marker.width()).arg(marker.height())
                                                     .arg(slo.x()).arg(slo.y()).arg(slo.width()).arg(slo.height())));
    QVERIFY(o.plot.contains(marker));
    QVERIFY(o.plot.contains(slo));
    // By its line: just above or just below it.
    const double y = o.map(0.0, 270.0).y();
    QVERIFY(std::abs(slo.bottom() - (y - 2)) < 0.5 || std::abs(slo.top() - (y + 2)) < 0.5);

    // With nothing in the way, at the right end above the line, as ever.
    o.markers.clear();
    o.thresholds = {ChartThreshold {QStringLiteral("SLO p95"), 200.0, Qt::red}};
    labels = layOutOverlayLabels(o, fm);
    QCOMPARE(labels.thresholds.first().right(), o.plot.right() - 4);
    QCOMPARE(labels.thresholds.first().bottom(), o.map(0.0, 200.0).y() - 2);
}

void TestChartWidget::timeTicks_data()
{
    QTest::addColumn<int>("spanSeconds");
    QTest::addColumn<int>("maxTicks");
    QTest::addColumn<int>("intervalSeconds");
    QTest::addColumn<int>("labelLength"); // 8: HH:mm:ss, 5: HH:mm
    QTest::newRow("5 min, wide") << 300 << 14 << 30 << 8;
    QTest::newRow("15 min") << 900 << 15 << 60 << 5;
    QTest::newRow("1 h") << 3600 << 14 << 300 << 5;
    QTest::newRow("24 h") << 86'400 << 14 << 7200 << 5;
    QTest::newRow("24 h, narrow") << 86'400 << 4 << 21'600 << 5;
}

void TestChartWidget::timeTicks()
{
    QFETCH(int, spanSeconds);
    QFETCH(int, maxTicks);
    QFETCH(int, intervalSeconds);
    QFETCH(int, labelLength);
    // A range starting on a round hour: a 24 h range starts and ends at the same clock time.
    const qint64 from = 1'699'999'200'000;
    const qint64 to = from + spanSeconds * 1000LL;
    const qint64 offset = QDateTime::fromMSecsSinceEpoch(from).offsetFromUtc() * 1000LL;
    const QList<chartparts::TimeTick> ticks = chartparts::timeTicks(from, to, maxTicks);
    QVERIFY(!ticks.isEmpty());
    QVERIFY(ticks.size() <= maxTicks);
    QSet<QString> labels;
    for (qsizetype i = 0; i < ticks.size(); ++i) {
        QVERIFY(ticks[i].ms > from && ticks[i].ms <= to);
        if (i > 0)
            QCOMPARE(ticks[i].ms - ticks[i - 1].ms, intervalSeconds * 1000LL);
        QCOMPARE((ticks[i].ms + offset) % (intervalSeconds * 1000LL), 0); // round in local time
        QString label = ticks[i].label;
        label.remove(QChar(0x200B));
        if (!label.contains(QLatin1Char(' '))) // "ddd d" marks a midnight
            QCOMPARE(label.size(), labelLength);
        QVERIFY2(!labels.contains(ticks[i].label), qPrintable(ticks[i].label));
        labels.insert(ticks[i].label);
    }
}

QTEST_MAIN(TestChartWidget)
void TestChartWidget::legendShowsNoValueAfterTheTrafficStops()
{
    // An error ratio at 0 req/s is no ratio: the legend must not keep the last one.
    ChartWidget chart;
    chart.setValueFormat(ChartValueFormat::Percent);
    chart.addSeries(QStringLiteral("errors"), Qt::red);
    TimeSeriesStore store;
    const TimeSeriesId id = store.series(QStringLiteral("errors"));
    const WallTime t0 {std::chrono::milliseconds(1'800'000'000'000)};
    store.append(id, t0, 2.5);
    store.append(id, t0 + std::chrono::seconds(1), 3.5);
    chart.setSeriesData(0, store.decimate(id, t0, t0 + std::chrono::seconds(10), 100));
    auto *legend = chart.findChild<QLabel *>(QStringLiteral("chartLegend"));
    QVERIFY(legend);
    QVERIFY2(legend->text().contains(QStringLiteral("3.5&nbsp;%")), qPrintable(legend->text()));
    store.append(id, t0 + std::chrono::seconds(2), qQNaN());
    chart.setSeriesData(0, store.decimate(id, t0, t0 + std::chrono::seconds(10), 100));
    QVERIFY2(!legend->text().contains(QStringLiteral("3.5&nbsp;")) && legend->text().contains(QStringLiteral("\u2014")),
             qPrintable(legend->text()));
    QCOMPARE(chart.seriesData(0).size(), qsizetype(2)); // the line itself still ends where the data did
}

void TestChartWidget::legendBreaksOnlyBetweenEntries()
{
    // A narrow chart wraps its legend: between entries, never inside "p99 460.3 ms".
    const QList<chartparts::LegendEntry> series = {{QStringLiteral("p50"), Qt::blue, Qt::SolidLine, QStringLiteral("241.8 ms")},
                                       {QStringLiteral("p99 <all>"), Qt::black, Qt::DashLine, QStringLiteral("460.3 ms")}};
    const QList<ChartThreshold> slo = {{QStringLiteral("SLO p95"), 200.0, Qt::red}};
    const QString html = chartparts::legendHtml(series, slo, ChartValueFormat::Milliseconds);
    const QStringList entries = html.split(QStringLiteral("&nbsp;&nbsp;&nbsp; "));
    QCOMPARE(entries.size(), 3);
    for (const QString &entry : entries) {
        QString text = entry;
        text.remove(QRegularExpression(QStringLiteral("<[^>]*>")));
        QVERIFY2(!text.contains(QLatin1Char(' ')), qPrintable(text));
    }
    QVERIFY(html.contains(QStringLiteral("p99&nbsp;&lt;all&gt;"))); // still escaped
    QVERIFY(entries.at(2).contains(QStringLiteral("SLO&nbsp;p95&nbsp;200&nbsp;ms")));
}

void TestChartWidget::wrappedLegendLeavesRoomForTheAxis()
{
    // Three charts share a short dock: a card at its minimum height whose legend wraps to a
    // second line must shrink its plot, not push the time axis out of the card.
    QWidget dock;
    auto *layout = new QVBoxLayout(&dock);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *chart = new ChartWidget;
    layout->addWidget(chart);
    chart->setTitle(QStringLiteral("Latency"));
    chart->setValueFormat(ChartValueFormat::Milliseconds);
    dock.resize(380, dock.minimumSizeHint().height());
    dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dock));
    chart->setTimeRange(t0, t0 + 600s);
    for (const char *name : {"p50", "p95", "p99"})
        chart->setSeriesData(chart->addSeries(QLatin1String(name), Qt::blue), pointsAt({{0, 135.4}, {600, 185.8}}));
    chart->setThreshold(QStringLiteral("SLO p95"), 200.0, Qt::red);
    auto *legend = chart->findChild<QLabel *>(QStringLiteral("chartLegend"));
    QVERIFY(legend);
    QTRY_VERIFY(legend->height() > 2 * legend->fontMetrics().height() - 2); // it wrapped
    auto *view = chart->findChild<QChartView *>();
    QVERIFY(view);
    QTRY_VERIFY2(view->geometry().bottom() <= chart->contentsRect().bottom(),
                 qPrintable(QStringLiteral("view %1..%2, card %3").arg(view->geometry().top()).arg(view->geometry().bottom()).arg(chart->height())));
}

#include "tst_chartwidget.moc"
