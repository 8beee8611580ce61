// NearLeakageIndex: the exact join finds every validation text whose shingle-set Jaccard with a
// train text reaches the threshold, as a brute-force comparison of all pairs does.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "tuneprep/leakage.hpp"

using namespace tuneprep;

namespace {

std::string random_text(std::mt19937_64& rng, size_t words) {
  static const char* kWords[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
                                 "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
                                 "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray"};
  std::string text;
  for (size_t i = 0; i < words; ++i) {
    if (i > 0) text += ' ';
    text += kWords[rng() % std::size(kWords)];
  }
  return text;
}

// A copy with `edits` words replaced.
std::string edited(const std::string& text, std::mt19937_64& rng, size_t edits) {
  std::vector<std::string> words;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    words.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  for (size_t e = 0; e < edits; ++e) words[rng() % words.size()] = "zulu" + std::to_string(rng() % 1000);
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) out += (i ? " " : "") + words[i];
  return out;
}

std::vector<uint64_t> set_of(const std::string& text, uint32_t n) {
  std::vector<uint64_t> hashes;
  shingle_hashes(fold_for_comparison(text), n, hashes);
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  return hashes;
}

// An index of `texts` (validation ids in order), sealed.
NearLeakageIndex sealed_index(double threshold, uint32_t shingle, const std::vector<std::string>& texts) {
  NearLeakageIndex index(threshold, shingle);
  for (const std::string& text : texts) index.add_validation(text);
  index.seal();
  return index;
}

}  // namespace

TEST_CASE("near leakage join matches a brute-force comparison of every pair") {
  std::mt19937_64 rng(7);
  constexpr double kThreshold = 0.8;
  constexpr uint32_t kShingle = 5;
  std::vector<std::string> train;
  std::vector<std::string> validation;
  for (int i = 0; i < 300; ++i) train.push_back(random_text(rng, 40 + rng() % 80));
  // Some train texts say the same thing twice or three times (repeated shingles count once), and
  // a few are long enough (over 8,192 shingles) to drop their repeats by sorting.
  for (int i = 0; i < 300; i += 10) train[i] += " " + train[i] + (i % 20 == 0 ? " " + train[i] : "");
  for (int i = 5; i < 300; i += 100) {
    const std::string once = train[i];
    for (int copy = 0; copy < 2; ++copy) train[i] += " " + once;
    train[i] += " " + random_text(rng, 9000);
  }
  for (int i = 0; i < 120; ++i) {
    // A third are light edits of a train text (most above the threshold, some just below).
    if (i % 3 == 0) {
      validation.push_back(edited(train[rng() % train.size()], rng, rng() % 4));
    } else {
      validation.push_back(random_text(rng, 40 + rng() % 80));
    }
  }
  NearLeakageIndex index(kThreshold, kShingle);
  for (const std::string& v : validation) index.add_validation(v);
  index.seal();

  std::vector<std::vector<uint64_t>> validation_sets;
  for (const std::string& v : validation) validation_sets.push_back(set_of(v, kShingle));
  NearLeakageIndex::Scratch scratch;
  std::vector<uint32_t> found;
  size_t pairs = 0;
  for (const std::string& t : train) {
    index.probe(t, scratch, found);
    const std::vector<uint64_t> train_set = set_of(t, kShingle);
    std::vector<uint32_t> expected;
    for (uint32_t id = 0; id < validation_sets.size(); ++id) {
      if (NearLeakageIndex::jaccard(train_set, validation_sets[id]) >= kThreshold) expected.push_back(id);
    }
    CHECK(found == expected);
    pairs += expected.size();
  }
  CHECK(pairs >= 10);  // the planted copies (most of them) are found
  // A train text that says a long validation text (over 8,192 shingles) twice has its set.
  const std::string long_text = random_text(rng, 9000);
  const NearLeakageIndex long_index = sealed_index(kThreshold, kShingle, {long_text});
  long_index.probe(long_text + " " + long_text, scratch, found);
  CHECK(found == std::vector<uint32_t>{0});
  // A validation text that is a train text said twice matches that train text's repeat.
  NearLeakageIndex repeated(kThreshold, kShingle);
  repeated.add_validation(train[1] + " " + train[1]);
  repeated.seal();
  repeated.probe(train[1] + " " + train[1] + " " + train[1], scratch, found);
  CHECK(found.size() == (NearLeakageIndex::jaccard(set_of(train[1] + " " + train[1], kShingle),
                                                   set_of(train[1] + " " + train[1] + " " + train[1], kShingle)) >= kThreshold
                             ? 1u
                             : 0u));
}

TEST_CASE("near leakage join: identical, disjoint and empty texts") {
  const NearLeakageIndex index = sealed_index(0.8, 5, {"the quick brown fox jumps over the lazy dog today", ""});
  NearLeakageIndex::Scratch scratch;
  std::vector<uint32_t> found;
  index.probe("The quick brown fox jumps over the lazy dog today!", scratch, found);
  CHECK(found == std::vector<uint32_t>{0});
  index.probe("completely different words in this sentence here", scratch, found);
  CHECK(found.empty());
  index.probe("", scratch, found);
  CHECK(found.empty());
  CHECK(index.validation_count() == 2);
  CHECK(index.memory_bytes() > 0);
}

TEST_CASE("near leakage join: validation texts that share their prefix are all found") {
  // Three validation copies put the same shingles in the posting array three times in a row;
  // a fourth text shares some of them. Under a low threshold the train text also matches it.
  const NearLeakageIndex index =
      sealed_index(0.3, 2, {"one two three four five six", "one two three four five six", "seven eight nine ten eleven",
                            "one two three four five six", "one two three four nine ten"});
  NearLeakageIndex::Scratch scratch;
  std::vector<uint32_t> found;
  index.probe("one two three four five six", scratch, found);
  CHECK(found == std::vector<uint32_t>{0, 1, 3, 4});
  index.probe("twelve thirteen fourteen", scratch, found);
  CHECK(found.empty());
}
