// rule_docs: the documentation of every rule (who checks it, a bad and a good example) and the
// renderer of docs/rules.md from it, so the registry and the docs cannot drift apart.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "tuneprep/rules.hpp"

namespace tuneprep {

struct RuleDoc {
  RuleId id;
  std::string_view checked_by;  // the module that implements the rule, as in rules.hpp
  // How the examples are written: "jsonl" (records, one per line), "csv", or "text" (prose, for
  // what a record cannot show, like a byte-order mark or a 100 MB line).
  std::string_view example_format;
  std::string_view bad;
  std::string_view good;
};

// One entry per rule, in RuleId order.
std::span<const RuleDoc> rule_docs();
const RuleDoc& rule_doc(RuleId id);

// The whole of docs/rules.md (`tuneprep rules --markdown`).
std::string render_rules_markdown();

}  // namespace tuneprep
