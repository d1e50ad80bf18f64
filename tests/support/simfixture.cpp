#include "simfixture.h"

#include <QEventLoop>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTimer>

namespace cutover::test {

nlohmann::json Reply::json() const
{
    return nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
}

SimFixture::~SimFixture()
{
    stop();
}

bool SimFixture::start(const QStringList &args)
{
    QSignalSpy ready(&m_sim, &SimProcess::ready);
    QSignalSpy failed(&m_sim, &SimProcess::failed);
    m_sim.start(args);
    for (int i = 0; i < 100 && ready.isEmpty() && failed.isEmpty(); ++i)
        ready.wait(100);
    if (!ready.isEmpty())
        return true;
    m_error = failed.isEmpty() ? QStringLiteral("cutover-sim did not report a port within 10 s: ") + m_sim.errorOutput()
                               : failed.first().first().toString();
    return false;
}

void SimFixture::stop()
{
    m_sim.stop();
}

Reply SimFixture::request(const QByteArray &method, const QString &path, std::optional<Role> role,
                          const QByteArray &body, const Headers &headers, int timeoutMs)
{
    QUrl url = m_sim.url();
    const int q = path.indexOf(QLatin1Char('?'));
    url.setPath(q < 0 ? path : path.left(q));
    if (q >= 0)
        url.setQuery(path.mid(q + 1));
    QNetworkRequest req(url);
    req.setTransferTimeout(timeoutMs);
    if (role)
        req.setRawHeader("Authorization", "Bearer " + m_sim.token(*role));
    if (!body.isEmpty())
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    for (const auto &[name, value] : headers)
        req.setRawHeader(name, value);
    QNetworkReply *reply = m_nam.sendCustomRequest(req, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs + 2000, &loop, &QEventLoop::quit);
    if (!reply->isFinished())
        loop.exec();
    Reply out;
    out.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    out.body = reply->readAll();
    for (const auto &[name, value] : reply->rawHeaderPairs())
        out.headers.insert(name.toLower(), value);
    if (reply->error() != QNetworkReply::NoError)
        out.networkError = reply->errorString();
    if (!reply->isFinished())
        reply->abort();
    reply->deleteLater();
    return out;
}

bool SimFixture::step(double seconds)
{
    return request("POST", QStringLiteral("/sim/step"), Role::Admin,
                   "{\"seconds\":" + QByteArray::number(seconds) + '}')
               .status
        == 200;
}

QByteArray SimFixture::metrics()
{
    return get(QStringLiteral("/metrics")).body;
}

QByteArray SimFixture::version(const QString &path)
{
    const auto j = get(QStringLiteral("/admin/") + path).json();
    return j.is_object() && j.contains("version") ? QByteArray::fromStdString(j["version"].get<std::string>()) : QByteArray();
}

bool SimFixture::releaseRollbackIfEngaged()
{
    const Reply state = get(QStringLiteral("/admin/rollback"));
    const auto j = state.json();
    if (!j.is_object() || !j.contains("engaged") || !j["engaged"].is_boolean()) {
        m_error = QStringLiteral("GET /admin/rollback gave no rollback state (HTTP %1)").arg(state.status);
        return false;
    }
    if (!j["engaged"].get<bool>())
        return true;
    const QByteArray v = version(QStringLiteral("rollback"));
    const Reply released = request("POST", QStringLiteral("/admin/rollback/release"), Role::Operator,
                                   R"({"reason":"test cleanup"})",
                                   {{"If-Match", '"' + v + '"'}, {"Idempotency-Key", "cleanup-" + v}});
    if (released.status != 200) {
        m_error = QStringLiteral("releasing the rollback in cleanup gave HTTP %1").arg(released.status);
        return false;
    }
    return true;
}

double sumSamples(const QByteArray &exposition, const QByteArray &metric, const QMap<QByteArray, QByteArray> &labels)
{
    double sum = 0;
    for (const QByteArray &line : exposition.split('\n')) {
        if (!line.startsWith(metric) || line.size() <= metric.size())
            continue;
        const char next = line.at(metric.size());
        if (next != '{' && next != ' ')
            continue;
        bool all = true;
        for (auto it = labels.begin(); it != labels.end() && all; ++it)
            all = line.contains(QByteArray(it.key() + "=\"" + it.value() + '"'));
        if (!all)
            continue;
        sum += line.mid(line.lastIndexOf(' ') + 1).toDouble();
    }
    return sum;
}

} // namespace cutover::test
