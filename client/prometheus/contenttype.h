#pragma once

#include "client/prometheus/metricsnapshot.h"

#include <QtCore/QByteArrayView>

#include <optional>

namespace cutover {

// Maps a Content-Type header value to the exposition format:
//   application/openmetrics-text (version 1.0.0, 0.0.1 or none)  -> OpenMetrics
//   text/plain (version 0.0.4 or none)                          -> PrometheusText
// Anything else (protobuf, HTML error pages, other versions, a charset other than UTF-8) gives
// std::nullopt; Prometheus itself falls back to PrometheusText for an empty header.
std::optional<ExpositionFormat> expositionFormatFromContentType(QByteArrayView contentType);

} // namespace cutover
