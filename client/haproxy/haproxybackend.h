#pragma once

// GatewayBackend for HAProxy 2.6 through its Runtime API (docs/haproxy.md).
//
// - Health and the synthesised metrics come from `show info` / `show stat`; HAProxy has no
//   latency histogram, so capabilities.percentiles is false. fetchStats() gives the typed
//   `show stat` snapshot (statuses, checks, weights, counters, 1024-request latency averages)
//   for a HAProxy-specific view.
// - Routes are a routes map (prefix → backend) plus the weights of the monolith and microservice
//   servers of each route's backend; flags are entries of a flags map.
// - Versions are hashes of what HAProxy currently holds; a change is refused with Kind::Conflict
//   when the hash moved since the caller read it.
// - HAProxy keeps no audit and forgets runtime changes on reload: every change is written to
//   Cutover's own journal (AppDataLocation/haproxy-audit/<host_port>.jsonl), and persistMaps()
//   writes the live maps back to their files (and the weights to the server-state file).

#include "client/actionrunner.h"
#include "client/gatewaybackend.h"
#include "client/haproxy/auditjournal.h"
#include "client/haproxy/haproxymodel.h"
#include "client/haproxy/persistence.h"
#include "client/haproxy/rollbackplan.h"
#include "client/haproxy/runtimeconnection.h"
#include "client/haproxy/statcsv.h"
#include "client/httpadminclient.h"

#include <QHash>
#include <QSet>
#include <QUrl>

#include <chrono>
#include <memory>

class QNetworkAccessManager;

namespace cutover {

// A HAProxy profile: url "tcp://127.0.0.1:9999" or "unix:///run/haproxy/admin.sock", with
// optional query items (docs/haproxy.md "Profile options"): routes_map, flags_map,
// monolith_backend, monolith_server, backend_prefix, ring, metrics (a PROMEX URL),
// server_state_file, actor, timeout_ms.
struct HaproxyOptions
{
    haproxy::Endpoint endpoint;
    QString routesMap;   // map file as `show map` lists it; empty: the one named routes.map
    QString flagsMap;    // likewise, flags.map
    haproxy::Conventions conventions;
    QString ring;        // sink followed for logs; empty: the first buffer ring other than buf0
    QUrl metricsUrl;     // the Prometheus exporter; empty: synthesise from `show stat`
    QString serverStateFile; // where persistMaps() writes `show servers state`; empty: not written
    QString actor;       // recorded in the journal; empty: the login name
    QString journalPath; // empty: AuditJournal::defaultPath(endpoint.fileKey())
    std::chrono::milliseconds timeout {10000};

    static Result<HaproxyOptions> fromUrl(const QUrl &url);
};

class HaproxyBackend : public GatewayBackend
{
    Q_OBJECT

public:
    // `nam` is only used for the Prometheus exporter and may be null; it is not owned.
    explicit HaproxyBackend(HaproxyOptions options, QNetworkAccessManager *nam = nullptr, QObject *parent = nullptr);
    ~HaproxyBackend() override;

    QString address() const override;
    void fetchInfo(Callback<GatewayInfo> done) override;
    void fetchWhoAmI(Callback<WhoAmI> done) override;
    void fetchHealth(Callback<HealthSnapshot> done) override;
    // The exporter's text when options().metricsUrl is set, else an exposition synthesised from
    // `show stat` in the contract's metric names (haproxymodel.h).
    void fetchMetrics(Callback<MetricsScrape> done) override;
    void fetchRoutes(Callback<RouteList> done) override;
    void setRoutePercent(const QString &routeId, int percent, const QString &expectedVersion, const QString &reason,
                         Callback<Route> done) override;
    void fetchFlags(Callback<FlagList> done) override;
    void updateFlag(const QString &name, const FlagChange &change, const QString &expectedVersion,
                    const QString &reason, Callback<Flag> done) override;
    void fetchRollback(Callback<RollbackState> done) override;
    quint64 engageRollback(const ActionRequest &request, Callback<RollbackState> done) override;
    quint64 releaseRollback(const ActionRequest &request, bool keepMonolith, Callback<RollbackState> done) override;
    void cancelAction(quint64 actionId) override;
    void fetchAudit(qint64 afterId, int limit, Callback<AuditPage> done) override;
    // The newest `limit` lines of the log ring (`show events <ring>`), numbered 1… in this page:
    // a ring has no line ids, so there is nothing to resume after (`after` is refused).
    void fetchLogs(std::optional<LogId> after, int limit, Callback<LogPage> done) override;
    // An EventStream on the profile's ring (`show events <ring> -w`).
    LogSource *createLogSource(QObject *parent) override;

    // HAProxy-specific.
    void fetchStats(Callback<HaproxyStats> done);
    void fetchPersistence(Callback<HaproxyPersistence> done);
    // Writes the live routes and flags maps to their files (comments kept) and, if configured,
    // `show servers state` to the server-state file. The files must be writable by the user
    // running Cutover, on the machine running Cutover.
    void persistMaps(const QString &reason, Callback<HaproxyPersistence> done);
    // Cutover changed HAProxy since it last persisted (from the journal; fetchPersistence() checks
    // the files themselves).
    bool hasUnpersistedChanges() const;

    const HaproxyOptions &options() const { return m_options; }
    const haproxy::AuditJournal &journal() const { return m_journal; }
    // (The rollback's engage and release are tried as GatewayBackend::setActionRetry says.)
    // A route's or a flag's change (interactive, with a version: a short budget, enough to
    // finish a change left partly applied by a lost answer).
    void setChangeRetry(RetryPolicy policy) { m_changeRetry = policy; }
    QString actor() const;

Q_SIGNALS:
    void unpersistedChangesChanged(bool unpersisted);

private:
    struct Read
    {
        haproxy::ConfigSnapshot config;
        QString level;     // "admin", "operator", "user"
        std::optional<QList<haproxy::ServerWeight>> serverState;
        QByteArray serverStateText;
    };
    using ReadDone = std::function<void(Result<Read>)>;

    // Reads HAProxy's state, then brings the journal up to date, so that model() sees both.
    void read(bool withServerState, ReadDone done);
    haproxy::Model model(const Read &read) const;
    // Brings the journal up to date (on the thread pool), then calls `then`; a journal that
    // cannot be read is logged and used as last read.
    void withJournal(std::function<void()> then);
    using Recorded = std::function<void(Result<haproxy::JournalEntry>)>;
    // Journals a change HAProxy has applied. `finalize` runs on the thread pool (see
    // AuditJournal::append).
    void record(const QString &action, const QString &target, QByteArray before, QByteArray after,
                const QString &reason, const QString &level, const QByteArray &idempotencyKey, QByteArray extra,
                std::function<void(haproxy::JournalEntry &)> finalize, Recorded done);
    // Journals a route's or flag's change that HAProxy has applied (`json` writes the item as
    // the entry's after), then answers `done` with the item as that entry leaves it.
    template<typename Item>
    void recordChange(const QString &action, const QString &target, QByteArray before, const Item &applied,
                      QByteArray (*json)(const Item &), const QString &reason, const QString &level,
                      Callback<Item> done);
    void applyMap(const QString &mapFile, const QList<QPair<QString, QString>> &entries,
                  std::function<void(std::optional<ApiError>)> done);
    void runChecked(QList<QByteArray> commands, const QString &what, std::function<void(std::optional<ApiError>)> done);

    // One flow through the ActionRunner for every planned change: a route's percentage, a flag's
    // change, the rollback's engage and release differ only in these steps and in their plan
    // (routeplan.h, flagplan.h, rollbackplan.h: make, verdict, errors). Each try reads HAProxy,
    // plans (the first time; the plan is kept for every further try), sends the plan's commands
    // unless the read shows them in, reads back and journals. After a lost answer the plan's
    // verdict on a fresh read decides: applied (journaled now), not applied, or a conflict.
    template<typename Plan, typename T>
    struct Planned
    {
        QString name; // for the runner's messages
        RetryPolicy retry;
        // Optional: the answer the journal already holds for this request (the rollback's key).
        std::function<std::optional<Result<T>>()> answered;
        std::function<Result<Plan>(const Read &)> make;
        std::function<void(const Plan &, std::function<void(std::optional<ApiError>)>)> send;
        // HAProxy holds the plan, as `read` shows: journal it and answer with what it became.
        std::function<void(const Plan &, const Read &, Callback<T>)> record;
        std::optional<Plan> plan;
    };
    template<typename Plan, typename T>
    quint64 runPlanned(Planned<Plan, T> change, Callback<T> done);
    template<typename Plan, typename T>
    void plannedTry(std::shared_ptr<Planned<Plan, T>> change, Callback<T> done);
    template<typename Plan, typename T>
    void resolvePlanned(std::shared_ptr<Planned<Plan, T>> change, std::function<void(ActionResolution<T>)> report);

    quint64 runRollback(const ActionRequest &request, bool engage, bool keepMonolith, Callback<RollbackState> done);
    // The journal's answer to a request it already holds (same key), or the refusal of one without a key.
    std::optional<Result<RollbackState>> checkKey(const ActionRequest &request, bool engage, bool keepMonolith);
    // Journals the action HAProxy now holds (`config`, read since), then answers with the state
    // as the journal describes it.
    void recordRollback(const ActionRequest &request, const haproxy::RollbackPlan &plan, const QString &level,
                        const haproxy::ConfigSnapshot &config, Callback<RollbackState> done);
    std::optional<Result<RollbackState>> replay(const ActionRequest &request, const QString &action,
                                                std::optional<bool> keepMonolith = {});

    // The files a reload reads back (the two map files and the server-state file), as read on
    // a worker thread: a hung or slow file system must not stall the console.
    struct SavedFiles
    {
        struct File
        {
            QByteArray content;
            QString error; // empty: read
        };
        std::optional<File> routes, flags, serverState;
    };
    HaproxyPersistence persistence(const Read &read, const SavedFiles &saved) const;
    void fetchPromex(Callback<MetricsScrape> done);
    void setUnpersisted(bool unpersisted);

    HaproxyOptions m_options;
    QNetworkAccessManager *m_nam;
    haproxy::RuntimeClient *m_cli;
    haproxy::AuditJournal m_journal;
    QString m_journalError; // last logged; a journal that stays unreadable is logged once
    RetryPolicy m_changeRetry {3, std::chrono::milliseconds(200), std::chrono::milliseconds(1000)};
    ActionRunner *m_runner;
    QSet<quint64> m_actions; // the runner's rollback actions under way
    bool m_unpersisted = false;
};

} // namespace cutover
