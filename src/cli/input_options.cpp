// The options every dataset-reading command shares (inputs, --format, CSV columns, --system,
// --max-record-bytes, byte sizes such as --max-memory) and the [rules] table of the configuration file.
#include <filesystem>

#include <fmt/core.h>

#include "cli/cli.hpp"
#include "tuneprep/diagnostics.hpp"
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
  // A byte count or a size (64M, 1G); any value up to 2^64-1 ("no limit") is valid, 0 is not.
  command
      .add_option_function<std::string>(
          "--max-record-bytes",
          [&reader](const std::string& text) {
            const std::optional<uint64_t> bytes = parse_byte_size(text);
            if (!bytes) {
              throw CLI::ValidationError("--max-record-bytes",
                                         "expected a size of at least 1 byte, such as 1048576, 64M or 1G; got '" +
                                             text + "'");
            }
            reader.max_record_bytes = static_cast<size_t>(*bytes);
          },
          fmt::format("Reject records larger than this many bytes (also 64M, 1G; default {} MiB)",
                      ReaderOptions{}.max_record_bytes >> 20))
      ->type_name("BYTES");
}

std::optional<uint64_t> parse_byte_size(std::string_view text) {
  size_t i = 0;
  uint64_t whole = 0;
  bool digits = false;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    const auto digit = static_cast<uint64_t>(text[i] - '0');
    if (whole > (UINT64_MAX - digit) / 10) return std::nullopt;
    whole = whole * 10 + digit;
    digits = true;
  }
  double fraction = 0;
  if (i < text.size() && text[i] == '.') {
    double scale = 0.1;
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      fraction += scale * (text[i] - '0');
      scale /= 10;
      digits = true;
    }
  }
  if (!digits) return std::nullopt;
  std::string_view unit = text.substr(i);
  if (!unit.empty() && unit.back() == 'B') unit.remove_suffix(1);
  if (!unit.empty() && unit.back() == 'i') unit.remove_suffix(1);
  int shift = 0;
  if (unit.empty()) {
    shift = 0;
  } else if (unit.size() == 1) {
    switch (unit[0]) {
      case 'k': case 'K': shift = 10; break;
      case 'm': case 'M': shift = 20; break;
      case 'g': case 'G': shift = 30; break;
      case 't': case 'T': shift = 40; break;
      default: return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  if (shift > 0 && whole > (UINT64_MAX >> shift)) return std::nullopt;
  const uint64_t bytes = (whole << shift) + static_cast<uint64_t>(fraction * static_cast<double>(uint64_t{1} << shift));
  if (bytes == 0) return std::nullopt;
  return bytes;
}

void print_input_notes(const std::vector<std::string>& notes, const GlobalOptions& global) {
  if (global.quiet) return;
  for (const std::string& note : notes) fmt::print(stderr, "note: {}\n", terminal_text(note));
}

std::optional<std::string> load_rules_config(const GlobalOptions& global, RuleConfig& config) {
  std::string path = global.config_path;
  if (path.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file("tuneprep.toml", ec)) return std::nullopt;
    path = "tuneprep.toml";
  }
  if (auto error = load_rules_toml_file(config, path)) return error->message;
  return std::nullopt;
}

}  // namespace tuneprep::cli
