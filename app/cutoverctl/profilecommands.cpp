// profile list / add / remove / use: the saved connections, shared with the Cutover GUI.
#include "cli.h"
#include "output.h"

#include "client/cabundle.h"

#include <QFileInfo>
#include <QSettings>

namespace cutover::ctl {

namespace {

Profile loadOrFail(const ProfileStore &store, const QString &name)
{
    QString problem;
    std::optional<Profile> p = store.load(name, &problem);
    if (!p && !problem.isEmpty())
        usageError(problem);
    if (!p)
        usageError(QStringLiteral("there is no profile named \"%1\" (`cutoverctl profile list` shows the saved ones)").arg(name));
    return std::move(*p);
}

int runList(Context &ctx)
{
    QSettings settings;
    ProfileStore store(settings);
    const QString last = store.lastUsed();
    QList<Profile> profiles;
    for (const QString &name : store.names()) {
        QString problem;
        if (std::optional<Profile> p = store.load(name, &problem))
            profiles.append(std::move(*p));
        else if (!problem.isEmpty())
            progressLine(problem); // not listed, but not left out in silence
    }

    if (ctx.json) {
        Json list = Json::array();
        for (const Profile &p : profiles)
            list.push_back(Json {{"name", p.name.toStdString()},
                                 {"kind", gatewayKindName(p.kind).toStdString()},
                                 {"url", p.url.toString().toStdString()},
                                 {"environment", environmentName(p.environment).toStdString()},
                                 {"token_file", jsonString(p.tokenFile)},
                                 {"ca_bundle", jsonString(p.caBundle)},
                                 {"last_used", p.name == last}});
        printJson(Json {{"last_used", jsonString(last)}, {"profiles", list}});
        return ExitOk;
    }
    if (profiles.isEmpty()) {
        printOut(QStringLiteral("No saved profiles. Add one with `cutoverctl profile add NAME --gateway URL`.\n"));
        return ExitOk;
    }
    Table table({{QString()}, {QStringLiteral("PROFILE")}, {QStringLiteral("ENVIRONMENT")}, {QStringLiteral("KIND")},
                 {QStringLiteral("URL")}, {QStringLiteral("TOKEN FILE")}, {QStringLiteral("CA BUNDLE")}});
    for (const Profile &p : profiles)
        table.addRow({p.name == last ? QStringLiteral("*") : QString(), p.name, environmentName(p.environment), gatewayKindName(p.kind),
                      orDash(p.url.toString()), orDash(p.tokenFile), orDash(p.caBundle)});
    printOut(table.render() + QStringLiteral("\n* the last-used profile: the default when neither --profile nor --gateway is given.\n"));
    return ExitOk;
}

int runAdd(Context &ctx)
{
    const QCommandLineParser &a = ctx.args;
    Profile p;
    // Checked before trimming: "prod\n" is refused, not quietly saved as "prod".
    if (const QString problem = profileNameProblem(ctx.positional.at(0)); !problem.isEmpty())
        usageError(problem);
    p.name = ctx.positional.at(0).trimmed();
    if (!a.isSet(QStringLiteral("gateway")))
        usageError(QStringLiteral("--gateway URL is required: the gateway's admin API address"));
    p.url = gatewayUrl(a.value(QStringLiteral("gateway")));
    p.kind = profileKindForUrl(p.url).value_or(GatewayKind::Http); // gatewayUrl() checked it
    const QString environment = a.value(QStringLiteral("environment"));
    if (!environment.isEmpty()) {
        const std::optional<Environment> e = environmentFromName(environment);
        if (!e)
            usageError(QStringLiteral("--environment must be production, staging, development or demo"));
        p.environment = *e;
    }
    if (a.isSet(QStringLiteral("token-file")))
        p.tokenFile = QFileInfo(a.value(QStringLiteral("token-file"))).absoluteFilePath();
    if (a.isSet(QStringLiteral("ca-bundle"))) {
        p.caBundle = QFileInfo(a.value(QStringLiteral("ca-bundle"))).absoluteFilePath();
        if (const QString problem = caBundleProblem(p.caBundle); !problem.isEmpty())
            usageError(problem);
    }

    QSettings settings;
    ProfileStore store(settings);
    if (store.load(p.name) && !a.isSet(QStringLiteral("replace")))
        usageError(QStringLiteral("a profile named \"%1\" exists already; add --replace to overwrite it").arg(p.name));
    if (const QString error = store.save(p); !error.isEmpty())
        usageError(error);
    if (store.lastUsed().isEmpty() || a.isSet(QStringLiteral("use")))
        store.setLastUsed(p.name);
    settings.sync();
    if (!ctx.json)
        printOut(QStringLiteral("Saved profile \"%1\" (%2, %3)%4.\n")
                     .arg(p.name, environmentName(p.environment), p.url.toString(),
                          store.lastUsed() == p.name ? QStringLiteral("; it is the default now") : QString()));
    return ExitOk;
}

int runRemove(Context &ctx)
{
    QSettings settings;
    ProfileStore store(settings);
    const Profile p = loadOrFail(store, ctx.positional.at(0));
    store.remove(p.name);
    if (store.lastUsed() == p.name)
        store.setLastUsed(QString());
    settings.sync();
    if (!ctx.json)
        printOut(QStringLiteral("Removed profile \"%1\".\n").arg(p.name));
    return ExitOk;
}

int runUse(Context &ctx)
{
    QSettings settings;
    ProfileStore store(settings);
    const Profile p = loadOrFail(store, ctx.positional.at(0));
    store.setLastUsed(p.name);
    settings.sync();
    if (!ctx.json)
        printOut(QStringLiteral("\"%1\" (%2, %3) is the default profile now.\n")
                     .arg(p.name, environmentName(p.environment), p.url.toString()));
    return ExitOk;
}

} // namespace

void addProfileCommands(QList<Command> &commands)
{
    const QString shared = QStringLiteral("Profiles live in the Cutover GUI's settings, so the two share them.");
    commands.append({{QStringLiteral("profile"), QStringLiteral("list")}, {},
                     QStringLiteral("The saved connections (shared with the GUI); * marks the default."),
                     shared + QStringLiteral(" Tokens are never stored in a profile, only the path of a token file.\n\n"
                                             "--json prints {\"last_used\", \"profiles\": [{\"name\", \"kind\", \"url\", "
                                             "\"environment\", \"token_file\", \"ca_bundle\", \"last_used\"}]}."),
                     {}, {}, false, runList});
    commands.append({{QStringLiteral("profile"), QStringLiteral("add")}, QStringLiteral("NAME --gateway URL"),
                     QStringLiteral("Save a connection: URL, environment, token file, CA bundle."),
                     shared + QStringLiteral(" The first profile saved becomes the default. A production profile makes "
                                             "`rollback engage/release` ask for --confirm NAME."),
                     {{QStringLiteral("gateway"), QStringLiteral("The gateway admin API's URL (required)."), QStringLiteral("url")},
                      {QStringLiteral("environment"), QStringLiteral("production, staging, development (default) or demo."), QStringLiteral("name")},
                      {QStringLiteral("token-file"), QStringLiteral("Path of the token file to use (mode 600); without it, $CUTOVER_TOKEN."), QStringLiteral("file")},
                      {QStringLiteral("ca-bundle"), QStringLiteral("Extra CA certificates (PEM) to trust for this gateway."), QStringLiteral("file")},
                      {QStringLiteral("use"), QStringLiteral("Make it the default profile.")},
                      {QStringLiteral("replace"), QStringLiteral("Overwrite a profile of the same name.")}},
                     {{QStringLiteral("NAME"), QStringLiteral("The profile's name, e.g. prod-eu.")}}, false, runAdd});
    commands.append({{QStringLiteral("profile"), QStringLiteral("remove")}, QStringLiteral("NAME"),
                     QStringLiteral("Delete a saved connection."), shared, {},
                     {{QStringLiteral("NAME"), QStringLiteral("The profile to delete.")}}, false, runRemove});
    commands.append({{QStringLiteral("profile"), QStringLiteral("use")}, QStringLiteral("NAME"),
                     QStringLiteral("Make a saved connection the default (the GUI's last-used profile)."), shared, {},
                     {{QStringLiteral("NAME"), QStringLiteral("The profile to use by default.")}}, false, runUse});
}

} // namespace cutover::ctl
