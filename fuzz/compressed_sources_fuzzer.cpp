// libFuzzer target: random bytes through the gzip and zstd byte sources, declared by name or
// found by their magic bytes, with short reads. Each must end or fail with an error, within the
// bytes it may produce; a decompression bomb is cut off here, not treated as a bug.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tuneprep/io.hpp"

using namespace tuneprep;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t max_read = 1 + (data[0] & 0x1F);
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  for (Compression declared : {Compression::kGzip, Compression::kZstd, Compression::kNone}) {
    OpenResult opened = decode_input(memory_source(bytes, max_read), "fuzz", declared);
    if (!opened.source) {
      if (!opened.error || opened.error->message.empty()) std::abort();
      continue;
    }
    std::optional<IoError> error;
    char buffer[1024];
    uint64_t total = 0;
    while (size_t n = opened.source->read(buffer, 1 + (total * 31 + max_read) % sizeof buffer, error)) {
      if (n > sizeof buffer) std::abort();
      total += n;
      if (total > (16u << 20)) break;
    }
    if (error && error->message.empty()) std::abort();
    if (opened.source->raw_bytes_consumed() > bytes.size()) std::abort();
  }
  return 0;
}
