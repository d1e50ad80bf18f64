#include "client/prometheus/arena.h"

namespace cutover::prom {

void Arena::addBlock(size_t atLeast)
{
    // A value larger than a block gets a block of its own; the rest of the old one is given up.
    const size_t size = std::max(atLeast, BlockSize);
    m_blocks.emplace_back(new char[size]);
    m_next = m_blocks.back().get();
    m_left = size;
}

void Arena::clear()
{
    m_blocks.clear();
    m_next = nullptr;
    m_left = 0;
}

} // namespace cutover::prom
