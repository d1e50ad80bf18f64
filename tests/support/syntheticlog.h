#pragma once

// The one generator of fake log lines for tests and benchmarks (library cutover_syntheticlog,
// linked by tests/ and bench/), so that every figure and every expectation is about the same lines.

#include "client/logline.h"

#include <QByteArray>
#include <QList>

namespace cutover::test {

// A line shaped like cutover-sim's, the same for the same id in every run:
// - the service by id % 5: user-, post-, media-, payment-, notification-service, on the routes
//   users, posts, media, payments, notifications; payment-service's requests are POSTs, the rest GETs;
// - every 20th id a 502 (error, " (upstream error)" at the end of the message), every other 15th
//   a 404 (warn), the rest 200 (info);
// - odd ids served by the microservice, even ones by the monolith; the path /api/<route>/<id % 997>,
//   latency (id % 5000) / 10 ms, 5 ms apart from 2026-11-18T11:06:40Z;
// - request ids shared by runs of three (id / 3), sixteen hex digits that look random; user
//   ids u-<id % 5000>, five digits;
// - the message "<method> <path> <status> <latency>ms", as the simulator writes it.
LogLine syntheticLogLine(quint64 id);
QList<LogLine> syntheticLogLines(quint64 firstId, quint64 count);

// The line as cutover-sim sends it (GET /admin/logs, the SSE stream): one flat JSON object.
QByteArray syntheticLogJson(const LogLine &line);

} // namespace cutover::test
