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
  // An answer list must be assistant messages: name the first one that is not, or the empty list.
  auto check_output = [&](const std::vector<Message>& list, const std::vector<Origin>& origins, bool failed,
                          std::string_view pointer, std::string_view which) {
    if (failed || has_assistant(list)) return;
    if (list.empty()) {
      diagnostics.push_back(make_diagnostic(RuleId::kDpoMissingOutput,
                                            "the " + std::string(which) + " output is empty", std::string(pointer)));
      return;
    }
    const Origin& origin = origins[0];
    diagnostics.push_back(make_diagnostic(
        RuleId::kDpoOutputNotAssistant,
        "the " + std::string(which) + " output is a " + std::string(role_name(list[0].role)) +
            " message, not an assistant message",
        origin.base.empty() ? std::string(pointer)
                            : pointer_of(origin, origin.content_key == "value" ? "from"
                                                  : origin.content_key.empty() ? ""
                                                                               : "role")));
  };
  check_output(example.preferred, mapped.preferred_origins, mapped.preferred_failed, mapped.preferred_pointer,
               "preferred");
  check_output(example.non_preferred, mapped.non_preferred_origins, mapped.non_preferred_failed,
               mapped.non_preferred_pointer, "non-preferred");
}

}  // namespace tuneprep::schema_detail
