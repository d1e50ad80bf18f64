#pragma once

#include <QWidget>

class QLabel;
class QTableView;

namespace cutover {

class BoardState;

// Service-level objectives per service and overall: availability, p95 and error rate against the
// profile's thresholds, the 1 h and 5 min burn rates, and an unmistakable breach state.
class SloPanel : public QWidget
{
    Q_OBJECT

public:
    explicit SloPanel(BoardState *state, QWidget *parent = nullptr);
    QTableView *view() const { return m_table; }
    QString headline() const;

private:
    void refreshHeader();

    BoardState *m_state;
    QLabel *m_header;
    QTableView *m_table;
};

} // namespace cutover
