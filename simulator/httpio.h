#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

class QHttpServerRequest;

namespace cutover::sim {

struct HttpResponse
{
    int status = 200;
    std::string body;
    std::string contentType = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;

    static HttpResponse json(int status, const nlohmann::json &body);
    // The contract's error envelope.
    static HttpResponse error(int status, const std::string &code, const std::string &message,
                              const std::string &requestId, const std::string &field = {},
                              nlohmann::json details = nlohmann::json::object());
    HttpResponse &header(std::string name, std::string value);
};

const char *reasonPhrase(int status);
// Status line, headers (with X-Request-ID and Content-Length) and body.
std::string serialize(const HttpResponse &response, const std::string &requestId, bool keepAlive);
// Case-insensitive header lookup; empty when absent.
std::string headerValue(const QHttpServerRequest &request, const char *name);

} // namespace cutover::sim
