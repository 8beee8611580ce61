// libFuzzer target: folding, shingling, signatures and the index on arbitrary bytes.
#include <cstdlib>
#include <string>
#include <string_view>

#include "tuneprep/near_dedup.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tuneprep;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string folded = fold_for_comparison(text);
  // A folded text has single spaces between words and none at the ends, and folding is idempotent.
  if (!folded.empty() && (folded.front() == ' ' || folded.back() == ' ')) std::abort();
  if (folded.find("  ") != std::string::npos) std::abort();
  if (fold_for_comparison(folded) != folded) std::abort();

  static const MinHasher hasher(64, 3);
  const auto signature = hasher.compute(text);
  if (signature.shingles > 0 && estimate_jaccard(signature.view(), signature.view()) != 1.0) std::abort();

  NearDedupOptions options;
  options.num_perm = 64;
  options.shingle = 3;
  NearDuplicateIndex index(options);
  const auto first = index.add(0, signature);
  const auto second = index.add(1, signature);
  if (first.error || second.error || first.match) std::abort();
  if (signature.shingles > 0 && (!second.match || second.match->duplicate_of != 0)) std::abort();
  return 0;
}
