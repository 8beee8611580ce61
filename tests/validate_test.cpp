// run_validate over small inline inputs: exact line and column for each shape, the dataset-level
// rules, token limits, fixes, and the same output for any number of jobs.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "tuneprep/rules.hpp"
#include "tuneprep/validate.hpp"

#include "temp_dir.hpp"

using namespace tuneprep;
namespace fs = std::filesystem;

namespace {

// A temp directory per test case, removed at the end.

ValidateOptions options_for(const std::string& file) {
  ValidateOptions options;
  options.inputs = {file};
  options.jobs = 1;
  // Every small input is "too few examples" and lacks a system message; tests that want those
  // rules enable them again.
  options.rules.set_enabled(RuleId::kTooFewExamples, false);
  options.rules.set_enabled(RuleId::kMissingSystemMessage, false);
  return options;
}

// "line:column rule pointer" per diagnostic, in output order.
std::vector<std::string> positions(const ValidateResult& result) {
  REQUIRE_FALSE(result.error);
  std::vector<std::string> out;
  for (const FileDiagnostic& fd : result.diagnostics.diagnostics) {
    const Diagnostic& d = fd.diagnostic;
    out.push_back(fmt::format("{}:{} {} {}", d.line, d.column, rule_name(d.rule), d.pointer));
  }
  return out;
}

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("validate places chat findings at the value's line and column") {
  TempDir dir;
  const std::string file = dir.write(
      "chat.jsonl",
      R"({"messages":[{"role":"user","content":"Mail maria.lopez@gmail.com"},{"role":"assistant","content":"Done."}]})"
      "\n"
      R"({"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"Hello!","weight":2}],"extra":1})"
      "\n"
      R"({"messages":[{"role":"user","content":"hi"})"
      "\n");
  const ValidateResult result = run_validate(options_for(file));
  CHECK(positions(result) == Lines{
                                 "1:39 pii-email /messages/0/content",
                                 "2:93 invalid-weight /messages/1/weight",
                                 "2:105 unknown-key /extra",
                                 "3:1 json-syntax ",
                             });
  CHECK(result.counts.records == 3);
  CHECK(result.counts.records_with_errors == 2);
  CHECK(result.counts.examples == 1);
  CHECK(result.failed());
}

TEST_CASE("validate counts columns in characters, not bytes") {
  TempDir dir;
  // "é" and "ü" are two bytes each: the value starts at byte 79 but at character 77.
  const std::string file = dir.write(
      "utf8.jsonl",
      "{\"messages\":[{\"role\":\"user\",\"content\":\"d\xC3\xA9j\xC3\xBC\"},{\"role\":\"assistant\",\"content\":\" x\"}]}\n");
  CHECK(positions(run_validate(options_for(file))) == Lines{"1:77 whitespace-padding /messages/1/content"});
}

TEST_CASE("validate places findings inside a JSON array element that spans lines") {
  TempDir dir;
  const std::string file = dir.write("array.json",
                                     "[\n"
                                     "  {\"messages\": [\n"
                                     "    {\"role\": \"user\", \"content\": \"hi\"},\n"
                                     "    {\"role\": \"user\", \"content\": \"again\"},\n"
                                     "    {\"role\": \"assistant\", \"content\": \"Hello \"}\n"
                                     "  ]},\n"
                                     "  {\"messages\": [{\"role\": \"user\", \"content\": \"x\"}, {\"role\": \"bot\", "
                                     "\"content\": \"y\"}]}\n"
                                     "]\n");
  CHECK(positions(run_validate(options_for(file))) == Lines{
                                                          "4:14 consecutive-same-role /messages/1/role",
                                                          "5:38 whitespace-padding /messages/2/content",
                                                          // the message with the unknown role is dropped:
                                                          // nothing is left to learn from
                                                          "7:16 no-assistant-message /messages",
                                                          "7:60 unknown-role /messages/1/role",
                                                      });
}

TEST_CASE("validate maps prompt-completion, Alpaca and ShareGPT findings to their own fields") {
  TempDir dir;
  const std::string file = dir.write(
      "shapes.jsonl",
      R"({"prompt":"Capital of France?","completion":" Paris"})"
      "\n"
      R"({"instruction":"Say hi","input":"","output":"As an AI language model, I cannot.","history":[["a","b "]]})"
      "\n"
      R"({"conversations":[{"from":"human","value":"hi"},{"from":"human","value":"<b>x</b>"},{"from":"gpt","value":"ok"}]})"
      "\n");
  CHECK(positions(run_validate(options_for(file))) == Lines{
                                                          "1:45 whitespace-padding /completion",
                                                          "2:45 refusal-boilerplate /output",
                                                          "2:98 whitespace-padding /history/0/1",
                                                          "3:57 consecutive-same-role /conversations/1/from",
                                                          "3:73 html-markup /conversations/1/value",
                                                      });
}

TEST_CASE("validate maps DPO outputs and messages added by --system") {
  TempDir dir;
  const std::string file = dir.write(
      "dpo.jsonl",
      R"({"prompt":"Capital of France?","chosen":"Paris","rejected":"Paris"})"
      "\n"
      R"({"input":{"messages":[{"role":"user","content":"hi"}]},"preferred_output":[{"role":"assistant","content":"a"},{"role":"user","content":"more"}],"non_preferred_output":[{"role":"assistant","content":"b"}]})"
      "\n");
  ValidateOptions options = options_for(file);
  options.normalize.system_prompt = " Be brief.";
  CHECK(positions(run_validate(options)) == Lines{
                                                "1:1 whitespace-padding ",
                                                "1:60 dpo-identical-outputs /rejected",
                                                "2:1 whitespace-padding ",
                                                "2:119 dpo-output-not-assistant /preferred_output/1/role",
                                            });
}

TEST_CASE("validate places CSV findings at the mapped column of the raw row") {
  TempDir dir;
  const std::string file = dir.write("rows.csv",
                                     "id,prompt,response\n"
                                     "1,\"Hi, there\",\" Hello\"\n"
                                     "2,\"two\n"
                                     "lines\",\"ok \"\n");
  CHECK(positions(run_validate(options_for(file))) == Lines{
                                                          "2:15 whitespace-padding /response",
                                                          "4:8 whitespace-padding /response",
                                                      });
}

TEST_CASE("validate reports a byte-order mark and CR LF line ends the reader stripped, without a column") {
  TempDir dir;
  const std::string record = R"({"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"Hello!"}]})";
  const std::string file = dir.write("bom.jsonl", "\xEF\xBB\xBF" + record + "\n" + record + "\r\n");
  ValidateOptions options = options_for(file);
  options.rules.set_enabled(RuleId::kDuplicateExample, false);
  const ValidateResult result = run_validate(options);
  CHECK(positions(result) == Lines{"1:0 bom-or-crlf ", "2:0 bom-or-crlf "});
  CHECK(result.diagnostics.diagnostics[0].diagnostic.message == "record starts with a byte-order mark (U+FEFF)");
  CHECK(result.diagnostics.diagnostics[1].diagnostic.message == "record has a CR LF line end");
  CHECK_FALSE(result.failed());
}

TEST_CASE("validate points duplicates and conflicting answers at the first occurrence") {
  TempDir dir;
  const std::string a = R"({"prompt":"2+2?","completion":"4"})";
  const std::string b = R"({"prompt":"2+2?","completion":"5"})";
  const std::string c = R"({"prompt":"3+3?","completion":"6"})";
  const std::string file = dir.write("dups.jsonl", a + "\n" + c + "\n" + a + "\n" + b + "\n");
  ValidateOptions options = options_for(file);
  options.rules.set_enabled(RuleId::kTooFewExamples, true);
  const ValidateResult result = run_validate(options);
  CHECK(positions(result) == Lines{
                                 "0:0 too-few-examples ",
                                 "3:1 duplicate-example ",
                                 "4:1 conflicting-answers ",
                             });
  const auto& d = result.diagnostics.diagnostics;
  CHECK(d[0].diagnostic.message == "the dataset has 3 examples; fine-tuning needs at least 10");
  CHECK(d[1].diagnostic.message == fmt::format("exact duplicate of the example at {}:1", file));
  CHECK(d[2].diagnostic.message == fmt::format("same prompt as the example at {}:1, but a different answer", file));
  CHECK(result.counts.duplicates == 1);
  CHECK(result.counts.examples == 3);
}

TEST_CASE("too-many-tokens fires above the limit only") {
  TempDir dir;
  // (3 + 1 + 1) per message + 3 = 13 tokens in o200k_base (docs/tokens.md): "user", "hi",
  // "assistant" and "Hello" are one token each.
  const std::string file = dir.write(
      "tokens.jsonl", R"({"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"Hello"}]})"
                      "\n");
  ValidateOptions options = options_for(file);
  options.tokens = TokenRequest{"", std::nullopt, 13, false};
  CHECK(positions(run_validate(options)).empty());
  options.tokens->max_tokens = 12;
  const ValidateResult over = run_validate(options);
  REQUIRE(positions(over) == Lines{"1:1 too-many-tokens "});
  CHECK(over.diagnostics.diagnostics[0].diagnostic.message ==
        "the example has 13 tokens (o200k_base), over the limit of 12 (--max-tokens)");
  options.tokens->max_tokens = 0;
  options.tokens->model = "no-such-model";
  CHECK(run_validate(options).error->message.starts_with("unknown model \"no-such-model\""));
}

TEST_CASE("validate --show-fixes renders a unified diff of the fixed example") {
  TempDir dir;
  const std::string file = dir.write(
      "fix.jsonl",
      R"({"messages":[{"role":"user","content":"hi"},{"role":"user","content":"there"},{"role":"assistant","content":"Hello! "},{"role":"user","content":"bye"}]})"
      "\n");
  ValidateOptions options = options_for(file);
  options.collect_fixes = true;
  const ValidateResult result = run_validate(options);
  REQUIRE(result.fixes.size() == 1);
  CHECK(result.fixes[0].line == 1);
  CHECK(result.fixes[0].diff == fmt::format("--- {0}:1\n"
                                            "+++ {0}:1 (fixed: consecutive-same-role, last-message-not-assistant, "
                                            "whitespace-padding)\n"
                                            "@@ -1,4 +1,2 @@\n"
                                            "-{{\"role\":\"user\",\"content\":\"hi\"}}\n"
                                            "-{{\"role\":\"user\",\"content\":\"there\"}}\n"
                                            "-{{\"role\":\"assistant\",\"content\":\"Hello! \"}}\n"
                                            "-{{\"role\":\"user\",\"content\":\"bye\"}}\n"
                                            "+{{\"role\":\"user\",\"content\":\"hi\\n\\nthere\"}}\n"
                                            "+{{\"role\":\"assistant\",\"content\":\"Hello!\"}}\n",
                                            file));
}

TEST_CASE("validate gives the same diagnostics for one and four jobs") {
  TempDir dir;
  std::string data;
  for (int i = 0; i < 3000; ++i) {
    switch (i % 5) {
      case 0: data += fmt::format(R"({{"prompt":"q{}","completion":" a"}})", i % 700); break;
      case 1: data += fmt::format(R"({{"messages":[{{"role":"user","content":"mail{}@gmail.com"}}]}})", i); break;
      case 2: data += "{\"messages\": [}"; break;
      case 3: data += fmt::format(R"({{"prompt":"q{}","completion":"b"}})", i % 700); break;
      default: data += fmt::format(R"({{"instruction":"i{}","output":"o","x":1}})", i % 300); break;
    }
    data += '\n';
  }
  const std::string file = dir.write("many.jsonl", data);
  ValidateOptions options = options_for(file);
  options.reader.batch_bytes = 4096;
  const ValidateResult one = run_validate(options);
  options.jobs = 4;
  const ValidateResult four = run_validate(options);
  CHECK(one.diagnostics.diagnostics.size() > 3000);
  CHECK(format_json_lines(one.diagnostics) == format_json_lines(four.diagnostics));
}

TEST_CASE("validate reports a missing input as an error value") {
  ValidateOptions options;
  options.inputs = {"/nonexistent/tuneprep/input.jsonl"};
  const ValidateResult result = run_validate(options);
  REQUIRE(result.error);
  CHECK(result.error->message.find("/nonexistent/tuneprep/input.jsonl") != std::string::npos);
}

TEST_CASE("csv_field_offset skips quoted commas and doubled quotes") {
  const std::string_view row = R"(a,"b,""c""",d)";
  CHECK(csv_field_offset(row, 0) == 0u);
  CHECK(csv_field_offset(row, 1) == 2u);
  CHECK(csv_field_offset(row, 2) == 12u);
  CHECK(csv_field_offset(row, 3) == std::nullopt);
}

TEST_CASE("strict validation fails on warnings, not on infos") {
  TempDir dir;
  const std::string file = dir.write(
      "w.jsonl", R"({"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"Hello! "}]})"
                 "\n");
  ValidateOptions options = options_for(file);
  options.rules.set_enabled(RuleId::kMissingSystemMessage, true);
  CHECK_FALSE(run_validate(options).failed());
  options.strict = true;
  CHECK(run_validate(options).failed());
  options.rules.set_enabled(RuleId::kWhitespacePadding, false);
  const ValidateResult infos_only = run_validate(options);
  CHECK(infos_only.severities.infos == 1);
  CHECK_FALSE(infos_only.failed());
}
