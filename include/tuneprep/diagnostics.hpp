// diagnostics: the vocabulary of findings (severities, rule ids, Diagnostic), below every module
// that reports one, and the findings of a validate run in their four output formats: text, JSON
// Lines, SARIF 2.1.0 and GitHub Actions workflow commands.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace tuneprep {

enum class Severity : uint8_t { kError, kWarning, kInfo };
std::string_view severity_name(Severity severity);  // "error", "warning", "info"
std::optional<Severity> severity_from_name(std::string_view name);
// Whether `severity` is `threshold` or more severe (error > warning > info).
inline bool at_least(Severity severity, Severity threshold) {
  return static_cast<uint8_t>(severity) <= static_cast<uint8_t>(threshold);
}

// Every rule tuneprep knows. The string id is stable: scripts, configs and suppressions use it.
// New ids are appended (never inserted or renumbered). The trailing comment names the module that
// implements the rule: readers (framing), schema (Normalizer), checks (RuleChecker and the raw
// record checks in checks.hpp), pipeline (dataset level, with the diagnostic built by checks.hpp).
enum class RuleId : uint16_t {
  // framing and syntax
  kJsonSyntax,         // readers/schema: the record is not valid JSON
  kInvalidUtf8,        // readers/schema: the record is not valid UTF-8
  kRecordTooLarge,     // readers: the record is larger than --max-record-bytes
  kJsonTooDeep,        // schema: nesting deeper than the parser's limit
  kCsvFieldCount,      // readers: a CSV row has fewer or more fields than its header
  kNotAnObject,        // schema: the record is JSON but not an object
  // shape
  kUnknownFormat,      // schema: no known input shape matches the record's keys
  kMissingField,       // schema: a field the shape requires is absent
  kWrongType,          // schema: a field has the wrong JSON type
  // chat semantics
  kUnknownRole,        // schema: a message role outside system/user/assistant/tool
  kMissingContent,     // schema: a message without content (and without tool_calls where allowed)
  kEmptyContent,       // schema: a message whose content is empty or whitespace only
  kNoAssistantMessage, // schema: nothing for the model to learn: no assistant turn
  // conversion
  kNotConvertible,     // schema (write_example): the example cannot be written in the --to format
  // raw record (checks: check_unknown_keys, check_control_characters, check_bom_or_crlf)
  kUnknownKey,         // checks: a key the recognised shape does not define
  kControlCharacter,   // checks: a C0/C1 control character (other than tab, LF, CR) in text
  kBomOrCrlf,          // checks: a byte-order mark or CR line end in the raw record
  // chat semantics (checks: RuleChecker)
  kLastMessageNotAssistant,  // checks: turns after the last assistant message are not trained on
  kSystemNotFirst,           // checks: a system message after the first non-system message
  kConsecutiveSameRole,      // checks: two adjacent messages with the same role
  kInvalidWeight,            // checks: weight other than 0/1, or on a non-assistant message
  kInvalidToolCall,          // checks: malformed tool_calls / function_call
  kToolMessageWithoutCall,   // checks: a tool message answering no preceding tool call
  // weights and coverage (checks: RuleChecker)
  kAllWeightsZero,           // checks: every assistant message has weight 0
  kMissingSystemMessage,     // checks: no system message
  kMissingUserMessage,       // checks: no user message
  // preference pairs (checks: RuleChecker)
  kDpoMissingOutput,         // checks: preferred or non-preferred output is empty
  kDpoIdenticalOutputs,      // checks: preferred and non-preferred outputs are the same
  kDpoOutputNotAssistant,    // checks: an output message is not an assistant message
  // dataset level (pipeline; diagnostics built by checks.hpp)
  kTooFewExamples,           // pipeline: fewer than 10 (error) or 50 (warning) examples
  kDuplicateExample,         // pipeline: an exact duplicate of an earlier example
  // content quality (checks: RuleChecker; one shared Vectorscan prefilter, RE2 confirms)
  kPiiEmail,                 // checks: an e-mail address
  kPiiPhone,                 // checks: a phone number
  kPiiCreditCard,            // checks: a Luhn-valid payment card number
  kSecretKey,                // checks: an API key / token of a common provider, a private key block
  kHtmlMarkup,               // checks: HTML tags or entities outside code
  kMojibake,                 // checks: UTF-8 decoded as Latin-1/cp1252 ("Ã©", "â€™"), U+FFFD
  kRefusalBoilerplate,       // checks: "As an AI language model..." in a response
  kRepeatedText,             // checks: a response that repeats itself
  kTruncatedResponse,        // checks: a response that stops mid-sentence or in a code block
  kWhitespacePadding,        // checks: content with leading or trailing whitespace
  // token limits and dataset consistency (validate and prepare)
  kTooManyTokens,            // validate, prepare: the example has more tokens than the model allows
  kConflictingAnswers,       // validate, prepare: the same prompt appears with different answers
  // added with the real-dataset shapes
  kKtoUndesirable,           // schema (write_example): a KTO label:false record written as supervised data
  kSpecialTokenLiteral,      // checks: a chat-template or end-of-text token written into content
  kPlaceholderInput,         // checks: an Alpaca input that means "no input" appended to the prompt
  kUnfilledTemplate,         // checks: a {{placeholder}} left in content
  kCount_
};

inline constexpr size_t kRuleCount = static_cast<size_t>(RuleId::kCount_);

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


// A diagnostic and the input file it belongs to. `diagnostic.line` / `column` are absolute in
// that file (see place_diagnostic in json_pointer.hpp); line 0 means the whole file (dataset-level
// rules such as too-few-examples), column 0 means the whole line.
struct FileDiagnostic {
  uint32_t file_index = 0;
  Diagnostic diagnostic;
};

struct DiagnosticSet {
  std::vector<std::string> paths;  // input paths by file_index, as the user gave them ("-" = stdin)
  std::vector<FileDiagnostic> diagnostics;
  uint64_t records = 0;            // records checked, for the summary
};

struct DiagnosticCounts {
  uint64_t errors = 0;
  uint64_t warnings = 0;
  uint64_t infos = 0;
};
DiagnosticCounts count_diagnostics(const DiagnosticSet& set);

// Orders by path, line, column, rule id, message: a total order, so the output does not depend on
// how work was split across threads.
void sort_diagnostics(DiagnosticSet& set);

inline constexpr uint64_t kUnlimitedDiagnostics = std::numeric_limits<uint64_t>::max();

struct TextFormatOptions {
  bool color = false;                              // ANSI colours (the CLI decides: TTY, --color, NO_COLOR)
  uint64_t max_diagnostics = kUnlimitedDiagnostics;  // --max-diagnostics: print at most this many
  // --min-severity: diagnostics below it are not printed, but the summary counts them.
  Severity min_severity = Severity::kInfo;
};

// `path:line:col: severity[rule-id]: message` per diagnostic (in the set's order; sort first), a
// line saying how many were not shown when max_diagnostics cut the list, then the summary line.
std::string format_text(const DiagnosticSet& set, const TextFormatOptions& options);

// "N errors, M warnings in K records of F files" (", I info" added when there are infos).
std::string format_summary(const DiagnosticSet& set);

// One JSON object per line: path, line, column (null when 0), rule, severity, message, pointer.
std::string format_json_lines(const DiagnosticSet& set, uint64_t max_diagnostics = kUnlimitedDiagnostics);

struct SarifOptions {
  std::string tool_version = TUNEPREP_VERSION;
  // Prefix of each rule's helpUri: helpUri = help_uri_base + "docs/rules.md#" + id. Empty gives a
  // reference relative to the repository root; set it to the project's URL for an absolute one.
  std::string help_uri_base;
  uint64_t max_diagnostics = kUnlimitedDiagnostics;
};

// A SARIF 2.1.0 log (pretty-printed, '\n'-terminated) with one run: tool.driver lists every
// registered rule; each result has ruleId, ruleIndex, level, message and a physicalLocation.
// Columns are Unicode code points (run.columnKind "unicodeCodePoints").
std::string format_sarif(const DiagnosticSet& set, const SarifOptions& options = {});

// GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=rule-id::message`
// (warning → ::warning, info → ::notice), escaped as the Actions toolkit does.
std::string format_github(const DiagnosticSet& set, uint64_t max_diagnostics = kUnlimitedDiagnostics);

// `text` made safe for a terminal or a log: C0 controls and DEL become \n, \r, \t or \xNN, C1
// and bidirectional controls \u{NN}, bytes that are not UTF-8 \xNN; everything else is kept.
// Every text output that shows a file name, a CSV header or a message passes through it.
// `keep_line_breaks` leaves CR and LF as they are, for a caller that escapes them its own way.
std::string terminal_text(std::string_view text, bool keep_line_breaks = false);

// The SARIF level of a severity: "error", "warning" or "note".
std::string_view sarif_level(Severity severity);

}  // namespace tuneprep
