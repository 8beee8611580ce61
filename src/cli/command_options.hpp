// command_options: the options of validate, prepare and stats as the command line binds and checks
// them, apart from running and printing, for a caller that runs the library itself (the Python
// module, python/): one name, one check and one message per option wherever it is given.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/cli.hpp"
#include "tuneprep/diagnostics.hpp"
#include "tuneprep/prepare.hpp"
#include "tuneprep/stats_run.hpp"
#include "tuneprep/validate.hpp"

namespace tuneprep::cli {

// Called once the command line is parsed: fills the library's options as the command does, or
// returns the usage error the command prints (exit 2).
template <class... Options>
using OptionsBuilder = std::function<std::optional<std::string>(Options&...)>;

// What `validate` lists of what it found, besides ValidateOptions: --min-severity, --max-diagnostics.
struct ValidateListing {
  Severity min_severity = Severity::kWarning;
  uint64_t max_diagnostics = kUnlimitedDiagnostics;
};

// Each adds every option of the command to `command`, exactly as setup_<name> does (so the ones
// that only shape the command's printing, such as --json or --output-format, are accepted too and
// left to the caller), and returns the builder. `global` must outlive the builder.
OptionsBuilder<ValidateOptions, ValidateListing> add_validate_options(CLI::App& command, const GlobalOptions& global);
OptionsBuilder<PrepareOptions> add_prepare_options(CLI::App& command, const GlobalOptions& global);
OptionsBuilder<StatsRunOptions> add_stats_options(CLI::App& command, const GlobalOptions& global);

// Leaves out the diagnostics below `min_severity`, as the machine formats of validate do (they
// carry no summary line that would count them).
void drop_below(DiagnosticSet& set, Severity min_severity);

// The `prepare --json` summary: the manifest's fields, then output_dir, seconds and (--timings)
// stages; '\n'-terminated.
std::string prepare_summary_json(const PrepareOptions& options, const PrepareSummary& summary);

}  // namespace tuneprep::cli
