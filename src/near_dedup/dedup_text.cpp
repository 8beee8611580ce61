// The text of an example that near dedup compares (--dedup-on conversation|prompt|response).
#include "tuneprep/near_dedup.hpp"

namespace tuneprep {
namespace {

void append_message(const Message& message, std::string& out) {
  // A tool-call-only turn is still the example's content: compare its calls.
  const auto append_part = [&](std::string_view part) {
    if (part.empty()) return;
    if (!out.empty()) out.push_back('\n');
    out.append(part);
  };
  if (message.content) append_part(*message.content);
  append_part(message.tool_calls_json);
  append_part(message.function_call_json);
}

void append_messages(std::span<const Message> messages, std::string& out) {
  for (const auto& message : messages) append_message(message, out);
}

}  // namespace

std::optional<DedupOn> dedup_on_from_name(std::string_view name) {
  if (name == "conversation") return DedupOn::kConversation;
  if (name == "prompt") return DedupOn::kPrompt;
  if (name == "response") return DedupOn::kResponse;
  return std::nullopt;
}

void comparison_text(const Example& example, DedupOn on, std::string& out) {
  out.clear();
  if (example.kind == ExampleKind::kPreference) {
    if (on != DedupOn::kResponse) append_messages(example.messages, out);
    if (on != DedupOn::kPrompt) append_messages(example.preferred, out);
    if (on == DedupOn::kConversation) append_messages(example.non_preferred, out);
    return;
  }
  size_t answer_start = example.messages.size();
  while (answer_start > 0 && example.messages[answer_start - 1].role == Role::kAssistant) --answer_start;
  const std::span<const Message> all(example.messages);
  if (on != DedupOn::kResponse) append_messages(all.first(answer_start), out);
  if (on != DedupOn::kPrompt) append_messages(all.subspan(answer_start), out);
}

std::string comparison_text(const Example& example, DedupOn on) {
  std::string out;
  comparison_text(example, on, out);
  return out;
}

}  // namespace tuneprep
