// cli: parses the command line with CLI11 and dispatches to the subcommand table.
#include "cli/cli.hpp"

#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "cli/terminal.hpp"
#include "tuneprep/build_info.hpp"
#include "tuneprep/io.hpp"

namespace tuneprep::cli {
namespace {

// The subcommands, in the order `tuneprep --help` lists them.
constexpr CommandSpec kCommands[] = {
    {"validate", "Check records against every rule and print diagnostics (text, json, sarif, github)",
     setup_validate},
    {"prepare", "Run the whole pipeline and write train/validation/rejected/duplicates, report and manifest",
     setup_prepare},
    {"merge", "Join the shards of `prepare --shard I/N` into the output set one prepare run would write",
     setup_merge},
    {"stats", "Report a dataset: counts, tokens, quality signals, training cost (terminal/JSON/Markdown/HTML)",
     setup_stats},
    {"leakage", "Find validation examples that are exact or near copies of training examples",
     setup_leakage},
    {"tokens", "Count tokens exactly (tiktoken-compatible) in text files or per dataset record", setup_tokens},
    {"models", "List fine-tunable models: encoding and maximum tokens per example", setup_models},
    {"rules", "List every rule: id, default severity, what it checks", setup_rules},
};

// About tuneprep itself; listed after every other command (the backend's included).
constexpr CommandSpec kToolCommands[] = {
    {"version", "Print the version, the git commit and the embedded encodings (--json)", setup_version},
    {"completions", "Print the completion script for bash, zsh or fish", setup_completions},
    {"manpage", "Print a man page, or write them all with --out-dir (used by the build)", setup_manpage},
};

}  // namespace

bool GlobalOptions::use_color(int fd) const {
  if (color == "always") return true;
  if (color == "never") return false;
  if (std::getenv("NO_COLOR") != nullptr) return false;
  return isatty(fd) != 0;
}

void add_global_options(CLI::App& app, GlobalOptions& global) {
  app.add_option("-j,--jobs", global.jobs, "Worker threads (default: all cores)")
      ->check(CLI::Range(1u, 1024u));
  app.add_flag("-q,--quiet", global.quiet, "Print nothing but errors");
  app.add_option("--color", global.color, "Colour output: auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app.add_option("--config", global.config_path, "TOML configuration file (default: ./tuneprep.toml)");
}

int run_cli(int argc, char** argv, std::span<const CommandSpec> more_commands) {
  // Every command: a signal removes this run's temporaries and exits 128+N (docs/reliability.md).
  install_signal_cleanup();
  CLI::App app{"tuneprep: turn raw conversation data into clean, upload-ready fine-tuning datasets"};
  app.set_version_flag("--version", version_line());
  app.require_subcommand(1);
  app.fallthrough();

  GlobalOptions global;
  add_global_options(app, global);

  std::vector<std::pair<CLI::App*, CommandRunner>> runners;
  const auto add = [&](const CommandSpec& spec) {
    CLI::App* sub = app.add_subcommand(std::string(spec.name), std::string(spec.help));
    runners.emplace_back(sub, spec.setup(*sub, global));
  };
  for (const CommandSpec& spec : kCommands) add(spec);
  for (const CommandSpec& spec : more_commands) add(spec);
  for (const CommandSpec& spec : kToolCommands) add(spec);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitClean : kExitUsage;
  }
  for (auto& [sub, runner] : runners) {
    if (sub->parsed()) return runner();
  }
  return kExitUsage;
}

}  // namespace tuneprep::cli
