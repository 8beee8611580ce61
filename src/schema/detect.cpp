// schema detection: one pass over a record's top-level keys, and the choice of input shape.
#include <string>

#include "schema/schema_internal.hpp"

namespace tuneprep::schema_detail {
namespace {

constexpr std::string_view kTopKeyNames[] = {
    "messages", "conversations", "prompt", "completion", "instruction", "input", "output", "system",
    "history", "chosen", "rejected", "preferred_output", "non_preferred_output", "tools", "functions",
    "parallel_tool_calls"};
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

void scan_top_fields(simdjson::dom::object object, TopFields& fields) {
  fields.present = 0;
  fields.keys.clear();
  for (const auto& field : object) {
    fields.keys.push_back(field.key);
    for (size_t i = 0; i < std::size(kTopKeyNames); ++i) {
      if (field.key == kTopKeyNames[i]) {
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

DetectedShape detect_shape(const TopFields& top) {
  DetectedShape preference = detect_preference(top);
  if (preference != DetectedShape::kNoPreference) return preference;
  if (top.has(TopKey::kMessages)) {
    return first_message_is_sharegpt(top.get(TopKey::kMessages)) ? DetectedShape::kShareGpt
                                                                  : DetectedShape::kOpenAiChat;
  }
  if (top.has(TopKey::kConversations)) return DetectedShape::kShareGpt;
  if (top.has(TopKey::kInstruction) || top.has(TopKey::kOutput)) return DetectedShape::kAlpaca;
  if (top.has(TopKey::kPrompt) || top.has(TopKey::kCompletion)) return DetectedShape::kPromptCompletion;
  return DetectedShape::kUnknown;
}

std::string describe_keys(const TopFields& top) {
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
  out +=
      "; expected messages, conversations, prompt/completion, instruction/output, "
      "input/preferred_output/non_preferred_output or chosen/rejected";
  return out;
}

}  // namespace tuneprep::schema_detail
