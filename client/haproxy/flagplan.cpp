#include "flagplan.h"

#include "backendsupport.h"

#include <algorithm>

namespace cutover::haproxy {

QString FlagPlan::endpointFor(const QString &name)
{
    return QStringLiteral("flag ") + name;
}

Result<FlagPlan> FlagPlan::make(const QString &name, const FlagChange &change, const QString &expectedVersion,
                                const QString &reason, const ConfigSnapshot &config, const Model &model,
                                const QString &level)
{
    const QString endpoint = endpointFor(name);
    const Flag *f = model.flag(name);
    if (!f)
        return makeError(ApiError::Kind::NotFound, endpoint, QStringLiteral("no flag %1 in the flags map").arg(name), {},
                         QStringLiteral("not_found"));
    if (auto e = checkVersion(expectedVersion, f->version, endpoint, AuditJournal::flagJson(*f)))
        return *e;
    const auto invalid = [&](const QString &field, const QString &message) {
        return makeError(ApiError::Kind::Validation, endpoint, message, field, QStringLiteral("validation_failed"));
    };
    if (change.rolloutPercent < 0 || change.rolloutPercent > 100)
        return invalid(QStringLiteral("rollout_percent"), QStringLiteral("rollout_percent must be 0 to 100"));
    if (change.allowUsers.size() > 1000)
        return invalid(QStringLiteral("allow_users"), QStringLiteral("at most 1000 users"));
    for (const QString &u : change.allowUsers) {
        const bool bad = u.isEmpty() || u.size() > 64 || std::any_of(u.cbegin(), u.cend(), [](QChar c) { return c.isSpace(); });
        if (bad)
            return invalid(QStringLiteral("allow_users"), QStringLiteral("user ids are 1 to 64 characters without blanks ('%1')").arg(u));
    }
    if (auto e = checkReason(reason, endpoint))
        return *e;
    if (level == QLatin1String("user"))
        return makeError(ApiError::Kind::Forbidden, endpoint,
                         QStringLiteral("the Runtime API socket is at level 'user'; map changes need 'operator'"), {},
                         QStringLiteral("forbidden"));
    FlagPlan p;
    p.name = name;
    p.level = level;
    p.mapFile = config.flagsMapFile;
    p.before = *f;
    p.change = change;
    p.change.allowUsers.removeDuplicates();
    p.fromValue = model.flagValues.value(name);
    p.toValue = flagValueText(change.enabled, change.rolloutPercent);
    p.description = change.description.value_or(f->description);
    const QByteArray file = cliArg(p.mapFile);
    if (p.toValue != p.fromValue)
        p.commands.append("set map " + file + ' ' + cliArg(name) + ' ' + cliArg(p.toValue));
    for (const QString &u : std::as_const(p.change.allowUsers)) {
        if (!f->allowUsers.contains(u)) {
            p.added.append(u);
            p.commands.append("add map " + file + ' ' + cliArg(name + kFlagUserSeparator + u) + " allow");
        }
    }
    for (const QString &u : f->allowUsers) {
        if (!p.change.allowUsers.contains(u)) {
            p.removed.append(u);
            p.commands.append("del map " + file + ' ' + cliArg(name + kFlagUserSeparator + u));
        }
    }
    return p;
}

Verdict FlagPlan::verdict(const ConfigSnapshot &, const Model &model) const
{
    const Flag *f = model.flag(name);
    if (!f)
        return Verdict::Moved;
    int done = 0, pending = 0;
    if (toValue != fromValue) {
        const QString value = model.flagValues.value(name);
        if (value == toValue)
            ++done;
        else if (value == fromValue)
            ++pending;
        else
            return Verdict::Moved;
    }
    for (const QString &u : f->allowUsers) {
        if (!before.allowUsers.contains(u) && !change.allowUsers.contains(u))
            return Verdict::Moved; // a user neither list has: someone else added it
    }
    for (const QString &u : added)
        ++(f->allowUsers.contains(u) ? done : pending);
    for (const QString &u : removed)
        ++(f->allowUsers.contains(u) ? pending : done);
    if (pending == 0) {
        QStringList got = f->allowUsers, want = change.allowUsers;
        got.sort();
        want.sort();
        const bool holds = f->enabled == change.enabled && f->rolloutPercent == change.rolloutPercent && got == want;
        return holds ? Verdict::Applied : Verdict::NotApplied; // every step in, yet the flag reads otherwise
    }
    return done == 0 ? Verdict::NotApplied : Verdict::Partly;
}

ApiError FlagPlan::notAppliedError(const Model &) const
{
    return makeError(ApiError::Kind::Server, endpoint(), QStringLiteral("HAProxy did not apply the change"));
}

ApiError FlagPlan::movedError() const
{
    return makeError(ApiError::Kind::Conflict, endpoint(), QStringLiteral("the flag changed while the change was being applied"));
}

QString FlagPlan::evidence(Verdict verdict) const
{
    switch (verdict) {
    case Verdict::Applied: return QStringLiteral("flag %1 is '%2' with the users asked for").arg(name, toValue);
    case Verdict::NotApplied: return QStringLiteral("flag %1 still holds what it held").arg(name);
    case Verdict::Partly: return QStringLiteral("flag %1 has part of the change").arg(name);
    case Verdict::Moved: break;
    }
    return QStringLiteral("flag %1 holds something else").arg(name);
}

} // namespace cutover::haproxy
