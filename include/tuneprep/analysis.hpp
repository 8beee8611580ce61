// analysis: the one per-record analysis behind prepare, validate, stats, tokens --chat and leakage.
// read -> normalize -> safe fixes -> checks -> token fit -> keys and hashes -> output line -> report
// facts, each step switched on by what the command needs. It runs in the parallel stage; the
// commands differ only in their serial, in-order sinks.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tuneprep/dedup.hpp"
#include "tuneprep/fixes.hpp"
#include "tuneprep/io.hpp"
#include "tuneprep/json_writer.hpp"
#include "tuneprep/models.hpp"
#include "tuneprep/near_dedup.hpp"
#include "tuneprep/record.hpp"
#include "tuneprep/rule_config.hpp"
#include "tuneprep/schema.hpp"
#include "tuneprep/stats.hpp"
#include "tuneprep/tokenizer.hpp"

namespace tuneprep {

// --dedup of prepare and stats: which duplicates are removed (prepare) or counted (stats).
enum class DedupMode : uint8_t { kNone, kExact, kNear };
std::string_view dedup_mode_name(DedupMode mode);
std::optional<DedupMode> dedup_mode_from_name(std::string_view name);  // none|exact|near

// ---------------------------------------------------------------------------------------------
// Tokens: one model lookup, one limit, one message.

// Tokens of one chat example, per the OpenAI cookbook's num_tokens_from_messages
// (docs/tokens.md has the formula). `total` is what the model sees for the example;
// `trained` is the part of it the fine-tuning loss is computed on (assistant turns not weighted 0);
// `prompt` is the rest (total == prompt + trained).
struct ChatTokenCount {
  size_t total = 0;
  size_t prompt = 0;
  size_t trained = 0;
  // Part of `total` that comes from tool/function definitions and tool calls, whose exact
  // rendering OpenAI does not publish: an estimate (see docs/tokens.md).
  size_t estimated = 0;
};

// Counts a chat example (ExampleKind::kChat). For a preference example (kPreference), counts the
// prompt followed by the preferred answer, which is the longer-lived half of a DPO pair; use
// count_preference_tokens for both halves.
ChatTokenCount count_chat_tokens(const Encoding& encoding, const Example& example);

struct PreferenceTokenCount {
  ChatTokenCount preferred;      // prompt messages + preferred answer
  ChatTokenCount non_preferred;  // prompt messages + non-preferred answer
};
PreferenceTokenCount count_preference_tokens(const Encoding& encoding, const Example& example);

// What the command line asked for: --model, --encoding, --max-tokens, --truncate.
struct TokenRequest {
  std::string model;                   // empty: none
  std::optional<EncodingId> encoding;  // default: the model's, else o200k_base
  uint64_t max_tokens = 0;             // 0: the model's limit (none without a model)
  bool truncate = false;
};

// The token settings of a run, resolved once.
struct TokenBudget {
  const ModelInfo* model = nullptr;  // null with --encoding / --max-tokens alone
  const Encoding* encoding = nullptr;
  uint64_t limit = 0;        // per-example limit; 0 = count only
  std::string limit_source;  // where the limit comes from: the model's name or "--max-tokens"
  bool truncate = false;     // --truncate: drop trailing turns until the example fits
};

// The one text of an unknown --model, for every command.
std::string unknown_model_message(std::string_view name);

// Resolves a request. Returns nullopt and sets `error` (a usage error) for an unknown model, or
// for --truncate without a limit.
std::optional<TokenBudget> resolve_token_budget(const TokenRequest& request, IoError& error);

// Tokens of one example. A chat example: count_chat_tokens. A preference pair: both halves
// (prompt + preferred, prompt + non-preferred) summed, and the limit applies to the longer half,
// since each half is one sequence the model sees.
struct ExampleTokens {
  uint64_t total = 0;
  uint64_t prompt = 0;     // total - the answers (both halves' prompts for a preference pair)
  uint64_t trained = 0;
  uint64_t estimated = 0;  // part of total from tool definitions and calls (an estimate)
  uint64_t longest = 0;    // what the limit is checked against
  bool truncated = false;  // trailing turns were dropped to fit
};

ExampleTokens count_example_tokens(const Encoding& encoding, const Example& example);

// Counts `example` and checks it against budget.limit (0 = no limit). Over the limit with
// budget.truncate, a chat example loses trailing messages until it fits and ends with an
// assistant turn that is trained on (weight not 0); the example is changed in place. Returns the
// too-many-tokens diagnostic (severity error) when it does not fit; `example` is then unchanged.
std::optional<Diagnostic> fit_token_limit(Example& example, const TokenBudget& budget, ExampleTokens& tokens);

// ---------------------------------------------------------------------------------------------
// The analysis.

struct AnalysisOptions {
  NormalizeOptions normalize;
  RuleConfig rules;  // which rules run and at what severity; an error rejects the record
  // Rules below error severity (warnings, info) run too. validate and stats want them; prepare
  // only with --findings (they reject nothing there, and cost about as much as the rest).
  bool warnings = true;
  FixSet fixes;                       // safe fixes applied before the checks (prepare --fix)
  std::optional<TokenBudget> tokens;  // count tokens, and check the limit when it has one
  bool exact_hash = true;             // Hash128 of the example: exact dedup and the split key
  bool conflict_keys = true;          // same-prompt and answer keys
  const MinHasher* near = nullptr;    // MinHash signatures of the compared text when set
  DedupOn near_on = DedupOn::kConversation;
  // The output line of an accepted record (prepare). A preference pair written as a chat becomes
  // that chat (prompt + preferred answer) after the checks and the token limit (checked on the
  // pair, as validate does): its tokens, hash and facts then describe what is written.
  std::optional<OutputFormat> write_as;
  bool rejected_line = false;            // the rejected.jsonl line of a rejected record (prepare)
  bool place = false;                    // exact line and column of every diagnostic (validate)
  std::optional<FactsOptions> facts;     // the report's facts of the record (stats, prepare)
};

// What the analysis found about one record. Reused from record to record by the stream engine,
// so the vectors keep their capacity.
struct RecordAnalysis {
  // Every diagnostic of enabled rules, severities from the config, in the order found; pointers
  // name fields of the record's own shape; line/column set with options.place.
  std::vector<Diagnostic> diagnostics;
  // No example (nothing to check or write, whatever the configuration), or an error diagnostic.
  bool rejected = false;
  std::vector<RuleId> reject_rules; // distinct rules of its errors, in the order found
  std::vector<RuleId> fixed_rules;  // --fix rules that changed the record
  std::optional<SourceFormat> format;
  ExampleTokens tokens;             // with options.tokens, for accepted records
  Hash128 hash;                     // example_hash of the (fixed, truncated) example
  // Conflict keys (see conflict_keys in near_dedup.hpp): a chat example with a prompt before its
  // final assistant turns and those turns as the answer.
  bool has_conflict_keys = false;
  TextKey prompt_key;
  uint64_t answer_key = 0;
  std::vector<uint32_t> signature;  // with options.near
  uint32_t shingles = 0;
  std::string line;                 // the output line (accepted) or the rejected.jsonl line
  RecordFacts facts;                // with options.facts

  bool has_error() const;
};

// Runs the analysis. Thread-safe: per-thread parsers and checkers live inside (oneTBB
// thread-local storage); use one analyzer per run from every worker of the stream engine.
class RecordAnalyzer {
 public:
  explicit RecordAnalyzer(AnalysisOptions options);
  ~RecordAnalyzer();
  RecordAnalyzer(RecordAnalyzer&&) noexcept;
  RecordAnalyzer& operator=(RecordAnalyzer&&) noexcept;

  // Analyses `record`; `path` names its file in rejected lines. Never throws on bad data.
  void analyze(const Record& record, std::string_view path, RecordAnalysis& out) const;

  // The example the calling thread's last analyze() built (fixed and truncated as written), or
  // null when it was rejected before one existed. Valid until that thread's next analyze().
  const Example* last_example() const;

  const AnalysisOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The rejected.jsonl line of a record: where it came from, why (its error diagnostics) and its
// original bytes.
std::string render_rejected(std::string_view path, const Record& record, const std::vector<Diagnostic>& errors);
// Writes {"path":...,"line":N,"column":N} for a record's source.
void write_source(JsonWriter& writer, std::string_view path, const SourceLocation& source);
// Writes "record": <text> for a record's original bytes. JSON cannot hold invalid UTF-8, so such a
// record is written readable (U+FFFD replacement) and exact ("record_base64").
void write_original_record(JsonWriter& writer, std::string_view text);

// The byte offset in a raw CSV row (RFC 4180: quotes protect commas and line breaks) where its
// 0-based field `index` starts; nullopt when the row has fewer fields.
std::optional<size_t> csv_field_offset(std::string_view row, size_t index);

}  // namespace tuneprep
