// leakage: finds examples of a validation (or test) set that also occur in the training set,
// exactly or nearly, and counts content shared by both sides of a finished split.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tuneprep/dedup.hpp"
#include "tuneprep/io.hpp"
#include "tuneprep/near_dedup.hpp"
#include "tuneprep/readers.hpp"
#include "tuneprep/schema.hpp"
#include "tuneprep/split.hpp"

namespace tuneprep {

// Counts distinct contents (example hashes) written to both train and validation: a
// Hash128Table of 24-byte slots.
class SplitLeakageCounter {
 public:
  void add(const Hash128& content, Side side);
  // The same count kept in `dedup`, which holds every kept hash already (prepare with exact
  // dedup): no second table of the same keys (48 MB for a million examples).
  void add(ExactDeduplicator& dedup, const Hash128& content, Side side);
  void prefetch(const Hash128& content) const { sides_.prefetch(content); }
  uint64_t exact() const { return both_; }
  uint64_t memory_bytes() const { return sides_.memory_bytes(); }

 private:
  Hash128Table<uint8_t> sides_;  // bit 0 train, bit 1 validation
  uint64_t both_ = 0;
};

// Measures near leakage exactly: which validation texts have a train text whose shingle sets
// (the near-dedup shingles of the folded comparison text) have Jaccard similarity >= threshold.
// An exact set-similarity join (prefix filtering over a fixed order of shingle hashes, then
// verification by merging the sorted sets), so its recall at the threshold is 1, unlike the
// MinHash LSH whose misses it is there to count. Memory: the validation side's shingle sets.
class NearLeakageIndex {
 public:
  NearLeakageIndex(double threshold, uint32_t shingle);

  // Adds validation text number `id` (ids ascending from 0, one per validation example).
  void add_validation(std::string_view comparison_text);
  // Builds the prefix index once every validation text is added; probe() needs it.
  void seal();
  // The ids of the validation texts similar to this train text, ascending (`out` cleared first).
  // Thread-safe after seal(); each thread brings its own Scratch.
  struct Scratch {
    std::string folded;
    std::vector<uint64_t> shingles;
    std::vector<uint64_t> seen;     // hash set dropping repeated shingles
    std::vector<uint64_t> ordered;  // the shingles of the prefix
    std::vector<std::pair<uint32_t, uint64_t>> keyed;  // (frequency, shingle) while ordering
    std::vector<uint32_t> candidates;
  };
  void probe(std::string_view comparison_text, Scratch& scratch, std::vector<uint32_t>& out) const;
  uint64_t validation_count() const { return sets_.size(); }
  uint64_t memory_bytes() const;

  // Jaccard similarity of two sorted, duplicate-free shingle sets.
  static double jaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b);

 private:
  size_t prefix_length(size_t size) const;
  void shingle_set(std::string_view text, std::string& folded, std::vector<uint64_t>& out) const;
  // Keeps the `count` first shingles of `set` in the prefix order (rarest among the validation
  // texts first, then by hash), in no particular order.
  void select_rarest(std::vector<uint64_t>& set, size_t count, std::vector<std::pair<uint32_t, uint64_t>>& keyed) const;

  double threshold_;
  uint32_t shingle_;
  std::vector<std::vector<uint64_t>> sets_;  // per validation id: sorted, unique shingle hashes
  // Validation texts holding a shingle, by the shingle's top kFrequencyBits bits, saturating.
  static constexpr int kFrequencyBits = 22;
  static size_t frequency_slot(uint64_t shingle) { return static_cast<size_t>(shingle >> (64 - kFrequencyBits)); }
  ZeroedArray<uint16_t> frequency_;  // huge pages, touched only where shingles land
  // Presence bitmap, built by seal(): the bit of a shingle's top bits is set when some
  // validation text holds a shingle with those bits. About 8 bits per validation shingle (at most
  // 16 MiB), so most shingles no validation text holds find their bit clear: a train text with
  // enough of them is ruled out on the bitmap alone (probe).
  std::vector<uint64_t> present_;
  int presence_shift_ = 63;
  bool present(uint64_t shingle) const {
    const uint64_t bit = shingle >> presence_shift_;
    return (present_[bit >> 6] >> (bit & 63)) & 1;
  }
  // The prefix index: (shingle, validation id) of every validation prefix, sorted, and an
  // open-addressing table from a shingle to its first posting (index + 1; 0 is empty).
  struct Posting {
    uint64_t shingle;
    uint32_t id;
  };
  std::vector<Posting> postings_;
  std::vector<uint32_t> posting_slots_;
  const Posting* first_posting(uint64_t shingle) const;
  bool sealed_ = false;
};

// The compared text (`on`) of one output line (an example in any --to format), read back with the
// Normalizer; false when the line is not an example.
bool output_line_comparison_text(Normalizer& reader, std::string_view line, DedupOn on, std::string& out);

// Reads a finished train output file (JSON Lines in any --to format) and counts the distinct
// validation examples of `index` that some train line is similar to. Parallel over batches of
// lines; the count does not depend on the number of threads.
std::optional<IoError> count_near_leaks(NearLeakageIndex& index, const std::filesystem::path& train_jsonl,
                                        DedupOn on, uint64_t& leaked);

struct LeakageOptions {
  ReaderOptions reader;
  NormalizeOptions normalize;
  DedupOn on = DedupOn::kConversation;
  bool near = true;          // false: exact pairs only
  NearDedupOptions near_options;
  unsigned jobs = 0;         // 0 = all cores
};

enum class LeakKind : uint8_t { kExact, kNear };

struct LeakagePair {
  uint64_t validation_line = 0;
  uint64_t train_line = 0;
  LeakKind kind = LeakKind::kExact;
  double similarity = 1.0;  // 1 for exact; the estimated Jaccard similarity for near
};

struct LeakageReport {
  std::string train_path;
  std::string validation_path;
  uint64_t train_records = 0;
  uint64_t validation_records = 0;
  // Records that could not be normalized (not JSON, unknown shape): compared by their raw text.
  uint64_t train_raw = 0;
  uint64_t validation_raw = 0;
  std::vector<LeakagePair> pairs;  // in validation order, at most one per validation record
  uint64_t exact = 0;
  uint64_t near = 0;
};

struct LeakageResult {
  LeakageReport report;
  std::optional<IoError> error;  // I/O problem or the index's memory budget
};

// Indexes every record of `train` (exact content hashes and, with options.near, the near-duplicate
// index), then checks each record of `validation` against it. A validation record identical to a
// train record after normalization is an exact pair; otherwise one whose compared text
// (options.on) has an estimated Jaccard similarity >= options.near_options.threshold with a
// train record is a near pair. A record that cannot be normalized is compared by its raw text.
LeakageResult find_leakage(const std::string& train, const std::string& validation, const LeakageOptions& options);

std::string_view leak_kind_name(LeakKind kind);  // "exact", "near"

}  // namespace tuneprep
