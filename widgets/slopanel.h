#pragma once

#include <QWidget>

class QLabel;
class QTableView;

namespace cutover {

class BoardState;
class StaleNotice;

// Service-level objectives per service and overall: availability, p95 and error rate against the
// profile's thresholds, the 1 h and 5 min burn rates, and an unmistakable breach state.
class SloPanel : public QWidget
{
    Q_OBJECT

public:
    explicit SloPanel(BoardState *state, QWidget *parent = nullptr);
    QTableView *view() const { return m_table; }
    QString headline() const;
    StaleNotice *staleNotice() const { return m_stale; }

private:
    void refreshHeader();

    BoardState *m_state;
    QLabel *m_header;
    StaleNotice *m_stale = nullptr;
    QTableView *m_table;
};

} // namespace cutover
