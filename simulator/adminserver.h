#pragma once

#include "gatewaystate.h"
#include "httpio.h"
#include "logbuffer.h"
#include "metricsregistry.h"
#include "simconfig.h"
#include "trafficmodel.h"

#include <QAbstractHttpServer>
#include <QElapsedTimer>
#include <QPointer>
#include <QTimer>
#include <QUrlQuery>

#include <map>
#include <optional>

class QTcpSocket;

namespace cutover::sim {

// cutover-sim's HTTP face: the whole gateway admin API contract (docs/admin-api.md) plus the
// simulator controls, over Qt HttpServer. Responses are written straight to the connection so that
// the server can stream Server-Sent Events and, for fault injection, drop a response on purpose.
class AdminServer : public QAbstractHttpServer
{
    Q_OBJECT

public:
    explicit AdminServer(SimConfig config, QObject *parent = nullptr);

    // Listens as configured; returns false with a message on failure.
    bool start(QString *error);
    QString baseUrl() const;
    // Loads a --scenario file; returns an error message or "".
    std::string loadScenario(const std::string &json);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    struct Ctx
    {
        const QHttpServerRequest *request = nullptr;
        std::string method;
        std::string path;
        std::vector<std::string> segments;
        QUrlQuery query;
        std::string requestId;
        Identity who;
        GatewayState::Actor actor() const { return {who.subject, who.role, requestId, idempotencyKey}; }
        std::string idempotencyKey;
    };
    struct StreamClient
    {
        QPointer<QTcpSocket> socket;
        std::uint64_t lastSent = 0;
        std::int64_t lastWriteMs = 0;
    };
    struct Chaos
    {
        std::string path;
        int dropCount = 0;
        int delayCount = 0;
        int delayMs = 0;
        int failCount = 0;       // answer with failStatus instead of handling the request
        int failStatus = 503;
        int replaceCount = 0;    // handle it, but answer 200 with this body instead
        std::string replaceBody; // sent `replaceRepeat` times over, with the handled answer's Content-Type
        std::size_t replaceRepeat = 1;
    };
    struct IdempotentResult
    {
        std::string fingerprint;
        HttpResponse response;
        std::int64_t expiresMs = 0;
    };
    struct ScenarioStep
    {
        std::int64_t atMs = 0;
        std::optional<Json> fault;
        std::string clear;
    };

    HttpResponse dispatch(Ctx &ctx, QTcpSocket *socket, bool &streamStarted);
    std::optional<HttpResponse> authorize(Ctx &ctx, Role needed);
    void tick();
    void advanceTo(std::int64_t simMs);
    std::int64_t nowMs() const { return m_simNowMs; }
    void flushStreams(bool heartbeatDue);
    void startStream(Ctx &ctx, QTcpSocket *socket);
    void writeLines(StreamClient &client);

    // Endpoint handlers (adminhandlers.cpp).
    HttpResponse getInfo(Ctx &ctx);
    HttpResponse getServices(Ctx &ctx);
    HttpResponse getMetrics(Ctx &ctx);
    HttpResponse putRoute(Ctx &ctx, Route &route);
    HttpResponse putFlag(Ctx &ctx, Flag &flag);
    HttpResponse postRollback(Ctx &ctx, bool release);
    HttpResponse getAudit(Ctx &ctx);
    HttpResponse getLogs(Ctx &ctx);
    HttpResponse postFault(Ctx &ctx);
    HttpResponse postStep(Ctx &ctx);
    HttpResponse postChaos(Ctx &ctx);
    HttpResponse simState(Ctx &ctx);

    // Shared rules of every mutation: JSON object body, If-Match, reason.
    std::optional<HttpResponse> parseBody(Ctx &ctx, Json &body);
    std::optional<HttpResponse> checkIfMatch(Ctx &ctx, const std::string &version, const Json &current);
    std::optional<HttpResponse> checkReason(Ctx &ctx, const Json &body, std::string &reason);
    std::optional<Fault> faultFromJson(const Json &j, std::string &error, std::string *field = nullptr) const;

    SimConfig m_config;
    GatewayState m_state;
    MetricsRegistry m_metrics;
    LogBuffer m_logs;
    TrafficModel m_traffic;
    QElapsedTimer m_clock;
    std::int64_t m_startMs = 0;
    std::int64_t m_simNowMs = 0;
    std::int64_t m_lastHeartbeatMs = 0;
    QTimer m_timer;
    std::vector<StreamClient> m_streams;
    std::vector<Chaos> m_chaos;
    std::map<std::string, IdempotentResult> m_idempotency;
    std::vector<ScenarioStep> m_scenario;
    std::string m_instance;
    std::uint64_t m_requestCounter = 0;
};

} // namespace cutover::sim
