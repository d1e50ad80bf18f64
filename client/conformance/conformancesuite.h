#pragma once

#include "client/conformance/conformancehttp.h"

#include <QString>

#include <functional>
#include <memory>

namespace cutover {

// One line of the conformance report.
struct ConformanceResult
{
    enum class Status { Pass, Fail, Skip };

    QString id;     // stable, for scripts: "auth.missing-token", "logs.stream-resume"
    Status status = Status::Pass;
    QString detail; // what was checked, or what was wrong, or why it was skipped

    static QString statusName(Status s);
};

// Checks a gateway against the admin API contract (docs/admin-api.md 1.1 and admin-api.yaml):
// every GET endpoint's shape against the OpenAPI schemas, authentication and roles, request IDs,
// the error envelope, unknown paths and methods, audit and log paging, the log stream's resume and
// instance event, and the metric families. Read-only unless `mutating` is set: then it also
// checks If-Match (428/412), reasons and percentages (422), a no-op route and flag change and
// their audit entries, and idempotency with a rollback engage and release that restores every
// route. Each check reports once, in order; a check that cannot run says why (Skip).
class ConformanceSuite
{
public:
    struct Options
    {
        bool mutating = false;
        // Only with `mutating`: a viewer's token for the 403 checks (the endpoint's token is used
        // for everything else). Empty: the 403 checks run only when the endpoint's own token is a
        // viewer's.
        QByteArray viewerToken;
    };

    ConformanceSuite(const ConformanceHttp &http, Options options);
    ~ConformanceSuite();

    // Runs every check, reporting each as it ends. Blocks (see ConformanceHttp).
    void run(const std::function<void(const ConformanceResult &)> &report);

    // Whether this GET /admin/info answer says the gateway serves no real users (`gateway.test`,
    // §4.2), which is what lets --mutating run.
    static bool saysTestGateway(const HttpExchange &info);

private:
    struct State;
    std::unique_ptr<State> d;
};

} // namespace cutover
