#pragma once

#include "apierror.h"
#include "logline.h"

#include <QByteArrayView>
#include <QList>

#include <optional>
#include <string_view>

namespace cutover::json {

using cutover::LogPage;

// nlohmann::json stays behind these functions. On a bad shape the ApiError is Kind::Malformed and
// `field` names the member ("status", "lines[3].time"); the caller fills in the endpoint when it
// is not the one given here.
Result<LogLine> parseLogLine(QByteArrayView json);
// The same without the fast path for flat ASCII lines (client/flatjson.h): for the tests that
// hold both to the same answers.
Result<LogLine> parseLogLineWithFullParser(QByteArrayView json);
// The data of an SSE `gap` event: {"from":A,"to":B,"missed":N}.
Result<LogGap> parseLogGap(QByteArrayView json);
Result<LogPage> parseLogPage(QByteArrayView body);
// The data of an SSE `instance` event: {"instance":"sim-3f2a09bc","first_id":12,"last_id":1042}.
Result<LogInstance> parseLogInstance(QByteArrayView json);

// RFC 3339 with an optional fraction (milliseconds kept) and `Z` or a numeric offset, e.g.
// "2026-11-26T04:38:45.123Z". std::nullopt for anything else.
std::optional<WallTime> parseRfc3339(std::string_view text);
// "debug", "info", "warn" (or "warning"), "error".
std::optional<LogLevel> logLevelFromName(std::string_view name);
QString logLevelName(LogLevel level);

} // namespace cutover::json
