#include "persistencewatcher.h"

#include <QPointer>

namespace cutover {

PersistenceWatcher::PersistenceWatcher(Check check, Save save, QObject *parent, std::chrono::milliseconds interval)
    : QObject(parent)
    , m_check(std::move(check))
    , m_save(std::move(save))
{
    m_timer.setInterval(interval);
    connect(&m_timer, &QTimer::timeout, this, &PersistenceWatcher::check);
}

void PersistenceWatcher::start()
{
    m_timer.start();
    check();
}

void PersistenceWatcher::check()
{
    // A slow Runtime API is asked once, not once per tick.
    if (!m_check || m_checking)
        return;
    m_checking = true;
    QPointer<PersistenceWatcher> self(this);
    m_check([self](Result<HaproxyPersistence> r) {
        if (!self)
            return;
        self->m_checking = false;
        if (r) {
            self->m_persistence = *r;
            self->m_checkError.clear();
            Q_EMIT self->checked(*r);
        } else {
            self->m_checkError = r.error().describe();
            Q_EMIT self->checkFailed(self->m_checkError);
        }
    });
}

void PersistenceWatcher::save(const QString &reason)
{
    if (!m_save || m_saving)
        return;
    m_saving = true;
    Q_EMIT savingChanged(true);
    QPointer<PersistenceWatcher> self(this);
    m_save(reason, [self](Result<HaproxyPersistence> r) {
        if (!self)
            return;
        self->m_saving = false;
        Q_EMIT self->savingChanged(false);
        if (r) {
            self->m_persistence = *r;
            Q_EMIT self->saved(*r);
        } else {
            Q_EMIT self->saveFailed(r.error().describe());
        }
    });
}

} // namespace cutover
