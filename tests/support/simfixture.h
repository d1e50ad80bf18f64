#pragma once

#include "client/simprocess.h"

#include <QByteArray>
#include <QMap>
#include <QNetworkAccessManager>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <optional>

namespace cutover::test {

// One HTTP exchange, as the test saw it.
struct Reply
{
    int status = 0;           // 0 when no HTTP answer arrived (connection closed, refused, timeout)
    QByteArray body;
    QMap<QByteArray, QByteArray> headers; // lower-case names
    QString networkError;
    nlohmann::json json() const;
    QByteArray header(const char *name) const { return headers.value(QByteArray(name).toLower()); }
};

// A real cutover-sim on a free loopback port, with one token per role, and synchronous HTTP
// helpers for tests (the test's own event loop spins while waiting; never the GUI's).
class SimFixture
{
public:
    SimFixture() = default;
    ~SimFixture();

    // Starts the simulator; false (with the reason in error()) if it did not come up in time.
    bool start(const QStringList &args = {});
    void stop();
    QString error() const { return m_error; }
    QUrl url() const { return m_sim.url(); }
    QByteArray token(Role role) const { return m_sim.token(role); }
    SimProcess &process() { return m_sim; }

    using Headers = QList<QPair<QByteArray, QByteArray>>;
    Reply request(const QByteArray &method, const QString &path, std::optional<Role> role = Role::Viewer,
                  const QByteArray &body = {}, const Headers &headers = {}, int timeoutMs = 10000);
    Reply get(const QString &path, std::optional<Role> role = Role::Viewer) { return request("GET", path, role); }

    // Admin helpers for --manual-clock runs.
    bool step(double seconds);
    QByteArray metrics();
    // Current version of a resource (routes/x, flags/x, rollback), read with GET.
    QByteArray version(const QString &path);
    // Test cleanup: releases the rollback (as an operator) if it is engaged, so the next test
    // starts from a released one. False, with the reason in error(), if that did not work.
    bool releaseRollbackIfEngaged();

private:
    SimProcess m_sim;
    QNetworkAccessManager m_nam;
    QString m_error;
};

// Sum of the samples of `metric` whose labels include every label="value" pair given, read from a
// Prometheus text exposition. Deliberately simple: the tests' own check, independent of the app's parser.
double sumSamples(const QByteArray &exposition, const QByteArray &metric, const QMap<QByteArray, QByteArray> &labels = {});

} // namespace cutover::test
