#include "client/conformance/openapischema.h"

#include <nlohmann/json.hpp>

#include <QRegularExpression>

#include <cmath>
#include <stdexcept>

namespace cutover {

using Json = nlohmann::json;

namespace {

constexpr int kMaxProblems = 20; // one broken array should not drown the report

QString q(const std::string &s) { return QString::fromStdString(s); }

// Code points of UTF-8 text: the contract counts lengths in characters, not bytes.
qsizetype codePoints(const std::string &s)
{
    qsizetype n = 0;
    for (const unsigned char c : s)
        n += (c & 0xC0) != 0x80;
    return n;
}

QString shortJson(const Json &v)
{
    std::string text = v.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (text.size() > 60)
        text = text.substr(0, 57) + "...";
    return q(text);
}

QString typeOf(const Json &v)
{
    switch (v.type()) {
    case Json::value_t::null: return QStringLiteral("null");
    case Json::value_t::boolean: return QStringLiteral("a boolean");
    case Json::value_t::string: return QStringLiteral("a string");
    case Json::value_t::array: return QStringLiteral("an array");
    case Json::value_t::object: return QStringLiteral("an object");
    case Json::value_t::number_float: return QStringLiteral("a number");
    default: return QStringLiteral("an integer");
    }
}

bool isIntegral(const Json &v)
{
    if (v.is_number_integer())
        return true;
    if (!v.is_number_float())
        return false;
    const double d = v.get<double>();
    return std::isfinite(d) && d == std::floor(d);
}

bool hasType(const Json &v, const std::string &type)
{
    if (type == "object") return v.is_object();
    if (type == "array") return v.is_array();
    if (type == "string") return v.is_string();
    if (type == "boolean") return v.is_boolean();
    if (type == "integer") return isIntegral(v);
    if (type == "number") return v.is_number();
    return true; // a type this checker does not know constrains nothing it could test
}

// The contract's time format (§2.8): RFC 3339 in UTC with exactly three fractional digits and Z.
bool isContractTime(const std::string &s)
{
    static const QRegularExpression re(QStringLiteral(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)"));
    return re.match(q(s)).hasMatch();
}

} // namespace

struct OpenApiSchema::Impl
{
    Json document;

    const Json *resolve(const std::string &ref) const
    {
        if (ref.rfind("#/", 0) != 0)
            return nullptr;
        try {
            const Json &target = document.at(Json::json_pointer(ref.substr(1)));
            return &target;
        } catch (const Json::exception &) {
            return nullptr;
        }
    }

    void check(const Json &value, const Json &schema, const QString &path, QStringList &out, int depth) const
    {
        if (out.size() >= kMaxProblems || depth > 64)
            return;
        if (!schema.is_object())
            return;
        if (const auto ref = schema.find("$ref"); ref != schema.end() && ref->is_string()) {
            const Json *target = resolve(ref->get<std::string>());
            if (!target)
                out << QStringLiteral("%1: the schema's $ref %2 does not resolve").arg(path, q(ref->get<std::string>()));
            else
                check(value, *target, path, out, depth + 1);
            return; // OpenAPI 3.0: siblings of $ref are ignored
        }
        if (value.is_null()) {
            const bool nullable = schema.value("nullable", false);
            if (!nullable && schema.contains("type"))
                out << QStringLiteral("%1: null, but the schema does not allow null").arg(path);
            return;
        }
        if (const auto all = schema.find("allOf"); all != schema.end() && all->is_array()) {
            for (const Json &s : *all)
                check(value, s, path, out, depth + 1);
        }
        if (const auto one = schema.find("oneOf"); one != schema.end() && one->is_array()) {
            int matching = 0;
            for (const Json &s : *one) {
                QStringList sub;
                check(value, s, path, sub, depth + 1);
                matching += sub.isEmpty();
            }
            if (matching != 1)
                out << QStringLiteral("%1: matches %2 of the %3 alternatives (oneOf needs exactly one)")
                           .arg(path).arg(matching).arg(one->size());
        }
        if (const auto type = schema.find("type"); type != schema.end() && type->is_string()) {
            if (!hasType(value, type->get<std::string>())) {
                const std::string t = type->get<std::string>();
                out << QStringLiteral("%1: expected %2, got %3 %4")
                           .arg(path, t == "integer" ? QStringLiteral("an integer")
                                        : t == "array" || t == "object" ? QStringLiteral("an ") + q(t)
                                                                        : QStringLiteral("a ") + q(t),
                                typeOf(value), shortJson(value));
                return;
            }
        }
        if (const auto e = schema.find("enum"); e != schema.end() && e->is_array()) {
            bool found = false;
            for (const Json &option : *e)
                found = found || option == value;
            if (!found) {
                QStringList options;
                for (const Json &option : *e)
                    options << shortJson(option);
                out << QStringLiteral("%1: %2 is not one of %3").arg(path, shortJson(value), options.join(QStringLiteral(", ")));
            }
        }
        if (value.is_number()) {
            const double v = value.get<double>();
            if (const auto m = schema.find("minimum"); m != schema.end() && m->is_number()) {
                const bool exclusive = schema.value("exclusiveMinimum", false);
                if (exclusive ? v <= m->get<double>() : v < m->get<double>())
                    out << QStringLiteral("%1: %2 is below the minimum %3%4")
                               .arg(path, shortJson(value), shortJson(*m), exclusive ? QStringLiteral(" (exclusive)") : QString());
            }
            if (const auto m = schema.find("maximum"); m != schema.end() && m->is_number() && v > m->get<double>())
                out << QStringLiteral("%1: %2 is above the maximum %3").arg(path, shortJson(value), shortJson(*m));
        }
        if (value.is_string()) {
            const std::string &s = value.get_ref<const std::string &>();
            const qsizetype n = codePoints(s);
            if (const auto m = schema.find("minLength"); m != schema.end() && m->is_number_integer() && n < m->get<qsizetype>())
                out << QStringLiteral("%1: %2 characters, fewer than %3").arg(path).arg(n).arg(m->get<qsizetype>());
            if (const auto m = schema.find("maxLength"); m != schema.end() && m->is_number_integer() && n > m->get<qsizetype>())
                out << QStringLiteral("%1: %2 characters, more than %3").arg(path).arg(n).arg(m->get<qsizetype>());
            if (const auto p = schema.find("pattern"); p != schema.end() && p->is_string()) {
                const QRegularExpression re(q(p->get<std::string>()));
                if (re.isValid() && !re.match(q(s)).hasMatch())
                    out << QStringLiteral("%1: %2 does not match %3").arg(path, shortJson(value), q(p->get<std::string>()));
            }
            if (schema.value("format", std::string()) == "date-time" && !isContractTime(s))
                out << QStringLiteral("%1: %2 is not a time in the contract's form (2026-11-26T04:38:45.123Z)")
                           .arg(path, shortJson(value));
        }
        if (value.is_array()) {
            const auto size = qsizetype(value.size());
            if (const auto m = schema.find("minItems"); m != schema.end() && m->is_number_integer() && size < m->get<qsizetype>())
                out << QStringLiteral("%1: %2 items, fewer than %3").arg(path).arg(size).arg(m->get<qsizetype>());
            if (const auto m = schema.find("maxItems"); m != schema.end() && m->is_number_integer() && size > m->get<qsizetype>())
                out << QStringLiteral("%1: %2 items, more than %3").arg(path).arg(size).arg(m->get<qsizetype>());
            if (const auto items = schema.find("items"); items != schema.end()) {
                for (qsizetype i = 0; i < size && out.size() < kMaxProblems; ++i)
                    check(value[size_t(i)], *items, QStringLiteral("%1[%2]").arg(path).arg(i), out, depth + 1);
            }
        }
        if (value.is_object()) {
            if (const auto req = schema.find("required"); req != schema.end() && req->is_array()) {
                for (const Json &name : *req) {
                    if (name.is_string() && !value.contains(name.get<std::string>()))
                        out << QStringLiteral("%1: the member \"%2\" is missing").arg(path, q(name.get<std::string>()));
                }
            }
            const auto props = schema.find("properties");
            for (auto it = value.begin(); it != value.end() && out.size() < kMaxProblems; ++it) {
                const QString sub = path + QLatin1Char('.') + q(it.key());
                if (props != schema.end() && props->is_object() && props->contains(it.key())) {
                    const Json &s = (*props)[it.key()];
                    if (!s.value("writeOnly", false))
                        check(it.value(), s, sub, out, depth + 1);
                } else if (const auto extra = schema.find("additionalProperties"); extra != schema.end() && extra->is_object()) {
                    check(it.value(), *extra, sub, out, depth + 1);
                }
                // Unknown members are allowed (§2.10), whatever additionalProperties says elsewhere.
            }
        }
    }
};

const OpenApiSchema &OpenApiSchema::adminApi()
{
    static const OpenApiSchema schema{QByteArrayView(embeddedAdminApi())};
    return schema;
}

OpenApiSchema::OpenApiSchema(QByteArrayView json) : d(std::make_unique<Impl>())
{
    d->document = Json::parse(json.begin(), json.end(), nullptr, false);
    if (d->document.is_discarded() || !d->document.is_object())
        throw std::runtime_error("the OpenAPI document is not a JSON object");
}

OpenApiSchema::~OpenApiSchema() = default;

bool OpenApiSchema::hasSchema(const QString &name) const
{
    return d->resolve("#/components/schemas/" + name.toStdString()) != nullptr;
}

QStringList OpenApiSchema::problems(QByteArrayView body, const QString &name, const QString &pointer) const
{
    QStringList out;
    const Json value = Json::parse(body.begin(), body.end(), nullptr, false);
    if (value.is_discarded())
        return {QStringLiteral("the body is not JSON")};
    const Json *schema = d->resolve("#/components/schemas/" + name.toStdString());
    if (!schema)
        return {QStringLiteral("the contract has no schema %1").arg(name)};
    const Json *part = &value;
    QString path = QStringLiteral("$");
    if (!pointer.isEmpty()) {
        try {
            part = &value.at(Json::json_pointer(pointer.toStdString()));
        } catch (const Json::exception &) {
            return {QStringLiteral("%1 is missing").arg(pointer)};
        }
        path += QString(pointer).replace(QLatin1Char('/'), QLatin1Char('.'));
    }
    d->check(*part, *schema, path, out, 0);
    return out;
}

} // namespace cutover
