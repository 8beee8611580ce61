// Tests for near_dedup: folding, shingles, MinHash, banding, the index, clusters, conflicts.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include "tuneprep/near_dedup.hpp"

using namespace tuneprep;

namespace {

// A deterministic text of `words` words drawn from a small vocabulary.
std::string make_text(uint64_t seed, int words) {
  static const char* kVocabulary[] = {
      "model", "answer", "question", "data", "train", "customer", "order", "return", "policy", "store",
      "price", "stock", "market", "weather", "travel", "hotel", "flight", "ticket", "refund", "account",
      "password", "email", "support", "agent", "product", "review", "delivery", "package", "address", "city",
      "river", "mountain", "science", "history", "music", "movie", "script", "scene", "character", "dialogue",
      "the", "a", "of", "to", "and", "in", "is", "for", "with", "on"};
  constexpr size_t kCount = sizeof(kVocabulary) / sizeof(kVocabulary[0]);
  std::string text;
  uint64_t state = seed * 0x9e3779b97f4a7c15ULL + 1;
  for (int i = 0; i < words; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    if (i) text += ' ';
    text += kVocabulary[(state >> 33) % kCount];
  }
  return text;
}

std::vector<uint64_t> range_hashes(uint64_t begin, uint64_t end) {
  std::vector<uint64_t> hashes;
  for (uint64_t i = begin; i < end; ++i) hashes.push_back(i * 0x9e3779b97f4a7c15ULL ^ (i << 17) ^ 0x1234567);
  return hashes;
}

MinHashSignature signature_of(const MinHasher& hasher, const std::vector<uint64_t>& hashes) {
  MinHashSignature signature;
  signature.values.resize(hasher.num_perm());
  SignatureScratch scratch;
  signature.shingles = hasher.compute_from_hashes(hashes, signature.values, scratch);
  return signature;
}

std::vector<uint64_t> shingles_of(std::string_view text, uint32_t n) {
  std::vector<uint64_t> hashes;
  shingle_hashes(fold_for_comparison(text), n, hashes);
  return hashes;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Folding

TEST_CASE("Folding lowercases and folds punctuation and whitespace runs to one space") {
  CHECK(fold_for_comparison("Hello,  WORLD!") == "hello world");
  CHECK(fold_for_comparison("  --Order #42-B, please...\n\tNOW ") == "order 42 b please now");
  CHECK(fold_for_comparison("") == "");
  CHECK(fold_for_comparison(" ... !!! ") == "");
}

TEST_CASE("Folding ASCII eight bytes at a time matches folding byte by byte") {
  // The reference: word characters lowercased, every run of other bytes one space, none at the ends.
  const auto reference = [](std::string_view text) {
    std::string out;
    bool pending = false;
    for (char c : text) {
      const bool word = std::isalnum(static_cast<unsigned char>(c)) != 0;
      if (!word) {
        pending = !out.empty();
        continue;
      }
      if (pending) out.push_back(' ');
      pending = false;
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return out;
  };
  const std::string alphabet = "abcXYZ09  ,.-!\t";
  uint64_t state = 42;
  for (int round = 0; round < 20000; ++round) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const size_t length = (state >> 33) % 40;
    std::string text;
    for (size_t i = 0; i < length; ++i) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      // Mostly word characters and single spaces, as in prose, so the fast path runs often.
      const uint64_t pick = (state >> 33) % 100;
      text.push_back(pick < 70 ? alphabet[pick % 6 + (pick % 3 == 0 ? 3 : 0)]
                               : alphabet[(state >> 40) % alphabet.size()]);
    }
    INFO(text);
    REQUIRE(fold_for_comparison(text) == reference(text));
  }
  CHECK(fold_for_comparison("Hello World, This Is Fine") == "hello world this is fine");
  CHECK(fold_for_comparison(" leading space01234567") == "leading space01234567");
  CHECK(fold_for_comparison("abcdefg ,hijklmno") == "abcdefg hijklmno");
}

TEST_CASE("Folding keeps digits and folds full-width forms and case variants") {
  CHECK(fold_for_comparison("ＡＢＣ１２３") == "abc123");
  CHECK(fold_for_comparison("Straße") == "strasse");
  CHECK(fold_for_comparison("ΣΊΣΥΦΟΣ") == fold_for_comparison("σίσυφος"));
}

TEST_CASE("Folding treats precomposed and decomposed accents alike") {
  CHECK(fold_for_comparison("Caf\xC3\xA9") == fold_for_comparison("Cafe\xCC\x81"));
  CHECK(fold_for_comparison("Caf\xC3\xA9") == "cafe\xCC\x81");
}

TEST_CASE("Folding turns invalid UTF-8, NUL and controls into separators") {
  CHECK(fold_for_comparison(std::string_view("a\xff\xfe" "b", 4)) == "a b");
  CHECK(fold_for_comparison(std::string_view("a\0b", 3)) == "a b");
  CHECK(fold_for_comparison("a\x01\x02" "b") == "a b");
  CHECK(fold_for_comparison("\xE4\xBD") == "");  // truncated 3-byte sequence
}

TEST_CASE("Folding drops default-ignorable code points such as soft hyphens and zero-width joiners") {
  CHECK(fold_for_comparison("co\xC2\xADoperate") == "cooperate");
  CHECK(fold_for_comparison("ab\xE2\x80\x8D" "cd") == "abcd");
}

// ---------------------------------------------------------------------------------------------
// Shingles

TEST_CASE("Shingle kind is words for spaced scripts and characters for CJK and Thai") {
  CHECK(choose_shingle_kind("the quick brown fox") == ShingleKind::kWords);
  CHECK(choose_shingle_kind(fold_for_comparison("我爱北京天安门")) == ShingleKind::kCharacters);
  CHECK(choose_shingle_kind(fold_for_comparison("東京は日本の首都です")) == ShingleKind::kCharacters);
  CHECK(choose_shingle_kind(fold_for_comparison("ภาษาไทยไม่มีช่องว่าง")) == ShingleKind::kCharacters);
  // Hangul is written with spaces between words.
  CHECK(choose_shingle_kind(fold_for_comparison("안녕하세요 만나서 반갑습니다")) == ShingleKind::kWords);
  // Mostly English with one CJK term stays words.
  CHECK(choose_shingle_kind(fold_for_comparison("please translate 你好 into english for me")) == ShingleKind::kWords);
  CHECK(choose_shingle_kind("") == ShingleKind::kWords);
}

TEST_CASE("Shingle kind is characters for a long run without spaces") {
  const std::string run(80, 'x');
  CHECK(choose_shingle_kind(run) == ShingleKind::kCharacters);
  CHECK(choose_shingle_kind(run + " y") == ShingleKind::kCharacters);
  CHECK(choose_shingle_kind(std::string(30, 'x')) == ShingleKind::kWords);  // too short to judge
}

// The rule for text without bytes >= 0xE0, byte by byte as docs/dedup.md states it; nullopt
// for text with such a byte (the other path).
std::optional<ShingleKind> narrow_text_kind(std::string_view text) {
  uint64_t cps = 0, spaces = 0;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0xE0) return std::nullopt;
    spaces += c == ' ';
    cps += (c & 0xC0) != 0x80;
  }
  cps -= spaces;
  return cps >= 64 && spaces * 24 < cps ? ShingleKind::kCharacters : ShingleKind::kWords;
}

TEST_CASE("Shingle kind counts spaces and code points exactly at every length (the 16-byte steps)") {
  // Right at the ratio's edge (cps == 24 * spaces, then one more), with the spaces anywhere, and
  // lengths past 255 steps of 16 bytes, where the lane counters are summed.
  for (size_t spaces : {3u, 10u, 200u, 300u}) {
    for (int extra : {0, 1}) {
      const size_t cps = 24 * spaces + static_cast<size_t>(extra);
      std::string text;
      for (size_t i = 0; i < cps; ++i) {
        text += i % 7 == 3 ? "\xC3\xA9" : "x";  // two-byte letters count once
        if (i % 24 == 11) text += ' ';         // `spaces` of them, cps / 24 rounded down
      }
      CAPTURE(spaces, extra, text.size());
      REQUIRE(narrow_text_kind(text).has_value());
      CHECK(choose_shingle_kind(text) == *narrow_text_kind(text));
    }
  }
  std::mt19937 random(7);
  for (int round = 0; round < 3000; ++round) {
    const size_t length = random() % (round < 2000 ? 200 : 9000);
    std::string text;
    while (text.size() < length) {
      const unsigned pick = random() % 40;
      if (pick < 3) {
        text += ' ';
      } else if (pick == 3) {
        text += "\xC3\xA9";
      } else {
        text += static_cast<char>('a' + random() % 26);
      }
    }
    CAPTURE(round, text.size());
    CHECK(choose_shingle_kind(text) == *narrow_text_kind(text));
  }
}

TEST_CASE("Shingle kind sees an unspaced script wherever its first byte falls") {
  for (size_t prefix = 0; prefix < 40; ++prefix) {
    std::string text(prefix, 'a');
    for (size_t i = 0; i < prefix; i += 2) text[i] = ' ';
    for (int i = 0; i < 60; ++i) text += "\xE6\x88\x91";  // 我
    CAPTURE(prefix);
    CHECK(choose_shingle_kind(text) == ShingleKind::kCharacters);
  }
}

TEST_CASE("Word shingles are the n-word windows of the folded text") {
  const auto hashes = shingles_of("A b, c d e f!", 5);
  REQUIRE(hashes.size() == 2);
  // The window "b c d e f" is the first shingle of a text starting with it.
  CHECK(shingles_of("b c d e f g", 5).front() == hashes[1]);
  CHECK(hashes[0] != hashes[1]);
  CHECK(shingles_of("one two three four five six seven", 3).size() == 5);
}

TEST_CASE("A text with fewer words than n gives one shingle of all its words") {
  const auto hashes = shingles_of("Hello there, world", 5);
  REQUIRE(hashes.size() == 1);
  CHECK(shingles_of("hello THERE world!!", 5) == hashes);
  CHECK(shingles_of("hello there", 5) != hashes);
  CHECK(shingles_of("!!!", 5).empty());
  CHECK(shingles_of("", 5).empty());
}

TEST_CASE("Shingle size 0 is treated as 1") {
  CHECK(shingles_of("a b c", 0) == shingles_of("a b c", 1));
  CHECK(shingles_of("a b c", 1).size() == 3);
}

TEST_CASE("CJK text gets character shingles that ignore punctuation") {
  const auto hashes = shingles_of("我爱北京天安门", 5);
  CHECK(hashes.size() == 3);  // 7 characters, windows of 5
  CHECK(shingles_of("我爱北京，天安门。", 5) == hashes);
  CHECK(shingles_of("你好", 5).size() == 1);
  // One changed character changes only the windows that cover it.
  const auto a = shingles_of("今天天气很好我们去公园散步吧", 5);
  const auto b = shingles_of("今天天气很好我们去公园跑步吧", 5);
  REQUIRE(a.size() == 10);
  REQUIRE(b.size() == 10);
  std::set<uint64_t> sa(a.begin(), a.end()), sb(b.begin(), b.end());
  std::vector<uint64_t> common;
  std::set_intersection(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(common));
  CHECK(common.size() == 7);  // windows starting at 7, 8, 9 cover the change
}

TEST_CASE("Thai text gets character shingles") {
  const auto hashes = shingles_of("สวัสดีครับ", 5);
  // 10 code points (consonants, vowels and tone marks each count), windows of 5.
  CHECK(hashes.size() == 6);
}

// ---------------------------------------------------------------------------------------------
// MinHash

TEST_CASE("MinHash signature of the same text is the same every time") {
  const MinHasher hasher(128, 5);
  const std::string text = make_text(7, 200);
  const auto a = hasher.compute(text);
  const auto b = MinHasher(128, 5).compute(text);
  CHECK(a.values == b.values);
  CHECK(a.shingles == 196);
  REQUIRE(a.values.size() == 128);
}

TEST_CASE("MinHash signature values are pinned across runs and machines") {
  // Changing a seed, the folding or the shingling changes these; that invalidates stored
  // fingerprints, so it must be a deliberate change.
  const auto signature = MinHasher(128, 5).compute("The quick brown fox jumps over the lazy dog near the river bank.");
  REQUIRE(signature.shingles == 9);
  CHECK(signature.values[0] == 0x31aa3957u);
  CHECK(signature.values[1] == 0x38132c22u);
  CHECK(signature.values[127] == 0x080ff299u);
}

TEST_CASE("MinHash batch signatures do not depend on the thread count") {
  const MinHasher hasher(128, 5);
  std::vector<std::string> texts;
  for (int i = 0; i < 300; ++i) texts.push_back(make_text(i, 20 + i % 90));
  texts.push_back("");
  texts.push_back("我爱北京天安门");
  std::vector<std::string_view> views(texts.begin(), texts.end());
  SignatureBatch one, two;
  tbb::task_arena(1).execute([&] { hasher.compute_batch(views, one); });
  tbb::task_arena(2).execute([&] { hasher.compute_batch(views, two); });
  CHECK(one.values == two.values);
  CHECK(one.shingles == two.shingles);
  REQUIRE(one.size() == texts.size());
  for (size_t i = 0; i < texts.size(); i += 37) {
    const auto single = hasher.compute(texts[i]);
    CHECK(std::equal(single.values.begin(), single.values.end(), one[i].values.begin()));
  }
  CHECK(one[300].shingles == 0);
}

TEST_CASE("MinHash estimate follows the true Jaccard similarity") {
  const MinHasher hasher(256, 5);
  // |A| = |B| = 1000 with 750 in common: J = 750 / 1250 = 0.6.
  const auto a = signature_of(hasher, range_hashes(0, 1000));
  const auto b = signature_of(hasher, range_hashes(250, 1250));
  CHECK(estimate_jaccard(a.view(), b.view()) == Approx(0.6).margin(0.08));
  CHECK(estimate_jaccard(a.view(), a.view()) == 1.0);
  const auto c = signature_of(hasher, range_hashes(5000, 6000));
  CHECK(estimate_jaccard(a.view(), c.view()) < 0.05);
}

TEST_CASE("MinHash estimate stays unbiased for sets smaller than the number of values") {
  // Densification fills most bins here; average over many pairs with J = 10 / 30.
  const MinHasher hasher(128, 5);
  double sum = 0;
  constexpr int kPairs = 200;
  for (int p = 0; p < kPairs; ++p) {
    const uint64_t base = 1000 * p;
    const auto a = signature_of(hasher, range_hashes(base, base + 20));
    const auto b = signature_of(hasher, range_hashes(base + 10, base + 30));
    sum += estimate_jaccard(a.view(), b.view());
  }
  CHECK(sum / kPairs == Approx(1.0 / 3.0).margin(0.03));
}

TEST_CASE("A text without letters or digits has an empty signature that matches nothing") {
  const auto empty = MinHasher().compute("?! ... --");
  CHECK(empty.shingles == 0);
  CHECK(estimate_jaccard(empty.view(), empty.view()) == 0.0);
}

TEST_CASE("Two different one-shingle texts do not look alike") {
  const MinHasher hasher;
  CHECK(estimate_jaccard(hasher.compute("hello").view(), hasher.compute("thanks").view()) == 0.0);
  CHECK(estimate_jaccard(hasher.compute("Hello!").view(), hasher.compute("hello").view()) == 1.0);
}

// ---------------------------------------------------------------------------------------------
// Banding

TEST_CASE("LSH bands for 0.8 with 128 values match datasketch's choice for equal weights") {
  const auto bands = choose_lsh_bands(0.8, 128, 0.5, 0.5);
  CHECK(bands.bands == 9);
  CHECK(bands.rows == 13);
}

TEST_CASE("LSH bands for the default recall-leaning weights") {
  const NearDedupOptions options;
  const auto bands = choose_lsh_bands(options.threshold, options.num_perm, options.false_positive_weight,
                                      options.false_negative_weight);
  CHECK(bands.bands == 16);
  CHECK(bands.rows == 8);
  CHECK(NearDuplicateIndex(options).bands().bands == 16);
  CHECK(lsh_candidate_probability(0.8, bands) > 0.94);
}

TEST_CASE("LSH bands never use more values than the signature has") {
  for (const uint32_t num_perm : {1u, 7u, 64u, 100u, 128u, 256u}) {
    for (const double threshold : {0.5, 0.7, 0.8, 0.9, 0.95}) {
      const auto bands = choose_lsh_bands(threshold, num_perm, 0.5, 0.5);
      CHECK(bands.bands >= 1);
      CHECK(bands.rows >= 1);
      CHECK(bands.bands * bands.rows <= num_perm);
    }
  }
}

TEST_CASE("LSH candidate probability rises monotonically from 0 to 1") {
  const LshBands bands{12, 10};
  CHECK(lsh_candidate_probability(0.0, bands) == 0.0);
  CHECK(lsh_candidate_probability(1.0, bands) == 1.0);
  double previous = -1;
  for (int i = 0; i <= 100; ++i) {
    const double p = lsh_candidate_probability(i / 100.0, bands);
    CHECK(p >= previous);
    previous = p;
  }
  CHECK(lsh_candidate_probability(0.5, bands) < 0.02);
  CHECK(lsh_candidate_probability(0.9, bands) > 0.99);
}

TEST_CASE("A higher threshold gives a steeper, later curve") {
  const auto low = choose_lsh_bands(0.5, 128, 0.5, 0.5);
  const auto high = choose_lsh_bands(0.9, 128, 0.5, 0.5);
  CHECK(high.rows > low.rows);
  CHECK(lsh_candidate_probability(0.6, high) < lsh_candidate_probability(0.6, low));
}

// ---------------------------------------------------------------------------------------------
// Index

TEST_CASE("A near copy with one changed word is found and points to the first record") {
  const MinHasher hasher;
  NearDuplicateIndex index{NearDedupOptions{}};
  const std::string original = make_text(1, 120);
  std::string copy = original;
  copy.replace(copy.find(' ', 200) + 1, 0, "zebra ");  // one inserted word

  const auto first = index.add(10, hasher.compute(original));
  CHECK_FALSE(first.match);
  CHECK_FALSE(first.error);
  CHECK(first.cluster == 10);

  const auto unrelated = index.add(11, hasher.compute(make_text(2, 120)));
  CHECK_FALSE(unrelated.match);
  CHECK(unrelated.cluster == 11);

  const auto second = index.add(12, hasher.compute(copy));
  REQUIRE(second.match);
  CHECK(second.match->duplicate_of == 10);
  CHECK(second.match->similarity >= 0.8);
  CHECK(second.match->similarity < 1.0);
  CHECK(second.cluster == 10);

  CHECK(index.records() == 3);
  CHECK(index.kept_records() == 2);
  CHECK(index.cluster_of(12) == 10u);
  CHECK(index.cluster_of(11) == 11u);
  CHECK_FALSE(index.cluster_of(13));
}

TEST_CASE("Punctuation, case and spacing differences are similarity 1") {
  const MinHasher hasher;
  NearDuplicateIndex index{NearDedupOptions{}};
  index.add(0, hasher.compute("Please reset my password; I can't log in to my account since Monday."));
  const auto copy = index.add(1, hasher.compute("please reset my password i can t log in to my ACCOUNT since monday"));
  REQUIRE(copy.match);
  CHECK(copy.match->similarity == 1.0);
}

TEST_CASE("Texts from the same template with different content are not near duplicates") {
  const MinHasher hasher;
  NearDuplicateIndex index{NearDedupOptions{}};
  const std::string header = "You are a helpful assistant for an online store. Answer the customer politely. ";
  for (int i = 0; i < 50; ++i) {
    const auto result = index.add(i, hasher.compute(header + make_text(100 + i, 60)));
    CHECK_FALSE(result.match);
  }
  CHECK(index.kept_records() == 50);
}

TEST_CASE("Empty texts are kept alone and never indexed") {
  const MinHasher hasher;
  NearDuplicateIndex index{NearDedupOptions{}};
  CHECK_FALSE(index.add(0, hasher.compute("...")).match);
  const auto second = index.add(1, hasher.compute(""));
  CHECK_FALSE(second.match);
  CHECK(second.cluster == 1);
  CHECK(index.kept_records() == 0);
}

TEST_CASE("Index rejects ids out of order and signatures of the wrong size without changing") {
  NearDuplicateIndex index{NearDedupOptions{}};
  const MinHasher hasher;
  REQUIRE_FALSE(index.add(5, hasher.compute("first text here")).error);
  const auto again = index.add(5, hasher.compute("second text"));
  REQUIRE(again.error);
  CHECK(again.error->code == NearIndexError::Code::kIdNotIncreasing);
  CHECK(again.error->message == "near-duplicate index: record id 5 after id 5; ids must increase");
  const auto wrong = index.add(6, MinHasher(64, 5).compute("short signature"));
  REQUIRE(wrong.error);
  CHECK(wrong.error->code == NearIndexError::Code::kSignatureSize);
  CHECK(index.records() == 1);
}

TEST_CASE("A record similar to two separate clusters merges them under the earliest record") {
  NearDedupOptions options;
  options.num_perm = 512;
  options.threshold = 0.6;
  const MinHasher hasher(512, 5);
  NearDuplicateIndex index(options);
  // J(A, B) = 60/140; J(C, A) = J(C, B) = 80/120.
  const auto a = signature_of(hasher, range_hashes(0, 100));
  const auto b = signature_of(hasher, range_hashes(40, 140));
  const auto c = signature_of(hasher, range_hashes(20, 120));
  const auto d = signature_of(hasher, range_hashes(38, 140));  // a near copy of B
  CHECK_FALSE(index.add(100, a).match);
  CHECK_FALSE(index.add(200, b).match);
  const auto d_result = index.add(250, d);
  REQUIRE(d_result.match);
  CHECK(d_result.match->duplicate_of == 200);
  CHECK(index.cluster_of(200) == 200u);
  const auto c_result = index.add(300, c);
  REQUIRE(c_result.match);
  CHECK(c_result.match->duplicate_of == 100);
  CHECK(c_result.cluster == 100);
  CHECK(index.cluster_of(200) == 100u);
  CHECK(index.cluster_of(250) == 100u);
  using Pair = std::pair<uint64_t, uint64_t>;
  CHECK(index.clusters() == std::vector<Pair>{{100, 100}, {200, 100}, {250, 100}, {300, 100}});
}

TEST_CASE("Batch add gives the same results as adding one by one") {
  const MinHasher hasher;
  std::vector<std::string> texts;
  for (int i = 0; i < 40; ++i) texts.push_back(make_text(i % 25, 80));  // 15 exact repeats
  std::vector<std::string_view> views(texts.begin(), texts.end());
  SignatureBatch batch;
  hasher.compute_batch(views, batch);
  std::vector<uint64_t> ids(texts.size());
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = i * 3;

  NearDuplicateIndex batched{NearDedupOptions{}}, single{NearDedupOptions{}};
  std::vector<NearAddResult> results;
  CHECK(batched.add_batch(ids, batch, results) == texts.size());
  REQUIRE(results.size() == texts.size());
  int duplicates = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto expected = single.add(ids[i], hasher.compute(texts[i]));
    CHECK(results[i].match.has_value() == expected.match.has_value());
    CHECK(results[i].cluster == expected.cluster);
    if (expected.match) {
      ++duplicates;
      CHECK(expected.match->duplicate_of == (i - 25) * 3);
    }
  }
  CHECK(duplicates == 15);
}

// ---------------------------------------------------------------------------------------------
// Memory

TEST_CASE("Index memory estimate stays under 300 bytes per record at the defaults") {
  const NearDedupOptions options;
  // Every count from 10,000 to 200 million, in steps of 3%, including the points just past a
  // table doubling (786,433 = 3/4 of 2^20, plus one).
  // Fixed-size chunks weigh more on small inputs.
  double worst_small = 0, worst = 0;
  for (uint64_t records = 10000; records < 200000000; records = records * 103 / 100) {
    const double per_record = static_cast<double>(estimate_index_bytes(records, options)) / records;
    (records < 100000 ? worst_small : worst) = std::max(records < 100000 ? worst_small : worst, per_record);
  }
  worst = std::max(worst, static_cast<double>(estimate_index_bytes(786433, options)) / 786433);
  CHECK(worst_small < 300);
  CHECK(worst < 260);
  const double at_million = static_cast<double>(estimate_index_bytes(1000000, options)) / 1000000;
  CHECK(at_million > 150);
  CHECK(at_million < 230);
}

TEST_CASE("Index memory never exceeds the estimate") {
  const MinHasher hasher;
  NearDuplicateIndex index{NearDedupOptions{}};
  for (uint64_t i = 0; i < 30000; ++i) {
    const auto result = index.add(i, signature_of(hasher, range_hashes(i * 50, i * 50 + 50)));
    REQUIRE_FALSE(result.error);
    if (i % 997 == 0 || i == 29999) {
      REQUIRE(index.memory_bytes() <= estimate_index_bytes(i + 1, NearDedupOptions{}));
    }
  }
  CHECK(index.kept_records() == 30000);
}

TEST_CASE("Index returns a budget error before passing max_memory and stays usable") {
  NearDedupOptions options;
  options.max_memory = estimate_index_bytes(5000, options);
  const MinHasher hasher;
  NearDuplicateIndex index(options);
  uint64_t added = 0;
  std::optional<NearIndexError> error;
  for (uint64_t i = 0; i < 200000 && !error; ++i) {
    auto result = index.add(i, signature_of(hasher, range_hashes(i * 40, i * 40 + 40)));
    if (result.error) error = result.error; else ++added;
    REQUIRE(index.memory_bytes() <= options.max_memory);
  }
  REQUIRE(error);
  CHECK(error->code == NearIndexError::Code::kMemoryBudget);
  CHECK(error->message.find("--max-memory") != std::string::npos);
  CHECK(added >= 5000);
  CHECK(added < 200000);
  CHECK(index.records() == added);
  // The next insert fails the same way; nothing was half-added.
  const auto retry = index.add(added, signature_of(hasher, range_hashes(1, 41)));
  REQUIRE(retry.error);
  CHECK(index.records() == added);
}

// ---------------------------------------------------------------------------------------------
// Conflicts and compared text

TEST_CASE("Conflict grouping reports prompts seen with different answers") {
  ConflictGrouper grouper;
  const TextKey p1 = comparison_key("What is the capital of France?");
  const TextKey p2 = comparison_key("How do I reset my password?");
  const TextKey p3 = comparison_key("Say hi");
  CHECK_FALSE(grouper.add(0, p1, 111));
  CHECK_FALSE(grouper.add(1, p2, 222));
  const auto same = grouper.add(2, comparison_key("what is the capital of france"), 111);
  REQUIRE(same);
  CHECK(same->first_id == 0);
  CHECK_FALSE(same->answer_differs_from_first);
  CHECK_FALSE(grouper.add(3, p3, 333));
  const auto other = grouper.add(4, p2, 999);
  REQUIRE(other);
  CHECK(other->first_id == 1);
  CHECK(other->answer_differs_from_first);
  grouper.add(5, p2, 222);
  grouper.add(6, p1, 112);

  const auto groups = grouper.groups();
  REQUIRE(groups.size() == 2);
  CHECK(groups[0].prompt == p1);
  CHECK(groups[0].ids == std::vector<uint64_t>{0, 2, 6});
  CHECK(groups[0].distinct_answers == 2);
  CHECK(groups[1].prompt == p2);
  CHECK(groups[1].ids == std::vector<uint64_t>{1, 4, 5});
  CHECK(groups[1].distinct_answers == 2);
  CHECK(grouper.memory_bytes() > 0);
}

TEST_CASE("Conflict grouping handles many prompts across table growth") {
  ConflictGrouper grouper;
  for (uint64_t i = 0; i < 5000; ++i) grouper.add(i, TextKey{i, 7}, 1);
  for (uint64_t i = 0; i < 5000; i += 1000) grouper.add(5000 + i, TextKey{i, 7}, 2);
  const auto groups = grouper.groups();
  REQUIRE(groups.size() == 5);
  CHECK(groups[4].ids == std::vector<uint64_t>{4000, 9000});
}

TEST_CASE("Conflict grouping reserved up front finds the same groups and does not grow before the reserved count") {
  ConflictGrouper grouper;
  grouper.add(0, TextKey{0, 7}, 1);
  grouper.reserve(5000);
  const uint64_t reserved = grouper.memory_bytes();
  for (uint64_t i = 1; i < 5000; ++i) grouper.add(i, TextKey{i, 7}, 1);
  CHECK(grouper.memory_bytes() == reserved);
  for (uint64_t i = 0; i < 5000; i += 1000) grouper.add(5000 + i, TextKey{i, 7}, 2);
  const auto groups = grouper.groups();
  REQUIRE(groups.size() == 5);
  CHECK(groups[0].ids == std::vector<uint64_t>{0, 5000});  // the entry from before the rehash
  CHECK(groups[4].ids == std::vector<uint64_t>{4000, 9000});
}

TEST_CASE("Comparison key ignores case, punctuation and spacing") {
  CHECK(comparison_key("What is 2+2?") == comparison_key("what is 2 + 2"));
  CHECK_FALSE(comparison_key("What is 2+2?") == comparison_key("What is 2+3?"));
}

namespace {

Message text_message(Role role, std::string text) { return {role, std::move(text), "", "", {}, "", "", ""}; }

Example chat_of(std::vector<Message> messages) {
  Example example;
  example.messages = std::move(messages);
  return example;
}

struct Keys {
  TextKey prompt;
  uint64_t answer = 0;
};

std::optional<Keys> keys_of(const Example& example) {
  Keys keys;
  if (!conflict_keys(example, keys.prompt, keys.answer)) return std::nullopt;
  return keys;
}

}  // namespace

TEST_CASE("Conflict keys split the prompt from the final run of assistant messages") {
  const auto base = keys_of(chat_of({text_message(Role::kSystem, "Be brief."), text_message(Role::kUser, "Hi"),
                                     text_message(Role::kAssistant, "Hello"), text_message(Role::kAssistant, "there")}));
  REQUIRE(base);
  // The same prompt with another answer run: same prompt key, different answer key.
  const auto other_answer = keys_of(chat_of({text_message(Role::kSystem, "Be brief."), text_message(Role::kUser, "Hi"),
                                             text_message(Role::kAssistant, "Hello")}));
  REQUIRE(other_answer);
  CHECK(other_answer->prompt == base->prompt);
  CHECK(other_answer->answer != base->answer);
  // An earlier assistant turn belongs to the prompt, not the answer.
  const auto multi_turn = keys_of(chat_of({text_message(Role::kSystem, "Be brief."), text_message(Role::kUser, "Hi"),
                                           text_message(Role::kAssistant, "Hello"), text_message(Role::kUser, "Hi"),
                                           text_message(Role::kAssistant, "Hello")}));
  REQUIRE(multi_turn);
  CHECK_FALSE(multi_turn->prompt == base->prompt);
  CHECK(multi_turn->answer == other_answer->answer);
  // The role is part of the key.
  const auto as_system = keys_of(chat_of({text_message(Role::kSystem, "Be brief."), text_message(Role::kSystem, "Hi"),
                                          text_message(Role::kAssistant, "Hello")}));
  REQUIRE(as_system);
  CHECK_FALSE(as_system->prompt == other_answer->prompt);
}

TEST_CASE("Conflict keys compare trimmed exact text, so case matters and edge whitespace does not") {
  const auto plain = keys_of(chat_of({text_message(Role::kUser, "What is 2+2?"), text_message(Role::kAssistant, "4")}));
  const auto padded =
      keys_of(chat_of({text_message(Role::kUser, " \t\r\nWhat is 2+2?\n "), text_message(Role::kAssistant, "4\r\n")}));
  const auto lower = keys_of(chat_of({text_message(Role::kUser, "what is 2+2?"), text_message(Role::kAssistant, "4")}));
  const auto inner = keys_of(chat_of({text_message(Role::kUser, "What is  2+2?"), text_message(Role::kAssistant, "4")}));
  REQUIRE(plain);
  REQUIRE(padded);
  REQUIRE(lower);
  REQUIRE(inner);
  CHECK(padded->prompt == plain->prompt);
  CHECK(padded->answer == plain->answer);
  CHECK_FALSE(lower->prompt == plain->prompt);
  CHECK_FALSE(inner->prompt == plain->prompt);
  CHECK(lower->answer == plain->answer);
}

TEST_CASE("Conflict keys separate messages, so ab+c differs from a+bc") {
  const auto ab_c = keys_of(chat_of({text_message(Role::kUser, "ab"), text_message(Role::kUser, "c"),
                                     text_message(Role::kAssistant, "x"), text_message(Role::kAssistant, "yz")}));
  const auto a_bc = keys_of(chat_of({text_message(Role::kUser, "a"), text_message(Role::kUser, "bc"),
                                     text_message(Role::kAssistant, "xy"), text_message(Role::kAssistant, "z")}));
  REQUIRE(ab_c);
  REQUIRE(a_bc);
  CHECK_FALSE(ab_c->prompt == a_bc->prompt);
  CHECK(ab_c->answer != a_bc->answer);
  // The role byte alone does not separate them: a text may end or start with that byte (a user
  // message's role is 1), so each message ends with a NUL.
  const std::string role_byte(1, static_cast<char>(Role::kUser));
  const auto ends_with_role = keys_of(chat_of({text_message(Role::kUser, "a" + role_byte), text_message(Role::kUser, "b"),
                                               text_message(Role::kAssistant, "x")}));
  const auto starts_with_role = keys_of(chat_of({text_message(Role::kUser, "a"), text_message(Role::kUser, role_byte + "b"),
                                                 text_message(Role::kAssistant, "x")}));
  REQUIRE(ends_with_role);
  REQUIRE(starts_with_role);
  CHECK_FALSE(ends_with_role->prompt == starts_with_role->prompt);
}

TEST_CASE("Conflict keys of an assistant message without text use its tool calls") {
  Message call{Role::kAssistant, std::nullopt, "", "", {}, R"([{"id":"1"}])", "", ""};
  Message other_call{Role::kAssistant, std::nullopt, "", "", {}, R"([{"id":"2"}])", "", ""};
  const auto first = keys_of(chat_of({text_message(Role::kUser, "Weather?"), call}));
  const auto second = keys_of(chat_of({text_message(Role::kUser, "Weather?"), other_call}));
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->prompt == second->prompt);
  CHECK(first->answer != second->answer);
}

TEST_CASE("Conflict keys are absent for preference pairs and chats without a prompt or an answer") {
  Example pair;
  pair.kind = ExampleKind::kPreference;
  pair.messages.push_back(text_message(Role::kUser, "Q"));
  pair.preferred.push_back(text_message(Role::kAssistant, "good"));
  pair.non_preferred.push_back(text_message(Role::kAssistant, "bad"));
  const TextKey untouched{7, 9};
  TextKey prompt = untouched;
  uint64_t answer = 11;
  CHECK_FALSE(conflict_keys(pair, prompt, answer));
  CHECK_FALSE(conflict_keys(chat_of({text_message(Role::kAssistant, "a"), text_message(Role::kAssistant, "b")}),
                            prompt, answer));
  CHECK_FALSE(conflict_keys(chat_of({text_message(Role::kSystem, "s"), text_message(Role::kUser, "u")}), prompt, answer));
  CHECK_FALSE(conflict_keys(Example{}, prompt, answer));
  CHECK(prompt == untouched);
  CHECK(answer == 11);
}

TEST_CASE("Compared text follows --dedup-on for chat and preference examples") {
  Example chat;
  chat.messages.push_back({Role::kSystem, std::string("Be brief."), "", "", {}, "", "", ""});
  chat.messages.push_back({Role::kUser, std::string("Hi"), "", "", {}, "", "", ""});
  chat.messages.push_back({Role::kAssistant, std::nullopt, "", "", {}, R"([{"id":"1"}])", "", ""});
  chat.messages.push_back({Role::kAssistant, std::string("Hello!"), "", "", {}, "", "", ""});
  CHECK(comparison_text(chat, DedupOn::kConversation) == "Be brief.\nHi\n[{\"id\":\"1\"}]\nHello!");
  CHECK(comparison_text(chat, DedupOn::kPrompt) == "Be brief.\nHi");
  CHECK(comparison_text(chat, DedupOn::kResponse) == "[{\"id\":\"1\"}]\nHello!");

  Example pair;
  pair.kind = ExampleKind::kPreference;
  pair.messages.push_back({Role::kUser, std::string("Q"), "", "", {}, "", "", ""});
  pair.preferred.push_back({Role::kAssistant, std::string("good"), "", "", {}, "", "", ""});
  pair.non_preferred.push_back({Role::kAssistant, std::string("bad"), "", "", {}, "", "", ""});
  CHECK(comparison_text(pair, DedupOn::kConversation) == "Q\ngood\nbad");
  CHECK(comparison_text(pair, DedupOn::kPrompt) == "Q");
  CHECK(comparison_text(pair, DedupOn::kResponse) == "good");

  CHECK(dedup_on_from_name("prompt") == DedupOn::kPrompt);
  CHECK_FALSE(dedup_on_from_name("everything"));
}

TEST_CASE("Folding random bytes gives single-spaced, idempotent output and valid signatures") {
  uint64_t state = 42;
  const MinHasher hasher(64, 3);
  for (int round = 0; round < 2000; ++round) {
    std::string bytes(round % 97, '\0');
    for (char& c : bytes) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      // Mostly ASCII letters and spaces, some high bytes (valid or not as UTF-8).
      const auto r = static_cast<unsigned>(state >> 56);
      c = static_cast<char>(r < 160 ? 'a' + r % 26 : r < 200 ? ' ' : r);
    }
    const std::string folded = fold_for_comparison(bytes);
    INFO("round " << round);
    CHECK(folded.find("  ") == std::string::npos);
    CHECK((folded.empty() || (folded.front() != ' ' && folded.back() != ' ')));
    CHECK(fold_for_comparison(folded) == folded);
    const auto signature = hasher.compute(bytes);
    CHECK((signature.shingles == 0) == folded.empty());
  }
}
