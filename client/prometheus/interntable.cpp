#include "client/prometheus/interntable.h"

#include <cstring>

namespace cutover::prom {
namespace {

inline quint64 finalMix(quint64 h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

} // namespace

quint64 hashBytes(const char *p, size_t n, quint64 seed)
{
    quint64 h = seed ^ (n * 0x9E3779B97F4A7C15ULL);
    // Two independent lanes per 16 bytes keep the multiplier pipeline busy.
    quint64 h2 = seed + 0x632BE59BD9B4E019ULL;
    while (n >= 16) {
        quint64 a;
        quint64 b;
        std::memcpy(&a, p, 8);
        std::memcpy(&b, p + 8, 8);
        h = (h ^ a) * 0xbf58476d1ce4e5b9ULL;
        h2 = (h2 ^ b) * 0x94d049bb133111ebULL;
        h ^= h >> 29;
        h2 ^= h2 >> 32;
        p += 16;
        n -= 16;
    }
    h ^= h2 * 0x9E3779B97F4A7C15ULL;
    if (n >= 8) {
        quint64 a;
        std::memcpy(&a, p, 8);
        h = (h ^ a) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    if (n > 0) {
        quint64 a = 0;
        std::memcpy(&a, p, n);
        h = (h ^ a) * 0x94d049bb133111ebULL;
    }
    return finalMix(h);
}

void InternTable::insert(quint64 hash, quint32 value)
{
    if (m_hashes.size() <= value)
        m_hashes.resize(size_t(value) + 1);
    m_hashes[value] = hash;
    if ((m_size + 1) * 2 > m_slots.size())
        grow();
    place(hash, value);
    ++m_size;
}

void InternTable::clear()
{
    m_slots.clear();
    m_hashes.clear();
    m_mask = 0;
    m_size = 0;
}

void InternTable::place(quint64 hash, quint32 value)
{
    size_t i = size_t(hash) & m_mask;
    while (m_slots[i].value != NoIndex)
        i = (i + 1) & m_mask;
    m_slots[i] = Slot{quint32(hash >> 32), value};
}

void InternTable::grow()
{
    std::vector<Slot> old;
    old.swap(m_slots);
    const size_t capacity = old.empty() ? 64 : old.size() * 2;
    m_slots.assign(capacity, Slot{});
    m_mask = capacity - 1;
    for (const Slot &slot : old) {
        if (slot.value != NoIndex)
            place(m_hashes[slot.value], slot.value);
    }
}

} // namespace cutover::prom
