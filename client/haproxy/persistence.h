#pragma once

// What of HAProxy's live configuration a reload would lose: plain data, shared by the HAProxy
// backend that computes it and the models and widgets that show it (which must not depend on
// the backend itself; see the layer rules in docs/architecture.md).

#include <QList>
#include <QString>

#include <optional>

namespace cutover {

namespace haproxy {

// One server of `show servers state`: its user weight and the weight haproxy.cfg gave it.
struct ServerWeight
{
    QString backend;
    QString server;
    int userWeight = 0;
    int initialWeight = 0;
};

} // namespace haproxy

// What of the live configuration would be lost if HAProxy reloaded now.
struct HaproxyPersistence
{
    struct MapFile
    {
        QString file;
        bool readable = false;   // Cutover could read the file (same machine, permissions)
        bool inSync = false;     // the file holds exactly the live entries
        qsizetype liveEntries = 0;
        qsizetype fileEntries = 0;
        QString error;
    };
    std::optional<MapFile> routes;
    std::optional<MapFile> flags;
    QList<haproxy::ServerWeight> weightsChanged; // live weight differs from haproxy.cfg's
    QString serverStateFile;
    bool weightsSaved = false;   // the server-state file holds every live weight
    bool rollbackLost = false;   // the journal says engaged, but HAProxy routes elsewhere
    bool changedSinceSave = false; // Cutover changed something after its last persistMaps()

    // True when a reload would change routing.
    bool atRisk() const
    {
        auto mapAtRisk = [this](const std::optional<MapFile> &m) {
            return m && (m->readable ? !m->inSync : changedSinceSave);
        };
        return rollbackLost || mapAtRisk(routes) || mapAtRisk(flags) || (!weightsChanged.isEmpty() && !weightsSaved);
    }
};

} // namespace cutover
