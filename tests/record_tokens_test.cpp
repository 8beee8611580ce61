// Unit tests of record_tokens: the JSON line `tokens --chat` writes for one record (chat,
// preference pair, CSV row, unreadable record), with and without path and model.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include <fmt/core.h>

#include "tuneprep/models.hpp"
#include "tuneprep/tokens_run.hpp"

using namespace tuneprep;

namespace {

Record json_record(std::string text, uint64_t line = 1) {
  Record record;
  record.source.line = line;
  record.text = std::move(text);
  record.text.reserve(record.text.size() + 64);  // simdjson padding
  return record;
}

const Encoding& cl100k() { return Encoding::get(EncodingId::kCl100kBase); }

}  // namespace

TEST_CASE("record_tokens writes a chat record's counts as one compact JSON line") {
  const RecordAnalyzer analyzer(tokens_analysis(NormalizeOptions{}));
  RecordAnalysis scratch;
  const Record record = json_record(
      R"({"messages":[{"role":"system","content":"You are helpful."},{"role":"user","content":"Hi"},)"
      R"({"role":"assistant","content":"Hello!"}]})",
      7);
  std::string out;
  const RecordTokens found = record_tokens(record, "", analyzer, scratch, RecordTokensOptions{&cl100k(), 0}, out);
  // The cookbook count of this record (tests/e2e/tokens.sh has it as well).
  CHECK(out == R"({"line":7,"total":22,"prompt":19,"assistant":3,"estimated":0})" "\n");
  CHECK(found.readable);
  CHECK(found.total == 22);

  // The same counts as the library's accounting, with the path first and over_limit last.
  const ModelInfo* model = find_model("gpt-3.5-turbo-0613")->model;
  out.clear();
  record_tokens(record, "data/a b.jsonl", analyzer, scratch, RecordTokensOptions{&cl100k(), model->max_example_tokens}, out);
  Normalizer normalizer(NormalizeOptions{});
  const ChatTokenCount count = count_chat_tokens(cl100k(), *normalizer.normalize(record).example);
  CHECK(out == fmt::format(R"({{"path":"data/a b.jsonl","line":7,"total":{},"prompt":{},"assistant":{},)"
                           R"("estimated":0,"over_limit":false}})"
                           "\n",
                           count.total, count.prompt, count.trained));
}

TEST_CASE("record_tokens appends, so a batch of records makes JSON Lines") {
  const RecordAnalyzer analyzer(tokens_analysis(NormalizeOptions{}));
  RecordAnalysis scratch;
  std::string out = "earlier\n";
  record_tokens(json_record(R"({"prompt":"Hi","completion":"Hello"})", 2), "", analyzer, scratch,
                RecordTokensOptions{&cl100k(), 0}, out);
  CHECK(out.starts_with("earlier\n{\"line\":2,\"total\":"));
  CHECK(out.ends_with("}\n"));
  CHECK(std::count(out.begin(), out.end(), '\n') == 2);
}

TEST_CASE("record_tokens counts both halves of a preference pair and compares the longer to the limit") {
  const RecordAnalyzer analyzer(tokens_analysis(NormalizeOptions{}));
  RecordAnalysis scratch;
  const Record record = json_record(
      R"({"input":{"messages":[{"role":"user","content":"Say hi"}]},)"
      R"("preferred_output":[{"role":"assistant","content":"Hi"}],)"
      R"("non_preferred_output":[{"role":"assistant","content":"Hello there, how are you doing today?"}]})");
  Normalizer normalizer(NormalizeOptions{});
  const NormalizeResult normalized = normalizer.normalize(record);
  REQUIRE(normalized.example);
  const PreferenceTokenCount count = count_preference_tokens(cl100k(), *normalized.example);
  REQUIRE(count.non_preferred.total > count.preferred.total);

  // A made-up model whose limit lies between the two halves: only the longer one is over.
  ModelInfo small = *find_model("gpt-3.5-turbo")->model;
  small.max_example_tokens = static_cast<uint32_t>(count.preferred.total);
  std::string out;
  const RecordTokens found = record_tokens(record, "", analyzer, scratch, RecordTokensOptions{&cl100k(), small.max_example_tokens}, out);
  CHECK(found.readable);
  CHECK(found.total == count.preferred.total);
  CHECK(out == fmt::format(R"({{"line":1,"total":{},"prompt":{},"assistant":{},"estimated":0,)"
                           R"("non_preferred_total":{},"non_preferred_assistant":{},"over_limit":true}})"
                           "\n",
                           count.preferred.total, count.preferred.prompt, count.preferred.trained,
                           count.non_preferred.total, count.non_preferred.trained));
}

TEST_CASE("record_tokens counts a CSV row like the same conversation in JSON") {
  const RecordAnalyzer analyzer(tokens_analysis(NormalizeOptions{}));
  RecordAnalysis scratch;
  Record row;
  row.kind = RecordKind::kCsvRow;
  row.source.line = 3;
  row.text = "Hi,Hello!";
  row.csv.prompt = "Hi";
  row.csv.response = "Hello!";
  row.csv.prompt_field = 0;
  row.csv.response_field = 1;
  std::string from_csv;
  record_tokens(row, "", analyzer, scratch, RecordTokensOptions{&cl100k(), 0}, from_csv);
  std::string from_json;
  record_tokens(json_record(R"({"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]})", 3),
                "", analyzer, scratch, RecordTokensOptions{&cl100k(), 0}, from_json);
  CHECK(from_csv == from_json);
  CHECK(from_csv.starts_with(R"({"line":3,"total":)"));
}

TEST_CASE("record_tokens reports an unreadable record with its first error's rule and message") {
  const RecordAnalyzer analyzer(tokens_analysis(NormalizeOptions{}));
  RecordAnalysis scratch;
  const RecordTokensOptions options{&cl100k(), find_model("gpt-4o")->model->max_example_tokens};

  std::string out;
  const RecordTokens found =
      record_tokens(json_record(R"({"messages":[{"role":"wizard","content":"x"}]})", 5), "in.jsonl", analyzer, scratch, options, out);
  CHECK_FALSE(found.readable);
  CHECK(found.total == 0);
  CHECK(out == R"j({"path":"in.jsonl","line":5,"error":"unknown-role: unknown role \"wizard\" (expected system, user, assistant or tool; --map user_tag=NAME and the like name others)"})j"
               "\n");

  // A framing error of the reader (here a record over --max-record-bytes) is reported the same way.
  Record too_large = json_record(R"({"messages":[)", 9);
  too_large.framing_error = FramingError{"record-too-large", "the record is larger than 10 bytes", 0};
  out.clear();
  CHECK_FALSE(record_tokens(too_large, "", analyzer, scratch, options, out).readable);
  CHECK(out == R"({"line":9,"error":"record-too-large: the record is larger than 10 bytes"})" "\n");
}
