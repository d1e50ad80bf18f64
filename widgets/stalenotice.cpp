#include "stalenotice.h"

#include "client/poller.h"
#include "models/boardstate.h"

#include <QDateTime>

namespace cutover {

StaleNotice::StaleNotice(BoardState *board, Source source, QString what, QString consequence, QWidget *parent)
    : QLabel(parent)
    , m_board(board)
    , m_source(source)
    , m_what(std::move(what))
    , m_consequence(std::move(consequence))
{
    setObjectName(QStringLiteral("staleNotice"));
    setWordWrap(true);
    setTextFormat(Qt::RichText);
    setStyleSheet(QStringLiteral(
        "QLabel { background: #fef3c7; color: #78350f; border: 1px solid #f59e0b; border-radius: 4px; padding: 4px 8px; }"));
    hide();
    connect(board, &BoardState::sourceStateChanged, this, [this](Source changed) {
        if (changed == m_source)
            refresh();
    });
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &StaleNotice::refresh);
    m_tick.start();
    refresh();
}

void StaleNotice::refresh()
{
    const SourceState *source = m_board->sourceState(m_source);
    if (!source) {
        hide();
        return;
    }
    const SourceState &st = *source;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QString text;
    if (!st.lastSuccess.isValid() && st.lastError) {
        text = tr("<b>%1 could not be read</b>: %2").arg(m_what, st.lastError->describe().toHtmlEscaped());
    } else if (st.lastSuccess.isValid() && st.isStale(now)) {
        const QString why = st.lastError ? st.lastError->describe() : tr("no answer");
        text = tr("<b>%1 are stale</b>: last good update %2 s ago (%3). %4")
                   .arg(m_what)
                   .arg(st.lastSuccess.secsTo(now))
                   .arg(why.toHtmlEscaped(), m_consequence.toHtmlEscaped());
    }
    if (text != this->text())
        setText(text);
    setVisible(!text.isEmpty());
}

} // namespace cutover
