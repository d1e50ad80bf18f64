#include "elidedlabel.h"

#include <QEvent>

#include <algorithm>

namespace cutover {

ElidedLabel::ElidedLabel(QWidget *parent)
    : QLabel(parent)
{
    setTextFormat(Qt::PlainText);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
}

void ElidedLabel::setFullText(const QString &text)
{
    if (text == m_full)
        return;
    m_full = text;
    setToolTip(text);
    updateGeometry();
    updateText();
}

int ElidedLabel::overhead() const
{
    return std::max(0, QLabel::sizeHint().width() - fontMetrics().horizontalAdvance(text()));
}

QSize ElidedLabel::minimumSizeHint() const
{
    return QSize(overhead(), QLabel::minimumSizeHint().height());
}

QSize ElidedLabel::sizeHint() const
{
    return QSize(overhead() + fontMetrics().horizontalAdvance(m_full), QLabel::sizeHint().height());
}

void ElidedLabel::resizeEvent(QResizeEvent *event)
{
    QLabel::resizeEvent(event);
    updateText();
}

void ElidedLabel::changeEvent(QEvent *event)
{
    QLabel::changeEvent(event);
    if (event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange)
        updateText();
}

void ElidedLabel::updateText()
{
    const int room = std::max(0, width() - overhead());
    const QString shown = fontMetrics().elidedText(m_full, Qt::ElideRight, room);
    if (shown != text())
        setText(shown);
}

} // namespace cutover
