// conversation: the one internal shape every reader maps into and every writer maps out of.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tuneprep {

enum class Role : uint8_t { kSystem, kUser, kAssistant, kTool };

std::string_view role_name(Role role);
std::optional<Role> role_from_name(std::string_view name);  // "system", "user", "assistant", "tool"

struct Message {
  Role role = Role::kUser;
  // Text content. Absent (nullopt) for an assistant message that only carries tool_calls, or
  // when the source had `"content": null`.
  std::optional<std::string> content;
  // When the source's content was an array of parts ([{"type":"text","text":...}, ...]), the parts
  // as minified JSON, kept for output; `content` then holds the text parts joined.
  std::string content_parts_json;
  std::string name;                 // optional `name`; empty when absent
  std::optional<int64_t> weight;    // optional `weight` (OpenAI allows 0 or 1 on assistant turns)
  std::string tool_calls_json;      // `tool_calls` as minified JSON; empty when absent
  std::string function_call_json;   // legacy `function_call` as minified JSON; empty when absent
  std::string tool_call_id;         // on tool messages; empty when absent

  bool operator==(const Message&) const = default;
};

// Which input shape a record was recognised as.
enum class SourceFormat : uint8_t {
  kOpenAiChat,
  kPromptCompletion,
  kAlpaca,
  kShareGpt,
  kDpoOpenAi,           // input.messages + preferred_output + non_preferred_output
  kPreferencePrompt,    // prompt + chosen + rejected (strings or message lists)
  kPreferenceShareGpt,  // conversations + chosen/rejected message objects
  kPreferenceTranscript,// chosen/rejected "\n\nHuman: ... \n\nAssistant: ..." strings
  kCsv,
};
std::string_view source_format_name(SourceFormat format);

// The keys the OpenAI chat format defines, at the top and in a message; unknown-key reports any
// other (the other shapes' lists live with that check). The normalizer notes when a record holds
// no other key, so the check need not scan the raw record again.
inline constexpr std::string_view kOpenAiChatTopKeys[] = {"messages", "tools", "functions", "parallel_tool_calls",
                                                          "label"};
inline constexpr std::string_view kOpenAiMessageKeys[] = {"role",       "content",       "name",        "weight",
                                                          "tool_calls", "function_call", "tool_call_id"};

enum class ExampleKind : uint8_t { kChat, kPreference };

// A normalized example. For kChat, `messages` is the whole conversation. For kPreference,
// `messages` is the shared prompt and `preferred` / `non_preferred` are the two answers
// (assistant turns, usually one each).
struct Example {
  ExampleKind kind = ExampleKind::kChat;
  SourceFormat format = SourceFormat::kOpenAiChat;
  std::vector<Message> messages;
  std::vector<Message> preferred;
  std::vector<Message> non_preferred;
  std::string tools_json;      // `tools` as minified JSON; empty when absent
  std::string functions_json;  // legacy `functions` as minified JSON; empty when absent
  std::optional<bool> parallel_tool_calls;  // top-level `parallel_tool_calls` when present
  // KTO (unpaired preference) records carry `label`: true for a desirable answer, false for an
  // undesirable one. Absent for every other shape.
  std::optional<bool> label;

  bool operator==(const Example&) const = default;
};

}  // namespace tuneprep
