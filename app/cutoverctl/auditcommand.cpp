// audit: who changed what, when, from what to what, and why.
#include "cli.h"
#include "output.h"

#include <QSet>

#include <algorithm>

namespace cutover::ctl {

namespace {

constexpr int kPage = 1000; // the API's largest page

struct Change
{
    QString field; // empty when the whole value changed (e.g. null -> object)
    Json before;
    Json after;
};

// A generic diff of two JSON values, member by member for objects (docs/admin-api.md §7.2 asks
// clients not to rely on one shape per action). Bookkeeping members that change with every write
// are left out.
QList<Change> diff(const Json &before, const Json &after)
{
    static const QSet<QString> bookkeeping {QStringLiteral("version"), QStringLiteral("updated_at"),
                                            QStringLiteral("updated_by")};
    QList<Change> out;
    if (!before.is_object() || !after.is_object()) {
        if (before != after)
            out.append({QString(), before, after});
        return out;
    }
    auto consider = [&](const std::string &key) {
        const QString field = QString::fromStdString(key);
        if (bookkeeping.contains(field))
            return;
        const Json b = before.contains(key) ? before[key] : Json(nullptr);
        const Json a = after.contains(key) ? after[key] : Json(nullptr);
        if (b != a)
            out.append({field, b, a});
    };
    for (auto it = before.begin(); it != before.end(); ++it)
        consider(it.key());
    for (auto it = after.begin(); it != after.end(); ++it)
        if (!before.contains(it.key()))
            consider(it.key());
    return out;
}

QString valueText(const Json &v)
{
    return v.is_null() ? QStringLiteral("—") : compactJson(v);
}

QString changeText(const QList<Change> &changes)
{
    if (changes.isEmpty())
        return QStringLiteral("(no change)");
    QStringList parts;
    for (const Change &c : changes)
        parts.append((c.field.isEmpty() ? QString() : c.field + QLatin1Char(' ')) + valueText(c.before)
                     + QStringLiteral(" -> ") + valueText(c.after));
    return parts.join(QStringLiteral("; "));
}

AuditPage fetchPage(Context &ctx, qint64 after, int limit)
{
    return valueOrThrow(await<AuditPage>([&](auto done) { ctx.backend->fetchAudit(after, limit, std::move(done)); }));
}

int runAudit(Context &ctx)
{
    const int limit = intOption(ctx.args, QStringLiteral("limit"), 1, 100000, 20);
    qint64 after = 0;
    if (ctx.args.isSet(QStringLiteral("after"))) {
        bool ok = false;
        after = ctx.args.value(QStringLiteral("after")).toLongLong(&ok);
        if (!ok || after < 0)
            usageError(QStringLiteral("--after must be an audit entry id (a whole number, 0 or more)"));
    } else {
        // The newest `limit` entries: ask where the log ends, then read forward from there.
        after = std::max<qint64>(0, fetchPage(ctx, 0, 1).latestId - limit);
    }

    QList<AuditEntry> entries;
    qint64 latest = 0;
    while (entries.size() < limit) {
        const AuditPage page = fetchPage(ctx, after, int(std::min<qsizetype>(kPage, limit - entries.size())));
        latest = page.latestId;
        entries.append(page.entries);
        if (page.entries.isEmpty() || page.entries.last().id >= page.latestId)
            break;
        after = page.entries.last().id;
    }

    if (ctx.json) {
        Json list = Json::array();
        for (const AuditEntry &e : entries) {
            const Json before = parseJsonText(e.before);
            const Json afterJson = parseJsonText(e.after);
            Json changes = Json::array();
            for (const Change &c : diff(before, afterJson))
                changes.push_back(Json {{"field", jsonString(c.field)}, {"before", c.before}, {"after", c.after}});
            list.push_back(Json {{"id", e.id},
                                 {"time", jsonTime(e.time)},
                                 {"actor", e.actor.toStdString()},
                                 {"role", e.role.toStdString()},
                                 {"action", e.action.toStdString()},
                                 {"target", e.target.toStdString()},
                                 {"before", before},
                                 {"after", afterJson},
                                 {"changes", changes},
                                 {"reason", jsonString(e.reason)},
                                 {"request_id", e.requestId.toStdString()},
                                 {"idempotency_key", jsonString(e.idempotencyKey)}});
        }
        printJson(Json {{"latest_id", latest}, {"entries", list}});
        return ExitOk;
    }
    if (entries.isEmpty()) {
        printOut(QStringLiteral("No audit entries%1.\n")
                     .arg(ctx.args.isSet(QStringLiteral("after")) ? QStringLiteral(" after %1").arg(ctx.args.value(QStringLiteral("after")))
                                                                  : QString()));
        return ExitOk;
    }
    Table table({{QStringLiteral("ID"), Table::Align::Right}, {QStringLiteral("TIME")}, {QStringLiteral("WHO")},
                 {QStringLiteral("ACTION")}, {QStringLiteral("TARGET")}, {QStringLiteral("CHANGE (BEFORE -> AFTER)")},
                 {QStringLiteral("REASON")}, {QStringLiteral("REQUEST ID")}});
    for (const AuditEntry &e : entries)
        table.addRow({QString::number(e.id), humanTime(e.time), e.actor + QStringLiteral(" (") + e.role + QLatin1Char(')'),
                      e.action, e.target, elide(changeText(diff(parseJsonText(e.before), parseJsonText(e.after))), 60),
                      elide(orDash(e.reason), 40), e.requestId});
    QString out = table.render();
    if (entries.last().id < latest)
        out += QStringLiteral("\nMore entries follow: `cutoverctl audit --after %1`.\n").arg(entries.last().id);
    printOut(out);
    return ExitOk;
}

} // namespace

void addAuditCommand(QList<Command> &commands)
{
    commands.append({{QStringLiteral("audit")}, {},
                     QStringLiteral("The audit log: who, when, action, target, before -> after, reason, request id."),
                     QStringLiteral("Shows the gateway's audit log, oldest first: every successful change with its actor, "
                                    "role, time, action, target, what changed (a member-by-member diff of the state before and "
                                    "after), the reason given and the request id. Without --after, the newest --limit entries; "
                                    "with --after ID, up to --limit entries following that id (paged as needed). Long changes "
                                    "and reasons are shortened in the table; --json has them whole.\n\n"
                                    "--json prints {\"latest_id\", \"entries\": [{\"id\", \"time\", \"actor\", \"role\", \"action\", "
                                    "\"target\", \"before\", \"after\", \"changes\": [{\"field\", \"before\", \"after\"}], "
                                    "\"reason\", \"request_id\", \"idempotency_key\"}]}."),
                     {{QStringLiteral("after"), QStringLiteral("Show the entries after this id (oldest first)."), QStringLiteral("id")},
                      {QStringLiteral("limit"), QStringLiteral("At most this many entries (default 20)."), QStringLiteral("n")}},
                     {}, true, runAudit});
}

} // namespace cutover::ctl
