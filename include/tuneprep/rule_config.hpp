// rule_config: which rules run and at what severity, from --enable/--disable/--severity and the
// `[rules]` table of tuneprep.toml.
#pragma once

#include <array>
#include <bitset>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tuneprep/rules.hpp"

namespace tuneprep {

// Every rule starts enabled at its default severity. Plain value type: copy it into each worker.
class RuleConfig {
 public:
  RuleConfig();

  bool enabled(RuleId id) const { return enabled_[index(id)]; }
  Severity severity(RuleId id) const { return severity_[index(id)]; }
  void set_enabled(RuleId id, bool on) { enabled_[index(id)] = on; }
  void set_severity(RuleId id, Severity s) { severity_[index(id)] = s; }

  // Applies the configuration to a diagnostic produced anywhere (normalizer, checks, pipeline):
  // returns false when its rule is disabled (drop it), otherwise sets its severity.
  bool apply(Diagnostic& d) const;
  // Drops diagnostics of disabled rules and sets the severity of the rest, keeping their order.
  void apply(std::vector<Diagnostic>& diagnostics) const;

 private:
  static size_t index(RuleId id) { return static_cast<size_t>(id); }
  std::bitset<kRuleCount> enabled_;
  std::array<Severity, kRuleCount> severity_;
};

// A usage error (exit code 2) with a ready-to-print message.
struct RuleConfigError {
  std::string message;
};

// The rule options of the command line, as given (each may repeat; comma lists are accepted too).
struct RuleOptions {
  std::vector<std::string> enable;    // rule ids
  std::vector<std::string> disable;   // rule ids
  std::vector<std::string> severity;  // "ID=error|warning|info"
};

// Applies `options` on top of `config`: disables first, then enables (so --enable wins when a rule
// is named in both), then severities. Unknown ids and levels are errors listing the valid ones;
// `config` is left unchanged on error.
std::optional<RuleConfigError> apply_rule_options(RuleConfig& config, const RuleOptions& options);

struct ConfigFile;  // a parsed tuneprep.toml (tuneprep/config_file.hpp)

// Applies the `[rules]` table of a parsed tuneprep.toml (other tables are ignored):
//   [rules]
//   disable = ["pii-phone"]
//   enable = ["missing-system-message"]
//   severity = { "consecutive-same-role" = "error" }
// Same order and error rules as apply_rule_options; messages start with the file's source (the path).
std::optional<RuleConfigError> apply_rules_table(RuleConfig& config, const ConfigFile& file);
// apply_rules_table over `toml_text`, parsed as parse_config_text does (`source_name` prefixes messages).
std::optional<RuleConfigError> apply_rules_toml(RuleConfig& config, std::string_view toml_text,
                                                std::string_view source_name);

// Reads the `[map]` table of a parsed tuneprep.toml (a key mapping for JSON input, as
// LLaMA-Factory's dataset_info.json `columns`):
//   [map]
//   prompt = "question"
//   response = "answer"
// into (field, key) pairs in key order. Values must be strings; fields are checked by the caller.
std::optional<RuleConfigError> read_map_table(const ConfigFile& file,
                                              std::vector<std::pair<std::string, std::string>>& mappings);
// read_map_table over `toml_text`, parsed as parse_config_text does.
std::optional<RuleConfigError> read_map_toml(std::string_view toml_text, std::string_view source_name,
                                             std::vector<std::pair<std::string, std::string>>& mappings);

// Limits on a configuration file, checked before the TOML parser sees it: the parser recurses
// once per dotted-key part and per nested array or inline table, so a hostile tuneprep.toml (a
// cloned repository is enough) could otherwise overflow the stack; the size bounds what is read
// from a FIFO or a device such as /dev/zero.
inline constexpr size_t kMaxConfigBytes = 1u << 20;
inline constexpr size_t kMaxConfigNesting = 32;  // nested [ and {, and parts of one dotted key

// The first breach of kMaxConfigNesting in `toml_text` ("cfg.toml:3:40: ..."), if any. A lexical
// scan that knows strings and comments, nothing more: it only bounds what the parser will do.
std::optional<RuleConfigError> check_toml_limits(std::string_view toml_text, std::string_view source_name);

// Reads `path` with read_config_file and applies its `[rules]` table. Unreadable, too large, too
// deep or malformed files are errors. (Commands read the file once and apply each table of it.)
std::optional<RuleConfigError> load_rules_toml_file(RuleConfig& config, const std::string& path);

// The message for an unknown rule id: names it, suggests the closest id, lists every valid id.
std::string unknown_rule_message(std::string_view id);

}  // namespace tuneprep
