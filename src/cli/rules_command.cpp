// `tuneprep rules`: lists the rule registry (text, JSON Lines, or the Markdown of docs/rules.md).
#include <fmt/core.h>

#include "cli/cli.hpp"
#include "tuneprep/rule_docs.hpp"
#include "tuneprep/rules.hpp"
#include "tuneprep/schema.hpp"

namespace tuneprep::cli {

CommandRunner setup_rules(CLI::App& command, const GlobalOptions&) {
  auto json = std::make_shared<bool>(false);
  auto markdown = std::make_shared<bool>(false);
  command.add_flag("--json", *json, "Print the rules as JSON Lines (id, severity, description, fix)");
  command.add_flag("--markdown", *markdown, "Print docs/rules.md: every rule with a bad and a good example")
      ->excludes(command.get_option("--json"));
  return [json, markdown]() {
    if (*markdown) {
      fmt::print("{}", render_rules_markdown());
      return kExitClean;
    }
    for (const RuleInfo& rule : all_rules()) {
      if (*json) {
        std::string line = "{\"id\":";
        append_json_string(line, rule.name);
        line += ",\"severity\":";
        append_json_string(line, severity_name(rule.default_severity));
        line += ",\"description\":";
        append_json_string(line, rule.description);
        line += ",\"fix\":";
        if (rule.fix.empty()) {
          line += "null";
        } else {
          append_json_string(line, rule.fix);
        }
        line += "}";
        fmt::print("{}\n", line);
      } else {
        fmt::print("{:<27} {:<8} {}\n", rule.name, severity_name(rule.default_severity),
                   rule.description);
        if (!rule.fix.empty()) fmt::print("{:<27} {:<8} fix: {}\n", "", "", rule.fix);
      }
    }
    return kExitClean;
  };
}

}  // namespace tuneprep::cli
