// dedup: the content hash of a normalized example and the exact-duplicate index.
#pragma once

#include <cstdint>
#include <optional>
#include <type_traits>
#include <vector>

#include "tuneprep/conversation.hpp"
#include "tuneprep/memory.hpp"
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

// A map from content hash to a small Value: open addressing with linear probing over a flat
// array kept at a load factor <= 0.5. The all-zero hash marks an empty slot, so a real all-zero
// hash is stored as {1, 0} (a 2^-128 merge, never seen in practice).
template <class Value>
class Hash128Table {
 public:
  Hash128Table() : slots_(1024) {}

  // The value of `hash`, default-constructed and `inserted` set when the hash is new.
  Value& find_or_insert(const Hash128& raw_hash, bool& inserted) {
    Hash128 hash = raw_hash;
    if (hash.low == 0 && hash.high == 0) hash.low = 1;
    if ((size_ + 1) * 2 > slots_.size()) grow();
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash.low & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.hash == hash) {
        inserted = false;
        return slot.value;
      }
      if (slot.hash.low == 0 && slot.hash.high == 0) {
        slot.hash = hash;
        ++size_;
        inserted = true;
        return slot.value;
      }
    }
  }
  // The value of `hash`, or nullptr when it was never inserted.
  Value* find(const Hash128& raw_hash) {
    Hash128 hash = raw_hash;
    if (hash.low == 0 && hash.high == 0) hash.low = 1;
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash.low & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.hash == hash) return &slot.value;
      if (slot.hash.low == 0 && slot.hash.high == 0) return nullptr;
    }
  }
  // Asks for the cache line where find_or_insert(hash) starts looking (a hint; changes nothing).
  void prefetch(const Hash128& hash) const {
    __builtin_prefetch(&slots_[(hash.low == 0 && hash.high == 0 ? 1 : hash.low) & (slots_.size() - 1)], 1);
  }
  size_t size() const { return size_; }
  size_t memory_bytes() const { return slots_.size() * sizeof(Slot); }
  // Makes room for `items` hashes in all, so that the table does not grow (rehashing every hash
  // and touching fresh memory at each doubling) before it holds them.
  void reserve(size_t items) {
    size_t slot_count = slots_.size();
    while (slot_count < items * 2) slot_count *= 2;  // find_or_insert keeps the load at 1/2 or less
    if (slot_count != slots_.size()) rehash(slot_count);
  }

 private:
  // Slots start as zero bits (ZeroedArray): an empty hash and a value whose zero bits are its
  // default, as for the integers and plain structs stored here.
  static_assert(std::is_trivially_copyable_v<Value>);
  struct Slot {
    Hash128 hash;  // {0,0}: empty
    Value value{};
  };
  void grow() { rehash(slots_.size() * 2); }
  void rehash(size_t slot_count) {
    ZeroedArray<Slot> old = std::move(slots_);
    slots_ = ZeroedArray<Slot>(slot_count);
    const size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.hash.low == 0 && slot.hash.high == 0) continue;
      size_t i = slot.hash.low & mask;
      while (slots_[i].hash.low != 0 || slots_[i].hash.high != 0) i = (i + 1) & mask;
      slots_[i] = slot;
    }
  }
  ZeroedArray<Slot> slots_;
  size_t size_ = 0;
};

// Remembers the first record of every content hash: 32 bytes per slot, so ~64 MB for a million
// distinct examples.
class ExactDeduplicator {
 public:
  // Returns the first occurrence when `hash` was seen before; otherwise records `source` as the
  // first occurrence and returns nullopt.
  std::optional<SourceLocation> insert(const Hash128& hash, const SourceLocation& source);
  void prefetch(const Hash128& hash) const { table_.prefetch(hash); }
  // Adds `side_bit` (1 train, 2 validation) to the split sides recorded for `hash` and returns
  // the bits before; nullopt when `hash` was never inserted. Lets prepare count leakage over this
  // table, which already holds every kept hash, instead of a second table of the same keys.
  std::optional<uint8_t> add_side(const Hash128& hash, uint8_t side_bit);
  size_t size() const { return table_.size(); }
  size_t memory_bytes() const { return table_.memory_bytes(); }
  void reserve(size_t hashes) { table_.reserve(hashes); }  // see Hash128Table::reserve

 private:
  // The line's top two bits hold the split sides (add_side): 32 bytes a slot either way.
  static constexpr int kSidesShift = 62;
  static constexpr uint64_t kLineMask = (uint64_t{1} << kSidesShift) - 1;
  struct FirstSeen {
    uint64_t line_and_sides = 0;
    uint32_t file_index = 0;
    uint32_t column = 0;
  };
  Hash128Table<FirstSeen> table_;
};

}  // namespace tuneprep
