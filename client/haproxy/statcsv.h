#pragma once

// `show stat` (CSV, management.txt §9.1) and `show info` as plain types. Columns are found by the
// names in the "# pxname,svname,…" header, never by position: HAProxy only guarantees the order of
// the fields before the "-" column, and versions add fields.

#include "client/apierror.h"
#include "client/domain.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <array>
#include <chrono>
#include <optional>

namespace cutover {

// One line of `show stat`: a frontend, a backend, a server or a listener.
struct HaproxyStatRow
{
    enum class Type { Frontend, Backend, Server, Listener };
    // The status column, normalised (HAProxy prints e.g. "UP 1/3", "MAINT (via be/srv)").
    enum class State { Up, GoingDown, Down, GoingUp, NoLoadBalancing, Drain, Maintenance, NotChecked, Open, Stopped, Unknown };
    enum ResponseClass { Hrsp1xx, Hrsp2xx, Hrsp3xx, Hrsp4xx, Hrsp5xx, HrspOther, ResponseClassCount };

    QString proxy;             // pxname
    QString name;              // svname: FRONTEND, BACKEND or the server's name
    Type type = Type::Server;
    QString status;            // as printed
    State state = State::Unknown;

    // Health checks (servers).
    QString checkStatus;       // L7OK, L4CON, … without the "* " of a check in progress
    bool checkInProgress = false;
    std::optional<int> checkCode;
    std::optional<double> checkDurationMs;
    QString checkDescription;  // check_desc, e.g. "Layer7 check passed"
    QString lastCheck;         // last_chk: what the last check saw
    std::optional<qint64> lastChangeSeconds; // lastchg: seconds since the last UP<->DOWN change
    std::optional<qint64> downtimeSeconds;

    std::optional<int> weight;     // effective weight
    std::optional<int> userWeight; // uweight: the weight `set weight` sets
    QString address;               // addr (servers)
    QString mode;                  // http, tcp
    QString algorithm;             // algo (backends)

    // Counters since start (or since `clear counters`).
    qint64 sessionsTotal = 0;
    qint64 currentSessions = 0;
    qint64 bytesIn = 0;
    qint64 bytesOut = 0;
    std::array<qint64, ResponseClassCount> responses {};
    std::optional<qint64> requestsTotal; // req_tot: frontends and backends only
    qint64 connectionErrors = 0;         // econ
    qint64 responseErrors = 0;           // eresp
    qint64 requestErrors = 0;            // ereq
    qint64 deniedRequests = 0;           // dreq
    qint64 retries = 0;                  // wretr
    qint64 redispatches = 0;             // wredis
    qint64 clientAborts = 0;             // cli_abrt
    qint64 serverAborts = 0;             // srv_abrt
    qint64 internalErrors = 0;           // eint

    // Moving averages over the last 1024 requests, and maxima (ms). HAProxy keeps no histogram,
    // so there are no percentiles.
    std::optional<double> queueTimeMs, connectTimeMs, responseTimeMs, totalTimeMs;
    std::optional<double> queueTimeMaxMs, connectTimeMaxMs, responseTimeMaxMs, totalTimeMaxMs;
    std::optional<double> sessionRate;   // rate: sessions over the last second
    std::optional<double> requestRate;   // req_rate (frontends)

    qint64 totalResponses() const;
    bool isServer() const { return type == Type::Server; }

    static State stateFromStatus(QStringView status);
    static QString typeName(Type type);
    static QString stateName(State state);
};

// What `show info` says about the process.
struct HaproxyInfo
{
    QString name;      // "HAProxy"
    QString version;   // "2.6.12-1+deb12u4"
    QString node;
    QString pid;
    std::optional<qint64> uptimeSeconds;
    QMap<QString, QString> fields; // every "Key: value" line
};

// A snapshot of `show info` and `show stat`: what a HAProxy-specific view shows (statuses, check
// results, weights, counters, latency averages).
struct HaproxyStats
{
    QDateTime readAt; // UTC
    std::optional<Milliseconds> cliLatency; // how long the Runtime API took to answer
    HaproxyInfo info;
    QList<HaproxyStatRow> rows;

    const HaproxyStatRow *find(const QString &proxy, const QString &name) const;
    QList<const HaproxyStatRow *> servers(const QString &proxy) const;
};

// A parsed `show stat` CSV: the header's column names and each line's fields, as printed.
class StatTable
{
public:
    static Result<StatTable> parse(QByteArrayView csv);

    const QStringList &columns() const { return m_columns; }
    qsizetype rowCount() const { return m_rows.size(); }
    // The field of `column` in row `row`; empty when the column does not exist.
    QString field(qsizetype row, const QString &column) const;
    bool hasColumn(const QString &column) const { return m_index.contains(column); }

private:
    QStringList m_columns;
    QHash<QString, int> m_index;
    QList<QStringList> m_rows;
};

// Splits one CSV line as HAProxy writes it: fields quoted with '"' only when needed, '"' doubled
// inside quotes, a trailing ',' after the last field.
QStringList splitStatCsvLine(QByteArrayView line);

Result<QList<HaproxyStatRow>> parseShowStat(QByteArrayView csv);
Result<HaproxyInfo> parseShowInfo(QByteArrayView text);

// Health words for a row: UP → healthy; UP going down, DRAIN, NOLB → degraded; DOWN, MAINT,
// STOP → unhealthy; "no check" → unknown (served, but nothing checks it).
HealthStatus healthOf(const HaproxyStatRow &row);
// "DOWN · L4CON Connection refused in 1 ms · for 12 s" and the like.
QString describeHealth(const HaproxyStatRow &row);

} // namespace cutover
