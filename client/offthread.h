#pragma once

#include <QCoreApplication>
#include <QObject>
#include <QPointer>
#include <QThreadPool>

#include <functional>
#include <utility>

namespace cutover {

// Runs `work` on `pool` (not owned; it must outlive the work), then `then` with its result on the
// GUI thread, unless `context` is gone by then. For file work that must not stall the GUI thread:
// `work` must not touch `context` or anything else that lives on the GUI thread.
template<typename Result>
void runOffThread(QThreadPool *pool, QObject *context, std::function<Result()> work, std::function<void(Result)> then)
{
    QPointer<QObject> guard(context);
    pool->start([guard, work = std::move(work), then = std::move(then)]() mutable {
        Result result = work();
        // The application object outlives the pool's work: it waits for the pool when it goes.
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [guard, result = std::move(result), then = std::move(then)]() mutable {
                if (guard)
                    then(std::move(result));
            },
            Qt::QueuedConnection);
    });
}

// The same on the global thread pool.
template<typename Result>
void runOffThread(QObject *context, std::function<Result()> work, std::function<void(Result)> then)
{
    runOffThread(QThreadPool::globalInstance(), context, std::move(work), std::move(then));
}

} // namespace cutover
