// rule_config: RuleConfig and its two sources, command-line options and the tuneprep.toml [rules] table;
// the [map] table and the pre-scan that bounds what the TOML parser is given.
#include "tuneprep/rule_config.hpp"

#include <algorithm>

#include "tuneprep/config_file.hpp"

namespace tuneprep {
namespace {

// Edit distance for the "did you mean" hint; ids are short, so the quadratic table is fine.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits "a,b" lists so `--disable a,b` works like `--disable a --disable b`.
template <typename F>
void for_each_item(const std::vector<std::string>& values, F&& f) {
  for (const std::string& value : values) {
    std::string_view rest = value;
    for (;;) {
      const size_t comma = rest.find(',');
      f(trim(rest.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
}

struct PendingChanges {
  std::vector<RuleId> disable;
  std::vector<RuleId> enable;
  std::vector<std::pair<RuleId, Severity>> severity;

  void apply_to(RuleConfig& config) const {
    for (RuleId id : disable) config.set_enabled(id, false);
    for (RuleId id : enable) config.set_enabled(id, true);
    for (auto [id, s] : severity) config.set_severity(id, s);
  }
};

std::optional<RuleConfigError> parse_severity_item(std::string_view id, std::string_view level,
                                                   std::string_view prefix, PendingChanges& out) {
  auto rule = rule_from_name(id);
  if (!rule) return RuleConfigError{std::string(prefix) + unknown_rule_message(id)};
  auto severity = severity_from_name(level);
  if (!severity) {
    return RuleConfigError{std::string(prefix) + "unknown severity '" + std::string(level) +
                           "' for rule " + std::string(id) + " (valid: error, warning, info)"};
  }
  out.severity.emplace_back(*rule, *severity);
  return std::nullopt;
}

}  // namespace

RuleConfig::RuleConfig() {
  enabled_.set();
  for (const RuleInfo& rule : all_rules()) severity_[index(rule.id)] = rule.default_severity;
}

bool RuleConfig::apply(Diagnostic& d) const {
  if (!enabled(d.rule)) return false;
  // too-few-examples carries its own level (error under 10, warning under 50) unless overridden.
  if (d.rule == RuleId::kTooFewExamples && severity(d.rule) == rule_info(d.rule).default_severity) {
    return true;
  }
  d.severity = severity(d.rule);
  return true;
}

void RuleConfig::apply(std::vector<Diagnostic>& diagnostics) const {
  auto kept = std::remove_if(diagnostics.begin(), diagnostics.end(),
                             [&](Diagnostic& d) { return !apply(d); });
  diagnostics.erase(kept, diagnostics.end());
}

std::string unknown_rule_message(std::string_view id) {
  std::string message = "unknown rule id '" + std::string(id) + "'";
  std::string_view closest;
  size_t best = 4;  // suggest only near misses
  for (const RuleInfo& rule : all_rules()) {
    const size_t d = edit_distance(id, rule.name);
    if (d < best) {
      best = d;
      closest = rule.name;
    }
  }
  if (!closest.empty()) message += " (did you mean '" + std::string(closest) + "'?)";
  message += "; valid rule ids:";
  for (const RuleInfo& rule : all_rules()) {
    message += ' ';
    message += rule.name;
  }
  return message;
}

std::optional<RuleConfigError> apply_rule_options(RuleConfig& config, const RuleOptions& options) {
  PendingChanges changes;
  std::optional<RuleConfigError> error;
  auto collect = [&](const std::vector<std::string>& values, std::vector<RuleId>& out) {
    for_each_item(values, [&](std::string_view id) {
      if (error || id.empty()) return;
      if (auto rule = rule_from_name(id)) {
        out.push_back(*rule);
      } else {
        error = RuleConfigError{unknown_rule_message(id)};
      }
    });
  };
  collect(options.disable, changes.disable);
  collect(options.enable, changes.enable);
  for_each_item(options.severity, [&](std::string_view item) {
    if (error || item.empty()) return;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      error = RuleConfigError{"--severity expects ID=LEVEL (error, warning or info), got '" +
                              std::string(item) + "'"};
      return;
    }
    error = parse_severity_item(trim(item.substr(0, eq)), trim(item.substr(eq + 1)), "--severity: ",
                                changes);
  });
  if (error) return error;
  changes.apply_to(config);
  return std::nullopt;
}

std::optional<RuleConfigError> check_toml_limits(std::string_view text, std::string_view source_name) {
  enum class State { kCode, kComment, kBasic, kLiteral, kMultiBasic, kMultiLiteral };
  State state = State::kCode;
  size_t depth = 0;  // open [ and {
  size_t parts = 1;  // parts of the key being read: dots since the last = , [ ] { } or line end
  size_t line = 1, column = 0;
  auto error = [&](std::string_view what) {
    return RuleConfigError{std::string(source_name) + ":" + std::to_string(line) + ":" + std::to_string(column) +
                           ": " + std::string(what) + " (at most " + std::to_string(kMaxConfigNesting) + ")"};
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
      if (state == State::kComment || state == State::kBasic || state == State::kLiteral) state = State::kCode;
      if (state == State::kCode) parts = 1;
      continue;
    }
    const bool triple = i + 2 < text.size() && text[i + 1] == c && text[i + 2] == c;
    switch (state) {
      case State::kComment: break;
      case State::kBasic:
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          state = State::kCode;
        }
        break;
      case State::kLiteral:
        if (c == '\'') state = State::kCode;
        break;
      case State::kMultiBasic:
        if (c == '\\') {
          ++i;
        } else if (c == '"' && triple) {
          state = State::kCode;
          i += 2;
        }
        break;
      case State::kMultiLiteral:
        if (c == '\'' && triple) {
          state = State::kCode;
          i += 2;
        }
        break;
      case State::kCode:
        if (c == '#') {
          state = State::kComment;
        } else if (c == '"' || c == '\'') {
          state = triple ? (c == '"' ? State::kMultiBasic : State::kMultiLiteral)
                         : (c == '"' ? State::kBasic : State::kLiteral);
          if (triple) i += 2;
        } else if (c == '.') {
          if (++parts > kMaxConfigNesting) return error("a dotted key has too many parts");
        } else if (c == '[' || c == '{') {
          if (++depth > kMaxConfigNesting) return error("arrays, tables and inline tables are nested too deeply");
          parts = 1;
        } else if (c == ']' || c == '}') {
          if (depth > 0) --depth;
          parts = 1;
        } else if (c == '=' || c == ',') {
          parts = 1;
        }
        break;
    }
  }
  return std::nullopt;
}

std::optional<RuleConfigError> load_rules_toml_file(RuleConfig& config, const std::string& path) {
  ConfigFile file;
  if (auto error = read_config_file(path, file)) return error;
  return apply_rules_table(config, file);
}

std::optional<RuleConfigError> apply_rules_toml(RuleConfig& config, std::string_view toml_text,
                                                std::string_view source_name) {
  ConfigFile file;
  if (auto error = parse_config_text(toml_text, source_name, file)) return error;
  return apply_rules_table(config, file);
}

std::optional<RuleConfigError> read_map_toml(std::string_view toml_text, std::string_view source_name,
                                             std::vector<std::pair<std::string, std::string>>& mappings) {
  ConfigFile file;
  if (auto error = parse_config_text(toml_text, source_name, file)) return error;
  return read_map_table(file, mappings);
}

std::optional<RuleConfigError> apply_rules_table(RuleConfig& config, const ConfigFile& file) {
  const std::string prefix = file.source + ": ";
  const toml::node* rules_node = file.document.get("rules");
  if (rules_node == nullptr) return std::nullopt;
  const toml::table* rules = rules_node->as_table();
  if (rules == nullptr) return RuleConfigError{prefix + "[rules] must be a table"};

  PendingChanges changes;
  for (const auto& [key, value] : *rules) {
    const std::string_view name = key.str();
    if (name == "enable" || name == "disable") {
      const toml::array* ids = value.as_array();
      if (ids == nullptr) {
        return RuleConfigError{prefix + "rules." + std::string(name) + " must be an array of rule ids"};
      }
      for (const toml::node& item : *ids) {
        const auto id = item.value<std::string_view>();
        if (!id) {
          return RuleConfigError{prefix + "rules." + std::string(name) + " must hold strings"};
        }
        auto rule = rule_from_name(*id);
        if (!rule) return RuleConfigError{prefix + unknown_rule_message(*id)};
        (name == "enable" ? changes.enable : changes.disable).push_back(*rule);
      }
    } else if (name == "severity") {
      const toml::table* levels = value.as_table();
      if (levels == nullptr) {
        return RuleConfigError{prefix + "rules.severity must be a table of rule id = level"};
      }
      for (const auto& [id, level] : *levels) {
        const auto text = level.value<std::string_view>();
        if (!text) {
          return RuleConfigError{prefix + "rules.severity." + std::string(id.str()) +
                                 " must be a string (error, warning or info)"};
        }
        if (auto error = parse_severity_item(id.str(), *text, prefix, changes)) return error;
      }
    } else {
      return RuleConfigError{prefix + "unknown key rules." + std::string(name) +
                             " (valid: enable, disable, severity)"};
    }
  }
  changes.apply_to(config);
  return std::nullopt;
}

std::optional<RuleConfigError> read_map_table(const ConfigFile& file,
                                              std::vector<std::pair<std::string, std::string>>& mappings) {
  const toml::node* map_node = file.document.get("map");
  if (map_node == nullptr) return std::nullopt;
  const toml::table* map = map_node->as_table();
  const std::string prefix = file.source + ": ";
  if (map == nullptr) return RuleConfigError{prefix + "[map] must be a table of field = \"key\""};
  for (const auto& [field, key] : *map) {
    const auto name = key.value<std::string_view>();
    if (!name || name->empty()) {
      return RuleConfigError{prefix + "map." + std::string(field.str()) + " must be a non-empty string (the record's key)"};
    }
    mappings.emplace_back(std::string(field.str()), std::string(*name));
  }
  return std::nullopt;
}

}  // namespace tuneprep
