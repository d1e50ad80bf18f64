// LogStore throughput on cutover-sim-shaped log lines, each figure against a baseline measured in
// the same run on the same machine:
//   (a) ingest of structured lines (LogLine -> store) in lines/s, target >= 200,000 lines/s; the
//       baseline is a naive store that keeps each line's JSON text as its own QByteArray. The
//       whole pipeline (JSON text -> parse -> store) is shown too.
//   (b) a substring filter over 1,000,000 lines against `grep -F -c` (LC_ALL=C) on the same lines'
//       searchable text written to a temporary file; target: the store at least half as fast as
//       grep. Match counts must agree.
// Best of several runs each. Usage: bench_logstore [--lines N] [--runs N]
// Build optimised (RelWithDebInfo or Release); a Debug build measures nothing useful.
#include "bench/heap.h"
#include "client/logjson.h"
#include "models/logstore.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>

using namespace cutover;
using cutover::bench::heapInUse;

namespace {

constexpr double TargetLinesPerSecond = 200000;
constexpr double TargetGrepRatio = 0.5;

struct Options
{
    qsizetype lines = 1000000;
    int runs = 5;
};

struct Route
{
    const char *id, *prefix, *service;
    double weight;
    std::vector<std::pair<const char *, const char *>> endpoints;
};

// The simulator's fleet and line format (simulator/gatewaystate.cpp, trafficmodel.cpp).
std::vector<QByteArray> makeJsonLines(qsizetype n)
{
    const std::vector<Route> routes {
        {"auth", "/api/auth", "user-service", 8, {{"POST", "/login"}, {"GET", "/me"}, {"POST", "/refresh"}}},
        {"users", "/api/users", "user-service", 12, {{"GET", "/{id}"}, {"GET", "/{id}/followers"}, {"POST", "/{id}/follow"}, {"PATCH", "/{id}"}}},
        {"posts", "/api/posts", "post-service", 30, {{"GET", "/feed/me"}, {"GET", "/{id}"}, {"POST", ""}, {"POST", "/{id}/like"}, {"DELETE", "/{id}"}}},
        {"media", "/api/media", "media-service", 14, {{"POST", "/upload"}, {"GET", "/{id}"}, {"DELETE", "/{id}"}}},
        {"payments", "/api/payments", "payment-service", 6, {{"POST", "/create"}, {"POST", "/execute"}, {"GET", "/{id}"}}},
        {"notifications", "/api/notifications", "notification-service", 10, {{"GET", ""}, {"POST", "/send"}, {"POST", "/{id}/read"}}},
    };
    double total = 0;
    std::vector<double> cumulative;
    for (const Route &r : routes)
        cumulative.push_back(total += r.weight);
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> uniform(0, 1);
    std::lognormal_distribution<double> latency(std::log(25.0), 0.6);
    std::vector<QByteArray> out;
    out.reserve(std::size_t(n));
    std::int64_t ms = 1795000000000LL;
    char buf[768];
    for (qsizetype id = 1; id <= n; ++id) {
        const double pick = uniform(rng) * total;
        const Route &r = routes[std::size_t(std::upper_bound(cumulative.begin(), cumulative.end(), pick) - cumulative.begin())];
        const auto &[method, suffix] = r.endpoints[rng() % r.endpoints.size()];
        std::string path = std::string(r.prefix) + suffix;
        if (const auto brace = path.find("{id}"); brace != std::string::npos)
            path.replace(brace, 4, std::to_string(1 + rng() % 99999));
        const bool micro = uniform(rng) < 0.5;
        double lat = latency(rng);
        const double e = uniform(rng);
        const int status = lat > 2000 ? 504 : e < 0.02 ? 500 : e < 0.03 ? 502 : e < 0.036 ? 404 : e < 0.04 ? 401
                                                                                                   : std::strcmp(method, "POST") == 0 ? 201 : 200;
        if (status == 504)
            lat = 10000;
        const char *note = status == 504 ? " (upstream timeout)" : status >= 500 ? " (upstream error)" : "";
        const char *level = status >= 500 ? "error" : status >= 400 ? "warn" : "info";
        ms += 5;
        const std::time_t secs = std::time_t(ms / 1000);
        std::tm tm {};
        gmtime_r(&secs, &tm);
        char time[96];
        std::snprintf(time, sizeof time, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, int(ms % 1000));
        const int len = std::snprintf(
            buf, sizeof buf,
            "{\"id\":%lld,\"time\":\"%s\",\"level\":\"%s\",\"service\":\"%s\",\"backend\":\"%s\",\"upstream\":\"%s\","
            "\"route\":\"%s\",\"method\":\"%s\",\"path\":\"%s\",\"status\":%d,\"latency_ms\":%.1f,"
            "\"request_id\":\"req-%016llx\",\"user_id\":\"u-%05d\",\"message\":\"%s %s %d %.1fms%s\"}",
            static_cast<long long>(id), time, level, r.service, micro ? "microservice" : "monolith",
            micro ? r.service : "monolith", r.id, method, path.c_str(), status, lat,
            static_cast<unsigned long long>(rng()), int(rng() % 5000), method, path.c_str(), status, lat, note);
        out.emplace_back(buf, len);
    }
    return out;
}

double bestOf(int runs, const std::function<void()> &setup, const std::function<void()> &timed)
{
    double best = 1e100;
    for (int i = 0; i < runs; ++i) {
        setup();
        QElapsedTimer t;
        t.start();
        timed();
        best = std::min(best, double(t.nsecsElapsed()) / 1e9);
    }
    return best;
}


QByteArray searchableText(const LogLine &l)
{
    // The fields the filter searches, tab-separated, so grep sees exactly the same bytes.
    return QStringList {l.service, l.backend, l.upstream, l.route, l.method, l.path, l.requestId, l.userId, l.message}
        .join(QLatin1Char('\t'))
        .toUtf8();
}

struct Needle
{
    const char *text;
    Qt::CaseSensitivity cs;
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    Options options;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--lines") == 0)
            options.lines = std::max<qsizetype>(1000, std::atoll(argv[i + 1]));
        else if (std::strcmp(argv[i], "--runs") == 0)
            options.runs = std::max(1, std::atoi(argv[i + 1]));
    }
    std::printf("bench_logstore: %lld lines shaped like cutover-sim's, best of %d runs\n",
                static_cast<long long>(options.lines), options.runs);

    const std::vector<QByteArray> json = makeJsonLines(options.lines);
    QList<LogLine> lines;
    lines.reserve(options.lines);
    for (const QByteArray &j : json) {
        auto line = json::parseLogLine(j);
        if (!line) {
            std::printf("generator bug: %s\n", qPrintable(line.error().describe()));
            return 2;
        }
        lines.append(std::move(line.value()));
    }
    double jsonBytes = 0;
    for (const QByteArray &j : json)
        jsonBytes += double(j.size());
    std::printf("  average line: %.0f bytes of JSON\n\n", jsonBytes / double(json.size()));
    const double n = double(options.lines);
    bool pass = true;

    // (a) Ingest.
    QList<QByteArray> naive;
    const double naiveSeconds = bestOf(options.runs, [&] { naive = {}; }, [&] {
        for (const QByteArray &j : json)
            naive.append(QByteArray(j.constData(), j.size()));
    });
    naive = {};
    std::unique_ptr<LogStore> store;
    const double storeSeconds = bestOf(options.runs, [&] { store = std::make_unique<LogStore>(); }, [&] {
        for (const LogLine &l : std::as_const(lines))
            store->append(l);
    });
    const double pipelineSeconds = bestOf(options.runs, [&] { store = std::make_unique<LogStore>(); }, [&] {
        for (const QByteArray &j : json)
            if (auto l = json::parseLogLine(j))
                store->append(*l);
    });
    const double ingestRate = n / storeSeconds;
    const bool ingestPass = ingestRate >= TargetLinesPerSecond;
    pass = pass && ingestPass;
    std::printf("(a) ingest into a LogStore (default 64 MiB budget, evicting)\n");
    std::printf("    baseline, JSON text per QByteArray: %12.0f lines/s\n", n / naiveSeconds);
    std::printf("    LogStore::append(LogLine):          %12.0f lines/s  (%.2fx baseline)  target >= %.0f: %s\n",
                ingestRate, naiveSeconds / storeSeconds, TargetLinesPerSecond, ingestPass ? "PASS" : "FAIL");
    std::printf("    JSON text -> parseLogLine -> store: %12.0f lines/s  (%.2fx baseline)  (%s the same target)\n",
                n / pipelineSeconds, naiveSeconds / pipelineSeconds,
                n / pipelineSeconds >= TargetLinesPerSecond ? "meets" : "misses");
    std::printf("    kept %lld lines in %.1f MiB (budget %.0f MiB), %.0f bytes per line\n",
                static_cast<long long>(store->size()), double(store->bytesUsed()) / 1048576.0,
                double(store->byteBudget()) / 1048576.0, double(store->bytesUsed()) / double(store->size()));
    store.reset();

    // Accounting check: what the store says it holds against what the heap grew by.
    const std::size_t heapBefore = heapInUse();
    auto big = std::make_unique<LogStore>(std::size_t(512) * 1024 * 1024);
    big->append(lines);
    const std::size_t heapGrowth = heapInUse() - heapBefore;
    if (heapBefore > 0)
        std::printf("    accounting: bytesUsed() %.1f MiB, heap growth %.1f MiB (%lld lines)\n\n",
                    double(big->bytesUsed()) / 1048576.0, double(heapGrowth) / 1048576.0,
                    static_cast<long long>(big->size()));

    // (b) Substring filter against grep -F -c on the same text.
    if (big->size() != options.lines) {
        std::printf("the 512 MiB store did not keep every line\n");
        return 2;
    }
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("lines.txt"));
    {
        QFile f(file);
        if (!f.open(QIODevice::WriteOnly))
            return 2;
        QByteArray chunk;
        for (const LogLine &l : std::as_const(lines)) {
            chunk += searchableText(l) + '\n';
            if (chunk.size() > (1 << 20)) {
                f.write(chunk);
                chunk.clear();
            }
        }
        f.write(chunk);
        std::printf("(b) substring filter over %lld lines; grep reads a %.0f MB file (page cache)\n",
                    static_cast<long long>(big->size()), double(f.size()) / 1e6);
    }
    lines = {};
    const Needle needles[] = {
        {"/api/payments/create", Qt::CaseSensitive}, {"POST", Qt::CaseSensitive},
        {"req-00ff", Qt::CaseSensitive},             {"u-04217", Qt::CaseSensitive},
        {"Upstream Error", Qt::CaseInsensitive},   {"Feed/Me", Qt::CaseInsensitive},
    };
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C"));
    for (const Needle &needle : needles) {
        LogFilter filter;
        filter.text = QString::fromUtf8(needle.text);
        filter.textCase = needle.cs;
        std::size_t storeCount = 0;
        const double storeTime = bestOf(options.runs, [] {}, [&] { storeCount = big->filter(filter).matches.size(); });
        qlonglong grepCount = -1;
        QStringList args {QStringLiteral("-F"), QStringLiteral("-c")};
        if (needle.cs == Qt::CaseInsensitive)
            args << QStringLiteral("-i");
        args << QStringLiteral("--") << filter.text << file;
        const double grepTime = bestOf(options.runs, [] {}, [&] {
            QProcess grep;
            grep.setProcessEnvironment(env);
            grep.start(QStringLiteral("grep"), args);
            grep.waitForFinished(-1);
            grepCount = grep.readAllStandardOutput().trimmed().toLongLong();
        });
        const double ratio = grepTime / storeTime;
        const bool same = grepCount == qlonglong(storeCount);
        const bool ok = same && ratio >= TargetGrepRatio;
        pass = pass && ok;
        std::printf("    %-22s %-5s store %7.1f ms, grep %7.1f ms, %8zu matches%s  speed %.2fx grep  target >= %.1fx: %s\n",
                    needle.text, needle.cs == Qt::CaseInsensitive ? "(-i)" : "", storeTime * 1e3, grepTime * 1e3, storeCount,
                    same ? "" : " (COUNTS DIFFER)", ratio, TargetGrepRatio, ok ? "PASS" : "FAIL");
    }
    std::printf("\n%s\n", pass ? "PASS" : "FAIL");
    return pass ? 0 : 1;
}
