// MinHash signatures by one permutation hashing with optimal densification.
#include <algorithm>
#include <limits>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "tuneprep/near_dedup.hpp"

namespace tuneprep {
namespace {

constexpr uint64_t kEmptyBin = std::numeric_limits<uint64_t>::max();
// Fixed seed of the densification walks: changing it changes every signature.
constexpr uint64_t kWalkSeed = 0x243f6a8885a308d3ULL;

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

MinHasher::MinHasher(uint32_t num_perm, uint32_t shingle)
    : num_perm_(std::clamp<uint32_t>(num_perm, 1, kMaxNumPerm)), shingle_(std::max<uint32_t>(shingle, 1)) {
  // Optimal densification needs, per empty bin, a data-independent sequence of other bins that
  // both texts follow: the first non-empty bin on it donates its minimum. A sequence is a fixed
  // random permutation of the other bins (Fisher-Yates from splitmix64), so the walk always ends
  // within num_perm - 1 steps, with no rejection loop.
  const uint32_t k = num_perm_;
  if (k < 2) return;
  walk_.resize(static_cast<size_t>(k) * (k - 1));
  uint64_t state = kWalkSeed;
  for (uint32_t i = 0; i < k; ++i) {
    uint16_t* row = walk_.data() + static_cast<size_t>(i) * (k - 1);
    uint32_t t = 0;
    for (uint32_t j = 0; j < k; ++j) {
      if (j != i) row[t++] = static_cast<uint16_t>(j);
    }
    for (uint32_t a = k - 2; a > 0; --a) {
      const uint32_t b = static_cast<uint32_t>(splitmix64(state) % (a + 1));
      std::swap(row[a], row[b]);
    }
  }
}

uint32_t MinHasher::compute_from_hashes(std::span<const uint64_t> hashes, std::span<uint32_t> values,
                                        SignatureScratch& scratch) const {
  const uint32_t k = num_perm_;
  if (hashes.empty()) {
    std::fill(values.begin(), values.end(), std::numeric_limits<uint32_t>::max());
    return 0;
  }
  auto& bins = scratch.bins;
  bins.assign(k, kEmptyBin);
  for (const uint64_t h : hashes) {
    // High half picks the bin (multiply-shift range reduction), low half is the value, so the
    // two are independent bits of one XXH3 hash.
    const uint32_t bin = static_cast<uint32_t>(((h >> 32) * k) >> 32);
    const uint64_t value = h & 0xffffffffULL;
    if (value < bins[bin]) bins[bin] = value;
  }
  uint32_t filled = 0;
  uint32_t last_filled = 0;
  for (uint32_t i = 0; i < k; ++i) {
    if (bins[i] != kEmptyBin) { ++filled; last_filled = i; }
  }
  if (filled == 1) {
    // Every walk ends at the only non-empty bin.
    std::fill(values.begin(), values.end(), static_cast<uint32_t>(bins[last_filled]));
  } else {
    for (uint32_t i = 0; i < k; ++i) {
      if (bins[i] != kEmptyBin) {
        values[i] = static_cast<uint32_t>(bins[i]);
        continue;
      }
      const uint16_t* row = walk_.data() + static_cast<size_t>(i) * (k - 1);
      uint32_t t = 0;
      while (bins[row[t]] == kEmptyBin) ++t;  // ends: at least two bins are non-empty
      values[i] = static_cast<uint32_t>(bins[row[t]]);
    }
  }
  return static_cast<uint32_t>(std::min<size_t>(hashes.size(), std::numeric_limits<uint32_t>::max()));
}

uint32_t MinHasher::compute(std::string_view text, std::span<uint32_t> values, SignatureScratch& scratch) const {
  fold_for_comparison(text, scratch.folded);
  shingle_hashes(scratch.folded, shingle_, scratch.shingle_hashes);
  return compute_from_hashes(scratch.shingle_hashes, values, scratch);
}

MinHashSignature MinHasher::compute(std::string_view text) const {
  MinHashSignature signature;
  signature.values.resize(num_perm_);
  SignatureScratch scratch;
  signature.shingles = compute(text, signature.values, scratch);
  return signature;
}

void MinHasher::compute_batch(std::span<const std::string_view> texts, SignatureBatch& batch) const {
  batch.num_perm = num_perm_;
  const size_t first = batch.size();
  batch.values.resize((first + texts.size()) * num_perm_);
  batch.shingles.resize(first + texts.size());
  tbb::enumerable_thread_specific<SignatureScratch> scratches;
  tbb::parallel_for(tbb::blocked_range<size_t>(0, texts.size(), 16), [&](const tbb::blocked_range<size_t>& range) {
    SignatureScratch& scratch = scratches.local();
    for (size_t i = range.begin(); i != range.end(); ++i) {
      const size_t slot = first + i;
      std::span<uint32_t> values(batch.values.data() + slot * num_perm_, num_perm_);
      batch.shingles[slot] = compute(texts[i], values, scratch);
    }
  });
}

double estimate_jaccard(SignatureView a, SignatureView b) {
  if (a.shingles == 0 || b.shingles == 0 || a.values.size() != b.values.size() || a.values.empty()) return 0;
  size_t equal = 0;
  for (size_t i = 0; i < a.values.size(); ++i) equal += a.values[i] == b.values[i];
  return static_cast<double>(equal) / static_cast<double>(a.values.size());
}

}  // namespace tuneprep
