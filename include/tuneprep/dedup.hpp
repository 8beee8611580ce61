// dedup: the content hash of a normalized example and the exact-duplicate index.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tuneprep/conversation.hpp"
#include "tuneprep/record.hpp"

namespace tuneprep {

struct Hash128 {
  uint64_t low = 0;
  uint64_t high = 0;
  friend bool operator==(const Hash128&, const Hash128&) = default;
};

// XXH3-128 over the normalized example: kind, then per message its role, content (leading and
// trailing whitespace trimmed, CRLF and lone CR folded to LF), name, weight, tool calls and tool
// call id, then tools. Two examples with the same hash train the model identically.
Hash128 example_hash(const Example& example);

// Folds one text the way example_hash sees it (trim + line ends). Exposed for tests and near dedup.
std::string normalize_for_hash(std::string_view text);

// Remembers the first record of every content hash. Open addressing over a flat array: 32 bytes
// per distinct example at a load factor <= 0.5, so ~64 MB for a million distinct examples.
class ExactDeduplicator {
 public:
  ExactDeduplicator();
  // Returns the first occurrence when `hash` was seen before; otherwise records `source` as the
  // first occurrence and returns nullopt.
  std::optional<SourceLocation> insert(const Hash128& hash, const SourceLocation& source);
  size_t size() const { return size_; }
  size_t memory_bytes() const { return slots_.size() * sizeof(Slot); }

 private:
  struct Slot {
    Hash128 hash;        // {0,0} marks an empty slot (a real all-zero hash is remapped)
    uint64_t line = 0;
    uint32_t file_index = 0;
    uint32_t column = 0;
  };
  void grow();
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace tuneprep
