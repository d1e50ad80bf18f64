// libFuzzer entry point for SseDecoder. The first bytes of each input choose where the rest is cut
// into pieces; the decoder fed in pieces must agree with itself fed at once and with the naive
// reading of the spec in sse_oracle.h. Any crash, sanitizer report, hang or disagreement is a
// finding.
#include "sse_oracle.h"

#include <cstddef>
#include <cstdint>

using namespace cutover;

namespace {

[[noreturn]] void finding()
{
    __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // Up to 8 cut points, one byte each (scaled to the input), then the stream itself.
    const size_t header = size > 0 ? std::min<size_t>(data[0] % 9, size - 1) + 1 : 0;
    const QByteArray stream(reinterpret_cast<const char *>(data) + header, qsizetype(size - header));
    std::vector<qsizetype> cuts;
    for (size_t i = 1; i < header; ++i)
        cuts.push_back(qsizetype(data[i]) * (stream.size() + 1) / 256);
    std::sort(cuts.begin(), cuts.end());

    const test::SseTrace expected = test::oracleDecode(stream);
    if (test::decoderDecode(stream, {}) != expected)
        finding();
    if (test::decoderDecode(stream, cuts) != expected)
        finding();
    // An empty event type would show up as a mismatch above (the oracle writes "message"); an
    // event type may itself start with '|', so the trace cannot be checked for that. Ids never
    // hold a NUL, whatever came in.
    if (expected.lastEventId.contains('\0'))
        finding();
    return 0;
}
