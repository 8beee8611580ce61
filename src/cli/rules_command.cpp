// `tuneprep rules`: lists the rule registry.
#include <fmt/core.h>

#include "cli/cli.hpp"
#include "tuneprep/rules.hpp"
#include "tuneprep/schema.hpp"

namespace tuneprep::cli {

CommandRunner setup_rules(CLI::App& command, const GlobalOptions&) {
  auto json = std::make_shared<bool>(false);
  command.add_flag("--json", *json, "Print the rules as JSON Lines");
  return [json]() {
    for (const RuleInfo& rule : all_rules()) {
      if (*json) {
        std::string line = "{\"id\":";
        append_json_string(line, rule.name);
        line += ",\"severity\":";
        append_json_string(line, severity_name(rule.default_severity));
        line += ",\"description\":";
        append_json_string(line, rule.description);
        line += "}";
        fmt::print("{}\n", line);
      } else {
        fmt::print("{:<22} {:<8} {}\n", rule.name, severity_name(rule.default_severity),
                   rule.description);
      }
    }
    return kExitClean;
  };
}

}  // namespace tuneprep::cli
