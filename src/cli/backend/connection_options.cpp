// connection_options: turns --backend/--base-url/--api-key-file, the environment and the
// tuneprep.toml profile into a backend; the key comes only from the environment or a file.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/core.h>

#include "cli/backend/backend_commands.hpp"
#include "cli/terminal.hpp"
#include "tuneprep/config_file.hpp"
#include "tuneprep/diagnostics.hpp"
#include "tuneprep/rule_config.hpp"
#include "tuneprep/validate.hpp"

namespace tuneprep::cli {
namespace {

std::string trim_line(std::string text) {
  const size_t end = text.find_first_of("\r\n");
  if (end != std::string::npos) text.resize(end);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.pop_back();
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.erase(0, 1);
  return text;
}

}  // namespace

void add_connection_options(CLI::App& command, ConnectionOptions& options) {
  command.add_option("--backend", options.backend, "Service profile: openai, or a [backend.NAME] table of tuneprep.toml")
      ->capture_default_str();
  command.add_option("--base-url", options.base_url,
                     "API base URL (default: $OPENAI_BASE_URL, else the profile's, https://api.openai.com/v1)");
  command.add_option("--api-key-file", options.api_key_file,
                     "Read the API key from this file (default: $OPENAI_API_KEY, or the profile's api_key_env)");
  command.add_option("--max-retries", options.max_retries, "Retries of a failed request (backoff with jitter)")
      ->check(CLI::Range(0, 20))
      ->capture_default_str();
  command.add_option("--timeout", options.timeout, "Seconds before a request attempt is abandoned and retried")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command.add_flag("--verbose", options.verbose, "Trace every request on stderr (the key redacted)");
}

std::unique_ptr<backend::Backend> connect(const ConnectionOptions& options, const GlobalOptions& global,
                                          std::string& error, RuleConfig* gate_rules) {
  // --config / ./tuneprep.toml, read as every command reads it (bounded in size and nesting,
  // parsed once, [rules] checked even where nothing is uploaded); the profile is one of its tables.
  ConfigFile config;
  if (auto problem = load_config(global, config)) {
    error = *problem;
    return nullptr;
  }
  RuleConfig checked_only;  // [rules] of a command without an upload gate: checked, then unused
  if (auto problem = apply_rules_config(config, gate_rules != nullptr ? *gate_rules : checked_only)) {
    error = *problem;
    return nullptr;
  }
  auto profile = backend::find_profile(options.backend, config);
  if (!profile) {
    error = profile.error->message;
    return nullptr;
  }
  backend::ClientOptions client;
  client.profile = *profile.value;
  client.base_url = options.base_url;
  if (client.base_url.empty() && options.backend == "openai") {
    if (const char* env = std::getenv("OPENAI_BASE_URL"); env != nullptr) client.base_url = env;
  }
  if (client.base_url.empty()) client.base_url = client.profile.base_url;
  if (client.base_url.empty()) {
    error = fmt::format("backend '{}' has no base_url: set it in its [backend.{}] table or pass --base-url",
                        options.backend, options.backend);
    return nullptr;
  }
  if (!options.api_key_file.empty()) {
    std::ifstream in(options.api_key_file, std::ios::binary);
    if (!in) {
      error = fmt::format("--api-key-file {}: cannot open the file", options.api_key_file);
      return nullptr;
    }
    std::ostringstream text;
    text << in.rdbuf();
    client.api_key = trim_line(text.str());
  } else if (const char* env = std::getenv(client.profile.api_key_env.c_str()); env != nullptr) {
    client.api_key = trim_line(env);
  }
  if (client.api_key.empty()) {
    error = fmt::format("no API key: set {} or pass --api-key-file FILE (a key is never taken as a plain argument)",
                        client.profile.api_key_env);
    return nullptr;
  }
  client.retry.max_retries = options.max_retries;
  client.timeout = options.timeout;
  const bool color = global.use_color(STDERR_FILENO);
  if (options.verbose) {
    client.trace = [](std::string_view line) { fmt::print(stderr, "{}\n", line); };
  }
  if (!global.quiet) {
    client.notice = [color](std::string_view line) {
      fmt::print(stderr, "{}: {}\n", Style(color).yellow("retry"), line);
    };
  }
  return backend::make_http_backend(std::move(client));
}

int print_error(const GlobalOptions& global, std::string_view message) {
  fmt::print(stderr, "{}: {}\n", Style(global.use_color(STDERR_FILENO)).red("error"), message);
  return kExitUsage;
}

bool passes_validation(const std::string& path, InputShape shape, const RuleConfig& rules, const GlobalOptions& global,
                       bool& io_error, bool validation_file) {
  io_error = false;
  ValidateOptions options;
  options.inputs = {path};
  options.normalize.shape = shape;
  options.jobs = global.jobs;
  options.rules = rules;
  if (validation_file) options.rules.set_enabled(RuleId::kTooFewExamples, false);
  ValidateResult result = run_validate(options);
  if (result.error) {
    print_error(global, result.error->message);
    io_error = true;
    return false;
  }
  if (result.severities.errors == 0) return true;
  DiagnosticSet errors = result.diagnostics;
  std::erase_if(errors.diagnostics,
                [](const FileDiagnostic& d) { return d.diagnostic.severity != Severity::kError; });
  const std::string text = format_text(errors, TextFormatOptions{global.use_color(STDERR_FILENO), 20});
  std::fwrite(text.data(), 1, text.size(), stderr);
  return false;
}

}  // namespace tuneprep::cli
