// tokenizer: byte-pair merging of one pretokenizer piece, exactly as tiktoken's byte_pair_merge:
// repeatedly merge the adjacent pair whose concatenation has the lowest rank, the leftmost one on
// ties, until no adjacent pair is a token.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "tokenizer/rank_table.hpp"

namespace tuneprep::detail {

// Reusable buffers of the merge, one set per thread, so merging allocates nothing once warm.
struct MergeScratch {
  struct Part {
    uint32_t start;  // byte offset of the part in the piece
    uint32_t rank;   // rank of this part merged with the next one, kNoRank if not a token
    uint32_t token;  // rank of the part itself
  };
  std::vector<Part> parts;
  // Linked-list merge for long pieces.
  std::vector<uint32_t> next;
  std::vector<uint32_t> prev;
  std::vector<uint64_t> heap;
};

// Pieces up to this many bytes use the quadratic array merge (what tiktoken always does); it has
// the best constant factor for the short pieces of ordinary text. Longer ones (runs of letters
// without spaces, long space runs, base64 blobs) use the O(n log n) heap merge.
inline constexpr size_t kQuadraticMergeMaxBytes = 96;

// Calls emit(token) for each token of `piece` (n >= 2 bytes), in order.
template <typename Emit>
void merge_short_piece(const RankTable& ranks, const uint32_t* byte_rank, const uint8_t* piece,
                       size_t n, MergeScratch& scratch, Emit&& emit) {
  auto& parts = scratch.parts;
  parts.resize(n + 1);
  MergeScratch::Part* P = parts.data();
  size_t count = n + 1;  // the last entry is an end sentinel
  for (size_t i = 0; i + 1 < n; ++i) {
    P[i] = {static_cast<uint32_t>(i), ranks.find(piece + i, 2), byte_rank[piece[i]]};
  }
  P[n - 1] = {static_cast<uint32_t>(n - 1), kNoRank, byte_rank[piece[n - 1]]};
  P[n] = {static_cast<uint32_t>(n), kNoRank, kNoRank};
  for (;;) {
    uint32_t min_rank = kNoRank;
    size_t at = 0;
    for (size_t i = 0; i + 1 < count; ++i) {
      if (P[i].rank < min_rank) {
        min_rank = P[i].rank;
        at = i;
      }
    }
    if (min_rank == kNoRank) break;
    // Merge part `at` with part `at + 1`.
    P[at].token = min_rank;
    for (size_t k = at + 1; k + 1 < count; ++k) P[k] = P[k + 1];
    --count;
    auto pair_rank = [&](size_t i) {
      return i + 2 < count ? ranks.find(piece + P[i].start, P[i + 2].start - P[i].start) : kNoRank;
    };
    P[at].rank = pair_rank(at);
    if (at > 0) P[at - 1].rank = pair_rank(at - 1);
  }
  for (size_t i = 0; i + 1 < count; ++i) emit(P[i].token);
}

// The same merge in O(n log n): parts form a doubly linked list and candidate pairs sit in a
// min-heap keyed by (rank, start). Entries go stale when a neighbour merges; a popped entry is
// used only if its part is still alive and still has that pair rank. A rank names one byte
// string, and a part's pair only ever grows, so a stale entry can never look current again.
template <typename Emit>
void merge_long_piece(const RankTable& ranks, const uint32_t* byte_rank, const uint8_t* piece,
                      size_t n, MergeScratch& scratch, Emit&& emit) {
  constexpr uint32_t kNone = UINT32_MAX;
  auto& parts = scratch.parts;
  auto& next = scratch.next;
  auto& prev = scratch.prev;
  auto& heap = scratch.heap;
  parts.resize(n);
  next.resize(n);
  prev.resize(n);
  heap.clear();
  // Parts are indexed by their start byte, so (rank << 32 | start) orders ties leftmost first.
  for (size_t i = 0; i < n; ++i) {
    parts[i] = {static_cast<uint32_t>(i), i + 1 < n ? ranks.find(piece + i, 2) : kNoRank,
                byte_rank[piece[i]]};
    next[i] = i + 1 < n ? static_cast<uint32_t>(i + 1) : kNone;
    prev[i] = i > 0 ? static_cast<uint32_t>(i - 1) : kNone;
    if (parts[i].rank != kNoRank) heap.push_back(static_cast<uint64_t>(parts[i].rank) << 32 | i);
  }
  auto greater = [](uint64_t a, uint64_t b) { return a > b; };
  std::make_heap(heap.begin(), heap.end(), greater);
  auto end_of = [&](uint32_t i) { return next[i] == kNone ? static_cast<uint32_t>(n) : next[i]; };
  auto pair_rank = [&](uint32_t i) {
    const uint32_t j = next[i];
    if (j == kNone) return kNoRank;
    return ranks.find(piece + i, end_of(j) - i);
  };
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), greater);
    const uint64_t top = heap.back();
    heap.pop_back();
    const auto rank = static_cast<uint32_t>(top >> 32);
    const auto i = static_cast<uint32_t>(top);
    if (parts[i].start == kNone || parts[i].rank != rank) continue;  // stale
    const uint32_t j = next[i];
    parts[i].token = rank;
    parts[j].start = kNone;  // dead
    next[i] = next[j];
    if (next[j] != kNone) prev[next[j]] = i;
    parts[i].rank = pair_rank(i);
    if (parts[i].rank != kNoRank) {
      heap.push_back(static_cast<uint64_t>(parts[i].rank) << 32 | i);
      std::push_heap(heap.begin(), heap.end(), greater);
    }
    if (prev[i] != kNone) {
      const uint32_t h = prev[i];
      parts[h].rank = pair_rank(h);
      if (parts[h].rank != kNoRank) {
        heap.push_back(static_cast<uint64_t>(parts[h].rank) << 32 | h);
        std::push_heap(heap.begin(), heap.end(), greater);
      }
    }
  }
  for (uint32_t i = 0; i != kNone; i = next[i]) emit(parts[i].token);
}

}  // namespace tuneprep::detail
