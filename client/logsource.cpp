#include "logsource.h"

namespace cutover {

QString LogSource::stateName(State state)
{
    switch (state) {
    case State::Stopped: return QStringLiteral("stopped");
    case State::Connecting: return QStringLiteral("connecting");
    case State::Streaming: return QStringLiteral("streaming");
    case State::Reconnecting: return QStringLiteral("reconnecting");
    }
    return {};
}

void LogSource::setState(State state, std::optional<ApiError> error)
{
    if (state == m_state && !error)
        return;
    m_state = state;
    m_lastError = error;
    Q_EMIT connectionStateChanged(state, error);
}

} // namespace cutover
