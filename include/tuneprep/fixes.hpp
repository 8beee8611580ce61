// fixes: the safe fixes of the rules that have one (rules.hpp RuleInfo::fix), applied to a
// normalized Example or to a record's raw text instead of rejecting the record.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tuneprep/conversation.hpp"
#include "tuneprep/rule_config.hpp"
#include "tuneprep/rules.hpp"

namespace tuneprep {

// Which fixes to apply (`prepare --fix`).
class FixSet {
 public:
  bool contains(RuleId id) const { return set_[static_cast<size_t>(id)]; }
  void add(RuleId id) { set_[static_cast<size_t>(id)] = true; }
  bool empty() const { return set_.none(); }

  // "safe" (every rule with a fix) or a comma list of rule ids that have a fix. Errors name the
  // unknown id or the rule without a fix, and list the rules that have one.
  static std::optional<FixSet> parse(std::string_view spec, RuleConfigError& error);

 private:
  std::bitset<kRuleCount> set_;
};

// Applies the fixes of `fixes` that concern the Example, in a fixed order (merge consecutive
// same-role messages, drop trailing turns, trim padding), and returns the rules it fixed, once
// each, in that order. An example without anything to fix is left unchanged.
//   consecutive-same-role: adjacent messages of one role (not tool) are merged, contents joined
//     by a blank line, when neither carries tool calls and their name and weight agree;
//   last-message-not-assistant: messages after the last assistant message are dropped (chat
//     examples that have an assistant message);
//   whitespace-padding: leading and trailing whitespace of every non-blank content is trimmed.
// unknown-key needs no change here: an Example holds only known fields, so every writer drops
// the unknown keys; the pipeline counts that fix from the record's unknown-key diagnostics.
std::vector<RuleId> apply_fixes(Example& example, const FixSet& fixes);

// bom-or-crlf: strips a leading UTF-8 byte-order mark and every CR that precedes a LF or ends the
// text (CRs inside JSON strings are escaped, so raw ones are line ends). Returns true if it changed.
bool strip_bom_and_cr(std::string& record_text);

}  // namespace tuneprep
