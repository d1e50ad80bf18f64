#pragma once

#include "client/poller.h"

#include <QLabel>
#include <QTimer>

namespace cutover {

class BoardState;

// A strip over a panel that says its data is stale: since when, why, and what that means for
// what the panel shows ("The charts end there."). Hidden while the source answers, and before
// it has ever been asked.
class StaleNotice : public QLabel
{
    Q_OBJECT

public:
    // `what` names the data ("Metrics"); `consequence` is a sentence about the panel.
    StaleNotice(BoardState *board, Source source, QString what, QString consequence, QWidget *parent = nullptr);

    void refresh();

private:
    BoardState *m_board;
    Source m_source;
    QString m_what;
    QString m_consequence;
    QTimer m_tick; // the age moves on
};

} // namespace cutover
