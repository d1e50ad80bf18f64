#pragma once

#include "client/logline.h"

#include <QString>

#include <optional>

namespace cutover {

// What the log view shows. Every set criterion must hold (AND); an empty one matches everything.
// Text criteria look at every text field of a line: service, backend, upstream, route, method,
// path, request id, user id and message, each on its own (a match never spans two fields).
struct LogFilter
{
    std::optional<LogLevel> minLevel;
    QString service;                               // exact service name
    QString text;                                  // substring
    Qt::CaseSensitivity textCase = Qt::CaseInsensitive;
    QString pattern;                               // QRegularExpression (PCRE2 syntax)
    Qt::CaseSensitivity patternCase = Qt::CaseSensitive;
    QString requestId;                             // exact request id
    // Gap markers ("N lines missed") stay visible whatever the criteria, unless this is false.
    bool includeGaps = true;

    bool operator==(const LogFilter &) const = default;

    bool isEmpty() const
    {
        return !minLevel && service.isEmpty() && text.isEmpty() && pattern.isEmpty() && requestId.isEmpty();
    }
};

} // namespace cutover
