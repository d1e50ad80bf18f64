#include "logqueries.h"

#include "models/logstore.h"

namespace cutover {

QString serviceOfRoute(const LogStore &store, const QString &route, quint64 lookBack)
{
    if (route.isEmpty())
        return {};
    // The newest lines that mention the route id at all, then the first whose route it is.
    LogFilter filter;
    filter.text = route;
    filter.textCase = Qt::CaseSensitive;
    filter.includeGaps = false;
    const quint64 from = store.endSeq() > lookBack ? store.endSeq() - lookBack : 0;
    const auto matches = store.filter(filter, from).matches;
    for (auto it = matches.rbegin(); it != matches.rend(); ++it) {
        const LogLine line = store.line(*it);
        if (line.route == route)
            return line.service;
    }
    return {};
}

} // namespace cutover
