// tokenizer: the mergeable-rank table of one encoding (token bytes <-> rank) as a flat
// open-addressing hash map, loaded from the .tiktoken text format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <xxhash.h>

namespace tuneprep::detail {

inline constexpr uint32_t kNoRank = UINT32_MAX;

class RankTable {
 public:
  // Parses "<base64> <rank>\n" lines (ranks must be 0, 1, 2, ... in order). Returns false with a
  // message on malformed data.
  bool load(std::string_view tiktoken_text, std::string& error);

  uint32_t find(const uint8_t* p, size_t len) const {
    if (len == 2) return pair_rank_[static_cast<size_t>(p[0]) << 8 | p[1]];
    if (len == 0 || len > kMaxTokenBytes) return kNoRank;
    const uint64_t key = key_of(p, len);
    for (uint64_t slot = index_of(key, len);; slot = (slot + 1) & mask_) {
      const Slot& s = slots_[slot];
      if (s.meta == 0) return kNoRank;
      if (s.key == key && (s.meta & 0xFF) == len &&
          (len <= 8 || std::memcmp(bytes_.data() + (s.meta >> 8), p, len) == 0)) {
        return s.rank;
      }
    }
  }

  size_t size() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  std::string_view bytes_of(uint32_t rank) const {
    return std::string_view(bytes_).substr(offsets_[rank], offsets_[rank + 1] - offsets_[rank]);
  }

  // The longest token in cl100k_base and o200k_base has 128 bytes; the slot layout allows 255.
  static constexpr size_t kMaxTokenBytes = 255;

 private:
  // Up to 8 bytes are packed into the key itself, so short tokens (most lookups) compare without
  // touching the byte store; longer ones store a hash and are verified with memcmp.
  static uint64_t key_of(const uint8_t* p, size_t len) {
    if (len >= 4) {
      if (len > 8) return XXH3_64bits(p, len);
      uint32_t lo, hi;  // two overlapping 4-byte loads cover 4..8 bytes exactly
      std::memcpy(&lo, p, 4);
      std::memcpy(&hi, p + len - 4, 4);
      return static_cast<uint64_t>(lo) | static_cast<uint64_t>(hi) << (8 * (len - 4));
    }
    return static_cast<uint64_t>(p[0]) | static_cast<uint64_t>(p[len / 2]) << (8 * (len / 2)) |
           static_cast<uint64_t>(p[len - 1]) << (8 * (len - 1));
  }
  uint64_t index_of(uint64_t key, size_t len) const {
    return ((key + len) * 0x9E3779B97F4A7C15ull) >> shift_;
  }

  struct Slot {
    uint64_t key = 0;
    uint32_t rank = 0;
    uint32_t meta = 0;  // byte offset << 8 | length; 0 marks an empty slot
  };
  std::vector<Slot> slots_;
  // Every merge starts from byte pairs: their ranks sit in a direct 64 Ki table (256 KiB).
  std::vector<uint32_t> pair_rank_;
  uint64_t mask_ = 0;
  int shift_ = 64;
  std::string bytes_;              // every token's bytes, in rank order
  std::vector<uint32_t> offsets_;  // token r is bytes_[offsets_[r], offsets_[r + 1])
};

}  // namespace tuneprep::detail
