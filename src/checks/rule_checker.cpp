// rule_checker: RuleChecker, the semantic (role order, weights, tool calls, preference pairs) and
// content-quality rules over one normalized Example.
#include <algorithm>
#include <bitset>
#include <optional>
#include <string>

#include <fmt/core.h>
#include <simdjson.h>

#include "checks/content_checks.hpp"
#include "checks/content_patterns.hpp"
#include "tuneprep/checks.hpp"

namespace tuneprep {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The message lists of an example and how each is checked.
enum class ListKind : uint8_t { kChat, kPrompt, kOutput };

std::string shorten(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
  return std::string(s.substr(0, cut)) + "…";
}

std::string_view last_digits(std::string_view s, size_t count, char (&buffer)[8]) {
  size_t n = 0;
  for (size_t i = s.size(); i-- > 0 && n < count;) {
    if (s[i] >= '0' && s[i] <= '9') buffer[count - 1 - n++] = s[i];
  }
  return std::string_view(buffer + count - n, n);
}

// What a confirmed hit becomes in the message: enough to find it, not enough to leak it.
std::string describe_hit(RuleId rule, std::string_view label, std::string_view match) {
  char digits[8];
  switch (rule) {
    case RuleId::kPiiEmail: {
      const size_t at = match.find('@');
      return fmt::format("content contains {} ({}…{})", label, match.substr(0, 1), match.substr(at));
    }
    case RuleId::kPiiPhone:
      return fmt::format("content contains {} (ending in {})", label, last_digits(match, 4, digits));
    case RuleId::kPiiCreditCard:
      return fmt::format("content contains {} (ending in {})", label, last_digits(match, 4, digits));
    case RuleId::kSecretKey:
      if (match.rfind("-----", 0) == 0) return fmt::format("content contains {}", label);
      return fmt::format("content contains {} ({}…)", label, match.substr(0, 4));
    case RuleId::kControlCharacter: {
      const auto b0 = static_cast<unsigned char>(match[0]);
      const unsigned cp = b0 < 0x80 ? b0 : ((b0 & 0x1Fu) << 6) | (static_cast<unsigned char>(match[1]) & 0x3Fu);
      return fmt::format("content contains {} (U+{:04X})", label, cp);
    }
    default:
      return fmt::format("content contains {} ({})", label, shorten(match, 40));
  }
}

// The literal every secret-key pattern starts with; text without any needs no RE2 pass.
constexpr std::string_view kSecretLeads[] = {"sk-", "AKIA", "ASIA", "ABIA", "ACCA", "gh",
                                             "xox", "AIza", "k_live_", "-----BEGIN"};

}  // namespace

std::string mask_secrets(std::string_view text) {
  if (std::none_of(std::begin(kSecretLeads), std::end(kSecretLeads),
                   [&](std::string_view lead) { return text.find(lead) != std::string_view::npos; })) {
    return std::string(text);
  }
  const checks::ContentPatterns& patterns = checks::ContentPatterns::instance();
  std::string out(text);
  for (int index = 0; index < static_cast<int>(patterns.size()); ++index) {
    if (patterns.pattern(index).rule != RuleId::kSecretKey) continue;
    size_t from = 0;
    while (from < out.size()) {
      const std::string_view rest = std::string_view(out).substr(from);
      const auto hit = checks::find_confirmed(patterns, index, rest);
      if (!hit) break;
      const size_t begin = from + static_cast<size_t>(hit->data() - rest.data());
      const size_t keep = hit->rfind("-----", 0) == 0 ? hit->size() : std::min<size_t>(4, hit->size());
      out.replace(begin + keep, hit->size() - keep, "…");
      from = begin + keep + std::string_view("…").size();
    }
  }
  return out;
}

struct RuleChecker::Impl {
  explicit Impl(RuleConfig c) : config(std::move(c)) {
    for (const checks::ContentPattern& p : checks::ContentPatterns::table()) {
      run_pattern_set |= config.enabled(p.rule);
      run_vectorscan |= config.enabled(p.rule) && p.scan == checks::Prefilter::kVectorscan;
    }
    if (run_pattern_set) {  // only when some rule needs it (loading the database and RE2s takes a few ms)
      patterns = &checks::ContentPatterns::instance();
      scratch.emplace(patterns->make_scratch());
    }
    check_responses = config.enabled(RuleId::kRepeatedText) || config.enabled(RuleId::kTruncatedResponse);
  }

  RuleConfig config;
  const checks::ContentPatterns* patterns = nullptr;         // when a pattern rule is enabled
  std::optional<checks::ContentPatterns::Scratch> scratch;  // this thread's, with `patterns`
  bool run_pattern_set = false;
  bool run_vectorscan = false;  // some enabled rule's prefilter is a Vectorscan pattern
  bool check_responses = false;
  simdjson::dom::parser calls_parser;
  simdjson::dom::parser arguments_parser;
  simdjson::dom::parser tools_parser;
  std::vector<int> hits;  // patterns the prefilter may have found in the example, sorted
  std::string joined;     // every content string of the example, for the one prefilter scan
  std::vector<checks::SentenceRef> sentences;
  std::vector<std::string> call_ids;    // ids of the open tool calls
  std::vector<std::string> tool_names;  // functions declared by `tools` / `functions`
  bool tools_declared = false;
  std::vector<Diagnostic>* out = nullptr;

  void emit(RuleId rule, std::string message, std::string pointer) {
    if (!config.enabled(rule)) return;
    Diagnostic d = make_diagnostic(rule, std::move(message), std::move(pointer));
    d.severity = config.severity(rule);
    out->push_back(std::move(d));
  }

  static std::string pointer(std::string_view base, size_t index, std::string_view field = {}) {
    std::string p = fmt::format("{}/{}", base, index);
    if (!field.empty()) {
      p += '/';
      p += field;
    }
    return p;
  }

  void load_tool_names(const Example& example) {
    tool_names.clear();
    tools_declared = false;
    auto collect = [&](const std::string& json, bool nested) {
      if (json.empty()) return;
      simdjson::dom::array list;
      if (tools_parser.parse(json).get_array().get(list)) return;
      tools_declared = true;
      for (simdjson::dom::element tool : list) {
        std::string_view name;
        auto entry = nested ? tool["function"]["name"] : tool["name"];
        if (!entry.get_string().get(name)) tool_names.emplace_back(name);
      }
    };
    collect(example.tools_json, true);
    collect(example.functions_json, false);
  }

  // Checks one {"name": ..., "arguments": "<JSON object>"} function object.
  void check_function(simdjson::dom::object fn, const std::string& where) {
    std::string_view name;
    if (fn["name"].get_string().get(name) || name.empty()) {
      emit(RuleId::kInvalidToolCall, "function has no name", where);
    } else if (tools_declared &&
               std::find(tool_names.begin(), tool_names.end(), name) == tool_names.end()) {
      emit(RuleId::kInvalidToolCall,
           fmt::format("calls function '{}' that the example's tools do not declare", shorten(name, 60)),
           where + "/name");
    }
    auto arguments_field = fn["arguments"];
    std::string_view arguments;
    if (arguments_field.error() == simdjson::NO_SUCH_FIELD) {
      emit(RuleId::kInvalidToolCall, "function has no arguments", where);
      return;
    }
    if (arguments_field.get_string().get(arguments)) {
      emit(RuleId::kInvalidToolCall, "arguments must be a string holding JSON", where + "/arguments");
      return;
    }
    simdjson::dom::element parsed;
    if (auto error = arguments_parser.parse(arguments.data(), arguments.size()).get(parsed)) {
      emit(RuleId::kInvalidToolCall,
           fmt::format("arguments are not valid JSON ({})", simdjson::error_message(error)),
           where + "/arguments");
      return;
    }
    if (!parsed.is_object()) {
      emit(RuleId::kInvalidToolCall, "arguments must encode a JSON object", where + "/arguments");
    }
  }

  void check_tool_calls(const Message& m, std::string_view base, size_t i) {
    const std::string where = pointer(base, i, "tool_calls");
    if (m.role != Role::kAssistant) {
      emit(RuleId::kInvalidToolCall,
           fmt::format("only assistant messages can carry tool_calls (this is a {} message)", role_name(m.role)),
           where);
    }
    simdjson::dom::element root;
    if (calls_parser.parse(m.tool_calls_json).get(root)) {
      emit(RuleId::kInvalidToolCall, "tool_calls is not valid JSON", where);
      return;
    }
    simdjson::dom::array calls;
    if (root.get_array().get(calls)) {
      emit(RuleId::kInvalidToolCall, "tool_calls must be an array", where);
      return;
    }
    if (calls.size() == 0) emit(RuleId::kInvalidToolCall, "tool_calls is empty", where);
    size_t k = 0;
    for (simdjson::dom::element call : calls) {
      const std::string call_where = fmt::format("{}/{}", where, k++);
      simdjson::dom::object object;
      if (call.get_object().get(object)) {
        emit(RuleId::kInvalidToolCall, "a tool call must be an object", call_where);
        continue;
      }
      std::string_view id;
      if (object["id"].get_string().get(id) || id.empty()) {
        emit(RuleId::kInvalidToolCall, "tool call has no id", call_where);
      } else {
        call_ids.emplace_back(id);
      }
      std::string_view type;
      auto type_field = object["type"];
      if (type_field.error() == simdjson::NO_SUCH_FIELD) {
        emit(RuleId::kInvalidToolCall, "tool call has no type (expected \"function\")", call_where);
      } else if (type_field.get_string().get(type) || type != "function") {
        emit(RuleId::kInvalidToolCall, "tool call type must be \"function\"", call_where + "/type");
      }
      simdjson::dom::object fn;
      if (object["function"].get_object().get(fn)) {
        emit(RuleId::kInvalidToolCall, "tool call has no function object", call_where);
        continue;
      }
      check_function(fn, call_where + "/function");
    }
  }

  void check_function_call(const Message& m, std::string_view base, size_t i) {
    const std::string where = pointer(base, i, "function_call");
    simdjson::dom::object fn;
    if (calls_parser.parse(m.function_call_json).get_object().get(fn)) {
      emit(RuleId::kInvalidToolCall, "function_call must be an object", where);
      return;
    }
    check_function(fn, where);
  }

  // Role order, weights and tool calls of one message list.
  void check_sequence(const std::vector<Message>& messages, std::string_view base, ListKind kind) {
    bool seen_non_system = false;
    size_t assistants = 0;
    size_t zero_weight = 0;
    std::optional<size_t> last_assistant;
    bool calls_open = false;  // the latest non-tool message is an assistant message with calls
    call_ids.clear();
    for (size_t i = 0; i < messages.size(); ++i) {
      const Message& m = messages[i];
      if (kind == ListKind::kOutput) {
        if (m.role != Role::kAssistant) {
          emit(RuleId::kDpoOutputNotAssistant,
               fmt::format("output message is a {} message, not an assistant message", role_name(m.role)),
               pointer(base, i, "role"));
        }
      } else {
        if (m.role == Role::kSystem) {
          if (seen_non_system) {
            emit(RuleId::kSystemNotFirst,
                 fmt::format("system message at position {} comes after the conversation started", i),
                 pointer(base, i, "role"));
          }
        } else {
          seen_non_system = true;
        }
        if (i > 0 && m.role == messages[i - 1].role && m.role != Role::kTool) {
          emit(RuleId::kConsecutiveSameRole,
               fmt::format("messages {} and {} are both {} messages", i - 1, i, role_name(m.role)),
               pointer(base, i, "role"));
        }
      }
      if (m.weight) {
        if (m.role != Role::kAssistant) {
          emit(RuleId::kInvalidWeight,
               fmt::format("weight is only allowed on assistant messages (this is a {} message)", role_name(m.role)),
               pointer(base, i, "weight"));
        } else if (*m.weight != 0 && *m.weight != 1) {
          emit(RuleId::kInvalidWeight, fmt::format("weight must be 0 or 1, not {}", *m.weight),
               pointer(base, i, "weight"));
        }
      }
      if (m.role == Role::kAssistant) {
        ++assistants;
        zero_weight += m.weight == 0;
        last_assistant = i;
      }
      if (m.role != Role::kTool) {
        call_ids.clear();
        calls_open = false;
      }
      if (!m.tool_calls_json.empty()) check_tool_calls(m, base, i);
      if (!m.function_call_json.empty()) check_function_call(m, base, i);
      if (m.role == Role::kAssistant) {
        calls_open = !m.tool_calls_json.empty() || !m.function_call_json.empty();
      }
      if (m.role == Role::kTool) {
        if (!calls_open) {
          emit(RuleId::kToolMessageWithoutCall,
               "tool message does not follow an assistant message with tool_calls", pointer(base, i));
        } else if (!m.tool_call_id.empty() && !call_ids.empty() &&
                   std::find(call_ids.begin(), call_ids.end(), m.tool_call_id) == call_ids.end()) {
          emit(RuleId::kToolMessageWithoutCall,
               fmt::format("tool_call_id '{}' matches no tool call of the preceding assistant message",
                           shorten(m.tool_call_id, 60)),
               pointer(base, i, "tool_call_id"));
        }
      }
    }
    if (kind != ListKind::kChat) return;
    if (assistants > 0 && zero_weight == assistants) {
      emit(RuleId::kAllWeightsZero, "every assistant message has weight 0: nothing would be trained",
           std::string(base));
    }
    if (last_assistant && *last_assistant + 1 < messages.size()) {
      const size_t after = messages.size() - *last_assistant - 1;
      emit(RuleId::kLastMessageNotAssistant,
           fmt::format("{} message{} after the last assistant message {} not trained on", after,
                       after == 1 ? "" : "s", after == 1 ? "is" : "are"),
           pointer(base, *last_assistant + 1));
    }
  }

  void check_coverage(const std::vector<Message>& messages, std::string_view base) {
    const auto has = [&](Role r) {
      return std::any_of(messages.begin(), messages.end(), [&](const Message& m) { return m.role == r; });
    };
    if (config.enabled(RuleId::kMissingSystemMessage) && !has(Role::kSystem)) {
      emit(RuleId::kMissingSystemMessage, "the example has no system message", std::string(base));
    }
    if (config.enabled(RuleId::kMissingUserMessage) && !has(Role::kUser)) {
      emit(RuleId::kMissingUserMessage, "the example has no user message", std::string(base));
    }
  }

  // One prefilter scan over all content strings of the example joined: a call per string would
  // cost more in per-call setup than in scanning short messages. A match that spans two strings
  // is harmless: the per-message confirmation below does not find it.
  void scan_patterns(const Example& example) {
    hits.clear();
    if (!run_pattern_set) return;
    if (!run_vectorscan) {
      // Only the byte-class scans: each string where it lies, no joined copy (its cost is the
      // copy, not the calls).
      uint32_t found = 0;
      for (const auto* list : {&example.messages, &example.preferred, &example.non_preferred}) {
        for (const Message& m : *list) {
          if (!m.content) continue;
          patterns->match(*m.content, *scratch, hits, false);
          for (int index : hits) found |= uint32_t{1} << index;
        }
      }
      hits.clear();
      for (; found != 0; found &= found - 1) hits.push_back(__builtin_ctz(found));  // in pattern order
      return;
    }
    joined.clear();
    for (const auto* list : {&example.messages, &example.preferred, &example.non_preferred}) {
      for (const Message& m : *list) {
        if (!m.content) continue;
        joined += *m.content;
        joined += "\n\n";
      }
    }
    // In pattern order, which keeps output deterministic.
    patterns->match(joined, *scratch, hits, run_vectorscan);
  }

  // The content rules: confirm the prefilter's hits, O(1) padding check, one pass over responses.
  void check_content(const Message& m, std::string_view base, size_t i) {
    if (!m.content) return;
    const std::string_view text = *m.content;
    const auto first = std::find_if_not(text.begin(), text.end(), is_space);
    if (first == text.end()) return;  // empty or blank: empty-content (Normalizer) reports it

    std::string where;  // built on the first finding only
    auto at = [&]() -> const std::string& {
      if (where.empty()) where = pointer(base, i, "content");
      return where;
    };

    if (config.enabled(RuleId::kWhitespacePadding)) {
      const bool leading = is_space(text.front());
      const bool trailing = is_space(text.back());
      if (leading || trailing) {
        emit(RuleId::kWhitespacePadding,
             fmt::format("content has {} whitespace",
                         leading && trailing ? "leading and trailing" : leading ? "leading" : "trailing"),
             at());
      }
    }

    if (!hits.empty()) {
      {
        std::bitset<kRuleCount> reported;
        for (int index : hits) {
          const checks::ContentPattern& p = patterns->pattern(index);
          const auto rule_index = static_cast<size_t>(p.rule);
          if (reported[rule_index] || !config.enabled(p.rule)) continue;
          if (p.rule == RuleId::kRefusalBoilerplate && m.role != Role::kAssistant) continue;
          if (auto found = checks::find_confirmed(*patterns, index, text)) {
            reported.set(rule_index);
            emit(p.rule, describe_hit(p.rule, p.label, *found), at());
          }
        }
      }
    }

    if (m.role == Role::kAssistant && check_responses) {
      const checks::ResponseShape shape = checks::analyze_response(text, sentences);
      if (!shape.repeated_sentence.empty()) {
        emit(RuleId::kRepeatedText,
             fmt::format("response repeats \"{}\" 3 or more times", shorten(shape.repeated_sentence, 60)),
             at());
      } else if (!shape.repeated_word.empty()) {
        emit(RuleId::kRepeatedText,
             fmt::format("response repeats the word \"{}\" 8 or more times in a row",
                         shorten(shape.repeated_word, 40)),
             at());
      }
      // Text before a tool call ("Let me look that up:") is not the end of the response.
      if (m.tool_calls_json.empty() && m.function_call_json.empty()) {
        const std::string_view reason = checks::truncation_reason(text, shape);
        if (!reason.empty()) emit(RuleId::kTruncatedResponse, fmt::format("response {}", reason), at());
      }
    }
  }

  void check_list(const std::vector<Message>& messages, std::string_view base, ListKind kind) {
    check_sequence(messages, base, kind);
    for (size_t i = 0; i < messages.size(); ++i) check_content(messages[i], base, i);
  }

  void check_preference(const Example& example) {
    check_list(example.messages, "/input/messages", ListKind::kPrompt);
    check_coverage(example.messages, "/input/messages");
    if (example.preferred.empty()) {
      emit(RuleId::kDpoMissingOutput, "the preferred output is empty", "/preferred_output");
    }
    if (example.non_preferred.empty()) {
      emit(RuleId::kDpoMissingOutput, "the non-preferred output is empty", "/non_preferred_output");
    }
    check_list(example.preferred, "/preferred_output", ListKind::kOutput);
    check_list(example.non_preferred, "/non_preferred_output", ListKind::kOutput);
    if (!example.preferred.empty() && example.preferred.size() == example.non_preferred.size() &&
        std::equal(example.preferred.begin(), example.preferred.end(), example.non_preferred.begin(),
                   [](const Message& a, const Message& b) {
                     return a.role == b.role && a.content == b.content &&
                            a.tool_calls_json == b.tool_calls_json &&
                            a.function_call_json == b.function_call_json;
                   })) {
      emit(RuleId::kDpoIdenticalOutputs, "the preferred and non-preferred outputs are identical",
           "/non_preferred_output");
    }
  }
};

RuleChecker::RuleChecker(RuleConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
RuleChecker::~RuleChecker() = default;
RuleChecker::RuleChecker(RuleChecker&&) noexcept = default;
RuleChecker& RuleChecker::operator=(RuleChecker&&) noexcept = default;

const RuleConfig& RuleChecker::config() const { return impl_->config; }

void RuleChecker::check(const Example& example, std::vector<Diagnostic>& out) {
  Impl& impl = *impl_;
  impl.out = &out;
  const bool any_calls = std::any_of(example.messages.begin(), example.messages.end(), [](const Message& m) {
    return !m.tool_calls_json.empty() || !m.function_call_json.empty();
  });
  if (any_calls || !example.preferred.empty()) impl.load_tool_names(example);
  impl.scan_patterns(example);
  if (example.kind == ExampleKind::kPreference) {
    impl.check_preference(example);
  } else {
    impl.check_list(example.messages, "/messages", ListKind::kChat);
    impl.check_coverage(example.messages, "/messages");
  }
  impl.out = nullptr;
}

}  // namespace tuneprep
