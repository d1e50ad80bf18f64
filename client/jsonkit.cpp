#include "jsonkit.h"

#include <limits>

namespace cutover::json::kit {

QString qs(const std::string &s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

QString joined(const QString &path, const char *key)
{
    return path.isEmpty() ? QString::fromLatin1(key) : path + QLatin1Char('.') + QLatin1String(key);
}

const Json &member(const Json &obj, const char *key, const QString &path)
{
    if (!obj.is_object())
        throw ShapeError {path, QStringLiteral("expected an object")};
    const auto it = obj.find(key);
    if (it == obj.end())
        throw ShapeError {joined(path, key), QStringLiteral("missing")};
    return *it;
}

const std::string &stringRef(const Json &obj, const char *key, const QString &path)
{
    const Json &v = member(obj, key, path);
    if (!v.is_string())
        throw ShapeError {joined(path, key), QStringLiteral("expected a string")};
    return v.get_ref<const std::string &>();
}

QString string(const Json &obj, const char *key, const QString &path)
{
    return qs(stringRef(obj, key, path));
}

QString nullableString(const Json &obj, const char *key, const QString &path)
{
    if (member(obj, key, path).is_null())
        return {};
    return string(obj, key, path);
}

QString optionalString(const Json &obj, const char *key)
{
    if (!obj.is_object())
        return {};
    const auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? qs(it->get_ref<const std::string &>()) : QString();
}

std::optional<double> optionalNumber(const Json &obj, const char *key, const QString &path)
{
    if (!obj.is_object())
        throw ShapeError {path, QStringLiteral("expected an object")};
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
        return std::nullopt;
    if (!it->is_number())
        throw ShapeError {joined(path, key), QStringLiteral("expected a number")};
    return it->get<double>();
}

int integer(const Json &obj, const char *key, const QString &path)
{
    const Json &v = member(obj, key, path);
    if (!v.is_number_integer())
        throw ShapeError {joined(path, key), QStringLiteral("expected an integer")};
    // get<int>() would wrap a larger value silently.
    const bool fits = v.is_number_unsigned() ? v.get<std::uint64_t>() <= std::uint64_t(std::numeric_limits<int>::max())
                                             : v.get<std::int64_t>() >= std::numeric_limits<int>::min()
                                                   && v.get<std::int64_t>() <= std::numeric_limits<int>::max();
    if (!fits)
        throw ShapeError {joined(path, key), QStringLiteral("integer out of range")};
    return int(v.get<std::int64_t>());
}

std::uint64_t unsignedInteger(const Json &obj, const char *key, const QString &path)
{
    const Json &v = member(obj, key, path);
    if (v.is_number_unsigned())
        return v.get<std::uint64_t>();
    if (v.is_number_integer())
        throw ShapeError {joined(path, key), QStringLiteral("expected a non-negative integer")};
    throw ShapeError {joined(path, key), QStringLiteral("expected an integer")};
}

bool boolean(const Json &obj, const char *key, const QString &path)
{
    const Json &v = member(obj, key, path);
    if (!v.is_boolean())
        throw ShapeError {joined(path, key), QStringLiteral("expected true or false")};
    return v.get<bool>();
}

QStringList strings(const Json &obj, const char *key, const QString &path)
{
    QStringList out;
    if (!obj.is_object())
        throw ShapeError {path, QStringLiteral("expected an object")};
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
        return out;
    if (!it->is_array())
        throw ShapeError {joined(path, key), QStringLiteral("expected an array")};
    for (const Json &v : *it) {
        if (!v.is_string())
            throw ShapeError {joined(path, key), QStringLiteral("expected strings")};
        out << qs(v.get_ref<const std::string &>());
    }
    return out;
}

const Json &array(const Json &obj, const char *key, const QString &path)
{
    const Json &v = member(obj, key, path);
    if (!v.is_array())
        throw ShapeError {joined(path, key), QStringLiteral("expected an array")};
    return v;
}

} // namespace cutover::json::kit
