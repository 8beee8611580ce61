// stats_run: the `stats` driver (read -> normalize -> facts, tokens, warnings in parallel ->
// dedup, conflicts, accumulate in input order) and StatsCollector, the per-record part of it that
// other drivers (prepare's report.json) call from their own parallel and serial stages.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tuneprep/io.hpp"
#include "tuneprep/readers.hpp"
#include "tuneprep/record.hpp"
#include "tuneprep/record_stream.hpp"
#include "tuneprep/rule_config.hpp"
#include "tuneprep/schema.hpp"
#include "tuneprep/stats.hpp"
#include "tuneprep/tokenizer.hpp"

namespace tuneprep {

// The model whose tokenizer (o200k_base) and per-example limit stats uses when none is given:
// the smallest current fine-tunable chat model, what most datasets are prepared for.
inline constexpr std::string_view kDefaultStatsModel = "gpt-4o-mini";

struct StatsCollectorOptions {
  // Tokens: `model` (looked up with find_model) picks the encoding, the per-example limit and the
  // built-in price; `encoding` and `max_tokens` override the first two. Empty model: no model
  // (then the encoding is o200k_base unless given, and there is no limit unless max_tokens).
  std::string model = std::string(kDefaultStatsModel);
  std::optional<EncodingId> encoding;
  std::optional<uint64_t> max_tokens;
  bool count_tokens = true;  // false: no token figures and no estimate

  // Findings: the RuleChecker rules (PII, secrets, refusal boilerplate, ...) run over every
  // accepted example; their warnings are reported per rule. An error from them rejects the
  // record when `checker_errors_reject` (stats and validate agree on what is valid); a driver
  // that keeps such records (prepare) sets it false and they are reported as findings instead.
  RuleConfig rules;
  bool check_rules = true;
  bool checker_errors_reject = true;

  FactsOptions facts;
  // Report options (StatsOptions minus what the collector fills: encoding, token_limit, model).
  std::string title;
  std::optional<double> price_per_mtok;
  std::optional<uint32_t> epochs;
  uint32_t top = 10;
};

// Collects the report's facts record by record. facts_for() runs in a parallel stage (any thread;
// per-thread rule checkers live inside); add() runs in a serial stage in input order; finish()
// once at the end. The report depends only on the records and their order, not on threads.
class StatsCollector {
 public:
  // Resolves the model and encoding. Returns nullopt and sets `error` for an unknown model.
  static std::optional<StatsCollector> create(const StatsCollectorOptions& options, IoError& error);
  ~StatsCollector();
  StatsCollector(StatsCollector&&) noexcept;
  StatsCollector& operator=(StatsCollector&&) noexcept;

  // Facts of one record from its normalize result: rejected (with the distinct rule ids of its
  // errors) when the result has an error or no example, else content facts, token counts and
  // findings. Pass `tokens` when the caller has already counted the example (with the same
  // encoding); otherwise the collector counts it. Thread-safe; never throws on bad data.
  RecordFacts facts_for(const Record& record, const NormalizeResult& result,
                        const ChatTokenCount* tokens = nullptr);

  // Adds one record's facts, in input order. The caller sets facts.duplicate and facts.conflict
  // first (it owns dedup and conflict detection).
  void add(const RecordFacts& facts) { accumulator_.add(facts); }

  // The finished report; `files` names the inputs by file_index.
  StatsReport finish(std::vector<std::string> files) const;

  const StatsAccumulator& accumulator() const { return accumulator_; }
  std::optional<EncodingId> encoding() const;
  std::optional<uint64_t> token_limit() const;

 private:
  struct Threads;
  StatsCollector() = default;
  StatsCollectorOptions options_;
  const Encoding* encoding_ = nullptr;
  std::optional<uint64_t> token_limit_;
  std::optional<std::string> model_name_;
  StatsAccumulator accumulator_;
  std::unique_ptr<Threads> threads_;
};

// --dedup of `stats`: which duplicates are counted (and left out of the content figures).
enum class StatsDedup : uint8_t { kNone, kExact, kNear };
std::optional<StatsDedup> stats_dedup_from_name(std::string_view name);  // none|exact|near

struct StatsRunOptions {
  std::vector<std::string> inputs;  // files, directories, "-" for stdin
  ReaderOptions reader;             // compute_sha256 is turned off by run_stats (not reported)
  NormalizeOptions normalize;
  StatsCollectorOptions collector;
  StatsDedup dedup = StatsDedup::kExact;
  double near_threshold = 0.8;      // Jaccard similarity of a near duplicate (--dedup near)
  unsigned jobs = 0;                // 0 = all cores
};

struct StatsRunResult {
  StatsReport report;
  std::optional<IoError> error;  // usage or I/O: the report is then meaningless
  uint64_t bytes = 0;            // raw input bytes read
  double seconds = 0;
};

// The report's default title: the inputs joined by ", ", "-" named stdin.
std::string report_title(const std::vector<std::string>& inputs);

// Reads every input once and builds the report. Exact duplicates are found by example_hash,
// near ones (kNear) by MinHash/LSH over the whole conversation, conflicts (same prompt
// messages, different final answer, exact text after trimming) among non-duplicate chat examples.
StatsRunResult run_stats(const StatsRunOptions& options, const StreamProgressCallback& progress = {});

}  // namespace tuneprep
