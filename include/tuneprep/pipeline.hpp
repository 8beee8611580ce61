// pipeline: the `prepare` driver: read -> normalize -> check -> dedup -> split -> write.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tuneprep/fixes.hpp"
#include "tuneprep/io.hpp"
#include "tuneprep/models.hpp"
#include "tuneprep/near_dedup.hpp"
#include "tuneprep/readers.hpp"
#include "tuneprep/record_stream.hpp"
#include "tuneprep/rule_config.hpp"
#include "tuneprep/schema.hpp"
#include "tuneprep/stats.hpp"

namespace tuneprep {

enum class DedupMode : uint8_t { kNone, kExact, kNear };
std::string_view dedup_mode_name(DedupMode mode);
std::optional<DedupMode> dedup_mode_from_name(std::string_view name);  // none|exact|near

// --conflicts: what to do with records whose prompt was seen before with a different answer.
enum class ConflictMode : uint8_t {
  kKeep,    // keep every record, report the groups
  kFirst,   // keep the first record of each prompt; later ones with another answer are rejected
  kReject,  // reject every record of a prompt that has different answers (reads the inputs twice)
};
std::string_view conflict_mode_name(ConflictMode mode);
std::optional<ConflictMode> conflict_mode_from_name(std::string_view name);  // keep|first|reject

std::string_view dedup_on_name(DedupOn on);  // conversation|prompt|response

// Token counting: set when --model, --encoding or --max-tokens was given. Without it, prepare
// counts nothing (the fast path) and the manifest's token fields are null.
struct TokenOptions {
  const ModelInfo* model = nullptr;      // --model (resolved); may be null with --encoding
  EncodingId encoding = EncodingId::kO200kBase;
  uint64_t max_tokens = 0;               // per-example limit; 0 = no limit (count only)
  bool truncate = false;                 // --truncate: drop trailing turns until it fits
};

// Tokens of one example as prepare counts them. A chat example: count_chat_tokens. A preference
// pair: both halves (prompt + preferred, prompt + non-preferred) summed, and the limit applies to
// the longer half, since each half is one sequence the model sees.
struct ExampleTokens {
  uint64_t total = 0;
  uint64_t prompt = 0;     // total - the answers (both halves' prompts for a preference pair)
  uint64_t trained = 0;
  uint64_t estimated = 0;  // part of total from tool definitions and calls (an estimate)
  uint64_t longest = 0;    // what the limit is checked against
  bool truncated = false;  // trailing turns were dropped to fit
};

// Counts `example` and checks it against options.max_tokens (0 = no limit). Over the limit with
// options.truncate, a chat example loses trailing messages until it fits and ends with an
// assistant turn that is trained on (weight not 0); the example is changed in place. Returns a
// too-many-tokens diagnostic when it does not fit (then `example` is unchanged).
std::optional<Diagnostic> fit_token_limit(Example& example, const Encoding& encoding, const TokenOptions& options,
                                          ExampleTokens& tokens);

// Parses "2G", "500M", "64K", "1.5G" or plain bytes (powers of 1024; a trailing "B"/"iB" is
// accepted). Returns nullopt for anything else, 0, or a value that overflows.
std::optional<uint64_t> parse_byte_size(std::string_view text);

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
  std::optional<TokenOptions> tokens;         // nullopt: no token counting
  // --fix: the safe fixes applied to every record before dedup, token counting and writing;
  // each kept record counts once per rule fixed (manifest `fixes`).
  FixSet fixes;
  double val_ratio = 0.1;
  uint64_t seed = 0;
  // report.json is always written; --report html,md adds report.html / report.md.
  bool report_html = false;
  bool report_markdown = false;
  // --findings: the content rules (PII, secrets, refusals, ...) run for the report's `warnings`;
  // they never reject a record in prepare. Off by default: they cost about as much as the rest
  // of prepare (`validate` is the tool for them).
  bool report_findings = false;
  RuleConfig findings_rules;  // which content rules --findings runs, at what severity ([rules] of tuneprep.toml)
  unsigned jobs = 0;  // 0 = all cores
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

struct PrepareSummary {
  std::vector<InputSummary> inputs;
  std::vector<OutputSummary> outputs;
  std::vector<ReportFileSummary> reports;
  PrepareCounts counts;
  std::map<std::string, uint64_t> rejections_by_rule;  // a record counts once per distinct rule
  std::map<std::string, uint64_t> records_by_format;   // detected source shape of accepted records
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

}  // namespace tuneprep
