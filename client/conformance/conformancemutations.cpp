// The --mutating half of the conformance checker: requests that change (or, on a gateway that
// gets them wrong, could change) routing. Every change it makes is a no-op on the routing (the
// same percentage, the same flag settings) or is undone (the rollback it engages is released,
// which restores every route), and each is audited under the reason "cutover conformance check".

#include "client/conformance/conformancesuite_p.h"

namespace cutover {

using namespace conformance;

namespace {

const QStringList kMutatingChecks {
    QStringLiteral("auth.forbidden"),       QStringLiteral("if-match.missing"),
    QStringLiteral("if-match.stale"),       QStringLiteral("if-match.star"),
    QStringLiteral("if-match.weak"),        QStringLiteral("reason.rules"),
    QStringLiteral("percent.rules"),        QStringLiteral("route.change"),
    QStringLiteral("flag.change"),          QStringLiteral("idempotency.key-rules"),
    QStringLiteral("rollback.engage-replay"), QStringLiteral("rollback.route-conflict"),
    QStringLiteral("rollback.release-scope"), QStringLiteral("rollback.restored"),
};

const std::string kReason = "cutover conformance check";

QByteArray body(const Json &j) { return QByteArray::fromStdString(j.dump()); }

// Percentages of every route, for the restore check.
std::map<std::string, Json> percentages(const Json &routeList)
{
    std::map<std::string, Json> out;
    if (routeList.is_object() && routeList.contains("routes") && routeList["routes"].is_array())
        for (const Json &r : routeList["routes"])
            out[str(r, "id")] = member(r, "microservice_percent");
    return out;
}

} // namespace

void ConformanceSuite::State::runMutating()
{
    const auto skipAll = [&](const QString &why) {
        for (const QString &id : kMutatingChecks)
            skip(id, why);
    };
    if (!options.mutating)
        return skipAll(QStringLiteral("read-only run: --mutating adds this check"));
    if (!info.is_object())
        return skipAll(QStringLiteral("GET /admin/info did not answer"));

    // 403: a viewer may not change anything (§2.2).
    const bool viewer = role == QLatin1String("viewer");
    const QByteArray viewerToken = viewer ? http.endpoint().token : options.viewerToken;
    const auto route = [&]() -> Json {
        const Json list = parseJson(http.get(QStringLiteral("/admin/routes")).body);
        if (list.is_object() && list.contains("routes") && list["routes"].is_array() && !list["routes"].empty())
            return list["routes"][0];
        return {};
    };
    Json target = capability("routes") ? route() : Json();
    const QString routePath = QStringLiteral("/admin/routes/") + q(str(target, "id"));
    const auto putRoute = [&](const Json &b, const QList<QPair<QByteArray, QByteArray>> &headers, const QByteArray &token = {}) {
        return http.send({"PUT", routePath, headers, body(b), true, token});
    };
    const auto current = [&]() { return parseJson(http.get(routePath).body); };
    // The route's version now: read before every request, since a gateway that wrongly applied the
    // previous one has moved it on, and a stale version would hide the next check behind a 412.
    const auto fresh = [&]() { return quoted(str(current(), "version")); };

    if (viewerToken.isEmpty()) {
        skip(QStringLiteral("auth.forbidden"), QStringLiteral("needs a viewer's token (--viewer-token-file) to check 403"));
    } else if (!target.is_object()) {
        skip(QStringLiteral("auth.forbidden"), QStringLiteral("the gateway has no route to try"));
    } else {
        const Json now = current();
        QStringList p = envelope(putRoute({{"microservice_percent", member(now, "microservice_percent")}, {"reason", kReason}},
                                          {{"If-Match", quoted(str(now, "version"))}}, viewerToken),
                                 403, "forbidden");
        verdict(QStringLiteral("auth.forbidden"), p, QStringLiteral("a viewer's route change: 403 forbidden"));
    }
    if (viewer) {
        for (const QString &id : kMutatingChecks.mid(1))
            skip(id, QStringLiteral("the token is a viewer's; these checks need an operator's"));
        return;
    }
    if (!target.is_object()) {
        for (const QString &id : kMutatingChecks.mid(1, 7))
            skip(id, QStringLiteral("the gateway serves no route to change (capabilities.routes)"));
    } else if (rollbackEngaged) {
        for (const QString &id : kMutatingChecks.mid(1, 7))
            skip(id, QStringLiteral("the rollback is engaged, so route changes are refused"));
    } else {
        Json now = current();
        const Json percent = member(now, "microservice_percent");
        const Json same {{"microservice_percent", percent}, {"reason", kReason}};

        verdict(QStringLiteral("if-match.missing"), envelope(putRoute(same, {}), 428, "precondition_required"),
                QStringLiteral("a route change without If-Match: 428"));

        const HttpExchange stale = putRoute(same, {{"If-Match", "\"conformance-stale\""}});
        QStringList p = envelope(stale, 412, "precondition_failed");
        if (stale.status == 412) {
            const Json e = parseJson(stale.body);
            if (str(member(member(e, "error"), "details"), "current_version") != str(now, "version"))
                p << QStringLiteral("details.current_version is not the route's version");
            p << schema.problems(stale.body, QStringLiteral("Route"), QStringLiteral("/error/details/current"));
        }
        verdict(QStringLiteral("if-match.stale"), p, QStringLiteral("a stale If-Match: 412 with the current route in details"));

        verdict(QStringLiteral("if-match.star"), envelope(putRoute(same, {{"If-Match", "*"}}), 428, "precondition_required"),
                QStringLiteral("If-Match: * is refused with 428 (1.1)"));
        verdict(QStringLiteral("if-match.weak"), envelope(putRoute(same, {{"If-Match", "W/" + fresh()}}), 412, "precondition_failed"),
                QStringLiteral("a weak If-Match never matches: 412 (1.1)"));

        // Reasons (§2.6): blank, too long and missing are refused; 500 code points are not too long.
        p.clear();
        std::string tooLong, longest;
        for (int i = 0; i < 501; ++i)
            tooLong += "\xC3\xA9"; // é: one code point, two bytes
        for (int i = 0; i < 500; ++i)
            longest += "\xF0\x9F\x9A\x80"; // 🚀: one code point, four bytes
        for (const Json &reason : {Json("  \t "), Json(tooLong), Json(nullptr)})
            p << envelope(putRoute({{"microservice_percent", percent}, {"reason", reason}}, {{"If-Match", fresh()}}), 422,
                          "validation_failed", "reason");
        p << envelope(putRoute({{"microservice_percent", percent}}, {{"If-Match", fresh()}}), 422, "validation_failed", "reason");
        const HttpExchange ok = putRoute({{"microservice_percent", percent}, {"reason", longest}}, {{"If-Match", fresh()}});
        if (ok.status != 200)
            p << QStringLiteral("a reason of 500 emoji (500 code points) was refused: %1").arg(answered(ok));
        verdict(QStringLiteral("reason.rules"), p, QStringLiteral("blank, missing and 501-character reasons: 422; 500 code points pass"));

        // Percentages (§2.11): integral numbers only; 25.0 is 25.
        p.clear();
        for (const Json &bad : {Json(25.5), Json("25"), Json(true), Json(101), Json(-1)})
            p << envelope(putRoute({{"microservice_percent", bad}, {"reason", kReason}}, {{"If-Match", fresh()}}),
                          422, "validation_failed", "microservice_percent");
        if (percent.is_number_integer()) {
            const HttpExchange asFloat = putRoute({{"microservice_percent", double(percent.get<qint64>())}, {"reason", kReason}},
                                                  {{"If-Match", fresh()}});
            const Json answer = parseJson(asFloat.body);
            if (asFloat.status != 200)
                p << QStringLiteral("%1.0 was refused (1.1: it means %1): %2").arg(percent.get<qint64>()).arg(answered(asFloat));
            else if (!answer.is_object() || !member(answer, "microservice_percent").is_number_integer()
                     || answer["microservice_percent"] != percent)
                p << QStringLiteral("%1.0 was not stored and sent back as the integer %1").arg(percent.get<qint64>());
        }
        verdict(QStringLiteral("percent.rules"), p, QStringLiteral("25.5, \"25\", true, 101, -1: 422; an integral float is accepted"));

        // A no-op change, matched through an If-Match list, with a member the contract does not
        // know (servers ignore it, §2.10), and its audit entry.
        now = current();
        const qint64 auditBefore = integer(parseJson(http.get(QStringLiteral("/admin/audit?limit=1")).body), "latest_id").value_or(0);
        const QByteArray rid = conformanceRequestId().toLatin1();
        const HttpExchange change = putRoute({{"microservice_percent", percent}, {"reason", kReason}, {"conformance_extra_member", true}},
                                             {{"If-Match", "\"conformance-stale\", " + quoted(str(now, "version"))}, {"X-Request-ID", rid}});
        p = shape(change, QStringLiteral("PUT ") + routePath, QStringLiteral("Route"));
        const Json changed = parseJson(change.body);
        if (change.status == 200) {
            if (str(changed, "version") == str(now, "version"))
                p << QStringLiteral("a change that sets the same percentage must still make a new version (§4.10)");
            if (change.header("ETag") != quoted(str(changed, "version")))
                p << QStringLiteral("ETag is not the new version");
            if (capability("audit")) {
                const Json page = parseJson(http.get(QStringLiteral("/admin/audit?after=%1&limit=50").arg(auditBefore)).body);
                bool found = false;
                if (page.is_object() && page.contains("entries") && page["entries"].is_array())
                    for (const Json &e : page["entries"])
                        if (str(e, "request_id") == rid.toStdString()) {
                            found = true;
                            if (str(e, "action") != "route.update" || q(str(e, "actor")) != subject || str(e, "reason") != kReason
                                || str(e, "target") != "routes/" + str(target, "id"))
                                p << QStringLiteral("the audit entry does not say route.update, routes/%1, actor %2 and the reason")
                                         .arg(q(str(target, "id")), subject);
                        }
                if (!found)
                    p << QStringLiteral("no audit entry carries the change's request id %1").arg(QString::fromLatin1(rid));
            }
        }
        verdict(QStringLiteral("route.change"), p,
                QStringLiteral("a no-op change through an If-Match list: a new version, the ETag and one audit entry"));
    }

    // A flag set to what it is, then `description: null` (1.1: refused).
    if (!capability("flags") || !flags.is_object() || !flags.contains("flags") || !flags["flags"].is_array() || flags["flags"].empty()) {
        skip(QStringLiteral("flag.change"), QStringLiteral("the gateway serves no flag to change"));
    } else {
        const QString path = QStringLiteral("/admin/flags/") + q(str(flags["flags"][0], "name"));
        const Json now = parseJson(http.get(path).body);
        const Json same {{"enabled", member(now, "enabled")}, {"rollout_percent", member(now, "rollout_percent")},
                         {"allow_users", member(now, "allow_users")}, {"reason", kReason}};
        const HttpExchange x = http.send({"PUT", path, {{"If-Match", quoted(str(now, "version"))}}, body(same), true, {}});
        QStringList p = shape(x, QStringLiteral("PUT ") + path, QStringLiteral("Flag"));
        const Json after = parseJson(x.body);
        if (x.status == 200 && member(after, "description") != member(now, "description"))
            p << QStringLiteral("omitting description changed it (§4.13: omitted keeps it)");
        Json withNull = same;
        withNull["description"] = nullptr;
        p << envelope(http.send({"PUT", path, {{"If-Match", quoted(str(after, "version"))}}, body(withNull), true, {}}), 422,
                      "validation_failed", "description");
        verdict(QStringLiteral("flag.change"), p, QStringLiteral("a flag set to its own settings keeps its description; null is 422"));
    }

    runRollbackChecks();
}

void ConformanceSuite::State::runRollbackChecks()
{
    const QStringList ids = kMutatingChecks.mid(9);
    if (!capability("rollback")) {
        for (const QString &id : ids)
            skip(id, QStringLiteral("the gateway does not serve the rollback (capabilities.rollback)"));
        return;
    }
    Json state = parseJson(http.get(QStringLiteral("/admin/rollback")).body);
    if (!state.is_object() || boolean(state, "engaged").value_or(true)) {
        for (const QString &id : ids)
            skip(id, QStringLiteral("the rollback is engaged (or unreadable): the checker never releases a rollback it did not engage"));
        return;
    }
    const auto post = [&](const QString &path, const Json &b, const QList<QPair<QByteArray, QByteArray>> &headers) {
        return http.send({"POST", path, headers, body(b), true, {}});
    };
    const QString engagePath = QStringLiteral("/admin/rollback"), releasePath = QStringLiteral("/admin/rollback/release");
    const Json engageBody {{"reason", kReason}};

    QStringList p;
    const QByteArray versionBefore = quoted(str(state, "version"));
    p << envelope(post(engagePath, engageBody, {{"If-Match", versionBefore}}), 400, "bad_request", "Idempotency-Key");
    p << envelope(post(engagePath, engageBody, {{"If-Match", versionBefore}, {"Idempotency-Key", QByteArray(256, 'k')}}), 400, "bad_request",
                  "Idempotency-Key");
    // A gateway that wrongly engaged for one of those is released again, by this checker's own key.
    const Json afterRefusals = parseJson(http.get(QStringLiteral("/admin/rollback")).body);
    if (boolean(afterRefusals, "engaged").value_or(false)) {
        p << QStringLiteral("the rollback was engaged by a request that had to be refused; released again");
        post(QStringLiteral("/admin/rollback/release"), {{"reason", kReason}},
             {{"If-Match", quoted(str(afterRefusals, "version"))},
              {"Idempotency-Key", "conformance-cleanup-" + QUuid::createUuid().toByteArray(QUuid::WithoutBraces)}});
        state = parseJson(http.get(QStringLiteral("/admin/rollback")).body);
    }
    verdict(ids[0], p, QStringLiteral("no key and a 256-character key: 400 with field Idempotency-Key"));
    const QByteArray version = quoted(str(state, "version"));

    const std::map<std::string, Json> before = percentages(parseJson(http.get(QStringLiteral("/admin/routes")).body));
    const qint64 auditBefore = integer(parseJson(http.get(QStringLiteral("/admin/audit?limit=1")).body), "latest_id").value_or(0);
    const QByteArray key = "conformance-" + QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
    const HttpExchange engaged = post(engagePath, engageBody, {{"If-Match", version}, {"Idempotency-Key", key}});
    p = shape(engaged, QStringLiteral("POST /admin/rollback"), QStringLiteral("RollbackState"));
    const Json first = parseJson(engaged.body);
    if (engaged.status != 200) {
        verdict(ids[1], p, {});
        for (const QString &id : ids.mid(2))
            skip(id, QStringLiteral("the engage was refused"));
        return;
    }
    if (!boolean(first, "engaged").value_or(false))
        p << QStringLiteral("the answer does not say engaged");
    // The same key and body again, with the now stale If-Match: the first answer, replayed (§2.7).
    const HttpExchange replay = post(engagePath, engageBody, {{"If-Match", version}, {"Idempotency-Key", key}});
    if (replay.status != 200 || parseJson(replay.body) != first)
        p << QStringLiteral("the same key and body did not replay the first answer: %1").arg(answered(replay));
    else if (replay.header("Idempotent-Replayed").trimmed().toLower() != "true")
        p << QStringLiteral("the replay has no Idempotent-Replayed: true");
    p << envelope(post(engagePath, {{"reason", kReason + " (another body)"}}, {{"If-Match", version}, {"Idempotency-Key", key}}), 422,
                  "idempotency_key_reused", "Idempotency-Key");
    verdict(ids[1], p, QStringLiteral("engage, its replay with the stale If-Match, and the key reused with another body: 422"));

    // While engaged, route changes are refused (§4.10).
    const Json list = parseJson(http.get(QStringLiteral("/admin/routes")).body);
    if (list.is_object() && list.contains("routes") && list["routes"].is_array() && !list["routes"].empty()) {
        const Json r = list["routes"][0];
        verdict(ids[2],
                envelope(http.send({"PUT", QStringLiteral("/admin/routes/") + q(str(r, "id")), {{"If-Match", quoted(str(r, "version"))}},
                                    body({{"microservice_percent", 0}, {"reason", kReason}}), true, {}}),
                         409, "conflict"),
                QStringLiteral("a route change while the rollback is engaged: 409 conflict"));
    } else {
        skip(ids[2], QStringLiteral("the gateway has no route to try"));
    }

    // The release with the SAME key string: a different method and path, so a different key (1.1).
    state = parseJson(http.get(QStringLiteral("/admin/rollback")).body);
    const Json releaseBody {{"reason", kReason}};
    const HttpExchange released = post(releasePath, releaseBody, {{"If-Match", quoted(str(state, "version"))}, {"Idempotency-Key", key}});
    p = shape(released, QStringLiteral("POST /admin/rollback/release"), QStringLiteral("RollbackState"));
    if (released.status == 200 && boolean(parseJson(released.body), "engaged").value_or(true))
        p << QStringLiteral("the answer still says engaged");
    if (released.status == 200) {
        const HttpExchange again = post(releasePath, releaseBody, {{"If-Match", quoted(str(state, "version"))}, {"Idempotency-Key", key}});
        if (again.status != 200 || again.header("Idempotent-Replayed").trimmed().toLower() != "true")
            p << QStringLiteral("the release's replay was not the first answer with Idempotent-Replayed: true (%1)").arg(answered(again));
    } else {
        // Leave the gateway as found: release with a key of its own.
        const Json s = parseJson(http.get(QStringLiteral("/admin/rollback")).body);
        post(releasePath, releaseBody, {{"If-Match", quoted(str(s, "version"))}, {"Idempotency-Key", key + "-cleanup"}});
    }
    verdict(ids[3], p, QStringLiteral("the engage's key string on the release is a new request (scope: method and path), and replays"));

    // Every route is back, and the audit has one engage and one release for this key.
    p.clear();
    const std::map<std::string, Json> after = percentages(parseJson(http.get(QStringLiteral("/admin/routes")).body));
    if (after != before)
        p << QStringLiteral("the routes' percentages after the release differ from before the engage");
    if (capability("audit")) {
        const Json page = parseJson(http.get(QStringLiteral("/admin/audit?after=%1&limit=50").arg(auditBefore)).body);
        int engages = 0, releases = 0;
        if (page.is_object() && page.contains("entries") && page["entries"].is_array())
            for (const Json &e : page["entries"])
                if (member(e, "idempotency_key") == key.toStdString()) {
                    engages += str(e, "action") == "rollback.engage";
                    releases += str(e, "action") == "rollback.release";
                }
        if (engages != 1 || releases != 1)
            p << QStringLiteral("the audit has %1 engage and %2 release entries for the key, expected one each (replays are not audited)")
                     .arg(engages).arg(releases);
    }
    verdict(ids[4], p, QStringLiteral("the release restored every route; one audit entry per action, none per replay"));
}

} // namespace cutover
