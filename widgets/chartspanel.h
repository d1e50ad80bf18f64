#pragma once

#include "models/metricsaggregator.h"
#include "models/timeseriesstore.h"

#include <QList>
#include <QTimer>
#include <QWidget>

#include <chrono>

class QButtonGroup;

namespace cutover {

class ElidedLabel;

class AuditLog;
class BoardState;
class StaleNotice;
class ChartWidget;

// The three live charts of the selection (BoardState::selection()), stacked: latency (p50,
// p95, p99 in ms, with the SLO p95 line), error rate (% with the SLO error-rate line) and
// request rate. For a route they compare the two backends side by side, which is what a
// strangler-fig migration is judged on: p95, error rate and request rate of the monolith
// against the microservice.
//
// Ingest is not render: metricsUpdated only arms a ~100 ms single-shot timer, and the redraw
// (decimate every series to its chart's pixel width, then one replace per series) runs only
// while the panel is visible; updates that arrive while it is hidden are drawn when it shows.
class ChartsPanel : public QWidget
{
    Q_OBJECT

public:
    static constexpr std::chrono::milliseconds kRedrawDelay {100};

    // `board` is not owned and must outlive the panel.
    // Draws `board`'s metrics with `audit`'s changes as markers (neither owned).
    ChartsPanel(BoardState *board, AuditLog *audit, QWidget *parent = nullptr);
    ~ChartsPanel() override;

    // The time window shown, ending at the last scrape. Supported: 5 min, 15 min (default),
    // 1 h, 6 h, 24 h; any other value selects the nearest of them. Note that window() hides
    // QWidget::window() (the top-level widget) when called through a ChartsPanel pointer.
    void setWindow(std::chrono::minutes window);
    std::chrono::minutes window() const { return m_window; }
    static QList<std::chrono::minutes> supportedWindows();

    ChartWidget *latencyChart() const { return m_latency; }
    ChartWidget *errorChart() const { return m_errors; }
    ChartWidget *rateChart() const { return m_rate; }
    // What is shown, e.g. "Route /api/posts — monolith vs microservice", "All traffic".
    QString headerText() const;
    // Shown while the metrics are stale (see StaleNotice).
    StaleNotice *staleNotice() const { return m_stale; }
    // Redraws done so far (for tests and diagnostics).
    qsizetype redraws() const { return m_redraws; }

Q_SIGNALS:
    // The user (or setWindow) picked another window; the main window persists it.
    void windowChanged(std::chrono::minutes window);

protected:
    void showEvent(QShowEvent *event) override;

private:
    struct Line
    {
        MetricGroup group;
        MetricsAggregator::Measure measure;
        double scale; // seconds → ms, ratio → %
        ChartWidget *chart;
        int index;
    };

    void selectionChanged();
    void scheduleRedraw();
    void redraw();

    BoardState *m_board;
    AuditLog *m_audit;
    ElidedLabel *m_header;
    StaleNotice *m_stale = nullptr;
    QButtonGroup *m_windowButtons;
    ChartWidget *m_latency;
    ChartWidget *m_errors;
    ChartWidget *m_rate;
    QList<Line> m_lines;
    std::chrono::minutes m_window {15};
    QTimer m_redrawTimer;
    bool m_dirty = true;
    // The gateway has averages but no histogram (HAProxy): latency is drawn as "avg", never as
    // percentiles it does not have.
    bool m_averagesOnly = false;
    qsizetype m_redraws = 0;
    DecimatedSeries m_buffer; // reused by every decimation
};

} // namespace cutover
