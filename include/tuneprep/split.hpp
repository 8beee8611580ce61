// split: seeded train/validation assignment decided by content, not position.
#pragma once

#include <cstdint>

#include "tuneprep/dedup.hpp"

namespace tuneprep {

enum class Side : uint8_t { kTrain, kValidation };

// The side of an example (or of a whole duplicate cluster, given the cluster's hash). A hash of
// the content and the seed is mapped to [0, 1); below `val_ratio` means validation. Adding or
// removing other records never moves this one, and identical content always lands on one side.
Side assign_side(const Hash128& content, uint64_t seed, double val_ratio);

}  // namespace tuneprep
