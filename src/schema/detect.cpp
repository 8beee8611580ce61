// schema detection: one pass over a record's top-level keys, and the choice of input shape.
#include <string>

#include "schema/schema_internal.hpp"

namespace tuneprep {

namespace {
// Field of a mapping -> the TopKey it names. "prompt" is the user's text (Alpaca's instruction),
// "query" the input appended to it, "response" the answer, as in LLaMA-Factory's `columns`.
struct MappableField {
  std::string_view field;
  schema_detail::TopKey key;
};
constexpr MappableField kMappableFields[] = {
    {"prompt", schema_detail::TopKey::kInstruction}, {"query", schema_detail::TopKey::kInput},
    {"response", schema_detail::TopKey::kOutput},    {"history", schema_detail::TopKey::kHistory},
    {"system", schema_detail::TopKey::kSystem},      {"messages", schema_detail::TopKey::kMessages},
    {"chosen", schema_detail::TopKey::kChosen},      {"rejected", schema_detail::TopKey::kRejected},
    {"tools", schema_detail::TopKey::kTools},        {"label", schema_detail::TopKey::kLabel},
};
}  // namespace

std::string_view mappable_fields() {
  return "prompt, query, response, history, system, messages, chosen, rejected, tools, label; message tags: "
         "role_tag, content_tag, user_tag, assistant_tag, system_tag, observation_tag, function_tag";
}

bool is_mappable_field(std::string_view field) {
  for (const MappableField& m : kMappableFields) {
    if (m.field == field) return true;
  }
  return is_message_tag(field);
}

bool is_message_tag(std::string_view field) {
  for (std::string_view tag : {"role_tag", "content_tag", "user_tag", "assistant_tag", "system_tag",
                               "observation_tag", "function_tag"}) {
    if (field == tag) return true;
  }
  return false;
}

}  // namespace tuneprep

namespace tuneprep::schema_detail {
namespace {

constexpr std::string_view kTopKeyNames[] = {
    "messages", "conversations", "prompt", "completion", "instruction", "input", "output", "system",
    "history", "chosen", "rejected", "preferred_output", "non_preferred_output", "tools", "functions",
    "parallel_tool_calls", "response", "answer", "question", "query", "target", "label"};
static_assert(std::size(kTopKeyNames) == static_cast<size_t>(TopKey::kCount_));

bool is_string(element value) { return value.type() == simdjson::dom::element_type::STRING; }
bool is_object(element value) { return value.type() == simdjson::dom::element_type::OBJECT; }

// The first message of a list uses ShareGPT keys (`from`/`value`) rather than `role`/`content`.
bool first_message_is_sharegpt(element list) {
  simdjson::dom::array array;
  if (list.get_array().get(array) || array.size() == 0) return false;
  simdjson::dom::object first;
  if (array.at(0).get_object().get(first)) return false;
  element ignored;
  return !first.at_key("from").get(ignored) && first.at_key("role").get(ignored) != simdjson::SUCCESS;
}

// The type of whichever answer is present decides between a transcript and message lists.
bool answers_are_strings(const TopFields& top) {
  if (top.has(TopKey::kChosen)) return is_string(top.get(TopKey::kChosen));
  return is_string(top.get(TopKey::kRejected));
}

}  // namespace

TopKeyNames default_top_key_names() {
  TopKeyNames names;
  for (size_t i = 0; i < names.size(); ++i) names[i] = kTopKeyNames[i];
  return names;
}

bool map_top_key(TopKeyNames& names, std::string_view field, std::string_view key) {
  for (const MappableField& m : kMappableFields) {
    if (m.field != field) continue;
    // The mapped key replaces the field's name; where it was some other field's alias, that
    // alias stops meaning the other field, so one key is never read twice.
    for (std::string& name : names) {
      if (name == key) name.clear();
    }
    names[static_cast<size_t>(m.key)] = key;
    return true;
  }
  return false;
}

MessageTags message_tags(const std::vector<KeyMapping>& key_map) {
  MessageTags tags;
  for (const KeyMapping& m : key_map) {
    if (m.field == "role_tag") {
      tags.role_key = m.key;
      tags.keys_mapped = true;
    } else if (m.field == "content_tag") {
      tags.content_key = m.key;
      tags.keys_mapped = true;
    } else if (m.field == "user_tag") {
      tags.roles.emplace_back(m.key, Role::kUser);
    } else if (m.field == "assistant_tag") {
      tags.roles.emplace_back(m.key, Role::kAssistant);
    } else if (m.field == "system_tag") {
      tags.roles.emplace_back(m.key, Role::kSystem);
    } else if (m.field == "observation_tag") {
      tags.roles.emplace_back(m.key, Role::kTool);
    } else if (m.field == "function_tag") {
      tags.function_tag = m.key;
    }
  }
  return tags;
}

void scan_top_fields(simdjson::dom::object object, const TopKeyNames& names, TopFields& fields) {
  fields.present = 0;
  fields.keys.clear();
  for (const auto& field : object) {
    fields.keys.push_back(field.key);
    for (size_t i = 0; i < names.size(); ++i) {
      if (field.key == names[i] && !names[i].empty()) {
        // A repeated key keeps its last value, as Python's json module does.
        fields.values[i] = field.value;
        fields.present |= 1u << i;
        break;
      }
    }
  }
}

DetectedShape detect_preference(const TopFields& top) {
  if (top.has(TopKey::kPreferredOutput) || top.has(TopKey::kNonPreferredOutput) ||
      (top.has(TopKey::kInput) && is_object(top.get(TopKey::kInput)))) {
    return DetectedShape::kDpoOpenAi;
  }
  if (top.has(TopKey::kChosen) || top.has(TopKey::kRejected)) {
    if (top.has(TopKey::kConversations)) return DetectedShape::kPreferenceShareGpt;
    if (top.has(TopKey::kPrompt)) return DetectedShape::kPreferencePrompt;
    return answers_are_strings(top) ? DetectedShape::kPreferenceTranscript
                                    : DetectedShape::kPreferenceImplicit;
  }
  return DetectedShape::kNoPreference;
}

bool has_pair_key(const TopFields& top) {
  return top.has(TopKey::kPrompt) || top.has(TopKey::kCompletion) || top.has(TopKey::kQuestion) ||
         top.has(TopKey::kQuery) || top.has(TopKey::kResponse) || top.has(TopKey::kAnswer) ||
         top.has(TopKey::kTarget);
}

DetectedShape detect_shape(const TopFields& top) {
  DetectedShape preference = detect_preference(top);
  if (preference != DetectedShape::kNoPreference) return preference;
  if (top.has(TopKey::kMessages)) {
    return first_message_is_sharegpt(top.get(TopKey::kMessages)) ? DetectedShape::kShareGpt
                                                                  : DetectedShape::kOpenAiChat;
  }
  if (top.has(TopKey::kConversations)) return DetectedShape::kShareGpt;
  if (top.has(TopKey::kInstruction)) return DetectedShape::kAlpaca;
  // prompt/completion and its aliases (prompt/response, question/answer, query/response), and
  // input/output without an instruction: one question and its answer.
  if (has_pair_key(top)) return DetectedShape::kPromptCompletion;
  if (top.has(TopKey::kOutput)) {
    return top.has(TopKey::kInput) ? DetectedShape::kPromptCompletion : DetectedShape::kAlpaca;
  }
  return DetectedShape::kUnknown;
}

std::string key_list(const TopFields& top) {
  // Keys come from the data: keep the message one line and bounded whatever they hold.
  constexpr size_t kMaxKeys = 12;
  constexpr size_t kMaxKeyBytes = 40;
  std::string out = "keys: ";
  if (top.keys.empty()) out += "(none)";
  for (size_t i = 0; i < top.keys.size() && i < kMaxKeys; ++i) {
    if (i > 0) out += ", ";
    std::string_view key = top.keys[i];
    bool cut = false;
    if (key.size() > kMaxKeyBytes) {
      size_t end = kMaxKeyBytes;
      while (end > 0 && (static_cast<unsigned char>(key[end]) & 0xC0) == 0x80) --end;
      key = key.substr(0, end);
      cut = true;
    }
    for (char c : key) out.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
    if (cut) out += "...";
  }
  if (top.keys.size() > kMaxKeys) out += ", ... (" + std::to_string(top.keys.size()) + " keys)";
  return out;
}

std::string describe_keys(const TopFields& top) {
  return key_list(top) +
         "; expected messages, conversations, prompt/completion (or prompt/response, question/answer, "
         "input/output), instruction/output, input/preferred_output/non_preferred_output or chosen/rejected; "
         "map other keys with --map FIELD=KEY";
}

}  // namespace tuneprep::schema_detail
