#include "httpio.h"

#include <QHttpServerRequest>

namespace cutover::sim {

HttpResponse HttpResponse::json(int status, const nlohmann::json &body)
{
    HttpResponse r;
    r.status = status;
    r.body = body.dump();
    return r;
}

HttpResponse HttpResponse::error(int status, const std::string &code, const std::string &message,
                                 const std::string &requestId, const std::string &field, nlohmann::json details)
{
    return json(status, {{"error",
                          {{"status", status},
                           {"code", code},
                           {"message", message},
                           {"field", field.empty() ? nlohmann::json(nullptr) : nlohmann::json(field)},
                           {"request_id", requestId},
                           {"details", std::move(details)}}}});
}

HttpResponse &HttpResponse::header(std::string name, std::string value)
{
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
}

const char *reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 422: return "Unprocessable Content";
    case 428: return "Precondition Required";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

std::string serialize(const HttpResponse &r, const std::string &requestId, bool keepAlive)
{
    std::string out;
    out.reserve(r.body.size() + 256);
    out += "HTTP/1.1 " + std::to_string(r.status) + ' ' + reasonPhrase(r.status) + "\r\n";
    out += "Content-Type: " + r.contentType + "\r\n";
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    out += "X-Request-ID: " + requestId + "\r\n";
    out += "Cache-Control: no-store\r\n";
    out += keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
    for (const auto &[name, value] : r.headers)
        out += name + ": " + value + "\r\n";
    out += "\r\n";
    out += r.body;
    return out;
}

std::string headerValue(const QHttpServerRequest &request, const char *name)
{
    const QByteArray wanted(name);
    const auto headers = request.headers();
    for (const auto &[key, value] : headers)
        if (key.compare(wanted, Qt::CaseInsensitive) == 0)
            return value.trimmed().toStdString();
    return {};
}

} // namespace cutover::sim
