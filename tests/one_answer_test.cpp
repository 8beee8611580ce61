// One answer: prepare, validate and stats run the same record analysis, so over the same inputs
// and options they agree on records, rejections per rule, duplicates, conflicts and tokens; what
// prepare writes passes validate with zero errors, and stats over it agrees with report.json. (tokens --chat is checked against the
// manifest in tests/e2e/one_answer.sh.)
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tuneprep/rules.hpp"
#include "tuneprep/prepare.hpp"
#include "tuneprep/stats_run.hpp"
#include "tuneprep/validate.hpp"

#include "temp_dir.hpp"

using namespace tuneprep;
namespace fs = std::filesystem;

namespace {

const std::string kData = TUNEPREP_TEST_DATA;

struct Agreement {
  PrepareResult prepare;
  ValidateResult validate;
  StatsRunResult stats;
};

std::map<std::string, uint64_t> rule_map(const std::vector<RuleCount>& counts) {
  std::map<std::string, uint64_t> out;
  for (const RuleCount& count : counts) out[count.rule] = count.records;
  return out;
}

Agreement run_all(const std::vector<std::string>& inputs, const std::optional<TokenRequest>& tokens,
                  const TempDir& dir) {
  Agreement a;
  PrepareOptions prepare;
  prepare.inputs = inputs;
  prepare.output_dir = (dir.path / "out").string();
  prepare.tokens = tokens;
  prepare.report_findings = true;
  prepare.jobs = 2;
  a.prepare = run_prepare(prepare);

  ValidateOptions validate;
  validate.inputs = inputs;
  validate.tokens = tokens;
  validate.jobs = 2;
  a.validate = run_validate(validate);

  StatsRunOptions stats;
  stats.inputs = inputs;
  stats.count_tokens = tokens.has_value();
  if (tokens) stats.tokens = *tokens;
  stats.jobs = 2;
  a.stats = run_stats(stats);
  return a;
}

void check_agreement(const Agreement& a, bool with_tokens) {
  REQUIRE_FALSE(a.prepare.error);
  REQUIRE_FALSE(a.validate.error);
  REQUIRE_FALSE(a.stats.error);
  const PrepareSummary& p = a.prepare.summary;
  const ValidateCounts& v = a.validate.counts;
  const StatsReport& s = a.stats.report;

  CHECK(p.counts.records_in == v.records);
  CHECK(p.counts.records_in == s.records);
  CHECK(p.rejections_by_rule == v.records_by_error_rule);
  CHECK(p.rejections_by_rule == rule_map(s.rejections));
  CHECK(p.rejections_by_rule == rule_map(a.prepare.report.rejections));
  CHECK(p.counts.rejected == s.rejected);
  CHECK(p.exact_duplicates == v.duplicates);
  CHECK(p.exact_duplicates == s.exact_duplicates);
  CHECK(v.conflicts == s.conflicts);
  CHECK(v.conflicts == a.prepare.report.conflicts);
  CHECK(p.counts.train + p.counts.validation == v.examples);
  CHECK(p.counts.train + p.counts.validation == s.examples);
  // The warnings validate prints are the findings both reports count.
  CHECK(rule_map(s.warnings) == rule_map(a.prepare.report.warnings));
  if (with_tokens) {
    uint64_t kept_tokens = 0;
    for (const OutputSummary& output : p.outputs) kept_tokens += output.tokens.value_or(0);
    CHECK(kept_tokens == a.prepare.report.tokens_total);
    CHECK(s.examples_over_limit.value_or(999) == a.prepare.report.examples_over_limit.value_or(999));
  }
}

// stats over what prepare wrote (train + validation) measures what report.json says about it.
void check_outputs_stats(const TempDir& dir, const PrepareResult& prepare, const std::optional<TokenRequest>& tokens) {
  StatsRunOptions stats;
  for (const char* name : {"train.jsonl", "validation.jsonl"}) {
    if (fs::exists(dir.path / "out" / name)) stats.inputs.push_back((dir.path / "out" / name).string());
  }
  stats.count_tokens = tokens.has_value();
  if (tokens) stats.tokens = *tokens;
  const StatsRunResult written = run_stats(stats);
  REQUIRE_FALSE(written.error);
  const StatsReport& r = prepare.report;
  const StatsReport& w = written.report;
  CHECK(w.records == r.examples);
  CHECK(w.rejected == 0);
  CHECK(w.exact_duplicates == 0);
  CHECK(w.examples == r.examples);
  CHECK(w.tokens_total == r.tokens_total);
  CHECK(w.tokens_assistant_total == r.tokens_assistant_total);
  CHECK(w.answers == r.answers);
}

// Validates what prepare wrote (train and validation) with the same options: zero errors.
void check_outputs_validate(const TempDir& dir, const std::optional<TokenRequest>& tokens) {
  std::vector<std::string> outputs;
  for (const char* name : {"train.jsonl", "validation.jsonl"}) {
    if (fs::exists(dir.path / "out" / name)) outputs.push_back((dir.path / "out" / name).string());
  }
  ValidateOptions validate;
  validate.inputs = outputs;
  validate.tokens = tokens;
  validate.rules.set_enabled(RuleId::kTooFewExamples, false);  // a small output is no data error
  const ValidateResult result = run_validate(validate);
  REQUIRE_FALSE(result.error);
  for (const FileDiagnostic& d : result.diagnostics.diagnostics) {
    if (d.diagnostic.severity != Severity::kError) continue;
    FAIL_CHECK(result.diagnostics.paths[d.file_index] << ":" << d.diagnostic.line << ": "
                                                       << rule_name(d.diagnostic.rule) << ": " << d.diagnostic.message);
  }
  CHECK(result.severities.errors == 0);
}

}  // namespace

TEST_CASE("prepare, validate and stats agree on the bundled samples") {
  TempDir dir;
  const std::vector<std::string> inputs = {kData + "/../../samples"};
  const TokenRequest tokens{"gpt-4o-mini", std::nullopt, 0, false};
  const Agreement a = run_all(inputs, tokens, dir);
  check_agreement(a, true);
  check_outputs_validate(dir, tokens);
  check_outputs_stats(dir, a.prepare, tokens);
}

TEST_CASE("prepare, validate and stats agree on the public datasets with a small token limit") {
  TempDir dir;
  const std::vector<std::string> inputs = {kData + "/public"};
  const TokenRequest tokens{"", std::nullopt, 400, false};
  const Agreement a = run_all(inputs, tokens, dir);
  check_agreement(a, true);
  CHECK(a.prepare.summary.rejections_by_rule.count("too-many-tokens") == 1);
  check_outputs_validate(dir, tokens);
  check_outputs_stats(dir, a.prepare, tokens);
}

TEST_CASE("prepare, validate and stats agree on the stats fixture and the validate fixture") {
  for (const char* input : {"/stats/input", "/validate/fixture.jsonl"}) {
    INFO(input);
    TempDir dir;
    const std::vector<std::string> inputs = {kData + input};
    check_agreement(run_all(inputs, std::nullopt, dir), false);
    check_outputs_validate(dir, std::nullopt);
  }
}

TEST_CASE("prepare, validate and stats agree on every file of the bad-input corpus") {
  size_t files = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(kData + "/bad")) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".expected") || name.ends_with(".args") || name.ends_with(".md")) continue;
    INFO(name);
    ++files;
    TempDir dir;
    const Agreement a = run_all({entry.path().string()}, std::nullopt, dir);
    if (a.prepare.error) {
      // A file none of them can read is the same usage or I/O error for all three.
      REQUIRE(a.validate.error);
      REQUIRE(a.stats.error);
      CHECK(a.validate.error->message == a.prepare.error->message);
      continue;
    }
    check_agreement(a, false);
    check_outputs_validate(dir, std::nullopt);
  }
  CHECK(files > 40);
}
