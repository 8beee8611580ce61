// Tests of prepare's stages run as a library: conflict modes, near dedup and the group-aware split,
// the memory budget, token counts per output, and --timings.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tuneprep/prepare.hpp"
#include "tuneprep/analysis.hpp"
#include "tuneprep/tokenizer.hpp"

#include "example_builders.hpp"

#include "temp_dir.hpp"

using namespace tuneprep;
namespace fs = std::filesystem;

namespace {

using test::chat;
using test::message;

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

TEST_CASE("Conflicts keep: every answer stays and the group is reported") {
  TempDir dir;
  // One definition of a conflict (conflict_keys): the same prompt text after trimming, a
  // different answer text. Case and punctuation count: "2+2" and "2*2" are different prompts.
  const std::string input = dir.write("in.jsonl", chat_line("Capital of Australia?", "Canberra.") +
                                                      chat_line("Largest city of Australia?", "Sydney.") +
                                                      chat_line(" Capital of Australia? ", "Sydney.") +
                                                      chat_line("capital of australia?", "Sydney.") +
                                                      chat_line("Capital of Australia?", "Canberra"));
  PrepareOptions options = options_for(dir, input);
  options.val_ratio = 0.5;
  const PrepareResult result = run_prepare(options);
  REQUIRE_FALSE(result.error);
  CHECK(result.summary.counts.train + result.summary.counts.validation == 5);
  CHECK(result.summary.conflict_groups == 1);
  CHECK(result.summary.conflict_records == 3);
  CHECK(dir.read("out/manifest.json").find("\"conflicts\": {\"groups\": 1, \"records\": 3}") != std::string::npos);
}

TEST_CASE("Conflicts first: later records with another answer are rejected with conflicting-answers") {
  TempDir dir;
  const std::string input = dir.write("in.jsonl", chat_line("Capital of Australia?", "Canberra.") +
                                                      chat_line("Largest city of Australia?", "Sydney.") +
                                                      chat_line(" Capital of Australia?", "Sydney.") +
                                                      chat_line("Capital of Australia!", "canberra"));
  PrepareOptions options = options_for(dir, input);
  options.val_ratio = 0;
  options.conflicts = ConflictMode::kFirst;
  const PrepareResult result = run_prepare(options);
  REQUIRE_FALSE(result.error);
  CHECK(result.summary.counts.train == 3);  // "Capital of Australia!" is another prompt
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
                                                      chat_line("Capital of Australia? ", "Sydney.") +
                                                      chat_line(" Capital of Australia?", "canberra") +
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
  options.seed = 7;
  REQUIRE_FALSE(run_prepare(options).error);  // an earlier set
  const std::string earlier_manifest = dir.read("out/manifest.json");
  const std::string earlier_train = dir.read("out/train.jsonl");
  options.seed = 0;
  options.dedup = DedupMode::kNear;
  options.near.max_memory = 64 * 1024;
  const PrepareResult result = run_prepare(options);
  REQUIRE(result.error);
  CHECK(result.error->message.find("over --max-memory 0.1 MiB; raise --max-memory") != std::string::npos);
  CHECK(dir.read("out/manifest.json") == earlier_manifest);
  CHECK(dir.read("out/train.jsonl") == earlier_train);
}

TEST_CASE("Token counts per output are the sums of the examples' counts") {
  TempDir dir;
  const std::string input = dir.write("in.jsonl", chat_line("Hi", "Hello!") + chat_line("2+2?", "4") +
                                                      chat_line("Long", long_text(9)));
  PrepareOptions options = options_for(dir, input);
  options.val_ratio = 0;
  TokenRequest tokens;
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

TEST_CASE("prepare --timings names every stage in pipeline order and counts the records that reached it") {
  TempDir dir;
  const std::string input = dir.write("in.jsonl", chat_line("Hi", "Hello!") + chat_line("Hi", "Hello!") +
                                                      "not json\n" + chat_line("2+2?", "4"));
  PrepareOptions options = options_for(dir, input);
  options.timings = true;
  const PrepareResult result = run_prepare(options);
  REQUIRE_FALSE(result.error);
  std::vector<std::string> names;
  for (const StageTiming& stage : result.summary.stages) names.push_back(stage.name);
  CHECK(names == std::vector<std::string>{"read", "analyse", "reject", "exact", "near", "conflicts", "split",
                                          "report", "write", "commit"});
  const auto records = [&](std::string_view name) {
    for (const StageTiming& stage : result.summary.stages) {
      if (stage.name == name) return stage.records;
    }
    return uint64_t{999};
  };
  CHECK(records("analyse") == 4);
  CHECK(records("reject") == 4);
  CHECK(records("exact") == 3);      // the broken line stopped at reject
  CHECK(records("conflicts") == 2);  // the copy stopped at exact
  CHECK(records("split") == 2);
  CHECK(records("report") == 4);     // every record is in the report
  CHECK(records("write") == 4);      // and written somewhere
  for (const StageTiming& stage : result.summary.stages) CHECK(stage.seconds >= 0.0);
  // Without --timings nothing is timed.
  options.timings = false;
  CHECK(run_prepare(options).summary.stages.empty());
}
