#pragma once

#include "apierror.h"

#include <QtCore/QByteArrayView>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

// The typed getters and error texts shared by the JSON boundaries (jsonboundary.cpp for the admin
// API bodies, logjson.cpp for log lines): each getter either returns the member in the wanted
// type or throws ShapeError naming the member, which guarded() turns into ApiError::Malformed.
// Only for those .cpp files: nlohmann::json stays out of every other header.
namespace cutover::json::kit {

using Json = nlohmann::json;

// Thrown by the getters and by the callers' own checks; caught only by guarded().
struct ShapeError
{
    QString field;
    QString message;
};

QString qs(const std::string &s); // UTF-8

// The member's path: "key" under an empty path, else "path.key" ("$.gateway.name", "lines[3].time").
QString joined(const QString &path, const char *key);

// The member, which must exist; `obj` must be an object.
const Json &member(const Json &obj, const char *key, const QString &path);
// A string member; the reference lives as long as `obj`.
const std::string &stringRef(const Json &obj, const char *key, const QString &path);
QString string(const Json &obj, const char *key, const QString &path);
// A string member that may be null (an empty string then).
QString nullableString(const Json &obj, const char *key, const QString &path);
// Lenient: an absent or non-string member reads as empty (display-only fields).
QString optionalString(const Json &obj, const char *key);
// Absent or null: std::nullopt; otherwise a number.
std::optional<double> optionalNumber(const Json &obj, const char *key, const QString &path);
// An integer that fits an int.
int integer(const Json &obj, const char *key, const QString &path);
// A non-negative integer up to 2^64 - 1.
std::uint64_t unsignedInteger(const Json &obj, const char *key, const QString &path);
bool boolean(const Json &obj, const char *key, const QString &path);
// An array of strings; absent or null reads as empty.
QStringList strings(const Json &obj, const char *key, const QString &path);
// An array member.
const Json &array(const Json &obj, const char *key, const QString &path);

// Parses `text` and runs f on the document; a ShapeError or a JSON exception becomes an
// ApiError::Malformed for `endpoint` (with `field` set for a ShapeError), text that is not JSON
// one with `notJsonMessage`.
template<typename T, typename F>
Result<T> guarded(QByteArrayView text, const char *endpoint, const QString &notJsonMessage, F &&f)
{
    ApiError e;
    e.kind = ApiError::Kind::Malformed;
    e.endpoint = QString::fromLatin1(endpoint);
    const Json doc = Json::parse(text.begin(), text.end(), nullptr, false);
    if (doc.is_discarded()) {
        e.message = notJsonMessage;
        return e;
    }
    try {
        return f(doc);
    } catch (const ShapeError &shape) {
        e.field = shape.field;
        e.message = shape.message;
    } catch (const Json::exception &ex) {
        e.message = QString::fromUtf8(ex.what());
    }
    return e;
}

} // namespace cutover::json::kit
