// schema writers: one Example as one output line in openai-chat, prompt-completion or dpo format.
#include <string>

#include "schema/schema_internal.hpp"

namespace tuneprep {
namespace {

// Key order is fixed (role, content, name, weight, tool_calls, tool_call_id, function_call) so
// that the same example always gives the same bytes.
void append_message(std::string& out, const Message& message) {
  out += "{\"role\":\"";
  out += role_name(message.role);
  out += '"';
  if (!message.content_parts_json.empty()) {
    out += ",\"content\":";
    out += message.content_parts_json;
  } else if (message.content) {
    out += ",\"content\":";
    append_json_string(out, *message.content);
  }
  if (!message.name.empty()) {
    out += ",\"name\":";
    append_json_string(out, message.name);
  }
  if (message.weight) {
    out += ",\"weight\":";
    out += std::to_string(*message.weight);
  }
  if (!message.tool_calls_json.empty()) {
    out += ",\"tool_calls\":";
    out += message.tool_calls_json;
  }
  if (!message.tool_call_id.empty()) {
    out += ",\"tool_call_id\":";
    append_json_string(out, message.tool_call_id);
  }
  if (!message.function_call_json.empty()) {
    out += ",\"function_call\":";
    out += message.function_call_json;
  }
  out += '}';
}

void append_messages(std::string& out, const std::vector<Message>& messages, bool first = true) {
  for (const Message& message : messages) {
    if (!first) out += ',';
    append_message(out, message);
    first = false;
  }
}

void append_tool_fields(std::string& out, const Example& example) {
  if (!example.tools_json.empty()) {
    out += ",\"tools\":";
    out += example.tools_json;
  }
  if (!example.functions_json.empty()) {
    out += ",\"functions\":";
    out += example.functions_json;
  }
  if (example.parallel_tool_calls) {
    out += ",\"parallel_tool_calls\":";
    out += *example.parallel_tool_calls ? "true" : "false";
  }
}

void write_openai_chat(const Example& example, std::string& out) {
  out += "{\"messages\":[";
  append_messages(out, example.messages);
  // A preference example becomes its prompt followed by the preferred answer.
  if (example.kind == ExampleKind::kPreference) append_messages(out, example.preferred, example.messages.empty());
  out += ']';
  append_tool_fields(out, example);
  out += "}\n";
}

std::optional<Diagnostic> not_convertible(std::string message) {
  return make_diagnostic(RuleId::kNotConvertible, std::move(message));
}

bool plain_text(const Message& message) {
  return message.content && message.tool_calls_json.empty() && message.function_call_json.empty() &&
         message.tool_call_id.empty();
}

std::optional<Diagnostic> write_prompt_completion(const Example& example, std::string& out) {
  // The legacy format holds exactly one exchange: [system] user -> assistant.
  const Message* turns[3] = {};
  size_t count = 0;
  auto take = [&](const std::vector<Message>& messages) {
    for (const Message& message : messages) {
      if (count == 3) return false;
      turns[count++] = &message;
    }
    return true;
  };
  bool fits = take(example.messages) && (example.kind == ExampleKind::kChat || take(example.preferred));
  size_t first = count > 0 && turns[0]->role == Role::kSystem ? 1 : 0;
  if (!fits || count != first + 2 || turns[first]->role != Role::kUser ||
      turns[first + 1]->role != Role::kAssistant) {
    return not_convertible(
        "prompt-completion holds one exchange ([system] user, assistant); this example has " +
        std::to_string(count > 3 ? count : example.messages.size() +
                                               (example.kind == ExampleKind::kPreference ? example.preferred.size() : 0)) +
        " messages in another order");
  }
  for (size_t i = 0; i < count; ++i) {
    if (!plain_text(*turns[i])) {
      return not_convertible("prompt-completion has no place for tool calls or content-less messages (" +
                             std::string(role_name(turns[i]->role)) + " message " + std::to_string(i + 1) + ")");
    }
  }
  std::string prompt;
  if (first == 1) {
    prompt = *turns[0]->content;
    prompt += "\n\n";
  }
  prompt += *turns[first]->content;
  out += "{\"prompt\":";
  append_json_string(out, prompt);
  out += ",\"completion\":";
  append_json_string(out, *turns[first + 1]->content);
  out += "}\n";
  return std::nullopt;
}

std::optional<Diagnostic> write_dpo(const Example& example, std::string& out) {
  if (example.kind != ExampleKind::kPreference) {
    return not_convertible("chat example has no rejected answer");
  }
  out += "{\"input\":{\"messages\":[";
  append_messages(out, example.messages);
  out += ']';
  append_tool_fields(out, example);
  out += "},\"preferred_output\":[";
  append_messages(out, example.preferred);
  out += "],\"non_preferred_output\":[";
  append_messages(out, example.non_preferred);
  out += "]}\n";
  return std::nullopt;
}

// TRL's unpaired preference format: {"prompt": [...], "completion": [...], "label": bool}. The
// completion is the final run of assistant messages; a chat without a label is a desirable one.
std::optional<Diagnostic> write_kto(const Example& example, std::string& out) {
  if (example.kind != ExampleKind::kChat) {
    return not_convertible("a preference pair has two answers; kto holds one answer and its label (write pairs as dpo)");
  }
  const std::vector<Message>& messages = example.messages;
  size_t split = messages.size();
  while (split > 0 && messages[split - 1].role == Role::kAssistant) --split;
  if (split == messages.size()) {
    return not_convertible("kto needs the conversation to end with an assistant answer");
  }
  out += "{\"prompt\":[";
  for (size_t i = 0; i < split; ++i) {
    if (i > 0) out += ',';
    append_message(out, messages[i]);
  }
  out += "],\"completion\":[";
  for (size_t i = split; i < messages.size(); ++i) {
    if (i > split) out += ',';
    append_message(out, messages[i]);
  }
  out += "],\"label\":";
  out += example.label.value_or(true) ? "true" : "false";
  append_tool_fields(out, example);
  out += "}\n";
  return std::nullopt;
}

}  // namespace

std::optional<Diagnostic> write_example(const Example& example, OutputFormat format, std::string& out) {
  switch (format) {
    case OutputFormat::kOpenAiChat:
      write_openai_chat(example, out);
      return std::nullopt;
    case OutputFormat::kPromptCompletion: return write_prompt_completion(example, out);
    case OutputFormat::kDpo: return write_dpo(example, out);
    case OutputFormat::kKto: return write_kto(example, out);
  }
  return not_convertible("unknown output format");
}

}  // namespace tuneprep
