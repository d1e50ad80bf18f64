#include "client/prometheus/metricsnapshot.h"

namespace cutover {

QString ParseError::toString() const
{
    if (!isError())
        return QString();
    return QStringLiteral("line %1, column %2: %3").arg(line).arg(column).arg(message);
}

std::span<const Sample> MetricSnapshot::samples(const Family &family) const
{
    if (family.sampleBegin > family.sampleEnd || family.sampleEnd > m_samples.size())
        return {};
    return std::span<const Sample>(m_samples).subspan(family.sampleBegin,
                                                      family.sampleEnd - family.sampleBegin);
}

std::span<const Label> MetricSnapshot::exemplarLabels(const Exemplar &exemplar) const
{
    if (exemplar.labelBegin > m_exemplarLabels.size()
        || exemplar.labelCount > m_exemplarLabels.size() - exemplar.labelBegin)
        return {};
    return std::span<const Label>(m_exemplarLabels).subspan(exemplar.labelBegin, exemplar.labelCount);
}

void MetricSnapshot::clear()
{
    // clear() keeps the capacity: the next scrape refills the same buffers.
    m_families.clear();
    m_samples.clear();
    m_exemplars.clear();
    m_exemplarLabels.clear();
    m_exemplarText.clear();
}

} // namespace cutover
