#pragma once

#include <QString>

namespace cutover {

class LogStore;

// The service behind a route, as the newest lines that name the route say (a LogFilter has no
// route criterion; the log view narrows a selected route to its service). Looks at the last
// `lookBack` entries only, a bounded scan on the calling thread; empty if none of them is the
// route's.
QString serviceOfRoute(const LogStore &store, const QString &route, quint64 lookBack = 20000);

} // namespace cutover
