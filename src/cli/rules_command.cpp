// `tuneprep rules`: lists the rule registry (text, JSON Lines, or the Markdown of docs/rules.md).
#include <fmt/core.h>

#include "cli/cli.hpp"
#include "tuneprep/json_writer.hpp"
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
        std::string line;
        JsonWriter w(line, JsonLayout::kCompact);
        w.begin_object();
        w.field("id", rule.name);
        w.field("severity", severity_name(rule.default_severity));
        w.field("description", rule.description);
        w.key("fix");
        if (rule.fix.empty()) {
          w.null();
        } else {
          w.string(rule.fix);
        }
        w.end_object();
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
