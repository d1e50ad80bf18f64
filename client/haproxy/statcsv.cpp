#include "statcsv.h"

namespace cutover {

namespace {

ApiError malformed(const QString &endpoint, const QString &field, const QString &message)
{
    ApiError e;
    e.kind = ApiError::Kind::Malformed;
    e.endpoint = endpoint;
    e.field = field;
    e.message = message;
    return e;
}

std::optional<qint64> toInt(const QString &s)
{
    if (s.isEmpty())
        return std::nullopt;
    bool ok = false;
    const qint64 v = s.toLongLong(&ok);
    return ok ? std::optional<qint64>(v) : std::nullopt;
}

std::optional<double> toDouble(const QString &s)
{
    if (s.isEmpty())
        return std::nullopt;
    bool ok = false;
    const double v = s.toDouble(&ok);
    return ok ? std::optional<double>(v) : std::nullopt;
}

} // namespace

// --- CSV -----------------------------------------------------------------------------------

QStringList splitStatCsvLine(QByteArrayView line)
{
    QStringList fields;
    QByteArray current;
    bool quoted = false;
    bool wasQuoted = false;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < line.size() && line[i + 1] == '"') {
                    current.append('"');
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                current.append(c);
            }
        } else if (c == '"' && current.isEmpty() && !wasQuoted) {
            quoted = true;
            wasQuoted = true;
        } else if (c == ',') {
            fields.append(QString::fromUtf8(current));
            current.clear();
            wasQuoted = false;
        } else if (c != '\r') {
            current.append(c);
        }
    }
    // HAProxy ends every line with a ',': the text after it is an empty non-field.
    if (!current.isEmpty() || wasQuoted)
        fields.append(QString::fromUtf8(current));
    return fields;
}

Result<StatTable> StatTable::parse(QByteArrayView csv)
{
    StatTable t;
    const QString endpoint = QStringLiteral("show stat");
    bool header = false;
    qsizetype pos = 0;
    while (pos < csv.size()) {
        qsizetype end = csv.indexOf('\n', pos);
        if (end < 0)
            end = csv.size();
        const QByteArrayView line = csv.sliced(pos, end - pos);
        pos = end + 1;
        if (line.trimmed().isEmpty())
            continue;
        if (!header) {
            if (!line.startsWith("# "))
                return malformed(endpoint, QStringLiteral("header"),
                                 QStringLiteral("the first line is not the '# pxname,svname,…' header"));
            t.m_columns = splitStatCsvLine(line.sliced(2));
            for (int i = 0; i < t.m_columns.size(); ++i)
                t.m_index.insert(t.m_columns.at(i), i);
            for (const char *required : {"pxname", "svname"}) {
                if (!t.m_index.contains(QLatin1String(required)))
                    return malformed(endpoint, QLatin1String(required),
                                     QStringLiteral("the header has no '%1' column").arg(QLatin1String(required)));
            }
            header = true;
            continue;
        }
        t.m_rows.append(splitStatCsvLine(line));
    }
    if (!header)
        return malformed(endpoint, QStringLiteral("header"), QStringLiteral("empty answer"));
    return t;
}

QString StatTable::field(qsizetype row, const QString &column) const
{
    const auto it = m_index.constFind(column);
    if (it == m_index.constEnd() || row < 0 || row >= m_rows.size())
        return {};
    const QStringList &r = m_rows.at(row);
    return *it < r.size() ? r.at(*it) : QString();
}

// --- Rows ----------------------------------------------------------------------------------

qint64 HaproxyStatRow::totalResponses() const
{
    qint64 sum = 0;
    for (qint64 v : responses)
        sum += v;
    return sum;
}

HaproxyStatRow::State HaproxyStatRow::stateFromStatus(QStringView status)
{
    // Prefix matches: "UP 2/3", "MAINT (via be/srv)", "DOWN (agent)", "DRAIN (agent)".
    const QStringView s = status.trimmed();
    auto starts = [&](const char *p) { return s.startsWith(QLatin1String(p)); };
    const bool transition = s.contains(QLatin1Char('/')) && !s.contains(QLatin1Char('('));
    if (starts("MAINT"))
        return State::Maintenance;
    if (starts("DRAIN"))
        return State::Drain;
    if (starts("NOLB"))
        return State::NoLoadBalancing;
    if (starts("UP"))
        return transition ? State::GoingDown : State::Up;
    if (starts("DOWN"))
        return transition ? State::GoingUp : State::Down;
    if (starts("no check"))
        return State::NotChecked;
    if (starts("OPEN"))
        return State::Open;
    if (starts("STOP"))
        return State::Stopped;
    return State::Unknown;
}

QString HaproxyStatRow::typeName(Type type)
{
    switch (type) {
    case Type::Frontend: return QStringLiteral("frontend");
    case Type::Backend: return QStringLiteral("backend");
    case Type::Server: return QStringLiteral("server");
    case Type::Listener: return QStringLiteral("listener");
    }
    return {};
}

QString HaproxyStatRow::stateName(State state)
{
    switch (state) {
    case State::Up: return QStringLiteral("up");
    case State::GoingDown: return QStringLiteral("going down");
    case State::Down: return QStringLiteral("down");
    case State::GoingUp: return QStringLiteral("going up");
    case State::NoLoadBalancing: return QStringLiteral("no load balancing");
    case State::Drain: return QStringLiteral("draining");
    case State::Maintenance: return QStringLiteral("maintenance");
    case State::NotChecked: return QStringLiteral("not checked");
    case State::Open: return QStringLiteral("open");
    case State::Stopped: return QStringLiteral("stopped");
    case State::Unknown: break;
    }
    return QStringLiteral("unknown");
}

Result<QList<HaproxyStatRow>> parseShowStat(QByteArrayView csv)
{
    Result<StatTable> parsed = StatTable::parse(csv);
    if (!parsed)
        return parsed.error();
    const StatTable &t = *parsed;
    QList<HaproxyStatRow> rows;
    rows.reserve(t.rowCount());
    for (qsizetype i = 0; i < t.rowCount(); ++i) {
        auto f = [&](const char *column) { return t.field(i, QString::fromLatin1(column)); };
        auto n = [&](const char *column) { return toInt(f(column)).value_or(0); };
        HaproxyStatRow r;
        r.proxy = f("pxname");
        r.name = f("svname");
        if (r.proxy.isEmpty())
            return malformed(QStringLiteral("show stat"), QStringLiteral("pxname"),
                             QStringLiteral("line %1 has no proxy name").arg(i + 2));
        const auto type = toInt(f("type"));
        if (type && *type >= 0 && *type <= 3)
            r.type = std::array {HaproxyStatRow::Type::Frontend, HaproxyStatRow::Type::Backend,
                                 HaproxyStatRow::Type::Server, HaproxyStatRow::Type::Listener}[std::size_t(*type)];
        else if (r.name == QLatin1String("FRONTEND"))
            r.type = HaproxyStatRow::Type::Frontend;
        else if (r.name == QLatin1String("BACKEND"))
            r.type = HaproxyStatRow::Type::Backend;
        r.status = f("status");
        r.state = HaproxyStatRow::stateFromStatus(r.status);

        QString check = f("check_status");
        if (check.startsWith(QLatin1String("* "))) {
            r.checkInProgress = true;
            check.remove(0, 2);
        }
        r.checkStatus = check;
        if (const auto code = toInt(f("check_code")))
            r.checkCode = int(*code);
        r.checkDurationMs = toDouble(f("check_duration"));
        r.checkDescription = f("check_desc");
        r.lastCheck = f("last_chk");
        r.lastChangeSeconds = toInt(f("lastchg"));
        r.downtimeSeconds = toInt(f("downtime"));
        if (const auto w = toInt(f("weight")))
            r.weight = int(*w);
        if (const auto w = toInt(f("uweight")))
            r.userWeight = int(*w);
        r.address = f("addr");
        r.mode = f("mode");
        r.algorithm = f("algo");

        r.sessionsTotal = n("stot");
        r.currentSessions = n("scur");
        r.bytesIn = n("bin");
        r.bytesOut = n("bout");
        static constexpr const char *kClasses[] = {"hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "hrsp_other"};
        for (int c = 0; c < HaproxyStatRow::ResponseClassCount; ++c)
            r.responses[std::size_t(c)] = n(kClasses[c]);
        r.requestsTotal = toInt(f("req_tot"));
        r.connectionErrors = n("econ");
        r.responseErrors = n("eresp");
        r.requestErrors = n("ereq");
        r.deniedRequests = n("dreq");
        r.retries = n("wretr");
        r.redispatches = n("wredis");
        r.clientAborts = n("cli_abrt");
        r.serverAborts = n("srv_abrt");
        r.internalErrors = n("eint");
        r.queueTimeMs = toDouble(f("qtime"));
        r.connectTimeMs = toDouble(f("ctime"));
        r.responseTimeMs = toDouble(f("rtime"));
        r.totalTimeMs = toDouble(f("ttime"));
        r.queueTimeMaxMs = toDouble(f("qtime_max"));
        r.connectTimeMaxMs = toDouble(f("ctime_max"));
        r.responseTimeMaxMs = toDouble(f("rtime_max"));
        r.totalTimeMaxMs = toDouble(f("ttime_max"));
        r.sessionRate = toDouble(f("rate"));
        r.requestRate = toDouble(f("req_rate"));
        rows.append(std::move(r));
    }
    return rows;
}

Result<HaproxyInfo> parseShowInfo(QByteArrayView text)
{
    HaproxyInfo info;
    const QList<QByteArray> lines = text.toByteArray().split('\n');
    for (const QByteArray &line : lines) {
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        info.fields.insert(QString::fromUtf8(line.left(colon)).trimmed(), QString::fromUtf8(line.mid(colon + 1)).trimmed());
    }
    info.name = info.fields.value(QStringLiteral("Name"));
    info.version = info.fields.value(QStringLiteral("Version"));
    info.node = info.fields.value(QStringLiteral("node"));
    info.pid = info.fields.value(QStringLiteral("Pid"));
    info.uptimeSeconds = toInt(info.fields.value(QStringLiteral("Uptime_sec")));
    if (info.version.isEmpty())
        return malformed(QStringLiteral("show info"), QStringLiteral("Version"), QStringLiteral("no 'Version:' line"));
    return info;
}

// --- Snapshot helpers ------------------------------------------------------------------------

const HaproxyStatRow *HaproxyStats::find(const QString &proxy, const QString &name) const
{
    for (const HaproxyStatRow &r : rows) {
        if (r.proxy == proxy && r.name == name)
            return &r;
    }
    return nullptr;
}

QList<const HaproxyStatRow *> HaproxyStats::servers(const QString &proxy) const
{
    QList<const HaproxyStatRow *> out;
    for (const HaproxyStatRow &r : rows) {
        if (r.proxy == proxy && r.isServer())
            out.append(&r);
    }
    return out;
}

HealthStatus healthOf(const HaproxyStatRow &row)
{
    using S = HaproxyStatRow::State;
    switch (row.state) {
    case S::Up:
    case S::Open:
        return HealthStatus::Healthy;
    case S::GoingDown:
    case S::NoLoadBalancing:
    case S::Drain:
        return HealthStatus::Degraded;
    case S::Down:
    case S::GoingUp:
    case S::Maintenance:
    case S::Stopped:
        return HealthStatus::Unhealthy;
    case S::NotChecked:
    case S::Unknown:
        break;
    }
    return HealthStatus::Unknown;
}

QString describeHealth(const HaproxyStatRow &row)
{
    QStringList parts {row.status.isEmpty() ? QStringLiteral("no status") : row.status};
    if (row.state == HaproxyStatRow::State::Maintenance)
        parts.append(QStringLiteral("taken out of service by an operator"));
    else if (row.state == HaproxyStatRow::State::Drain)
        parts.append(QStringLiteral("draining: no new traffic"));
    if (!row.checkStatus.isEmpty()) {
        QString check = row.checkStatus;
        if (row.checkCode)
            check += QLatin1Char(' ') + QString::number(*row.checkCode);
        if (!row.checkDescription.isEmpty())
            check += QStringLiteral(" (") + row.checkDescription + QLatin1Char(')');
        if (!row.lastCheck.isEmpty() && row.lastCheck != row.checkDescription)
            check += QStringLiteral(": ") + row.lastCheck;
        if (row.checkDurationMs)
            check += QStringLiteral(" in %1 ms").arg(*row.checkDurationMs);
        parts.append(check);
    }
    if (row.lastChangeSeconds && row.type != HaproxyStatRow::Type::Frontend)
        parts.append(QStringLiteral("for %1 s").arg(*row.lastChangeSeconds));
    return parts.join(QStringLiteral(" · "));
}

} // namespace cutover
