// schema shapes: each input shape's top-level fields mapped onto an Example.
#include <initializer_list>
#include <string>

#include <fmt/core.h>

#include "json/json_minify.hpp"
#include "schema/schema_internal.hpp"

namespace tuneprep::schema_detail {
namespace {

using simdjson::dom::element_type;

// A required string field. Reports missing-field / wrong-type and returns nullopt on either.
std::optional<std::string_view> required_string(const TopFields& top, TopKey key, std::string_view pointer,
                                                MapContext& ctx) {
  if (!top.has(key)) {
    ctx.missing(std::string(pointer), pointer.substr(1));
    return std::nullopt;
  }
  std::string_view text;
  if (top.get(key).get_string().get(text)) {
    ctx.wrong_type(std::string(pointer), "a string", top.get(key));
    return std::nullopt;
  }
  return text;
}

// An optional string field; null counts as absent.
std::optional<std::string_view> optional_string(const TopFields& top, TopKey key, std::string_view pointer,
                                                MapContext& ctx) {
  if (!top.has(key) || top.get(key).type() == element_type::NULL_VALUE) return std::nullopt;
  std::string_view text;
  if (top.get(key).get_string().get(text)) {
    ctx.wrong_type(std::string(pointer), "a string", top.get(key));
    return std::nullopt;
  }
  return text;
}

void add_text_message(Role role, std::string_view text, Origin origin, std::vector<Message>& out,
                      std::vector<Origin>& origins) {
  Message message;
  message.role = role;
  message.content.emplace(text);
  out.push_back(std::move(message));
  origins.push_back(origin);
}

Origin field_origin(std::string_view pointer) {
  Origin origin;
  origin.base = pointer;
  return origin;
}

// tools / functions / parallel_tool_calls, at the top level or inside a DPO `input`.
void read_tool_fields(element tools, bool has_tools, element functions, bool has_functions,
                      element parallel, bool has_parallel, std::string_view prefix, MapContext& ctx,
                      Example& example) {
  if (has_tools && tools.type() != element_type::NULL_VALUE) {
    if (tools.type() == element_type::ARRAY) {
      std::string_view raw;
      const std::string* known = nullptr;
      const std::string_view pointer = ctx.top_pointer(TopKey::kTools);
      // Top level only, only a key a pointer spells as written (no '~' escapes), and records of
      // up to 1 MiB: the On-Demand parser keeps the capacity of the largest record it indexed.
      constexpr size_t kMemoMaxRecordBytes = size_t{1} << 20;
      if (prefix.empty() && ctx.tools_memo != nullptr && !ctx.parsed_json.empty() &&
          ctx.parsed_json.size() <= kMemoMaxRecordBytes && pointer.find('~') == std::string_view::npos) {
        known = ctx.tools_memo->find(ctx.parsed_json, pointer.substr(1), raw);
      }
      if (known != nullptr) {
        example.tools_json = *known;
      } else {
        example.tools_json = minified_json(tools);
        if (!raw.empty()) ctx.tools_memo->store(raw, example.tools_json);
      }
    } else {
      ctx.wrong_type(std::string(prefix) + "/tools", "an array", tools);
    }
  }
  if (has_functions && functions.type() != element_type::NULL_VALUE) {
    if (functions.type() == element_type::ARRAY) {
      example.functions_json = minified_json(functions);
    } else {
      ctx.wrong_type(std::string(prefix) + "/functions", "an array", functions);
    }
  }
  if (has_parallel && parallel.type() != element_type::NULL_VALUE) {
    bool value = false;
    if (parallel.get_bool().get(value)) {
      ctx.wrong_type(std::string(prefix) + "/parallel_tool_calls", "a boolean", parallel);
    } else {
      example.parallel_tool_calls = value;
    }
  }
}

void read_top_tool_fields(const TopFields& top, MapContext& ctx, Example& example) {
  read_tool_fields(top.get(TopKey::kTools), top.has(TopKey::kTools), top.get(TopKey::kFunctions),
                   top.has(TopKey::kFunctions), top.get(TopKey::kParallelToolCalls),
                   top.has(TopKey::kParallelToolCalls), "", ctx, example);
}

// A preference pair without one of its answers.
void missing_answer(MapContext& ctx, std::string_view pointer) {
  ctx.report(RuleId::kDpoMissingOutput,
             fmt::format("missing \"{}\": a preference pair needs a preferred and a non-preferred answer",
                         pointer.substr(1)),
             std::string(pointer));
}

// A preference answer: a string (one assistant turn), a message object, or a message list.
// Returns false when it was missing or of the wrong type (reported).
bool read_answer(const TopFields& top, TopKey key, std::string_view pointer, MessageStyle style,
                 MapContext& ctx, std::vector<Message>& out, std::vector<Origin>& origins) {
  if (!top.has(key)) {
    missing_answer(ctx, pointer);
    return false;
  }
  element value = top.get(key);
  switch (value.type()) {
    case element_type::STRING: {
      std::string_view text;
      if (value.get_string().get(text)) return false;
      add_text_message(Role::kAssistant, text, field_origin(pointer), out, origins);
      return true;
    }
    case element_type::ARRAY:
      return read_message_list(value, pointer, style, ctx, out, origins);
    case element_type::OBJECT:
      return read_message(value, field_origin(pointer), style, ctx, out, origins);
    default:
      ctx.wrong_type(std::string(pointer), "a string, a message or a list of messages", value);
      return false;
  }
}

bool same_turn(const Message& a, const Message& b) { return a.role == b.role && a.content == b.content; }

// Some preference datasets repeat the prompt at the start of each answer list; drop that copy.
void strip_prompt_prefix(const std::vector<Message>& prompt, std::vector<Message>& answer,
                         std::vector<Origin>& origins) {
  if (prompt.empty() || answer.size() <= prompt.size()) return;
  for (size_t i = 0; i < prompt.size(); ++i) {
    if (!same_turn(prompt[i], answer[i])) return;
  }
  answer.erase(answer.begin(), answer.begin() + static_cast<std::ptrdiff_t>(prompt.size()));
  origins.erase(origins.begin(), origins.begin() + static_cast<std::ptrdiff_t>(prompt.size()));
}

}  // namespace

void read_label(const TopFields& top, MapContext& ctx, Example& example);

void read_openai_chat(const TopFields& top, MapContext& ctx, MappedExample& mapped) {
  mapped.example.format = SourceFormat::kOpenAiChat;
  const std::string_view pointer = ctx.top_pointer(TopKey::kMessages);
  mapped.messages_pointer = pointer;
  if (!top.has(TopKey::kMessages)) {
    ctx.missing(std::string(pointer), pointer.substr(1));
    mapped.answer_field_failed = true;
  } else if (!read_message_list(top.get(TopKey::kMessages), pointer,
                                // LLaMA-Factory's sharegpt formatting keeps turns under "messages"
                                // with their own keys (role_tag, content_tag).
                                ctx.tags && ctx.tags->keys_mapped ? MessageStyle::kEither : MessageStyle::kOpenAi,
                                ctx, mapped.example.messages, mapped.origins)) {
    mapped.answer_field_failed = true;
  }
  read_top_tool_fields(top, ctx, mapped.example);
  read_label(top, ctx, mapped.example);  // KTO: messages + label
}

namespace {

// The first of `keys` the record has (aliases in order of preference); kCount_ when none.
TopKey first_present(const TopFields& top, std::initializer_list<TopKey> keys) {
  for (TopKey key : keys) {
    if (top.has(key)) return key;
  }
  return TopKey::kCount_;
}

// The answer's key of a prompt/answer record, in the order each shape prefers.
constexpr std::initializer_list<TopKey> kPairAnswerKeys = {TopKey::kCompletion, TopKey::kResponse, TopKey::kAnswer,
                                                           TopKey::kOutput, TopKey::kTarget};
constexpr std::initializer_list<TopKey> kAlpacaAnswerKeys = {TopKey::kOutput, TopKey::kResponse, TopKey::kAnswer,
                                                             TopKey::kCompletion, TopKey::kTarget};

// missing "X" with the keys the record has and the flag that maps another key onto X.
void missing_with_hint(const TopFields& top, MapContext& ctx, TopKey key, std::string_view field) {
  const std::string_view pointer = ctx.top_pointer(key);
  ctx.report(RuleId::kMissingField,
             fmt::format("missing \"{}\" (record {}; if another key holds it, map it with --map {}=KEY)",
                         pointer.substr(1), key_list(top), field),
             std::string(pointer));
}

// A string field (or, for TRL's conversational prompt/completion, a list of messages).
// Returns false when it has the wrong type (reported).
bool read_text_or_messages(const TopFields& top, TopKey key, Role role, MapContext& ctx, MappedExample& mapped) {
  const std::string_view pointer = ctx.top_pointer(key);
  element value = top.get(key);
  std::string_view text;
  if (!value.get_string().get(text)) {
    add_text_message(role, text, field_origin(pointer), mapped.example.messages, mapped.origins);
    return true;
  }
  if (value.type() == element_type::ARRAY) {
    return read_message_list(value, pointer, MessageStyle::kEither, ctx, mapped.example.messages, mapped.origins);
  }
  ctx.wrong_type(std::string(pointer), "a string or a list of messages", value);
  return false;
}

}  // namespace

// KTO's `label`: true (desirable) or false (undesirable); null counts as absent.
void read_label(const TopFields& top, MapContext& ctx, Example& example) {
  if (!top.has(TopKey::kLabel) || top.get(TopKey::kLabel).type() == element_type::NULL_VALUE) return;
  bool label = false;
  if (top.get(TopKey::kLabel).get_bool().get(label)) {
    ctx.wrong_type(std::string(ctx.top_pointer(TopKey::kLabel)), "true or false", top.get(TopKey::kLabel));
    return;
  }
  example.label = label;
}

namespace {

// Alpaca's `history`: [[instruction, output], ...]; null and "" mean none, as exports write them.
void read_history(const TopFields& top, MapContext& ctx, MappedExample& mapped) {
  if (!top.has(TopKey::kHistory)) return;
  element value = top.get(TopKey::kHistory);
  std::string_view text;
  if (value.type() == element_type::NULL_VALUE || (!value.get_string().get(text) && is_blank(text))) return;
  const std::string_view base = ctx.top_pointer(TopKey::kHistory);
  simdjson::dom::array history;
  if (value.get_array().get(history)) {
    ctx.wrong_type(std::string(base), "an array of [instruction, output] pairs", value);
    return;
  }
  int32_t index = 0;
  for (element pair : history) {
    Origin origin;
    origin.base = base;
    origin.index = index++;
    simdjson::dom::array turns;
    if (pair.get_array().get(turns) || turns.size() != 2) {
      ctx.wrong_type(pointer_of(origin, ""), "an [instruction, output] pair", pair);
      continue;
    }
    int32_t sub = 0;
    for (element turn : turns) {
      origin.sub = sub;
      std::string_view turn_text;
      if (turn.get_string().get(turn_text)) {
        ctx.wrong_type(pointer_of(origin, ""), "a string", turn);
      } else {
        add_text_message(sub == 0 ? Role::kUser : Role::kAssistant, turn_text, origin, mapped.example.messages,
                         mapped.origins);
      }
      ++sub;
    }
  }
}

void read_system(const TopFields& top, MapContext& ctx, MappedExample& mapped) {
  // An empty "system" is how many exports say "none".
  if (auto system = optional_string(top, TopKey::kSystem, ctx.top_pointer(TopKey::kSystem), ctx);
      system && !system->empty()) {
    add_text_message(Role::kSystem, *system, field_origin(ctx.top_pointer(TopKey::kSystem)), mapped.example.messages,
                     mapped.origins);
  }
}

// An Alpaca `input` that stands for "none" ("No input", "<noinput>", "N/A", in a few languages).
bool is_placeholder_input(std::string_view input) {
  static constexpr std::string_view kPlaceholders[] = {
      "no input", "noinput", "<noinput>", "<no input>", "<no_input>", "n/a", "na", "none", "<none>", "(none)",
      "null", "nil", "empty", "no input provided", "no input required", "not applicable", "nothing", "-",
      "无", "无输入", "没有输入", "空", "keine eingabe", "keine", "sin entrada", "ninguno", "ninguna",
      "aucune entrée", "aucune", "aucun", "нет", "нет ввода", "なし", "入力なし", "없음"};
  while (!input.empty() && (input.back() == ' ' || input.back() == '\n' || input.back() == '.' || input.back() == '\t')) {
    input.remove_suffix(1);
  }
  while (!input.empty() && (input.front() == ' ' || input.front() == '\n' || input.front() == '\t')) {
    input.remove_prefix(1);
  }
  if (input.empty() || input.size() > 24) return false;
  std::string lower(input);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  for (std::string_view p : kPlaceholders) {
    if (lower == p) return true;
  }
  return false;
}

// The answer of a prompt/answer or Alpaca record, from the first of its aliases present.
void read_pair_answer(const TopFields& top, std::initializer_list<TopKey> keys, TopKey missing_key, MapContext& ctx,
                      MappedExample& mapped) {
  const TopKey answer = first_present(top, keys);
  if (answer == TopKey::kCount_) {
    missing_with_hint(top, ctx, missing_key, "response");
    mapped.answer_field_failed = true;
    return;
  }
  mapped.messages_pointer = ctx.top_pointer(answer);
  if (!read_text_or_messages(top, answer, Role::kAssistant, ctx, mapped)) mapped.answer_field_failed = true;
}

}  // namespace

void read_prompt_completion(const TopFields& top, MapContext& ctx, MappedExample& mapped) {
  mapped.example.format = SourceFormat::kPromptCompletion;
  mapped.messages_pointer = ctx.top_pointer(TopKey::kCompletion);
  read_system(top, ctx, mapped);
  // prompt/completion, prompt/response, question/answer, query/response, input/output.
  const TopKey prompt = first_present(top, {TopKey::kPrompt, TopKey::kQuestion, TopKey::kQuery, TopKey::kInput,
                                            TopKey::kInstruction});
  if (prompt == TopKey::kCount_) {
    missing_with_hint(top, ctx, TopKey::kPrompt, "prompt");
  } else {
    read_text_or_messages(top, prompt, Role::kUser, ctx, mapped);
  }
  read_pair_answer(top, kPairAnswerKeys, TopKey::kCompletion, ctx, mapped);
  read_label(top, ctx, mapped.example);
}

void read_alpaca(const TopFields& top, MapContext& ctx, MappedExample& mapped) {
  mapped.example.format = SourceFormat::kAlpaca;
  mapped.messages_pointer = ctx.top_pointer(TopKey::kOutput);
  auto& messages = mapped.example.messages;
  read_system(top, ctx, mapped);
  read_history(top, ctx, mapped);
  const std::string_view instruction_pointer = ctx.top_pointer(TopKey::kInstruction);
  std::optional<std::string_view> instruction;
  if (!top.has(TopKey::kInstruction)) {
    missing_with_hint(top, ctx, TopKey::kInstruction, "prompt");
  } else {
    instruction = required_string(top, TopKey::kInstruction, instruction_pointer, ctx);
  }
  const TopKey input_key = first_present(top, {TopKey::kInput, TopKey::kQuery});
  std::optional<std::string_view> input;
  if (input_key != TopKey::kCount_) input = optional_string(top, input_key, ctx.top_pointer(input_key), ctx);
  if (input && is_placeholder_input(*input)) {
    ctx.report(RuleId::kPlaceholderInput,
               fmt::format("input \"{}\" means no input, yet it is appended to the prompt", *input),
               std::string(ctx.top_pointer(input_key)));
    if (ctx.drop_placeholder_input) input.reset();
  }
  if (instruction) {
    std::string user(*instruction);
    if (input && !input->empty()) {
      if (!user.empty()) user += "\n\n";
      user += *input;
    }
    add_text_message(Role::kUser, user, field_origin(instruction_pointer), messages, mapped.origins);
  }
  read_pair_answer(top, kAlpacaAnswerKeys, TopKey::kOutput, ctx, mapped);
  read_label(top, ctx, mapped.example);
}

namespace {

// Appends one function schema as an OpenAI tool: kept when already {"type": "function", ...},
// else wrapped as {"type": "function", "function": schema}.
bool append_tool(element schema, std::string& out) {
  simdjson::dom::object object;
  if (schema.get_object().get(object)) return false;
  std::string_view type;
  element function;
  if (!object.at_key("type").get_string().get(type) && !object.at_key("function").get(function)) {
    append_minified_json(schema, out);
  } else {
    out += "{\"type\":\"function\",\"function\":";
    append_minified_json(schema, out);
    out += '}';
  }
  return true;
}

// ShareGPT / glaive `tools`: a JSON array of function schemas, or the same array written as a
// JSON string. Carried over as OpenAI `tools`, so the schemas reach the output and the dedup key.
void read_sharegpt_tools(const TopFields& top, MapContext& ctx, Example& example) {
  if (!top.has(TopKey::kTools)) return;
  element value = top.get(TopKey::kTools);
  const std::string pointer(ctx.top_pointer(TopKey::kTools));
  std::string_view text;
  element list = value;
  if (value.type() == element_type::NULL_VALUE) return;
  if (!value.get_string().get(text)) {
    if (is_blank(text)) return;
    ctx.inner_buffer.assign(text);
    ctx.inner_buffer.reserve(text.size() + simdjson::SIMDJSON_PADDING);
    if (ctx.inner_parser.parse(ctx.inner_buffer.data(), text.size(), false).get(list)) {
      ctx.wrong_type(pointer, "a list of function schemas (or that list as a JSON string)", value);
      return;
    }
  }
  simdjson::dom::array array;
  if (list.get_array().get(array)) {
    ctx.wrong_type(pointer, "a list of function schemas (or that list as a JSON string)", list);
    return;
  }
  std::string tools = "[";
  for (element schema : array) {
    if (tools.size() > 1) tools += ',';
    if (!append_tool(schema, tools)) {
      ctx.wrong_type(pointer, "a list of function schemas (objects)", schema);
      return;
    }
  }
  tools += ']';
  example.tools_json = std::move(tools);
}

}  // namespace

void read_sharegpt(const TopFields& top, MapContext& ctx, MappedExample& mapped) {
  mapped.example.format = SourceFormat::kShareGpt;
  // Read (and copied out of the inner parser) before the turns, whose function calls reuse it.
  read_sharegpt_tools(top, ctx, mapped.example);
  // LLaMA-Factory's ShareGPT puts the system prompt in a top-level "system" string.
  if (auto system = optional_string(top, TopKey::kSystem, "/system", ctx); system && !system->empty()) {
    add_text_message(Role::kSystem, *system, field_origin("/system"), mapped.example.messages,
                     mapped.origins);
  }
  std::string_view base = top.has(TopKey::kConversations) || !top.has(TopKey::kMessages)
                              ? std::string_view("/conversations")
                              : std::string_view("/messages");
  TopKey key = base == "/conversations" ? TopKey::kConversations : TopKey::kMessages;
  mapped.messages_pointer = base;
  if (!top.has(key)) {
    ctx.missing("/conversations", "conversations");
    mapped.answer_field_failed = true;
    return;
  }
  if (!read_message_list(top.get(key), base, MessageStyle::kEither, ctx, mapped.example.messages,
                         mapped.origins)) {
    mapped.answer_field_failed = true;
  }
}

void read_dpo_openai(const TopFields& top, MapContext& ctx, MappedExample& mapped) {
  Example& example = mapped.example;
  example.kind = ExampleKind::kPreference;
  example.format = SourceFormat::kDpoOpenAi;
  mapped.messages_pointer = "/input/messages";
  mapped.preferred_pointer = "/preferred_output";
  mapped.non_preferred_pointer = "/non_preferred_output";
  if (!top.has(TopKey::kInput)) {
    ctx.missing("/input", "input");
  } else {
    simdjson::dom::object input;
    if (top.get(TopKey::kInput).get_object().get(input)) {
      ctx.wrong_type("/input", "an object", top.get(TopKey::kInput));
    } else {
      element messages, tools, functions, parallel;
      bool has_messages = false, has_tools = false, has_functions = false, has_parallel = false;
      for (const auto& field : input) {
        if (field.key == "messages") {
          messages = field.value;
          has_messages = true;
        } else if (field.key == "tools") {
          tools = field.value;
          has_tools = true;
        } else if (field.key == "functions") {
          functions = field.value;
          has_functions = true;
        } else if (field.key == "parallel_tool_calls") {
          parallel = field.value;
          has_parallel = true;
        }
      }
      if (!has_messages) {
        ctx.missing("/input/messages", "messages");
      } else {
        read_message_list(messages, "/input/messages", MessageStyle::kOpenAi, ctx, example.messages,
                          mapped.origins);
      }
      read_tool_fields(tools, has_tools, functions, has_functions, parallel, has_parallel, "/input", ctx,
                       example);
    }
  }
  auto read_output = [&](TopKey key, std::string_view pointer, std::vector<Message>& out,
                         std::vector<Origin>& origins) {
    if (!top.has(key)) {
      missing_answer(ctx, pointer);
      return false;
    }
    return read_message_list(top.get(key), pointer, MessageStyle::kOpenAi, ctx, out, origins);
  };
  mapped.preferred_failed =
      !read_output(TopKey::kPreferredOutput, "/preferred_output", example.preferred, mapped.preferred_origins);
  mapped.non_preferred_failed = !read_output(TopKey::kNonPreferredOutput, "/non_preferred_output",
                                             example.non_preferred, mapped.non_preferred_origins);
}

void read_preference_prompt(const TopFields& top, MapContext& ctx, MappedExample& mapped) {
  Example& example = mapped.example;
  example.kind = ExampleKind::kPreference;
  example.format = SourceFormat::kPreferencePrompt;
  mapped.messages_pointer = "/prompt";
  mapped.preferred_pointer = "/chosen";
  mapped.non_preferred_pointer = "/rejected";
  if (!top.has(TopKey::kPrompt)) {
    ctx.missing("/prompt", "prompt");
  } else {
    element prompt = top.get(TopKey::kPrompt);
    std::string_view text;
    if (!prompt.get_string().get(text)) {
      add_text_message(Role::kUser, text, field_origin("/prompt"), example.messages, mapped.origins);
    } else if (prompt.type() == element_type::ARRAY) {
      read_message_list(prompt, "/prompt", MessageStyle::kEither, ctx, example.messages, mapped.origins);
    } else {
      ctx.wrong_type("/prompt", "a string or a list of messages", prompt);
    }
  }
  read_top_tool_fields(top, ctx, example);
  mapped.preferred_failed = !read_answer(top, TopKey::kChosen, "/chosen", MessageStyle::kEither, ctx,
                                         example.preferred, mapped.preferred_origins);
  mapped.non_preferred_failed = !read_answer(top, TopKey::kRejected, "/rejected", MessageStyle::kEither, ctx,
                                             example.non_preferred, mapped.non_preferred_origins);
  strip_prompt_prefix(example.messages, example.preferred, mapped.preferred_origins);
  strip_prompt_prefix(example.messages, example.non_preferred, mapped.non_preferred_origins);
}

void read_preference_implicit(const TopFields& top, MapContext& ctx, MappedExample& mapped) {
  Example& example = mapped.example;
  example.kind = ExampleKind::kPreference;
  example.format = SourceFormat::kPreferencePrompt;
  mapped.messages_pointer = "/chosen";
  mapped.preferred_pointer = "/chosen";
  mapped.non_preferred_pointer = "/rejected";
  read_top_tool_fields(top, ctx, example);
  mapped.preferred_failed = !read_answer(top, TopKey::kChosen, "/chosen", MessageStyle::kEither, ctx,
                                         example.preferred, mapped.preferred_origins);
  mapped.non_preferred_failed = !read_answer(top, TopKey::kRejected, "/rejected", MessageStyle::kEither, ctx,
                                             example.non_preferred, mapped.non_preferred_origins);
  // Without a prompt key, both lists are whole conversations: their common prefix is the prompt.
  // The last turn of each list always stays an answer, so identical lists keep one answer each.
  size_t shared = 0;
  size_t limit = std::min(example.preferred.size(), example.non_preferred.size());
  if (limit > 0) --limit;
  while (shared < limit && same_turn(example.preferred[shared], example.non_preferred[shared])) ++shared;
  auto end = static_cast<std::ptrdiff_t>(shared);
  example.messages.assign(std::make_move_iterator(example.preferred.begin()),
                          std::make_move_iterator(example.preferred.begin() + end));
  mapped.origins.assign(mapped.preferred_origins.begin(), mapped.preferred_origins.begin() + end);
  example.preferred.erase(example.preferred.begin(), example.preferred.begin() + end);
  mapped.preferred_origins.erase(mapped.preferred_origins.begin(), mapped.preferred_origins.begin() + end);
  example.non_preferred.erase(example.non_preferred.begin(), example.non_preferred.begin() + end);
  mapped.non_preferred_origins.erase(mapped.non_preferred_origins.begin(),
                                     mapped.non_preferred_origins.begin() + end);
}

void read_preference_sharegpt(const TopFields& top, MapContext& ctx, MappedExample& mapped) {
  Example& example = mapped.example;
  example.kind = ExampleKind::kPreference;
  example.format = SourceFormat::kPreferenceShareGpt;
  mapped.messages_pointer = "/conversations";
  mapped.preferred_pointer = "/chosen";
  mapped.non_preferred_pointer = "/rejected";
  if (auto system = optional_string(top, TopKey::kSystem, "/system", ctx); system && !system->empty()) {
    add_text_message(Role::kSystem, *system, field_origin("/system"), example.messages, mapped.origins);
  }
  if (!top.has(TopKey::kConversations)) {
    ctx.missing("/conversations", "conversations");
  } else {
    read_message_list(top.get(TopKey::kConversations), "/conversations", MessageStyle::kEither, ctx,
                      example.messages, mapped.origins);
  }
  mapped.preferred_failed = !read_answer(top, TopKey::kChosen, "/chosen", MessageStyle::kEither, ctx,
                                         example.preferred, mapped.preferred_origins);
  mapped.non_preferred_failed = !read_answer(top, TopKey::kRejected, "/rejected", MessageStyle::kEither, ctx,
                                             example.non_preferred, mapped.non_preferred_origins);
}

void read_preference_transcript(const TopFields& top, MapContext& ctx, MappedExample& mapped) {
  Example& example = mapped.example;
  example.kind = ExampleKind::kPreference;
  example.format = SourceFormat::kPreferenceTranscript;
  mapped.messages_pointer = "/chosen";
  mapped.preferred_pointer = "/chosen";
  mapped.non_preferred_pointer = "/rejected";
  auto chosen = required_string(top, TopKey::kChosen, "/chosen", ctx);
  auto rejected = required_string(top, TopKey::kRejected, "/rejected", ctx);
  mapped.preferred_failed = !chosen;
  mapped.non_preferred_failed = !rejected;
  std::vector<TranscriptTurn> chosen_turns;
  std::vector<TranscriptTurn> rejected_turns;
  if (chosen) split_transcript(*chosen, chosen_turns);
  if (rejected) split_transcript(*rejected, rejected_turns);

  // The answer is the last Assistant turn; a transcript ending on a Human turn has none.
  auto answer_of = [](const std::vector<TranscriptTurn>& turns) -> const TranscriptTurn* {
    if (turns.empty() || turns.back().role != Role::kAssistant) return nullptr;
    return &turns.back();
  };
  const TranscriptTurn* chosen_answer = answer_of(chosen_turns);
  const TranscriptTurn* rejected_answer = answer_of(rejected_turns);
  size_t chosen_prompt = chosen_answer ? chosen_turns.size() - 1 : chosen_turns.size();
  size_t rejected_prompt = rejected_answer ? rejected_turns.size() - 1 : rejected_turns.size();

  if (chosen && rejected && chosen_answer && rejected_answer) {
    size_t differ = 0;
    while (differ < chosen_prompt && differ < rejected_prompt &&
           chosen_turns[differ].role == rejected_turns[differ].role &&
           chosen_turns[differ].text == rejected_turns[differ].text) {
      ++differ;
    }
    if (differ != chosen_prompt || differ != rejected_prompt) {
      ctx.report(RuleId::kWrongType,
                 "chosen and rejected transcripts do not share the same prompt (they differ at turn " +
                     std::to_string(differ + 1) + ")",
                 "/rejected");
    }
  }
  for (size_t i = 0; i < chosen_prompt; ++i) {
    add_text_message(chosen_turns[i].role, chosen_turns[i].text, field_origin("/chosen"), example.messages,
                     mapped.origins);
  }
  if (chosen_answer) {
    add_text_message(Role::kAssistant, chosen_answer->text, field_origin("/chosen"), example.preferred,
                     mapped.preferred_origins);
  }
  if (rejected_answer) {
    add_text_message(Role::kAssistant, rejected_answer->text, field_origin("/rejected"),
                     example.non_preferred, mapped.non_preferred_origins);
  }
}

void read_csv_fields(const CsvFields& fields, MapContext& ctx, MappedExample& mapped) {
  Example& example = mapped.example;
  example.format = SourceFormat::kCsv;
  mapped.messages_pointer = "/response";
  // CSV has no JSON pointers: the pointer names the mapped column.
  if (fields.system && !is_blank(*fields.system)) {
    add_text_message(Role::kSystem, *fields.system, field_origin("/system"), example.messages, mapped.origins);
  }
  if (fields.prompt) {
    add_text_message(Role::kUser, *fields.prompt, field_origin("/prompt"), example.messages, mapped.origins);
  } else {
    ctx.missing("/prompt", "prompt column value");
  }
  if (fields.response) {
    add_text_message(Role::kAssistant, *fields.response, field_origin("/response"), example.messages,
                     mapped.origins);
  } else {
    ctx.missing("/response", "response column value");
    mapped.answer_field_failed = true;
  }
}

}  // namespace tuneprep::schema_detail
