// cli: the subcommand table and the options every subcommand shares.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace tuneprep {
struct CommandDoc;
struct ConfigFile;
class RuleConfig;
struct NormalizeOptions;
struct ReaderOptions;
}  // namespace tuneprep

namespace tuneprep::cli {

enum class ColorMode { kAuto, kAlways, kNever };

// Options common to all subcommands (DESIGN §2).
struct GlobalOptions {
  unsigned jobs = 0;  // 0 = all cores
  bool quiet = false;
  std::string color = "auto";
  std::string config_path;  // --config; tuneprep.toml in the current directory when empty
  bool use_color(int fd) const;  // resolves "auto" against isatty(fd) and NO_COLOR
};

// Adds -j/--jobs, -q/--quiet, --color and --config to the top-level `app`, bound to `global`.
void add_global_options(CLI::App& app, GlobalOptions& global);

// A subcommand adds its options to `command` (bound to storage it owns) and returns the function
// that runs it once parsing succeeded; that function returns the process exit code.
using CommandRunner = std::function<int()>;
using CommandSetup = CommandRunner (*)(CLI::App& command, const GlobalOptions& global);

struct CommandSpec {
  std::string_view name;
  std::string_view help;  // one line
  CommandSetup setup;
};

// Exit codes (docs/cli.md): scripts and pre-commit hooks rely on them.
inline constexpr int kExitClean = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitUsage = 2;

// `more_commands` follow the built-in ones in --help: the binary passes the backend commands
// (src/cli/backend/), which the library does not link.
int run_cli(int argc, char** argv, std::span<const CommandSpec> more_commands = {});

// ---------------------------------------------------------------------------------------------
// Options shared by the commands that read datasets (src/cli/input_options.cpp), so each option
// has one name, check and help text everywhere.

// --system's help for commands that write the examples out (prepare, stats figures).
inline constexpr std::string_view kSystemAddsHelp = "Add this system message where none exists";

// The input selection of DESIGN §2, in this order: the `inputs` positional (required), --format
// (sets normalize.shape), --prompt-col, --response-col, --system-col and --system (described by
// `system_help`: validate only checks as if the message were there).
void add_input_options(CLI::App& command, std::vector<std::string>& inputs, ReaderOptions& reader,
                       NormalizeOptions& normalize, std::string_view system_help = kSystemAddsHelp);
// --format alone, for commands whose inputs are not a list (leakage's two files).
void add_format_option(CLI::App& command, NormalizeOptions& normalize, std::string_view help);
// --prompt-col, --response-col and --system-col alone.
void add_csv_column_options(CLI::App& command, ReaderOptions& reader, NormalizeOptions* normalize = nullptr);
// --max-record-bytes.
void add_max_record_bytes_option(CLI::App& command, ReaderOptions& reader);

// Parses "2G", "500M", "64K", "1.5G" or plain bytes (powers of 1024; a trailing "B"/"iB" is
// accepted), as --max-memory takes them. Returns nullopt for anything else, 0, or a value that
// overflows.
std::optional<uint64_t> parse_byte_size(std::string_view text);

// Prints the input notes of a run (files read once, entries of a directory skipped) on stderr as
// "note: ..." lines, escaped for the terminal; nothing with -q.
void print_input_notes(const std::vector<std::string>& notes, const GlobalOptions& global);

// Reads and parses --config, or ./tuneprep.toml when --config is not given and that file exists;
// no file leaves `file` empty (no tables), which is no error. Returns a one-line error message for
// an unreadable, too large, too deep or malformed file. Every command reads the file here, once.
std::optional<std::string> load_config(const GlobalOptions& global, ConfigFile& file);

// Applies the [rules] table of `file` to `config`, and its [map] table to normalize->key_map when
// `normalize` is given. Returns a one-line error message for a bad table; `config` is left
// unchanged by a bad [rules] table.
std::optional<std::string> apply_rules_config(const ConfigFile& file, RuleConfig& config,
                                              NormalizeOptions* normalize = nullptr);

// load_config, then apply_rules_config: for the commands that need nothing else of the file.
std::optional<std::string> load_rules_config(const GlobalOptions& global, RuleConfig& config,
                                             NormalizeOptions* normalize = nullptr);

// Subcommand setups, one per src/cli/<name>_command.cpp.
CommandRunner setup_validate(CLI::App& command, const GlobalOptions& global);
CommandRunner setup_prepare(CLI::App& command, const GlobalOptions& global);
CommandRunner setup_merge(CLI::App& command, const GlobalOptions& global);  // in prepare_command.cpp
CommandRunner setup_rules(CLI::App& command, const GlobalOptions& global);
CommandRunner setup_stats(CLI::App& command, const GlobalOptions& global);
CommandRunner setup_tokens(CLI::App& command, const GlobalOptions& global);
CommandRunner setup_models(CLI::App& command, const GlobalOptions& global);
CommandRunner setup_leakage(CLI::App& command, const GlobalOptions& global);
CommandRunner setup_version(CLI::App& command, const GlobalOptions& global);
CommandRunner setup_completions(CLI::App& command, const GlobalOptions& global);
CommandRunner setup_manpage(CLI::App& command, const GlobalOptions& global);

// The command-line tree under `root` (every visible command and option, as --help shows them) with
// the prose of the man pages: what man pages and completions are generated from
// (src/cli/command_tree.cpp).
CommandDoc describe_cli(const CLI::App& root);

}  // namespace tuneprep::cli
