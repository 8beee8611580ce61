// Regression tests of issue #13 (bad input): each names the defect it pins.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "temp_dir.hpp"
#include "tuneprep/checks.hpp"
#include "tuneprep/diagnostics.hpp"
#include "tuneprep/io.hpp"
#include "tuneprep/readers.hpp"
#include "tuneprep/rule_config.hpp"
#include "tuneprep/utf8.hpp"

using namespace tuneprep;
using namespace std::string_literals;

namespace {

std::vector<Record> read_csv(std::string_view bytes, ReaderOptions options = {}) {
  ReaderResult opened = open_reader(memory_source(bytes), "r.csv", FileFormat::kCsv, false, 0, options);
  REQUIRE_FALSE(opened.error);
  std::vector<Record> records;
  RecordBatch batch;
  std::optional<IoError> error;
  while (opened.reader->next_batch(batch, error)) {
    for (Record& r : batch.records) records.push_back(std::move(r));
  }
  REQUIRE_FALSE(error);
  return records;
}

}  // namespace

TEST_CASE("issue 13: invalid UTF-8 in a CSV field is rejected as invalid-utf8, not passed on") {
  const auto records = read_csv("prompt,response\nq1,a\xc0\xaf" "b\nq2,fine\n");
  REQUIRE(records.size() == 2);
  REQUIRE(records[0].framing_error);
  CHECK(records[0].framing_error->rule == "invalid-utf8");
  CHECK(records[0].framing_error->message == "the record is not valid UTF-8 (byte 0xc0 at offset 4)");
  CHECK(records[0].framing_error->column == 5);  // the byte's column, not the record's
  CHECK_FALSE(records[0].csv.response);
  CHECK_FALSE(records[1].framing_error);
}

TEST_CASE("issue 13: a CSV header that is not UTF-8 is an error naming its column") {
  ReaderResult opened =
      open_reader(memory_source("prompt,re\xffsponse\nq,a\n"), "h.csv", FileFormat::kCsv, false, 0, ReaderOptions{});
  REQUIRE(opened.error);
  CHECK(opened.error->message == "h.csv:1: CSV header is not valid UTF-8 (byte 0xff at column 10)");
}

TEST_CASE("first_invalid_utf8 finds overlongs, surrogates and truncation") {
  CHECK(first_invalid_utf8("plain") == 5);
  CHECK(first_invalid_utf8("caf\xc3\xa9") == 5);
  CHECK(first_invalid_utf8("a\xc0\xaf") == 1);
  CHECK(first_invalid_utf8("ab\xed\xa0\x80") == 2);  // a UTF-16 surrogate
  CHECK(first_invalid_utf8("abc\xe2\x82") == 3);     // cut short
}

TEST_CASE("issue 13: a dotted key or table header of 50,000 parts is an error, not a stack overflow") {
  std::string header = "[a";
  for (int i = 0; i < 50000; ++i) header += ".a";
  header += "]\n";
  RuleConfig config;
  auto error = apply_rules_toml(config, header, "tuneprep.toml");
  REQUIRE(error);
  CHECK(error->message == "tuneprep.toml:1:65: a dotted key has too many parts (at most 32)");

  std::string dotted = "x";
  for (int i = 0; i < 50000; ++i) dotted += ".x";
  error = apply_rules_toml(config, dotted + " = 1\n", "cfg.toml");
  REQUIRE(error);
  CHECK(error->message.starts_with("cfg.toml:1:"));

  error = apply_rules_toml(config, "a = " + std::string(40000, '[') + "\n", "cfg.toml");
  REQUIRE(error);
  CHECK(error->message == "cfg.toml:1:37: arrays, tables and inline tables are nested too deeply (at most 32)");
  error = apply_rules_toml(config, "a = " + std::string(40000, '{') + "\n", "cfg.toml");
  REQUIRE(error);
}

TEST_CASE("the TOML pre-scan leaves strings, comments and real configurations alone") {
  const std::string dots(100, '.');
  const std::string toml = "# " + dots + "\ntitle = \"" + dots + "\"\nnote = '" + dots + "'\ntext = \"\"\"\n" + dots +
                           "\n\"\"\"\nnums = [1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5, "
                           "15.5, 16.5, 17.5, 18.5, 19.5, 20.5, 21.5, 22.5, 23.5, 24.5, 25.5, 26.5, 27.5, 28.5, 29.5, "
                           "30.5, 31.5, 32.5, 33.5]\n[tool.tuneprep.extra]\n[rules]\ndisable = [\"pii-phone\"]\n";
  CHECK_FALSE(check_toml_limits(toml, "cfg.toml"));
  RuleConfig config;
  CHECK_FALSE(apply_rules_toml(config, toml, "cfg.toml"));
  CHECK_FALSE(config.enabled(RuleId::kPiiPhone));
}

TEST_CASE("issue 13: --config /dev/zero stops at 1 MiB; a directory is an error") {
  RuleConfig config;
  auto error = load_rules_toml_file(config, "/dev/zero");
  REQUIRE(error);
  CHECK(error->message == "/dev/zero: the configuration file is larger than 1 MiB");
  TempDir dir;
  error = load_rules_toml_file(config, dir.path.string());
  REQUIRE(error);
  CHECK(error->message == dir.path.string() + ": cannot read the configuration file: Is a directory");
  error = load_rules_toml_file(config, (dir.path / "none.toml").string());
  REQUIRE(error);
  CHECK(error->message.ends_with("none.toml: cannot open the configuration file: No such file or directory"));
  const std::string path = dir.write("ok.toml", "[rules]\ndisable = [\"pii-email\"]\n");
  CHECK_FALSE(load_rules_toml_file(config, path));
  CHECK_FALSE(config.enabled(RuleId::kPiiEmail));
}

TEST_CASE("terminal_text escapes controls, C1, bidi overrides and bytes that are not UTF-8") {
  CHECK(terminal_text("plain caf\xc3\xa9 \xe4\xb8\xad") == "plain caf\xc3\xa9 \xe4\xb8\xad");
  CHECK(terminal_text("foo\x1b]0;X\x07") == "foo\\x1b]0;X\\x07");
  CHECK(terminal_text("a\nb\rc\td\x7f") == "a\\nb\\rc\\td\\x7f");
  CHECK(terminal_text("\xc2\x9b" "31m") == "\\u{9b}31m");            // C1 CSI
  CHECK(terminal_text("x\xe2\x80\xaey") == "x\\u{202e}y");            // right-to-left override
  CHECK(terminal_text("bad\xc0\xaf") == "bad\\xc0\\xaf");
}

TEST_CASE("issue 13: an escape sequence or newline in a file name does not reach the text or github output") {
  DiagnosticSet set;
  set.paths = {"x\x1b]0;X\x07\n.csv"};
  set.records = 1;
  Diagnostic d = make_diagnostic(RuleId::kJsonSyntax, "bad \x1b[2J thing");
  d.line = 2;
  d.column = 3;
  set.diagnostics.push_back(FileDiagnostic{0, d});
  CHECK(format_text(set, TextFormatOptions{}) ==
        "x\\x1b]0;X\\x07\\n.csv:2:3: error[json-syntax]: bad \\x1b[2J thing\n1 error, 0 warnings in 1 record of 1 file\n");
  CHECK(format_github(set) ==
        "::error file=x\\x1b]0;X\\x07%0A.csv,line=2,col=3,title=json-syntax::bad \\x1b[2J thing\n");
}

TEST_CASE("issue 13: mask_secrets shortens keys as the secret-key rule does") {
  const std::string key = "sk-proj-" + std::string("Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7dEf0h");
  CHECK(mask_secrets("unknown role \"" + key.substr(0, 40) + "...\"") == "unknown role \"sk-p…...\"");
  CHECK(mask_secrets("+ " + key + " and AKIAQ7ZP3XK2M9RT4VW8 here") == "+ sk-p… and AKIA… here");
  CHECK(mask_secrets("no secret: sk-example-placeholder-xxxxxxxxxxxx") == "no secret: sk-example-placeholder-xxxxxxxxxxxx");
}

TEST_CASE("issue 13: --max-record-bytes takes 2^64-1 and sizes; 0 is refused") {
  CHECK(cli::parse_byte_size("18446744073709551615") == UINT64_MAX);
  CHECK_FALSE(cli::parse_byte_size("18446744073709551616"));
  CHECK_FALSE(cli::parse_byte_size("0"));
  // The readers' slack byte must not wrap: a record is kept whole under the largest limit.
  ReaderOptions options;
  options.max_record_bytes = SIZE_MAX;
  const std::string row = "q," + std::string(5000, 'a') + "\r\n";
  const auto records = read_csv("prompt,response\n" + row, options);
  REQUIRE(records.size() == 1);
  CHECK_FALSE(records[0].framing_error);
  CHECK(records[0].csv.response->size() == 5000);
}

TEST_CASE("issue 13: a file listed twice and - - are read once, with a note") {
  TempDir dir;
  const std::string a = dir.write("a.jsonl", "{}\n");
  dir.write("d/b.jsonl", "{}\n");
  std::filesystem::create_hard_link(a, dir.path / "d" / "a-link.jsonl");
  ExpandResult result = expand_inputs({a, "-", a, (dir.path / "d").string(), "-"});
  REQUIRE_FALSE(result.error);
  std::vector<std::string> paths;
  for (const InputFile& f : result.files) paths.push_back(f.path);
  CHECK(paths == std::vector<std::string>{a, "-", (dir.path / "d" / "b.jsonl").string()});
  CHECK(result.notes == std::vector<std::string>{a + ": the same file is already an input: read once",
                                                 (dir.path / "d" / "a-link.jsonl").string() +
                                                     ": the same file is already an input: read once",
                                                 "-: stdin given more than once: read once"});
}

TEST_CASE("issue 13: FIFOs, dangling and looping links in a directory are skipped with a note") {
  TempDir dir;
  dir.write("d/ok.jsonl", "{}\n");
  const auto d = dir.path / "d";
  REQUIRE(::mkfifo((d / "pipe.jsonl").c_str(), 0600) == 0);
  std::filesystem::create_symlink(d / "missing.jsonl", d / "dangling.jsonl");
  std::filesystem::create_symlink(d / "loop.jsonl", d / "loop.jsonl");
  ExpandResult result = expand_inputs({d.string()});
  REQUIRE_FALSE(result.error);
  REQUIRE(result.files.size() == 1);
  CHECK(result.notes == std::vector<std::string>{(d / "dangling.jsonl").string() + ": skipped: dangling symbolic link",
                                                 (d / "loop.jsonl").string() + ": skipped: symbolic link loop",
                                                 (d / "pipe.jsonl").string() +
                                                     ": skipped: not a regular file (a FIFO)"});
}

TEST_CASE("issue 13: an empty input path says so") {
  ExpandResult result = expand_inputs({""});
  REQUIRE(result.error);
  CHECK(result.error->message == "an input path is empty (\"\")");
}

TEST_CASE("issue 13: a CSV with CR-only line ends says so, not that a column is missing") {
  ReaderResult opened =
      open_reader(memory_source("prompt,response\rq,a\r"), "mac.csv", FileFormat::kCsv, false, 0, ReaderOptions{});
  REQUIRE(opened.error);
  CHECK(opened.error->message ==
        "mac.csv:1: CSV uses CR-only line ends (no LF after a CR); convert them to LF or CR LF, e.g. with tr '\\r' '\\n'");
}
