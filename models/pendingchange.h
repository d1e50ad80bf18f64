#pragma once

#include <QString>

#include <optional>

namespace cutover {

// Where an operator's change to one route or flag stands. Nothing looks applied before the
// gateway says so: a row is "applying" until the gateway answers, "confirming" until the polled
// list shows a newer version than the one the change was made against, and "unknown" while a
// lost answer is being checked.
enum class ChangeState : quint8 { Idle, Applying, Confirming, Unknown, Failed };

struct PendingChange
{
    ChangeState state = ChangeState::Idle;
    QString baseVersion;        // the version the operator changed from (sent as If-Match)
    QString summary;            // what was asked, e.g. "25 %" or "on, 10 %"
    QString message;            // Failed: why, in plain words
    int targetPercent = -1;     // route percent, or flag rollout percent
    std::optional<bool> targetEnabled; // flags only
};

// One line for a table cell ("applying 25 %…", "failed: …"); empty when idle.
QString changeStateText(const PendingChange &change);

} // namespace cutover
