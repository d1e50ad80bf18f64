#pragma once

// Internal to HaproxyBackend: a flag's change as a plan. Pure: the state read and the request
// give the Runtime API commands to send (the flag's entry in the flags map and one entry per
// allowed user) and, from any later read, whether HAProxy holds them.

#include "client/apierror.h"
#include "client/haproxy/haproxymodel.h"
#include "client/haproxy/planverdict.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

namespace cutover::haproxy {

struct FlagPlan
{
    QString name;
    QString level;               // the CLI level it was planned at (journaled)
    QString mapFile;
    Flag before;
    FlagChange change;           // allowUsers without duplicates
    QString fromValue, toValue;  // the flag's map value; equal when it stays
    QStringList added, removed;  // allowed users
    QString description;         // what the journal records (HAProxy keeps none)
    QList<QByteArray> commands;  // in the order they are sent

    // "flag <name>": where its errors say they come from.
    static QString endpointFor(const QString &name);
    QString endpoint() const { return endpointFor(name); }

    // The contract's checks (flag, version, rollout, users, reason, CLI level), then the plan;
    // the error that refuses the change otherwise.
    static Result<FlagPlan> make(const QString &name, const FlagChange &change, const QString &expectedVersion,
                                 const QString &reason, const ConfigSnapshot &config, const Model &model,
                                 const QString &level);

    Verdict verdict(const ConfigSnapshot &now, const Model &model) const;
    // The answers came back, but the read after them does not hold the change.
    ApiError notAppliedError(const Model &now) const;
    ApiError movedError() const;
    QString evidence(Verdict verdict) const;
};

} // namespace cutover::haproxy
