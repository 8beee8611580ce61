// structure_checks: --system injection and the structural checks every normalized example gets.
#include <string>

#include "schema/schema_internal.hpp"

namespace tuneprep::schema_detail {
namespace {

bool calls_tools(const Message& message) {
  return message.role == Role::kAssistant &&
         ((!message.tool_calls_json.empty() && message.tool_calls_json != "[]") ||
          !message.function_call_json.empty());
}

void check_messages(const std::vector<Message>& messages, const std::vector<Origin>& origins,
                    std::vector<Diagnostic>& diagnostics) {
  for (size_t i = 0; i < messages.size(); ++i) {
    const Message& message = messages[i];
    const Origin& origin = origins[i];
    if (origin.content_failed || calls_tools(message)) continue;
    std::string_view role = role_name(message.role);
    if (!message.content) {
      const char* hint = message.role == Role::kAssistant ? " and no tool_calls" : "";
      diagnostics.push_back(make_diagnostic(RuleId::kMissingContent,
                                            std::string(role) + " message has no content" + hint,
                                            content_pointer(origin)));
    } else if (is_blank(*message.content) && !origin.rich_parts) {
      diagnostics.push_back(make_diagnostic(
          RuleId::kEmptyContent,
          std::string(role) + (message.content->empty() ? " message content is empty"
                                                        : " message content is whitespace only"),
          content_pointer(origin)));
    }
  }
}

bool has_assistant(const std::vector<Message>& messages) {
  for (const Message& message : messages) {
    if (message.role == Role::kAssistant) return true;
  }
  return false;
}

}  // namespace

bool is_blank(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return false;
  }
  return true;
}

void inject_system_prompt(MappedExample& mapped, std::string_view system_prompt) {
  if (system_prompt.empty()) return;
  for (const Message& message : mapped.example.messages) {
    if (message.role == Role::kSystem) return;
  }
  Message system;
  system.role = Role::kSystem;
  system.content.emplace(system_prompt);
  mapped.example.messages.insert(mapped.example.messages.begin(), std::move(system));
  mapped.origins.insert(mapped.origins.begin(), Origin{});
}

void check_structure(const MappedExample& mapped, std::vector<Diagnostic>& diagnostics) {
  const Example& example = mapped.example;
  check_messages(example.messages, mapped.origins, diagnostics);
  if (example.kind == ExampleKind::kChat) {
    if (!mapped.answer_field_failed && !has_assistant(example.messages)) {
      diagnostics.push_back(make_diagnostic(RuleId::kNoAssistantMessage,
                                            "the conversation has no assistant message to learn from",
                                            std::string(mapped.messages_pointer)));
    }
    return;
  }
  check_messages(example.preferred, mapped.preferred_origins, diagnostics);
  check_messages(example.non_preferred, mapped.non_preferred_origins, diagnostics);
  if (!mapped.preferred_failed && !has_assistant(example.preferred)) {
    diagnostics.push_back(make_diagnostic(RuleId::kNoAssistantMessage,
                                          "the preferred answer has no assistant message",
                                          std::string(mapped.preferred_pointer)));
  }
  if (!mapped.non_preferred_failed && !has_assistant(example.non_preferred)) {
    diagnostics.push_back(make_diagnostic(RuleId::kNoAssistantMessage,
                                          "the non-preferred answer has no assistant message",
                                          std::string(mapped.non_preferred_pointer)));
  }
}

}  // namespace tuneprep::schema_detail
