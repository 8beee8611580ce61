// Unit tests of the schema module: shape detection, normalization, structural checks, writers.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <simdjson.h>

#include "tuneprep/rules.hpp"
#include "tuneprep/schema.hpp"

using namespace tuneprep;

namespace {

// A JSON record as a reader produces it: capacity leaves room for simdjson's padding.
Record json_record(std::string_view text, uint64_t line = 1) {
  Record record;
  record.source.line = line;
  record.text.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  record.text.assign(text);
  return record;
}

NormalizeResult normalize(std::string_view text, NormalizeOptions options = {}) {
  Normalizer normalizer(std::move(options));
  return normalizer.normalize(json_record(text));
}

// "rule@pointer" per diagnostic, in order: compact exact assertions over all findings.
std::vector<std::string> findings(const NormalizeResult& result) {
  std::vector<std::string> out;
  for (const Diagnostic& d : result.diagnostics) {
    out.push_back(std::string(rule_info(d.rule).name) + "@" + d.pointer);
  }
  return out;
}

Message text_message(Role role, std::string content) {
  Message message;
  message.role = role;
  message.content = std::move(content);
  return message;
}

std::string write(const Example& example, OutputFormat format) {
  std::string out;
  auto diagnostic = write_example(example, format, out);
  if (diagnostic) return "not-convertible: " + diagnostic->message;
  return out;
}

std::vector<std::string> read_lines(const std::string& name) {
  std::ifstream file(std::string(TUNEPREP_TEST_DATA) + "/public/" + name, std::ios::binary);
  REQUIRE(file.good());
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(file, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace

TEST_CASE("format names round-trip") {
  for (auto name : {"auto", "openai-chat", "prompt-completion", "alpaca", "sharegpt", "dpo", "csv"}) {
    CHECK(input_shape_from_name(name).has_value());
  }
  CHECK_FALSE(input_shape_from_name("jsonl").has_value());
  for (auto format : {OutputFormat::kOpenAiChat, OutputFormat::kPromptCompletion, OutputFormat::kDpo}) {
    CHECK(output_format_from_name(output_format_name(format)) == format);
  }
  CHECK_FALSE(output_format_from_name("alpaca").has_value());
}

TEST_CASE("openai chat record maps every message field") {
  auto result = normalize(
      R"({"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi","name":"ann"},)"
      R"({"role":"assistant","content":"Hello","weight":0},{"role":"assistant","content":null,)"
      R"("tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},)"
      R"({"role":"tool","tool_call_id":"c1","content":"42"},{"role":"assistant","content":"It is 42.","weight":1}],)"
      R"("tools":[{"type":"function","function":{"name":"f"}}],"parallel_tool_calls":false})");
  REQUIRE(result.diagnostics.empty());
  REQUIRE(result.example);
  const Example& e = *result.example;
  CHECK(e.kind == ExampleKind::kChat);
  CHECK(e.format == SourceFormat::kOpenAiChat);
  REQUIRE(e.messages.size() == 6);
  CHECK(e.messages[0].role == Role::kSystem);
  CHECK(e.messages[1].name == "ann");
  CHECK(e.messages[2].weight == 0);
  CHECK_FALSE(e.messages[3].content.has_value());
  CHECK(e.messages[3].tool_calls_json == R"([{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}])");
  CHECK(e.messages[4].role == Role::kTool);
  CHECK(e.messages[4].tool_call_id == "c1");
  CHECK(e.messages[5].weight == 1);
  CHECK(e.tools_json == R"([{"type":"function","function":{"name":"f"}}])");
  CHECK(e.parallel_tool_calls == false);
}

TEST_CASE("content parts keep their JSON and join their text") {
  auto result = normalize(
      R"({"messages":[{"role":"user","content":[{"type":"text","text":"What is"},)"
      R"({"type":"image_url","image_url":{"url":"https://x/y.png"}},{"type":"text","text":"this?"}]},)"
      R"({"role":"assistant","content":"A cat."}]})");
  REQUIRE(result.diagnostics.empty());
  const Message& user = result.example->messages[0];
  CHECK(*user.content == "What is\nthis?");
  CHECK(user.content_parts_json ==
        R"([{"type":"text","text":"What is"},{"type":"image_url","image_url":{"url":"https://x/y.png"}},{"type":"text","text":"this?"}])");
}

TEST_CASE("an image-only message is not empty content, a part without text is reported") {
  auto image = normalize(
      R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"u"}}]},)"
      R"({"role":"assistant","content":"ok"}]})");
  CHECK(image.diagnostics.empty());
  auto broken = normalize(
      R"({"messages":[{"role":"user","content":[{"type":"text"},{"text":"x"},7]},{"role":"assistant","content":"ok"}]})");
  CHECK(findings(broken) == std::vector<std::string>{"missing-field@/messages/0/content/0/text",
                                                     "missing-field@/messages/0/content/1/type",
                                                     "wrong-type@/messages/0/content/2"});
}

TEST_CASE("public tool-call datasets normalize without error") {
  for (const char* name : {"openai-chat-toolcall__msfoundry_stock_toolcall_training.jsonl",
                           "openai-chat-multiturn-tools__msfoundry_zava_tooluse_valid.jsonl"}) {
    Normalizer normalizer({});
    auto lines = read_lines(name);
    size_t tool_call_only = 0;
    for (size_t i = 0; i < lines.size(); ++i) {
      auto result = normalizer.normalize(json_record(lines[i], i + 1));
      INFO(name << " line " << i + 1);
      REQUIRE(result.diagnostics.empty());
      REQUIRE(result.example);
      CHECK_FALSE(result.example->tools_json.empty());
      const Message& last = result.example->messages.back();
      if (!last.content && !last.tool_calls_json.empty()) ++tool_call_only;
    }
    if (std::string_view(name).starts_with("openai-chat-toolcall")) {
      CHECK(lines.size() == 86);
      CHECK(tool_call_only == 36);  // the README's count of content-less tool-call targets
    } else {
      CHECK(lines.size() == 55);
      CHECK(tool_call_only == 55);
    }
  }
}

TEST_CASE("prompt-completion becomes user and assistant") {
  auto result = normalize(R"({"prompt":"Say hi","completion":" hi"})");
  REQUIRE(result.diagnostics.empty());
  const Example& e = *result.example;
  CHECK(e.format == SourceFormat::kPromptCompletion);
  REQUIRE(e.messages.size() == 2);
  CHECK(e.messages[0] == text_message(Role::kUser, "Say hi"));
  CHECK(e.messages[1] == text_message(Role::kAssistant, " hi"));
}

TEST_CASE("prompt-completion missing and mistyped fields name the field") {
  CHECK(findings(normalize(R"({"prompt":"x"})")) == std::vector<std::string>{"missing-field@/completion"});
  CHECK(findings(normalize(R"({"prompt":3,"completion":"   "})")) ==
        std::vector<std::string>{"wrong-type@/prompt", "empty-content@/completion"});
  auto result = normalize(R"({"prompt":3,"completion":"a"})");
  CHECK(result.diagnostics[0].message == "expected a string or a list of messages, found a number");
}

TEST_CASE("public prompt-completion dataset normalizes without error") {
  Normalizer normalizer({});
  auto lines = read_lines("prompt-completion__daveshap_moviescript_scripts.jsonl");
  CHECK(lines.size() == 200);
  for (const auto& line : lines) {
    auto result = normalizer.normalize(json_record(line));
    REQUIRE(result.diagnostics.empty());
    CHECK(result.example->format == SourceFormat::kPromptCompletion);
  }
}

TEST_CASE("alpaca joins instruction and input, keeps system and history") {
  auto result = normalize(
      R"({"system":"You translate.","history":[["Hi","Hello"],["One","Un"]],)"
      R"("instruction":"Translate to French","input":"Two","output":"Deux"})");
  REQUIRE(result.diagnostics.empty());
  const Example& e = *result.example;
  CHECK(e.format == SourceFormat::kAlpaca);
  std::vector<Message> expected = {
      text_message(Role::kSystem, "You translate."), text_message(Role::kUser, "Hi"),
      text_message(Role::kAssistant, "Hello"),       text_message(Role::kUser, "One"),
      text_message(Role::kAssistant, "Un"),          text_message(Role::kUser, "Translate to French\n\nTwo"),
      text_message(Role::kAssistant, "Deux")};
  CHECK(e.messages == expected);
}

TEST_CASE("alpaca with empty input uses the instruction alone; bad history pairs are reported") {
  auto plain = normalize(R"({"instruction":"Name a color","input":"","output":"Red"})");
  REQUIRE(plain.diagnostics.empty());
  CHECK(plain.example->messages[0] == text_message(Role::kUser, "Name a color"));
  auto bad = normalize(R"({"history":[["a"],["b",2]],"instruction":"","output":"x"})");
  CHECK(findings(bad) == std::vector<std::string>{"wrong-type@/history/0", "wrong-type@/history/1/1",
                                                  "empty-content@/instruction"});
}

TEST_CASE("public alpaca array elements normalize without error") {
  std::ifstream file(std::string(TUNEPREP_TEST_DATA) + "/public/alpaca-array__chinese_vicuna_merge_sample.json",
                     std::ios::binary);
  std::stringstream buffer;
  buffer << file.rdbuf();
  simdjson::padded_string json(buffer.str());
  simdjson::dom::parser parser;
  simdjson::dom::array array;
  REQUIRE(parser.parse(json).get_array().get(array) == simdjson::SUCCESS);
  Normalizer normalizer({});
  size_t count = 0;
  for (simdjson::dom::element element : array) {
    auto result = normalizer.normalize(json_record(simdjson::minify(element)));
    REQUIRE(result.diagnostics.empty());
    REQUIRE(result.example->messages.size() == 2);
    if (count == 0) {
      // A literal backslash-n next to a real newline: both kept as they are.
      CHECK(*result.example->messages[0].content == "用一句话描述地球为什么是独一无二的。\\n\n");
      CHECK(*result.example->messages[1].content == "地球上有适宜生命存在的条件和多样化的生命形式。");
    }
    ++count;
  }
  CHECK(count == 10);
}

TEST_CASE("sharegpt speakers map to roles") {
  auto result = normalize(
      R"({"conversations":[{"from":"system","value":"S"},{"from":"human","value":"Q"},)"
      R"({"from":"gpt","value":"A"},{"from":"User","value":"Q2"},{"from":"chatgpt","value":"A2"},)"
      R"({"from":"bing","value":"A3"},{"from":"bard","value":"A4"}]})");
  REQUIRE(result.diagnostics.empty());
  const Example& e = *result.example;
  CHECK(e.format == SourceFormat::kShareGpt);
  std::vector<Message> expected = {
      text_message(Role::kSystem, "S"),     text_message(Role::kUser, "Q"),
      text_message(Role::kAssistant, "A"),  text_message(Role::kUser, "Q2"),
      text_message(Role::kAssistant, "A2"), text_message(Role::kAssistant, "A3"),
      text_message(Role::kAssistant, "A4")};
  CHECK(e.messages == expected);
}

TEST_CASE("sharegpt under messages, with a top-level system prompt") {
  auto result = normalize(
      R"({"system":"Sys","messages":[{"from":"human","value":"Q"},{"from":"assistant","value":"A"}]})");
  REQUIRE(result.diagnostics.empty());
  CHECK(result.example->format == SourceFormat::kShareGpt);
  CHECK(result.example->messages ==
        std::vector<Message>{text_message(Role::kSystem, "Sys"), text_message(Role::kUser, "Q"),
                             text_message(Role::kAssistant, "A")});
}

TEST_CASE("sharegpt function_call and observation become tool_calls and a tool reply") {
  auto result = normalize(
      R"({"conversations":[{"from":"human","value":"Weather in Paris?"},)"
      R"({"from":"function_call","value":"{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}"},)"
      R"({"from":"observation","value":"{\"temp\": 21}"},{"from":"gpt","value":"21 degrees."}]})");
  REQUIRE(result.diagnostics.empty());
  const auto& m = result.example->messages;
  REQUIRE(m.size() == 4);
  CHECK(m[1].role == Role::kAssistant);
  CHECK_FALSE(m[1].content.has_value());
  CHECK(m[1].tool_calls_json ==
        R"([{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}])");
  CHECK(m[2].role == Role::kTool);
  CHECK(m[2].tool_call_id == "call_1");
  CHECK(*m[2].content == R"({"temp": 21})");
}

TEST_CASE("sharegpt unknown speaker, missing value and bad function_call are reported") {
  auto result = normalize(
      R"({"conversations":[{"from":"human","value":"Q"},{"from":"robot","value":"A"},{"from":"gpt"},)"
      R"({"from":"function_call","value":"not json"},{"value":"x"}]})");
  CHECK(findings(result) == std::vector<std::string>{"unknown-role@/conversations/1/from",
                                                     "wrong-type@/conversations/3/value",
                                                     "missing-field@/conversations/4/from",
                                                     "missing-content@/conversations/2/value"});
  CHECK(result.diagnostics[0].message ==
        "unknown ShareGPT speaker \"robot\" (expected human, gpt, system, tool, function_call or observation; --map user_tag=NAME and the like name others)");
}

TEST_CASE("openai dpo record becomes a preference example") {
  auto result = normalize(
      R"({"input":{"messages":[{"role":"user","content":"Q"}],"tools":[]},)"
      R"("preferred_output":[{"role":"assistant","content":"good"}],)"
      R"("non_preferred_output":[{"role":"assistant","content":"bad"}]})");
  REQUIRE(result.diagnostics.empty());
  const Example& e = *result.example;
  CHECK(e.kind == ExampleKind::kPreference);
  CHECK(e.format == SourceFormat::kDpoOpenAi);
  CHECK(e.messages == std::vector<Message>{text_message(Role::kUser, "Q")});
  CHECK(e.preferred == std::vector<Message>{text_message(Role::kAssistant, "good")});
  CHECK(e.non_preferred == std::vector<Message>{text_message(Role::kAssistant, "bad")});
  CHECK(e.tools_json == "[]");
}

TEST_CASE("openai dpo problems name their field") {
  CHECK(findings(normalize(R"({"input":{"messages":[{"role":"user","content":"Q"}]},"preferred_output":[]})")) ==
        std::vector<std::string>{"dpo-missing-output@/non_preferred_output", "dpo-missing-output@/preferred_output"});
  CHECK(findings(normalize(R"({"input":[],"preferred_output":[{"role":"assistant","content":""}],)"
                           R"("non_preferred_output":{}})")) ==
        std::vector<std::string>{"wrong-type@/input", "wrong-type@/non_preferred_output",
                                 "empty-content@/preferred_output/0/content"});
}

TEST_CASE("public dpo dataset normalizes without error") {
  Normalizer normalizer({});
  auto lines = read_lines("dpo-openai-preferred__msfoundry_orca_dpo_validation.jsonl");
  CHECK(lines.size() == 284);
  for (const auto& line : lines) {
    auto result = normalizer.normalize(json_record(line));
    REQUIRE(result.diagnostics.empty());
    CHECK(result.example->kind == ExampleKind::kPreference);
    CHECK(result.example->messages.front().role == Role::kSystem);
  }
}

TEST_CASE("prompt/chosen/rejected strings become a preference pair") {
  auto result = normalize(R"({"prompt":"Q","chosen":"good","rejected":"bad"})");
  REQUIRE(result.diagnostics.empty());
  const Example& e = *result.example;
  CHECK(e.format == SourceFormat::kPreferencePrompt);
  CHECK(e.messages == std::vector<Message>{text_message(Role::kUser, "Q")});
  CHECK(e.preferred == std::vector<Message>{text_message(Role::kAssistant, "good")});
  CHECK(e.non_preferred == std::vector<Message>{text_message(Role::kAssistant, "bad")});
}

TEST_CASE("chosen lists that repeat the prompt have that prefix stripped") {
  auto result = normalize(
      R"({"prompt":"Q","chosen":[{"role":"user","content":"Q"},{"role":"assistant","content":"good"}],)"
      R"("rejected":[{"role":"user","content":"Q"},{"role":"assistant","content":"bad"}]})");
  REQUIRE(result.diagnostics.empty());
  const Example& e = *result.example;
  CHECK(e.messages == std::vector<Message>{text_message(Role::kUser, "Q")});
  CHECK(e.preferred == std::vector<Message>{text_message(Role::kAssistant, "good")});
  CHECK(e.non_preferred == std::vector<Message>{text_message(Role::kAssistant, "bad")});

  auto listed = normalize(
      R"({"prompt":[{"role":"system","content":"S"},{"role":"user","content":"Q"}],)"
      R"("chosen":[{"role":"assistant","content":"good"}],"rejected":[{"role":"assistant","content":""}]})");
  CHECK(listed.example->messages.size() == 2);
  CHECK(findings(listed) == std::vector<std::string>{"empty-content@/rejected/0/content"});
}

TEST_CASE("chosen/rejected conversations without a prompt share their common prefix") {
  auto result = normalize(
      R"({"chosen":[{"role":"user","content":"Q"},{"role":"assistant","content":"good"}],)"
      R"("rejected":[{"role":"user","content":"Q"},{"role":"assistant","content":"bad"}]})");
  REQUIRE(result.diagnostics.empty());
  const Example& e = *result.example;
  CHECK(e.kind == ExampleKind::kPreference);
  CHECK(e.messages == std::vector<Message>{text_message(Role::kUser, "Q")});
  CHECK(e.preferred == std::vector<Message>{text_message(Role::kAssistant, "good")});
  CHECK(e.non_preferred == std::vector<Message>{text_message(Role::kAssistant, "bad")});
}

TEST_CASE("sharegpt preference pairs use conversations as the prompt") {
  auto result = normalize(
      R"({"conversations":[{"from":"human","value":"Q"}],"chosen":{"from":"gpt","value":"good"},)"
      R"("rejected":{"from":"gpt","value":"bad"}})");
  REQUIRE(result.diagnostics.empty());
  const Example& e = *result.example;
  CHECK(e.format == SourceFormat::kPreferenceShareGpt);
  CHECK(e.messages == std::vector<Message>{text_message(Role::kUser, "Q")});
  CHECK(e.preferred == std::vector<Message>{text_message(Role::kAssistant, "good")});
  CHECK(e.non_preferred == std::vector<Message>{text_message(Role::kAssistant, "bad")});
  CHECK(findings(normalize(R"({"conversations":[{"from":"human","value":"Q"}],"chosen":{"from":"gpt","value":"x"},)"
                           R"("rejected":{"from":"human","value":"y"}})")) ==
        std::vector<std::string>{"dpo-output-not-assistant@/rejected/from"});
}

TEST_CASE("transcript pairs split into turns and share the prompt") {
  auto result = normalize(
      R"({"chosen":"\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Joke?\n\nAssistant: Knock knock.",)"
      R"("rejected":"\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Joke?\n\nAssistant: No."})");
  REQUIRE(result.diagnostics.empty());
  const Example& e = *result.example;
  CHECK(e.format == SourceFormat::kPreferenceTranscript);
  CHECK(e.messages == std::vector<Message>{text_message(Role::kUser, "Hi"), text_message(Role::kAssistant, "Hello!"),
                                           text_message(Role::kUser, "Joke?")});
  CHECK(e.preferred == std::vector<Message>{text_message(Role::kAssistant, "Knock knock.")});
  CHECK(e.non_preferred == std::vector<Message>{text_message(Role::kAssistant, "No.")});
}

TEST_CASE("transcripts with different prompts or no final assistant turn are reported") {
  auto differ = normalize(R"({"chosen":"Human: A\n\nAssistant: x","rejected":"Human: B\n\nAssistant: y"})");
  CHECK(findings(differ) == std::vector<std::string>{"wrong-type@/rejected"});
  CHECK(differ.diagnostics[0].message ==
        "chosen and rejected transcripts do not share the same prompt (they differ at turn 1)");
  CHECK(findings(normalize(R"({"chosen":"\n\nHuman: A\n\nAssistant: x","rejected":"\n\nHuman: A"})")) ==
        std::vector<std::string>{"dpo-missing-output@/rejected"});
}

TEST_CASE("unknown shape lists the keys seen") {
  auto result = normalize(R"({"text":"q","reply":"a"})");
  REQUIRE(result.diagnostics.size() == 1);
  CHECK(result.diagnostics[0].rule == RuleId::kUnknownFormat);
  CHECK(result.diagnostics[0].message ==
        "keys: text, reply; expected messages, conversations, prompt/completion (or prompt/response, "
        "question/answer, input/output), instruction/output, input/preferred_output/non_preferred_output or "
        "chosen/rejected; map other keys with --map FIELD=KEY");
  CHECK_FALSE(result.example.has_value());
  CHECK(normalize("{}").diagnostics[0].message.starts_with("keys: (none); expected"));
}

TEST_CASE("a record that is not an object is rejected") {
  auto result = normalize(R"([{"role":"user"}])");
  REQUIRE(result.diagnostics.size() == 1);
  CHECK(result.diagnostics[0].rule == RuleId::kNotAnObject);
  CHECK(result.diagnostics[0].message == "the record is an array, expected an object");
  CHECK(normalize("\"text\"").diagnostics[0].rule == RuleId::kNotAnObject);
}

TEST_CASE("every problem of a record is reported with its pointer") {
  auto result = normalize(
      R"({"messages":[{"role":"system","content":""},{"role":"user"},{"role":"wizard","content":"x"},)"
      R"({"role":"user","content":5},{"content":"y"},{"role":"assistant","content":"  \n"},)"
      R"({"role":"assistant","content":"ok","weight":2,"name":7}],"tools":{}})");
  CHECK(findings(result) == std::vector<std::string>{
                                "unknown-role@/messages/2/role", "wrong-type@/messages/3/content",
                                "missing-field@/messages/4/role", "invalid-weight@/messages/6/weight",
                                "wrong-type@/messages/6/name", "wrong-type@/tools",
                                "empty-content@/messages/0/content", "missing-content@/messages/1/content",
                                "empty-content@/messages/5/content"});
  CHECK(result.has_error());
  CHECK(result.diagnostics[0].message == "unknown role \"wizard\" (expected system, user, assistant or tool; --map user_tag=NAME and the like name others)");
  CHECK(result.diagnostics[0].line == 1);
}

TEST_CASE("assistant tool calls excuse missing or empty content") {
  auto ok = normalize(
      R"({"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"","tool_calls":[{"id":"1"}]},)"
      R"({"role":"assistant","function_call":{"name":"f","arguments":"{}"}}]})");
  CHECK(ok.diagnostics.empty());
  auto bad = normalize(R"({"messages":[{"role":"user","content":"q"},{"role":"assistant"},{"role":"tool"}]})");
  CHECK(findings(bad) == std::vector<std::string>{"missing-content@/messages/1/content",
                                                  "missing-content@/messages/2/content"});
  CHECK(bad.diagnostics[0].message == "assistant message has no content and no tool_calls");
}

TEST_CASE("a chat without an assistant turn is reported once") {
  CHECK(findings(normalize(R"({"messages":[{"role":"user","content":"q"}]})")) ==
        std::vector<std::string>{"no-assistant-message@/messages"});
  CHECK(findings(normalize(R"({"messages":"nope"})")) == std::vector<std::string>{"wrong-type@/messages"});
}

TEST_CASE("explicit format forces its shape and reports what is missing") {
  NormalizeOptions options;
  options.shape = InputShape::kPromptCompletion;
  CHECK(findings(normalize(R"({"messages":[]})", options)) ==
        std::vector<std::string>{"missing-field@/prompt", "missing-field@/completion"});
  options.shape = InputShape::kDpo;
  auto dpo = normalize(R"({"messages":[]})", options);
  CHECK(findings(dpo) == std::vector<std::string>{"missing-field@/preferred_output"});
  CHECK(dpo.diagnostics[0].message ==
        "missing \"preferred_output\": a dpo record needs input + preferred_output + non_preferred_output, "
        "or chosen + rejected (keys: messages)");
  options.shape = InputShape::kOpenAiChat;
  CHECK(findings(normalize(R"({"conversations":[{"from":"human","value":"q"}]})", options)) ==
        std::vector<std::string>{"missing-field@/messages"});
  options.shape = InputShape::kShareGpt;
  CHECK(normalize(R"({"conversations":[{"from":"human","value":"q"},{"from":"gpt","value":"a"}]})", options)
            .diagnostics.empty());
}

TEST_CASE("NUL bytes are reported with their position") {
  std::string text = R"({"messages":[{"role":"user","content":"a)";
  text.push_back('\0');
  text += R"(b"}]})";
  auto result = normalize(text);
  REQUIRE(result.diagnostics.size() == 1);
  CHECK(result.diagnostics[0].rule == RuleId::kJsonSyntax);
  CHECK(result.diagnostics[0].message.starts_with("NUL byte at offset 40 (JSON allows no raw control characters)"));
  CHECK(result.diagnostics[0].column == 41);
  // An escaped NUL is valid JSON and stays in the text.
  auto escaped = normalize(R"({"prompt":"a\u0000b","completion":"c"})");
  REQUIRE(escaped.diagnostics.empty());
  CHECK(*escaped.example->messages[0].content == std::string("a\0b", 3));
}

TEST_CASE("invalid UTF-8 is reported with the offending byte") {
  std::string text = R"({"prompt":"caf)";
  text += "\xE9";
  text += R"(","completion":"x"})";
  auto result = normalize(text);
  REQUIRE(result.diagnostics.size() == 1);
  CHECK(result.diagnostics[0].rule == RuleId::kInvalidUtf8);
  CHECK(result.diagnostics[0].message == "the record is not valid UTF-8 (byte 0xe9 at offset 14)");
  CHECK(result.diagnostics[0].column == 15);
}

TEST_CASE("deep nesting is json-too-deep, not a crash") {
  std::string text = R"({"prompt":"p","completion":"c","x":)";
  text += std::string(2000, '[') + std::string(2000, ']') + "}";
  auto result = normalize(text);
  REQUIRE(result.diagnostics.size() == 1);
  CHECK(result.diagnostics[0].rule == RuleId::kJsonTooDeep);
}

TEST_CASE("truncated and malformed JSON get a json-syntax message") {
  auto truncated = normalize(R"({"messages":[{"role":"user","content":"hel)");
  REQUIRE(truncated.diagnostics.size() == 1);
  CHECK(truncated.diagnostics[0].rule == RuleId::kJsonSyntax);
  CHECK(truncated.diagnostics[0].message.starts_with("truncated JSON: unterminated string (simdjson: "));
  auto open = normalize(R"({"messages":[{"role":"user","content":"x"})");
  CHECK(open.diagnostics[0].message.starts_with("truncated JSON: 2 unclosed object/array"));
  auto literal = normalize(R"({"prompt":nul,"completion":"c"})");
  CHECK(literal.diagnostics[0].rule == RuleId::kJsonSyntax);
  CHECK(literal.diagnostics[0].message.starts_with("unexpected character"));
  auto empty = normalize("");
  CHECK(empty.diagnostics[0].message.starts_with("empty record"));
}

TEST_CASE("a framing error becomes a diagnostic with its rule") {
  Record record = json_record("{\"a\":");
  record.source.line = 7;
  record.framing_error = FramingError{"record-too-large", "record is 70000000 bytes", 3};
  Normalizer normalizer({});
  auto result = normalizer.normalize(record);
  REQUIRE(result.diagnostics.size() == 1);
  CHECK(result.diagnostics[0].rule == RuleId::kRecordTooLarge);
  CHECK(result.diagnostics[0].message == "record is 70000000 bytes");
  CHECK(result.diagnostics[0].line == 7);
  CHECK(result.diagnostics[0].column == 3);
  record.framing_error = FramingError{"no-such-rule", "odd", 0};
  CHECK(normalizer.normalize(record).diagnostics[0].rule == RuleId::kJsonSyntax);
}

TEST_CASE("csv rows map system, prompt and response") {
  Record record;
  record.kind = RecordKind::kCsvRow;
  record.text = "S,Q,A";
  record.csv.system = "S";
  record.csv.prompt = "Q";
  record.csv.response = "A";
  Normalizer normalizer({});
  auto result = normalizer.normalize(record);
  REQUIRE(result.diagnostics.empty());
  CHECK(result.example->format == SourceFormat::kCsv);
  CHECK(result.example->messages ==
        std::vector<Message>{text_message(Role::kSystem, "S"), text_message(Role::kUser, "Q"),
                             text_message(Role::kAssistant, "A")});
  record.csv.system.reset();
  record.csv.prompt = "";
  record.csv.response.reset();
  CHECK(findings(normalizer.normalize(record)) ==
        std::vector<std::string>{"missing-field@/response", "empty-content@/prompt"});
}

TEST_CASE("the system prompt option is added only where no system message exists") {
  NormalizeOptions options;
  options.system_prompt = "Be kind.";
  auto added = normalize(R"({"prompt":"q","completion":"a"})", options);
  REQUIRE(added.diagnostics.empty());
  CHECK(added.example->messages.front() == text_message(Role::kSystem, "Be kind."));
  CHECK(added.example->messages.size() == 3);
  auto kept = normalize(R"({"messages":[{"role":"system","content":"Own."},{"role":"user","content":"q"},)"
                        R"({"role":"assistant","content":"a"}]})",
                        options);
  CHECK(kept.example->messages.front() == text_message(Role::kSystem, "Own."));
  CHECK(kept.example->messages.size() == 3);
  auto preference = normalize(R"({"prompt":"q","chosen":"a","rejected":"b"})", options);
  CHECK(preference.example->messages ==
        std::vector<Message>{text_message(Role::kSystem, "Be kind."), text_message(Role::kUser, "q")});
}

TEST_CASE("parsing in place and from a short buffer give the same result") {
  std::string text = R"({"prompt":"q","completion":"a"})";
  Record padded = json_record(text);
  Record tight;
  tight.text = text;
  tight.text.shrink_to_fit();
  Normalizer normalizer({});
  auto a = normalizer.normalize(padded);
  auto b = normalizer.normalize(tight);
  REQUIRE(a.example);
  REQUIRE(b.example);
  CHECK(*a.example == *b.example);
}

TEST_CASE("openai-chat writer output is exact") {
  Example e;
  e.messages = {text_message(Role::kSystem, "S \"q\""), text_message(Role::kUser, "line\nbreak")};
  Message call;
  call.role = Role::kAssistant;
  call.tool_calls_json = R"([{"id":"c"}])";
  call.weight = 1;
  e.messages.push_back(call);
  Message tool = text_message(Role::kTool, "r");
  tool.tool_call_id = "c";
  tool.name = "f";
  e.messages.push_back(tool);
  e.tools_json = "[]";
  e.parallel_tool_calls = true;
  CHECK(write(e, OutputFormat::kOpenAiChat) ==
        R"({"messages":[{"role":"system","content":"S \"q\""},{"role":"user","content":"line\nbreak"},)"
        R"({"role":"assistant","weight":1,"tool_calls":[{"id":"c"}]},)"
        R"({"role":"tool","content":"r","name":"f","tool_call_id":"c"}],"tools":[],"parallel_tool_calls":true})"
        "\n");
}

TEST_CASE("a preference example written as openai-chat is prompt plus preferred answer") {
  auto result = normalize(R"({"prompt":"Q","chosen":"good","rejected":"bad"})");
  CHECK(write(*result.example, OutputFormat::kOpenAiChat) ==
        "{\"messages\":[{\"role\":\"user\",\"content\":\"Q\"},{\"role\":\"assistant\",\"content\":\"good\"}]}\n");
  CHECK(write(*result.example, OutputFormat::kDpo) ==
        R"({"input":{"messages":[{"role":"user","content":"Q"}]},)"
        R"("preferred_output":[{"role":"assistant","content":"good"}],)"
        R"("non_preferred_output":[{"role":"assistant","content":"bad"}]})"
        "\n");
  CHECK(write(*result.example, OutputFormat::kPromptCompletion) == "{\"prompt\":\"Q\",\"completion\":\"good\"}\n");
}

TEST_CASE("prompt-completion writer joins the system prompt and refuses other shapes") {
  auto with_system = normalize(R"({"system":"S","instruction":"I","input":"","output":"O"})");
  CHECK(write(*with_system.example, OutputFormat::kPromptCompletion) ==
        "{\"prompt\":\"S\\n\\nI\",\"completion\":\"O\"}\n");
  auto multi = normalize(R"({"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},)"
                         R"({"role":"user","content":"c"},{"role":"assistant","content":"d"}]})");
  CHECK(write(*multi.example, OutputFormat::kPromptCompletion) ==
        "not-convertible: prompt-completion holds one exchange ([system] user, assistant); this example has 4 "
        "messages in another order");
  auto tool = normalize(R"({"messages":[{"role":"user","content":"a"},{"role":"assistant","tool_calls":[]}]})");
  CHECK(write(*tool.example, OutputFormat::kPromptCompletion) ==
        "not-convertible: prompt-completion has no place for tool calls or content-less messages (assistant "
        "message 2)");
  std::string out = "keep";
  CHECK(write_example(*multi.example, OutputFormat::kDpo, out)->message == "chat example has no rejected answer");
  CHECK(out == "keep");
}

TEST_CASE("written openai-chat and dpo lines normalize back to the same example") {
  Normalizer normalizer({});
  auto round_trip = [&](const std::string& file, OutputFormat format) {
    size_t count = 0;
    for (const auto& line : read_lines(file)) {
      auto first = normalizer.normalize(json_record(line));
      REQUIRE(first.example);
      std::string written;
      REQUIRE_FALSE(write_example(*first.example, format, written).has_value());
      REQUIRE(written.back() == '\n');
      written.pop_back();
      auto second = normalizer.normalize(json_record(written));
      INFO(written);
      REQUIRE(second.diagnostics.empty());
      REQUIRE(second.example);
      CHECK(*second.example == *first.example);
      std::string rewritten;
      REQUIRE_FALSE(write_example(*second.example, format, rewritten).has_value());
      CHECK(rewritten == written + "\n");
      ++count;
    }
    return count;
  };
  CHECK(round_trip("openai-chat-toolcall__msfoundry_stock_toolcall_training.jsonl", OutputFormat::kOpenAiChat) == 86);
  CHECK(round_trip("openai-chat-multiturn-tools__msfoundry_zava_tooluse_valid.jsonl", OutputFormat::kOpenAiChat) ==
        55);
  CHECK(round_trip("dpo-openai-preferred__msfoundry_orca_dpo_validation.jsonl", OutputFormat::kDpo) == 284);

  // Weights, names, content parts, function calls and parallel_tool_calls survive too.
  auto rich = normalizer.normalize(json_record(
      R"({"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"u"}}],"name":"n"},)"
      R"({"role":"assistant","content":"b","weight":0},{"role":"assistant","function_call":{"name":"f","arguments":"{}"}},)"
      R"({"role":"assistant","content":"c","weight":1}],"functions":[{"name":"f"}],"parallel_tool_calls":false})"));
  REQUIRE(rich.diagnostics.empty());
  std::string written;
  REQUIRE_FALSE(write_example(*rich.example, OutputFormat::kOpenAiChat, written).has_value());
  CHECK(written ==
        R"({"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"u"}}],"name":"n"},)"
        R"({"role":"assistant","content":"b","weight":0},{"role":"assistant","function_call":{"name":"f","arguments":"{}"}},)"
        R"({"role":"assistant","content":"c","weight":1}],"functions":[{"name":"f"}],"parallel_tool_calls":false})"
        "\n");
  written.pop_back();
  CHECK(*normalizer.normalize(json_record(written)).example == *rich.example);

  // Other shapes come back equal up to their source format.
  for (const char* line : {R"({"chosen":"\n\nHuman: Hi\n\nAssistant: A","rejected":"\n\nHuman: Hi\n\nAssistant: B"})",
                           R"({"conversations":[{"from":"human","value":"Q"}],"chosen":{"from":"gpt","value":"a"},"rejected":{"from":"gpt","value":"b"}})"}) {
    auto original = normalizer.normalize(json_record(line));
    REQUIRE(original.diagnostics.empty());
    std::string out;
    REQUIRE_FALSE(write_example(*original.example, OutputFormat::kDpo, out).has_value());
    out.pop_back();
    auto back = normalizer.normalize(json_record(out));
    REQUIRE(back.example);
    back.example->format = original.example->format;
    CHECK(*back.example == *original.example);
  }
}

TEST_CASE("a repeated message key keeps only its last value") {
  auto result = normalize(
      R"({"messages":[{"role":"user","content":[{"type":"text","text":"old"}],"content":"new","weight":1,"weight":null},)"
      R"({"role":"assistant","content":"a"}]})");
  REQUIRE(result.diagnostics.empty());
  const Message& user = result.example->messages[0];
  CHECK(*user.content == "new");
  CHECK(user.content_parts_json.empty());
  CHECK_FALSE(user.weight.has_value());
}

TEST_CASE("numbers RFC 8259 accepts are judged only where a rule reads them") {
  const std::string chat = R"({"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo")";
  // An integer beyond 64 bits or a float beyond double range under a key the tool ignores.
  for (std::string_view extra : {"123456789012345678901234567890", "1e999", "-1e999", "-98765432109876543210"}) {
    auto result = normalize(chat + "}],\"id\":" + std::string(extra) + "}");
    CAPTURE(extra);
    CHECK(findings(result).empty());
    REQUIRE(result.example);
    CHECK(result.example->messages.size() == 2);
  }
  // Under `weight` they are wrong values, quoted as written; 1e-400 is not 0 though it parses so.
  for (std::string_view weight : {"1e999", "123456789012345678901234567890", "1e-400", "2"}) {
    auto result = normalize(chat + ",\"weight\":" + std::string(weight) + "}]}");
    CAPTURE(weight);
    REQUIRE(findings(result) == std::vector<std::string>{"invalid-weight@/messages/1/weight"});
    CHECK(result.diagnostics[0].message == "weight must be 0 or 1, not " + std::string(weight));
  }
  for (std::string_view weight : {"0", "1", "0.0", "1.0", "0e5", "-0"}) {
    auto result = normalize(chat + ",\"weight\":" + std::string(weight) + "}]}");
    CAPTURE(weight);
    CHECK(findings(result).empty());
  }
  // A malformed number is still a syntax error, at the number's column.
  Record record = json_record(chat + ",\"weight\":01}]}");
  auto result = Normalizer(NormalizeOptions{}).normalize(record);
  REQUIRE(findings(result) == std::vector<std::string>{"json-syntax@"});
  CHECK(result.diagnostics[0].message.rfind("invalid number '01'", 0) == 0);
  CHECK(result.diagnostics[0].column == chat.size() + 11);
}

TEST_CASE("message tags read turns under other keys and role names (LLaMA-Factory tags)") {
  NormalizeOptions options;
  options.key_map = {{"role_tag", "speaker"}, {"content_tag", "text"}, {"user_tag", "USER"},
                     {"assistant_tag", "BOT"}, {"system_tag", "SYS"}, {"observation_tag", "OBS"},
                     {"function_tag", "CALL"}};
  auto result = normalize(
      R"({"conversations":[{"speaker":"SYS","text":"s"},{"speaker":"USER","text":"q"},)"
      R"({"speaker":"CALL","text":"{\"name\":\"f\",\"arguments\":{}}"},{"speaker":"OBS","text":"r"},)"
      R"({"speaker":"BOT","text":"a"}]})",
      options);
  REQUIRE(findings(result).empty());
  REQUIRE(result.example->messages.size() == 5);
  CHECK(result.example->messages[0].role == Role::kSystem);
  CHECK(result.example->messages[2].role == Role::kAssistant);
  CHECK_FALSE(result.example->messages[2].tool_calls_json.empty());
  CHECK(result.example->messages[3].role == Role::kTool);
  CHECK(result.example->messages[3].tool_call_id == "call_1");
  CHECK(result.example->messages[4].content == "a");
  // Under "messages" too; and a role_tag of "role" keeps OpenAI's reader with the role names.
  CHECK(findings(normalize(R"({"messages":[{"speaker":"USER","text":"q"},{"speaker":"BOT","text":"a"}]})", options))
            .empty());
  NormalizeOptions names_only;
  names_only.key_map = {{"user_tag", "USER"}, {"assistant_tag", "BOT"}};
  auto openai = normalize(R"({"messages":[{"role":"USER","content":"q"},{"role":"BOT","content":"a"}]})", names_only);
  REQUIRE(findings(openai).empty());
  CHECK(openai.example->messages[1].role == Role::kAssistant);
  // Without the tags: the missing role names the keys the message has and the flags.
  auto untagged = normalize(R"({"messages":[{"speaker":"USER","text":"q"}]})");
  REQUIRE(findings(untagged) == std::vector<std::string>{"missing-field@/messages/0/role", "no-assistant-message@/messages"});
  CHECK(untagged.diagnostics[0].message ==
        "missing \"role\" (the message has keys \"speaker\", \"text\"; --map role_tag=KEY --map content_tag=KEY "
        "read other keys)");
}

TEST_CASE("keys_known: set only for OpenAI chat whose every key the format defines") {
  Normalizer normalizer{NormalizeOptions{}};
  auto known = [&](std::string_view text) {
    NormalizeResult result = normalizer.normalize(json_record(text));
    REQUIRE(result.example);
    return result.keys_known;
  };
  const std::string chat =
      R"({"messages":[{"role":"system","content":"s"},{"role":"user","content":"q","name":"n"},)"
      R"({"role":"assistant","content":"a","weight":1}],"tools":[],"parallel_tool_calls":false})";
  CHECK(known(chat));
  CHECK(known(R"({"messages":[{"role":"user","content":"q"},{"role":"assistant","content":null,)"
              R"("tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},)"
              R"({"role":"tool","tool_call_id":"c","content":"r"},{"role":"assistant","content":"a"}]})"));
  // Any other key, at the top or in one message, leaves the decision to the unknown-key scan.
  CHECK_FALSE(known(R"({"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}],"id":7})"));
  CHECK_FALSE(known(R"({"messages":[{"role":"user","content":"q","extra":1},{"role":"assistant","content":"a"}]})"));
  CHECK_FALSE(known(R"({"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a","x\u0079":1}]})"));
  CHECK_FALSE(known(R"({"messages":[{"from":"human","value":"q"},{"role":"assistant","content":"a"}]})"));
  // Other shapes are always scanned.
  CHECK_FALSE(known(R"({"prompt":"q","completion":"a"})"));
  CHECK_FALSE(known(R"({"conversations":[{"from":"human","value":"q"},{"from":"gpt","value":"a"}]})"));
  // A key mapping changes which keys are known: scanned too.
  NormalizeOptions mapped;
  mapped.key_map.push_back(KeyMapping{"messages", "turns"});
  Normalizer mapped_normalizer{mapped};
  NormalizeResult result =
      mapped_normalizer.normalize(json_record(R"({"turns":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]})"));
  REQUIRE(result.example);
  CHECK_FALSE(result.keys_known);
}

TEST_CASE("tools lists repeated from record to record are minified once, and each record gets its own") {
  // One normalizer, as a worker thread has: the tool list of earlier records is remembered by
  // its bytes; a list that differs in any byte is minified again.
  Normalizer normalizer(NormalizeOptions{});
  const std::string messages = R"("messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}])";
  auto tools_of = [&](const std::string& line) {
    NormalizeResult result = normalizer.normalize(json_record(line));
    REQUIRE(result.example);
    return result.example->tools_json;
  };
  const std::string f = R"([{"type":"function","function":{"name":"f"}}])";
  const std::string g = R"([{"type":"function","function":{"name":"g"}}])";
  const std::string spaced_f = R"([ {"type": "function", "function": {"name": "f"}} ])";
  const std::string escaped_g = R"([{"type":"function","function":{"name":"\u0067"}}])";
  for (int round = 0; round < 3; ++round) {
    CHECK(tools_of("{" + messages + R"(,"tools":)" + f + "}") == f);
    CHECK(tools_of(R"({"tools":)" + f + "," + messages + "}") == f);  // before the messages
    CHECK(tools_of("{" + messages + R"(,"tools":)" + g + "}") == g);
    CHECK(tools_of("{" + messages + R"(,"tools":)" + spaced_f + "}") == f);
    CHECK(tools_of("{" + messages + R"(,"tools":)" + escaped_g + "}") == g);
  }
  // Six distinct lists in turn: more than the memo holds, so entries are replaced.
  for (int round = 0; round < 2; ++round) {
    for (int k = 0; k < 6; ++k) {
      const std::string list = R"([{"type":"function","function":{"name":"f)" + std::to_string(k) + R"("}}])";
      CHECK(tools_of("{" + messages + R"(,"tools":)" + list + "}") == list);
    }
  }
  // A key given twice: the memo stays out of it, the record reads as without it.
  Normalizer fresh(NormalizeOptions{});
  const std::string twice = "{" + messages + R"(,"tools":)" + f + R"(,"tools":)" + g + "}";
  NormalizeResult expected = fresh.normalize(json_record(twice));
  REQUIRE(expected.example);
  CHECK(tools_of(twice) == expected.example->tools_json);
  CHECK(tools_of(twice) == expected.example->tools_json);
  // Mapped to another key (--map tools=toolset): found under that key.
  NormalizeOptions mapped;
  mapped.key_map.push_back({"tools", "toolset"});
  Normalizer remapped(mapped);
  for (int round = 0; round < 2; ++round) {
    NormalizeResult result = remapped.normalize(json_record("{" + messages + R"(,"toolset":)" + g + "}"));
    REQUIRE(result.example);
    CHECK(result.example->tools_json == g);
  }
}
