#pragma once

#include "gatewaybackend.h"

#include <functional>
#include <optional>

namespace cutover {

// What reading the gateway back says about a change whose answers were lost (ApiError::answerLost):
// the decision is made from what the gateway has, never guessed from the transport error.
struct ReadBack
{
    enum class Verdict : quint8 {
        Applied,    // the gateway has this change
        NotApplied, // it has not (at the time of reading)
        Unknown,    // it could not be read, or what was read cannot tell
    };
    Verdict verdict = Verdict::Unknown;
    QString evidence;           // what was read, in words, for the operator
    bool alreadyInState = false; // NotApplied, but the target is as asked: someone else's change did it
};

struct RollbackReadBack : ReadBack
{
    std::optional<RollbackState> state;
};
struct RouteReadBack : ReadBack
{
    std::optional<Route> route;
};
struct FlagReadBack : ReadBack
{
    std::optional<Flag> flag;
};

// Engage (`engage`) or release of the rollback: reads GET /admin/rollback and the newest audit
// entries. The audit entry carrying the request's idempotency key decides. Without an audit log
// (or when it cannot be read), a rollback in the asked state at a version newer than the one the
// request was made against counts as applied, and one unchanged at that version as not applied.
void readBackRollback(GatewayBackend *backend, const ActionRequest &request, bool engage,
                      std::function<void(RollbackReadBack)> done);

// A route change to `percent` made against `expectedVersion`: applied when the route has a newer
// version with that percentage, not applied when it still has the version the change was made
// against (or someone else's newer version with another value).
void readBackRoute(GatewayBackend *backend, const QString &routeId, int percent, const QString &expectedVersion,
                   std::function<void(RouteReadBack)> done);

// A flag change, judged like a route change by its version and settings.
void readBackFlag(GatewayBackend *backend, const QString &name, const FlagChange &change,
                  const QString &expectedVersion, std::function<void(FlagReadBack)> done);

// Whether a flag has exactly the settings a change asks for (description only when it sets one).
bool flagMatches(const Flag &flag, const FlagChange &change);

} // namespace cutover
