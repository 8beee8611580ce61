// Unit tests of RuleChecker and the raw-record and dataset-level checks: per rule, an input that
// triggers it and one that does not, with exact messages and pointers.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tuneprep/checks.hpp"

using namespace tuneprep;

namespace {

Message msg(Role role, std::optional<std::string> content) {
  Message m;
  m.role = role;
  m.content = std::move(content);
  return m;
}
Message user(std::string text) { return msg(Role::kUser, std::move(text)); }
Message assistant(std::string text) { return msg(Role::kAssistant, std::move(text)); }
Message system_msg(std::string text) { return msg(Role::kSystem, std::move(text)); }

Example chat(std::vector<Message> messages) {
  Example e;
  e.messages = std::move(messages);
  return e;
}

// "rule-id pointer: message" per diagnostic, for exact comparisons.
std::vector<std::string> run(const Example& e, RuleConfig config = {}) {
  RuleChecker checker(std::move(config));
  std::vector<Diagnostic> out;
  checker.check(e, out);
  std::vector<std::string> lines;
  for (const Diagnostic& d : out) {
    lines.push_back(std::string(rule_name(d.rule)) + " " + d.pointer + ": " + d.message);
  }
  return lines;
}

// Only the given rule enabled, to test one rule at a time.
RuleConfig only(RuleId id) {
  RuleConfig config;
  for (const RuleInfo& r : all_rules()) config.set_enabled(r.id, r.id == id);
  return config;
}

std::vector<std::string> run_only(RuleId id, const Example& e) { return run(e, only(id)); }

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("a clean chat example produces no diagnostics") {
  Example e = chat({system_msg("You are terse."), user("What is 2+2?"), assistant("4.")});
  CHECK(run(e) == Lines{});
}

TEST_CASE("last-message-not-assistant flags turns after the last assistant message") {
  CHECK(run_only(RuleId::kLastMessageNotAssistant, chat({user("a"), assistant("b"), user("c")})) ==
        Lines{"last-message-not-assistant /messages/2: 1 message after the last assistant message is not trained on"});
  CHECK(run_only(RuleId::kLastMessageNotAssistant, chat({user("a"), assistant("b")})) == Lines{});
  // Without any assistant message, no-assistant-message (Normalizer) is the finding.
  CHECK(run_only(RuleId::kLastMessageNotAssistant, chat({user("a")})) == Lines{});
}

TEST_CASE("system-not-first flags a system message after the conversation started") {
  CHECK(run_only(RuleId::kSystemNotFirst, chat({user("a"), system_msg("s"), assistant("b")})) ==
        Lines{"system-not-first /messages/1/role: system message at position 1 comes after the conversation started"});
  CHECK(run_only(RuleId::kSystemNotFirst, chat({system_msg("s"), user("a"), assistant("b")})) == Lines{});
}

TEST_CASE("consecutive-same-role flags adjacent same roles but not parallel tool results") {
  CHECK(run_only(RuleId::kConsecutiveSameRole, chat({user("a"), user("b"), assistant("c")})) ==
        Lines{"consecutive-same-role /messages/1/role: messages 0 and 1 are both user messages"});
  Message call = assistant("");
  call.content.reset();
  call.tool_calls_json =
      R"([{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}},{"id":"c2","type":"function","function":{"name":"f","arguments":"{}"}}])";
  Message r1 = msg(Role::kTool, "1");
  r1.tool_call_id = "c1";
  Message r2 = msg(Role::kTool, "2");
  r2.tool_call_id = "c2";
  CHECK(run_only(RuleId::kConsecutiveSameRole, chat({user("a"), call, r1, r2, assistant("done")})) == Lines{});
}

TEST_CASE("invalid-weight flags weights other than 0/1 and weights on non-assistant messages") {
  Message a = assistant("x");
  a.weight = 2;
  Message u = user("q");
  u.weight = 1;
  CHECK(run_only(RuleId::kInvalidWeight, chat({u, a})) ==
        Lines{"invalid-weight /messages/0/weight: weight is only allowed on assistant messages (this is a user message)",
              "invalid-weight /messages/1/weight: weight must be 0 or 1, not 2"});
  Message ok = assistant("x");
  ok.weight = 0;
  Message ok2 = assistant("y");
  ok2.weight = 1;
  CHECK(run_only(RuleId::kInvalidWeight, chat({user("q"), ok, user("r"), ok2})) == Lines{});
}

TEST_CASE("all-weights-zero flags an example with nothing to train") {
  Message a = assistant("x");
  a.weight = 0;
  CHECK(run_only(RuleId::kAllWeightsZero, chat({user("q"), a})) ==
        Lines{"all-weights-zero /messages: every assistant message has weight 0: nothing would be trained"});
  Message b = assistant("y");  // no weight: trained
  CHECK(run_only(RuleId::kAllWeightsZero, chat({user("q"), a, user("r"), b})) == Lines{});
}

TEST_CASE("invalid-tool-call checks shapes, arguments JSON and declared tools") {
  Message call = msg(Role::kAssistant, std::nullopt);
  call.tool_calls_json =
      R"([{"id":"c1","type":"function","function":{"name":"get","arguments":"{\"a\":1"}},)"
      R"({"type":"tool","function":{"name":"nope","arguments":"[1]"}},)"
      R"({"id":"c3","type":"function","function":{"arguments":{"a":1}}},)"
      R"(7])";
  Example e = chat({user("q"), call});
  e.tools_json = R"([{"type":"function","function":{"name":"get","parameters":{}}}])";
  CHECK(run_only(RuleId::kInvalidToolCall, e) ==
        Lines{"invalid-tool-call /messages/1/tool_calls/0/function/arguments: arguments are not valid JSON "
              "(The JSON document has an improper structure: missing or superfluous commas, braces, missing keys, etc.)",
              "invalid-tool-call /messages/1/tool_calls/1: tool call has no id",
              "invalid-tool-call /messages/1/tool_calls/1/type: tool call type must be \"function\"",
              "invalid-tool-call /messages/1/tool_calls/1/function/name: calls function 'nope' that the example's tools do not declare",
              "invalid-tool-call /messages/1/tool_calls/1/function/arguments: arguments must encode a JSON object",
              "invalid-tool-call /messages/1/tool_calls/2/function: function has no name",
              "invalid-tool-call /messages/1/tool_calls/2/function/arguments: arguments must be a string holding JSON",
              "invalid-tool-call /messages/1/tool_calls/3: a tool call must be an object"});

  Message good = msg(Role::kAssistant, std::nullopt);
  good.tool_calls_json = R"([{"id":"c1","type":"function","function":{"name":"get","arguments":"{\"a\":1}"}}])";
  Message result = msg(Role::kTool, "42");
  result.tool_call_id = "c1";
  Example ok = chat({user("q"), good, result, assistant("It is 42.")});
  ok.tools_json = e.tools_json;
  CHECK(run(ok, only(RuleId::kInvalidToolCall)) == Lines{});

  Message on_user = user("q");
  on_user.function_call_json = R"({"name":"f","arguments":"{}"})";
  on_user.tool_calls_json = "[]";
  CHECK(run_only(RuleId::kInvalidToolCall, chat({on_user, assistant("a")})) ==
        Lines{"invalid-tool-call /messages/0/tool_calls: only assistant messages can carry tool_calls (this is a user message)",
              "invalid-tool-call /messages/0/tool_calls: tool_calls is empty"});
}

TEST_CASE("tool-message-without-call flags orphan tool results and unknown call ids") {
  Message orphan = msg(Role::kTool, "42");
  CHECK(run_only(RuleId::kToolMessageWithoutCall, chat({user("q"), orphan, assistant("a")})) ==
        Lines{"tool-message-without-call /messages/1: tool message does not follow an assistant message with tool_calls"});
  Message call = msg(Role::kAssistant, std::nullopt);
  call.tool_calls_json = R"([{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}])";
  Message wrong = msg(Role::kTool, "42");
  wrong.tool_call_id = "c9";
  CHECK(run_only(RuleId::kToolMessageWithoutCall, chat({user("q"), call, wrong, assistant("a")})) ==
        Lines{"tool-message-without-call /messages/2/tool_call_id: tool_call_id 'c9' matches no tool call of the preceding assistant message"});
  Message right = msg(Role::kTool, "42");
  right.tool_call_id = "c1";
  CHECK(run_only(RuleId::kToolMessageWithoutCall, chat({user("q"), call, right, assistant("a")})) == Lines{});
}

TEST_CASE("missing-system-message and missing-user-message report coverage as info") {
  RuleConfig config = only(RuleId::kMissingSystemMessage);
  config.set_enabled(RuleId::kMissingUserMessage, true);
  CHECK(run(chat({assistant("hello")}), config) ==
        Lines{"missing-system-message /messages: the example has no system message",
              "missing-user-message /messages: the example has no user message"});
  CHECK(run(chat({system_msg("s"), user("u"), assistant("a")}), config) == Lines{});
  RuleChecker checker(config);
  std::vector<Diagnostic> out;
  checker.check(chat({user("u"), assistant("a")}), out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].severity == Severity::kInfo);
}

namespace {
Example pair(std::vector<Message> preferred, std::vector<Message> rejected) {
  Example e;
  e.kind = ExampleKind::kPreference;
  e.format = SourceFormat::kDpoOpenAi;
  e.messages = {system_msg("s"), user("Which is larger, 3 or 5?")};
  e.preferred = std::move(preferred);
  e.non_preferred = std::move(rejected);
  return e;
}
}  // namespace

TEST_CASE("a clean preference pair produces no diagnostics") {
  CHECK(run(pair({assistant("5 is larger.")}, {assistant("3 is larger.")})) == Lines{});
}

TEST_CASE("dpo-missing-output flags an empty preferred or non-preferred output") {
  CHECK(run_only(RuleId::kDpoMissingOutput, pair({}, {assistant("x")})) ==
        Lines{"dpo-missing-output /preferred_output: the preferred output is empty"});
  CHECK(run_only(RuleId::kDpoMissingOutput, pair({assistant("y")}, {})) ==
        Lines{"dpo-missing-output /non_preferred_output: the non-preferred output is empty"});
  CHECK(run_only(RuleId::kDpoMissingOutput, pair({assistant("y")}, {assistant("x")})) == Lines{});
}

TEST_CASE("dpo-identical-outputs flags outputs with nothing to prefer") {
  CHECK(run_only(RuleId::kDpoIdenticalOutputs, pair({assistant("5")}, {assistant("5")})) ==
        Lines{"dpo-identical-outputs /non_preferred_output: the preferred and non-preferred outputs are identical"});
  CHECK(run_only(RuleId::kDpoIdenticalOutputs, pair({assistant("5")}, {assistant("3")})) == Lines{});
}

TEST_CASE("dpo-output-not-assistant flags output messages of other roles") {
  CHECK(run_only(RuleId::kDpoOutputNotAssistant, pair({user("5")}, {assistant("3")})) ==
        Lines{"dpo-output-not-assistant /preferred_output/0/role: output message is a user message, not an assistant message"});
  CHECK(run_only(RuleId::kDpoOutputNotAssistant, pair({assistant("5")}, {assistant("3")})) == Lines{});
}

TEST_CASE("preference prompts use /input/messages pointers and content rules reach outputs") {
  Example e = pair({assistant("Mail me at jane.doe@gmail.com")}, {assistant("5")});
  e.messages.push_back(user("again"));
  CHECK(run(e) == Lines{"consecutive-same-role /input/messages/2/role: messages 1 and 2 are both user messages",
                        "pii-email /preferred_output/0/content: content contains an e-mail address (j…@gmail.com)"});
}

namespace {
std::vector<std::string> content_rule(RuleId id, std::string text, Role role = Role::kAssistant) {
  return run_only(id, chat({user("q"), msg(role, std::move(text))}));
}
}  // namespace

TEST_CASE("control-character flags C0 and C1 controls but not tab, LF, CR") {
  CHECK(content_rule(RuleId::kControlCharacter, std::string("a\x01" "b", 3)) ==
        Lines{"control-character /messages/1/content: content contains a control character (U+0001)"});
  CHECK(content_rule(RuleId::kControlCharacter, std::string("a\0b", 3)) ==
        Lines{"control-character /messages/1/content: content contains a control character (U+0000)"});
  CHECK(content_rule(RuleId::kControlCharacter, "a\xC2\x85" "b") ==
        Lines{"control-character /messages/1/content: content contains a control character (U+0085)"});
  CHECK(content_rule(RuleId::kControlCharacter, "tab\there\r\nline") == Lines{});
}

TEST_CASE("control-character alone (no Vectorscan scan) finds controls in any message") {
  // With only byte-class rules enabled each content is scanned where it lies: a control in a
  // later message, or in two, must still be found in each.
  CHECK(run_only(RuleId::kControlCharacter,
                 chat({user("plain"), assistant("fine"), user(std::string("x\x01y", 3)), assistant("ok")})) ==
        Lines{"control-character /messages/2/content: content contains a control character (U+0001)"});
  CHECK(run_only(RuleId::kControlCharacter,
                 chat({user(std::string("a\x02", 2)), assistant("fine"), user("q"), assistant(std::string("\x03z", 2))})) ==
        Lines{"control-character /messages/0/content: content contains a control character (U+0002)",
              "control-character /messages/3/content: content contains a control character (U+0003)"});
  RuleConfig byte_classes = only(RuleId::kControlCharacter);  // card numbers are a digit-run scan too
  byte_classes.set_enabled(RuleId::kPiiCreditCard, true);
  CHECK(run(chat({user("card 4111 1111 1111 1111 exp 12/29"), assistant("fine"), user(std::string("x\x01y", 3)),
                  assistant("ok")}),
            byte_classes) ==
        Lines{"pii-credit-card /messages/0/content: content contains a payment card number (ending in 1111)",
              "control-character /messages/2/content: content contains a control character (U+0001)"});
  RuleConfig with_email = only(RuleId::kControlCharacter);
  with_email.set_enabled(RuleId::kPiiEmail, true);  // the joined Vectorscan scan: the same finding
  CHECK(run(chat({user("plain"), assistant("fine"), user(std::string("x\x01y", 3)), assistant("ok")}), with_email) ==
        Lines{"control-character /messages/2/content: content contains a control character (U+0001)"});
}

TEST_CASE("pii-email flags addresses but not reserved example domains") {
  CHECK(content_rule(RuleId::kPiiEmail, "Write to john.smith+x@mail.co.uk today.") ==
        Lines{"pii-email /messages/1/content: content contains an e-mail address (j…@mail.co.uk)"});
  CHECK(content_rule(RuleId::kPiiEmail, "Use user@example.com or a@b.test in docs, @mentions too.") == Lines{});
}

TEST_CASE("pii-phone flags phone numbers but not dates, versions or IP addresses") {
  CHECK(content_rule(RuleId::kPiiPhone, "Call (555) 867-5309 now") ==
        Lines{"pii-phone /messages/1/content: content contains a phone number (ending in 5309)"});
  CHECK(content_rule(RuleId::kPiiPhone, "UK office: +44 20 7946 0958.") ==
        Lines{"pii-phone /messages/1/content: content contains a phone number (ending in 0958)"});
  CHECK(content_rule(RuleId::kPiiPhone,
                     "On 2023-10-15 version 1.555.123.4567 ran at 192.168.100.200, id 5551234567890, 555-555-5555.") ==
        Lines{});
}

TEST_CASE("pii-credit-card flags Luhn-valid card numbers only") {
  CHECK(content_rule(RuleId::kPiiCreditCard, "card 4111 1111 1111 1111 exp 12/29") ==
        Lines{"pii-credit-card /messages/1/content: content contains a payment card number (ending in 1111)"});
  CHECK(content_rule(RuleId::kPiiCreditCard, "amex 3782-822463-10005.") ==
        Lines{"pii-credit-card /messages/1/content: content contains a payment card number (ending in 0005)"});
  CHECK(content_rule(RuleId::kPiiCreditCard, "4111111111111111") ==
        Lines{"pii-credit-card /messages/1/content: content contains a payment card number (ending in 1111)"});
  // Luhn fails; all same digit; mixed separators; too long.
  CHECK(content_rule(RuleId::kPiiCreditCard,
                     "4111 1111 1111 1112, 4444 4444 4444 4444, 4111-1111 1111-1111, 41111111111111112222") ==
        Lines{});
}

TEST_CASE("secret-key flags provider key formats and private key blocks, not placeholders") {
  CHECK(content_rule(RuleId::kSecretKey, "key=sk-proj-4f9Qa7Lm2Xc8Vb1Nz6Kp3Rt5Yw0Hd") ==
        Lines{"secret-key /messages/1/content: content contains an OpenAI-style API key (sk-p…)"});
  CHECK(content_rule(RuleId::kSecretKey, "aws AKIA2E0A8F3B244C9986 ok") ==
        Lines{"secret-key /messages/1/content: content contains an AWS access key id (AKIA…)"});
  CHECK(content_rule(RuleId::kSecretKey, "ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R") ==
        Lines{"secret-key /messages/1/content: content contains a GitHub token (ghp_…)"});
  CHECK(content_rule(RuleId::kSecretKey, "xoxb-2951-8173-Qm4nV7pX2kL9") ==
        Lines{"secret-key /messages/1/content: content contains a Slack token (xoxb…)"});
  CHECK(content_rule(RuleId::kSecretKey, "AIzaSyD4f8Gh2Jk6Lm0Np3Qr7St1Uv5Wx9Yz2Ab") ==
        Lines{"secret-key /messages/1/content: content contains a Google API key (AIza…)"});
  CHECK(content_rule(RuleId::kSecretKey, "stripe sk_live_51Hc8Gq2eZvKYlo2C0a1b2c3d") ==
        Lines{"secret-key /messages/1/content: content contains a Stripe live key (sk_l…)"});
  CHECK(content_rule(RuleId::kSecretKey, "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...") ==
        Lines{"secret-key /messages/1/content: content contains a private key block"});
  CHECK(content_rule(RuleId::kSecretKey,
                     "Set OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxx or sk-your-key-goes-here-1234567 "
                     "(AKIAIOSFODNN7EXAMPLE), risk-management-framework-2024-edition, -----BEGIN PUBLIC KEY-----") ==
        Lines{});
}

TEST_CASE("html-markup flags tags and entities outside Markdown code") {
  CHECK(content_rule(RuleId::kHtmlMarkup, "Hello<br/>world") ==
        Lines{"html-markup /messages/1/content: content contains an HTML tag (<br/>)"});
  CHECK(content_rule(RuleId::kHtmlMarkup, "Fish &amp; chips") ==
        Lines{"html-markup /messages/1/content: content contains an HTML entity (&amp;)"});
  CHECK(content_rule(RuleId::kHtmlMarkup,
                     "Use `<div>` here:\n```html\n<p class=\"x\">hi</p>\n```\nand 3 < 4 > 2 & so on.") ==
        Lines{});
}

TEST_CASE("mojibake flags UTF-8 decoded as Latin-1 or cp1252 and U+FFFD") {
  CHECK(content_rule(RuleId::kMojibake, "cafÃ© au lait") ==
        Lines{"mojibake /messages/1/content: content contains mojibake (Ã©)"});
  CHECK(content_rule(RuleId::kMojibake, "it\xE2\x80\x99s") == Lines{});  // a real ’
  CHECK(content_rule(RuleId::kMojibake, "itâ€™s") ==
        Lines{"mojibake /messages/1/content: content contains mojibake (â€™)"});
  CHECK(content_rule(RuleId::kMojibake, "bad \xEF\xBF\xBD byte") ==
        Lines{"mojibake /messages/1/content: content contains mojibake (\xEF\xBF\xBD)"});
  CHECK(content_rule(RuleId::kMojibake, "café, SÃO PAULO, Ångström, naïve") == Lines{});
}

TEST_CASE("refusal-boilerplate flags assistant boilerplate only") {
  CHECK(content_rule(RuleId::kRefusalBoilerplate, "As an AI language model, I cannot do that.") ==
        Lines{"refusal-boilerplate /messages/1/content: content contains assistant boilerplate (As an AI language model)"});
  CHECK(content_rule(RuleId::kRefusalBoilerplate, "I’m just an AI, so no.") ==
        Lines{"refusal-boilerplate /messages/1/content: content contains assistant boilerplate (I’m just an AI)"});
  CHECK(content_rule(RuleId::kRefusalBoilerplate, "As an AI language model, summarise this.", Role::kUser) == Lines{});
  CHECK(content_rule(RuleId::kRefusalBoilerplate, "Paris is the capital of France.") == Lines{});
}

TEST_CASE("repeated-text flags sentence loops and word stutter, not code") {
  std::string looped = "Sure. ";
  for (int i = 0; i < 3; ++i) looped += "The answer depends on the context. ";
  CHECK(content_rule(RuleId::kRepeatedText, looped) ==
        Lines{"repeated-text /messages/1/content: response repeats \"The answer depends on the context.\" 3 or more times"});
  CHECK(content_rule(RuleId::kRepeatedText, "no no no no no no no no no") ==
        Lines{"repeated-text /messages/1/content: response repeats the word \"no\" 8 or more times in a row"});
  std::string code = "Here:\n```\n";
  for (int i = 0; i < 4; ++i) code += "    result = compute_value(x, y, z);\n";
  code += "```\nMatrix: 0 0 0 0 0 0 0 0 0 0. The answer depends on the context. The answer depends on the context.";
  CHECK(content_rule(RuleId::kRepeatedText, code) == Lines{});
}

TEST_CASE("truncated-response flags responses cut off mid-sentence or in a code block") {
  CHECK(content_rule(RuleId::kTruncatedResponse, "Here is the code:\n```python\nprint(1)\n") ==
        Lines{"truncated-response /messages/1/content: response ends inside an unclosed code block"});
  CHECK(content_rule(RuleId::kTruncatedResponse, "The steps are: first, second,") ==
        Lines{"truncated-response /messages/1/content: response ends with ',' as if cut off"});
  CHECK(content_rule(RuleId::kTruncatedResponse,
                     "Photosynthesis turns light into chemical energy. Plants use it to grow. The process "
                     "mainly happens in the leaves, where the chloroplasts") ==
        Lines{"truncated-response /messages/1/content: response ends mid-sentence"});
  CHECK(content_rule(RuleId::kTruncatedResponse,
                     "Photosynthesis turns light into chemical energy. Plants use it to grow. Sources:\n"
                     "- plant biology textbooks\n- https://en.wikipedia.org/wiki/photosynthesis") == Lines{});
  CHECK(content_rule(RuleId::kTruncatedResponse, "Paris") == Lines{});
  CHECK(content_rule(RuleId::kTruncatedResponse, "Done:\n```\nx = 1\n```") == Lines{});
}

TEST_CASE("whitespace-padding flags leading or trailing whitespace, not blank content") {
  CHECK(content_rule(RuleId::kWhitespacePadding, " hi\n", Role::kUser) ==
        Lines{"whitespace-padding /messages/1/content: content has leading and trailing whitespace"});
  CHECK(content_rule(RuleId::kWhitespacePadding, "hi\n") ==
        Lines{"whitespace-padding /messages/1/content: content has trailing whitespace"});
  CHECK(content_rule(RuleId::kWhitespacePadding, "   ") == Lines{});
  CHECK(content_rule(RuleId::kWhitespacePadding, "a b") == Lines{});
}

TEST_CASE("severity overrides and disabled rules apply inside RuleChecker") {
  RuleConfig config;
  config.set_severity(RuleId::kPiiEmail, Severity::kError);
  config.set_enabled(RuleId::kWhitespacePadding, false);
  RuleChecker checker(config);
  std::vector<Diagnostic> out;
  checker.check(chat({system_msg("s"), user("me@corp.io "), assistant("ok")}), out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].rule == RuleId::kPiiEmail);
  CHECK(out[0].severity == Severity::kError);
}

TEST_CASE("check_unknown_keys reports keys the shape does not define, with pointers") {
  std::vector<Diagnostic> out;
  check_unknown_keys(
      R"({"messages":[{"role":"user","content":"a","lang":"en"},{"r\u006fle":"assistant","content":"b"}],"meta/x":1})",
      SourceFormat::kOpenAiChat, RuleConfig{}, out);
  REQUIRE(out.size() == 2);
  CHECK(out[0].pointer == "/messages/0/lang");
  CHECK(out[0].message == "unknown key \"lang\" in message 0 (not part of the openai-chat format; dropped on output)");
  CHECK(out[0].severity == Severity::kWarning);
  CHECK(out[1].pointer == "/meta~1x");
  CHECK(out[1].message == "unknown key \"meta/x\" (not part of the openai-chat format; dropped on output)");

  out.clear();
  check_unknown_keys(
      R"({"input":{"messages":[{"role":"user","content":"q","x":1}],"seed":3},"preferred_output":[{"role":"assistant","content":"a","score":1}],"non_preferred_output":[{"role":"assistant","content":"b"}]})",
      SourceFormat::kDpoOpenAi, RuleConfig{}, out);
  REQUIRE(out.size() == 3);
  CHECK(out[0].pointer == "/input/messages/0/x");
  CHECK(out[1].pointer == "/input/seed");
  CHECK(out[1].message == "unknown key \"seed\" in input (not part of the dpo format; dropped on output)");
  CHECK(out[2].pointer == "/preferred_output/0/score");

  out.clear();
  check_unknown_keys(R"({"conversations":[{"from":"human","value":"q","lang":"en"}],"id":"7"})",
                     SourceFormat::kShareGpt, RuleConfig{}, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].pointer == "/conversations/0/lang");

  out.clear();
  check_unknown_keys(R"({"prompt":"a","completion":"b"})", SourceFormat::kPromptCompletion, RuleConfig{}, out);
  check_unknown_keys(R"({"instruction":"a","input":"","output":"b"})", SourceFormat::kAlpaca, RuleConfig{}, out);
  check_unknown_keys(R"({"messages":[{"role":"user")", SourceFormat::kOpenAiChat, RuleConfig{}, out);  // truncated
  check_unknown_keys("not json", SourceFormat::kOpenAiChat, RuleConfig{}, out);
  CHECK(out.empty());
}

TEST_CASE("check_bom_or_crlf reports a BOM or a CR as info on the record start") {
  std::vector<Diagnostic> out;
  check_bom_or_crlf("\xEF\xBB\xBF{\"a\":1}", RuleConfig{}, out);
  check_bom_or_crlf("{\"a\":1}\r", RuleConfig{}, out);
  check_bom_or_crlf("{\"a\":1}", RuleConfig{}, out);
  REQUIRE(out.size() == 2);
  CHECK(out[0].message == "record starts with a byte-order mark (U+FEFF)");
  CHECK(out[0].severity == Severity::kInfo);
  CHECK(out[0].pointer.empty());
  CHECK(out[1].message == "record has a CR LF line end");
}

TEST_CASE("too-few-examples is an error under 10 and a warning under 50") {
  RuleConfig config;
  auto nine = check_example_count(9, config);
  REQUIRE(nine);
  CHECK(nine->severity == Severity::kError);
  CHECK(nine->message == "the dataset has 9 examples; fine-tuning needs at least 10");
  auto one = check_example_count(1, config);
  REQUIRE(one);
  CHECK(one->message == "the dataset has 1 example; fine-tuning needs at least 10");
  auto ten = check_example_count(10, config);
  REQUIRE(ten);
  CHECK(ten->severity == Severity::kWarning);
  CHECK(ten->message == "the dataset has 10 examples; at least 50 are recommended");
  CHECK_FALSE(check_example_count(50, config).has_value());
  config.set_severity(RuleId::kTooFewExamples, Severity::kInfo);
  CHECK(check_example_count(3, config)->severity == Severity::kInfo);
  CHECK(config.apply(*nine));
  CHECK(nine->severity == Severity::kInfo);
  config.set_enabled(RuleId::kTooFewExamples, false);
  CHECK_FALSE(check_example_count(3, config).has_value());
}

TEST_CASE("duplicate-example points at the first occurrence") {
  auto d = duplicate_example_diagnostic("data/a.jsonl", 12, RuleConfig{});
  REQUIRE(d);
  CHECK(d->rule == RuleId::kDuplicateExample);
  CHECK(d->severity == Severity::kWarning);
  CHECK(d->message == "exact duplicate of the example at data/a.jsonl:12");
}
