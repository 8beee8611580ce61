// near_leakage: the exact near-leakage join of a finished split (NearLeakageIndex).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>
#include <simdjson.h>

#include "tuneprep/leakage.hpp"

namespace tuneprep {

NearLeakageIndex::NearLeakageIndex(double threshold, uint32_t shingle)
    : threshold_(threshold), shingle_(shingle), frequency_(size_t{1} << kFrequencyBits) {}

// Prefix filtering for Jaccard >= t: under any fixed order of the elements, two sets x and y
// with J(x, y) >= t share an element among the first |x| - ceil(t|x|) + 1 of x and the first
// |y| - ceil(t|y|) + 1 of y. The order is rarest first (how many validation texts hold the
// shingle, then its hash): shingles every record shares (a common system prompt) fall outside
// the prefixes, which keeps the candidate lists short. Any fixed order is exact.
size_t NearLeakageIndex::prefix_length(size_t size) const {
  if (size == 0) return 0;
  const auto needed = static_cast<size_t>(std::ceil(threshold_ * static_cast<double>(size) - 1e-9));
  return std::min(size, size - std::min(size, needed) + 1);
}

void NearLeakageIndex::shingle_set(std::string_view text, std::string& folded, std::vector<uint64_t>& out) const {
  fold_for_comparison(text, folded);
  shingle_hashes(folded, shingle_, out);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

namespace {
// A shingle's slot in an open-addressing table of mask + 1 slots: its hash mixed by one multiply,
// bits 32 and up (the frequency slots and the presence bitmap take the top bits as they are).
size_t table_slot(uint64_t shingle, size_t mask) {
  return static_cast<size_t>((shingle * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
}

// Drops repeated values, keeping the first of each in place: an open-addressing set in `table`
// (twice the count, zero marks an empty slot, so a zero value is tracked apart). A very long
// text is sorted in place instead, so the table stays small (128 KiB at most) whatever the record.
void drop_repeats(std::vector<uint64_t>& values, std::vector<uint64_t>& table) {
  constexpr size_t kLargestHashed = size_t{1} << 13;
  if (values.size() > kLargestHashed) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    return;
  }
  size_t slots = 16;
  while (slots < 2 * values.size()) slots *= 2;
  table.assign(slots, 0);
  const size_t mask = slots - 1;
  bool zero_seen = false;
  size_t kept = 0;
  for (const uint64_t v : values) {
    bool fresh = false;
    if (v == 0) {
      fresh = !zero_seen;
      zero_seen = true;
    } else {
      size_t slot = table_slot(v, mask);
      while (table[slot] != 0 && table[slot] != v) slot = (slot + 1) & mask;
      fresh = table[slot] == 0;
      table[slot] = v;
    }
    if (fresh) values[kept++] = v;
  }
  values.resize(kept);
}
}  // namespace

void NearLeakageIndex::add_validation(std::string_view comparison_text) {
  std::string folded;
  std::vector<uint64_t> set;
  shingle_set(comparison_text, folded, set);
  for (uint64_t h : set) {
    uint16_t& count = frequency_[frequency_slot(h)];
    if (count != UINT16_MAX) ++count;
  }
  set.shrink_to_fit();
  sets_.push_back(std::move(set));
  sealed_ = false;
}

void NearLeakageIndex::select_rarest(std::vector<uint64_t>& set, size_t count,
                                     std::vector<std::pair<uint32_t, uint64_t>>& keyed) const {
  // Each shingle's frequency is looked up once (a map lookup in a sort comparator was most of
  // `prepare --dedup near` on a large file), and the prefix is selected, not sorted: only which
  // shingles are in it matters, and (frequency, hash) orders them totally.
  keyed.clear();
  keyed.reserve(set.size());
  for (const uint64_t h : set) keyed.emplace_back(frequency_[frequency_slot(h)], h);
  count = std::min(count, keyed.size());
  std::nth_element(keyed.begin(), keyed.begin() + static_cast<std::ptrdiff_t>(count), keyed.end());
  set.resize(count);
  for (size_t i = 0; i < count; ++i) set[i] = keyed[i].second;
}

void NearLeakageIndex::seal() {
  uint64_t shingles = 0;
  for (const auto& set : sets_) shingles += set.size();
  int bits = 16;
  while (bits < 27 && (uint64_t{1} << bits) < 8 * shingles) ++bits;
  presence_shift_ = 64 - bits;
  present_.assign((size_t{1} << bits) / 64, 0);
  for (const auto& set : sets_) {
    for (const uint64_t h : set) present_[h >> presence_shift_ >> 6] |= uint64_t{1} << ((h >> presence_shift_) & 63);
  }
  // One sorted array of postings and a flat table over it: a node map of vectors cost most of
  // this step, which runs alone after the split.
  postings_.clear();
  std::vector<uint64_t> ordered;
  std::vector<std::pair<uint32_t, uint64_t>> keyed;
  for (uint32_t id = 0; id < sets_.size(); ++id) {
    ordered = sets_[id];
    select_rarest(ordered, prefix_length(ordered.size()), keyed);
    for (const uint64_t h : ordered) postings_.push_back({h, id});
  }
  // Slots hold a posting's index + 1 in 32 bits: 4 billion postings would take 64 GB, and the
  // validation sets behind them 16 times that, so the index runs out of memory long before.
  std::sort(postings_.begin(), postings_.end(), [](const Posting& a, const Posting& b) {
    return a.shingle != b.shingle ? a.shingle < b.shingle : a.id < b.id;
  });
  size_t distinct = 0;
  for (size_t i = 0; i < postings_.size(); ++i) distinct += i == 0 || postings_[i].shingle != postings_[i - 1].shingle;
  size_t slots = 16;
  while (slots < 2 * distinct) slots *= 2;
  posting_slots_.assign(slots, 0);
  for (size_t i = 0; i < postings_.size(); ++i) {
    if (i > 0 && postings_[i].shingle == postings_[i - 1].shingle) continue;
    size_t slot = table_slot(postings_[i].shingle, slots - 1);
    while (posting_slots_[slot] != 0) slot = (slot + 1) & (slots - 1);
    posting_slots_[slot] = static_cast<uint32_t>(i + 1);
  }
  sealed_ = true;
}

const NearLeakageIndex::Posting* NearLeakageIndex::first_posting(uint64_t shingle) const {
  const size_t mask = posting_slots_.size() - 1;
  for (size_t slot = table_slot(shingle, mask);; slot = (slot + 1) & mask) {
    const uint32_t at = posting_slots_[slot];
    if (at == 0) return nullptr;
    if (postings_[at - 1].shingle == shingle) return &postings_[at - 1];
  }
}

double NearLeakageIndex::jaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  if (a.empty() && b.empty()) return 1.0;
  size_t i = 0, j = 0, shared = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++shared;
      ++i;
      ++j;
    }
  }
  return static_cast<double>(shared) / static_cast<double>(a.size() + b.size() - shared);
}

void NearLeakageIndex::probe(std::string_view comparison_text, Scratch& scratch, std::vector<uint32_t>& out) const {
  out.clear();
  if (sets_.empty() || !sealed_) return;
  // Repeats dropped with a small hash set; the set is sorted only for a text that gets past the
  // bitmap (sorting every train text was a tenth of the join).
  fold_for_comparison(comparison_text, scratch.folded);
  shingle_hashes(scratch.folded, shingle_, scratch.shingles);
  drop_repeats(scratch.shingles, scratch.seen);
  std::vector<uint64_t>& set = scratch.shingles;
  if (set.empty()) return;
  const size_t prefix = prefix_length(set.size());
  // Shingles no validation text holds are the rarest of all, so they come first in the order:
  // when there are `prefix` of them the whole prefix is among them and nothing can match. Most
  // train texts end here, on the presence bitmap alone.
  size_t unseen = 0;
  for (const uint64_t h : set) unseen += !present(h);
  if (unseen >= prefix) return;
  std::sort(set.begin(), set.end());
  scratch.ordered = set;
  select_rarest(scratch.ordered, prefix, scratch.keyed);
  scratch.candidates.clear();
  const Posting* const postings_end = postings_.data() + postings_.size();
  for (const uint64_t h : scratch.ordered) {
    for (const Posting* p = first_posting(h); p != nullptr && p != postings_end && p->shingle == h; ++p) {
      scratch.candidates.push_back(p->id);
    }
  }
  std::sort(scratch.candidates.begin(), scratch.candidates.end());
  scratch.candidates.erase(std::unique(scratch.candidates.begin(), scratch.candidates.end()), scratch.candidates.end());
  for (uint32_t id : scratch.candidates) {
    const std::vector<uint64_t>& other = sets_[id];
    // Size filter: J <= min/max, so sets of too different sizes cannot reach the threshold.
    const double small = static_cast<double>(std::min(other.size(), set.size()));
    const double large = static_cast<double>(std::max(other.size(), set.size()));
    if (small < threshold_ * large - 1e-9) continue;
    if (jaccard(set, other) >= threshold_) out.push_back(id);
  }
}

uint64_t NearLeakageIndex::memory_bytes() const {
  uint64_t bytes = sets_.capacity() * sizeof(std::vector<uint64_t>);
  for (const auto& set : sets_) bytes += set.capacity() * sizeof(uint64_t);
  bytes += postings_.capacity() * sizeof(Posting) + posting_slots_.capacity() * sizeof(uint32_t);
  bytes += frequency_.size() * sizeof(uint16_t) + present_.capacity() * sizeof(uint64_t);
  return bytes;
}

}  // namespace tuneprep

namespace tuneprep {

bool output_line_comparison_text(Normalizer& reader, std::string_view line, DedupOn on, std::string& out) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  Record record;
  record.kind = RecordKind::kJson;
  record.text.reserve(line.size() + simdjson::SIMDJSON_PADDING);
  record.text.assign(line);
  NormalizeResult result = reader.normalize(record);
  if (!result.example) return false;
  comparison_text(*result.example, on, out);
  return true;
}

std::optional<IoError> count_near_leaks(NearLeakageIndex& index, const std::filesystem::path& train_jsonl,
                                        DedupOn on, uint64_t& leaked) {
  leaked = 0;
  if (index.validation_count() == 0) return std::nullopt;
  index.seal();
  std::ifstream in(train_jsonl, std::ios::binary);
  if (!in) return IoError{train_jsonl.string() + ": cannot read the train output back to measure near leakage"};
  struct Worker {
    Normalizer reader{NormalizeOptions{}};
    NearLeakageIndex::Scratch scratch;
    std::string text;
    std::vector<uint32_t> found;
  };
  oneapi::tbb::enumerable_thread_specific<Worker> workers;
  std::vector<std::atomic<uint8_t>> hit(index.validation_count());
  // Read in large blocks and probe the lines where they lie: a getline copy of every line, made
  // while the workers waited, was a serial second of this stage on 1 GiB.
  constexpr size_t kBlock = size_t{16} << 20;
  std::string block;
  std::vector<std::string_view> lines;
  size_t carried = 0;  // bytes of an unfinished line kept at the front of `block`
  for (bool more = true; more;) {
    if (block.size() < carried + kBlock) block.resize(carried + kBlock);
    in.read(block.data() + carried, static_cast<std::streamsize>(kBlock));
    const size_t got = static_cast<size_t>(in.gcount());
    more = got == kBlock;
    const size_t filled = carried + got;
    lines.clear();
    size_t start = 0;
    for (size_t end; (end = std::string_view(block.data(), filled).find('\n', start)) != std::string_view::npos;
         start = end + 1) {
      lines.emplace_back(block.data() + start, end - start);
    }
    if (!more && start < filled) lines.emplace_back(block.data() + start, filled - start);  // no final LF
    oneapi::tbb::parallel_for(size_t{0}, lines.size(), [&](size_t i) {
      Worker& w = workers.local();
      if (!output_line_comparison_text(w.reader, lines[i], on, w.text)) return;
      index.probe(w.text, w.scratch, w.found);
      for (uint32_t id : w.found) hit[id].store(1, std::memory_order_relaxed);
    });
    carried = more ? filled - start : 0;
    if (carried > 0) std::memmove(block.data(), block.data() + start, carried);
  }
  if (in.bad()) return IoError{train_jsonl.string() + ": read error while measuring near leakage"};
  for (const auto& h : hit) leaked += h.load(std::memory_order_relaxed);
  return std::nullopt;
}

}  // namespace tuneprep
