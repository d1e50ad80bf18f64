#pragma once

// Request rate, error rate and p95 per service from two scrapes of a gateway's /metrics, judged
// against the SLOs: what `cutoverctl status` shows under "Traffic".

#include "client/domain.h"
#include "client/profile.h"
#include "models/slo.h"

#include <QList>
#include <QString>

#include <optional>

namespace cutover::ctl {

struct ServiceTraffic
{
    QString service;                  // empty for the total over all services
    double requests = 0;              // completed requests between the scrapes
    std::optional<double> rate;       // per second
    std::optional<double> errorRatio; // 5xx / all; none without requests
    std::optional<double> p95Ms;      // none without requests or without the histogram
    SloEvaluation slo;
};

struct TrafficReport
{
    double windowSeconds = 0;
    QList<ServiceTraffic> services;   // sorted by service name
    ServiceTraffic overall;
    bool latencyAvailable = false;    // the exposition had the duration histogram
};

// Compares two scrapes taken one after the other. Metric and label names come from the profile
// (or the defaults) with the metric names the gateway declared in GET /admin/info. Returns the
// report, or an error sentence (unknown format, parse error with its line).
struct TrafficResult
{
    std::optional<TrafficReport> report;
    QString error;
};
TrafficResult compareScrapes(const MetricsScrape &earlier, const MetricsScrape &later, const MetricNames &names,
                             const SloThresholds &thresholds);

// The SLO thresholds of a profile (the migration guide's defaults without one).
SloThresholds thresholdsFor(const std::optional<Profile> &profile);

} // namespace cutover::ctl
