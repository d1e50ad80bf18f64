#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <vector>

namespace cutover::prom {

// Append-only byte storage whose blocks never move, so views into it stay valid until clear().
// Interned names, series keys and label views of PrometheusParser point into it.
class Arena
{
public:
    // Copies n bytes and returns where they now live (stable until clear()).
    const char *store(const char *p, size_t n)
    {
        if (n > m_left)
            addBlock(n);
        char *out = m_next;
        if (n > 0)
            std::memcpy(out, p, n);
        m_next += n;
        m_left -= n;
        return out;
    }
    void clear();
    size_t blockCount() const { return m_blocks.size(); }

    static constexpr size_t BlockSize = 64 * 1024;

private:
    void addBlock(size_t atLeast);

    std::vector<std::unique_ptr<char[]>> m_blocks;
    char *m_next = nullptr;
    size_t m_left = 0;
};

} // namespace cutover::prom
