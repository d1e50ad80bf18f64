#include "pendingchange.h"

#include <QCoreApplication>

namespace cutover {

QString changeStateText(const PendingChange &change)
{
    auto tr = [](const char *text) { return QCoreApplication::translate("cutover", text); };
    switch (change.state) {
    case ChangeState::Idle: return {};
    case ChangeState::Applying: return tr("applying %1…").arg(change.summary);
    case ChangeState::Confirming: return tr("applied %1, refreshing…").arg(change.summary);
    case ChangeState::Unknown: return tr("no answer for %1, checking…").arg(change.summary);
    case ChangeState::Failed: return tr("not applied: %1").arg(change.message);
    }
    return {};
}

} // namespace cutover
