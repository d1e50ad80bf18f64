#include "logjson.h"

#include "flatjson.h"

#include "jsonkit.h"

#include <algorithm>
#include <charconv>
#include <utility>

namespace cutover::json {

namespace {

using kit::joined;
using kit::Json;
using kit::member;
using kit::qs;
using kit::ShapeError;
using kit::stringRef;
using kit::unsignedInteger;

LogLine lineFrom(const Json &j, const QString &prefix)
{
    if (!j.is_object())
        throw ShapeError {prefix, QStringLiteral("expected an object")};
    LogLine line;
    line.id = LogId {unsignedInteger(j, "id", prefix)};
    const auto time = parseRfc3339(stringRef(j, "time", prefix));
    if (!time)
        throw ShapeError {joined(prefix, "time"), QStringLiteral("expected an RFC 3339 time")};
    line.time = *time;
    const std::string &levelName = stringRef(j, "level", prefix);
    const auto level = logLevelFromName(levelName);
    if (!level)
        throw ShapeError {joined(prefix, "level"), QStringLiteral("unknown level \"%1\"").arg(qs(levelName))};
    line.level = *level;
    line.service = qs(stringRef(j, "service", prefix));
    line.backend = qs(stringRef(j, "backend", prefix));
    line.method = qs(stringRef(j, "method", prefix));
    line.path = qs(stringRef(j, "path", prefix));
    const Json &status = member(j, "status", prefix);
    if (!status.is_number_integer() || status.get<std::int64_t>() < 0 || status.get<std::int64_t>() > 999)
        throw ShapeError {joined(prefix, "status"), QStringLiteral("expected an HTTP status code")};
    line.status = int(status.get<std::int64_t>());
    const Json &latency = member(j, "latency_ms", prefix);
    if (!latency.is_number())
        throw ShapeError {joined(prefix, "latency_ms"), QStringLiteral("expected a number")};
    line.latency = Milliseconds(latency.get<double>());
    line.requestId = qs(stringRef(j, "request_id", prefix));
    const Json &user = member(j, "user_id", prefix);
    if (user.is_string())
        line.userId = qs(user.get_ref<const std::string &>());
    else if (!user.is_null())
        throw ShapeError {joined(prefix, "user_id"), QStringLiteral("expected a string or null")};
    line.route = qs(stringRef(j, "route", prefix));
    line.message = qs(stringRef(j, "message", prefix));
    // Not in the contract; cutover-sim adds it. Optional, but typed when present.
    if (const auto it = j.find("upstream"); it != j.end() && !it->is_null()) {
        if (!it->is_string())
            throw ShapeError {joined(prefix, "upstream"), QStringLiteral("expected a string")};
        line.upstream = qs(it->get_ref<const std::string &>());
    }
    return line;
}

LogGap gapFrom(const Json &j, const QString &prefix)
{
    if (!j.is_object())
        throw ShapeError {prefix, QStringLiteral("expected an object")};
    const LogGap gap {LogId {unsignedInteger(j, "from", prefix)}, LogId {unsignedInteger(j, "to", prefix)}};
    if (gap.to < gap.from)
        throw ShapeError {joined(prefix, "to"), QStringLiteral("is before \"from\"")};
    // "missed" is redundant (to - from + 1); a contradicting value says the sender is confused.
    if (const auto it = j.find("missed"); it != j.end()
        && (!it->is_number_unsigned() || it->get<std::uint64_t>() != gap.missed()))
        throw ShapeError {joined(prefix, "missed"), QStringLiteral("does not match from and to")};
    return gap;
}

// The contract's instance: 1-128 printable ASCII characters. Absent (a 1.0 gateway) reads as ""
// unless `required`; present, it must be well formed, since a wrong one would hide a restart.
QString instanceOf(const Json &j, const QString &prefix, bool required)
{
    const auto it = j.find("instance");
    if (it == j.end() && !required)
        return {};
    const std::string &text = stringRef(j, "instance", prefix);
    const bool printable = std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
    if (text.empty() || text.size() > 128 || !printable)
        throw ShapeError {joined(prefix, "instance"), QStringLiteral("expected 1 to 128 printable ASCII characters")};
    return QString::fromLatin1(text.data(), qsizetype(text.size()));
}

template<typename T, typename F>
Result<T> guarded(QByteArrayView text, const char *endpoint, F &&f)
{
    return kit::guarded<T>(text, endpoint, QStringLiteral("not valid JSON"), std::forward<F>(f));
}

int digits(std::string_view s, std::size_t at, std::size_t n, bool &ok)
{
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (i >= s.size() || s[i] < '0' || s[i] > '9') {
            ok = false;
            return 0;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

// The fast path for the common case (docs/performance.md): a line that is a flat object of ASCII
// scalars with every member well typed. Declines (std::nullopt) on anything else, and the full
// parser decides, with its error messages.
std::optional<LogLine> fastLine(QByteArrayView json)
{
    enum Member : unsigned {
        Id = 1u << 0, Time = 1u << 1, Level = 1u << 2, Service = 1u << 3, Backend = 1u << 4,
        Method = 1u << 5, Path = 1u << 6, Status = 1u << 7, Latency = 1u << 8, RequestId = 1u << 9,
        User = 1u << 10, Route = 1u << 11, Message = 1u << 12,
    };
    constexpr unsigned kRequired = (1u << 13) - 1;
    using Type = FlatValue::Type;
    thread_local std::string scratch;
    LogLine line;
    unsigned seen = 0;
    bool typed = true;
    const auto text = [](std::string_view v) { return QString::fromLatin1(v.data(), qsizetype(v.size())); };
    const auto digitsOnly = [](std::string_view v) { return v.find_first_not_of("0123456789") == std::string_view::npos; };
    const auto str = [&](const FlatValue &v, QString &out, Member m) {
        if (v.type != Type::String)
            typed = false;
        else
            out = text(v.text), seen |= m;
    };
    const bool flat = scanFlatObject(std::string_view(json.data(), std::size_t(json.size())), scratch,
                                     [&](std::string_view key, const FlatValue &v) {
        if (key == "id") {
            std::uint64_t id = 0;
            const auto [end, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), id);
            if (v.type != Type::Number || !digitsOnly(v.text) || ec != std::errc() || end != v.text.data() + v.text.size())
                typed = false;
            line.id = LogId {id};
            seen |= Id;
        } else if (key == "time") {
            const auto time = v.type == Type::String ? parseRfc3339(v.text) : std::nullopt;
            if (!time)
                typed = false;
            else
                line.time = *time, seen |= Time;
        } else if (key == "level") {
            const auto level = v.type == Type::String ? logLevelFromName(v.text) : std::nullopt;
            if (!level)
                typed = false;
            else
                line.level = *level, seen |= Level;
        } else if (key == "status") {
            if (v.type != Type::Number || !digitsOnly(v.text) || v.text.size() > 3)
                typed = false;
            std::from_chars(v.text.data(), v.text.data() + v.text.size(), line.status);
            seen |= Status;
        } else if (key == "latency_ms") {
            double ms = 0;
            const auto [end, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), ms);
            if (v.type != Type::Number || ec != std::errc() || end != v.text.data() + v.text.size())
                typed = false;
            line.latency = Milliseconds(ms);
            seen |= Latency;
        } else if (key == "user_id") {
            if (v.type == Type::Null)
                line.userId.clear(), seen |= User;
            else
                str(v, line.userId, User);
        } else if (key == "upstream") {
            if (v.type == Type::Null)
                line.upstream.clear();
            else
                str(v, line.upstream, Member(0));
        } else if (key == "service") {
            str(v, line.service, Service);
        } else if (key == "backend") {
            str(v, line.backend, Backend);
        } else if (key == "method") {
            str(v, line.method, Method);
        } else if (key == "path") {
            str(v, line.path, Path);
        } else if (key == "request_id") {
            str(v, line.requestId, RequestId);
        } else if (key == "route") {
            str(v, line.route, Route);
        } else if (key == "message") {
            str(v, line.message, Message);
        }
    });
    if (!flat || !typed || seen != kRequired)
        return std::nullopt;
    return line;
}

} // namespace

std::optional<WallTime> parseRfc3339(std::string_view s)
{
    // 2026-11-26T04:38:45[.123…](Z|+hh:mm|-hh:mm)
    bool ok = s.size() >= 20 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == 't' || s[10] == ' ')
        && s[13] == ':' && s[16] == ':';
    if (!ok)
        return std::nullopt;
    const int year = digits(s, 0, 4, ok), month = digits(s, 5, 2, ok), day = digits(s, 8, 2, ok);
    const int hour = digits(s, 11, 2, ok), minute = digits(s, 14, 2, ok), second = digits(s, 17, 2, ok);
    std::size_t i = 19;
    int millis = 0;
    if (ok && i < s.size() && s[i] == '.') {
        ++i;
        const std::size_t start = i;
        for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i)
            if (i - start < 3)
                millis = millis * 10 + (s[i] - '0');
        if (i == start)
            return std::nullopt;
        for (std::size_t k = i - start; k < 3; ++k)
            millis *= 10;
    }
    int offsetMinutes = 0;
    if (!ok || i >= s.size())
        return std::nullopt;
    if (s[i] == 'Z' || s[i] == 'z') {
        ++i;
    } else if ((s[i] == '+' || s[i] == '-') && i + 6 == s.size() && s[i + 3] == ':') {
        const int oh = digits(s, i + 1, 2, ok), om = digits(s, i + 4, 2, ok);
        if (!ok || oh > 23 || om > 59)
            return std::nullopt;
        offsetMinutes = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);
        i += 6;
    } else {
        return std::nullopt;
    }
    // 60 is a leap second; it folds into the next minute like most clocks do.
    if (i != s.size() || hour > 23 || minute > 59 || second > 60)
        return std::nullopt;
    const std::chrono::year_month_day ymd {std::chrono::year(year), std::chrono::month(unsigned(month)),
                                           std::chrono::day(unsigned(day))};
    if (!ymd.ok())
        return std::nullopt;
    using namespace std::chrono;
    return WallTime(sys_days(ymd)) + hours(hour) + minutes(minute - offsetMinutes) + seconds(second)
        + milliseconds(millis);
}

std::optional<LogLevel> logLevelFromName(std::string_view name)
{
    if (name == "info")
        return LogLevel::Info;
    if (name == "warn" || name == "warning")
        return LogLevel::Warn;
    if (name == "error")
        return LogLevel::Error;
    if (name == "debug")
        return LogLevel::Debug;
    return std::nullopt;
}

QString logLevelName(LogLevel level)
{
    switch (level) {
    case LogLevel::Debug: return QStringLiteral("debug");
    case LogLevel::Info: return QStringLiteral("info");
    case LogLevel::Warn: return QStringLiteral("warn");
    case LogLevel::Error: return QStringLiteral("error");
    }
    return {};
}

Result<LogLine> parseLogLine(QByteArrayView json)
{
    if (std::optional<LogLine> line = fastLine(json))
        return std::move(*line);
    return parseLogLineWithFullParser(json);
}

Result<LogLine> parseLogLineWithFullParser(QByteArrayView json)
{
    return guarded<LogLine>(json, "GET /admin/logs/stream", [](const Json &doc) { return lineFrom(doc, {}); });
}

Result<LogGap> parseLogGap(QByteArrayView json)
{
    return guarded<LogGap>(json, "GET /admin/logs/stream", [](const Json &doc) { return gapFrom(doc, {}); });
}

Result<LogPage> parseLogPage(QByteArrayView body)
{
    return guarded<LogPage>(body, "GET /admin/logs", [](const Json &doc) {
        if (!doc.is_object())
            throw ShapeError {{}, QStringLiteral("expected an object")};
        LogPage page;
        const Json &lines = member(doc, "lines", {});
        if (!lines.is_array())
            throw ShapeError {QStringLiteral("lines"), QStringLiteral("expected an array")};
        page.lines.reserve(qsizetype(lines.size()));
        for (std::size_t i = 0; i < lines.size(); ++i) {
            page.lines.append(lineFrom(lines[i], QStringLiteral("lines[%1]").arg(i)));
            if (i > 0 && page.lines.last().id <= page.lines.at(qsizetype(i) - 1).id)
                throw ShapeError {QStringLiteral("lines[%1].id").arg(i), QStringLiteral("not in ascending order")};
        }
        page.firstId = LogId {unsignedInteger(doc, "first_id", {})};
        page.lastId = LogId {unsignedInteger(doc, "last_id", {})};
        if (const Json &gap = member(doc, "gap", {}); !gap.is_null())
            page.gap = gapFrom(gap, QStringLiteral("gap"));
        page.instance = instanceOf(doc, {}, false);
        return page;
    });
}

Result<LogInstance> parseLogInstance(QByteArrayView json)
{
    return guarded<LogInstance>(json, "GET /admin/logs/stream", [](const Json &doc) {
        if (!doc.is_object())
            throw ShapeError {{}, QStringLiteral("expected an object")};
        LogInstance event;
        event.instance = instanceOf(doc, {}, true);
        event.firstId = LogId {unsignedInteger(doc, "first_id", {})};
        event.lastId = LogId {unsignedInteger(doc, "last_id", {})};
        return event;
    });
}

} // namespace cutover::json
