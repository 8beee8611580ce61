// validate: the `validate` driver: the record analysis with every rule and exact placement of each
// diagnostic, then the dataset-level rules (duplicates, conflicts, size) in input order.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tuneprep/analysis.hpp"
#include "tuneprep/diagnostics.hpp"
#include "tuneprep/io.hpp"
#include "tuneprep/readers.hpp"
#include "tuneprep/record_stream.hpp"
#include "tuneprep/rule_config.hpp"
#include "tuneprep/schema.hpp"
#include "tuneprep/tokenizer.hpp"

namespace tuneprep {

// Everything `validate` needs; the CLI fills it, tests build it directly.
struct ValidateOptions {
  std::vector<std::string> inputs;  // files, directories, "-" for stdin
  ReaderOptions reader;
  NormalizeOptions normalize;
  RuleConfig rules;
  // too-many-tokens runs when a limit is known: --max-tokens, else the model's limit. nullopt:
  // no token counting (neither --model nor --max-tokens).
  std::optional<TokenRequest> tokens;
  unsigned jobs = 0;                   // 0 = all cores
  bool strict = false;                 // warnings fail the run too
  bool collect_fixes = false;          // --show-fixes: render a diff per fixable record
};

// What --show-fixes prints for one record: a unified diff of the example as it would be written
// (one message per line) before and after the safe fixes.
struct RecordFix {
  uint32_t file_index = 0;
  uint64_t line = 0;
  std::vector<RuleId> rules;  // the fixes that changed it, in the order applied
  std::string diff;           // unified diff, '\n'-terminated lines
};

struct ValidateCounts {
  uint64_t records = 0;             // records read
  uint64_t records_with_errors = 0; // records with at least one error diagnostic
  uint64_t examples = 0;            // records without errors that are not exact duplicates
  uint64_t duplicates = 0;          // exact duplicates of an earlier example
  uint64_t bytes = 0;               // raw input bytes read
  // Records whose errors name each rule (a record counts once per rule): what prepare rejects.
  std::map<std::string, uint64_t> records_by_error_rule;
  uint64_t conflicts = 0;           // examples whose prompt came earlier with a different answer
};

struct ValidateResult {
  DiagnosticSet diagnostics;  // sorted with sort_diagnostics; line/column absolute per file
  DiagnosticCounts severities;
  ValidateCounts counts;
  std::vector<RecordFix> fixes;  // in input order (collect_fixes only)
  std::optional<IoError> error;  // usage or I/O: nothing else is meaningful then
  std::vector<std::string> input_notes;  // inputs read once or skipped (ExpandResult::notes)
  double seconds = 0;
  // Errors found, or warnings with `strict` (exit code 1 of `tuneprep validate`).
  bool failed() const;
  bool strict = false;
};

// Runs every enabled rule over every record of the inputs. Deterministic: the same diagnostics in
// the same order for any number of jobs. Never throws on bad data.
ValidateResult run_validate(const ValidateOptions& options, const StreamProgressCallback& progress = {});


}  // namespace tuneprep
