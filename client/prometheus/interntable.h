#pragma once

#include <QtCore/qglobal.h>

#include <cstddef>
#include <limits>
#include <vector>

namespace cutover::prom {

constexpr quint32 NoIndex = std::numeric_limits<quint32>::max();

// Multiply-xorshift over 8-byte words: only used for table lookups, keyed with a per-parser
// random seed so that crafted label values cannot force collisions.
quint64 hashBytes(const char *p, size_t n, quint64 seed);

// Open-addressing hash set of indices keyed by a 64-bit hash; the caller compares the key
// bytes, which live in the records the indices point to.
class InternTable
{
public:
    // The value whose hash matches and for which equal(value) holds, or NoIndex.
    template<typename Equal>
    quint32 find(quint64 hash, Equal &&equal) const
    {
        if (m_slots.empty())
            return NoIndex;
        const auto tag = quint32(hash >> 32);
        for (size_t i = size_t(hash) & m_mask;; i = (i + 1) & m_mask) {
            const Slot &slot = m_slots[i];
            if (slot.value == NoIndex)
                return NoIndex;
            if (slot.tag == tag && equal(slot.value))
                return slot.value;
        }
    }
    // Values are dense record indices 0, 1, 2, ... in insertion order.
    void insert(quint64 hash, quint32 value);
    void clear();
    size_t size() const { return m_size; }
    size_t capacity() const { return m_slots.size(); }

private:
    // 8 bytes per slot: the upper hash half filters compares, the lower half picks the slot
    // (and is recomputed from the records on growth).
    struct Slot
    {
        quint32 tag = 0;
        quint32 value = NoIndex;
    };
    void place(quint64 hash, quint32 value);
    void grow();

    std::vector<Slot> m_slots;
    std::vector<quint64> m_hashes; // full hash by value, only read when growing
    size_t m_mask = 0;
    size_t m_size = 0;
};

} // namespace cutover::prom
