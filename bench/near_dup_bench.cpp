// near_dup_bench: precision and recall of near dedup on a labelled set planted from the public
// sample datasets, and throughput of signatures + indexing at 1 and 2 threads.
//
// Labelled set: every record is an "original" (a sample record, or a synthetic one spliced from
// sample sentences) or a planted near copy of an earlier original made with known edits (word
// swaps, typos, changed numbers and names, deleted words, added sentences) whose exact Jaccard
// similarity on shingles is >= the threshold. Negatives that look alike are planted too: the same
// leading template with a different body, and heavily rewritten copies (exact Jaccard < 0.6).
// Originals that are already similar to each other (exact Jaccard >= 0.5) are dropped first, so
// the labels are clean. A flagged record is a true positive when it points into its own family.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <simdjson.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include "tuneprep/near_dedup.hpp"

using namespace tuneprep;
namespace fs = std::filesystem;

namespace {

// Deterministic generator (the standard distributions are not portable across libraries).
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return n ? next() % n : 0; }
  double unit() { return (next() >> 11) * 0x1.0p-53; }
};

// ---- seed texts --------------------------------------------------------------------------------

bool is_text_key(std::string_view key) {
  static const std::set<std::string_view> kKeys = {"content", "prompt", "completion", "instruction", "input",
                                                   "output", "text", "value", "chosen", "rejected"};
  return kKeys.count(key) != 0;
}

void collect_text(simdjson::dom::element value, std::string& out, bool under_text_key) {
  switch (value.type()) {
    case simdjson::dom::element_type::STRING:
      if (under_text_key) {
        if (!out.empty()) out += '\n';
        out += std::string_view(value.get_string().value_unsafe());
      }
      break;
    case simdjson::dom::element_type::ARRAY: {
      simdjson::dom::array array;
      if (value.get_array().get(array)) break;
      for (auto child : array) collect_text(child, out, under_text_key);
      break;
    }
    case simdjson::dom::element_type::OBJECT: {
      simdjson::dom::object object;
      if (value.get_object().get(object)) break;
      for (auto field : object) collect_text(field.value, out, under_text_key || is_text_key(field.key));
      break;
    }
    default:
      break;
  }
}

std::vector<std::string> load_seed_texts(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto ext = entry.path().extension();
    if (ext == ".jsonl" || ext == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> texts;
  simdjson::dom::parser parser;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto add_document = [&](std::string_view json) {
      simdjson::dom::element root;
      if (parser.parse(json.data(), json.size()).get(root)) return;
      auto add_one = [&](simdjson::dom::element record) {
        std::string text;
        collect_text(record, text, false);
        if (!text.empty()) texts.push_back(std::move(text));
      };
      simdjson::dom::array array;
      if (!root.get_array().get(array)) {
        for (auto record : array) add_one(record);
      } else {
        add_one(root);
      }
    };
    const size_t first = content.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && content[first] == '[') {
      add_document(content);
    } else {
      std::istringstream lines(content);
      std::string line;
      while (std::getline(lines, line)) add_document(line);
    }
  }
  return texts;
}

std::vector<std::string> split_sentences(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  for (size_t i = 0; i < text.size(); ++i) {
    current += text[i];
    const bool western_end = (text[i] == '.' || text[i] == '?' || text[i] == '!') && i + 1 < text.size() && text[i + 1] == ' ';
    const bool cjk_end = text.compare(i >= 2 ? i - 2 : 0, 3, "\xE3\x80\x82") == 0;  // 。
    if (western_end || cjk_end || text[i] == '\n') {
      if (current.size() > 20) out.push_back(current);
      current.clear();
    }
  }
  if (current.size() > 20) out.push_back(current);
  return out;
}

// ---- exact Jaccard --------------------------------------------------------------------------

std::vector<uint64_t> shingle_set(std::string_view text, uint32_t n) {
  std::vector<uint64_t> hashes;
  shingle_hashes(fold_for_comparison(text), n, hashes);
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  return hashes;
}

double exact_jaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  if (a.empty() || b.empty()) return 0;
  size_t i = 0, j = 0, common = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) ++i;
    else if (b[j] < a[i]) ++j;
    else { ++common; ++i; ++j; }
  }
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

// ---- edits ------------------------------------------------------------------------------------

const char* kNames[] = {"Alice", "Bob", "Carmen", "Dmitri", "Emeka", "Fatima", "Gustavo", "Hana", "Ivan", "Jun",
                        "Kofi", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq"};
const char* kAddedSentences[] = {
    "Please let me know if you have any other questions.",
    "This was confirmed again on the following day by the team.",
    "Note that the details may change without prior notice.",
    "In short, the answer depends on the specific situation.",
    "Thank you for your patience while we looked into this.",
};
const char* kCjkAdded[] = {"这是一个新增的句子。", "请注意细节可能会有所变化。", "谢谢你的耐心等待。"};
const char* kCjkChars[] = {"我", "们", "的", "是", "在", "有", "大", "小", "人", "天", "水", "山"};

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::string current;
  for (const char c : text) {
    if (c == ' ' || c == '\n' || c == '\t') {
      if (!current.empty()) words.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) out += ' ';
    out += words[i];
  }
  return out;
}

// Code points of a UTF-8 string as substrings (for CJK edits).
std::vector<std::string> split_code_points(const std::string& text) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    out.push_back(text.substr(i, n));
    i += n;
  }
  return out;
}

bool is_ascii_word(const std::string& w) {
  return w.size() >= 3 && std::all_of(w.begin(), w.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
}

enum EditKind { kSwap, kTypo, kNumber, kName, kAddSentence, kDeleteWord, kEditKinds };
const char* kEditNames[] = {"word swap", "typo", "changed number", "changed name", "added sentence", "deleted word"};

std::string apply_edits(const std::string& text, int edits, Rng& rng, bool characters, std::vector<int>& used) {
  if (characters) {
    auto cps = split_code_points(text);
    for (int e = 0; e < edits && cps.size() > 4; ++e) {
      const int kind = static_cast<int>(rng.below(3));
      const size_t at = rng.below(cps.size() - 1);
      if (kind == 0) std::swap(cps[at], cps[at + 1]), used.push_back(kSwap);
      else if (kind == 1) cps[at] = kCjkChars[rng.below(std::size(kCjkChars))], used.push_back(kTypo);
      else cps.insert(cps.begin() + at, kCjkAdded[rng.below(std::size(kCjkAdded))]), used.push_back(kAddSentence);
    }
    std::string out;
    for (const auto& cp : cps) out += cp;
    return out;
  }
  auto words = split_words(text);
  for (int e = 0; e < edits && words.size() > 4; ++e) {
    const auto kind = static_cast<EditKind>(rng.below(kEditKinds));
    const size_t at = rng.below(words.size() - 1);
    switch (kind) {
      case kSwap:
        std::swap(words[at], words[at + 1]);
        break;
      case kTypo: {
        size_t w = at;
        for (size_t t = 0; t < words.size() && !is_ascii_word(words[w]); ++t) w = (w + 1) % words.size();
        auto& word = words[w];
        const size_t pos = 1 + rng.below(word.size() - 1);
        if (rng.below(2)) word[pos] = static_cast<char>('a' + rng.below(26));
        else word.erase(pos, 1);
        break;
      }
      case kNumber: {
        size_t w = at;
        bool found = false;
        for (size_t t = 0; t < words.size(); ++t, w = (w + 1) % words.size()) {
          if (std::any_of(words[w].begin(), words[w].end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) { found = true; break; }
        }
        if (found) {
          for (char& c : words[w]) if (std::isdigit(static_cast<unsigned char>(c))) c = static_cast<char>('0' + rng.below(10));
        } else {
          words.insert(words.begin() + at, std::to_string(rng.below(1000)));
        }
        break;
      }
      case kName: {
        size_t w = at;
        bool found = false;
        for (size_t t = 0; t < words.size(); ++t, w = (w + 1) % words.size()) {
          if (w > 0 && std::isupper(static_cast<unsigned char>(words[w][0])) && is_ascii_word(words[w]) && words[w - 1].back() != '.') { found = true; break; }
        }
        const char* name = kNames[rng.below(std::size(kNames))];
        if (found) words[w] = name; else words.insert(words.begin() + at, name);
        break;
      }
      case kAddSentence: {
        const auto sentence = split_words(kAddedSentences[rng.below(std::size(kAddedSentences))]);
        const size_t where = rng.below(2) ? words.size() : at;
        words.insert(words.begin() + where, sentence.begin(), sentence.end());
        break;
      }
      case kDeleteWord:
        words.erase(words.begin() + at);
        break;
      case kEditKinds:
        break;
    }
    used.push_back(kind);
  }
  return join_words(words);
}

// ---- the labelled set ------------------------------------------------------------------------

struct Item {
  std::string text;
  uint32_t family = 0;
  bool planted_copy = false;
  double true_jaccard = 0;   // copies and negatives: exact Jaccard with their original
  double order_key = 0;
  std::vector<int> edits;
  bool negative_of = false;  // a look-alike negative of an original
};

struct LabelledSet {
  std::vector<Item> items;  // in input order
  size_t seeds = 0, synthetic = 0, dropped_similar = 0, copies = 0, template_negatives = 0, rewrite_negatives = 0;
};

LabelledSet build_labelled_set(const std::vector<std::string>& seeds, uint32_t shingle, double threshold, uint64_t seed,
                               size_t synthetic_count) {
  LabelledSet set;
  Rng rng{seed};
  std::vector<std::string> sentences;
  for (const auto& text : seeds) {
    for (auto& s : split_sentences(text)) sentences.push_back(std::move(s));
  }
  std::vector<std::string> bases = seeds;
  set.seeds = seeds.size();
  for (size_t i = 0; i < synthetic_count && !sentences.empty(); ++i) {
    std::string text;
    const size_t count = 4 + rng.below(12);
    for (size_t s = 0; s < count; ++s) text += sentences[rng.below(sentences.size())] + " ";
    bases.push_back(std::move(text));
  }
  set.synthetic = bases.size() - seeds.size();

  // Keep only originals that are not similar to an earlier kept one (inverted index on shingles).
  std::vector<std::vector<uint64_t>> kept_sets;
  std::vector<std::string> originals;
  std::unordered_map<uint64_t, std::vector<uint32_t>> postings;
  for (auto& base : bases) {
    auto shingles = shingle_set(base, shingle);
    if (shingles.empty()) continue;
    std::unordered_map<uint32_t, uint32_t> overlap;
    for (const uint64_t h : shingles) {
      auto it = postings.find(h);
      if (it != postings.end()) for (const uint32_t k : it->second) ++overlap[k];
    }
    bool similar = false;
    for (const auto& [k, common] : overlap) {
      const double j = static_cast<double>(common) / (shingles.size() + kept_sets[k].size() - common);
      if (j >= 0.5) { similar = true; break; }
    }
    if (similar) { ++set.dropped_similar; continue; }
    const auto index = static_cast<uint32_t>(kept_sets.size());
    for (const uint64_t h : shingles) postings[h].push_back(index);
    kept_sets.push_back(std::move(shingles));
    originals.push_back(std::move(base));
  }

  uint32_t next_family = 0;
  for (size_t o = 0; o < originals.size(); ++o) {
    Item original{originals[o], next_family++, false, 1.0, rng.unit() * 0.8, {}};
    const bool characters = choose_shingle_kind(fold_for_comparison(original.text)) == ShingleKind::kCharacters;
    const size_t units = kept_sets[o].size();
    set.items.push_back(original);
    if (units < 30) continue;  // too short for an edit to stay >= threshold
    // Planted near copies.
    const uint64_t copies = rng.below(100) < 60 ? 1 + rng.below(3) : 0;
    for (uint64_t c = 0; c < copies; ++c) {
      int edits = 1 + static_cast<int>(rng.below(std::clamp<uint64_t>(units / 25, 1, 8)));
      for (; edits >= 1; --edits) {
        std::vector<int> used;
        std::string copy = apply_edits(original.text, edits, rng, characters, used);
        const double j = exact_jaccard(kept_sets[o], shingle_set(copy, shingle));
        if (j >= threshold && j < 1.0) {
          const double key = original.order_key + (1.0 - original.order_key) * rng.unit();
          set.items.push_back(Item{std::move(copy), original.family, true, j, key, std::move(used)});
          ++set.copies;
          break;
        }
      }
    }
    // Look-alike negatives: the same leading template (25% to 90% of the
    // original's words) with a different rest; kept when exact Jaccard is below 0.75.
    if (rng.below(100) < 25 && !characters) {
      const auto words = split_words(original.text);
      const size_t keep = words.size() * (25 + rng.below(66)) / 100;
      std::string negative = join_words(std::vector<std::string>(words.begin(), words.begin() + keep));
      const size_t body_words = words.size() - keep;
      while (split_words(negative).size() < keep + body_words) negative += " " + sentences[rng.below(sentences.size())];
      const double j = exact_jaccard(kept_sets[o], shingle_set(negative, shingle));
      if (j < 0.75) {
        set.items.push_back(Item{std::move(negative), next_family++, false, j, rng.unit(), {}, true});
        ++set.template_negatives;
      }
    }
    // Heavy rewrites: many edits, exact Jaccard < 0.6.
    if (rng.below(100) < 15) {
      std::vector<int> used;
      std::string rewrite = apply_edits(original.text, static_cast<int>(units / 4), rng, characters, used);
      const double j = exact_jaccard(kept_sets[o], shingle_set(rewrite, shingle));
      if (j < 0.6) {
        set.items.push_back(Item{std::move(rewrite), next_family++, false, j, rng.unit(), {}, true});
        ++set.rewrite_negatives;
      }
    }
  }
  std::stable_sort(set.items.begin(), set.items.end(), [](const Item& a, const Item& b) { return a.order_key < b.order_key; });
  return set;
}

// ---- runs -------------------------------------------------------------------------------------

struct Quality {
  size_t records = 0, positives = 0, flagged = 0, true_positives = 0, flagged_below_threshold = 0;
  size_t exact_raw = 0, exact_folded = 0;
  size_t negatives = 0, negatives_flagged = 0, hard_negatives = 0, hard_negatives_flagged = 0;
  double estimate_error_sum = 0, estimate_error_sq = 0;
  size_t missed_no_band = 0, missed_verification = 0;  // why planted copies were missed
  std::map<int, std::pair<size_t, size_t>> recall_by_bucket;  // bucket -> (found, total)
  std::map<int, std::pair<size_t, size_t>> recall_by_edit;    // edit kind -> (found, total)
  double bytes_per_record = 0;
};

Quality measure_quality(const LabelledSet& set, const NearDedupOptions& options) {
  Quality q;
  const MinHasher hasher(options.num_perm, options.shingle);
  NearDuplicateIndex index(options);
  std::set<std::string> raw_seen, folded_seen;
  std::vector<std::vector<uint64_t>> shingle_sets;
  std::vector<MinHashSignature> signatures;
  const auto bands = index.bands();
  for (size_t i = 0; i < set.items.size(); ++i) {
    const Item& item = set.items[i];
    shingle_sets.push_back(shingle_set(item.text, options.shingle));
    signatures.push_back(hasher.compute(item.text));
    const auto result = index.add(i, signatures.back());
    if (result.error) {
      fmt::print(stderr, "{}\n", result.error->message);
      std::exit(2);
    }
    const bool exact_raw = !raw_seen.insert(item.text).second;
    const bool exact_folded = !folded_seen.insert(fold_for_comparison(item.text)).second;
    if (item.planted_copy) {
      ++q.positives;
      q.exact_raw += exact_raw;
      q.exact_folded += exact_folded;
    }
    bool correct = false;
    if (result.match) {
      ++q.flagged;
      const Item& other = set.items[result.match->duplicate_of];
      correct = other.family == item.family;
      q.true_positives += correct && item.planted_copy;
      if (exact_jaccard(shingle_sets[i], shingle_sets[result.match->duplicate_of]) < options.threshold) ++q.flagged_below_threshold;
    }
    if (item.negative_of) {
      ++q.negatives;
      q.negatives_flagged += result.match.has_value();
      if (item.true_jaccard >= 0.6) {
        ++q.hard_negatives;
        q.hard_negatives_flagged += result.match.has_value();
      }
    }
    if (item.planted_copy) {
      size_t original = i;
      for (size_t k = 0; k < i; ++k) if (set.items[k].family == item.family) { original = k; break; }
      const double e = estimate_jaccard(signatures[i].view(), signatures[original].view());
      q.estimate_error_sum += e - item.true_jaccard;
      q.estimate_error_sq += (e - item.true_jaccard) * (e - item.true_jaccard);
    }
    if (item.planted_copy && !correct) {
      // Diagnose against the family's original (the earliest record of the family).
      size_t original = i;
      for (size_t k = 0; k < i; ++k) if (set.items[k].family == item.family) { original = k; break; }
      bool shares_band = false;
      for (uint32_t b = 0; b < bands.bands && !shares_band; ++b) {
        shares_band = std::equal(signatures[i].values.begin() + b * bands.rows, signatures[i].values.begin() + (b + 1) * bands.rows,
                                 signatures[original].values.begin() + b * bands.rows);
      }
      (shares_band ? q.missed_verification : q.missed_no_band)++;
    }
    if (item.planted_copy) {
      const int bucket = std::min(3, static_cast<int>((item.true_jaccard - 0.8) / 0.05));
      auto& b = q.recall_by_bucket[bucket];
      ++b.second;
      b.first += correct;
      for (const int edit : std::set<int>(item.edits.begin(), item.edits.end())) {
        auto& e = q.recall_by_edit[edit];
        ++e.second;
        e.first += correct;
      }
    }
  }
  q.records = set.items.size();
  q.bytes_per_record = static_cast<double>(index.memory_bytes()) / static_cast<double>(index.records());
  return q;
}

// A throughput corpus: synthetic records spliced from seed sentences, 10% near copies.
std::vector<std::string> build_throughput_corpus(const std::vector<std::string>& seeds, size_t target_bytes, uint64_t seed) {
  Rng rng{seed};
  std::vector<std::string> sentences;
  for (const auto& text : seeds) for (auto& s : split_sentences(text)) sentences.push_back(std::move(s));
  std::vector<std::string> corpus;
  size_t bytes = 0;
  while (bytes < target_bytes) {
    std::string text;
    if (corpus.size() > 10 && rng.below(10) == 0) {
      std::vector<int> used;
      text = apply_edits(corpus[rng.below(corpus.size())], 1, rng, false, used);
    } else {
      const size_t count = 2 + rng.below(14);
      for (size_t s = 0; s < count; ++s) text += sentences[rng.below(sentences.size())] + " ";
    }
    bytes += text.size();
    corpus.push_back(std::move(text));
  }
  return corpus;
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct Throughput {
  double seconds = 0;
  double cpu = 0;               // process CPU seconds (user + system)
  double index_seconds = 0;     // time in the serial index stage
  double signature_seconds = 0;  // summed over threads
  size_t duplicates = 0;
  double bytes_per_record = 0;
};

// The same shape as prepare: serial in-order batching, parallel signatures, serial in-order index.
Throughput run_pipeline(const std::vector<std::string>& corpus, const NearDedupOptions& options, int threads) {
  const MinHasher hasher(options.num_perm, options.shingle);
  NearDuplicateIndex index(options);
  Throughput t;
  struct Batch {
    size_t first = 0, count = 0;
    SignatureBatch signatures;
    double seconds = 0;
  };
  tbb::enumerable_thread_specific<SignatureScratch> scratches;
  constexpr size_t kBatchBytes = 4u << 20;
  size_t next = 0;
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = cpu_seconds();
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_pipeline(
        static_cast<size_t>(threads) * 2,
        tbb::make_filter<void, std::shared_ptr<Batch>>(
            tbb::filter_mode::serial_in_order,
            [&](tbb::flow_control& fc) -> std::shared_ptr<Batch> {
              if (next >= corpus.size()) { fc.stop(); return nullptr; }
              auto batch = std::make_shared<Batch>();
              batch->first = next;
              size_t bytes = 0;
              while (next < corpus.size() && bytes < kBatchBytes) bytes += corpus[next++].size();
              batch->count = next - batch->first;
              return batch;
            }) &
            tbb::make_filter<std::shared_ptr<Batch>, std::shared_ptr<Batch>>(
                tbb::filter_mode::parallel,
                [&](std::shared_ptr<Batch> batch) {
                  const auto t0 = std::chrono::steady_clock::now();
                  auto& sig = batch->signatures;
                  sig.num_perm = hasher.num_perm();
                  sig.values.resize(batch->count * sig.num_perm);
                  sig.shingles.resize(batch->count);
                  auto& scratch = scratches.local();
                  for (size_t i = 0; i < batch->count; ++i) {
                    sig.shingles[i] = hasher.compute(corpus[batch->first + i],
                                                     std::span<uint32_t>(sig.values.data() + i * sig.num_perm, sig.num_perm), scratch);
                  }
                  batch->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                  return batch;
                }) &
            tbb::make_filter<std::shared_ptr<Batch>, void>(
                tbb::filter_mode::serial_in_order, [&](std::shared_ptr<Batch> batch) {
                  t.signature_seconds += batch->seconds;
                  const auto t0 = std::chrono::steady_clock::now();
                  for (size_t i = 0; i < batch->count; ++i) {
                    const auto result = index.add(batch->first + i, batch->signatures[i]);
                    if (result.error) {
                      fmt::print(stderr, "{}\n", result.error->message);
                      std::exit(2);
                    }
                    t.duplicates += result.match.has_value();
                  }
                  t.index_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                }));
  });
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  t.cpu = cpu_seconds() - cpu_start;
  t.bytes_per_record = static_cast<double>(index.memory_bytes()) / static_cast<double>(index.records());
  return t;
}

std::string percent(size_t a, size_t b) { return b ? fmt::format("{:.4f}", static_cast<double>(a) / b) : "n/a"; }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"near_dup_bench: precision/recall and throughput of near-duplicate detection"};
  std::string data_dir = "tests/data/public";
  uint64_t seed = 1;
  size_t synthetic = 3000;
  size_t throughput_mb = 64;
  NearDedupOptions options;
  app.add_option("--data", data_dir, "directory of seed datasets (*.jsonl, *.json)");
  app.add_option("--seed", seed, "seed of the planted set");
  app.add_option("--synthetic", synthetic, "synthetic originals spliced from seed sentences");
  app.add_option("--throughput-mb", throughput_mb, "size of the throughput corpus in MB (0: skip)");
  app.add_option("--shingle", options.shingle, "words per shingle");
  app.add_option("--num-perm", options.num_perm, "MinHash values per signature");
  app.add_option("--near-threshold", options.threshold, "Jaccard threshold");
  CLI11_PARSE(app, argc, argv);

  const auto seeds = load_seed_texts(data_dir);
  if (seeds.empty()) {
    fmt::print(stderr, "near_dup_bench: no seed texts under {}\n", data_dir);
    return 2;
  }
  const auto set = build_labelled_set(seeds, options.shingle, options.threshold, seed, synthetic);
  const auto bands = choose_lsh_bands(options.threshold, options.num_perm, options.false_positive_weight,
                                      options.false_negative_weight);
  fmt::print("options: shingle={} num_perm={} threshold={} bands={}x{} (b x r)\n", options.shingle, options.num_perm,
             options.threshold, bands.bands, bands.rows);
  fmt::print("labelled set: {} records from {} seed records + {} synthetic; {} originals dropped as similar to "
             "another; {} planted near copies; {} template negatives; {} rewrite negatives\n",
             set.items.size(), set.seeds, set.synthetic, set.dropped_similar, set.copies, set.template_negatives,
             set.rewrite_negatives);

  const auto q = measure_quality(set, options);
  fmt::print("\n## quality\n");
  fmt::print("precision {} ({} of {} flagged records point into their own family)\n",
             percent(q.true_positives, q.flagged), q.true_positives, q.flagged);
  fmt::print("recall    {} ({} of {} planted copies found)\n", percent(q.true_positives, q.positives), q.true_positives,
             q.positives);
  fmt::print("missed copies: {} share no LSH band with their original, {} failed verification\n", q.missed_no_band,
             q.missed_verification);
  fmt::print("MinHash estimate minus exact Jaccard over planted copies: mean {:+.4f}, rms {:.4f}\n",
             q.estimate_error_sum / q.positives, std::sqrt(q.estimate_error_sq / q.positives));
  fmt::print("look-alike negatives flagged: {} of {} (exact Jaccard with their template in [0.6, 0.75): {} flagged of {})\n",
             q.negatives_flagged, q.negatives, q.hard_negatives_flagged, q.hard_negatives);
  fmt::print("flagged pairs with exact Jaccard below the threshold: {}\n", q.flagged_below_threshold);
  fmt::print("baseline exact dedup recall: raw text {}, folded text {}\n", percent(q.exact_raw, q.positives),
             percent(q.exact_folded, q.positives));
  static const char* kBuckets[] = {"[0.80,0.85)", "[0.85,0.90)", "[0.90,0.95)", "[0.95,1.00)"};
  for (const auto& [bucket, counts] : q.recall_by_bucket) {
    fmt::print("recall at exact Jaccard {}: {} ({} of {})\n", kBuckets[bucket], percent(counts.first, counts.second),
               counts.first, counts.second);
  }
  for (const auto& [edit, counts] : q.recall_by_edit) {
    fmt::print("recall of copies with edit \"{}\": {} ({} of {})\n", kEditNames[edit], percent(counts.first, counts.second),
               counts.first, counts.second);
  }
  fmt::print("index bytes per record: {:.0f}\n", q.bytes_per_record);

  if (throughput_mb > 0) {
    const auto corpus = build_throughput_corpus(seeds, throughput_mb << 20, seed + 1);
    size_t bytes = 0;
    for (const auto& text : corpus) bytes += text.size();
    const double mb = bytes / 1e6;
    fmt::print("\n## throughput ({} records, {:.1f} MB of text, signatures + index, best of 3)\n", corpus.size(), mb);
    for (const int threads : {1, 2}) {
      Throughput best;
      for (int run = 0; run < 3; ++run) {
        const auto t = run_pipeline(corpus, options, threads);
        if (run == 0 || t.seconds < best.seconds) best = t;
      }
      fmt::print("threads {}: {:.3f} s wall, {:.1f} MB/s; {:.3f} s CPU ({:.1f} MB per CPU second); signature stage "
                 "{:.1f} MB/s per thread, index stage {:.1f} MB/s; {} near duplicates; {:.0f} index bytes per record\n",
                 threads, best.seconds, mb / best.seconds, best.cpu, mb / best.cpu, mb / best.signature_seconds,
                 mb / best.index_seconds, best.duplicates, best.bytes_per_record);
    }
  }
  return 0;
}
