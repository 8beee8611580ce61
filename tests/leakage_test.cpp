// Tests of the leakage finder (exact and near copies of train examples in a validation set) and
// of the exact-leakage counter prepare uses after its split.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "tuneprep/leakage.hpp"

#include "temp_dir.hpp"

using namespace tuneprep;
namespace fs = std::filesystem;

namespace {

std::string words(int seed, int changed = -1) {
  std::string text;
  for (int i = 0; i < 60; ++i) {
    if (i) text += ' ';
    text += i == changed ? "edited" : "t" + std::to_string(seed) + "w" + std::to_string(i);
  }
  return text;
}

std::string chat_line(const std::string& user, const std::string& assistant) {
  return "{\"messages\":[{\"role\":\"user\",\"content\":\"" + user + "\"},{\"role\":\"assistant\",\"content\":\"" +
         assistant + "\"}]}\n";
}

}  // namespace

TEST_CASE("Leakage counter counts each content found on both sides once") {
  SplitLeakageCounter counter;
  counter.add({1, 2}, Side::kTrain);
  counter.add({1, 2}, Side::kTrain);
  counter.add({3, 4}, Side::kValidation);
  CHECK(counter.exact() == 0);
  counter.add({1, 2}, Side::kValidation);
  counter.add({1, 2}, Side::kValidation);
  counter.add({0, 0}, Side::kTrain);  // the all-zero hash is a valid content too
  counter.add({0, 0}, Side::kValidation);
  CHECK(counter.exact() == 2);
  for (uint64_t i = 10; i < 5000; ++i) counter.add({i, i}, i % 2 ? Side::kTrain : Side::kValidation);
  CHECK(counter.exact() == 2);
}

TEST_CASE("Leakage counted in the exact-dedup table agrees with its own table") {
  SplitLeakageCounter own;
  SplitLeakageCounter shared;
  ExactDeduplicator dedup;
  // Keys inserted into the dedup table first (prepare's order), then their sides; the sides do
  // not disturb the first-seen locations the table returns.
  for (uint64_t i = 0; i < 3000; ++i) {
    const Hash128 hash{i % 1000, 7};
    SourceLocation source;
    source.line = (uint64_t{1} << 61) + i;  // a large line number keeps its bits
    source.file_index = 2;
    source.column = 3;
    const auto first = dedup.insert(hash, source);
    if (first) {
      CHECK(first->line == (uint64_t{1} << 61) + i % 1000);
      CHECK(first->file_index == 2);
      CHECK(first->column == 3);
    }
    const Side side = (i * 7919) % 5 == 0 ? Side::kValidation : Side::kTrain;
    own.add(hash, side);
    shared.add(dedup, hash, side);
  }
  shared.add(dedup, Hash128{999999, 1}, Side::kTrain);  // never inserted: counted on its own
  shared.add(dedup, Hash128{999999, 1}, Side::kValidation);
  own.add(Hash128{999999, 1}, Side::kTrain);
  own.add(Hash128{999999, 1}, Side::kValidation);
  CHECK(own.exact() > 0);
  CHECK(shared.exact() == own.exact());
}

TEST_CASE("Leakage finds exact and near copies of train records in validation, by line") {
  TempDir dir;
  const std::string train = dir.write(
      "train.jsonl", chat_line("q1", words(1)) + chat_line("q2", words(2)) + chat_line("q3", words(3)));
  // Line 1: a reformatted exact copy of train line 2 (other key order and spacing); line 2 new;
  // line 3: train line 3 with one word changed; line 4: a prompt/completion copy of train line 1.
  const std::string validation = dir.write(
      "validation.jsonl",
      "{\"messages\": [ {\"content\": \"q2\", \"role\": \"user\"}, {\"role\": \"assistant\", \"content\": \"" +
          words(2) + "\"} ]}\n" + chat_line("q4", words(4)) + chat_line("q3", words(3, 30)) +
          "{\"prompt\":\"q1\",\"completion\":\"" + words(1) + "\"}\n");
  LeakageOptions options;
  options.jobs = 2;
  const LeakageResult result = find_leakage(train, validation, options);
  REQUIRE_FALSE(result.error);
  const LeakageReport& report = result.report;
  CHECK(report.train_records == 3);
  CHECK(report.validation_records == 4);
  REQUIRE(report.pairs.size() == 3);
  CHECK(report.pairs[0].validation_line == 1);
  CHECK(report.pairs[0].train_line == 2);
  CHECK(report.pairs[0].kind == LeakKind::kExact);
  CHECK(report.pairs[1].validation_line == 3);
  CHECK(report.pairs[1].train_line == 3);
  CHECK(report.pairs[1].kind == LeakKind::kNear);
  CHECK(report.pairs[1].similarity >= 0.8);
  CHECK(report.pairs[1].similarity < 1.0);
  // Prompt/completion maps to the same user/assistant conversation: an exact copy across shapes.
  CHECK(report.pairs[2].validation_line == 4);
  CHECK(report.pairs[2].train_line == 1);
  CHECK(report.pairs[2].kind == LeakKind::kExact);
  CHECK(report.exact == 2);
  CHECK(report.near == 1);

  options.near = false;
  const LeakageResult exact_only = find_leakage(train, validation, options);
  REQUIRE_FALSE(exact_only.error);
  CHECK(exact_only.report.pairs.size() == 2);
  CHECK(exact_only.report.near == 0);
}

TEST_CASE("Leakage ignores copies within the validation set and compares unparsable lines by raw text") {
  TempDir dir;
  const std::string train = dir.write("train.jsonl", chat_line("a", words(5)) + "not json at all\n");
  const std::string validation =
      dir.write("validation.jsonl", chat_line("b", words(6)) + chat_line("b", words(6)) + "not json at all\n");
  LeakageOptions options;
  const LeakageResult result = find_leakage(train, validation, options);
  REQUIRE_FALSE(result.error);
  REQUIRE(result.report.pairs.size() == 1);
  CHECK(result.report.pairs[0].validation_line == 3);
  CHECK(result.report.pairs[0].train_line == 2);
  CHECK(result.report.pairs[0].kind == LeakKind::kExact);
  CHECK(result.report.train_raw == 1);
  CHECK(result.report.validation_raw == 1);
}

TEST_CASE("Leakage reports a missing file as an error") {
  TempDir dir;
  const std::string train = dir.write("train.jsonl", chat_line("a", "b"));
  const LeakageResult result = find_leakage(train, (dir.path / "missing.jsonl").string(), LeakageOptions{});
  REQUIRE(result.error);
  CHECK(result.error->message.find("missing.jsonl") != std::string::npos);
}
