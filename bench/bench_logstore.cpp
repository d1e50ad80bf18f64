// LogStore throughput on cutover-sim-shaped log lines, each figure against a baseline measured in
// the same run on the same machine:
//   (a) ingest of structured lines (LogLine -> store) in lines/s, target >= 200,000 lines/s; the
//       baseline is a naive store that keeps each line's JSON text as its own QByteArray. The
//       whole pipeline (JSON text -> parse -> store) is shown too.
//   (b) a substring filter over 1,000,000 lines against `grep -F -c` (LC_ALL=C) on the same lines'
//       searchable text written to a temporary file; target: the store at least half as fast as
//       grep. Match counts must agree.
//   (c) a regular-expression filter (PCRE2, per field) against `grep -E -c` on the same file, no
//       target (the GUI's side of it is bench_gui --filter); and the same filter as the log view
//       runs it, a LogScan over a snapshot on the thread pool in steps, against the direct call.
// The lines are tests/support/syntheticlog's, as cutover-sim sends them (JSON).
// Best of several runs each. Usage: bench_logstore [--lines N] [--runs N]
// Build optimised (RelWithDebInfo or Release); a Debug build measures nothing useful.
#include "bench/heap.h"
#include "client/logjson.h"
#include "models/logscan.h"
#include "models/logstore.h"
#include "tests/support/syntheticlog.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
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

std::vector<QByteArray> makeJsonLines(qsizetype n)
{
    std::vector<QByteArray> out;
    out.reserve(std::size_t(n));
    for (quint64 id = 1; id <= quint64(n); ++id)
        out.push_back(test::syntheticLogJson(test::syntheticLogLine(id)));
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

// grep's count of lines in `file` matching `args`, and how long the best of `runs` took.
std::pair<qlonglong, double> runGrep(int runs, QStringList args, const QString &file)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C"));
    args << file;
    qlonglong count = -1;
    const double seconds = bestOf(runs, [] {}, [&] {
        QProcess grep;
        grep.setProcessEnvironment(env);
        grep.start(QStringLiteral("grep"), args);
        grep.waitForFinished(-1);
        count = grep.readAllStandardOutput().trimmed().toLongLong();
    });
    return {count, seconds};
}

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
        {"/api/payments/12", Qt::CaseSensitive}, {"POST", Qt::CaseSensitive},
        {"req-00ff", Qt::CaseSensitive},         {"u-04217", Qt::CaseSensitive},
        {"Upstream Error", Qt::CaseInsensitive}, {"Users/9", Qt::CaseInsensitive},
    };
    for (const Needle &needle : needles) {
        LogFilter filter;
        filter.text = QString::fromUtf8(needle.text);
        filter.textCase = needle.cs;
        std::size_t storeCount = 0;
        const double storeTime = bestOf(options.runs, [] {}, [&] { storeCount = big->filter(filter).matches.size(); });
        QStringList args {QStringLiteral("-F"), QStringLiteral("-c")};
        if (needle.cs == Qt::CaseInsensitive)
            args << QStringLiteral("-i");
        args << QStringLiteral("--") << filter.text;
        const auto [grepCount, grepTime] = runGrep(options.runs, args, file);
        const double ratio = grepTime / storeTime;
        const bool same = grepCount == qlonglong(storeCount);
        const bool ok = same && ratio >= TargetGrepRatio;
        pass = pass && ok;
        std::printf("    %-22s %-5s store %7.1f ms, grep %7.1f ms, %8zu matches%s  speed %.2fx grep  target >= %.1fx: %s\n",
                    needle.text, needle.cs == Qt::CaseInsensitive ? "(-i)" : "", storeTime * 1e3, grepTime * 1e3, storeCount,
                    same ? "" : " (COUNTS DIFFER)", ratio, TargetGrepRatio, ok ? "PASS" : "FAIL");
    }

    // (c) Regular expressions: none of them can span two fields (no tab, no anchor), so grep's
    // count over the tab-joined text must be the store's.
    std::printf("(c) regular-expression filter over %lld lines (PCRE2 per field) against grep -E -c\n",
                static_cast<long long>(big->size()));
    const Needle patterns[] = {
        {"/api/(media|payments)/9[0-9]+ (200|404)", Qt::CaseSensitive},
        {"upstream (error|timeout)", Qt::CaseInsensitive},
        {"u-0[0-9]{3}7", Qt::CaseSensitive},
    };
    for (const Needle &pattern : patterns) {
        LogFilter filter;
        filter.pattern = QString::fromUtf8(pattern.text);
        filter.patternCase = pattern.cs;
        std::size_t storeCount = 0;
        const double storeTime = bestOf(options.runs, [] {}, [&] { storeCount = big->filter(filter).matches.size(); });
        // As the log view runs it: a LogScan over a snapshot, on the pool, results through the event loop.
        std::size_t scanCount = 0;
        const double scanTime = bestOf(options.runs, [&] { scanCount = 0; }, [&] {
            LogScan scan(big->snapshot(), filter, big->firstSeq(), big->endSeq());
            QEventLoop loop;
            QObject::connect(&scan, &LogScan::batchReady, &loop,
                             [&](const std::vector<quint64> &m) { scanCount += m.size(); });
            QObject::connect(&scan, &LogScan::finished, &loop, &QEventLoop::quit);
            scan.start();
            loop.exec();
        });
        QStringList args {QStringLiteral("-E"), QStringLiteral("-c")};
        if (pattern.cs == Qt::CaseInsensitive)
            args << QStringLiteral("-i");
        args << QStringLiteral("--") << filter.pattern;
        const auto [grepCount, grepTime] = runGrep(options.runs, args, file);
        const bool same = grepCount == qlonglong(storeCount) && scanCount == storeCount;
        pass = pass && same;
        std::printf("    %-42s %-5s store %7.1f ms, as a LogScan %7.1f ms (%.2fx), grep -E %7.1f ms, %8zu matches%s  "
                    "speed %.2fx grep\n",
                    pattern.text, pattern.cs == Qt::CaseInsensitive ? "(-i)" : "", storeTime * 1e3, scanTime * 1e3,
                    scanTime / storeTime, grepTime * 1e3, storeCount, same ? "" : " (COUNTS DIFFER)", grepTime / storeTime);
    }
    std::printf("\n%s\n", pass ? "PASS" : "FAIL");
    return pass ? 0 : 1;
}
