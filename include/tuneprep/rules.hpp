// rules: the closed registry of rule ids, their severities, and the Diagnostic they produce.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tuneprep {

enum class Severity : uint8_t { kError, kWarning, kInfo };
std::string_view severity_name(Severity severity);  // "error", "warning", "info"
std::optional<Severity> severity_from_name(std::string_view name);

// Every rule tuneprep knows. The string id is stable: scripts, configs and suppressions use it.
enum class RuleId : uint16_t {
  // framing and syntax
  kJsonSyntax,         // the record is not valid JSON
  kInvalidUtf8,        // the record is not valid UTF-8
  kRecordTooLarge,     // the record is larger than --max-record-bytes
  kJsonTooDeep,        // nesting deeper than the parser's limit
  kCsvFieldCount,      // a CSV row has fewer or more fields than its header
  kNotAnObject,        // the record is JSON but not an object
  // shape
  kUnknownFormat,      // no known input shape matches the record's keys
  kMissingField,       // a field the shape requires is absent
  kWrongType,          // a field has the wrong JSON type
  // chat semantics
  kUnknownRole,        // a message role outside system/user/assistant/tool (or a ShareGPT `from`)
  kMissingContent,     // a message without content (and without tool_calls where allowed)
  kEmptyContent,       // a message whose content is empty or whitespace only
  kNoAssistantMessage, // nothing for the model to learn: no assistant turn
  // conversion
  kNotConvertible,     // the example cannot be written in the --to format
  kCount_
};

struct RuleInfo {
  RuleId id;
  std::string_view name;         // kebab-case id, e.g. "missing-content"
  Severity default_severity;
  std::string_view description;  // one line
};

std::span<const RuleInfo> all_rules();
const RuleInfo& rule_info(RuleId id);
std::optional<RuleId> rule_from_name(std::string_view name);

// One finding about one record. `pointer` is the JSON pointer of the field ("/messages/2/content"),
// empty for the whole record. `column` is 1-based in characters, 0 when not known.
struct Diagnostic {
  RuleId rule = RuleId::kJsonSyntax;
  Severity severity = Severity::kError;
  std::string message;
  std::string pointer;
  uint64_t line = 0;
  uint32_t column = 0;
};

// Builds a diagnostic with the rule's default severity.
Diagnostic make_diagnostic(RuleId rule, std::string message, std::string pointer = {});

}  // namespace tuneprep
