// conformance: checks a gateway against the admin API contract, for gateway authors.
#include "cli.h"
#include "output.h"

#include "client/conformance/conformancesuite.h"
#include "client/displaytext.h"
#include "client/tokens.h"

namespace cutover::ctl {

namespace {

int runConformance(Context &ctx)
{
    if (ctx.connection.kind != GatewayKind::Http)
        usageError(QStringLiteral("conformance checks a gateway of the admin API (http:// or https://); "
                                  "HAProxy's Runtime API is not one"));
    const bool mutating = ctx.args.isSet(QStringLiteral("mutating"));
    const bool override = ctx.args.isSet(QStringLiteral("i-know-this-changes-routing"));
    if (override && !mutating)
        usageError(QStringLiteral("--i-know-this-changes-routing only goes with --mutating"));
    ConformanceSuite::Options options;
    options.mutating = mutating;
    if (ctx.args.isSet(QStringLiteral("viewer-token-file"))) {
        const TokenLookup viewer = tokenFromEnvironmentOrFile(ctx.args.value(QStringLiteral("viewer-token-file")));
        if (!viewer.error.isEmpty())
            usageError(viewer.error);
        options.viewerToken = viewer.token;
    }

    const ConformanceHttp http(ctx.nam, ctx.connection.endpoint);
    // Ask first whether this gateway may be changed: the change checks never run by surprise.
    const HttpExchange info = http.get(QStringLiteral("/admin/info"));
    if (!info.answered())
        throw CliError {ExitUnreachable, QStringLiteral("cannot reach the gateway: GET /admin/info: no answer (%1)").arg(info.error)};
    if (info.status == 401 || info.status == 403)
        throw CliError {ExitAuth, QStringLiteral("the gateway refused the token (%1): GET /admin/info: HTTP %2")
                                      .arg(ctx.connection.tokenSource)
                                      .arg(info.status)};
    const bool testGateway = ConformanceSuite::saysTestGateway(info);
    if (mutating && !testGateway && !override)
        usageError(QStringLiteral("refusing --mutating: GET /admin/info does not say \"gateway\": {\"test\": true}, so this "
                                  "gateway may route real users, and the change checks engage its emergency rollback. Run "
                                  "them against a test instance, or add --i-know-this-changes-routing"));

    Json checks = Json::array();
    int passed = 0, failed = 0, skipped = 0;
    ConformanceSuite suite(http, options);
    suite.run([&](const ConformanceResult &r) {
        passed += r.status == ConformanceResult::Status::Pass;
        failed += r.status == ConformanceResult::Status::Fail;
        skipped += r.status == ConformanceResult::Status::Skip;
        if (ctx.json) {
            checks.push_back(Json {{"id", r.id.toStdString()},
                                   {"status", ConformanceResult::statusName(r.status).toStdString()},
                                   {"detail", r.detail.toStdString()}});
        } else {
            printOut(QStringLiteral("%1  %2  %3\n")
                         .arg(ConformanceResult::statusName(r.status), r.id.leftJustified(26), inertText(r.detail)));
        }
    });
    if (ctx.json) {
        printJson(Json {{"gateway", ctx.connection.endpoint.baseUrl.toString().toStdString()},
                        {"mutating", mutating},
                        {"test_gateway", testGateway},
                        {"passed", passed},
                        {"failed", failed},
                        {"skipped", skipped},
                        {"checks", checks}});
    } else {
        printOut(QStringLiteral("\n%1 checks: %2 passed, %3 failed, %4 skipped%5.\n")
                     .arg(passed + failed + skipped)
                     .arg(passed)
                     .arg(failed)
                     .arg(skipped)
                     .arg(mutating ? QString() : QStringLiteral(" (read-only run: --mutating adds the change checks)")));
    }
    return failed ? ExitFailure : ExitOk;
}

} // namespace

void addConformanceCommand(QList<Command> &commands)
{
    Command c {{QStringLiteral("conformance")}, {},
               QStringLiteral("Check a gateway against the admin API contract (for gateway authors)."),
               QStringLiteral(
                   "Checks the gateway against docs/admin-api.md (version 1.1) and its OpenAPI file: every GET endpoint's "
                   "shape against the schemas, authentication (401 with WWW-Authenticate, 403 per role), request-id echo, "
                   "the error envelope, unknown paths and methods, audit and log paging, the log stream's resume and "
                   "instance event, and the metric families and their types in both exposition formats. It only reads, "
                   "unless --mutating is given: that adds If-Match (428/412), reason and percentage rules (422), a no-op "
                   "route and flag change with their audit entries, and idempotency around a rollback engage and release "
                   "(which restores every route). --mutating is refused unless GET /admin/info says \"gateway\": {\"test\": "
                   "true}, or --i-know-this-changes-routing is given.\n\n"
                   "Prints one line per check: pass, fail or skip, its id and what was checked, what was wrong, or why it "
                   "was skipped. Exit 0 when no check failed, 1 when one did.\n\n"
                   "--json prints {\"gateway\", \"mutating\", \"test_gateway\", \"passed\", \"failed\", \"skipped\", "
                   "\"checks\": [{\"id\", \"status\", \"detail\"}]}."),
               {{QStringLiteral("mutating"), QStringLiteral("Also run the checks that change the gateway's state (test gateways only).")},
                {QStringLiteral("i-know-this-changes-routing"),
                 QStringLiteral("With --mutating: run them even though the gateway does not say it is a test gateway.")},
                {QStringLiteral("viewer-token-file"), QStringLiteral("A viewer's token, for the 403 checks (mode 600)."),
                 QStringLiteral("file")}},
               {},
               true,
               runConformance,
               std::chrono::seconds(180)};
    c.waitingNotice = false; // the checks print as they go
    commands.append(std::move(c));
}

} // namespace cutover::ctl
