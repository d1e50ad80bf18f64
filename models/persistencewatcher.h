#pragma once

#include "client/apierror.h"
#include "client/haproxy/persistence.h"

#include <QObject>
#include <QTimer>

#include <chrono>
#include <functional>
#include <optional>

namespace cutover {

// HAProxy forgets runtime changes on reload: this checks, now and every `interval`, what a reload
// would undo, and writes the live state back to the files when the operator asks (with a reason,
// for the journal). Every answer is a signal; a banner (or anything else) shows them. It knows
// the backend only by the two calls the wiring gives it (HaproxyBackend::fetchPersistence and
// persistMaps), so that models do not depend on the HAProxy backend.
class PersistenceWatcher : public QObject
{
    Q_OBJECT

public:
    static constexpr std::chrono::seconds kInterval {5};

    using Done = std::function<void(Result<HaproxyPersistence>)>;
    using Check = std::function<void(Done done)>;
    using Save = std::function<void(const QString &reason, Done done)>;

    // Each call must answer `done` exactly once (or never, if its backend is gone).
    PersistenceWatcher(Check check, Save save, QObject *parent = nullptr, std::chrono::milliseconds interval = kInterval);

    // Checks now, then every interval.
    void start();
    // Writes the maps (and the server state file) now; a save already running is not doubled.
    void save(const QString &reason);

    bool isSaving() const { return m_saving; }
    // The last check's answer, or why it failed.
    const std::optional<HaproxyPersistence> &persistence() const { return m_persistence; }
    QString checkError() const { return m_checkError; }
    std::chrono::milliseconds interval() const { return std::chrono::milliseconds(m_timer.interval()); }

Q_SIGNALS:
    void checked(const cutover::HaproxyPersistence &state);
    void checkFailed(const QString &message);
    void savingChanged(bool saving);
    void saved(const cutover::HaproxyPersistence &state);
    void saveFailed(const QString &message);

private:
    void check();

    Check m_check;
    Save m_save;
    QTimer m_timer;
    bool m_checking = false;
    bool m_saving = false;
    std::optional<HaproxyPersistence> m_persistence;
    QString m_checkError;
};

} // namespace cutover
