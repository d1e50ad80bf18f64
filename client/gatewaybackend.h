#pragma once

#include "apierror.h"
#include "domain.h"

#include <QObject>

#include <functional>

namespace cutover {

// What the UI and the CLI ask of a gateway, whatever it is (our admin API contract, HAProxy, …).
// Calls are asynchronous; each callback runs once on the backend's thread, and never after the
// backend is destroyed. Capabilities (GatewayInfo) say which calls a backend cannot answer.
class GatewayBackend : public QObject
{
    Q_OBJECT

public:
    template<typename T>
    using Callback = std::function<void(Result<T>)>;

    using QObject::QObject;
    ~GatewayBackend() override = default;

    // Where this backend points, for display ("http://127.0.0.1:8080").
    virtual QString address() const = 0;

    virtual void fetchInfo(Callback<GatewayInfo> done) = 0;
    virtual void fetchWhoAmI(Callback<WhoAmI> done) = 0;
    virtual void fetchHealth(Callback<HealthSnapshot> done) = 0;
};

} // namespace cutover
