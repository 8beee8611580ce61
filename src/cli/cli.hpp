// cli: the subcommand table and the options every subcommand shares.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

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

int run_cli(int argc, char** argv);

// Subcommand setups, one per src/cli/<name>_command.cpp.
CommandRunner setup_validate(CLI::App& command, const GlobalOptions& global);
CommandRunner setup_prepare(CLI::App& command, const GlobalOptions& global);
CommandRunner setup_rules(CLI::App& command, const GlobalOptions& global);
CommandRunner setup_stats(CLI::App& command, const GlobalOptions& global);
CommandRunner setup_tokens(CLI::App& command, const GlobalOptions& global);
CommandRunner setup_models(CLI::App& command, const GlobalOptions& global);
CommandRunner setup_leakage(CLI::App& command, const GlobalOptions& global);

}  // namespace tuneprep::cli
