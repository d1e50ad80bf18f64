#include "focusring.h"

#include <QAbstractItemView>
#include <QEvent>
#include <QPainter>
#include <QPointer>

namespace cutover {

namespace {

// A transparent overlay over the whole view (frame included) that paints only the ring.
class FocusRing : public QWidget
{
public:
    explicit FocusRing(QAbstractItemView *view)
        : QWidget(view)
        , m_view(view)
    {
        setObjectName(QStringLiteral("focusRing"));
        setAttribute(Qt::WA_TransparentForMouseEvents);
        setAttribute(Qt::WA_NoSystemBackground);
        setFocusPolicy(Qt::NoFocus);
        view->installEventFilter(this);
        follow();
    }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (watched == m_view) {
            switch (event->type()) {
            case QEvent::FocusIn:
            case QEvent::FocusOut:
            case QEvent::Resize:
            case QEvent::ChildAdded: // a scroll bar or the viewport must not end up on top
                follow();
                break;
            default:
                break;
            }
        }
        return QWidget::eventFilter(watched, event);
    }

    void paintEvent(QPaintEvent *) override
    {
        QPainter p(this);
        QPen pen(palette().color(QPalette::Active, QPalette::Highlight), kWidth);
        pen.setJoinStyle(Qt::MiterJoin);
        p.setPen(pen);
        p.setBrush(Qt::NoBrush);
        const qreal half = kWidth / 2.0;
        p.drawRect(QRectF(rect()).adjusted(half, half, -half, -half));
    }

private:
    static constexpr int kWidth = 2;

    void follow()
    {
        if (!m_view)
            return;
        setGeometry(m_view->rect());
        setVisible(m_view->hasFocus());
        raise();
    }

    QPointer<QAbstractItemView> m_view;
};

} // namespace

void setUpKeyboardFocus(QAbstractItemView *view)
{
    view->setTabKeyNavigation(false);
    if (view->focusPolicy() == Qt::NoFocus || view->findChild<QWidget *>(QStringLiteral("focusRing"), Qt::FindDirectChildrenOnly))
        return;
    new FocusRing(view);
}

} // namespace cutover
