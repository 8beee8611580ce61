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
    {RuleId::kUnknownKey, "unknown-key", Severity::kWarning,
     "a key the recognised input shape does not define (it is dropped on output)",
     "drop the unknown key"},
    {RuleId::kControlCharacter, "control-character", Severity::kError,
     "text contains a control character other than tab, line feed or carriage return"},
    {RuleId::kBomOrCrlf, "bom-or-crlf", Severity::kInfo,
     "the record starts with a byte-order mark or ends its line with CR LF",
     "strip the byte-order mark and the carriage return"},
    {RuleId::kLastMessageNotAssistant, "last-message-not-assistant", Severity::kWarning,
     "messages after the last assistant message are never trained on",
     "drop the turns after the last assistant message"},
    {RuleId::kSystemNotFirst, "system-not-first", Severity::kError,
     "a system message comes after a user, assistant or tool message"},
    {RuleId::kConsecutiveSameRole, "consecutive-same-role", Severity::kWarning,
     "two adjacent messages have the same role (tool results excepted)",
     "merge the consecutive messages into one, joined by a blank line"},
    {RuleId::kInvalidWeight, "invalid-weight", Severity::kError,
     "a weight is not 0 or 1, or is set on a message that is not an assistant message"},
    {RuleId::kInvalidToolCall, "invalid-tool-call", Severity::kError,
     "tool_calls or function_call is malformed, or its arguments are not a JSON object string"},
    {RuleId::kToolMessageWithoutCall, "tool-message-without-call", Severity::kError,
     "a tool message does not answer a tool call of a preceding assistant message"},
    {RuleId::kAllWeightsZero, "all-weights-zero", Severity::kError,
     "every assistant message has weight 0, so nothing would be trained"},
    {RuleId::kMissingSystemMessage, "missing-system-message", Severity::kInfo,
     "the example has no system message"},
    {RuleId::kMissingUserMessage, "missing-user-message", Severity::kInfo,
     "the example has no user message"},
    {RuleId::kDpoMissingOutput, "dpo-missing-output", Severity::kError,
     "a preference pair lacks its preferred or its non-preferred output"},
    {RuleId::kDpoIdenticalOutputs, "dpo-identical-outputs", Severity::kError,
     "the preferred and non-preferred outputs are identical, so there is nothing to prefer"},
    {RuleId::kDpoOutputNotAssistant, "dpo-output-not-assistant", Severity::kError,
     "a preferred or non-preferred output message is not an assistant message"},
    {RuleId::kTooFewExamples, "too-few-examples", Severity::kError,
     "the dataset has fewer than 10 examples (error) or fewer than 50 (warning)"},
    {RuleId::kDuplicateExample, "duplicate-example", Severity::kWarning,
     "the example is an exact duplicate of an earlier one"},
    {RuleId::kPiiEmail, "pii-email", Severity::kWarning, "text contains an e-mail address"},
    {RuleId::kPiiPhone, "pii-phone", Severity::kWarning, "text contains a phone number"},
    {RuleId::kPiiCreditCard, "pii-credit-card", Severity::kWarning,
     "text contains a payment card number (Luhn-checked)"},
    {RuleId::kSecretKey, "secret-key", Severity::kWarning,
     "text contains an API key or token of a common provider, or a private key block"},
    {RuleId::kHtmlMarkup, "html-markup", Severity::kWarning,
     "text contains HTML tags or entities outside code"},
    {RuleId::kMojibake, "mojibake", Severity::kWarning,
     "text contains UTF-8 decoded as Latin-1 or Windows-1252 (like \"Ã©\" or \"â€™\") or U+FFFD"},
    {RuleId::kRefusalBoilerplate, "refusal-boilerplate", Severity::kWarning,
     "a response contains assistant boilerplate such as \"As an AI language model\""},
    {RuleId::kRepeatedText, "repeated-text", Severity::kWarning,
     "a response repeats a sentence or a word over and over"},
    {RuleId::kTruncatedResponse, "truncated-response", Severity::kWarning,
     "a response ends mid-sentence or inside an unclosed code block"},
    {RuleId::kWhitespacePadding, "whitespace-padding", Severity::kWarning,
     "content starts or ends with whitespace",
     "trim leading and trailing whitespace"},
    {RuleId::kTooManyTokens, "too-many-tokens", Severity::kError,
     "the example has more tokens than the model's per-example limit (--model, --max-tokens)"},
    {RuleId::kConflictingAnswers, "conflicting-answers", Severity::kWarning,
     "the same prompt appears with different answers (the same prompt text, ends trimmed, with another answer)"},
    {RuleId::kKtoUndesirable, "kto-undesirable", Severity::kError,
     "a KTO record labelled false (an undesirable answer) cannot be written as supervised data (--to kto keeps it)"},
    {RuleId::kSpecialTokenLiteral, "special-token-literal", Severity::kWarning,
     "content holds a chat-template or end-of-text token such as <|endoftext|>, <|im_end|>, </s> or [INST]",
     "strip one such token at the very end of an assistant message"},
    {RuleId::kPlaceholderInput, "placeholder-input", Severity::kWarning,
     "an Alpaca input that means \"no input\" (\"No input\", \"<noinput>\", \"N/A\") was appended to the prompt",
     "drop the placeholder input from the prompt"},
    {RuleId::kUnfilledTemplate, "unfilled-template", Severity::kWarning,
     "content holds a template placeholder that was never filled in, such as {{name}}"},
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

std::string_view rule_name(RuleId id) { return rule_info(id).name; }

Diagnostic make_diagnostic(RuleId rule, std::string message, std::string pointer) {
  Diagnostic d;
  d.rule = rule;
  d.severity = rule_info(rule).default_severity;
  d.message = std::move(message);
  d.pointer = std::move(pointer);
  return d;
}

}  // namespace tuneprep
