// ChartsPanel on a BoardState fed with synthetic Prometheus expositions over simulated time:
// a route served by both backends while traffic shifts from the monolith to the microservice.
#include "client/domain.h"
#include "models/auditlog.h"
#include "models/boardstate.h"
#include "widgets/chartspanel.h"
#include "widgets/chartwidget.h"

#include <QAbstractButton>
#include <QDateTime>
#include <QSignalSpy>
#include <QTest>

#include <cmath>

using namespace cutover;
using namespace std::chrono_literals;
using Scope = MetricGroup::Scope;
using Via = MetricGroup::Via;

namespace {

const qint64 t0Ms = 1'700'000'000'000;
const QString route = QStringLiteral("/api/posts");

constexpr int kBuckets = 6;
const char *const bounds[kBuckets] = {"0.025", "0.05", "0.1", "0.25", "0.5", "+Inf"};

// One second of one backend's traffic: requests per second, the 5xx share, and the share of
// requests at or under each finite latency bucket.
struct Traffic
{
    double rate = 0;
    double errorRatio = 0;
    double within[kBuckets - 1] = {};
};

// Cumulative counters of a gateway's /metrics for one route on two backends, written as the
// Prometheus 0.0.4 text exposition.
class Exposition
{
public:
    void advance(const Traffic &monolith, const Traffic &microservice)
    {
        const Traffic *traffic[2] = {&monolith, &microservice};
        for (int b = 0; b < 2; ++b) {
            Counters &c = m_counters[b];
            const Traffic &t = *traffic[b];
            c.errors += t.rate * t.errorRatio;
            c.ok += t.rate * (1 - t.errorRatio);
            for (int i = 0; i < kBuckets - 1; ++i)
                c.buckets[i] += t.rate * t.within[i];
            c.buckets[kBuckets - 1] += t.rate;
        }
    }

    QByteArray text() const
    {
        static const char *const backends[2] = {"monolith", "microservice"};
        QByteArray out = "# TYPE requests_total counter\n";
        for (int b = 0; b < 2; ++b) {
            const QByteArray labels = "route=\"" + route.toUtf8() + "\",service=\"post-service\",backend=\"" + backends[b] + '"';
            out += "requests_total{" + labels + ",code=\"200\"} " + QByteArray::number(m_counters[b].ok, 'f', 3) + '\n';
            out += "requests_total{" + labels + ",code=\"503\"} " + QByteArray::number(m_counters[b].errors, 'f', 3) + '\n';
        }
        out += "# TYPE request_duration_seconds histogram\n";
        for (int b = 0; b < 2; ++b) {
            const QByteArray labels = "route=\"" + route.toUtf8() + "\",service=\"post-service\",backend=\"" + backends[b] + '"';
            for (int i = 0; i < kBuckets; ++i)
                out += "request_duration_seconds_bucket{" + labels + ",le=\"" + bounds[i] + "\"} "
                    + QByteArray::number(m_counters[b].buckets[i], 'f', 3) + '\n';
        }
        return out;
    }

private:
    struct Counters
    {
        double ok = 0;
        double errors = 0;
        double buckets[kBuckets] = {};
    };
    Counters m_counters[2];
};

// Feeds `seconds` scrapes, one per simulated second from t0. Traffic moves from the monolith
// (p95 around 250 ms, 2 % errors) to the microservice (p95 under 100 ms, 0.1 % errors, with an
// error burst in the middle).
void feed(BoardState &board, int seconds)
{
    Exposition exposition;
    quint64 state = 7;
    auto noise = [&state] { // deterministic, in [0, 1)
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return double(state >> 40) / double(1ULL << 24);
    };
    for (int s = 0; s < seconds; ++s) {
        const double share = std::min(0.8, 0.2 + 0.6 * s / std::max(1, seconds - 1)); // to the microservice
        const double wave = 0.5 + 0.5 * std::sin(s / 45.0);
        const double n = noise();
        const Traffic monolith {60.0 * (1 - share) + 4 * wave, 0.02,
                                {0.05, 0.2, 0.6, 0.94 + 0.04 * wave + 0.01 * n, 0.995}};
        const bool burst = s > seconds / 2 && s < seconds / 2 + 40;
        const Traffic micro {60.0 * share + 3 * wave + 2 * n, burst ? 0.04 : 0.001,
                             {0.3 + 0.1 * wave, 0.75, 0.955 + 0.03 * wave + 0.01 * n, 0.998, 0.9995}};
        exposition.advance(monolith, micro);
        board.ingestMetrics(MetricsScrape {exposition.text(), "text/plain; version=0.0.4",
                                           QDateTime::fromMSecsSinceEpoch(t0Ms + s * 1000LL, Qt::UTC)});
    }
}

QList<QPointF> seriesNamed(const ChartWidget *chart, const QString &name)
{
    for (int i = 0; i < chart->seriesCount(); ++i)
        if (chart->seriesName(i) == name)
            return chart->seriesData(i);
    return {};
}

double lastValue(const ChartWidget *chart, const QString &name)
{
    const QList<QPointF> points = seriesNamed(chart, name);
    return points.isEmpty() ? qQNaN() : points.constLast().y();
}

} // namespace

class TestChartsPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void allTrafficByDefault();
    void routeComparesBothBackends();
    void windowSwitchChangesTimeRange();
    void thresholdsFollowTheProfileSlo_data();
    void thresholdsFollowTheProfileSlo();
    void hiddenPanelRedrawsWhenShown();
    void screenshots();
};

void TestChartsPanel::allTrafficByDefault()
{
    BoardState board;
    AuditLog audit;
    ChartsPanel panel(&board, &audit);
    panel.resize(1000, 720);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QCOMPARE(panel.headerText(), QStringLiteral("All traffic"));
    QCOMPARE(panel.window(), 15min);
    QCOMPARE(panel.latencyChart()->seriesCount(), 3);
    QCOMPARE(panel.latencyChart()->seriesName(0), QStringLiteral("p50"));
    QCOMPARE(panel.latencyChart()->seriesName(2), QStringLiteral("p99"));

    feed(board, 120);
    QTRY_VERIFY(panel.latencyChart()->seriesPointCount(1) > 50);
    QVERIFY(panel.errorChart()->seriesPointCount(0) > 50);
    QVERIFY(panel.rateChart()->seriesPointCount(0) > 50);
    // Percentiles in ms, ordered; the rate is both backends together (about 63 req/s).
    const double p50 = lastValue(panel.latencyChart(), QStringLiteral("p50"));
    const double p95 = lastValue(panel.latencyChart(), QStringLiteral("p95"));
    const double p99 = lastValue(panel.latencyChart(), QStringLiteral("p99"));
    QVERIFY2(p50 > 1 && p50 < p95 && p95 <= p99 && p99 < 1000, qPrintable(QStringLiteral("%1 %2 %3").arg(p50).arg(p95).arg(p99)));
    const double rps = lastValue(panel.rateChart(), QStringLiteral("requests"));
    QVERIFY2(rps > 55 && rps < 70, qPrintable(QString::number(rps)));
    // Every chart shows the same window, ending at the last scrape.
    QCOMPARE(panel.rateChart()->timeTo(), WallTime(std::chrono::milliseconds(t0Ms + 119'000)));
    QCOMPARE(panel.rateChart()->timeTo() - panel.rateChart()->timeFrom(), 15min);
}

void TestChartsPanel::routeComparesBothBackends()
{
    BoardState board;
    AuditLog audit;
    ChartsPanel panel(&board, &audit);
    panel.resize(1200, 760);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    feed(board, 900);
    board.select(MetricGroup {Scope::Route, route, Via::All});
    QCOMPARE(panel.headerText(), QStringLiteral("Route /api/posts \u2014 monolith vs microservice"));

    for (ChartWidget *chart : {panel.latencyChart(), panel.errorChart(), panel.rateChart()}) {
        QCOMPARE(chart->seriesCount(), 2);
        QCOMPARE(chart->seriesName(0), QStringLiteral("monolith"));
        QCOMPARE(chart->seriesName(1), QStringLiteral("microservice"));
        QTRY_VERIFY(chart->seriesPointCount(0) > 100 && chart->seriesPointCount(1) > 100);
        QVERIFY(chart->seriesPointCount(0) <= 4 * chart->pixelColumns());
    }
    // The comparison itself: the microservice is faster, fails less and carries more traffic by now.
    const double monolithP95 = lastValue(panel.latencyChart(), QStringLiteral("monolith"));
    const double microP95 = lastValue(panel.latencyChart(), QStringLiteral("microservice"));
    QVERIFY2(microP95 < monolithP95, qPrintable(QStringLiteral("%1 %2").arg(microP95).arg(monolithP95)));
    QVERIFY(monolithP95 > 100 && monolithP95 < 500); // in ms, not seconds
    QCOMPARE(std::round(lastValue(panel.errorChart(), QStringLiteral("monolith")) * 10) / 10, 2.0); // in %
    QVERIFY(lastValue(panel.errorChart(), QStringLiteral("microservice")) < 0.2);
    QVERIFY(lastValue(panel.rateChart(), QStringLiteral("microservice")) > lastValue(panel.rateChart(), QStringLiteral("monolith")));
    // The stacked charts line their plot areas up (value labels of different widths).
    auto aligned = [&] {
        const QRectF a = panel.latencyChart()->plotArea();
        return std::abs(panel.errorChart()->plotArea().left() - a.left()) <= 1.0
            && std::abs(panel.rateChart()->plotArea().left() - a.left()) <= 1.0
            && std::abs(panel.rateChart()->plotArea().right() - a.right()) <= 1.0;
    };
    QTRY_VERIFY(aligned());

    // Back to everything: one line per percentile again.
    board.select(MetricGroup {});
    QCOMPARE(panel.headerText(), QStringLiteral("All traffic"));
    QCOMPARE(panel.latencyChart()->seriesCount(), 3);
    QTRY_VERIFY(panel.latencyChart()->seriesPointCount(0) > 100);
}

void TestChartsPanel::windowSwitchChangesTimeRange()
{
    BoardState board;
    AuditLog audit;
    ChartsPanel panel(&board, &audit);
    panel.resize(1000, 720);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    feed(board, 30);
    QTRY_COMPARE(panel.latencyChart()->timeTo() - panel.latencyChart()->timeFrom(), 15min);

    QSignalSpy changed(&panel, &ChartsPanel::windowChanged);
    QAbstractButton *hour = nullptr;
    for (QAbstractButton *b : panel.findChildren<QAbstractButton *>())
        if (b->text() == QStringLiteral("1 h"))
            hour = b;
    QVERIFY(hour);
    QTest::mouseClick(hour, Qt::LeftButton);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).at(0).value<std::chrono::minutes>(), 60min);
    QCOMPARE(panel.window(), 60min);
    QVERIFY(hour->isChecked());
    for (ChartWidget *chart : {panel.latencyChart(), panel.errorChart(), panel.rateChart()})
        QTRY_COMPARE(chart->timeTo() - chart->timeFrom(), 60min);

    // Programmatic: an unsupported value takes the nearest window; the same one is no change.
    panel.setWindow(7min);
    QCOMPARE(panel.window(), 5min);
    QCOMPARE(changed.size(), 2);
    panel.setWindow(5min);
    QCOMPARE(changed.size(), 2);
    QTRY_COMPARE(panel.rateChart()->timeTo() - panel.rateChart()->timeFrom(), 5min);
    panel.setWindow(24h);
    QTRY_COMPARE(panel.rateChart()->timeTo() - panel.rateChart()->timeFrom(), 24h);
}

void TestChartsPanel::thresholdsFollowTheProfileSlo_data()
{
    QTest::addColumn<int>("p95Ms");
    QTest::addColumn<double>("errorRate");
    QTest::newRow("migration guide") << 200 << 0.001;
    QTest::newRow("looser") << 350 << 0.005;
}

void TestChartsPanel::thresholdsFollowTheProfileSlo()
{
    QFETCH(int, p95Ms);
    QFETCH(double, errorRate);
    BoardState board;
    Profile profile;
    profile.name = QStringLiteral("test");
    profile.slo.p95 = std::chrono::milliseconds(p95Ms);
    profile.slo.errorRate = errorRate;
    board.setProfile(profile);
    AuditLog audit;
    ChartsPanel panel(&board, &audit);
    panel.resize(1000, 720);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    feed(board, 20);
    QTRY_COMPARE(panel.latencyChart()->thresholds().size(), qsizetype(1));
    QCOMPARE(panel.latencyChart()->thresholds().constFirst().value, double(p95Ms));
    QCOMPARE(panel.errorChart()->thresholds().size(), qsizetype(1));
    QCOMPARE(panel.errorChart()->thresholds().constFirst().value, errorRate * 100.0);
    QVERIFY(panel.rateChart()->thresholds().isEmpty());
    QVERIFY(panel.latencyChart()->valueAxisMax() >= p95Ms);
}

void TestChartsPanel::hiddenPanelRedrawsWhenShown()
{
    BoardState board;
    AuditLog audit;
    ChartsPanel panel(&board, &audit);
    panel.resize(1000, 720);
    QSignalSpy updated(&board, &BoardState::metricsUpdated);
    feed(board, 60);
    QVERIFY(updated.wait());
    QCOMPARE(panel.redraws(), qsizetype(0));
    QCOMPARE(panel.latencyChart()->seriesPointCount(1), qsizetype(0));

    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QTRY_COMPARE(panel.redraws(), qsizetype(1));
    QVERIFY(panel.latencyChart()->seriesPointCount(1) > 0);
}

// Not a check: pictures for people to look at, written only when CUTOVER_CHARTS_SCREENSHOTS
// names a folder.
void TestChartsPanel::screenshots()
{
    auto save = [](QWidget &w, const QString &path) {
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest); // as the next frame would
        return w.grab().save(path);
    };
    const QString folder = qEnvironmentVariable("CUTOVER_CHARTS_SCREENSHOTS");
    if (folder.isEmpty())
        QSKIP("CUTOVER_CHARTS_SCREENSHOTS is not set");
    BoardState board;
    AuditLog audit;
    ChartsPanel panel(&board, &audit);
    panel.resize(1200, 760);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    feed(board, 900);
    board.select(MetricGroup {Scope::Route, route, Via::All});
    QTRY_VERIFY(panel.rateChart()->seriesPointCount(1) > 100);
    const ChartMarker marker {WallTime(std::chrono::milliseconds(t0Ms + 600'000)), QStringLiteral("weight 60 %"),
                              QColor(0x7c, 0x3a, 0xed)};
    for (ChartWidget *chart : {panel.latencyChart(), panel.errorChart(), panel.rateChart()})
        chart->setMarkers({marker});
    QVERIFY(save(panel, folder + QStringLiteral("/charts-route.png")));

    board.select(MetricGroup {});
    QTRY_COMPARE(panel.latencyChart()->seriesPointCount(0) > 100, true);
    ChartWidget *latency = panel.latencyChart();
    const QPoint pos = latency->mapToWidget(WallTime(std::chrono::milliseconds(t0Ms + 450'000)), 10.0).toPoint();
    QTest::mouseMove(panel.windowHandle(), latency->mapTo(&panel, pos));
    QTRY_VERIFY(!latency->hoverText().isEmpty());
    QVERIFY(save(panel, folder + QStringLiteral("/charts-all.png")));
    panel.setWindow(5min);
    QTRY_COMPARE(panel.rateChart()->timeTo() - panel.rateChart()->timeFrom(), 5min);
    QVERIFY(save(panel, folder + QStringLiteral("/charts-all-5min.png")));

    // Gaps (failed scrapes) and a lone sample between two of them.
    ChartWidget gaps;
    gaps.resize(900, 260);
    gaps.setTitle(QStringLiteral("Gaps"));
    gaps.setValueFormat(ChartValueFormat::Milliseconds);
    TimeSeriesStore store;
    const TimeSeriesId id = store.series(QStringLiteral("p95"));
    const WallTime t0 {std::chrono::milliseconds(t0Ms)};
    for (int i = 0; i < 600; ++i) {
        const bool gap = (i >= 150 && i < 200) || (i >= 300 && i < 400 && i != 350);
        store.append(id, t0 + std::chrono::seconds(i), gap ? qQNaN() : 120 + 30 * std::sin(i / 40.0));
    }
    const int index = gaps.addSeries(QStringLiteral("p95"), QColor(0x25, 0x63, 0xeb));
    gaps.addSeries(QStringLiteral("p99"), QColor(0x1e, 0x1b, 0x4b)); // no data
    gaps.setTimeRange(t0, t0 + 599s);
    gaps.show();
    QVERIFY(QTest::qWaitForWindowExposed(&gaps));
    gaps.setSeriesData(index, store.decimate(id, t0, t0 + 599s, gaps.pixelColumns()));
    QCOMPARE(gaps.seriesSegmentCount(index), 4);
    QSignalSpy exported(&gaps, &ChartWidget::exportFinished);
    gaps.startExport(ChartWidget::ExportFormat::Png, folder + QStringLiteral("/charts-gaps.png"));
    QVERIFY(exported.wait(10000));
    QCOMPARE(exported.first().at(1).toString(), QString());
}

QTEST_MAIN(TestChartsPanel)
#include "tst_chartspanel.moc"
