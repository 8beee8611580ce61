// prepare: the `prepare` driver as named stages: analyse (the record analysis, in parallel), then in
// input order reject, exact, near, conflicts, split and write, and at the end commit.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tuneprep/analysis.hpp"
#include "tuneprep/fixes.hpp"
#include "tuneprep/io.hpp"
#include "tuneprep/near_dedup.hpp"
#include "tuneprep/prepare_shard.hpp"
#include "tuneprep/readers.hpp"
#include "tuneprep/record_stream.hpp"
#include "tuneprep/rule_config.hpp"
#include "tuneprep/schema.hpp"
#include "tuneprep/stats.hpp"

namespace tuneprep {

// --conflicts: what to do with records whose prompt was seen before with a different answer.
enum class ConflictMode : uint8_t {
  kKeep,    // keep every record, report the groups
  kFirst,   // keep the first record of each prompt; later ones with another answer are rejected
  kReject,  // reject every record of a prompt that has different answers (reads the inputs twice)
};
std::string_view conflict_mode_name(ConflictMode mode);
std::optional<ConflictMode> conflict_mode_from_name(std::string_view name);  // keep|first|reject

std::string_view dedup_on_name(DedupOn on);  // conversation|prompt|response

// Everything `prepare` needs; the CLI fills it, tests build it directly.
struct PrepareOptions {
  std::vector<std::string> inputs;
  std::string output_dir;
  ReaderOptions reader;
  NormalizeOptions normalize;
  OutputFormat to = OutputFormat::kOpenAiChat;
  DedupMode dedup = DedupMode::kExact;
  DedupOn dedup_on = DedupOn::kConversation;  // text compared by near dedup
  NearDedupOptions near;                      // --shingle, --num-perm, --near-threshold, --max-memory
  ConflictMode conflicts = ConflictMode::kKeep;
  // --model, --encoding, --max-tokens, --truncate; nullopt: no token counting (the fast path, and
  // the manifest's token fields are null).
  std::optional<TokenRequest> tokens;
  // --fix: the safe fixes applied to every record before dedup, token counting and writing;
  // each kept record counts once per rule fixed (manifest `fixes`).
  FixSet fixes;
  double val_ratio = 0.1;
  uint64_t seed = 0;
  // report.json is always written; --report html,md adds report.html / report.md.
  bool report_html = false;
  bool report_markdown = false;
  // The rules and their severities ([rules] of tuneprep.toml): every rule at error severity runs
  // and rejects the record, as `validate` reports it, so what prepare writes passes validate.
  RuleConfig rules;
  // --findings: the rules below error (PII, secrets, refusals, ...) run too, for the report's
  // `warnings`. Off by default: they reject nothing and cost about as much as the rest of prepare.
  bool report_findings = false;
  bool timings = false;  // --timings: time every stage (PrepareSummary::stages)
  // --shard I/N: analyse only this shard's records and write shard files for `merge` into
  // output_dir instead of the output set (docs/scale.md).
  std::optional<ShardSpec> shard;
  unsigned jobs = 0;  // 0 = all cores
  // Another run holding the output directory's lock: wait for it (the default), or fail at once
  // (--no-wait). See docs/reliability.md.
  bool wait = true;
  // One-line notes as they happen (waiting for the output directory's lock); the CLI prints them
  // on stderr. Inputs skipped go to PrepareSummary::warnings.
  std::function<void(const std::string&)> on_note;
};

struct InputSummary {
  std::string path;
  std::string sha256;
  uint64_t bytes = 0;
  uint64_t records = 0;
};

struct OutputSummary {
  std::string name;  // file name within the output directory
  std::string sha256;
  uint64_t records = 0;
  uint64_t bytes = 0;
  std::optional<uint64_t> tokens;          // train/validation with token counting; else null
  std::optional<uint64_t> trained_tokens;  // the part of `tokens` the loss is computed on
};

struct PrepareCounts {
  uint64_t records_in = 0;
  uint64_t train = 0;
  uint64_t validation = 0;
  uint64_t rejected = 0;
  uint64_t duplicates = 0;
};

// A report file written next to the data (report.json, and report.html / report.md on request).
struct ReportFileSummary {
  std::string name;
  std::string sha256;
  uint64_t bytes = 0;
};

// One named stage of a run and what it cost (--timings). The analyse stage runs on every worker:
// its seconds are summed over them; the serial stages' are wall time in the sink.
struct StageTiming {
  std::string name;
  double seconds = 0;
  uint64_t records = 0;  // records that reached the stage
};

struct PrepareSummary {
  std::vector<InputSummary> inputs;
  std::vector<OutputSummary> outputs;
  std::vector<ReportFileSummary> reports;
  PrepareCounts counts;
  std::map<std::string, uint64_t> rejections_by_rule;  // a record counts once per distinct rule
  std::map<std::string, uint64_t> records_by_format;   // every record read, by detected shape ("unrecognised")
  std::map<std::string, uint64_t> fixes_by_rule;       // kept records changed by each --fix rule
  uint64_t exact_duplicates = 0;  // duplicates.jsonl entries of kind "exact"
  uint64_t near_duplicates = 0;   // duplicates.jsonl entries of kind "near"
  uint64_t truncated = 0;         // examples shortened by --truncate (counted in train/validation)
  uint64_t conflict_groups = 0;   // prompts seen with at least two different answers
  uint64_t conflict_records = 0;  // records in those groups (before --conflicts acted)
  uint64_t leakage_exact = 0;  // distinct contents present in both train and validation
  // Validation records that the near index found similar to a kept train record: 0 by
  // construction with --dedup near (such a record is removed as a near duplicate); null without.
  std::optional<uint64_t> leakage_near;
  uint64_t near_index_bytes = 0;  // memory of the near-duplicate index at the end
  std::vector<std::string> warnings;  // non-fatal notes, e.g. "data/empty.jsonl: no records"
  double seconds = 0;
  uint64_t bytes_in = 0;
  std::optional<std::string> encoding;   // the tokenizer, with token counting
  std::optional<uint64_t> token_limit;   // the per-example limit in force (--max-tokens or the model's)
  std::vector<StageTiming> stages;  // with --timings, in pipeline order
};

struct PrepareResult {
  PrepareSummary summary;
  StatsReport report;  // what report.json says: the prepared data (train + validation) and why
                       // the other records were left out
  std::optional<IoError> error;  // usage or I/O problem: nothing was replaced in the output dir
};

PrepareResult run_prepare(const PrepareOptions& options, const StreamProgressCallback& progress = {});

// The manifest.json text for a finished run (exposed for tests).
std::string render_manifest(const PrepareOptions& options, const PrepareSummary& summary);
// Its fields, inside an object the caller opened (the --json summary adds its own after them).
void write_manifest_fields(JsonWriter& writer, const PrepareOptions& options, const PrepareSummary& summary);

}  // namespace tuneprep
