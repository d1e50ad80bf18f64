#pragma once

#include "client/prometheus/contenttype.h" // expositionFormatFromContentType(), for the parser's users
#include "client/prometheus/metricsnapshot.h"

#include <QtCore/QByteArrayView>

#include <memory>
#include <optional>
#include <span>

namespace cutover {

// Strict parser for the Prometheus text format 0.0.4 and OpenMetrics 1.0 text format.
//
// The object is meant to live as long as the scrape target and parse every scrape: it interns
// series (family + sorted label set) into small SeriesIds that stay the same across scrapes, and
// a series it has seen before costs no heap allocation (its raw bytes are hashed and compared,
// labels are only re-parsed for new series). Per-scrape output lives in reused vectors.
//
// Strictness: any syntax error, a TYPE/HELP/UNIT problem, a sample that does not fit its family,
// interleaved families, a duplicate series, a missing "# EOF" (OpenMetrics) or anything after it
// makes the whole scrape fail with the 1-based line number and a message saying what was
// expected. The parser never crashes or loops on garbage; time is linear in the input size.
//
// Not thread-safe; use one parser per target (or per worker thread).
class PrometheusParser
{
public:
    PrometheusParser();
    ~PrometheusParser();
    PrometheusParser(const PrometheusParser &) = delete;
    PrometheusParser &operator=(const PrometheusParser &) = delete;

    // Parses one complete scrape body. On success snapshot() holds the result and error() is
    // empty; on failure snapshot() is empty and error() says which line and why. Series created
    // by a failed scrape stay interned.
    bool parse(QByteArrayView data, ExpositionFormat format);

    const MetricSnapshot &snapshot() const;
    const ParseError &error() const;

    // Interned tables, valid across scrapes until reset(). Ids come from snapshot() samples.
    qsizetype familyCount() const;
    qsizetype seriesCount() const;
    const FamilyInfo &family(FamilyId id) const;
    const SeriesInfo &series(SeriesId id) const;
    MetricType type(SeriesId id) const;
    // Labels sorted by name, unescaped, empty values dropped (they mean "no such label"). The
    // span is valid until the next parse(); the string views in it until reset().
    std::span<const Label> labels(SeriesId id) const;
    std::optional<QUtf8StringView> labelValue(SeriesId id, QByteArrayView name) const;
    // All "le" bounds seen for a histogram or gaugehistogram family, ascending and unique
    // (+Inf included). Valid until the next parse().
    std::span<const double> bucketBounds(FamilyId id) const;

    // Upper bound on interned series so a target with unbounded label values cannot exhaust
    // memory: a scrape that would exceed it fails. Default 1,000,000.
    void setSeriesLimit(qsizetype limit);
    qsizetype seriesLimit() const;

    // Forgets every interned family and series; ids handed out before are invalid afterwards.
    void reset();

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace cutover
