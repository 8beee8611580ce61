// schema messages: one message object (OpenAI role/content or ShareGPT from/value) to a Message.
#include <string>

#include <fmt/core.h>

#include "json/json_minify.hpp"
#include "json/json_numbers.hpp"
#include "schema/schema_internal.hpp"
#include "tuneprep/json_pointer.hpp"

namespace tuneprep::schema_detail {
namespace {

using simdjson::dom::element_type;

bool is_null(element value) { return value.type() == element_type::NULL_VALUE; }

// ShareGPT speakers (FastChat, Vicuna, LLaMA-Factory exports). Compared case-insensitively
// because some exports capitalise them ("Human", "GPT").
enum class Speaker : uint8_t { kSystem, kUser, kAssistant, kTool, kFunctionCall, kUnknown };

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

Speaker speaker_from_name(std::string_view from) {
  struct Entry {
    std::string_view name;
    Speaker speaker;
  };
  static constexpr Entry kSpeakers[] = {
      {"human", Speaker::kUser},          {"user", Speaker::kUser},
      {"gpt", Speaker::kAssistant},       {"assistant", Speaker::kAssistant},
      {"chatgpt", Speaker::kAssistant},   {"bing", Speaker::kAssistant},
      {"bard", Speaker::kAssistant},      {"system", Speaker::kSystem},
      {"tool", Speaker::kTool},           {"observation", Speaker::kTool},
      {"function_call", Speaker::kFunctionCall},
  };
  for (const Entry& entry : kSpeakers) {
    if (equals_ignore_case(from, entry.name)) return entry.speaker;
  }
  return Speaker::kUnknown;
}

// Quotes a value taken from the data for a one-line message, bounded in size.
std::string quoted(std::string_view text) {
  constexpr size_t kMax = 40;
  std::string out = "\"";
  size_t end = text.size();
  if (end > kMax) {
    end = kMax;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  }
  for (size_t i = 0; i < end; ++i) {
    char c = text[i];
    out.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
  }
  if (end < text.size()) out += "...";
  out += '"';
  return out;
}

// A role value named by a tag (user_tag=USER), before the usual names.
std::optional<Speaker> tagged_speaker(std::string_view from, const MessageTags* tags) {
  if (tags == nullptr) return std::nullopt;
  for (const auto& [name, role] : tags->roles) {
    if (from == name) {
      switch (role) {
        case Role::kSystem: return Speaker::kSystem;
        case Role::kUser: return Speaker::kUser;
        case Role::kAssistant: return Speaker::kAssistant;
        case Role::kTool: return Speaker::kTool;
      }
    }
  }
  if (!tags->function_tag.empty() && from == tags->function_tag) return Speaker::kFunctionCall;
  return std::nullopt;
}

// "; mapped: USER, BOT" after the usual role names, or how to map others when no tag names any.
std::string tag_names(const MessageTags* tags) {
  std::string names;
  if (tags != nullptr) {
    for (const auto& entry : tags->roles) names += (names.empty() ? "; mapped: " : ", ") + entry.first;
    if (!tags->function_tag.empty()) names += (names.empty() ? "; mapped: " : ", ") + tags->function_tag;
  }
  return names.empty() ? "; --map user_tag=NAME and the like name others" : names;
}

// A message without its role key: name the keys it has and the tags that read other keys.
void report_missing_role(simdjson::dom::object object, const Origin& origin, std::string_view role_key,
                         MapContext& ctx) {
  std::string keys;
  for (const auto& field : object) {
    if (!keys.empty()) keys += ", ";
    keys += quoted(field.key);
  }
  ctx.report(RuleId::kMissingField,
             fmt::format("missing \"{}\" (the message has {}; --map role_tag=KEY --map content_tag=KEY read "
                         "other keys)",
                         role_key, keys.empty() ? "no keys" : "keys " + keys),
             pointer_of(origin, role_key));
}


// OpenAI content: a string, null, or an array of parts whose text parts are joined with "\n"
// (the parts themselves are kept for output so images and files survive a rewrite).
void read_content(element value, Origin& origin, MapContext& ctx, Message& message) {
  // A repeated key replaces what an earlier one set (last value wins, as in Python).
  message.content.reset();
  message.content_parts_json.clear();
  origin.rich_parts = false;
  origin.content_failed = false;
  switch (value.type()) {
    case element_type::STRING: {
      std::string_view text;
      if (!value.get_string().get(text)) message.content.emplace(text);
      return;
    }
    case element_type::NULL_VALUE:
      return;
    case element_type::ARRAY: {
      simdjson::dom::array parts;
      if (value.get_array().get(parts)) return;
      std::string joined;
      bool first_text = true;
      int32_t index = 0;
      for (element part : parts) {
        std::string part_pointer = content_pointer(origin) + "/" + std::to_string(index++);
        simdjson::dom::object object;
        if (part.get_object().get(object)) {
          ctx.wrong_type(std::move(part_pointer), "an object", part);
          origin.content_failed = true;
          continue;
        }
        element type_value;
        std::string_view type;
        if (object.at_key("type").get(type_value)) {
          ctx.missing(part_pointer + "/type", "type");
          origin.content_failed = true;
          continue;
        }
        if (type_value.get_string().get(type)) {
          ctx.wrong_type(part_pointer + "/type", "a string", type_value);
          origin.content_failed = true;
          continue;
        }
        if (type != "text") {
          origin.rich_parts = true;
          continue;
        }
        element text_value;
        std::string_view text;
        if (object.at_key("text").get(text_value)) {
          ctx.missing(part_pointer + "/text", "text");
          origin.content_failed = true;
          continue;
        }
        if (text_value.get_string().get(text)) {
          ctx.wrong_type(part_pointer + "/text", "a string", text_value);
          origin.content_failed = true;
          continue;
        }
        if (!first_text) joined += '\n';
        joined += text;
        first_text = false;
      }
      message.content = std::move(joined);
      message.content_parts_json = minified_json(value);
      return;
    }
    default:
      ctx.wrong_type(content_pointer(origin), "a string, an array of content parts or null", value);
      origin.content_failed = true;
      return;
  }
}

// The weight's number as the record spells it ("" when unknown, e.g. a CSV row).
std::string_view weight_literal(const Origin& origin, const MapContext& ctx) {
  if (ctx.record_text.empty()) return {};
  const auto position = locate_json_pointer(ctx.record_text, pointer_of(origin, "weight"));
  return position ? number_literal_at(ctx.record_text, position->byte_offset) : std::string_view{};
}

// OpenAI accepts a per-message weight of 0 or 1; a JSON 1.0 is the same number. Another number
// is the wrong value (invalid-weight), anything else the wrong type.
void read_weight(element value, const Origin& origin, MapContext& ctx, Message& message) {
  message.weight.reset();
  double number = 0;
  switch (value.type()) {
    case element_type::INT64: {
      int64_t i = 0;
      if (!value.get_int64().get(i) && (i == 0 || i == 1)) {
        message.weight = i;
        return;
      }
      number = static_cast<double>(i);
      break;
    }
    case element_type::UINT64: {
      uint64_t u = 0;
      if (value.get_uint64().get(u)) u = 2;  // cannot fail for a UINT64 element
      number = static_cast<double>(u);
      break;
    }
    case element_type::DOUBLE:
      if (value.get_double().get(number)) number = 2;  // cannot fail for a DOUBLE element
      // 1e-400 parses as 0 but was not written as 0.
      if (number == 1.0 || (number == 0.0 && !literal_is_nonzero(weight_literal(origin, ctx)))) {
        message.weight = static_cast<int64_t>(number);
        return;
      }
      break;
    case element_type::NULL_VALUE: return;
    default:
      ctx.wrong_type(pointer_of(origin, "weight"), "0 or 1", value);
      return;
  }
  // Quote the number as written: a clamped 1e999 or a 30-digit integer reads back otherwise.
  std::string_view literal = weight_literal(origin, ctx);
  ctx.report(RuleId::kInvalidWeight,
             literal.empty() ? fmt::format("weight must be 0 or 1, not {}", number)
                             : fmt::format("weight must be 0 or 1, not {}", literal.substr(0, 40)),
             pointer_of(origin, "weight"));
}

// Optional string field: null counts as absent (API response dumps carry `"name": null`).
void read_optional_string(element value, const Origin& origin, std::string_view key, MapContext& ctx,
                          std::string& out) {
  out.clear();
  if (is_null(value)) return;
  std::string_view text;
  if (value.get_string().get(text)) {
    ctx.wrong_type(pointer_of(origin, key), "a string", value);
    return;
  }
  out.assign(text);
}

// Optional JSON field kept as minified JSON, of one required type; null counts as absent.
void read_optional_json(element value, const Origin& origin, std::string_view key, element_type type,
                        std::string_view expected, MapContext& ctx, std::string& out) {
  out.clear();
  if (is_null(value)) return;
  if (value.type() != type) {
    ctx.wrong_type(pointer_of(origin, key), expected, value);
    return;
  }
  out = minified_json(value);
}

bool read_openai_message(simdjson::dom::object object, Origin origin, MapContext& ctx,
                         std::vector<Message>& out, std::vector<Origin>& origins) {
  origin.content_key = "content";
  Message message;
  element role_value;
  bool has_role = false;
  bool other_key = false;
  for (const auto& field : object) {
    std::string_view key = field.key;
    if (key == "role") {
      role_value = field.value;
      has_role = true;
    } else if (key == "content") {
      read_content(field.value, origin, ctx, message);
    } else if (key == "name") {
      read_optional_string(field.value, origin, key, ctx, message.name);
    } else if (key == "weight") {
      read_weight(field.value, origin, ctx, message);
    } else if (key == "tool_calls") {
      read_optional_json(field.value, origin, key, element_type::ARRAY, "an array", ctx,
                         message.tool_calls_json);
    } else if (key == "tool_call_id") {
      read_optional_string(field.value, origin, key, ctx, message.tool_call_id);
    } else if (key == "function_call") {
      read_optional_json(field.value, origin, key, element_type::OBJECT, "an object", ctx,
                         message.function_call_json);
    } else {
      other_key = true;  // not one of kOpenAiMessageKeys: the unknown-key check scans the record
    }
  }
  if (!other_key) ++ctx.known_key_messages;
  if (!has_role) {
    report_missing_role(object, origin, "role", ctx);
    return false;
  }
  std::string_view role_text;
  if (role_value.get_string().get(role_text)) {
    ctx.wrong_type(pointer_of(origin, "role"), "a string", role_value);
    return false;
  }
  std::optional<Role> role = role_from_name(role_text);
  if (!role && ctx.tags != nullptr) {
    for (const auto& [name, tagged] : ctx.tags->roles) {
      if (role_text == name) role = tagged;
    }
  }
  if (!role) {
    ctx.report(RuleId::kUnknownRole,
               "unknown role " + quoted(role_text) + " (expected system, user, assistant or tool" +
                   tag_names(ctx.tags) + ")",
               pointer_of(origin, "role"));
    return false;
  }
  message.role = *role;
  out.push_back(std::move(message));
  origins.push_back(origin);
  return true;
}

// A ShareGPT function_call value is JSON text: {"name":..., "arguments":...} or a list of them.
// It becomes OpenAI tool_calls with ids call_1, call_2, ... that later observations answer.
bool function_call_to_tool_calls(std::string_view value, MapContext& ctx, std::string& out) {
  ctx.inner_buffer.assign(value);
  ctx.inner_buffer.reserve(value.size() + simdjson::SIMDJSON_PADDING);
  element root;
  if (ctx.inner_parser.parse(ctx.inner_buffer.data(), value.size(), false).get(root)) return false;
  auto append_call = [&](element call) {
    simdjson::dom::object object;
    if (call.get_object().get(object)) return false;
    std::string_view name;
    if (object.at_key("name").get_string().get(name)) return false;
    element arguments;
    std::string arguments_text = "{}";
    if (!object.at_key("arguments").get(arguments)) {
      std::string_view text;
      if (!arguments.get_string().get(text)) {
        arguments_text.assign(text);
      } else {
        arguments_text = minified_json(arguments);
      }
    }
    std::string id = "call_" + std::to_string(ctx.calls.next_id++);
    out += out.size() > 1 ? ",{\"id\":" : "{\"id\":";
    append_json_string(out, id);
    out += ",\"type\":\"function\",\"function\":{\"name\":";
    append_json_string(out, name);
    out += ",\"arguments\":";
    append_json_string(out, arguments_text);
    out += "}}";
    ctx.calls.pending_ids.push_back(std::move(id));
    return true;
  };
  out = "[";
  simdjson::dom::array calls;
  if (!root.get_array().get(calls)) {
    if (calls.size() == 0) return false;
    for (element call : calls) {
      if (!append_call(call)) return false;
    }
  } else if (!append_call(root)) {
    return false;
  }
  out += ']';
  return true;
}

bool read_sharegpt_message(simdjson::dom::object object, Origin origin, MapContext& ctx,
                           std::vector<Message>& out, std::vector<Origin>& origins) {
  const std::string_view role_key = ctx.tags ? std::string_view(ctx.tags->role_key) : "from";
  const std::string_view content_key = ctx.tags ? std::string_view(ctx.tags->content_key) : "value";
  origin.content_key = content_key;
  Message message;
  element from_value;
  element text_value;
  bool has_from = false;
  bool has_text = false;
  for (const auto& field : object) {
    std::string_view key = field.key;
    if (key == role_key) {
      from_value = field.value;
      has_from = true;
    } else if (key == content_key) {
      text_value = field.value;
      has_text = true;
    } else if (key == "weight") {
      read_weight(field.value, origin, ctx, message);
    } else if (key == "name") {
      read_optional_string(field.value, origin, key, ctx, message.name);
    }
  }
  std::string_view text;
  if (has_text && !is_null(text_value)) {
    if (text_value.get_string().get(text)) {
      ctx.wrong_type(content_pointer(origin), "a string", text_value);
      origin.content_failed = true;
    } else {
      message.content.emplace(text);
    }
  }
  if (!has_from) {
    report_missing_role(object, origin, role_key, ctx);
    return false;
  }
  std::string_view from;
  if (from_value.get_string().get(from)) {
    ctx.wrong_type(pointer_of(origin, role_key), "a string", from_value);
    return false;
  }
  switch (tagged_speaker(from, ctx.tags).value_or(speaker_from_name(from))) {
    case Speaker::kSystem: message.role = Role::kSystem; break;
    case Speaker::kUser: message.role = Role::kUser; break;
    case Speaker::kAssistant: message.role = Role::kAssistant; break;
    case Speaker::kTool:
      message.role = Role::kTool;
      if (ctx.calls.next_pending < ctx.calls.pending_ids.size()) {
        message.tool_call_id = ctx.calls.pending_ids[ctx.calls.next_pending++];
      }
      break;
    case Speaker::kFunctionCall:
      message.role = Role::kAssistant;
      if (message.content) {
        if (!function_call_to_tool_calls(*message.content, ctx, message.tool_calls_json)) {
          ctx.report(RuleId::kWrongType,
                     "a function_call value must be JSON text: {\"name\": ..., \"arguments\": ...} "
                     "or a list of them",
                     content_pointer(origin));
          origin.content_failed = true;
          message.tool_calls_json.clear();
        }
        message.content.reset();
      }
      break;
    case Speaker::kUnknown:
      ctx.report(RuleId::kUnknownRole,
                 "unknown ShareGPT speaker " + quoted(from) +
                     " (expected human, gpt, system, tool, function_call or observation" + tag_names(ctx.tags) + ")",
                 pointer_of(origin, role_key));
      return false;
  }
  out.push_back(std::move(message));
  origins.push_back(origin);
  return true;
}

}  // namespace

std::string pointer_of(const Origin& origin, std::string_view key) {
  std::string pointer(origin.base);
  if (origin.index >= 0) {
    pointer += '/';
    pointer += std::to_string(origin.index);
  }
  if (origin.sub >= 0) {
    pointer += '/';
    pointer += std::to_string(origin.sub);
  }
  if (!key.empty()) {
    pointer += '/';
    pointer += key;
  }
  return pointer;
}

bool read_message(element value, Origin origin, MessageStyle style, MapContext& ctx,
                  std::vector<Message>& out, std::vector<Origin>& origins) {
  simdjson::dom::object object;
  if (value.get_object().get(object)) {
    ctx.wrong_type(pointer_of(origin, ""), "a message object", value);
    return false;
  }
  if (style == MessageStyle::kEither) {
    // `from` or `value` without `role` means ShareGPT, so a turn missing its `from` is still
    // reported as ShareGPT.
    // Mapped tags (role_tag, content_tag) name these keys; a role_tag of "role" keeps OpenAI's
    // reader, which knows tool calls and content parts, with the tags' role names.
    element ignored;
    const std::string_view role_key = ctx.tags ? std::string_view(ctx.tags->role_key) : "from";
    const std::string_view content_key = ctx.tags ? std::string_view(ctx.tags->content_key) : "value";
    bool sharegpt = (role_key != "role" && !object.at_key(role_key).get(ignored)) ||
                    (object.at_key("role").get(ignored) && !object.at_key(content_key).get(ignored));
    style = sharegpt ? MessageStyle::kShareGpt : MessageStyle::kOpenAi;
  }
  if (style == MessageStyle::kShareGpt) return read_sharegpt_message(object, origin, ctx, out, origins);
  return read_openai_message(object, origin, ctx, out, origins);
}

bool read_message_list(element value, std::string_view base, MessageStyle style, MapContext& ctx,
                       std::vector<Message>& out, std::vector<Origin>& origins) {
  simdjson::dom::array array;
  if (value.get_array().get(array)) {
    ctx.wrong_type(std::string(base), "an array of messages", value);
    return false;
  }
  out.reserve(out.size() + array.size());
  origins.reserve(origins.size() + array.size());
  int32_t index = 0;
  for (element item : array) {
    Origin origin;
    origin.base = base;
    origin.index = index++;
    read_message(item, origin, style, ctx, out, origins);
  }
  return true;
}

}  // namespace tuneprep::schema_detail
