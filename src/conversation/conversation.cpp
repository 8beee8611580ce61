// conversation: names of roles and source formats.
#include "tuneprep/conversation.hpp"

namespace tuneprep {

std::string_view role_name(Role role) {
  switch (role) {
    case Role::kSystem: return "system";
    case Role::kUser: return "user";
    case Role::kAssistant: return "assistant";
    case Role::kTool: return "tool";
  }
  return "user";
}

std::optional<Role> role_from_name(std::string_view name) {
  if (name == "system") return Role::kSystem;
  if (name == "user") return Role::kUser;
  if (name == "assistant") return Role::kAssistant;
  if (name == "tool") return Role::kTool;
  return std::nullopt;
}

std::string_view source_format_name(SourceFormat format) {
  switch (format) {
    case SourceFormat::kOpenAiChat: return "openai-chat";
    case SourceFormat::kPromptCompletion: return "prompt-completion";
    case SourceFormat::kAlpaca: return "alpaca";
    case SourceFormat::kShareGpt: return "sharegpt";
    case SourceFormat::kDpoOpenAi: return "dpo";
    case SourceFormat::kPreferencePrompt: return "preference-prompt";
    case SourceFormat::kPreferenceShareGpt: return "preference-sharegpt";
    case SourceFormat::kPreferenceTranscript: return "preference-transcript";
    case SourceFormat::kCsv: return "csv";
  }
  return "openai-chat";
}

}  // namespace tuneprep
