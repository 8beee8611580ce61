// cli: openai-chat / OpenAI DPO JSON line -> Example, for `tokens --chat` (see chat_record.hpp).
#include "cli/chat_record.hpp"

#include <vector>

namespace tuneprep::cli {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

bool read_message(element value, Message& message, std::string& error) {
  object obj;
  if (value.get_object().get(obj)) {
    error = "a message is not an object";
    return false;
  }
  std::string_view role;
  if (obj["role"].get_string().get(role)) {
    error = "a message has no string `role`";
    return false;
  }
  const std::optional<Role> parsed_role = role_from_name(role);
  if (!parsed_role) {
    error = "unknown role \"" + std::string(role) + "\"";
    return false;
  }
  message.role = *parsed_role;
  element content;
  if (!obj["content"].get(content)) {
    std::string_view text;
    array parts;
    if (!content.get_string().get(text)) {
      message.content = std::string(text);
    } else if (!content.get_array().get(parts)) {
      // Content parts: the text parts, joined, are what is tokenized.
      std::string joined;
      for (element part : parts) {
        std::string_view part_text;
        if (!part["text"].get_string().get(part_text)) joined += part_text;
      }
      message.content = std::move(joined);
      message.content_parts_json = simdjson::minify(content);
    } else if (!content.is_null()) {
      error = "a message `content` is neither a string, an array nor null";
      return false;
    }
  }
  std::string_view text;
  if (!obj["name"].get_string().get(text)) message.name = std::string(text);
  if (!obj["tool_call_id"].get_string().get(text)) message.tool_call_id = std::string(text);
  int64_t weight;
  if (!obj["weight"].get_int64().get(weight)) message.weight = weight;
  element calls;
  if (!obj["tool_calls"].get(calls) && !calls.is_null()) message.tool_calls_json = simdjson::minify(calls);
  if (!obj["function_call"].get(calls) && !calls.is_null()) {
    message.function_call_json = simdjson::minify(calls);
  }
  return true;
}

bool read_messages(element value, std::vector<Message>& out, std::string& error) {
  array list;
  if (value.get_array().get(list)) {
    error = "`messages` is not an array";
    return false;
  }
  for (element item : list) {
    Message message;
    if (!read_message(item, message, error)) return false;
    out.push_back(std::move(message));
  }
  return true;
}

}  // namespace

std::optional<Example> parse_chat_record(simdjson::dom::parser& parser, std::string_view line,
                                         std::string& error) {
  element doc;
  if (auto code = parser.parse(line.data(), line.size()).get(doc); code != simdjson::SUCCESS) {
    error = std::string("invalid JSON: ") + simdjson::error_message(code);
    return std::nullopt;
  }
  object root;
  if (doc.get_object().get(root)) {
    error = "the record is not a JSON object";
    return std::nullopt;
  }
  Example example;
  element value;
  if (!root["messages"].get(value)) {
    if (!read_messages(value, example.messages, error)) return std::nullopt;
  } else if (!root["input"]["messages"].get(value)) {
    example.kind = ExampleKind::kPreference;
    example.format = SourceFormat::kDpoOpenAi;
    if (!read_messages(value, example.messages, error)) return std::nullopt;
    if (root["preferred_output"].get(value) || !read_messages(value, example.preferred, error) ||
        root["non_preferred_output"].get(value) ||
        !read_messages(value, example.non_preferred, error)) {
      if (error.empty()) error = "a preference record needs `preferred_output` and `non_preferred_output`";
      return std::nullopt;
    }
    if (!root["input"]["tools"].get(value) && !value.is_null()) example.tools_json = simdjson::minify(value);
  } else {
    error = "no `messages` array (expected an openai-chat or OpenAI DPO record)";
    return std::nullopt;
  }
  if (!root["tools"].get(value) && !value.is_null()) example.tools_json = simdjson::minify(value);
  if (!root["functions"].get(value) && !value.is_null()) example.functions_json = simdjson::minify(value);
  return example;
}

}  // namespace tuneprep::cli
