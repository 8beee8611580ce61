// fixes: FixSet parsing and the safe fixes (merge same-role turns, drop trailing turns, trim
// padding, strip BOM and CR).
#include "tuneprep/fixes.hpp"

#include <algorithm>
#include <array>

namespace tuneprep {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string rules_with_fix() {
  std::string list;
  for (const RuleInfo& rule : all_rules()) {
    if (rule.fix.empty()) continue;
    if (!list.empty()) list += ", ";
    list += rule.name;
  }
  return list;
}

bool mergeable(const Message& a, const Message& b) {
  return a.role == b.role && a.role != Role::kTool && a.content && b.content && a.tool_calls_json.empty() &&
         b.tool_calls_json.empty() && a.function_call_json.empty() && b.function_call_json.empty() &&
         a.content_parts_json.empty() && b.content_parts_json.empty() && a.name == b.name &&
         a.weight == b.weight;
}

bool merge_same_role(std::vector<Message>& messages) {
  bool changed = false;
  size_t out = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (out > 0 && mergeable(messages[out - 1], messages[i])) {
      *messages[out - 1].content += "\n\n";
      *messages[out - 1].content += *messages[i].content;
      changed = true;
      continue;
    }
    if (out != i) messages[out] = std::move(messages[i]);
    ++out;
  }
  messages.resize(out);
  return changed;
}

bool trim_padding(std::vector<Message>& messages) {
  bool changed = false;
  for (Message& m : messages) {
    if (!m.content || !m.content_parts_json.empty()) continue;
    std::string& text = *m.content;
    const auto first = std::find_if_not(text.begin(), text.end(), is_space);
    if (first == text.end()) continue;  // blank: empty-content, not a padding fix
    const auto last = std::find_if_not(text.rbegin(), text.rend(), is_space).base();
    if (first == text.begin() && last == text.end()) continue;
    text = std::string(first, last);
    changed = true;
  }
  return changed;
}

}  // namespace

std::optional<FixSet> FixSet::parse(std::string_view spec, RuleConfigError& error) {
  FixSet set;
  while (!spec.empty()) {
    const size_t comma = spec.find(',');
    std::string_view item = spec.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "safe") {
      for (const RuleInfo& rule : all_rules()) {
        if (!rule.fix.empty()) set.add(rule.id);
      }
    } else if (!item.empty()) {
      auto id = rule_from_name(item);
      if (!id) {
        error.message = "--fix: " + unknown_rule_message(item);
        return std::nullopt;
      }
      if (rule_info(*id).fix.empty()) {
        error.message = "--fix: rule " + std::string(item) + " has no safe fix (rules with one: " +
                        rules_with_fix() + ", or 'safe' for all)";
        return std::nullopt;
      }
      set.add(*id);
    }
    if (comma == std::string_view::npos) break;
    spec.remove_prefix(comma + 1);
  }
  return set;
}

namespace {

// The tokens special-token-literal strips from the end of an answer (the ones datasets append as
// an end marker); any other special token stays and is still reported.
constexpr std::string_view kEndTokens[] = {"<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<|end_of_text|>",
                                           "<|eom_id|>",    "<|end|>",    "</s>",       "<end_of_turn>"};

bool is_space_byte(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Removes the end tokens (and the whitespace around them) from the end of each assistant message,
// all of a run like "<|end|><|eom_id|>" at once so the fix is idempotent, but never the last thing
// left of a message (a token that is the whole answer stays to be reported).
bool strip_end_tokens(std::vector<Message>& messages) {
  bool changed = false;
  for (Message& m : messages) {
    if (m.role != Role::kAssistant || !m.content) continue;
    std::string& text = *m.content;
    for (bool stripped = true; stripped;) {
      stripped = false;
      size_t end = text.size();
      while (end > 0 && is_space_byte(text[end - 1])) --end;
      for (std::string_view token : kEndTokens) {
        if (end < token.size() || std::string_view(text).substr(end - token.size(), token.size()) != token) continue;
        size_t keep = end - token.size();
        while (keep > 0 && is_space_byte(text[keep - 1])) --keep;
        if (keep == 0) break;
        text.resize(keep);
        changed = stripped = true;
        break;
      }
    }
  }
  return changed;
}

}  // namespace

std::vector<RuleId> apply_fixes(Example& example, const FixSet& fixes) {
  std::vector<RuleId> applied;
  auto lists = [&]() { return std::array{&example.messages, &example.preferred, &example.non_preferred}; };

  if (fixes.contains(RuleId::kConsecutiveSameRole)) {
    bool changed = false;
    for (auto* list : lists()) changed |= merge_same_role(*list);
    if (changed) applied.push_back(RuleId::kConsecutiveSameRole);
  }
  if (fixes.contains(RuleId::kLastMessageNotAssistant) && example.kind == ExampleKind::kChat) {
    auto& messages = example.messages;
    auto last = std::find_if(messages.rbegin(), messages.rend(),
                             [](const Message& m) { return m.role == Role::kAssistant; });
    if (last != messages.rend() && last != messages.rbegin()) {
      messages.erase(last.base(), messages.end());
      applied.push_back(RuleId::kLastMessageNotAssistant);
    }
  }
  if (fixes.contains(RuleId::kSpecialTokenLiteral)) {
    bool changed = false;
    for (auto* list : lists()) changed |= strip_end_tokens(*list);
    if (changed) applied.push_back(RuleId::kSpecialTokenLiteral);
  }
  if (fixes.contains(RuleId::kWhitespacePadding)) {
    bool changed = false;
    for (auto* list : lists()) changed |= trim_padding(*list);
    if (changed) applied.push_back(RuleId::kWhitespacePadding);
  }
  return applied;
}

bool strip_bom_and_cr(std::string& text) {
  const size_t before = text.size();
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
  size_t out = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] == '\n')) continue;
    text[out++] = text[i];
  }
  text.resize(out);
  return text.size() != before;
}

}  // namespace tuneprep
