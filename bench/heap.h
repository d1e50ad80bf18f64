#pragma once

// Bytes the C allocator has handed out and not had back (glibc's mallinfo2): what the program
// holds, as opposed to the resident memory the allocator keeps from the system. 0 elsewhere.

#include <cstddef>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace cutover::bench {

inline std::size_t heapInUse()
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
    const struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
#else
    return 0;
#endif
}

} // namespace cutover::bench
