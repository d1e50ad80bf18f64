#include "client/prometheus/contenttype.h"

#include "client/prometheus/numbers.h"

#include <string_view>

namespace cutover {
namespace {

using prom::equalsIgnoreCase;

std::string_view trimmed(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

bool equalsAsciiIgnoreCase(std::string_view a, std::string_view lower)
{
    return equalsIgnoreCase(a.data(), a.data() + a.size(), lower);
}

} // namespace

std::optional<ExpositionFormat> expositionFormatFromContentType(QByteArrayView contentType)
{
    std::string_view rest(contentType.data(), size_t(contentType.size()));
    const size_t semicolon = rest.find(';');
    const std::string_view mediaType = trimmed(rest.substr(0, semicolon));
    rest = semicolon == std::string_view::npos ? std::string_view() : rest.substr(semicolon + 1);

    std::optional<ExpositionFormat> format;
    if (equalsAsciiIgnoreCase(mediaType, "application/openmetrics-text"))
        format = ExpositionFormat::OpenMetrics;
    else if (equalsAsciiIgnoreCase(mediaType, "text/plain"))
        format = ExpositionFormat::PrometheusText;
    else
        return std::nullopt;

    while (!rest.empty()) {
        const size_t next = rest.find(';');
        const std::string_view parameter = trimmed(rest.substr(0, next));
        rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
        const size_t equals = parameter.find('=');
        if (equals == std::string_view::npos)
            continue;
        const std::string_view key = trimmed(parameter.substr(0, equals));
        std::string_view value = trimmed(parameter.substr(equals + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = value.substr(1, value.size() - 2);
        if (equalsAsciiIgnoreCase(key, "version")) {
            const bool known = *format == ExpositionFormat::OpenMetrics ? (value == "1.0.0" || value == "0.0.1")
                                                                        : value == "0.0.4";
            if (!known)
                return std::nullopt;
        } else if (equalsAsciiIgnoreCase(key, "charset")) {
            if (!equalsAsciiIgnoreCase(value, "utf-8") && !equalsAsciiIgnoreCase(value, "utf8"))
                return std::nullopt;
        }
    }
    return format;
}

} // namespace cutover
