#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cutover::sim {

// The gateway's recent access log: a ring of serialised JSON lines with monotonic ids. Lines are
// serialised once, when logged, because every stream client and backfill sends the same bytes.
class LogBuffer
{
public:
    explicit LogBuffer(std::size_t capacity);

    // Takes a JSON object `{...}` and stores it with `"id":N` as its first field; returns the id.
    std::uint64_t append(std::string json);
    std::uint64_t firstId() const { return m_size ? m_nextId - m_size : m_nextId; }
    std::uint64_t lastId() const { return m_nextId - 1; }
    std::size_t size() const { return m_size; }
    // The line with this id; only valid for firstId() <= id <= lastId().
    const std::string &line(std::uint64_t id) const { return m_lines[std::size_t(id % m_lines.size())]; }

private:
    std::vector<std::string> m_lines;
    std::size_t m_size = 0;
    std::uint64_t m_nextId = 1;
};

} // namespace cutover::sim
