#pragma once

// Internal to HaproxyBackend: what reading HAProxy back says about a planned change (after its
// commands were answered, or after their answer was lost). Every planner (rollbackplan.h,
// routeplan.h, flagplan.h) gives one from a read alone, so that a lost answer is decided by the
// state HAProxy holds, never guessed.

#include <QtGlobal>

namespace cutover::haproxy {

enum class Verdict : quint8 {
    Applied,    // HAProxy holds what the plan asked for
    NotApplied, // HAProxy still holds what it held when the plan was made
    Partly,     // some of the plan's commands took effect and nothing else moved: sending them all again finishes it
    Moved,      // something else changed it meanwhile: a conflict, never overwritten
};

} // namespace cutover::haproxy
