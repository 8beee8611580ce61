// split: maps (content hash, seed) to a uniform number in [0, 1) and compares it with the ratio.
#include "tuneprep/split.hpp"

#include <algorithm>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace tuneprep {

Side assign_side(const Hash128& content, uint64_t seed, double val_ratio) {
  if (val_ratio <= 0.0) return Side::kTrain;
  if (val_ratio >= 1.0) return Side::kValidation;
  const uint64_t words[2] = {content.low, content.high};
  const uint64_t h = XXH3_64bits_withSeed(words, sizeof(words), seed);
  // The top 53 bits give a double in [0, 1) with every value exactly representable.
  const double u = static_cast<double>(h >> 11) * 0x1.0p-53;
  return u < val_ratio ? Side::kValidation : Side::kTrain;
}

}  // namespace tuneprep

namespace tuneprep {

Side GroupSplitter::assign(uint64_t id, const Hash128& content, uint64_t group) {
  if (id >= sides_.size()) sides_.resize(std::max<uint64_t>(id + 1, sides_.size() * 2), kUnassigned);
  Side side;
  if (group < id && sides_[group] != kUnassigned) {
    side = static_cast<Side>(sides_[group]);
  } else {
    side = assign_side(content, seed_, val_ratio_);
  }
  sides_[id] = static_cast<uint8_t>(side);
  return side;
}

std::optional<Side> GroupSplitter::side_of(uint64_t id) const {
  if (id >= sides_.size() || sides_[id] == kUnassigned) return std::nullopt;
  return static_cast<Side>(sides_[id]);
}

}  // namespace tuneprep
