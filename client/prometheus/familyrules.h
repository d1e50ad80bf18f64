#pragma once

#include "client/prometheus/metricsnapshot.h"

#include <optional>
#include <span>
#include <string_view>

// Which sample names a metric family of each TYPE may have, in each format.
namespace cutover::prom {

struct SuffixRule
{
    std::string_view suffix;
    SampleKind kind;
};

// The suffixes (with the kind of sample each names) allowed for a family of this type, e.g. a
// 0.0.4 counter: "" (Total); an OpenMetrics counter: "_total" (Total), "_created" (Created).
std::span<const SuffixRule> suffixRules(MetricType type, bool openMetrics);

// Every suffix any type uses, for telling "foo_bucket" of family "foo" from a family of its own.
inline constexpr std::string_view kKnownSuffixes[] = {"_total", "_created", "_bucket", "_count",
                                                      "_sum",   "_gcount",  "_gsum",   "_info"};

// The TYPE keyword as the format spells it ("untyped" in 0.0.4, "unknown" in OpenMetrics).
QString typeName(MetricType type, bool openMetrics);

// The type a TYPE line names; std::nullopt for a keyword the format does not know.
std::optional<MetricType> parseType(const char *p, size_t n, bool openMetrics);

} // namespace cutover::prom
