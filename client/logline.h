#pragma once

// The gateway's request log, as domain types (docs/admin-api.md §4.18 and §6). Produced by the
// JSON boundary (logjson.h), carried by LogStream, kept by LogStore.

#include "client/timetypes.h"

#include <QList>
#include <QString>

#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>

namespace cutover {

// A log line's id: strictly increasing per gateway, the resume point for paging and streaming.
struct LogId
{
    std::uint64_t value = 0;

    constexpr auto operator<=>(const LogId &) const = default;
    constexpr LogId next() const { return LogId {value + 1}; }
};

enum class LogLevel : std::uint8_t { Debug, Info, Warn, Error };


struct LogLine
{
    LogId id;
    WallTime time {};
    LogLevel level = LogLevel::Info;
    QString service;   // upstream service of the route, e.g. "post-service"
    QString backend;   // "monolith" or "microservice": who served the request
    QString upstream;  // the upstream that actually answered (a cutover-sim extension; may be empty)
    QString route;     // route id
    QString method;
    QString path;
    int status = 0;
    Milliseconds latency {0};
    QString requestId;
    QString userId;    // empty when the gateway identified no user (JSON null)
    QString message;
};

// Lines `from` to `to` (inclusive) that will never be delivered.
struct LogGap
{
    LogId from;
    LogId to;
    // false: lines may be missing but the source cannot say how many (HAProxy's ring); from..to
    // then only place the marker.
    bool counted = true;

    std::uint64_t missed() const { return counted && to.value >= from.value ? to.value - from.value + 1 : 0; }
    bool operator==(const LogGap &) const = default;
};

// A page of the gateway's log buffer (GET /admin/logs, docs/admin-api.md §4.18).
struct LogPage
{
    QList<LogLine> lines;      // ascending ids
    LogId firstId;             // oldest line still in the gateway's buffer
    LogId lastId;              // newest line in the buffer
    std::optional<LogGap> gap; // lines asked for that have left the buffer
    // The gateway instance whose ids these are (admin API 1.1); empty from a 1.0 gateway.
    QString instance;
};

// The SSE stream's `instance` event (admin API 1.1): sent once per connection, before any line,
// it names the instance whose ids follow and its buffer when the connection was accepted.
struct LogInstance
{
    QString instance;
    LogId firstId;
    LogId lastId;
};

} // namespace cutover
