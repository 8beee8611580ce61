// diagnostics: the findings of a validate run and their four output formats: text, JSON Lines,
// SARIF 2.1.0 and GitHub Actions workflow commands.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "tuneprep/rules.hpp"

namespace tuneprep {

// A diagnostic and the input file it belongs to. `diagnostic.line` / `column` are absolute in
// that file (see place_diagnostic in json_pointer.hpp); line 0 means the whole file (dataset-level
// rules such as too-few-examples), column 0 means the whole line.
struct FileDiagnostic {
  uint32_t file_index = 0;
  Diagnostic diagnostic;
};

struct DiagnosticSet {
  std::vector<std::string> paths;  // input paths by file_index, as the user gave them ("-" = stdin)
  std::vector<FileDiagnostic> diagnostics;
  uint64_t records = 0;            // records checked, for the summary
};

struct DiagnosticCounts {
  uint64_t errors = 0;
  uint64_t warnings = 0;
  uint64_t infos = 0;
};
DiagnosticCounts count_diagnostics(const DiagnosticSet& set);

// Orders by path, line, column, rule id, message: a total order, so the output does not depend on
// how work was split across threads.
void sort_diagnostics(DiagnosticSet& set);

inline constexpr uint64_t kUnlimitedDiagnostics = std::numeric_limits<uint64_t>::max();

struct TextFormatOptions {
  bool color = false;                              // ANSI colours (the CLI decides: TTY, --color, NO_COLOR)
  uint64_t max_diagnostics = kUnlimitedDiagnostics;  // --max-diagnostics: print at most this many
};

// `path:line:col: severity[rule-id]: message` per diagnostic (in the set's order; sort first), a
// line saying how many were not shown when max_diagnostics cut the list, then the summary line.
std::string format_text(const DiagnosticSet& set, const TextFormatOptions& options);

// "N errors, M warnings in K records of F files" (", I info" added when there are infos).
std::string format_summary(const DiagnosticSet& set);

// One JSON object per line: path, line, column (null when 0), rule, severity, message, pointer.
std::string format_json_lines(const DiagnosticSet& set, uint64_t max_diagnostics = kUnlimitedDiagnostics);

struct SarifOptions {
  std::string tool_version = TUNEPREP_VERSION;
  // Prefix of each rule's helpUri: helpUri = help_uri_base + "docs/rules.md#" + id. Empty gives a
  // reference relative to the repository root; set it to the project's URL for an absolute one.
  std::string help_uri_base;
  uint64_t max_diagnostics = kUnlimitedDiagnostics;
};

// A SARIF 2.1.0 log (pretty-printed, '\n'-terminated) with one run: tool.driver lists every
// registered rule; each result has ruleId, ruleIndex, level, message and a physicalLocation.
// Columns are Unicode code points (run.columnKind "unicodeCodePoints").
std::string format_sarif(const DiagnosticSet& set, const SarifOptions& options = {});

// GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=rule-id::message`
// (warning → ::warning, info → ::notice), escaped as the Actions toolkit does.
std::string format_github(const DiagnosticSet& set, uint64_t max_diagnostics = kUnlimitedDiagnostics);

// The SARIF level of a severity: "error", "warning" or "note".
std::string_view sarif_level(Severity severity);

}  // namespace tuneprep
