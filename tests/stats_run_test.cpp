// Unit tests of the stats driver: the record analysis's facts as stats asks for them (rejection,
// findings, tokens), the collector, and run_stats over the fixture (figures, dedup modes,
// determinism across thread counts).
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

// The analysis as run_stats sets it up: every rule, tokens of the default model, the facts.
AnalysisOptions stats_analysis(bool warnings = true, bool tokens = true) {
  AnalysisOptions options;
  options.warnings = warnings;
  if (tokens) {
    IoError error;
    options.tokens = resolve_token_budget(TokenRequest{std::string(kDefaultStatsModel), {}, 0, false}, error);
    REQUIRE(options.tokens);
  }
  options.facts = FactsOptions{};
  return options;
}

RecordFacts facts_of(const RecordAnalyzer& analyzer, const Record& record) {
  RecordAnalysis analysis;
  analyzer.analyze(record, "a.jsonl", analysis);
  return analysis.facts;
}

}  // namespace

TEST_CASE("stats facts of a rejected record carry the distinct rule ids of its errors") {
  const RecordAnalyzer analyzer(stats_analysis());
  const Record record = json_record(R"({"messages":[{"role":"user","content":""},{"role":"user","content":""}]})", 2);
  const RecordFacts facts = facts_of(analyzer, record);
  CHECK(facts.rejected);
  CHECK(facts.file_index == 2);
  CHECK(facts.reject_rules == std::vector<std::string>{"empty-content", "no-assistant-message"});
  CHECK_FALSE(facts.tokens);
}

TEST_CASE("stats facts count tokens with the default model's encoding and report warnings") {
  const RecordAnalyzer analyzer(stats_analysis());
  REQUIRE(analyzer.options().tokens->encoding->id() == EncodingId::kO200kBase);
  REQUIRE(analyzer.options().tokens->limit == find_model("gpt-4o-mini")->model->max_example_tokens);
  const Record record = json_record(
      R"({"messages":[{"role":"user","content":"Mail me"},{"role":"assistant","content":"Write to bob.jones@posteo.de today."}]})");
  const RecordFacts facts = facts_of(analyzer, record);
  CHECK_FALSE(facts.rejected);
  CHECK(facts.warning_rules == std::vector<std::string>{"pii-email"});
  REQUIRE(facts.tokens);
  const ChatTokenCount expected =
      count_chat_tokens(Encoding::get(EncodingId::kO200kBase), *analyzer.last_example());
  CHECK(facts.tokens->total == expected.total);
  CHECK(facts.tokens->assistant == expected.trained);
  CHECK(facts.tokens->prompt == expected.prompt);
}

TEST_CASE("stats facts: an error of the checks rejects, and warnings are left out without them") {
  const std::string pair =
      R"({"input":{"messages":[{"role":"user","content":"Q"}]},"preferred_output":[{"role":"assistant","content":"A"}],)"
      R"("non_preferred_output":[{"role":"assistant","content":"A"}]})";
  const Record record = json_record(pair);
  const RecordFacts rejected = facts_of(RecordAnalyzer(stats_analysis()), record);
  CHECK(rejected.rejected);
  CHECK(rejected.reject_rules == std::vector<std::string>{"dpo-identical-outputs"});
  // Without warnings the errors still run: one answer on what is valid.
  const RecordFacts still = facts_of(RecordAnalyzer(stats_analysis(/*warnings=*/false)), record);
  CHECK(still.rejected);
  const Record mail = json_record(
      R"({"messages":[{"role":"user","content":"Mail me"},{"role":"assistant","content":"Write to bob.jones@posteo.de today."}]})");
  CHECK(facts_of(RecordAnalyzer(stats_analysis(/*warnings=*/false)), mail).warning_rules.empty());
}

TEST_CASE("stats refuses an unknown model with the one unknown-model message") {
  StatsRunOptions options;
  options.inputs = {kInput};
  options.tokens.model = "no-such-model";
  const StatsRunResult result = run_stats(options);
  REQUIRE(result.error);
  CHECK(result.error->message == unknown_model_message("no-such-model"));
  CHECK(result.error->message.find("unknown model \"no-such-model\"") == 0);
}

TEST_CASE("stats collector without tokens leaves token figures and the estimate out") {
  StatsCollector collector(StatsCollectorOptions{});
  const RecordAnalyzer analyzer(stats_analysis(true, /*tokens=*/false));
  const Record record = json_record(R"({"prompt":"Hi","completion":"Hello there."})");
  collector.add(facts_of(analyzer, record));
  const StatsReport report = collector.finish({"a.jsonl"});
  CHECK(report.examples == 1);
  CHECK_FALSE(report.has_tokens);
  CHECK_FALSE(report.estimate);
  CHECK(report.files.at(0).path == "a.jsonl");
}

TEST_CASE("run_stats counts the fixture's records, rejections, duplicates and conflicts") {
  StatsRunOptions options;
  options.inputs = {kInput};
  options.tokens.max_tokens = 300;
  const StatsRunResult result = run_stats(options);
  REQUIRE_FALSE(result.error);
  const StatsReport& r = result.report;
  // The example over 300 tokens is rejected by too-many-tokens, as validate and prepare do.
  CHECK(r.records == 15);
  CHECK(r.valid == 11);
  CHECK(r.rejected == 4);
  CHECK(r.exact_duplicates == 1);
  CHECK(r.conflicts == 1);
  CHECK(r.examples == 10);
  CHECK(r.examples_over_limit == 1);
  CHECK(r.refusals == 1);
  CHECK(r.token_limit == 300);
  CHECK(r.encoding == "o200k_base");
  CHECK(r.title == kInput);

  options.dedup = DedupMode::kNone;
  const StatsRunResult none = run_stats(options);
  CHECK(none.report.exact_duplicates == 0);
  CHECK(none.report.examples == 11);
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
