// The options every dataset-reading command shares (inputs, --format, CSV columns, --system,
// --max-record-bytes, byte sizes such as --max-memory) and the [rules] table of the configuration file.
#include <filesystem>

#include <fmt/core.h>

#include "cli/cli.hpp"
#include "tuneprep/config_file.hpp"
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

namespace {

// FIELD=KEY items of --map, checked; an error names the valid fields.
void add_key_mappings(const std::vector<std::string>& items, std::vector<KeyMapping>& out) {
  for (const std::string& item : items) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
      throw CLI::ValidationError("--map", "expects FIELD=KEY (e.g. response=answer), got '" + item + "'");
    }
    const std::string field = item.substr(0, eq);
    if (!is_mappable_field(field)) {
      throw CLI::ValidationError("--map", "unknown field '" + field + "' (fields: " + std::string(mappable_fields()) + ")");
    }
    out.push_back({field, item.substr(eq + 1)});
  }
}

}  // namespace

void add_csv_column_options(CLI::App& command, ReaderOptions& reader, NormalizeOptions* normalize) {
  // The column options name JSON keys too (--map prompt=KEY ...), so one flag works for either input.
  auto column = [&command, normalize](const char* flag, std::string& target, const char* field, const char* help) {
    command.add_option_function<std::string>(
        flag,
        [&target, normalize, field](const std::string& name) {
          target = name;
          if (normalize != nullptr) normalize->key_map.push_back({field, name});
        },
        help);
  };
  column("--prompt-col", reader.prompt_column, "prompt", "CSV column (or JSON key) holding the user prompt");
  column("--response-col", reader.response_column, "response", "CSV column (or JSON key) holding the assistant answer");
  column("--system-col", reader.system_column, "system", "CSV column (or JSON key) holding the system prompt");
  if (normalize != nullptr) {
    command.add_option_function<std::vector<std::string>>(
        "--map", [normalize](const std::vector<std::string>& items) { add_key_mappings(items, normalize->key_map); },
        "Read a field from another JSON key: FIELD=KEY, repeatable (fields: " + std::string(mappable_fields()) +
            "; the *_tag ones name a turn's keys and speaker values, as LLaMA-Factory's tags)");
  }
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
  add_csv_column_options(command, reader, &normalize);
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

std::optional<std::string> load_config(const GlobalOptions& global, ConfigFile& file) {
  std::string path = global.config_path;
  if (path.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file("tuneprep.toml", ec)) return std::nullopt;
    path = "tuneprep.toml";
  }
  if (auto error = read_config_file(path, file)) return error->message;
  return std::nullopt;
}

std::optional<std::string> apply_rules_config(const ConfigFile& file, RuleConfig& config,
                                              NormalizeOptions* normalize) {
  if (auto error = apply_rules_table(config, file)) return error->message;
  if (normalize != nullptr) {
    std::vector<std::pair<std::string, std::string>> mappings;
    if (auto error = read_map_table(file, mappings)) return error->message;
    std::vector<KeyMapping> from_file;
    for (auto& [field, key] : mappings) {
      if (!is_mappable_field(field)) {
        return fmt::format("{}: unknown field map.{} (fields: {})", file.source, field, mappable_fields());
      }
      from_file.push_back({std::move(field), std::move(key)});
    }
    // Flags come after the file's table, so a flag wins over the file for the same field.
    normalize->key_map.insert(normalize->key_map.begin(), from_file.begin(), from_file.end());
  }
  return std::nullopt;
}

std::optional<std::string> load_rules_config(const GlobalOptions& global, RuleConfig& config,
                                             NormalizeOptions* normalize) {
  ConfigFile file;
  if (auto error = load_config(global, file)) return error;
  return apply_rules_config(file, config, normalize);
}

}  // namespace tuneprep::cli
