#pragma once

// Internal to HaproxyBackend: the one flow of the emergency rollback's engage and release as a
// plan of what the routes map goes to. Both are one atomic commit of the routes map; they differ
// only in their checks, their target and what their journal entry records.

#include "client/apierror.h"
#include "client/gatewaybackend.h"
#include "client/haproxy/haproxymodel.h"
#include "client/haproxy/planverdict.h"

#include <QList>
#include <QPair>
#include <QString>

#include <optional>

namespace cutover::haproxy {

using MapPairs = QList<QPair<QString, QString>>;
MapPairs mapPairs(const QList<MapEntry> &entries);

struct RollbackPlan
{
    bool engage = true;
    bool keepMonolith = false;   // release only
    QString mapFile;
    MapPairs before;             // the live routes map when planned
    MapPairs target;             // what it becomes
    QList<RollbackSnapshotEntry> percentsBefore;

    // "rollback.engage" or "rollback.release": the action's name in messages and in the journal.
    static QString actionName(bool engage);
    QString action() const { return actionName(engage); }

    // Where the live routes map stands against the plan (one atomic commit: never Partly).
    Verdict verdict(const ConfigSnapshot &now, const Model &model) const;
    // The commit was answered, but the read after it does not hold the target.
    ApiError notAppliedError(const Model &now) const;
    ApiError movedError() const;
    QString evidence(Verdict verdict) const;

    // The contract's checks (version, reason, state, routes map, CLI level), then the plan; the
    // error that refuses the action otherwise. `latest` is the journal's latest rollback (the
    // release restores its snapshot of the map).
    static Result<RollbackPlan> make(bool engage, bool keepMonolith, const ActionRequest &request,
                                     const ConfigSnapshot &config, const Model &model, const QString &level,
                                     const std::optional<RollbackRecord> &latest, const Conventions &conventions);

    // The journal entry's "after" and "haproxy" members once HAProxy holds the target (`now`: the
    // model read then, as if the journal already had the entry).
    QByteArray afterJson(const Model &now) const;
    QByteArray extraJson() const;
};

} // namespace cutover::haproxy
