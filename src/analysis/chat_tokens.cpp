// chat_tokens: token accounting of chat examples, after the OpenAI cookbook's
// num_tokens_from_messages ("How to count tokens with tiktoken"), which docs/tokens.md restates.
#include <span>

#include "tuneprep/analysis.hpp"

namespace tuneprep {
namespace {

// Cookbook constants for every chat model since gpt-3.5-turbo-0613: each message is wrapped in
// three tokens (<|start|>, the separator after the role, <|end|>), a `name` costs one more, and
// every reply is primed with three (<|start|>assistant<|message|>).
constexpr size_t kTokensPerMessage = 3;
constexpr size_t kTokensPerName = 1;
constexpr size_t kReplyPriming = 3;
// Of a message's three wrapper tokens, the closing one is what the model learns to emit after an
// assistant turn, so it counts as trained.
constexpr size_t kTrainedEndOfMessage = 1;

ChatTokenCount count_conversation(const Encoding& encoding, std::span<const Message> prompt,
                                  std::span<const Message> answer, const Example& example) {
  ChatTokenCount result;
  auto count_message = [&](const Message& message) {
    result.total += kTokensPerMessage + encoding.count(role_name(message.role));
    const size_t content = message.content ? encoding.count(*message.content) : 0;
    result.total += content;
    if (!message.name.empty()) result.total += encoding.count(message.name) + kTokensPerName;
    if (!message.tool_call_id.empty()) result.total += encoding.count(message.tool_call_id);
    // Tool calls: OpenAI does not publish how they are rendered; their minified JSON is the
    // estimate.
    size_t calls = 0;
    if (!message.tool_calls_json.empty()) calls += encoding.count(message.tool_calls_json);
    if (!message.function_call_json.empty()) calls += encoding.count(message.function_call_json);
    result.total += calls;
    result.estimated += calls;
    const bool trained = message.role == Role::kAssistant && message.weight.value_or(1) != 0;
    if (trained) result.trained += content + calls + kTrainedEndOfMessage;
  };
  for (const Message& message : prompt) count_message(message);
  for (const Message& message : answer) count_message(message);
  result.total += kReplyPriming;
  // Tool and function definitions: rendered into the system prompt in an unpublished format;
  // estimated by their minified JSON.
  size_t definitions = 0;
  if (!example.tools_json.empty()) definitions += encoding.count(example.tools_json);
  if (!example.functions_json.empty()) definitions += encoding.count(example.functions_json);
  result.total += definitions;
  result.estimated += definitions;
  result.prompt = result.total - result.trained;
  return result;
}

}  // namespace

ChatTokenCount count_chat_tokens(const Encoding& encoding, const Example& example) {
  if (example.kind == ExampleKind::kPreference) {
    return count_conversation(encoding, example.messages, example.preferred, example);
  }
  return count_conversation(encoding, example.messages, {}, example);
}

PreferenceTokenCount count_preference_tokens(const Encoding& encoding, const Example& example) {
  return {count_conversation(encoding, example.messages, example.preferred, example),
          count_conversation(encoding, example.messages, example.non_preferred, example)};
}

}  // namespace tuneprep
