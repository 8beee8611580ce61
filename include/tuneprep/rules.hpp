// rules: the registry of the rules: for each id (diagnostics.hpp) its name, default severity,
// description and safe fix.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tuneprep/diagnostics.hpp"

namespace tuneprep {

struct RuleInfo {
  RuleId id;
  std::string_view name;         // kebab-case id, e.g. "missing-content"
  Severity default_severity;
  std::string_view description;  // one line
  std::string_view fix = {};     // the safe fix (`prepare --fix`), one line; empty when none
};

std::span<const RuleInfo> all_rules();
const RuleInfo& rule_info(RuleId id);
std::optional<RuleId> rule_from_name(std::string_view name);
std::string_view rule_name(RuleId id);


}  // namespace tuneprep
