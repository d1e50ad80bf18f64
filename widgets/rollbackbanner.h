#pragma once

#include <QFrame>
#include <QTimer>

class QLabel;

namespace cutover {

class BoardState;
class RollbackController;

// The red banner everyone sees while the emergency rollback is engaged: who engaged it, when and
// why, the time since, and the verification from observed traffic (microservice share falling to
// 0, then error rate and p95 within the SLO) with the measured time to recovery. Hidden while
// the rollback is not engaged.
class RollbackBanner : public QFrame
{
    Q_OBJECT

public:
    // `board` gives the sources' freshness and the SLO thresholds; `controller` the rollback.
    RollbackBanner(BoardState *board, RollbackController *controller, QWidget *parent = nullptr);

    // The two lines as plain text (for tests and the accessible description).
    QString headline() const;
    QString verification() const;

private:
    void refresh();

    BoardState *m_board;
    RollbackController *m_controller;
    QLabel *m_headline;
    QLabel *m_verification;
    QTimer m_tick;
};

} // namespace cutover
