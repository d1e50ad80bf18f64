#pragma once

#include <QByteArrayView>
#include <QString>
#include <QStringList>

#include <memory>

namespace cutover {

// The admin API's OpenAPI document (docs/admin-api.yaml, embedded at build time) as a validator
// for JSON bodies: does this answer have the shape of components/schemas/<name>?
//
// It understands the part of OpenAPI 3.0's schema language the contract uses: type, nullable,
// required, properties, additionalProperties, items, enum, minimum/maximum (and exclusiveMinimum),
// minLength/maxLength (in code points, as the contract counts), minItems/maxItems, pattern,
// format date-time (the contract's RFC 3339 UTC with milliseconds), allOf, oneOf and $ref. Members
// the schema does not list are accepted, as the contract's forward-compatibility rule says.
class OpenApiSchema
{
public:
    // The document this build ships.
    static const OpenApiSchema &adminApi();
    // Parses an OpenAPI document given as JSON (tests); an invalid document throws std::runtime_error.
    explicit OpenApiSchema(QByteArrayView json);
    ~OpenApiSchema();
    OpenApiSchema(const OpenApiSchema &) = delete;
    OpenApiSchema &operator=(const OpenApiSchema &) = delete;

    bool hasSchema(const QString &name) const;
    // Every way `body` (JSON text) differs from components/schemas/<name>, each as
    // "<JSON path>: <what is wrong>" ("$.routes[2].microservice_percent: 140 is above the maximum 100");
    // empty when it matches. Text that is not JSON is one problem. `pointer` (RFC 6901) picks the
    // part of the body to check, e.g. "/error/details/current".
    QStringList problems(QByteArrayView body, const QString &name, const QString &pointer = {}) const;

private:
    static const char *embeddedAdminApi(); // generated from docs/admin-api.yaml

    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace cutover
