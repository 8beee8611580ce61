// checks_fuzzer: arbitrary bytes as record text, pointer, content and tool calls must never crash
// the pointer locator, the raw-record checks or RuleChecker.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tuneprep/checks.hpp"
#include "tuneprep/json_pointer.hpp"

using namespace tuneprep;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The first line is a pointer, the rest the record text.
  const size_t nl = input.find('\n');
  const std::string_view pointer = input.substr(0, nl == std::string_view::npos ? 0 : nl);
  const std::string_view text = nl == std::string_view::npos ? input : input.substr(nl + 1);

  if (auto pos = locate_json_pointer(text, pointer)) {
    if (pos->byte_offset > text.size()) __builtin_trap();
  }
  locate_json_pointer(text, "/messages/0/content");
  std::vector<Diagnostic> out;
  const RuleConfig config;
  for (SourceFormat f : {SourceFormat::kOpenAiChat, SourceFormat::kDpoOpenAi, SourceFormat::kShareGpt,
                         SourceFormat::kPreferencePrompt, SourceFormat::kAlpaca}) {
    check_unknown_keys(text, f, config, out);
  }
  check_bom_or_crlf(text, config, out);
  for (Diagnostic& d : out) place_diagnostic(d, text, SourceLocation{});

  static RuleChecker checker{RuleConfig{}};
  Example e;
  Message user;
  user.content = std::string(text);
  Message assistant;
  assistant.role = Role::kAssistant;
  assistant.content = std::string(text);
  assistant.tool_calls_json = std::string(text);
  assistant.function_call_json = std::string(pointer);
  Message tool;
  tool.role = Role::kTool;
  tool.content = std::string(pointer);
  tool.tool_call_id = std::string(pointer);
  e.messages = {user, assistant, tool};
  e.tools_json = std::string(text);
  out.clear();
  checker.check(e, out);
  e.kind = ExampleKind::kPreference;
  e.preferred = {assistant};
  e.non_preferred = {tool};
  checker.check(e, out);
  return 0;
}
