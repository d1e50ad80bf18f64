#pragma once

#include <QString>

#include <utility>
#include <variant>

namespace cutover {

// Everything that can go wrong talking to a gateway, as a value the UI can explain.
struct ApiError
{
    enum class Kind {
        Unreachable,     // connection refused, DNS, reset before any answer
        Timeout,         // no bytes for the transfer timeout
        Tls,             // certificate or handshake failure
        Unauthorized,    // 401
        Forbidden,       // 403
        NotFound,        // 404
        Conflict,        // 409 or 412: someone else changed it
        Validation,      // 422 (field names the offending field)
        PreconditionRequired, // 428
        Server,          // 5xx
        Malformed,       // a body we could not understand (endpoint and field say where)
        Http,            // any other HTTP status
        Cancelled,
        OutcomeUnknown,  // a change was sent, its answer lost, and reading back could not tell
    };

    Kind kind = Kind::Unreachable;
    int httpStatus = 0;
    QString code;      // the contract's error code, when the gateway sent one
    QString message;   // one human sentence
    QString field;     // for Validation / Malformed
    QString endpoint;  // e.g. "GET /admin/routes"
    QString requestId; // X-Request-ID of the failed exchange
    QByteArray details; // the envelope's "details" as JSON text (e.g. the current resource on a 412)
    // A change (PUT/POST) whose request may have reached the gateway but whose answer was lost
    // (reset, cut-off or unreadable 2xx body, timeout): it may have been applied. Never a failure
    // to report as such; read the target back (client/readback.h) to decide.
    bool answerLost = false;

    // Worth another try with the same request: the gateway may not have seen or answered it, or
    // is still working on the first copy of an action (409 idempotency_in_progress: the retry
    // with the same key then gets the first answer).
    bool isTransient() const
    {
        return kind == Kind::Unreachable || kind == Kind::Timeout || kind == Kind::Server
            || (kind == Kind::Conflict && code == QLatin1String("idempotency_in_progress"));
    }

    // "403 forbidden on GET /admin/routes: ... (request req-…)", one line: the gateway's parts
    // are rendered with inertText() (models/displaytext.h); the members keep them exact.
    QString describe() const;
    static QString kindName(Kind kind);
};

// A value or an ApiError: what every backend call returns.
template<typename T>
class Result
{
public:
    Result(T value) : m_v(std::move(value)) {}
    Result(ApiError error) : m_v(std::move(error)) {}

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }
    const T &value() const { return std::get<0>(m_v); }
    T &value() { return std::get<0>(m_v); }
    const T &operator*() const { return value(); }
    const T *operator->() const { return &value(); }
    const ApiError &error() const { return std::get<1>(m_v); }

private:
    std::variant<T, ApiError> m_v;
};

} // namespace cutover
