#include "logbuffer.h"

namespace cutover::sim {

LogBuffer::LogBuffer(std::size_t capacity)
    : m_lines(capacity < 16 ? 16 : capacity)
{
}

std::uint64_t LogBuffer::append(std::string json)
{
    const std::uint64_t id = m_nextId++;
    // Insert the id as the first field so that clients see it without a second serialisation.
    std::string &slot = m_lines[std::size_t(id % m_lines.size())];
    slot.clear();
    slot.reserve(json.size() + 24);
    slot += "{\"id\":";
    slot += std::to_string(id);
    slot += ',';
    slot.append(json, 1, std::string::npos);
    if (m_size < m_lines.size())
        ++m_size;
    return id;
}

} // namespace cutover::sim
