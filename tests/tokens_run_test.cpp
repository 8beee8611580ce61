// Unit tests of the tokens driver: text counts, ids and per-line output over several inputs (the
// wc-like format), compressed inputs, chunking that any thread count agrees on, --chat over a
// directory of mixed formats, and the errors that stop a run.
#include <catch2/catch.hpp>

#include <zstd.h>

#include <string>
#include <vector>

#include <fmt/core.h>

#include "tuneprep/tokens_run.hpp"

#include "temp_dir.hpp"

using namespace tuneprep;

namespace {

struct Captured {
  std::string out;
  TokensRunResult result;
};

Captured run(TokensRunOptions options) {
  Captured captured;
  captured.result = run_tokens(options, [&](std::string_view text) {
    captured.out += text;
    return true;
  });
  return captured;
}

std::string zstd(std::string_view data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

const Encoding& o200k() { return Encoding::get(EncodingId::kO200kBase); }

}  // namespace

TEST_CASE("tokens counts one input as a bare number and several like wc, with a total") {
  TempDir dir;
  const std::string a = dir.write("a.txt", "hello world");
  const std::string b = dir.write("b.txt.zst", zstd("hello\nworld foo\n"));

  TokensRunOptions options;
  options.inputs = {a};
  Captured one = run(options);
  REQUIRE_FALSE(one.result.error);
  CHECK(one.out == "2\n");

  options.inputs = {a, b};
  Captured two = run(options);
  REQUIRE_FALSE(two.result.error);
  const size_t in_b = o200k().count("hello\nworld foo\n");
  CHECK(two.out == fmt::format("2 {}\n{} {}\n{} total\n", a, in_b, b, 2 + in_b));
  CHECK(two.result.tokens == 2 + in_b);
}

TEST_CASE("tokens names each input before its ids and per-line results when there are several") {
  TempDir dir;
  const std::string a = dir.write("a.txt", "hello world");
  const std::string empty = dir.write("empty.txt", "");
  const std::string lines = dir.write("lines.txt", "hello world\r\n\nhello\n");

  TokensRunOptions options;
  options.ids = true;
  options.inputs = {a, empty};
  CHECK(run(options).out == fmt::format("{}:24912 2375\n{}:\n", a, empty));
  options.inputs = {a};
  CHECK(run(options).out == "24912 2375\n");

  options.ids = false;
  options.mode = TokensMode::kEachLine;
  options.inputs = {lines, a};
  CHECK(run(options).out == fmt::format("{0}:2\n{0}:0\n{0}:1\n{1}:2\n", lines, a));
  options.inputs = {lines};
  CHECK(run(options).out == "2\n0\n1\n");
}

TEST_CASE("tokens cuts long text only at safe points, so every thread count gives the whole text's tokens") {
  TempDir dir;
  std::string text;
  for (int i = 0; text.size() < (3u << 20); ++i) {
    text += fmt::format("Line {} über 日本語 don't 🙂 {}\n", i, std::string(static_cast<size_t>(i % 7), ' '));
  }
  const std::string path = dir.write("big.txt", text);
  const std::string compressed = dir.write("big.txt.zst", zstd(text));

  TokensRunOptions options;
  options.inputs = {path};
  options.jobs = 1;
  const Captured serial = run(options);
  options.jobs = 2;
  CHECK(run(options).out == serial.out);
  CHECK(serial.out == fmt::format("{}\n", o200k().count(text)));
  options.inputs = {compressed};
  CHECK(run(options).out == serial.out);

  options.inputs = {path};
  options.ids = true;
  options.jobs = 1;
  const std::string ids = run(options).out;
  options.jobs = 2;
  CHECK(run(options).out == ids);
}

TEST_CASE("tokens --chat reads every data file under a directory, naming each record's file") {
  TempDir dir;
  dir.write("data/a.jsonl",
            R"({"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]})"
            "\nnot json\n");
  dir.write("data/b.json", R"([{"instruction":"Say hi","input":"","output":"Hi"}])");
  dir.write("data/c.csv", "prompt,response\nHi,Hello!\n");
  dir.write("data/notes.txt", "not a data file");
  const std::string root = (dir.path / "data").string();

  TokensRunOptions options;
  options.mode = TokensMode::kChat;
  options.inputs = {root};
  const Captured chat = run(options);
  REQUIRE_FALSE(chat.result.error);
  CHECK(chat.result.records == 4);
  CHECK(chat.result.unreadable == 1);
  std::vector<std::string> lines;
  for (size_t start = 0, end; (end = chat.out.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(chat.out.substr(start, end - start));
  }
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].starts_with(fmt::format(R"({{"path":"{}/a.jsonl","line":1,"total":)", root)));
  CHECK(lines[1].starts_with(fmt::format(R"({{"path":"{}/a.jsonl","line":2,"error":"json-syntax: )", root)));
  CHECK(lines[2].starts_with(fmt::format(R"({{"path":"{}/b.json","line":1,"total":)", root)));
  // The CSV row is the same conversation as a.jsonl's first record: the same counts.
  CHECK(lines[3].substr(lines[3].find(",\"total\"")) == lines[0].substr(lines[0].find(",\"total\"")));
  CHECK(lines[3].find("c.csv\",\"line\":2,") != std::string::npos);

  options.inputs = {root + "/c.csv"};
  options.jobs = 1;
  CHECK(run(options).out == R"({"line":2,"total":14,"prompt":11,"assistant":3,"estimated":0})" "\n");
}

TEST_CASE("tokens stops with an error, before any output, on a directory in text mode or a missing input") {
  TempDir dir;
  const std::string a = dir.write("a.txt", "hello");
  TokensRunOptions options;
  options.inputs = {a, dir.path.string()};
  Captured directory = run(options);
  REQUIRE(directory.result.error);
  CHECK(directory.result.error->message ==
        dir.path.string() + ": is a directory (text counts read files; --chat reads the data files under a directory)");
  CHECK(directory.out.empty());

  options.inputs = {a, a + ".missing"};
  Captured missing = run(options);
  REQUIRE(missing.result.error);
  CHECK(missing.result.error->message == a + ".missing: No such file or directory");
  CHECK(missing.out.empty());

  options.inputs = {a};
  options.model = "no-such-model";
  REQUIRE(run(options).result.error);

  // A broken compressed input is an I/O error naming the file.
  options.model.clear();
  options.inputs = {dir.write("broken.txt.zst", zstd("hello world").substr(0, 8))};
  Captured broken = run(options);
  REQUIRE(broken.result.error);
  CHECK(broken.result.error->message.starts_with(options.inputs[0] + ": "));
}

TEST_CASE("tokens stops when the output cannot be written") {
  TempDir dir;
  TokensRunOptions options;
  options.mode = TokensMode::kEachLine;
  options.inputs = {dir.write("a.txt", "one\ntwo\n")};
  const TokensRunResult result = run_tokens(options, [](std::string_view) { return false; });
  REQUIRE(result.error);
  CHECK(result.error->message == "writing the output failed");
}
