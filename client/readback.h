#pragma once

#include "actionrunner.h"
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

// What a read back means to the ActionRunner's resolve step: Applied settles the action with what
// was read; a rollback already in the asked state by someone else's request settles it as a
// Conflict (this request did nothing); anything else leaves it open (not applied, or cannot tell).
ActionResolution<RollbackState> resolutionOf(const RollbackReadBack &read);
ActionResolution<Route> resolutionOf(const RouteReadBack &read);
ActionResolution<Flag> resolutionOf(const FlagReadBack &read);

// How a change carried out by the ActionRunner ended, with what its caller needs to explain it:
// the outcome, and when an answer was lost, that try's error as it came and what the last read
// back found. `readBack` is set exactly when the runner read the target back.
template<typename T, typename ReadBackT>
struct CheckedChange
{
    Result<T> result;
    std::optional<ApiError> lost;
    std::optional<ReadBackT> readBack;
    bool endedOnReadBack = false; // the runner ended right after reading back: `readBack` decided
};
using CheckedRollback = CheckedChange<RollbackState, RollbackReadBack>;
using CheckedRoute = CheckedChange<Route, RouteReadBack>;
using CheckedFlag = CheckedChange<Flag, FlagReadBack>;

// Engage (`engage`) or release of the rollback on any backend, through the backend's own action,
// the one layer that resends and reads back: HttpAdminClient's runner with readBackRollback as its
// resolve step (runRollbackAction), HaproxyBackend's runner with its own. `done` gets the outcome
// and, for HTTP, the lost answer and what the read back found. Returns the backend's action id
// (for cancelAction).
quint64 runRollback(GatewayBackend *backend, const ActionRequest &request, bool engage, bool keepMonolith,
                    std::function<void(CheckedRollback)> done);

// A route or flag change (If-Match PUT) on `backend`, through `runner`: sent once, never resent
// (the version it was made against makes a second copy fail anyway), and when it may have been
// applied without the answer saying so (a lost or unreadable answer, or a try that failed in
// passing: 5xx, timeout, no connection) the runner's resolve step reads the target back and that
// decides. Returns the runner's id; `done` runs once, on the runner's thread. `beforeReadBack`
// (optional) runs just before the target is read back, with the try's error as it came: cutoverctl
// says so and gives the read back the rest of its deadline.
using BeforeReadBack = std::function<void(const ApiError &lost)>;
quint64 runRouteChange(ActionRunner *runner, GatewayBackend *backend, const QString &routeId, int percent,
                       const QString &expectedVersion, const QString &reason, std::function<void(CheckedRoute)> done,
                       BeforeReadBack beforeReadBack = {});
quint64 runFlagChange(ActionRunner *runner, GatewayBackend *backend, const QString &name, const FlagChange &change,
                      const QString &expectedVersion, const QString &reason, std::function<void(CheckedFlag)> done,
                      BeforeReadBack beforeReadBack = {});

} // namespace cutover
