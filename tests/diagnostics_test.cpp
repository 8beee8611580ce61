// Golden-file tests of the diagnostic formats (tests/data/diagnostics/) and unit tests of their
// ordering, counting and escaping. TUNEPREP_UPDATE_GOLDEN=1 rewrites the golden files.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "tuneprep/diagnostics.hpp"
#include "tuneprep/rules.hpp"

using namespace tuneprep;

namespace {

FileDiagnostic at(uint32_t file, uint64_t line, uint32_t column, RuleId rule, std::string message,
                  std::string pointer = {}) {
  FileDiagnostic fd;
  fd.file_index = file;
  fd.diagnostic = make_diagnostic(rule, std::move(message), std::move(pointer));
  fd.diagnostic.line = line;
  fd.diagnostic.column = column;
  return fd;
}

// Two files, unsorted on purpose, with a dataset-level finding, a line without a column, two
// findings at one position, and text that every format must escape.
DiagnosticSet sample() {
  DiagnosticSet set;
  set.paths = {"data/train.jsonl", "data/odd name,v2:ü.jsonl"};
  set.records = 12;
  set.diagnostics = {
      at(0, 3, 41, RuleId::kPiiEmail, "content contains an e-mail address (j…@gmail.com)", "/messages/1/content"),
      at(1, 1, 1, RuleId::kJsonSyntax, "unterminated string"),
      at(0, 2, 15, RuleId::kConsecutiveSameRole, "messages 0 and 1 are both user messages", "/messages/1/role"),
      at(0, 0, 0, RuleId::kTooFewExamples, "the dataset has 3 examples; fine-tuning needs at least 10"),
      at(1, 7, 0, RuleId::kBomOrCrlf, "record has a CR LF line end"),
      at(0, 2, 15, RuleId::kInvalidWeight, "weight must be 0 or 1, not 2", "/messages/1/weight"),
      at(1, 4, 9, RuleId::kHtmlMarkup, "content contains an HTML tag (<br/>): 100% \"sure\", really\nsecond line",
         "/messages/0/content"),
  };
  set.diagnostics[3].diagnostic.severity = Severity::kError;
  sort_diagnostics(set);
  return set;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void check_golden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(TUNEPREP_TEST_DATA) + "/diagnostics/" + name;
  if (std::getenv("TUNEPREP_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << actual;
  }
  INFO("golden file " << path);
  CHECK(actual == read_file(path));
}

}  // namespace

TEST_CASE("diagnostics sort by path, line, column, then rule") {
  const DiagnosticSet set = sample();
  std::vector<std::string> order;
  for (const FileDiagnostic& fd : set.diagnostics) {
    order.push_back(std::to_string(fd.file_index) + ":" + std::to_string(fd.diagnostic.line) + ":" +
                    std::string(rule_name(fd.diagnostic.rule)));
  }
  CHECK(order == std::vector<std::string>{"1:1:json-syntax", "1:4:html-markup", "1:7:bom-or-crlf",
                                          "0:0:too-few-examples", "0:2:consecutive-same-role",
                                          "0:2:invalid-weight", "0:3:pii-email"});
}

TEST_CASE("summary counts errors, warnings and infos with singular and plural") {
  const DiagnosticSet set = sample();
  CHECK(format_summary(set) == "3 errors, 3 warnings, 1 info in 12 records of 2 files");
  DiagnosticSet one;
  one.paths = {"a.jsonl"};
  one.records = 1;
  one.diagnostics = {at(0, 1, 1, RuleId::kPiiEmail, "x")};
  CHECK(format_summary(one) == "0 errors, 1 warning in 1 record of 1 file");
}

TEST_CASE("text format matches its golden file") {
  check_golden("sample.txt", format_text(sample(), {}));
}

TEST_CASE("text format with colour matches its golden file") {
  TextFormatOptions options;
  options.color = true;
  check_golden("sample-color.txt", format_text(sample(), options));
}

TEST_CASE("text format stops printing at --max-diagnostics but still counts") {
  TextFormatOptions options;
  options.max_diagnostics = 2;
  check_golden("sample-max2.txt", format_text(sample(), options));
}

TEST_CASE("JSON Lines format matches its golden file") {
  check_golden("sample.jsonl", format_json_lines(sample()));
}

TEST_CASE("SARIF format matches its golden file") {
  check_golden("sample.sarif", format_sarif(sample()));
}

TEST_CASE("GitHub annotation format matches its golden file") {
  check_golden("sample.github", format_github(sample()));
}

TEST_CASE("GitHub annotations escape percent, CR, LF, and colon and comma in properties") {
  DiagnosticSet set;
  set.paths = {"a,b:c%.jsonl"};
  set.diagnostics = {at(0, 2, 3, RuleId::kPiiEmail, "50%: a,b\r\nc")};
  CHECK(format_github(set) == "::warning file=a%2Cb%3Ac%25.jsonl,line=2,col=3,title=pii-email::50%25: a,b%0D%0Ac\n");
  set.diagnostics = {at(0, 0, 0, RuleId::kTooFewExamples, "few")};
  set.diagnostics[0].diagnostic.severity = Severity::kInfo;
  CHECK(format_github(set) == "::notice file=a%2Cb%3Ac%25.jsonl,title=too-few-examples::few\n");
}

TEST_CASE("SARIF helpUri uses the configured base and rule anchors") {
  SarifOptions options;
  options.help_uri_base = "https://example.org/tuneprep/blob/main/";
  options.tool_version = "9.9.9";
  const std::string sarif = format_sarif(DiagnosticSet{}, options);
  CHECK(sarif.find("\"helpUri\": \"https://example.org/tuneprep/blob/main/docs/rules.md#pii-email\"") !=
        std::string::npos);
  CHECK(sarif.find("\"version\": \"9.9.9\"") != std::string::npos);
  CHECK(sarif.find("\"results\": []") != std::string::npos);
}
