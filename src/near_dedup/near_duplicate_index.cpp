// The streaming near-duplicate index: LSH band tables over compact signatures, verification,
// union-find clusters, and the memory budget.
//
// Memory layout (why it stays under 300 bytes per record at the defaults):
// - Every record: its id (8 B) and its union-find parent (4 B).
// - Every kept record (not a near duplicate): a compact signature of 4 bits per MinHash value
//   (64 B at 128 values) and its record slot (4 B). Keeping b bits of each value is "b-bit
//   minwise hashing" (Li and Koenig, 2010): two values agree by accident with probability 2^-b,
//   which the estimate corrects for. At J = 0.8 and 128 values the standard error is 0.0354 with
//   32 bits, 0.0355 with 8 bits and 0.0368 with 4 bits: 4 bits cost 4% of accuracy and save
//   64 B per record, which pays for 16 bands instead of 12 (more recall at the threshold).
//   Each nibble mixes the 32-bit value with its position, so the copies that densification puts
//   in several bins of a short text do not agree by accident together.
// - One open-addressing table per band holding 4-byte kept-record numbers. The band key is not
//   stored: a probe compares the band's nibbles with the stored compact signature. Load factor
//   between 3/8 and 3/4, so 16 bands cost 85..171 B per kept record.
// Total at 128 values and 16 bands: 12 + 68 + 85..171 = 165..251 B per record, plus the
// transient copy of one table while it doubles. Arrays grow in fixed chunks, never by copying.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include <unistd.h>

#include <fmt/format.h>
#include <xxhash.h>

#include "tuneprep/near_dedup.hpp"

namespace tuneprep {
namespace {

constexpr uint32_t kEmptySlot = std::numeric_limits<uint32_t>::max();
constexpr uint64_t kMaxRecords = std::numeric_limits<uint32_t>::max() - 1;
constexpr size_t kInitialTableCapacity = 1024;
constexpr size_t kRecordChunk = size_t{1} << 14;  // records per chunk of ids and parents
constexpr size_t kKeptChunk = size_t{1} << 12;    // kept records per chunk of compact signatures
constexpr uint64_t kStateBytes = 2048;             // upper bound of sizeof(State), checked below

// Table capacity (a power of two) that holds `entries` at load factor <= 3/4.
size_t table_capacity_for(uint64_t entries) {
  size_t capacity = kInitialTableCapacity;
  while (entries * 4 > capacity * 3) capacity *= 2;
  return capacity;
}

uint64_t chunks_for(uint64_t items, size_t chunk) { return (items + chunk - 1) / chunk; }

constexpr uint32_t kCompactBits = 4;

inline uint8_t compact_value(uint32_t value, uint32_t position) {
  uint32_t x = value + position * 0x9e3779b9u;
  x ^= x >> 16;
  x *= 0x85ebca6bu;
  x ^= x >> 13;
  x *= 0xc2b2ae35u;
  x ^= x >> 16;
  return static_cast<uint8_t>(x >> (32 - kCompactBits));
}

size_t compact_bytes(uint32_t num_perm) { return (num_perm + 1) / 2; }

inline uint8_t nibble(const uint8_t* packed, uint32_t i) { return (packed[i / 2] >> ((i & 1) * 4)) & 0xf; }

// Number of equal nibbles of two packed signatures of n values (padding nibbles are zero in both).
inline uint32_t equal_nibbles(const uint8_t* a, const uint8_t* b, uint32_t n) {
  const size_t bytes = compact_bytes(n);
  uint32_t differing = 0;
  size_t i = 0;
  for (; i + 8 <= bytes; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    x ^= y;
    x = (x | (x >> 1) | (x >> 2) | (x >> 3)) & 0x1111111111111111ULL;  // one bit per differing nibble
    differing += static_cast<uint32_t>(__builtin_popcountll(x));
  }
  for (; i < bytes; ++i) {
    const uint8_t x = a[i] ^ b[i];
    differing += (x & 0x0f) != 0;
    differing += (x & 0xf0) != 0;
  }
  return n - differing;
}

inline bool equal_band(const uint8_t* a, const uint8_t* b, uint32_t first, uint32_t rows) {
  for (uint32_t i = first; i < first + rows; ++i) {
    if (nibble(a, i) != nibble(b, i)) return false;
  }
  return true;
}

// Corrected Jaccard estimate from the number of equal values out of n (b-bit MinHash).
inline double compact_similarity(uint32_t equal, uint32_t n) {
  constexpr double kAccidental = 1.0 / (1u << kCompactBits);
  const double p = static_cast<double>(equal) / n;
  return std::clamp((p - kAccidental) / (1.0 - kAccidental), 0.0, 1.0);
}

template <typename T>
class ChunkedArray {
 public:
  explicit ChunkedArray(size_t chunk_items, size_t width = 1) : chunk_items_(chunk_items), width_(width) {}
  T* at(uint64_t index) { return chunks_[index / chunk_items_].get() + (index % chunk_items_) * width_; }
  const T* at(uint64_t index) const { return chunks_[index / chunk_items_].get() + (index % chunk_items_) * width_; }
  // Bytes that holding `items` would take.
  uint64_t bytes_for(uint64_t items) const { return chunks_for(items, chunk_items_) * chunk_bytes(); }
  uint64_t bytes() const { return chunks_.size() * chunk_bytes() + chunks_.capacity() * sizeof(void*); }
  bool needs_chunk(uint64_t items) const { return items >= chunks_.size() * chunk_items_; }
  uint64_t chunk_bytes() const { return chunk_items_ * width_ * sizeof(T); }
  void ensure(uint64_t items) {
    while (items > chunks_.size() * chunk_items_) chunks_.push_back(std::make_unique<T[]>(chunk_items_ * width_));
  }

 private:
  size_t chunk_items_;
  size_t width_;
  std::vector<std::unique_ptr<T[]>> chunks_;
};

}  // namespace

struct NearDuplicateIndex::State {
  NearDedupOptions options;
  LshBands bands;
  uint32_t num_perm = 0;
  uint32_t min_equal = 0;  // equal compact bytes needed to reach the threshold

  uint64_t records = 0;
  uint64_t kept = 0;
  std::optional<uint64_t> last_id;
  ChunkedArray<uint64_t> ids{kRecordChunk};
  ChunkedArray<uint32_t> parents{kRecordChunk};
  ChunkedArray<uint8_t> compact;  // kept record -> num_perm nibbles, packed two per byte
  ChunkedArray<uint32_t> kept_slots{kKeptChunk};

  struct BandTable {
    std::vector<uint32_t> slots;  // kept record numbers; kEmptySlot when free
    size_t size = 0;
  };
  std::vector<BandTable> tables;

  // Per-add scratch.
  std::vector<uint8_t> probe;
  std::vector<size_t> insert_at;
  std::vector<uint32_t> equal_in_band;
  std::vector<uint32_t> candidates;

  explicit State(const NearDedupOptions& o);

  uint64_t memory_bytes() const {
    uint64_t bytes = kStateBytes + ids.bytes() + parents.bytes() + compact.bytes() + kept_slots.bytes();
    for (const auto& table : tables) bytes += table.slots.capacity() * sizeof(uint32_t);
    bytes += probe.capacity() + insert_at.capacity() * 8 +
             equal_in_band.capacity() * 4 + candidates.capacity() * 4;
    return bytes;
  }

  // Peak bytes while adding one more record if it is kept (the worst case).
  uint64_t bytes_after_add() const {
    uint64_t bytes = memory_bytes();
    if (ids.needs_chunk(records)) bytes += ids.chunk_bytes() + parents.chunk_bytes() + 16;
    if (compact.needs_chunk(kept)) bytes += compact.chunk_bytes() + kept_slots.chunk_bytes() + 16;
    uint64_t grown = 0, largest = 0;
    for (const auto& table : tables) {
      if ((table.size + 1) * 4 > table.slots.size() * 3) {
        const uint64_t old_bytes = table.slots.size() * sizeof(uint32_t);
        grown += old_bytes;  // the table doubles: + its old size once done
        largest = std::max(largest, old_bytes);
      }
    }
    // While the last table is rehashed, its old and new arrays coexist.
    return bytes + grown + largest;
  }

  const uint8_t* compact_of(uint32_t kept_index) const { return compact.at(kept_index); }

  size_t band_bucket(uint32_t band, const uint8_t* signature, size_t mask) const {
    uint8_t key[kMaxNumPerm];
    const uint32_t first = band * bands.rows;
    for (uint32_t i = 0; i < bands.rows; ++i) key[i] = nibble(signature, first + i);
    return XXH3_64bits_withSeed(key, bands.rows, band) & mask;
  }

  void grow(uint32_t band) {
    BandTable& table = tables[band];
    std::vector<uint32_t> old;
    old.swap(table.slots);
    table.slots.assign(old.size() * 2, kEmptySlot);
    const size_t mask = table.slots.size() - 1;
    for (const uint32_t k : old) {
      if (k == kEmptySlot) continue;
      size_t pos = band_bucket(band, compact_of(k), mask);
      while (table.slots[pos] != kEmptySlot) pos = (pos + 1) & mask;
      table.slots[pos] = k;
    }
  }

  uint32_t find(uint32_t slot) {
    while (*parents.at(slot) != slot) {
      const uint32_t grandparent = *parents.at(*parents.at(slot));
      *parents.at(slot) = grandparent;  // path halving
      slot = grandparent;
    }
    return slot;
  }

  uint32_t find_const(uint32_t slot) const {
    while (*parents.at(slot) != slot) slot = *parents.at(slot);
    return slot;
  }

  // Slot of `id`, by binary search over the increasing ids.
  std::optional<uint32_t> slot_of(uint64_t id) const {
    uint64_t lo = 0, hi = records;
    while (lo < hi) {
      const uint64_t mid = lo + (hi - lo) / 2;
      if (*ids.at(mid) < id) lo = mid + 1; else hi = mid;
    }
    if (lo < records && *ids.at(lo) == id) return static_cast<uint32_t>(lo);
    return std::nullopt;
  }

  uint32_t append_record(uint64_t id) {
    ids.ensure(records + 1);
    parents.ensure(records + 1);
    const auto slot = static_cast<uint32_t>(records++);
    *ids.at(slot) = id;
    *parents.at(slot) = slot;
    last_id = id;
    return slot;
  }
};

NearDuplicateIndex::State::State(const NearDedupOptions& o)
    : options(o), compact(kKeptChunk, compact_bytes(std::clamp<uint32_t>(o.num_perm, 1, kMaxNumPerm))) {
  num_perm = std::clamp<uint32_t>(o.num_perm, 1, kMaxNumPerm);
  options.num_perm = num_perm;
  options.max_records_per_band_key = std::max<uint32_t>(o.max_records_per_band_key, 1);
  bands = choose_lsh_bands(o.threshold, num_perm, o.false_positive_weight, o.false_negative_weight);
  min_equal = num_perm + 1;  // a threshold above 1 never matches
  for (uint32_t e = 0; e <= num_perm; ++e) {
    if (compact_similarity(e, num_perm) >= o.threshold - 1e-12) { min_equal = e; break; }
  }
  static_assert(sizeof(State) <= kStateBytes);
  tables.resize(bands.bands);
  for (auto& table : tables) table.slots.assign(kInitialTableCapacity, kEmptySlot);
  probe.resize(compact_bytes(num_perm));
  insert_at.resize(bands.bands);
  equal_in_band.resize(bands.bands);
}

NearDuplicateIndex::NearDuplicateIndex(const NearDedupOptions& options)
    : state_(std::make_unique<State>(options)) {}
NearDuplicateIndex::~NearDuplicateIndex() = default;
NearDuplicateIndex::NearDuplicateIndex(NearDuplicateIndex&&) noexcept = default;
NearDuplicateIndex& NearDuplicateIndex::operator=(NearDuplicateIndex&&) noexcept = default;

NearAddResult NearDuplicateIndex::add(uint64_t id, SignatureView signature) {
  State& s = *state_;
  NearAddResult result;
  if (signature.values.size() != s.num_perm) {
    result.error = NearIndexError{NearIndexError::Code::kSignatureSize,
                                  fmt::format("near-duplicate index: signature has {} values, expected {} (--num-perm)",
                                              signature.values.size(), s.num_perm)};
    return result;
  }
  if (s.last_id && id <= *s.last_id) {
    result.error = NearIndexError{NearIndexError::Code::kIdNotIncreasing,
                                  fmt::format("near-duplicate index: record id {} after id {}; ids must increase",
                                              id, *s.last_id)};
    return result;
  }
  if (s.records >= kMaxRecords) {
    result.error = NearIndexError{NearIndexError::Code::kTooManyRecords,
                                  fmt::format("near-duplicate index: more than {} records", kMaxRecords)};
    return result;
  }
  if (s.options.max_memory != 0) {
    const uint64_t needed = s.bytes_after_add();
    if (needed > s.options.max_memory) {
      result.error = NearIndexError{
          NearIndexError::Code::kMemoryBudget,
          fmt::format("near-duplicate index would need {:.1f} MiB for record {} (after {} records), over "
                      "--max-memory {:.1f} MiB; raise --max-memory (about {} bytes per record) or use --dedup exact",
                      needed / 1048576.0, id, s.records, s.options.max_memory / 1048576.0,
                      estimate_index_bytes(1u << 20, s.options) >> 20)};
      return result;
    }
  }

  // A text without letters or digits has no shingles: it stays on its own (exact dedup covers
  // it) and is not indexed, since its signature carries no information.
  if (signature.shingles == 0) {
    s.append_record(id);
    result.cluster = id;
    return result;
  }

  std::fill(s.probe.begin(), s.probe.end(), 0);
  for (uint32_t i = 0; i < s.num_perm; ++i) s.probe[i / 2] |= compact_value(signature.values[i], i) << ((i & 1) * 4);

  for (uint32_t band = 0; band < s.bands.bands; ++band) {
    if ((s.tables[band].size + 1) * 4 > s.tables[band].slots.size() * 3) s.grow(band);
  }

  // Candidates: kept records sharing at least one band, found by comparing band nibbles.
  // Each band is a random access into a table larger than the caches: compute every bucket and
  // prefetch them all first, then the compact signatures the first entries point to, so the
  // cache misses overlap instead of queueing (this halves the time of add at a million records).
  s.candidates.clear();
  const uint32_t rows = s.bands.rows;
  for (uint32_t band = 0; band < s.bands.bands; ++band) {
    s.insert_at[band] = s.band_bucket(band, s.probe.data(), s.tables[band].slots.size() - 1);
    __builtin_prefetch(&s.tables[band].slots[s.insert_at[band]]);
  }
  for (uint32_t band = 0; band < s.bands.bands; ++band) {
    const uint32_t k = s.tables[band].slots[s.insert_at[band]];
    if (k != kEmptySlot) __builtin_prefetch(s.compact_of(k) + band * rows / 2);
  }
  for (uint32_t band = 0; band < s.bands.bands; ++band) {
    const auto& slots = s.tables[band].slots;
    const size_t mask = slots.size() - 1;
    size_t pos = s.insert_at[band];
    uint32_t equal = 0;
    for (; slots[pos] != kEmptySlot; pos = (pos + 1) & mask) {
      const uint32_t k = slots[pos];
      if (equal_band(s.compact_of(k), s.probe.data(), band * rows, rows)) {
        ++equal;
        s.candidates.push_back(k);
      }
    }
    s.insert_at[band] = pos;
    s.equal_in_band[band] = equal;
  }
  std::sort(s.candidates.begin(), s.candidates.end());
  s.candidates.erase(std::unique(s.candidates.begin(), s.candidates.end()), s.candidates.end());

  // Verification, earliest kept record first.
  std::optional<uint32_t> root;
  for (const uint32_t k : s.candidates) {
    const uint8_t* other = s.compact_of(k);
    const uint32_t equal = equal_nibbles(other, s.probe.data(), s.num_perm);
    if (equal < s.min_equal) continue;
    const uint32_t kept_root = s.find(*s.kept_slots.at(k));
    if (!result.match) {
      result.match = NearMatch{*s.ids.at(*s.kept_slots.at(k)), compact_similarity(equal, s.num_perm)};
      root = kept_root;
    } else if (kept_root != *root) {
      // This record bridges two clusters: merge them under the earlier root.
      const uint32_t low = std::min(kept_root, *root), high = std::max(kept_root, *root);
      *s.parents.at(high) = low;
      root = low;
    }
  }

  const uint32_t slot = s.append_record(id);
  if (result.match) {
    *s.parents.at(slot) = *root;
    result.cluster = *s.ids.at(*root);
    return result;
  }

  const auto k = static_cast<uint32_t>(s.kept);
  s.compact.ensure(s.kept + 1);
  s.kept_slots.ensure(s.kept + 1);
  ++s.kept;
  std::memcpy(s.compact.at(k), s.probe.data(), s.probe.size());
  *s.kept_slots.at(k) = slot;
  for (uint32_t band = 0; band < s.bands.bands; ++band) {
    // Cap the records per band key so a band shared by many similar-but-distinct records
    // (a common template) does not turn every later lookup into a long verification list.
    if (s.equal_in_band[band] >= s.options.max_records_per_band_key) continue;
    s.tables[band].slots[s.insert_at[band]] = k;
    ++s.tables[band].size;
  }
  result.cluster = id;
  return result;
}

size_t NearDuplicateIndex::add_batch(std::span<const uint64_t> ids, const SignatureBatch& batch,
                                     std::vector<NearAddResult>& results) {
  const size_t n = std::min(ids.size(), batch.size());
  for (size_t i = 0; i < n; ++i) {
    results.push_back(add(ids[i], batch[i]));
    if (results.back().error) return i;
  }
  return n;
}

std::optional<uint64_t> NearDuplicateIndex::cluster_of(uint64_t id) const {
  const State& s = *state_;
  const auto slot = s.slot_of(id);
  if (!slot) return std::nullopt;
  return *s.ids.at(s.find_const(*slot));
}

std::vector<std::pair<uint64_t, uint64_t>> NearDuplicateIndex::clusters() const {
  const State& s = *state_;
  std::vector<std::pair<uint64_t, uint64_t>> out;
  out.reserve(s.records);
  for (uint64_t slot = 0; slot < s.records; ++slot) {
    // Parents always point to earlier slots, so the roots of earlier slots are known already.
    const uint32_t parent = *s.parents.at(slot);
    const uint64_t root_id = parent == slot ? *s.ids.at(slot) : out[parent].second;
    out.emplace_back(*s.ids.at(slot), root_id);
  }
  return out;
}

LshBands NearDuplicateIndex::bands() const { return state_->bands; }
uint64_t NearDuplicateIndex::records() const { return state_->records; }
uint64_t NearDuplicateIndex::kept_records() const { return state_->kept; }
uint64_t NearDuplicateIndex::memory_bytes() const { return state_->memory_bytes(); }

uint64_t estimate_index_bytes(uint64_t records, const NearDedupOptions& options) {
  const uint32_t num_perm = std::clamp<uint32_t>(options.num_perm, 1, kMaxNumPerm);
  const LshBands bands = choose_lsh_bands(options.threshold, num_perm, options.false_positive_weight,
                                          options.false_negative_weight);
  const uint64_t record_chunks = chunks_for(records, kRecordChunk);
  const uint64_t kept_chunks = chunks_for(records, kKeptChunk);
  uint64_t bytes = kStateBytes;
  bytes += record_chunks * kRecordChunk * (sizeof(uint64_t) + sizeof(uint32_t));
  bytes += kept_chunks * kKeptChunk * (compact_bytes(num_perm) + sizeof(uint32_t));
  // Chunk pointer vectors (capacity at most twice the count).
  bytes += 2 * (2 * std::max<uint64_t>(record_chunks, 1) + 2 * std::max<uint64_t>(kept_chunks, 1)) * sizeof(void*);
  // The table that holds `records` entries, plus the old array of one table while it doubled.
  const uint64_t capacity = table_capacity_for(records);
  bytes += uint64_t{bands.bands} * capacity * sizeof(uint32_t);
  if (capacity > kInitialTableCapacity) bytes += capacity / 2 * sizeof(uint32_t);
  // Per-add scratch; the candidate list holds at most max_records_per_band_key per band and
  // its capacity at most doubles past that.
  bytes += uint64_t{bands.bands} * std::max<uint32_t>(options.max_records_per_band_key, 1) * 2 * sizeof(uint32_t);
  bytes += num_perm + uint64_t{bands.bands} * 20;
  return bytes;
}

uint64_t default_max_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size) / 2;
}

}  // namespace tuneprep
