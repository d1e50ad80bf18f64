// Throughput of PrometheusParser on a large, realistic gateway exposition, compared with the
// cheapest possible pass over the same bytes: a memchr() newline scan. Steady state: one
// long-lived parser re-parses the same scrape, as the console does every scrape interval.
//
// Usage: bench_promparser [--routes N] [--runs N]
// Build optimised (RelWithDebInfo or Release); a Debug build measures nothing useful.
#include "client/prometheus/prometheusparser.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

using namespace cutover;

namespace {

constexpr double TargetRatio = 1.0 / 15.0;

struct Options
{
    int routes = 200;
    int runs = 7;
};

// Gateway-shaped metrics: per route a service, two backends (the strangler-fig pair), methods
// and status codes; a 13-bucket latency histogram; a few gauges.
std::string makeExposition(const Options &options, bool openMetrics)
{
    static const char *const services[] = {"orders", "billing", "catalog", "accounts", "search", "shipping"};
    static const char *const backends[] = {"legacy-monolith", "modern-svc"};
    static const char *const methods[] = {"GET", "POST", "PUT"};
    static const char *const codes[] = {"200", "201", "404", "500", "503"};
    static const char *const bounds[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
                                         "1",     "2.5",  "5",     "10",   "30",  "+Inf"};
    std::string out;
    out.reserve(size_t(options.routes) * 20000);
    unsigned long long counter = 1000;
    auto route = [](int r) { return "/api/v" + std::to_string(1 + r % 3) + "/resource" + std::to_string(r) + "/items"; };
    auto service = [&](int r) { return std::string(services[r % 6]); };

    // OpenMetrics metadata names the family, 0.0.4 metadata names the sample.
    const std::string counterFamily = openMetrics ? "gateway_requests" : "gateway_requests_total";
    out += "# TYPE " + counterFamily + " counter\n# HELP " + counterFamily + " Requests handled by the gateway.\n";
    for (int r = 0; r < options.routes; ++r) {
        for (const char *backend : backends) {
            for (const char *method : methods) {
                for (const char *code : codes) {
                    counter = counter * 6364136223846793005ULL + 1442695040888963407ULL;
                    out += "gateway_requests_total{route=\"" + route(r) + "\",service=\"" + service(r) + "\",backend=\""
                        + backend + "\",method=\"" + method + "\",code=\"" + code + "\"} "
                        + std::to_string(counter % 10000000) + "\n";
                }
            }
        }
    }
    out += "# HELP gateway_request_duration_seconds Request latency through the gateway.\n";
    out += "# TYPE gateway_request_duration_seconds histogram\n";
    for (int r = 0; r < options.routes; ++r) {
        for (const char *backend : backends) {
            for (const char *method : methods) {
                const std::string labels = "route=\"" + route(r) + "\",service=\"" + service(r) + "\",backend=\"" + backend
                    + "\",method=\"" + method + "\"";
                unsigned long long cumulative = 0;
                for (const char *le : bounds) {
                    counter = counter * 6364136223846793005ULL + 1442695040888963407ULL;
                    cumulative += counter % 5000;
                    out += "gateway_request_duration_seconds_bucket{" + labels + ",le=\"" + le + "\"} "
                        + std::to_string(cumulative) + "\n";
                }
                out += "gateway_request_duration_seconds_sum{" + labels + "} " + std::to_string(cumulative / 7) + "."
                    + std::to_string(counter % 1000) + "\n";
                out += "gateway_request_duration_seconds_count{" + labels + "} " + std::to_string(cumulative) + "\n";
            }
        }
    }
    out += "# HELP gateway_inflight_requests Requests in flight.\n# TYPE gateway_inflight_requests gauge\n";
    for (int r = 0; r < options.routes; ++r) {
        for (const char *backend : backends)
            out += "gateway_inflight_requests{route=\"" + route(r) + "\",backend=\"" + backend + "\"} "
                + std::to_string(r % 17) + "\n";
    }
    out += "# HELP gateway_backend_up Whether the backend passes health checks.\n# TYPE gateway_backend_up gauge\n";
    for (const char *backend : backends)
        out += std::string("gateway_backend_up{backend=\"") + backend + "\"} 1\n";
    out += "# HELP gateway_traffic_split_ratio Share of traffic sent to the modern backend.\n"
           "# TYPE gateway_traffic_split_ratio gauge\ngateway_traffic_split_ratio 0.35\n";
    if (openMetrics)
        out += "# EOF\n";
    return out;
}

// The same exposition with the samples of every family in reverse order: alternating it with
// the original defeats the parser's "same order as last scrape" prediction on every line, which
// bounds the steady-state cost from below (hash lookup of each series instead of one memcmp).
std::string reversedWithinFamilies(const std::string &data)
{
    std::string out;
    out.reserve(data.size());
    std::vector<std::string_view> block;
    auto flush = [&] {
        for (auto it = block.rbegin(); it != block.rend(); ++it) {
            out += *it;
            out += '\n';
        }
        block.clear();
    };
    size_t begin = 0;
    while (begin < data.size()) {
        const size_t end = data.find('\n', begin);
        const std::string_view line(data.data() + begin, end - begin);
        if (line.starts_with('#')) {
            flush();
            out += line;
            out += '\n';
        } else {
            block.push_back(line);
        }
        begin = end + 1;
    }
    flush();
    return out;
}

using Clock = std::chrono::steady_clock;

// Best of `runs` timings of `repeat` back-to-back calls, in seconds per call.
template<typename F>
double bestSeconds(int runs, int repeat, F &&work)
{
    double best = 1e30;
    for (int run = 0; run < runs; ++run) {
        const auto start = Clock::now();
        for (int i = 0; i < repeat; ++i)
            work();
        const std::chrono::duration<double> elapsed = Clock::now() - start;
        best = std::min(best, elapsed.count() / repeat);
    }
    return best;
}

size_t countLines(const std::string &data)
{
    size_t lines = 0;
    const char *p = data.data();
    const char *end = p + data.size();
    while (const void *nl = std::memchr(p, '\n', size_t(end - p))) {
        ++lines;
        p = static_cast<const char *>(nl) + 1;
    }
    return lines;
}

bool measure(const char *name, const std::string &data, ExpositionFormat format, const Options &options)
{
    PrometheusParser parser;
    const QByteArrayView bytes(data.data(), qsizetype(data.size()));
    const auto coldStart = Clock::now();
    if (!parser.parse(bytes, format)) {
        std::fprintf(stderr, "%s: parse failed: %s\n", name, qPrintable(parser.error().toString()));
        return false;
    }
    const std::chrono::duration<double, std::milli> cold = Clock::now() - coldStart;
    const size_t samples = parser.snapshot().samples().size();

    // Enough repetitions per run for ~100 ms of parsing.
    const double estimate = std::max(cold.count() / 1000.0, 1e-6);
    const int repeat = std::clamp(int(0.1 / estimate), 3, 10000);
    bool ok = true;
    const double parseSeconds = bestSeconds(options.runs, repeat, [&] { ok = parser.parse(bytes, format) && ok; });
    volatile size_t sink = 0;
    const double scanSeconds = bestSeconds(options.runs, repeat * 20, [&] { sink = sink + countLines(data); });
    if (!ok) {
        std::fprintf(stderr, "%s: a repeated parse failed\n", name);
        return false;
    }

    const std::string reversed = reversedWithinFamilies(data);
    const QByteArrayView reversedBytes(reversed.data(), qsizetype(reversed.size()));
    const double unpredictedSeconds = bestSeconds(options.runs, repeat, [&] {
                                          ok = parser.parse(reversedBytes, format) && ok;
                                          ok = parser.parse(bytes, format) && ok;
                                      })
        / 2;
    if (!ok) {
        std::fprintf(stderr, "%s: parsing the reordered exposition failed: %s\n", name,
                     qPrintable(parser.error().toString()));
        return false;
    }

    const double megabytes = double(data.size()) / 1e6;
    const double parserRate = megabytes / parseSeconds;
    const double scanRate = megabytes / scanSeconds;
    const double ratio = parserRate / scanRate;
    const bool pass = ratio >= TargetRatio;
    std::printf("%s: %.2f MB, %zu lines, %zu samples, %lld series\n", name, megabytes, countLines(data), samples,
                static_cast<long long>(parser.seriesCount()));
    std::printf("  first parse (interning every series): %.2f ms\n", cold.count());
    std::printf("  parser (steady state): %8.1f MB/s  %7.3f ms/scrape  %6.1f ns/sample\n", parserRate,
                parseSeconds * 1e3, parseSeconds * 1e9 / double(samples));
    std::printf("  parser (order changes every scrape): %8.1f MB/s  %7.3f ms/scrape  ratio 1/%.1f\n",
                megabytes / unpredictedSeconds, unpredictedSeconds * 1e3, (megabytes / scanSeconds) / (megabytes / unpredictedSeconds));
    std::printf("  memchr newline scan:   %8.1f MB/s  %7.3f ms\n", scanRate, scanSeconds * 1e3);
    std::printf("  ratio parser/memchr: 1/%.1f (target >= 1/%.0f): %s\n", 1.0 / ratio, 1.0 / TargetRatio,
                pass ? "PASS" : "FAIL");
    return pass;
}

} // namespace

int main(int argc, char **argv)
{
    Options options;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--routes") == 0)
            options.routes = std::max(1, std::atoi(argv[i + 1]));
        else if (std::strcmp(argv[i], "--runs") == 0)
            options.runs = std::max(1, std::atoi(argv[i + 1]));
    }
#ifndef NDEBUG
    std::printf("warning: assertions are enabled; build RelWithDebInfo or Release for real numbers\n");
#endif
    const bool text = measure("Prometheus text 0.0.4", makeExposition(options, false), ExpositionFormat::PrometheusText,
                              options);
    const bool om = measure("OpenMetrics 1.0", makeExposition(options, true), ExpositionFormat::OpenMetrics, options);
    std::printf("%s\n", text && om ? "PASS" : "FAIL");
    return text && om ? EXIT_SUCCESS : EXIT_FAILURE;
}
