// split: maps (content hash, seed) to a uniform number in [0, 1) and compares it with the ratio.
#include "tuneprep/split.hpp"

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
