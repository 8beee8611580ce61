// stats: per-record facts, the mergeable accumulator over them, the finished report (figures,
// percentiles, histograms, training estimate) and its renderers (terminal, JSON, Markdown, HTML).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tuneprep/conversation.hpp"
#include "tuneprep/dedup.hpp"

namespace tuneprep {

// ---------------------------------------------------------------------------------------------
// Facts about one record, filled by the caller (the stats driver) from what the other stages
// found. The accumulator never looks at the record itself, so stats stays independent of the
// reader, normalizer, tokenizer and rules implementations.

enum class DuplicateKind : uint8_t { kNone, kExact, kNear };

// Token counts of one example (tokenizer's ChatTokenCount: total == prompt + assistant).
struct TokenFacts {
  uint64_t total = 0;
  uint64_t prompt = 0;
  uint64_t assistant = 0;  // the trained part (assistant turns not weighted 0)
  uint64_t estimated = 0;  // part of `total` that is an estimate (tool definitions and calls)
  bool operator==(const TokenFacts&) const = default;
};

// One message: its role and length in Unicode code points.
struct MessageFacts {
  Role role = Role::kUser;
  uint32_t chars = 0;
  bool operator==(const MessageFacts&) const = default;
};

// Letters of one Unicode script in an example (Common and Inherited code points are not counted).
struct ScriptChars {
  std::string script;  // ICU long script name: "Latin", "Han", "Cyrillic", ...
  uint64_t chars = 0;
  bool operator==(const ScriptChars&) const = default;
};

struct RecordFacts {
  uint32_t file_index = 0;               // index into StatsOptions::files
  std::optional<SourceFormat> format;    // nullopt when no shape was recognised
  bool rejected = false;                 // an error diagnostic rejected the record
  std::vector<std::string> reject_rules; // distinct rule ids of the errors, e.g. "json-syntax"
  std::vector<std::string> warning_rules;// distinct rule ids of non-fatal findings ("pii-email")
  DuplicateKind duplicate = DuplicateKind::kNone;
  bool conflict = false;                 // same prompt as an earlier example, different answer
  bool validation = false;               // held out for validation (prepare): measured, not trained

  // Content facts: only read for accepted, non-duplicate records (see docs/stats.md).
  std::vector<MessageFacts> messages;    // every message (preference: prompt + both answers)
  uint32_t turns = 0;                    // trained assistant messages (preference: 1)
  bool has_system_prompt = false;
  uint64_t system_prompt_hash = 0;       // XXH3-64 of the first system message's content
  uint32_t system_prompt_chars = 0;
  std::string system_prompt_head;        // its first bytes (whole code points), for display
  std::optional<TokenFacts> tokens;      // nullopt when no tokenizer ran

  // Quality signals over trained assistant messages (weight 0 and non-preferred answers excluded).
  uint32_t answers = 0;                  // trained assistant messages considered
  uint32_t empty_answers = 0;            // empty or whitespace-only, without a tool call
  uint32_t short_answers = 0;            // non-empty but very short (see FactsOptions)
  uint32_t refusals = 0;                 // start with refusal boilerplate (see kRefusalPhrases)
  std::vector<std::string> answer_openings;  // first words of each non-empty answer, normalized
  // XXH3-64 of each opening, computed in the parallel stage so the serial accumulator looks them up
  // by number; empty when the facts were built by hand (the accumulator hashes them then).
  std::vector<uint64_t> answer_opening_hashes;
  std::vector<ScriptChars> scripts;      // scripts of all message text, most letters first
  bool operator==(const RecordFacts&) const = default;
};

struct FactsOptions {
  uint32_t opening_words = 3;            // words kept per answer opening
  // An answer is "very short" with at most this many words and this many code points (both, so
  // that a CJK sentence without spaces is not one short "word").
  uint32_t short_answer_max_words = 2;
  uint32_t short_answer_max_chars = 20;
  uint32_t system_prompt_head_bytes = 160;
  bool scripts = true;                   // scan text for Unicode scripts (costs a pass over it)
};

// Computes the content and quality facts of an accepted example. The caller adds file_index,
// rejection, duplicate, conflict, tokens and warning rules.
RecordFacts facts_from_example(const Example& example, const FactsOptions& options = {});
// The same into `facts`, which is first reset as by reset_facts: a caller that keeps one object
// per record slot allocates its vectors once instead of for every record.
void facts_from_example(const Example& example, const FactsOptions& options, RecordFacts& facts);
// Resets every field to its default, keeping the capacity of the vectors and strings it can reuse.
void reset_facts(RecordFacts& facts);

// Helpers facts_from_example is built on, exposed for tests and for callers with raw text.
// Code points of valid UTF-8; in invalid text, every byte that is not a continuation byte counts.
uint32_t count_code_points(std::string_view text);
// The first `words` words of `text`, ASCII-lowercased, with punctuation trimmed from each word
// and ’ folded to ', joined by single spaces ("Sure! Here's a" -> "sure here's a"); at most 64
// bytes. Empty when the text has no words.
std::string answer_opening(std::string_view text, uint32_t words);
// The key of an opening in the accumulator (XXH3-64 of its text).
uint64_t opening_hash(std::string_view opening);
// True when the first 200 bytes of `answer` hold a refusal phrase ("as an ai language model",
// "i'm sorry, but i can't", ...; the list is in src/stats/facts.cpp and docs/stats.md).
bool is_refusal(std::string_view answer);
// Letters per Unicode script (ICU's Script property) in `text`, most letters first, then by name.
std::vector<ScriptChars> scripts_of(std::string_view text);

// ---------------------------------------------------------------------------------------------
// Accumulation. add() records in input order; per-thread accumulators merged in input order
// (a.merge(b) appends b's records after a's) give exactly the result of one accumulator.
// Memory: 12 bytes per measured example (three token counts kept for exact percentiles and
// histograms) + a count per distinct message length + ~100 bytes per distinct system prompt and
// answer opening.

// How often each value occurred, for exact nearest-rank percentiles without keeping every
// value: small values (most message lengths, messages and turns per example) in a dense array,
// the rest in a map. Memory grows with the distinct values, not with the records.
class ValueCounts {
 public:
  void add(uint32_t value) {
    if (value < kDense) {
      if (value >= dense_.size()) dense_.resize(std::min<size_t>(kDense, std::max<size_t>(value + 1, dense_.size() * 2)));
      ++dense_[value];
    } else {
      ++sparse_[value];
    }
  }
  void merge(const ValueCounts& other);
  // (value, count) pairs in ascending value order, counts > 0 only.
  std::vector<std::pair<uint32_t, uint64_t>> sorted() const;

 private:
  static constexpr uint32_t kDense = 4096;
  std::vector<uint64_t> dense_;
  std::unordered_map<uint32_t, uint64_t> sparse_;
};

class StatsAccumulator {
 public:
  void add(const RecordFacts& facts);
  // Asks for the cache lines add(facts) will look up first (a hint; changes nothing).
  void prefetch(const RecordFacts& facts) const {
    for (uint64_t hash : facts.answer_opening_hashes) opening_index_.prefetch(Hash128{hash, 0});
  }
  void merge(const StatsAccumulator& later);

  uint64_t records() const { return records_; }

  // Raw state, read by finish(); not an API for callers.
  struct Distinct {
    uint64_t count = 0;
    uint64_t first_seen = 0;  // ordinal of the first record that had it
    std::string text;
    uint32_t chars = 0;
  };
  struct PerFile {
    uint64_t records = 0, valid = 0, rejected = 0;
  };
  struct Counter {  // a keyed count with first-seen order for deterministic ties
    uint64_t count = 0;
    uint64_t first_seen = 0;
  };

 private:
  friend struct StatsReportBuilder;
  uint64_t records_ = 0;
  uint64_t valid_ = 0;
  uint64_t rejected_ = 0;
  uint64_t examples_ = 0;
  uint64_t validation_examples_ = 0;
  std::vector<uint32_t> validation_tokens_total_;  // left out of the training estimate
  uint64_t exact_duplicates_ = 0;
  uint64_t near_duplicates_ = 0;
  uint64_t conflicts_ = 0;
  std::vector<PerFile> files_;
  std::array<uint64_t, 16> formats_{};  // by SourceFormat; the last slot: not recognised
  std::unordered_map<std::string, Counter> reject_rules_;
  std::unordered_map<std::string, Counter> warning_rules_;
  // content, over measured examples
  ValueCounts messages_per_example_;
  ValueCounts turns_per_example_;
  std::array<uint64_t, 4> role_messages_{};
  std::array<uint64_t, 4> role_examples_{};
  std::array<ValueCounts, 4> chars_by_role_;
  uint64_t with_system_prompt_ = 0;
  std::unordered_map<uint64_t, Distinct> system_prompts_;
  uint64_t with_tokens_ = 0;
  std::vector<uint32_t> tokens_total_, tokens_prompt_, tokens_assistant_;
  uint64_t tokens_estimated_ = 0;
  uint64_t answers_ = 0, empty_answers_ = 0, short_answers_ = 0, refusals_ = 0;
  uint64_t examples_with_refusal_ = 0, examples_with_empty_answer_ = 0;
  // Answer openings by hash: a flat table from the hash to an index in `openings_` (a node-based
  // map keyed by the text missed the cache on every answer of a large dataset). The counts live
  // apart from the texts, 8 bytes each, so that counting a known opening touches one small,
  // mostly cached array instead of a 48-byte entry per opening.
  struct Opening {
    std::string text;
    uint64_t first_seen = 0;
  };
  Hash128Table<uint32_t> opening_index_;
  std::vector<Opening> openings_;
  std::vector<uint64_t> opening_counts_;  // by index in openings_
  void add_opening(uint64_t hash, const std::string& text, uint64_t ordinal, uint64_t count);
  std::unordered_map<std::string, Counter> script_examples_;
  std::unordered_map<std::string, uint64_t> script_chars_;
};

// ---------------------------------------------------------------------------------------------
// The finished report: every figure, computed once, read by every renderer.

// Nearest-rank percentiles: the p-th percentile of N sorted values is the value at 1-based rank
// ceil(p/100 * N) (rank 1 for p = 0). Every reported percentile is one of the values.
struct Distribution {
  uint64_t count = 0;
  uint64_t sum = 0;
  uint64_t min = 0, p5 = 0, p50 = 0, p95 = 0, p99 = 0, max = 0;
  double mean = 0;
};
// The nearest-rank percentile of ascending `sorted` (must be non-empty), percent in [0, 100].
uint32_t nearest_rank(const std::vector<uint32_t>& sorted, uint32_t percent);
// The Distribution of `values` (sorted in place).
Distribution describe(std::vector<uint32_t>& values);

struct HistogramBin {
  uint64_t from = 0;  // inclusive
  uint64_t to = 0;    // inclusive; for the overflow bin, the largest value
  uint64_t count = 0;
  bool overflow = false;  // collects every value >= from (the tail past p99)
};
struct Histogram {
  uint64_t bin_width = 0;
  std::vector<HistogramBin> bins;
};

struct RankedText {
  std::string text;
  bool truncated = false;  // `text` is only the head of a longer text
  uint32_t chars = 0;
  uint64_t count = 0;
  double share = 0;        // count / the section's denominator
};
struct RuleCount {
  std::string rule;
  uint64_t records = 0;
};
struct ScriptShare {
  std::string script;
  uint64_t examples = 0;
  uint64_t chars = 0;
  double share = 0;  // of all counted letters
};
struct FileCounts {
  std::string path;
  uint64_t records = 0, valid = 0, rejected = 0;
};
struct RoleCounts {
  std::string role;
  uint64_t messages = 0;
  uint64_t examples = 0;
  Distribution chars;
};

enum class OverfittingRisk : uint8_t { kLow, kMedium, kHigh };
std::string_view overfitting_risk_name(OverfittingRisk risk);

struct TrainingEstimate {
  std::optional<std::string> model;
  uint64_t examples = 0;  // trained examples: the measured ones minus the validation set
  uint32_t epochs = 0;
  bool epochs_given = false;               // set from the caller, not the default heuristic
  uint64_t billable_tokens_per_epoch = 0;  // sum of min(tokens, limit) over examples
  uint64_t total_training_tokens = 0;      // billable_tokens_per_epoch * epochs
  std::optional<double> price_per_mtok;    // USD per 1M training tokens
  std::string price_source;                // "given", "built-in table (2025-06)", or ""
  std::optional<double> cost_usd;
  uint64_t suggested_validation_examples = 0;
  OverfittingRisk overfitting_risk = OverfittingRisk::kLow;
  std::vector<std::string> advice;
};

struct StatsReport {
  std::string title;  // e.g. the inputs' names
  uint64_t records = 0, valid = 0, rejected = 0, examples = 0;
  uint64_t validation_examples = 0;  // of `examples`, held out for validation (prepare's split)
  std::vector<FileCounts> files;
  std::vector<std::pair<std::string, uint64_t>> formats;  // enum order, non-zero only
  std::vector<RuleCount> rejections;  // by count desc, then first seen
  std::vector<RuleCount> warnings;
  bool warnings_checked = true;  // false: the content rules did not run (prepare without --findings)
  uint64_t exact_duplicates = 0, near_duplicates = 0, conflicts = 0;
  double duplicate_rate = 0;  // (exact + near) / valid

  Distribution messages_per_example;
  std::vector<std::pair<uint32_t, uint64_t>> messages_histogram;  // value -> examples
  Distribution turns_per_example;
  uint64_t messages_total = 0;
  std::vector<RoleCounts> roles;  // system, user, assistant, tool
  Distribution chars_per_message;

  uint64_t with_system_prompt = 0;
  uint64_t distinct_system_prompts = 0;
  std::vector<RankedText> top_system_prompts;  // share of examples

  // Tokens (absent when no tokenizer ran over any example).
  bool has_tokens = false;
  std::optional<std::string> encoding;
  std::optional<uint64_t> token_limit;
  uint64_t tokens_total = 0, tokens_prompt_total = 0, tokens_assistant_total = 0;
  uint64_t tokens_estimated_total = 0;
  Distribution tokens_per_example, prompt_tokens_per_example, assistant_tokens_per_example;
  Histogram tokens_histogram;
  std::optional<uint64_t> examples_over_limit;  // present when a limit was given

  uint64_t answers = 0, empty_answers = 0, short_answers = 0, refusals = 0;
  uint64_t examples_with_refusal = 0, examples_with_empty_answer = 0;
  std::vector<RankedText> top_openings;  // share of answers
  std::vector<ScriptShare> scripts;

  std::optional<TrainingEstimate> estimate;  // present when examples have token counts
};

// Built-in fine-tuning training prices (USD per 1M tokens). Returns nullopt for unknown models.
struct ModelPrice {
  std::string_view model;  // matched as a prefix of the model name (longest wins)
  double usd_per_mtok;
};
std::optional<double> builtin_training_price(std::string_view model);
extern const std::string_view kPriceTableDate;

// OpenAI cookbook "Data preparation and analysis for chat model fine-tuning" heuristic.
uint32_t default_epochs(uint64_t examples);

struct StatsOptions {
  std::string title;
  std::vector<std::string> files;      // paths by file_index
  std::optional<std::string> model;    // --model
  std::optional<std::string> encoding; // the tokenizer encoding used for the counts
  std::optional<uint64_t> token_limit; // per-example limit of the model (or --max-tokens)
  std::optional<double> price_per_mtok;// --price-per-mtok; else the built-in table
  std::optional<uint32_t> epochs;      // --epochs; else default_epochs()
  uint32_t top = 10;                   // rows in top-N tables
  bool findings_checked = true;        // the content rules ran: `warnings` is a measurement
};

StatsReport finish_report(const StatsAccumulator& accumulator, const StatsOptions& options);

// ---------------------------------------------------------------------------------------------
// Renderers. Each returns the whole document; none reads the clock or the environment.

struct TerminalOptions {
  bool color = false;
  uint32_t width = 80;  // columns available; bars shrink to fit
};
std::string render_terminal(const StatsReport& report, const TerminalOptions& options = {});
std::string render_json(const StatsReport& report);
std::string render_markdown(const StatsReport& report);
std::string render_html(const StatsReport& report);

// Compare mode: `a` and `b` side by side, differences beyond kNotableChange highlighted.
inline constexpr double kNotableChange = 0.10;  // relative change of a figure worth flagging
std::string render_terminal_compare(const StatsReport& a, const StatsReport& b,
                                    const TerminalOptions& options = {});
std::string render_json_compare(const StatsReport& a, const StatsReport& b);
std::string render_markdown_compare(const StatsReport& a, const StatsReport& b);
std::string render_html_compare(const StatsReport& a, const StatsReport& b);

}  // namespace tuneprep
