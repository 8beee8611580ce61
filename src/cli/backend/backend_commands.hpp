// backend_commands: the commands that talk to a fine-tuning service (upload, train, watch, jobs,
// cancel) and the connection options they share. Linked into the binary only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "tuneprep/backend.hpp"
#include "tuneprep/rule_config.hpp"
#include "tuneprep/schema.hpp"

namespace tuneprep::cli {

// --backend, --base-url, --api-key-file, --max-retries, --timeout, --verbose.
struct ConnectionOptions {
  std::string backend = "openai";
  std::string base_url;
  std::string api_key_file;
  int max_retries = 5;
  double timeout = 600;
  bool verbose = false;
};
void add_connection_options(CLI::App& command, ConnectionOptions& options);

// The backend for these options, or a one-line usage error (no key, unknown profile, no URL, a
// bad tuneprep.toml). Reads tuneprep.toml once: the profile is its [backend.NAME] table, and its
// [rules] table goes into `gate_rules` (when given) for the upload gate.
// Retries are noted on stderr unless --quiet; --verbose traces every request there.
std::unique_ptr<backend::Backend> connect(const ConnectionOptions& options, const GlobalOptions& global,
                                          std::string& error, RuleConfig* gate_rules = nullptr);

// Prints "error: MESSAGE" on stderr and returns kExitUsage (API and I/O errors).
int print_error(const GlobalOptions& global, std::string_view message);

// The upload gate: the same analysis as `validate` with the configured `rules` (connect's
// gate_rules). Prints the errors (at most 20) on stderr; returns false when the file has any, or
// on I/O errors (`io_error` set). A validation file may hold fewer than 10 examples (the minimum
// is the training file's), so `validation_file` turns too-few-examples off.
bool passes_validation(const std::string& path, InputShape shape, const RuleConfig& rules, const GlobalOptions& global,
                       bool& io_error, bool validation_file = false);

// What `watch` does after a job is created or named: follow it, print events, download results.
struct WatchCommandOptions {
  std::string out_dir;    // empty: ./<job id>
  double poll = 1.0;      // seconds between the first polls
  bool json = false;
};
int watch_and_report(backend::Backend& backend, const std::string& job_id, const WatchCommandOptions& options,
                     const GlobalOptions& global);

CommandRunner setup_upload(CLI::App& command, const GlobalOptions& global);
CommandRunner setup_train(CLI::App& command, const GlobalOptions& global);
CommandRunner setup_watch(CLI::App& command, const GlobalOptions& global);
CommandRunner setup_jobs(CLI::App& command, const GlobalOptions& global);
CommandRunner setup_cancel(CLI::App& command, const GlobalOptions& global);

inline constexpr CommandSpec kBackendCommands[] = {
    {"upload", "Validate dataset files, then upload them to the fine-tuning service (multipart when large)",
     setup_upload},
    {"train", "Start a fine-tuning job (uploading local files or a prepared directory first); --wait follows it",
     setup_train},
    {"watch", "Follow a fine-tuning job to its end: events, the model name, metrics and loss plots",
     setup_watch},
    {"jobs", "List recent fine-tuning jobs", setup_jobs},
    {"cancel", "Cancel a fine-tuning job", setup_cancel},
};

}  // namespace tuneprep::cli
