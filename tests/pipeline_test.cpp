// Tests of the prepare driver run as a library: token limits and truncation, conflict modes,
// near dedup and the group-aware split, the memory budget, and --max-memory parsing.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tuneprep/pipeline.hpp"
#include "tuneprep/tokenizer.hpp"

#include "temp_dir.hpp"

using namespace tuneprep;
namespace fs = std::filesystem;

namespace {

Message message(Role role, std::string content) {
  Message m;
  m.role = role;
  m.content = std::move(content);
  return m;
}

Example chat(std::initializer_list<std::pair<Role, std::string>> turns) {
  Example example;
  for (const auto& [role, text] : turns) example.messages.push_back(message(role, text));
  return example;
}

std::string chat_line(const std::string& user, const std::string& assistant) {
  return "{\"messages\":[{\"role\":\"user\",\"content\":\"" + user + "\"},{\"role\":\"assistant\",\"content\":\"" +
         assistant + "\"}]}\n";
}

// 80 distinct words, so one changed word keeps a 5-word-shingle Jaccard of 71/81 = 0.88.
std::string long_text(int seed, int changed_word = -1) {
  std::string text;
  for (int i = 0; i < 80; ++i) {
    if (i) text += ' ';
    text += i == changed_word ? "replaced" : "w" + std::to_string(seed) + "x" + std::to_string(i);
  }
  return text;
}

PrepareOptions options_for(const TempDir& dir, const std::string& input) {
  PrepareOptions options;
  options.inputs = {input};
  options.output_dir = (dir.path / "out").string();
  options.jobs = 2;
  return options;
}

}  // namespace

TEST_CASE("Token limit: an example within the limit is counted and left alone") {
  Example example = chat({{Role::kUser, "Hi"}, {Role::kAssistant, "Hello!"}});
  const Encoding& encoding = Encoding::get(EncodingId::kO200kBase);
  TokenOptions options;
  options.encoding = EncodingId::kO200kBase;
  options.max_tokens = 1000;
  ExampleTokens tokens;
  CHECK_FALSE(fit_token_limit(example, encoding, options, tokens).has_value());
  const ChatTokenCount expected = count_chat_tokens(encoding, example);
  CHECK(tokens.total == expected.total);
  CHECK(tokens.trained == expected.trained);
  CHECK_FALSE(tokens.truncated);
  CHECK(example.messages.size() == 2);
}

TEST_CASE("Token limit: an example over the limit is rejected with too-many-tokens naming the model") {
  Example example = chat({{Role::kUser, "Tell me a long story"}, {Role::kAssistant, long_text(1)}});
  const Encoding& encoding = Encoding::get(EncodingId::kO200kBase);
  const size_t total = count_chat_tokens(encoding, example).total;
  TokenOptions options;
  options.max_tokens = 20;
  ExampleTokens tokens;
  auto diagnostic = fit_token_limit(example, encoding, options, tokens);
  REQUIRE(diagnostic.has_value());
  CHECK(diagnostic->rule == RuleId::kTooManyTokens);
  CHECK(diagnostic->severity == Severity::kError);
  CHECK(diagnostic->message == std::to_string(total) + " tokens exceeds the limit of 20 for --max-tokens");

  const std::optional<ModelMatch> model = find_model("gpt-4o-mini");
  REQUIRE(model);
  options.model = model->model;
  diagnostic = fit_token_limit(example, encoding, options, tokens);
  REQUIRE(diagnostic.has_value());
  CHECK(diagnostic->message == std::to_string(total) + " tokens exceeds the limit of 20 for gpt-4o-mini");
}

TEST_CASE("Truncation drops trailing turns until the example fits and ends with an assistant turn") {
  Example example = chat({{Role::kSystem, "Be brief."},
                          {Role::kUser, "First question"},
                          {Role::kAssistant, "First answer."},
                          {Role::kUser, "Second question"},
                          {Role::kAssistant, long_text(2)},
                          {Role::kUser, "Third question, never answered"}});
  const Encoding& encoding = Encoding::get(EncodingId::kO200kBase);
  const Example first_turn = chat({{Role::kSystem, "Be brief."}, {Role::kUser, "First question"},
                                   {Role::kAssistant, "First answer."}});
  const ChatTokenCount fits = count_chat_tokens(encoding, first_turn);
  TokenOptions options;
  options.max_tokens = fits.total + 5;
  options.truncate = true;
  ExampleTokens tokens;
  CHECK_FALSE(fit_token_limit(example, encoding, options, tokens).has_value());
  CHECK(example == first_turn);
  CHECK(tokens.truncated);
  CHECK(tokens.total == fits.total);
  CHECK(tokens.trained == fits.trained);
}

TEST_CASE("Truncation skips a prefix whose last assistant turn has weight 0") {
  Example example = chat({{Role::kUser, "Q1"}, {Role::kAssistant, "A1"}, {Role::kUser, "Q2"},
                          {Role::kAssistant, "A2"}, {Role::kUser, "Q3"}, {Role::kAssistant, long_text(3)}});
  example.messages[1].weight = 0;
  example.messages[3].weight = 0;
  const Encoding& encoding = Encoding::get(EncodingId::kCl100kBase);
  TokenOptions options;
  options.max_tokens = 60;
  options.truncate = true;
  const Example original = example;
  ExampleTokens tokens;
  // Q1/A1 and Q1..A2 fit, but train on nothing: no acceptable prefix, so it is rejected unchanged.
  const auto diagnostic = fit_token_limit(example, encoding, options, tokens);
  REQUIRE(diagnostic.has_value());
  CHECK(diagnostic->rule == RuleId::kTooManyTokens);
  CHECK(diagnostic->message.find("no shorter prefix ending with a trained assistant turn fits") != std::string::npos);
  CHECK(example == original);
}

TEST_CASE("Truncation rejects an example whose first exchange alone is over the limit") {
  Example example = chat({{Role::kUser, long_text(4)}, {Role::kAssistant, "ok"}, {Role::kUser, "more"},
                          {Role::kAssistant, "done"}});
  const Example original = example;
  TokenOptions options;
  options.max_tokens = 30;
  options.truncate = true;
  ExampleTokens tokens;
  CHECK(fit_token_limit(example, Encoding::get(EncodingId::kO200kBase), options, tokens).has_value());
  CHECK(example == original);
}

TEST_CASE("Byte sizes accept K/M/G/T suffixes in powers of 1024") {
  CHECK(parse_byte_size("1024") == 1024u);
  CHECK(parse_byte_size("2G") == (uint64_t{2} << 30));
  CHECK(parse_byte_size("500M") == (uint64_t{500} << 20));
  CHECK(parse_byte_size("64k") == (uint64_t{64} << 10));
  CHECK(parse_byte_size("1.5G") == (uint64_t{3} << 29));
  CHECK(parse_byte_size("10GiB") == (uint64_t{10} << 30));
  CHECK(parse_byte_size("3MB") == (uint64_t{3} << 20));
  CHECK_FALSE(parse_byte_size(""));
  CHECK_FALSE(parse_byte_size("G"));
  CHECK_FALSE(parse_byte_size("0"));
  CHECK_FALSE(parse_byte_size("12X"));
  CHECK_FALSE(parse_byte_size("-1G"));
  CHECK_FALSE(parse_byte_size("99999999999999999999"));
  CHECK_FALSE(parse_byte_size("99999999999T"));
}

TEST_CASE("Conflicts keep: every answer stays and the group is reported") {
  TempDir dir;
  const std::string input = dir.write("in.jsonl", chat_line("Capital of Australia?", "Canberra.") +
                                                      chat_line("Largest city of Australia?", "Sydney.") +
                                                      chat_line("capital of  australia", "Sydney.") +
                                                      chat_line("Capital of Australia!", "Canberra"));
  PrepareOptions options = options_for(dir, input);
  options.val_ratio = 0.5;
  const PrepareResult result = run_prepare(options);
  REQUIRE_FALSE(result.error);
  CHECK(result.summary.counts.train + result.summary.counts.validation == 4);
  CHECK(result.summary.conflict_groups == 1);
  CHECK(result.summary.conflict_records == 3);
  CHECK(dir.read("out/manifest.json").find("\"conflicts\": {\"groups\": 1, \"records\": 3}") != std::string::npos);
}

TEST_CASE("Conflicts first: later records with another answer are rejected with conflicting-answers") {
  TempDir dir;
  const std::string input = dir.write("in.jsonl", chat_line("Capital of Australia?", "Canberra.") +
                                                      chat_line("Largest city of Australia?", "Sydney.") +
                                                      chat_line("capital of  australia", "Sydney.") +
                                                      chat_line("Capital of Australia!", "canberra"));
  PrepareOptions options = options_for(dir, input);
  options.val_ratio = 0;
  options.conflicts = ConflictMode::kFirst;
  const PrepareResult result = run_prepare(options);
  REQUIRE_FALSE(result.error);
  CHECK(result.summary.counts.train == 3);  // the same answer after folding is not a conflict
  REQUIRE(result.summary.counts.rejected == 1);
  const std::vector<std::string> rejected = dir.lines("out/rejected.jsonl");
  REQUIRE(rejected.size() == 1);
  CHECK(rejected[0].rfind("{\"source\":{\"path\":\"" + input +
                              "\",\"line\":3,\"column\":1},\"rules\":[{\"id\":\"conflicting-answers\",\"severity\":"
                              "\"error\",\"message\":\"the same prompt as " +
                              input + ":1 with a different answer (--conflicts first)\"}]",
                          0) == 0);
  CHECK(result.summary.rejections_by_rule.at("conflicting-answers") == 1);
}

TEST_CASE("Conflicts reject: every record of a conflicting prompt is rejected, the first one too") {
  TempDir dir;
  const std::string input = dir.write("in.jsonl", chat_line("Capital of Australia?", "Canberra.") +
                                                      chat_line("Largest city of Australia?", "Sydney.") +
                                                      chat_line("capital of  australia", "Sydney.") +
                                                      chat_line("Capital of Australia!", "canberra") +
                                                      chat_line("Capital of Australia?", "Canberra."));
  PrepareOptions options = options_for(dir, input);
  options.val_ratio = 0;
  options.conflicts = ConflictMode::kReject;
  const PrepareResult result = run_prepare(options);
  REQUIRE_FALSE(result.error);
  CHECK(result.summary.counts.train == 1);
  CHECK(result.summary.counts.duplicates == 1);  // line 5 is an exact copy of line 1: a duplicate first
  CHECK(result.summary.counts.rejected == 3);
  const std::vector<std::string> rejected = dir.lines("out/rejected.jsonl");
  REQUIRE(rejected.size() == 3);
  CHECK(rejected[0].find("\"line\":1,") != std::string::npos);
  CHECK(rejected[1].find("\"line\":3,") != std::string::npos);
  CHECK(rejected[2].find("\"line\":4,") != std::string::npos);
  CHECK(dir.read("out/train.jsonl") == chat_line("Largest city of Australia?", "Sydney."));
}

TEST_CASE("Conflicts reject refuses standard input, which cannot be read twice") {
  TempDir dir;
  PrepareOptions options = options_for(dir, "-");
  options.conflicts = ConflictMode::kReject;
  const PrepareResult result = run_prepare(options);
  REQUIRE(result.error);
  CHECK(result.error->message.find("cannot read standard input") != std::string::npos);
}

TEST_CASE("A same-prompt group goes whole to one side of the split") {
  TempDir dir;
  std::string text;
  for (int group = 0; group < 40; ++group) {
    for (int member = 0; member < 4; ++member) {
      text += chat_line("Question number " + std::to_string(group), "Answer " + std::to_string(member));
    }
  }
  const std::string input = dir.write("in.jsonl", text);
  PrepareOptions options = options_for(dir, input);
  options.val_ratio = 0.5;
  const PrepareResult result = run_prepare(options);
  REQUIRE_FALSE(result.error);
  CHECK(result.summary.conflict_groups == 40);
  const std::string train = dir.read("out/train.jsonl");
  const std::string validation = dir.read("out/validation.jsonl");
  int in_validation = 0;
  for (int group = 0; group < 40; ++group) {
    const std::string prompt = "\"Question number " + std::to_string(group) + "\"";
    const bool t = train.find(prompt) != std::string::npos;
    const bool v = validation.find(prompt) != std::string::npos;
    CHECK(t != v);
    in_validation += v;
  }
  CHECK(in_validation > 5);
  CHECK(in_validation < 35);
  CHECK(result.summary.counts.validation == static_cast<uint64_t>(in_validation) * 4);
}

TEST_CASE("Near dedup sends a near copy to duplicates.jsonl with kind near and its similarity") {
  TempDir dir;
  const std::string input =
      dir.write("in.jsonl", chat_line("Summarize", long_text(7)) + chat_line("Other", long_text(8)) +
                                chat_line("Summarize", long_text(7, 40)) + chat_line("Summarize", long_text(7)));
  PrepareOptions options = options_for(dir, input);
  options.dedup = DedupMode::kNear;
  options.val_ratio = 0.5;
  const PrepareResult result = run_prepare(options);
  REQUIRE_FALSE(result.error);
  CHECK(result.summary.exact_duplicates == 1);
  CHECK(result.summary.near_duplicates == 1);
  CHECK(result.summary.counts.train + result.summary.counts.validation == 2);
  CHECK(result.summary.leakage_near == 0u);
  const std::vector<std::string> duplicates = dir.lines("out/duplicates.jsonl");
  REQUIRE(duplicates.size() == 2);
  const std::string source_prefix = "{\"source\":{\"path\":\"" + input + "\",\"line\":3,\"column\":1},\"duplicate_of\":"
                                    "{\"path\":\"" + input + "\",\"line\":1,\"column\":1},\"kind\":\"near\",\"similarity\":0.";
  CHECK(duplicates[0].rfind(source_prefix, 0) == 0);
  CHECK(duplicates[1].find("\"kind\":\"exact\",\"similarity\":1.0") != std::string::npos);
  const std::string manifest = dir.read("out/manifest.json");
  CHECK(manifest.find("\"duplicates\": {\"exact\": 1, \"near\": 1}") != std::string::npos);
  CHECK(manifest.find("\"leakage\": {\"exact\": 0, \"near\": 0}") != std::string::npos);
}

TEST_CASE("Near dedup over the memory budget fails before replacing any output") {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 200; ++i) text += chat_line("Question " + std::to_string(i), long_text(i));
  const std::string input = dir.write("in.jsonl", text);
  PrepareOptions options = options_for(dir, input);
  fs::create_directories(dir.path / "out");
  dir.write("out/train.jsonl", "earlier\n");
  options.dedup = DedupMode::kNear;
  options.near.max_memory = 64 * 1024;
  const PrepareResult result = run_prepare(options);
  REQUIRE(result.error);
  CHECK(result.error->message.find("over --max-memory 0.1 MiB; raise --max-memory") != std::string::npos);
  CHECK(dir.read("out/train.jsonl") == "earlier\n");
  CHECK_FALSE(fs::exists(dir.path / "out" / "manifest.json"));
}

TEST_CASE("Token counts per output are the sums of the examples' counts") {
  TempDir dir;
  const std::string input = dir.write("in.jsonl", chat_line("Hi", "Hello!") + chat_line("2+2?", "4") +
                                                      chat_line("Long", long_text(9)));
  PrepareOptions options = options_for(dir, input);
  options.val_ratio = 0;
  TokenOptions tokens;
  tokens.encoding = EncodingId::kCl100kBase;
  tokens.max_tokens = 100;
  options.tokens = tokens;
  const PrepareResult result = run_prepare(options);
  REQUIRE_FALSE(result.error);
  const Encoding& encoding = Encoding::get(EncodingId::kCl100kBase);
  const size_t a = count_chat_tokens(encoding, chat({{Role::kUser, "Hi"}, {Role::kAssistant, "Hello!"}})).total;
  const size_t b = count_chat_tokens(encoding, chat({{Role::kUser, "2+2?"}, {Role::kAssistant, "4"}})).total;
  REQUIRE(result.summary.outputs.size() == 3);  // train, rejected, duplicates
  CHECK(result.summary.outputs[0].tokens == a + b);
  CHECK_FALSE(result.summary.outputs[1].tokens.has_value());
  CHECK(result.summary.rejections_by_rule.at("too-many-tokens") == 1);
  CHECK(dir.read("out/manifest.json").find("\"max_tokens\": 100") != std::string::npos);
}
