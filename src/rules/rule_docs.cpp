// rule_docs: examples and implementing module of every rule, and docs/rules.md rendered from
// them and the registry. tests/rule_docs_test.cpp checks that docs/rules.md is this output and
// that every checks-implemented rule fires on its bad example and not on its good one.
#include "tuneprep/rules.hpp"
#include "tuneprep/rule_docs.hpp"

#include <fmt/core.h>

namespace tuneprep {
namespace {

constexpr RuleDoc kDocs[] = {
    {RuleId::kJsonSyntax, "readers, schema", "jsonl",
     R"({"messages": [{"role": "user", "content": "Hi"})",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]})"},
    {RuleId::kInvalidUtf8, "readers, schema", "text",
     "A line saved as Latin-1: `café` is the byte 0xE9, which is not valid UTF-8.",
     "The same file saved as UTF-8: `café` is the bytes 0xC3 0xA9."},
    {RuleId::kRecordTooLarge, "readers", "text",
     "A 100 MB line (a base64 image pasted into a message) with the default `--max-record-bytes` of 64 MiB.",
     "Records of ordinary size; raise `--max-record-bytes` only for data that needs it."},
    {RuleId::kJsonTooDeep, "schema", "text",
     "A record whose `content` nests 2000 arrays: `[[[[…]]]]`.",
     "Content as a string, or as a flat array of content parts."},
    {RuleId::kCsvFieldCount, "readers", "csv",
     "prompt,response\n\"What is 2+2?\",4,extra",
     "prompt,response\n\"What is 2+2?\",4"},
    {RuleId::kNotAnObject, "schema", "jsonl",
     R"(["user", "Hi", "assistant", "Hello!"])",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]})"},
    {RuleId::kUnknownFormat, "schema", "jsonl",
     R"({"text": "Hi", "reply": "Hello!"})",
     R"({"prompt": "Hi", "completion": "Hello!"})"},
    {RuleId::kMissingField, "schema", "jsonl",
     R"({"prompt": "What is 2+2?"})",
     R"({"prompt": "What is 2+2?", "completion": "4"})"},
    {RuleId::kWrongType, "schema", "jsonl",
     R"({"messages": "user: Hi / assistant: Hello!"})",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]})"},
    {RuleId::kUnknownRole, "schema", "jsonl",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "bot", "content": "Hello!"}]})",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]})"},
    {RuleId::kMissingContent, "schema", "jsonl",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant"}]})",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]})"},
    {RuleId::kEmptyContent, "schema", "jsonl",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "  "}]})",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]})"},
    {RuleId::kNoAssistantMessage, "schema", "jsonl",
     R"({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]})",
     R"({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]})"},
    {RuleId::kNotConvertible, "schema", "text",
     "`tuneprep prepare chats.jsonl --to dpo`, where the records are chats without a rejected answer.",
     "`--to openai-chat` for chats; `--to dpo` for preference pairs."},
    {RuleId::kUnknownKey, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}], "source": "forum"})",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]})"},
    {RuleId::kControlCharacter, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Ring the bell\u0007"}, {"role": "assistant", "content": "Done."}]})",
     R"({"messages": [{"role": "user", "content": "Ring the bell"}, {"role": "assistant", "content": "Done."}]})"},
    {RuleId::kBomOrCrlf, "checks", "text",
     "A file written by a Windows editor: it starts with the bytes EF BB BF and its lines end in CR LF.",
     "UTF-8 without a byte-order mark, lines ending in LF."},
    {RuleId::kLastMessageNotAssistant, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "Thanks"}]})",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]})"},
    {RuleId::kSystemNotFirst, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "system", "content": "Be brief."}, {"role": "assistant", "content": "Hello!"}]})",
     R"({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]})"},
    {RuleId::kConsecutiveSameRole, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "user", "content": "Are you there?"}, {"role": "assistant", "content": "Yes."}]})",
     R"({"messages": [{"role": "user", "content": "Hi\n\nAre you there?"}, {"role": "assistant", "content": "Yes."}]})"},
    {RuleId::kInvalidWeight, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!", "weight": 2}]})",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!", "weight": 1}]})"},
    {RuleId::kInvalidToolCall, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{city: Paris}"}}]}, {"role": "tool", "tool_call_id": "call_1", "content": "18 C"}, {"role": "assistant", "content": "18 C in Paris."}]})",
     R"({"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}, {"role": "tool", "tool_call_id": "call_1", "content": "18 C"}, {"role": "assistant", "content": "18 C in Paris."}]})"},
    {RuleId::kToolMessageWithoutCall, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "tool", "tool_call_id": "call_1", "content": "18 C"}, {"role": "assistant", "content": "18 C in Paris."}]})",
     R"({"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}, {"role": "tool", "tool_call_id": "call_1", "content": "18 C"}, {"role": "assistant", "content": "18 C in Paris."}]})"},
    {RuleId::kAllWeightsZero, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!", "weight": 0}]})",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!", "weight": 0}, {"role": "user", "content": "Bye"}, {"role": "assistant", "content": "Goodbye!"}]})"},
    {RuleId::kMissingSystemMessage, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]})",
     R"({"messages": [{"role": "system", "content": "You are a friendly assistant."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]})"},
    {RuleId::kMissingUserMessage, "checks", "jsonl",
     R"({"messages": [{"role": "system", "content": "Greet the user."}, {"role": "assistant", "content": "Hello!"}]})",
     R"({"messages": [{"role": "system", "content": "Greet the user."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]})"},
    {RuleId::kDpoMissingOutput, "checks", "jsonl",
     R"({"input": {"messages": [{"role": "user", "content": "2+2?"}]}, "preferred_output": [{"role": "assistant", "content": "4"}], "non_preferred_output": []})",
     R"({"input": {"messages": [{"role": "user", "content": "2+2?"}]}, "preferred_output": [{"role": "assistant", "content": "4"}], "non_preferred_output": [{"role": "assistant", "content": "5"}]})"},
    {RuleId::kDpoIdenticalOutputs, "checks", "jsonl",
     R"({"input": {"messages": [{"role": "user", "content": "2+2?"}]}, "preferred_output": [{"role": "assistant", "content": "4"}], "non_preferred_output": [{"role": "assistant", "content": "4"}]})",
     R"({"input": {"messages": [{"role": "user", "content": "2+2?"}]}, "preferred_output": [{"role": "assistant", "content": "4"}], "non_preferred_output": [{"role": "assistant", "content": "5"}]})"},
    {RuleId::kDpoOutputNotAssistant, "checks", "jsonl",
     R"({"input": {"messages": [{"role": "user", "content": "2+2?"}]}, "preferred_output": [{"role": "user", "content": "4"}], "non_preferred_output": [{"role": "assistant", "content": "5"}]})",
     R"({"input": {"messages": [{"role": "user", "content": "2+2?"}]}, "preferred_output": [{"role": "assistant", "content": "4"}], "non_preferred_output": [{"role": "assistant", "content": "5"}]})"},
    {RuleId::kTooFewExamples, "pipeline (diagnostic from checks)", "text",
     "A training file with 8 examples (an error), or with 30 (a warning).",
     "50 or more examples; OpenAI recommends starting with 50 to 100 good ones."},
    {RuleId::kDuplicateExample, "pipeline (diagnostic from checks)", "jsonl",
     "{\"prompt\": \"2+2?\", \"completion\": \"4\"}\n{\"prompt\": \"2+2?\", \"completion\": \"4\"}",
     "{\"prompt\": \"2+2?\", \"completion\": \"4\"}\n{\"prompt\": \"3+3?\", \"completion\": \"6\"}"},
    {RuleId::kPiiEmail, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Mail the invoice to maria.lopez@gmail.com"}, {"role": "assistant", "content": "Sent."}]})",
     R"({"messages": [{"role": "user", "content": "Mail the invoice to the customer"}, {"role": "assistant", "content": "Sent."}]})"},
    {RuleId::kPiiPhone, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Call me at (415) 555-0132"}, {"role": "assistant", "content": "Will do."}]})",
     R"({"messages": [{"role": "user", "content": "Call me tomorrow"}, {"role": "assistant", "content": "Will do."}]})"},
    {RuleId::kPiiCreditCard, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "My card is 4111 1111 1111 1111"}, {"role": "assistant", "content": "Thanks."}]})",
     R"({"messages": [{"role": "user", "content": "My card ends in 1111"}, {"role": "assistant", "content": "Thanks."}]})"},
    {RuleId::kSecretKey, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Why does AKIA2E0A8F3B244C9986 fail?"}, {"role": "assistant", "content": "Rotate that key."}]})",
     R"({"messages": [{"role": "user", "content": "Why does my AWS key fail?"}, {"role": "assistant", "content": "Check its permissions."}]})"},
    {RuleId::kHtmlMarkup, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "<p>Hello&nbsp;there!</p>"}]})",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello there! In HTML a paragraph is `<p>…</p>`."}]})"},
    {RuleId::kMojibake, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Order a cafÃ© au lait"}, {"role": "assistant", "content": "Itâ€™s ordered."}]})",
     R"({"messages": [{"role": "user", "content": "Order a café au lait"}, {"role": "assistant", "content": "It’s ordered."}]})"},
    {RuleId::kRefusalBoilerplate, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Is Rust fast?"}, {"role": "assistant", "content": "As an AI language model, I think Rust is fast."}]})",
     R"({"messages": [{"role": "user", "content": "Is Rust fast?"}, {"role": "assistant", "content": "Yes: it compiles to native code without a garbage collector."}]})"},
    {RuleId::kRepeatedText, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Tips?"}, {"role": "assistant", "content": "Drink more water every day. Drink more water every day. Drink more water every day."}]})",
     R"({"messages": [{"role": "user", "content": "Tips?"}, {"role": "assistant", "content": "Drink more water every day. Sleep eight hours. Walk after meals."}]})"},
    {RuleId::kTruncatedResponse, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Show a loop"}, {"role": "assistant", "content": "Here:\n```python\nfor i in range(3):"}]})",
     R"({"messages": [{"role": "user", "content": "Show a loop"}, {"role": "assistant", "content": "Here:\n```python\nfor i in range(3):\n    print(i)\n```"}]})"},
    {RuleId::kWhitespacePadding, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!\n\n"}]})",
     R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]})"},
    {RuleId::kTooManyTokens, "validate and prepare (with --model or --max-tokens)", "text",
     "`tuneprep prepare chats.jsonl --model gpt-4o-mini` where one chat pastes a 300-page manual "
     "into a user turn: 210,000 tokens against the model's 65,536 per example.",
     "Split the conversation into smaller examples, or `prepare --truncate` to drop its trailing turns "
     "until it fits (it must still end with an assistant turn)."},
    {RuleId::kConflictingAnswers, "validate and prepare (dataset level)", "jsonl",
     "{\"prompt\": \"Capital of Australia?\", \"completion\": \"Canberra\"}\n"
     "{\"prompt\": \"Capital of Australia?\", \"completion\": \"Sydney\"}",
     "{\"prompt\": \"Capital of Australia?\", \"completion\": \"Canberra\"}\n"
     "{\"prompt\": \"Capital of Austria?\", \"completion\": \"Vienna\"}"},
    {RuleId::kKtoUndesirable, "analysis (validate, stats, prepare unless --to kto)", "text",
     "`tuneprep prepare kto.jsonl -o out` over KTO records, where "
     "`{\"messages\": [...], \"label\": false}` marks an answer not to imitate: written as a chat, it would be trained as a good one.",
     "`--to kto` keeps every record with its label (TRL's prompt/completion/label); the default "
     "`--to openai-chat` keeps the `label: true` records and rejects the others under this rule."},
    {RuleId::kSpecialTokenLiteral, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Say hi"}, {"role": "assistant", "content": "Hi!<|endoftext|>"}]})",
     R"({"messages": [{"role": "user", "content": "Say hi"}, {"role": "assistant", "content": "Hi!"}]})"},
    {RuleId::kPlaceholderInput, "schema", "jsonl",
     R"({"instruction": "Name a prime number.", "input": "No input", "output": "7"})",
     R"({"instruction": "Name a prime number.", "input": "", "output": "7"})"},
    {RuleId::kUnfilledTemplate, "checks", "jsonl",
     R"({"messages": [{"role": "user", "content": "Write to {{customer_name}} about the delay."}, {"role": "assistant", "content": "Dear customer, ..."}]})",
     R"({"messages": [{"role": "user", "content": "Write to Ms Lee about the delay."}, {"role": "assistant", "content": "Dear Ms Lee, ..."}]})"},
};

constexpr bool docs_in_enum_order() {
  for (size_t i = 0; i < std::size(kDocs); ++i) {
    if (static_cast<size_t>(kDocs[i].id) != i) return false;
  }
  return std::size(kDocs) == kRuleCount;
}
static_assert(docs_in_enum_order(), "kDocs must document every RuleId in enum order");

void append_example(std::string& out, std::string_view label, std::string_view format, std::string_view text) {
  out += label;
  if (format == "text") {
    out += ' ';
    out += text;
    out += "\n\n";
    return;
  }
  out += "\n\n```";
  out += format;
  out += '\n';
  out += text;
  out += "\n```\n\n";
}

}  // namespace

std::span<const RuleDoc> rule_docs() { return kDocs; }

const RuleDoc& rule_doc(RuleId id) { return kDocs[static_cast<size_t>(id)]; }

std::string render_rules_markdown() {
  std::string out =
      "# Rules\n\n"
      "<!-- Generated by `tuneprep rules --markdown` from the rule registry (src/rules.cpp) and\n"
      "     src/rule_docs.cpp. Do not edit by hand: a test fails when this file and the registry differ. -->\n\n"
      "Every finding of `tuneprep validate` and every rejection of `tuneprep prepare` names one of these\n"
      "rules. The id is stable: use it in `--enable`, `--disable`, `--severity ID=LEVEL` and in the\n"
      "`[rules]` table of `tuneprep.toml`. An error rejects the record; warnings and infos are reported\n"
      "(`validate --strict` fails on warnings too). `tuneprep rules` prints this list; `--json` as JSON Lines.\n\n"
      "Rules with a safe fix say so; `prepare --fix ID,...` (or `--fix safe`) applies those fixes instead\n"
      "of rejecting the record.\n\n"
      "| id | severity | fix |\n|---|---|---|\n";
  for (const RuleInfo& rule : all_rules()) {
    out += fmt::format("| [{}](#{}) | {} | {} |\n", rule.name, rule.name, severity_name(rule.default_severity),
                       rule.fix.empty() ? std::string_view("—") : rule.fix);
  }
  for (const RuleInfo& rule : all_rules()) {
    const RuleDoc& doc = rule_doc(rule.id);
    out += fmt::format("\n## {}\n\n**Severity:** {} · **Checked by:** {}\n\n{}.\n\n", rule.name,
                       severity_name(rule.default_severity), doc.checked_by, rule.description);
    append_example(out, "Bad:", doc.example_format, doc.bad);
    append_example(out, "Good:", doc.example_format, doc.good);
    if (rule.fix.empty()) {
      out += "**Fix:** none automatic.\n";
    } else {
      out += fmt::format("**Fix** (`--fix {}`): {}.\n", rule.name, rule.fix);
    }
  }
  return out;
}

}  // namespace tuneprep
