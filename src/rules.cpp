// rules: the registry table. Order matches RuleId; a static_assert keeps them in step.
#include "tuneprep/rules.hpp"

#include <algorithm>

namespace tuneprep {
namespace {

constexpr RuleInfo kRules[] = {
    {RuleId::kJsonSyntax, "json-syntax", Severity::kError, "the record is not valid JSON"},
    {RuleId::kInvalidUtf8, "invalid-utf8", Severity::kError, "the record is not valid UTF-8"},
    {RuleId::kRecordTooLarge, "record-too-large", Severity::kError,
     "the record is larger than --max-record-bytes"},
    {RuleId::kJsonTooDeep, "json-too-deep", Severity::kError,
     "JSON nesting is deeper than 1024 levels"},
    {RuleId::kCsvFieldCount, "csv-field-count", Severity::kError,
     "a CSV row has a different number of fields than the header, or an unterminated quote"},
    {RuleId::kNotAnObject, "not-an-object", Severity::kError, "the record is JSON but not an object"},
    {RuleId::kUnknownFormat, "unknown-format", Severity::kError,
     "the record's keys match no known input shape"},
    {RuleId::kMissingField, "missing-field", Severity::kError, "a field the shape requires is absent"},
    {RuleId::kWrongType, "wrong-type", Severity::kError, "a field has the wrong JSON type"},
    {RuleId::kUnknownRole, "unknown-role", Severity::kError,
     "a message role is not system, user, assistant or tool"},
    {RuleId::kMissingContent, "missing-content", Severity::kError,
     "a message has no content (an assistant message may carry tool_calls instead)"},
    {RuleId::kEmptyContent, "empty-content", Severity::kError,
     "a message's content is empty or whitespace only"},
    {RuleId::kNoAssistantMessage, "no-assistant-message", Severity::kError,
     "the example has no assistant message to learn from"},
    {RuleId::kNotConvertible, "not-convertible", Severity::kError,
     "the example cannot be written in the --to format"},
};

constexpr bool registry_in_enum_order() {
  for (size_t i = 0; i < std::size(kRules); ++i) {
    if (static_cast<size_t>(kRules[i].id) != i) return false;
  }
  return std::size(kRules) == static_cast<size_t>(RuleId::kCount_);
}
static_assert(registry_in_enum_order(), "kRules must list every RuleId in enum order");

}  // namespace

std::string_view severity_name(Severity severity) {
  switch (severity) {
    case Severity::kError: return "error";
    case Severity::kWarning: return "warning";
    case Severity::kInfo: return "info";
  }
  return "error";
}

std::optional<Severity> severity_from_name(std::string_view name) {
  if (name == "error") return Severity::kError;
  if (name == "warning") return Severity::kWarning;
  if (name == "info") return Severity::kInfo;
  return std::nullopt;
}

std::span<const RuleInfo> all_rules() { return kRules; }

const RuleInfo& rule_info(RuleId id) { return kRules[static_cast<size_t>(id)]; }

std::optional<RuleId> rule_from_name(std::string_view name) {
  auto it = std::find_if(std::begin(kRules), std::end(kRules),
                         [&](const RuleInfo& info) { return info.name == name; });
  if (it == std::end(kRules)) return std::nullopt;
  return it->id;
}

Diagnostic make_diagnostic(RuleId rule, std::string message, std::string pointer) {
  Diagnostic d;
  d.rule = rule;
  d.severity = rule_info(rule).default_severity;
  d.message = std::move(message);
  d.pointer = std::move(pointer);
  return d;
}

}  // namespace tuneprep
