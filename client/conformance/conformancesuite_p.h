#pragma once

// The conformance checker's shared state and helpers, for the files that hold its checks
// (conformancesuite.cpp: read-only; conformancemutations.cpp: --mutating).

#include "client/conformance/conformancesuite.h"
#include "client/conformance/openapischema.h"
#include "client/ssedecoder.h"

#include <nlohmann/json.hpp>

#include <QUuid>

#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cutover {

namespace conformance {

using Json = nlohmann::json;
using Status = ConformanceResult::Status;

using namespace std::chrono_literals;

inline QString q(const std::string &s) { return QString::fromStdString(s); }

inline Json parseJson(const QByteArray &body)
{
    return Json::parse(body.begin(), body.end(), nullptr, false);
}

inline std::string str(const Json &j, const char *key)
{
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A member of an object, or null (also when `j` is not an object): never throws.
inline Json member(const Json &j, const char *key)
{
    if (!j.is_object())
        return nullptr;
    const auto it = j.find(key);
    return it == j.end() ? Json(nullptr) : *it;
}

inline std::optional<bool> boolean(const Json &j, const char *key)
{
    const Json v = member(j, key);
    return v.is_boolean() ? std::optional<bool>(v.get<bool>()) : std::nullopt;
}

inline std::optional<qint64> integer(const Json &j, const char *key)
{
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer())
        return std::nullopt;
    return it->get<qint64>();
}

// "HTTP 500" or "no answer (Connection refused)": how an unexpected exchange is described.
inline QString answered(const HttpExchange &x)
{
    if (!x.answered())
        return QStringLiteral("no answer (%1)").arg(x.error);
    QString body = QString::fromUtf8(x.body.left(120)).simplified();
    if (x.body.size() > 120)
        body += QStringLiteral("…");
    return QStringLiteral("HTTP %1 %2").arg(x.status).arg(body);
}

inline QByteArray quoted(const std::string &version) { return '"' + QByteArray::fromStdString(version) + '"'; }

inline QString conformanceRequestId() { return QStringLiteral("conformance-") + QUuid::createUuid().toString(QUuid::Id128).left(16); }

// The contract's request_duration_seconds bounds (§5.2), +Inf included.
inline const std::vector<double> kBuckets {0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10, INFINITY};


} // namespace conformance

struct ConformanceSuite::State
{
    using Json = conformance::Json;
    using Status = conformance::Status;

    const ConformanceHttp &http;
    Options options;
    const OpenApiSchema &schema = OpenApiSchema::adminApi();
    std::function<void(const ConformanceResult &)> report;

    Json info;
    QString instance;
    QString role;
    QString subject;
    Json routes; // GET /admin/routes, when it answered
    Json flags;
    bool rollbackEngaged = false;

    State(const ConformanceHttp &h, Options o) : http(h), options(std::move(o)) {}

    void pass(const QString &id, const QString &detail) { report({id, Status::Pass, detail}); }
    void fail(const QString &id, const QString &detail) { report({id, Status::Fail, detail}); }
    void skip(const QString &id, const QString &why) { report({id, Status::Skip, why}); }
    void verdict(const QString &id, const QStringList &problems, const QString &ok);

    bool capability(const char *name) const;

    QString metricName(const char *contractName) const;

    // The error envelope of §2.4, with this status, code and (when given) field.
    QStringList envelope(const HttpExchange &x, int status, const char *code,
                         std::optional<const char *> field = std::nullopt) const;

    QStringList shape(const HttpExchange &x, const QString &what, const QString &schemaName) const;

    // ---- read-only checks ----

    bool checkInfo();

    void checkAuth();

    void checkWhoAmI();

    void checkRequestIds();

    void checkErrors();

    void checkHealth();

    // A list endpoint, then each item by its key, with ETag = the quoted version.
    void checkResources(const char *capabilityName, const QString &id, const QString &listPath, const char *member,
                        const char *key, const QString &listSchema, const QString &itemSchema, Json &keep);

    void checkRollbackRead();

    void checkAudit();

    struct LogBuffer
    {
        qint64 first = 0;
        qint64 last = 0;
        bool ok = false;
    };

    LogBuffer checkLogs();

    struct StreamRead
    {
        HttpExchange exchange;
        QByteArray firstLine;
        QList<SseEvent> events;
    };

    StreamRead readStream(const QByteArray &lastEventId, int wantLogEvents, std::chrono::milliseconds limit) const;

    void checkStream(const LogBuffer &buffer);

    void checkMetrics();

    void runReadOnly();

    void runMutating();
    void runRollbackChecks();
};

} // namespace cutover
