#pragma once

#include <QCoreApplication>
#include <QEvent>
#include <QObject>
#include <QTimer>
#include <QWidget>
#include <QWindow>

#include <functional>

namespace cutover {

// Calls `shown` once, right after `window` has put its first frame on screen. Qt paints and
// flushes a window while it delivers the window's first Expose event, so the watcher delivers
// that event itself and calls `shown` when delivery returns. Call it before show() or from a
// showEvent; a window already exposed gets the call from the next turn of the event loop.
// Header-only, so that bench/'s bare Qt window (linked with nothing of ours) measures its first
// frame exactly as the console does.
inline void whenFirstFrameShown(QWidget *window, std::function<void()> shown)
{
    class Watcher : public QObject
    {
    public:
        explicit Watcher(std::function<void()> shown, QObject *parent)
            : QObject(parent)
            , m_shown(std::move(shown))
        {
        }

    protected:
        bool eventFilter(QObject *watched, QEvent *event) override
        {
            if (event->type() != QEvent::Expose || !static_cast<QWindow *>(watched)->isExposed())
                return false;
            watched->removeEventFilter(this);
            QCoreApplication::sendEvent(watched, event); // paints and flushes the frame
            m_shown();
            deleteLater();
            return true; // delivered above
        }

    private:
        std::function<void()> m_shown;
    };
    window->winId(); // creates the native window if it does not exist yet
    QWindow *handle = window->windowHandle();
    if (handle->isExposed())
        QTimer::singleShot(0, window, std::move(shown));
    else
        handle->installEventFilter(new Watcher(std::move(shown), window));
}

} // namespace cutover
