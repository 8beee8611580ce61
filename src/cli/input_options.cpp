// The options every dataset-reading command shares (inputs, --format, CSV columns, --system,
// --max-record-bytes) and the [rules] table of the configuration file.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/core.h>

#include "cli/cli.hpp"
#include "tuneprep/readers.hpp"
#include "tuneprep/rule_config.hpp"
#include "tuneprep/schema.hpp"

namespace tuneprep::cli {

void add_format_option(CLI::App& command, NormalizeOptions& normalize, std::string_view help) {
  // The check runs before the callback, so input_shape_from_name always knows the name.
  command
      .add_option_function<std::string>(
          "--format", [&normalize](const std::string& name) { normalize.shape = *input_shape_from_name(name); },
          std::string(help))
      ->check(CLI::IsMember({"auto", "openai-chat", "prompt-completion", "alpaca", "sharegpt", "dpo", "csv"}));
}

void add_csv_column_options(CLI::App& command, ReaderOptions& reader) {
  command.add_option("--prompt-col", reader.prompt_column, "CSV column holding the user prompt");
  command.add_option("--response-col", reader.response_column, "CSV column holding the assistant answer");
  command.add_option("--system-col", reader.system_column, "CSV column holding the system prompt");
  command
      .add_option_function<std::string>(
          "--delimiter",
          [&reader](const std::string& name) { reader.csv_delimiter = name == "tab" || name == "\\t" ? '\t' : name[0]; },
          "CSV field delimiter: , ; | or tab (default: tab for .tsv, else detected from the header row)")
      ->check(CLI::IsMember({",", ";", "|", "tab", "\\t"}));
}

void add_input_options(CLI::App& command, std::vector<std::string>& inputs, ReaderOptions& reader,
                       NormalizeOptions& normalize, std::string_view system_help) {
  command.add_option("inputs", inputs, "Input files, directories (searched recursively) or - for stdin")->required();
  add_format_option(command, normalize, "Input shape (auto detects per record)");
  add_csv_column_options(command, reader);
  command.add_option("--system", normalize.system_prompt, std::string(system_help));
}

void add_max_record_bytes_option(CLI::App& command, ReaderOptions& reader) {
  command
      .add_option("--max-record-bytes", reader.max_record_bytes,
                  fmt::format("Reject records larger than this (default {} MiB)", ReaderOptions{}.max_record_bytes >> 20))
      ->check(CLI::PositiveNumber);
}

std::optional<std::string> load_rules_config(const GlobalOptions& global, RuleConfig& config) {
  std::string path = global.config_path;
  if (path.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file("tuneprep.toml", ec)) return std::nullopt;
    path = "tuneprep.toml";
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fmt::format("--config {}: cannot open the file", path);
  std::ostringstream text;
  text << in.rdbuf();
  if (auto error = apply_rules_toml(config, text.str(), path)) return error->message;
  return std::nullopt;
}

}  // namespace tuneprep::cli
