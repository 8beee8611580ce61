// Unit tests of the prepare driver: accounting, manifest keys, determinism, atomic replacement.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tuneprep/prepare.hpp"

#include "temp_dir.hpp"

using namespace tuneprep;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t count_lines(const fs::path& path) {
  const std::string text = read_file(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

std::string chat(const std::string& user, const std::string& assistant) {
  return R"({"messages":[{"role":"user","content":")" + user + R"("},{"role":"assistant","content":")" +
         assistant + R"("}]})";
}

}  // namespace

TEST_CASE("prepare accounts for every record in exactly one output") {
  TempDir dir;
  std::string input;
  for (int i = 0; i < 50; ++i) input += chat("question " + std::to_string(i), "answer " + std::to_string(i)) + "\n";
  input += chat("question 3", "answer 3") + "\n";  // duplicate
  input += "{not json\n";                          // rejected
  input += "\n";                                   // blank: not a record
  input += chat("empty", " ") + "\n";              // rejected
  write_file(dir.path / "in.jsonl", input);

  PrepareOptions options;
  options.inputs = {(dir.path / "in.jsonl").string()};
  options.output_dir = (dir.path / "out").string();
  options.val_ratio = 0.2;
  PrepareResult result = run_prepare(options);
  REQUIRE_FALSE(result.error.has_value());
  const PrepareCounts& c = result.summary.counts;
  CHECK(c.records_in == 53);
  CHECK(c.duplicates == 1);
  CHECK(c.rejected == 2);
  CHECK(c.train + c.validation == 50);
  CHECK(c.validation > 0);
  CHECK(count_lines(dir.path / "out" / "train.jsonl") == c.train);
  CHECK(count_lines(dir.path / "out" / "validation.jsonl") == c.validation);
  CHECK(count_lines(dir.path / "out" / "rejected.jsonl") == 2);
  CHECK(count_lines(dir.path / "out" / "duplicates.jsonl") == 1);
  CHECK(result.summary.rejections_by_rule.at("json-syntax") == 1);
  CHECK(result.summary.rejections_by_rule.at("empty-content") == 1);
  REQUIRE(result.summary.inputs.size() == 1);
  CHECK(result.summary.inputs[0].records == 53);
  CHECK(result.summary.inputs[0].sha256.size() == 64);

  const std::string duplicates = read_file(dir.path / "out" / "duplicates.jsonl");
  CHECK(duplicates.find("\"duplicate_of\":{\"path\":") != std::string::npos);
  CHECK(duplicates.find("\"line\":4,") != std::string::npos);  // the first "question 3"
}

TEST_CASE("manifest carries the keys scripts rely on") {
  TempDir dir;
  write_file(dir.path / "in.jsonl", chat("a", "b") + "\n");
  PrepareOptions options;
  options.inputs = {(dir.path / "in.jsonl").string()};
  options.output_dir = (dir.path / "out").string();
  PrepareResult result = run_prepare(options);
  REQUIRE_FALSE(result.error.has_value());
  const std::string manifest = read_file(dir.path / "out" / "manifest.json");
  CHECK(manifest == render_manifest(options, result.summary));
  for (const char* key : {"\"tool\": {\"name\": \"tuneprep\", \"version\": \"", "\"options\": {\"to\": \"openai-chat\"",
                          "\"seed\": 0", "\"val_ratio\": 0.1", "\"dedup\": \"exact\"", "\"inputs\": [",
                          "\"outputs\": [", "\"sha256\": \"",
                          "\"counts\": {\"records_in\": 1, \"train\": ", "\"leakage\": {\"exact\": 0"}) {
    INFO(key);
    CHECK(manifest.find(key) != std::string::npos);
  }
}

TEST_CASE("prepare output is byte-identical for any thread count") {
  TempDir dir;
  std::string input;
  for (int i = 0; i < 3000; ++i) {
    input += chat("q" + std::to_string(i % 2500), "a" + std::to_string(i % 2500)) + "\n";
    if (i % 97 == 0) input += "[1]\n";
  }
  write_file(dir.path / "in.jsonl", input);
  std::string first_outputs;
  for (unsigned jobs : {1u, 2u, 4u}) {
    PrepareOptions options;
    options.inputs = {(dir.path / "in.jsonl").string()};
    options.output_dir = (dir.path / ("out" + std::to_string(jobs))).string();
    options.jobs = jobs;
    options.reader.batch_bytes = 4096;  // many small batches so threads really interleave
    PrepareResult result = run_prepare(options);
    REQUIRE_FALSE(result.error.has_value());
    std::string outputs;
    for (const char* name : {"train.jsonl", "validation.jsonl", "rejected.jsonl", "duplicates.jsonl", "manifest.json"}) {
      outputs += read_file(fs::path(options.output_dir) / name);
    }
    if (first_outputs.empty()) {
      first_outputs = outputs;
    } else {
      CHECK(outputs == first_outputs);
    }
  }
}

TEST_CASE("a failed prepare leaves the earlier output set and no temporaries") {
  TempDir dir;
  write_file(dir.path / "in.jsonl", chat("a", "b") + "\n");
  PrepareOptions options;
  options.inputs = {(dir.path / "in.jsonl").string()};
  options.output_dir = (dir.path / "out").string();
  REQUIRE_FALSE(run_prepare(options).error.has_value());
  const std::string before = read_file(dir.path / "out" / "manifest.json");

  options.inputs.push_back((dir.path / "missing.jsonl").string());
  PrepareResult failed = run_prepare(options);
  REQUIRE(failed.error.has_value());
  CHECK(failed.error->message.find("missing.jsonl") != std::string::npos);
  CHECK(read_file(dir.path / "out" / "manifest.json") == before);
  for (const auto& entry : fs::directory_iterator(dir.path / "out")) {
    CHECK(entry.path().filename().string().find("tmp") == std::string::npos);
  }
}

TEST_CASE("prepare refuses an output directory that would replace an input") {
  TempDir dir;
  fs::create_directories(dir.path / "out");
  write_file(dir.path / "out" / "train.jsonl", chat("a", "b") + "\n");
  PrepareOptions options;
  options.inputs = {(dir.path / "out" / "train.jsonl").string()};
  options.output_dir = (dir.path / "out").string();
  PrepareResult result = run_prepare(options);
  REQUIRE(result.error.has_value());
  CHECK(read_file(dir.path / "out" / "train.jsonl") == chat("a", "b") + "\n");

  options.output_dir = options.inputs[0];
  CHECK(run_prepare(options).error.has_value());
}

TEST_CASE("a cancelled prepare stops with 'interrupted', keeps the previous set and leaves no temporary") {
  TempDir dir;
  std::string input;
  for (int i = 0; i < 20; ++i) input += chat("question " + std::to_string(i), "answer " + std::to_string(i)) + "\n";
  write_file(dir.path / "in.jsonl", input);
  PrepareOptions options;
  options.inputs = {(dir.path / "in.jsonl").string()};
  options.output_dir = (dir.path / "out").string();
  REQUIRE_FALSE(run_prepare(options).error.has_value());
  const std::string manifest = read_file(dir.path / "out" / "manifest.json");

  // The flag the Python module sets on Ctrl-C: set before the run, it stops at the first batch.
  const std::atomic<bool> cancel{true};
  options.reader.cancel = &cancel;
  options.val_ratio = 0.5;
  const PrepareResult result = run_prepare(options);
  REQUIRE(result.error.has_value());
  CHECK(result.error->message == "interrupted");
  CHECK(read_file(dir.path / "out" / "manifest.json") == manifest);
  for (const fs::directory_entry& entry : fs::directory_iterator(dir.path)) {
    CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
  }
}
