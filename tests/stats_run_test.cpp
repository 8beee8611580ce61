// Unit tests of the stats driver: StatsCollector's per-record facts (rejection, findings, tokens)
// and run_stats over the fixture (figures, dedup modes, determinism across thread counts).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tuneprep/models.hpp"
#include "tuneprep/stats_run.hpp"

using namespace tuneprep;

namespace {

const std::string kInput = std::string(TUNEPREP_TEST_DATA) + "/stats/input";

Record json_record(std::string text, uint32_t file_index = 0) {
  Record record;
  record.source.file_index = file_index;
  record.text = std::move(text);
  record.text.reserve(record.text.size() + 64);  // simdjson padding
  return record;
}

StatsCollector make_collector(StatsCollectorOptions options = {}) {
  IoError error;
  std::optional<StatsCollector> collector = StatsCollector::create(options, error);
  REQUIRE(collector);
  return std::move(*collector);
}

}  // namespace

TEST_CASE("stats collector rejects a record with the distinct rule ids of its errors") {
  StatsCollector collector = make_collector();
  Normalizer normalizer(NormalizeOptions{});
  const Record record = json_record(R"({"messages":[{"role":"user","content":""},{"role":"user","content":""}]})", 2);
  const RecordFacts facts = collector.facts_for(record, normalizer.normalize(record));
  CHECK(facts.rejected);
  CHECK(facts.file_index == 2);
  CHECK(facts.reject_rules == std::vector<std::string>{"empty-content", "no-assistant-message"});
  CHECK_FALSE(facts.tokens);
}

TEST_CASE("stats collector counts tokens with the default model's encoding and reports warnings") {
  StatsCollector collector = make_collector();
  REQUIRE(collector.encoding() == EncodingId::kO200kBase);
  REQUIRE(collector.token_limit() == find_model("gpt-4o-mini")->model->max_example_tokens);
  Normalizer normalizer(NormalizeOptions{});
  const Record record = json_record(
      R"({"messages":[{"role":"user","content":"Mail me"},{"role":"assistant","content":"Write to bob.jones@posteo.de today."}]})");
  const NormalizeResult normalized = normalizer.normalize(record);
  const RecordFacts facts = collector.facts_for(record, normalized);
  CHECK_FALSE(facts.rejected);
  CHECK(facts.warning_rules == std::vector<std::string>{"pii-email"});
  REQUIRE(facts.tokens);
  const ChatTokenCount expected = count_chat_tokens(Encoding::get(EncodingId::kO200kBase), *normalized.example);
  CHECK(facts.tokens->total == expected.total);
  CHECK(facts.tokens->assistant == expected.trained);
  CHECK(facts.tokens->prompt == expected.prompt);
}

TEST_CASE("stats collector uses token counts the caller already has") {
  StatsCollector collector = make_collector();
  Normalizer normalizer(NormalizeOptions{});
  const Record record = json_record(R"({"prompt":"Hi","completion":"Hello there."})");
  const ChatTokenCount given{100, 60, 40, 0};
  const RecordFacts facts = collector.facts_for(record, normalizer.normalize(record), &given);
  REQUIRE(facts.tokens);
  CHECK(facts.tokens->total == 100);
  CHECK(facts.tokens->prompt == 60);
  CHECK(facts.tokens->assistant == 40);
}

TEST_CASE("stats collector keeps records whose only errors come from the checks when told to") {
  const std::string pair =
      R"({"input":{"messages":[{"role":"user","content":"Q"}]},"preferred_output":[{"role":"assistant","content":"A"}],)"
      R"("non_preferred_output":[{"role":"assistant","content":"A"}]})";
  Normalizer normalizer(NormalizeOptions{});
  const Record record = json_record(pair);
  StatsCollector strict = make_collector();
  const RecordFacts rejected = strict.facts_for(record, normalizer.normalize(record));
  CHECK(rejected.rejected);
  CHECK(rejected.reject_rules == std::vector<std::string>{"dpo-identical-outputs"});

  StatsCollectorOptions options;
  options.checker_errors_reject = false;
  StatsCollector keeping = make_collector(options);
  const RecordFacts kept = keeping.facts_for(record, normalizer.normalize(record));
  CHECK_FALSE(kept.rejected);
  CHECK(kept.warning_rules == std::vector<std::string>{"dpo-identical-outputs"});
}

TEST_CASE("stats collector refuses an unknown model") {
  StatsCollectorOptions options;
  options.model = "no-such-model";
  IoError error;
  CHECK_FALSE(StatsCollector::create(options, error));
  CHECK(error.message.find("unknown model \"no-such-model\"") == 0);
}

TEST_CASE("stats collector without tokens leaves token figures and the estimate out") {
  StatsCollectorOptions options;
  options.count_tokens = false;
  StatsCollector collector = make_collector(options);
  Normalizer normalizer(NormalizeOptions{});
  const Record record = json_record(R"({"prompt":"Hi","completion":"Hello there."})");
  collector.add(collector.facts_for(record, normalizer.normalize(record)));
  const StatsReport report = collector.finish({"a.jsonl"});
  CHECK(report.examples == 1);
  CHECK_FALSE(report.has_tokens);
  CHECK_FALSE(report.estimate);
  CHECK(report.files.at(0).path == "a.jsonl");
}

TEST_CASE("run_stats counts the fixture's records, rejections, duplicates and conflicts") {
  StatsRunOptions options;
  options.inputs = {kInput};
  options.collector.max_tokens = 300;
  const StatsRunResult result = run_stats(options);
  REQUIRE_FALSE(result.error);
  const StatsReport& r = result.report;
  CHECK(r.records == 15);
  CHECK(r.valid == 12);
  CHECK(r.rejected == 3);
  CHECK(r.exact_duplicates == 1);
  CHECK(r.conflicts == 1);
  CHECK(r.examples == 11);
  CHECK(r.examples_over_limit == 1);
  CHECK(r.refusals == 1);
  CHECK(r.token_limit == 300);
  CHECK(r.encoding == "o200k_base");
  CHECK(r.title == kInput);

  options.dedup = StatsDedup::kNone;
  const StatsRunResult none = run_stats(options);
  CHECK(none.report.exact_duplicates == 0);
  CHECK(none.report.examples == 12);
}

TEST_CASE("run_stats gives the same JSON for one and two threads") {
  StatsRunOptions options;
  options.inputs = {kInput};
  options.reader.batch_bytes = 256;  // several batches, so the threads really interleave
  options.jobs = 1;
  const StatsRunResult one = run_stats(options);
  options.jobs = 2;
  const StatsRunResult two = run_stats(options);
  REQUIRE_FALSE(one.error);
  REQUIRE_FALSE(two.error);
  CHECK(render_json(one.report) == render_json(two.report));
}

TEST_CASE("run_stats reports a missing input as an error") {
  StatsRunOptions options;
  options.inputs = {kInput + "/missing.jsonl"};
  const StatsRunResult result = run_stats(options);
  REQUIRE(result.error);
  CHECK(result.error->message.find("missing.jsonl") != std::string::npos);
}
