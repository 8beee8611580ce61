// split: seeded train/validation assignment decided by content, not position, and kept whole per
// group (duplicate cluster or same-prompt group) so that no group straddles train and validation.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tuneprep/dedup.hpp"

namespace tuneprep {

enum class Side : uint8_t { kTrain, kValidation };

// The side of an example (or of a whole duplicate cluster, given the cluster's hash). A hash of
// the content and the seed is mapped to [0, 1); below `val_ratio` means validation. Adding or
// removing other records never moves this one, and identical content always lands on one side.
Side assign_side(const Hash128& content, uint64_t seed, double val_ratio);

// Assigns sides to records that arrive in increasing id order, each naming the group it belongs
// to by the id of the group's first record. The first record of a group gets the side of its own
// content hash (so a record alone in its group lands exactly where assign_side puts it); every
// later member gets the side of its group's first record. A group therefore never straddles the
// split. Memory: one byte per id up to the largest id assigned.
class GroupSplitter {
 public:
  GroupSplitter(uint64_t seed, double val_ratio) : seed_(seed), val_ratio_(val_ratio) {}

  // `group` is `id` itself for the first record of a group, else an id assigned before. A group
  // id never assigned (or not smaller than `id`) is treated as `id`: the record starts its group.
  Side assign(uint64_t id, const Hash128& content, uint64_t group);
  // The side given to `id`, or nullopt if it was never assigned.
  std::optional<Side> side_of(uint64_t id) const;
  uint64_t memory_bytes() const { return sides_.capacity(); }

 private:
  static constexpr uint8_t kUnassigned = 0xFF;
  uint64_t seed_;
  double val_ratio_;
  std::vector<uint8_t> sides_;  // by id: Side, or kUnassigned
};

}  // namespace tuneprep
