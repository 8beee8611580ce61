// stats_run: the `stats` driver (the record analysis with its facts in parallel -> dedup,
// conflicts, accumulate in input order) and StatsCollector, the serial part of it that prepare's
// report.json shares.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tuneprep/analysis.hpp"
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

// What the report says about the run beyond the records' facts.
struct StatsCollectorOptions {
  std::optional<TokenBudget> tokens;  // the run's tokenizer and limit; nullopt: no token figures
  std::string model;                  // --model as given (names the price); empty: none
  bool findings_checked = true;       // the warning rules ran (the report's warnings_checked)
  std::string title;
  std::optional<double> price_per_mtok;
  std::optional<uint32_t> epochs;
  uint32_t top = 10;
};

// Accumulates the facts of the record analysis (analysis.hpp, AnalysisOptions::facts) in input
// order and finishes the report. The report depends only on the records and their order.
class StatsCollector {
 public:
  explicit StatsCollector(StatsCollectorOptions options) : options_(std::move(options)) {}

  // Adds one record's facts, in input order. The caller sets facts.duplicate, facts.conflict and
  // facts.validation first (it owns dedup, conflicts and the split).
  void add(const RecordFacts& facts) { accumulator_.add(facts); }
  void prefetch(const RecordFacts& facts) const { accumulator_.prefetch(facts); }

  // The finished report; `files` names the inputs by file_index.
  StatsReport finish(std::vector<std::string> files) const;

  const StatsAccumulator& accumulator() const { return accumulator_; }

 private:
  StatsCollectorOptions options_;
  StatsAccumulator accumulator_;
};

struct StatsRunOptions {
  std::vector<std::string> inputs;  // files, directories, "-" for stdin
  ReaderOptions reader;             // compute_sha256 is turned off by run_stats (not reported)
  NormalizeOptions normalize;
  // Tokens: the model picks the encoding, the per-example limit and the built-in price;
  // encoding and max_tokens override the first two. An empty model: o200k_base, no limit.
  TokenRequest tokens{std::string(kDefaultStatsModel), std::nullopt, 0, false};
  bool count_tokens = true;  // false: no token figures and no estimate
  // The rules of `validate`; an error rejects the record (stats and validate agree on what is
  // valid), and warnings are reported per rule when check_rules.
  RuleConfig rules;
  bool check_rules = true;
  FactsOptions facts;
  StatsCollectorOptions report;  // title, price, epochs, top (tokens and model are filled in)
  DedupMode dedup = DedupMode::kExact;
  double near_threshold = 0.8;      // Jaccard similarity of a near duplicate (--dedup near)
  unsigned jobs = 0;                // 0 = all cores
};

struct StatsRunResult {
  StatsReport report;
  std::optional<IoError> error;  // usage or I/O: the report is then meaningless
  std::vector<std::string> input_notes;  // inputs read once or skipped (ExpandResult::notes)
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
