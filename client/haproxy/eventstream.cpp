#include "eventstream.h"

#include "backendsupport.h"

#include <QLocalSocket>
#include <QRegularExpression>
#include <QTcpSocket>

#include <algorithm>

namespace cutover::haproxy {

namespace {

const QRegularExpression &isoStamp()
{
    static const QRegularExpression re(QStringLiteral(R"(^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) )"));
    return re;
}

QByteArray rest(QByteArrayView line, qsizetype from)
{
    return from < line.size() ? line.sliced(from).toByteArray() : QByteArray();
}

} // namespace

RingLine splitRingLine(QByteArrayView line)
{
    RingLine r;
    if (line.endsWith('\r'))
        line.chop(1);
    qsizetype pos = 0;
    if (line.startsWith('<')) {
        const qsizetype close = line.indexOf('>');
        bool ok = false;
        const int pri = close > 1 && close < 5 ? line.sliced(1, close - 1).toByteArray().toInt(&ok) : -1;
        if (ok) {
            r.severity = pri & 7;
            pos = close + 1;
        }
    }
    QString head = QString::fromUtf8(line.sliced(pos, std::min<qsizetype>(64, line.size() - pos)));
    const bool rfc5424 = head.startsWith(QLatin1String("1 "));
    if (rfc5424)
        head = head.mid(2);
    const QRegularExpressionMatch iso = isoStamp().match(head);
    if (iso.hasMatch()) {
        r.stamp = iso.captured(1).toUtf8();
        r.time = QDateTime::fromString(iso.captured(1), Qt::ISODateWithMs).toUTC();
        pos += (rfc5424 ? 2 : 0) + iso.capturedLength(0);
        if (rfc5424) {
            // hostname app-name procid msgid structured-data
            for (int i = 0; i < 5 && pos < line.size(); ++i) {
                const qsizetype space = line.indexOf(' ', pos);
                pos = space < 0 ? line.size() : space + 1;
            }
        }
        r.message = rest(line, pos);
        return r;
    }
    // rfc3164 / local: "Nov 26 05:15:29 [host ]haproxy[123]: message"
    static const QRegularExpression bsd(QStringLiteral(R"(^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d (?:\S+ )?\S+?(?:\[\d+\])?: )"));
    const QRegularExpressionMatch m = bsd.match(head);
    if (m.hasMatch())
        pos += m.captured(0).toUtf8().size();
    r.message = rest(line, pos);
    return r;
}

LogLine toLogLine(const RingLine &line, const Conventions &c)
{
    // option httplog: %ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc
    //                 %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r
    static const QRegularExpression httplog(QStringLiteral(
        R"(^\S+:\d+ \[([^\]]+)\] (\S+) (\S+)/(\S+) -?\d+/-?\d+/-?\d+/-?\d+/\+?(-?\d+) (-?\d+) \+?-?\d+ \S+ \S+ \S+ )"
        R"(\S+ \S+ (?:\{([^}]*)\} )?(?:\{[^}]*\} )?"(\S+) (\S+))"));
    LogLine l;
    const QDateTime when = line.time.isValid() ? line.time : QDateTime::currentDateTimeUtc();
    l.time = WallTime(std::chrono::milliseconds(when.toMSecsSinceEpoch()));
    l.message = QString::fromUtf8(line.message);
    l.level = line.severity >= 0 && line.severity <= 3 ? LogLevel::Error
        : line.severity == 4                             ? LogLevel::Warn
                                                         : LogLevel::Info;
    const QRegularExpressionMatch m = httplog.match(l.message);
    if (!m.hasMatch())
        return l;
    if (!line.time.isValid()) {
        // The accept date is in HAProxy's local time.
        const QDateTime accepted = QDateTime::fromString(m.captured(1), QStringLiteral("dd/MMM/yyyy:HH:mm:ss.zzz"));
        if (accepted.isValid())
            l.time = WallTime(std::chrono::milliseconds(accepted.toMSecsSinceEpoch()));
    }
    const QString backend = m.captured(3);
    const QString server = m.captured(4);
    if (backend != c.monolithBackend)
        l.route = backend.startsWith(c.backendPrefix) ? backend.mid(c.backendPrefix.size()) : backend;
    l.upstream = backend + QLatin1Char('/') + server;
    if (!server.startsWith(QLatin1Char('<'))) {
        l.service = server;
        l.backend = server.startsWith(c.monolithServer) ? QStringLiteral("monolith") : QStringLiteral("microservice");
    }
    l.latency = Milliseconds(std::max(0, m.captured(5).toInt()));
    l.status = m.captured(6).toInt();
    const QString captured = m.captured(7).section(QLatin1Char('|'), 0, 0);
    l.userId = captured;
    l.method = m.captured(8);
    l.path = m.captured(9);
    if (l.status >= 500)
        l.level = LogLevel::Error;
    else if (l.status >= 400 && l.level == LogLevel::Info)
        l.level = LogLevel::Warn;
    return l;
}

// --- Stream --------------------------------------------------------------------------------

EventStream::EventStream(Endpoint endpoint, QString ring, QObject *parent)
    : LogSource(parent)
    , m_endpoint(std::move(endpoint))
    , m_ring(std::move(ring))
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &EventStream::connectNow);
}

EventStream::~EventStream()
{
    dropSocket();
}

ReconnectPolicy EventStream::reconnectPolicy(const Options &options)
{
    // The first failure waits twice reconnectDelay, each further one twice as long (2^10 at
    // most), up to maxBackoff.
    return ReconnectPolicy({2 * options.reconnectDelay, 2.0, options.maxBackoff, 0.0, std::chrono::milliseconds(0), 9});
}

void EventStream::start(std::optional<LogId> after)
{
    stop();
    m_reconnect = reconnectPolicy(m_options);
    m_started = false;
    m_resyncing = false;
    m_gapOnStart = after.has_value();
    if (after)
        m_nextId = std::max(m_nextId, after->value + 1);
    clearLastError();
    setState(State::Connecting);
    connectNow();
}

QString EventStream::describe() const
{
    return m_ring.isEmpty() ? QStringLiteral("HAProxy log ring at %1").arg(m_endpoint.display())
                            : QStringLiteral("HAProxy ring %1 at %2").arg(m_ring, m_endpoint.display());
}

void EventStream::emitUnknownGap()
{
    // One id for the marker, so that later lines still sort after it.
    const LogId at {m_nextId++};
    Q_EMIT gap(at, at, 0);
}

void EventStream::stop()
{
    m_retry.stop();
    dropSocket();
    if (state() != State::Stopped)
        setState(State::Stopped);
}

void EventStream::dropSocket()
{
    if (!m_socket)
        return;
    m_socket->disconnect(this);
    m_socket->deleteLater();
    m_socket = nullptr;
    m_buffer.clear();
}

void EventStream::connectNow()
{
    dropSocket();
    m_listing = m_ring.isEmpty();
    m_sawLine = false;
    if (m_endpoint.transport == Endpoint::Transport::Tcp) {
        auto *s = new QTcpSocket(this);
        m_socket = s;
        connect(s, &QTcpSocket::connected, this, &EventStream::onConnected);
        connect(s, &QTcpSocket::readyRead, this, &EventStream::onReadyRead);
        connect(s, &QTcpSocket::disconnected, this, &EventStream::onClosed);
        connect(s, &QTcpSocket::errorOccurred, this, [this, s](QAbstractSocket::SocketError err) {
            if (err == QAbstractSocket::RemoteHostClosedError)
                return; // disconnected() follows
            fail(makeError(ApiError::Kind::Unreachable, m_endpoint.display(), s->errorString()), false);
        });
        s->connectToHost(m_endpoint.host, m_endpoint.port);
    } else {
        auto *s = new QLocalSocket(this);
        m_socket = s;
        connect(s, &QLocalSocket::connected, this, &EventStream::onConnected);
        connect(s, &QLocalSocket::readyRead, this, &EventStream::onReadyRead);
        connect(s, &QLocalSocket::disconnected, this, &EventStream::onClosed);
        connect(s, &QLocalSocket::errorOccurred, this, [this, s](QLocalSocket::LocalSocketError err) {
            if (err == QLocalSocket::PeerClosedError)
                return;
            fail(makeError(err == QLocalSocket::SocketAccessError ? ApiError::Kind::Forbidden : ApiError::Kind::Unreachable,
                           m_endpoint.display(), s->errorString()),
                 err == QLocalSocket::SocketAccessError);
        });
        s->connectToServer(m_endpoint.path);
    }
}

void EventStream::onConnected()
{
    if (m_listing) {
        m_socket->write("show events\n");
        return;
    }
    // First connection: only new lines (unless backfilling). Later ones: the whole ring, minus
    // what was delivered, when lines are stamped; else from the end, with a gap.
    QByteArray flags = " -w";
    if (!m_started) {
        if (!m_options.backfill)
            flags = " -nw";
        if (m_gapOnStart)
            emitUnknownGap();
    } else if (!m_stamped) {
        flags = " -nw";
        emitUnknownGap();
    } else if (m_lastLine.isEmpty()) {
        flags = " -nw"; // nothing delivered yet: nothing to resume after
    } else {
        m_resyncing = true;
    }
    m_socket->write("show events " + cliArg(m_ring) + flags + '\n');
    m_started = true;
    m_reconnect.succeeded();
    setState(State::Streaming);
}

void EventStream::onReadyRead()
{
    m_buffer.append(m_socket->readAll());
    if (m_listing)
        return; // the listing is complete when HAProxy closes
    QList<LogLine> batch;
    qsizetype pos = 0;
    while (true) {
        const qsizetype end = m_buffer.indexOf('\n', pos);
        if (end < 0)
            break;
        const QByteArray line = m_buffer.mid(pos, end - pos);
        pos = end + 1;
        if (line.trimmed().isEmpty())
            continue;
        if (!m_sawLine && (line.startsWith("No such event sink") || line.startsWith("Permission denied"))) {
            m_buffer.clear();
            fail(makeError(line.startsWith("Permission") ? ApiError::Kind::Forbidden : ApiError::Kind::NotFound,
                           m_endpoint.display() + QStringLiteral(" «show events ") + m_ring + QStringLiteral("»"),
                           QString::fromUtf8(line)),
                 true);
            return;
        }
        m_sawLine = true;
        const RingLine parsed = splitRingLine(line);
        if (!isNew(line, parsed))
            continue;
        LogLine l = toLogLine(parsed, m_options.conventions);
        l.id = LogId {m_nextId++};
        batch.append(std::move(l));
    }
    m_buffer.remove(0, pos);
    if (!batch.isEmpty())
        Q_EMIT linesReceived(batch);
}

bool EventStream::isNew(const QByteArray &line, const RingLine &parsed)
{
    if (parsed.stamp.isEmpty()) {
        m_stamped = false;
        return true;
    }
    m_stamped = true;
    if (m_resyncing) {
        // Skip the ring up to the last line delivered; lines after it are new whatever their
        // stamps (threads may stamp a hair out of order).
        if (line == m_lastLine) {
            m_resyncing = false;
            return false;
        }
        if (parsed.stamp <= m_lastStamp)
            return false;
        // A newer line before the last one delivered showed up: that one left the ring, and
        // lines between may have gone with it.
        m_resyncing = false;
        emitUnknownGap();
    }
    m_lastStamp = std::max(m_lastStamp, parsed.stamp);
    m_lastLine = line;
    return true;
}

void EventStream::onClosed()
{
    if (m_listing) {
        const QString ring = pickRing(m_buffer, QString());
        dropSocket();
        if (ring.isEmpty()) {
            fail(makeError(ApiError::Kind::NotFound, m_endpoint.display() + QStringLiteral(" «show events»"),
                           QStringLiteral("HAProxy has no log ring; add a ring section and 'log ring@<name>' (docs/haproxy.md)")),
                 true);
            return;
        }
        m_ring = ring;
        connectNow();
        return;
    }
    // HAProxy ended `show events -w` (stats timeout) or went away: come back.
    dropSocket();
    m_resyncing = false;
    if (state() == State::Streaming) {
        setState(State::Reconnecting);
        m_retry.start(m_options.reconnectDelay);
    } else {
        fail(makeError(ApiError::Kind::Unreachable, m_endpoint.display(), QStringLiteral("HAProxy closed the connection")), false);
    }
}

void EventStream::fail(ApiError error, bool fatal)
{
    dropSocket();
    if (fatal) {
        m_retry.stop();
        setState(State::Stopped, error);
        return;
    }
    m_retry.start(m_reconnect.nextDelay());
    setState(State::Reconnecting, error);
}

} // namespace cutover::haproxy
