// Unit tests of AtomicOutputDir (lock, staging, swap, both swap methods), the stale-temporary
// sweep and the output-set rule of expand_inputs.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tuneprep/io.hpp"

#include "temp_dir.hpp"

using namespace tuneprep;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// A pid that belonged to a process that has exited (and was reaped).
long dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

void write_file(const fs::path& path, std::string_view text) {
  IoError error;
  auto file = AtomicOutputFile::create(path, error);
  REQUIRE(file);
  REQUIRE(file->write(text, error));
  REQUIRE(file->commit(error));
}

}  // namespace

TEST_CASE("temporary names are recognised only in their exact pattern") {
  long pid = 0;
  CHECK(parse_temporary_name(".out.tmp-123-0", "out", pid));
  CHECK(pid == 123);
  CHECK(parse_temporary_name(".train.jsonl.tmp-9-41", "train.jsonl", pid));
  CHECK_FALSE(parse_temporary_name(".out.tmp-123-0", "ou", pid));
  CHECK_FALSE(parse_temporary_name(".out.tmp-123", "out", pid));
  CHECK_FALSE(parse_temporary_name(".out.tmp-123-", "out", pid));
  CHECK_FALSE(parse_temporary_name(".out.tmp--1", "out", pid));
  CHECK_FALSE(parse_temporary_name(".out.tmp-12a-1", "out", pid));
  CHECK_FALSE(parse_temporary_name("out.tmp-123-0", "out", pid));
  CHECK_FALSE(parse_temporary_name(".out.lock", "out", pid));
}

TEST_CASE("AtomicOutputDir creates the target on commit, with nothing else beside it but the lock") {
  TempDir dir;
  IoError error;
  const fs::path target = dir.path / "out";
  {
    auto out = AtomicOutputDir::open(target.string(), {}, error);
    REQUIRE(out);
    CHECK(out->staging().parent_path() == dir.path);
    CHECK_FALSE(fs::exists(target));
    write_file(out->staging() / "a.txt", "new\n");
    REQUIRE(out->commit(error));
  }
  CHECK(entries(dir.path) == std::vector<std::string>{".out.lock", "out"});
  CHECK(dir.read("out/a.txt") == "new\n");
}

TEST_CASE("AtomicOutputDir swaps a previous set out as a whole, by exchange and by the two-step fallback") {
  for (const bool two_step : {false, true}) {
    TempDir dir;
    IoError error;
    dir.write("out/old-only.txt", "old\n");
    dir.write("out/a.txt", "old\n");
    ::chmod((dir.path / "out").c_str(), 0750);
    OutputDirOptions options;
    options.force_two_step = two_step;
    {
      auto out = AtomicOutputDir::open((dir.path / "out").string(), options, error);
      REQUIRE(out);
      write_file(out->staging() / "a.txt", "new\n");
      CHECK(dir.read("out/a.txt") == "old\n");  // untouched until commit
      REQUIRE(out->commit(error));
    }
    INFO("two_step " << two_step);
    CHECK(entries(dir.path / "out") == std::vector<std::string>{"a.txt"});
    CHECK(dir.read("out/a.txt") == "new\n");
    CHECK(entries(dir.path) == std::vector<std::string>{".out.lock", "out"});
    struct stat info;
    REQUIRE(::stat((dir.path / "out").c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0750);  // the old directory's permissions carry over
  }
}

TEST_CASE("AtomicOutputDir not committed removes its staging directory and leaves the target alone") {
  TempDir dir;
  IoError error;
  dir.write("out/a.txt", "old\n");
  {
    auto out = AtomicOutputDir::open((dir.path / "out").string(), {}, error);
    REQUIRE(out);
    write_file(out->staging() / "a.txt", "new\n");
    auto unfinished = AtomicOutputFile::create(out->staging() / "b.txt", error);
    REQUIRE(unfinished);
    REQUIRE(unfinished->write("partial", error));
  }
  CHECK(entries(dir.path) == std::vector<std::string>{".out.lock", "out"});
  CHECK(dir.read("out/a.txt") == "old\n");
}

TEST_CASE("AtomicOutputDir follows a symlinked target and keeps the link") {
  TempDir dir;
  IoError error;
  dir.write("real/a.txt", "old\n");
  fs::create_directory_symlink(dir.path / "real", dir.path / "link");
  {
    auto out = AtomicOutputDir::open((dir.path / "link").string(), {}, error);
    REQUIRE(out);
    write_file(out->staging() / "a.txt", "new\n");
    REQUIRE(out->commit(error));
  }
  CHECK(fs::is_symlink(dir.path / "link"));
  CHECK(dir.read("link/a.txt") == "new\n");
}

TEST_CASE("a second AtomicOutputDir on a locked target fails at once without waiting") {
  TempDir dir;
  IoError error;
  auto first = AtomicOutputDir::open((dir.path / "out").string(), {}, error);
  REQUIRE(first);
  OutputDirOptions no_wait;
  no_wait.wait = false;
  auto second = AtomicOutputDir::open((dir.path / "out").string(), no_wait, error);
  CHECK_FALSE(second);
  CHECK_THAT(error.message, Catch::Contains("another tuneprep run is writing it"));
  CHECK_THAT(error.message, Catch::Contains(".out.lock"));
  first.reset();  // releases the lock
  auto third = AtomicOutputDir::open((dir.path / "out").string(), no_wait, error);
  CHECK(third);
}

TEST_CASE("the stale sweep removes temporaries of dead processes only, and only our names") {
  TempDir dir;
  const long dead = dead_pid();
  const std::string live = std::to_string(::getppid());  // alive for the whole test
  dir.write(".out.tmp-" + std::to_string(dead) + "-0/train.jsonl", "x");
  dir.write(".out.tmp-" + std::to_string(dead) + "-3", "x");
  dir.write(".out.tmp-" + live + "-0/train.jsonl", "x");
  dir.write(".other.tmp-" + std::to_string(dead) + "-0", "x");
  dir.write(".out.tmp-" + std::to_string(dead) + "-x", "x");
  dir.write("out.tmp-" + std::to_string(dead) + "-0", "x");
  CHECK(remove_stale_temporaries(dir.path, "out") == 2);
  std::vector<std::string> kept = {".other.tmp-" + std::to_string(dead) + "-0", ".out.tmp-" + live + "-0",
                                   ".out.tmp-" + std::to_string(dead) + "-x", "out.tmp-" + std::to_string(dead) + "-0"};
  std::sort(kept.begin(), kept.end());  // entries() sorts; the pids' digits decide the order
  CHECK(entries(dir.path) == kept);
}

TEST_CASE("opening an output directory sweeps its stale staging directories") {
  TempDir dir;
  IoError error;
  const std::string stale = ".out.tmp-" + std::to_string(dead_pid()) + "-7";
  dir.write(stale + "/train.jsonl", "half");
  auto out = AtomicOutputDir::open((dir.path / "out").string(), {}, error);
  REQUIRE(out);
  CHECK_FALSE(fs::exists(dir.path / stale));
}

TEST_CASE("AtomicOutputFile sweeps stale temporaries of its own name") {
  TempDir dir;
  IoError error;
  const std::string stale = ".report.json.tmp-" + std::to_string(dead_pid()) + "-0";
  dir.write(stale, "half");
  write_file(dir.path / "report.json", "{}\n");
  CHECK(entries(dir.path) == std::vector<std::string>{"report.json"});
}

TEST_CASE("expand_inputs skips output sets and the skip list with a note, reads named files") {
  TempDir dir;
  dir.write("raw/a.jsonl", "{}\n");
  dir.write("raw/clean/manifest.json", "{\n  \"tool\": {\"name\": \"tuneprep\", \"version\": \"0\"},\n}\n");
  dir.write("raw/clean/train.jsonl", "{}\n");
  dir.write("raw/other/manifest.json", "{\"tool\": \"not us\"}\n");
  dir.write("raw/next/b.jsonl", "{}\n");
  const std::string raw = (dir.path / "raw").string();
  ExpandOptions options;
  options.skip_dirs.push_back(fs::weakly_canonical(dir.path / "raw/next"));
  ExpandResult result = expand_inputs({raw}, options);
  REQUIRE_FALSE(result.error);
  std::vector<std::string> paths;
  for (const InputFile& file : result.files) paths.push_back(file.path);
  CHECK(paths == std::vector<std::string>{raw + "/a.jsonl", raw + "/other/manifest.json"});
  REQUIRE(result.notes.size() == 2);
  CHECK(result.notes[0] == raw + "/clean: skipped, a tuneprep output set (manifest.json); name its files to read them");
  CHECK(result.notes[1] == raw + "/next: skipped, the output directory (-o)");

  result = expand_inputs({raw + "/clean"});
  CHECK(result.error);
  CHECK(result.notes.size() == 1);
  result = expand_inputs({raw + "/clean/train.jsonl"});
  CHECK_FALSE(result.error);
  CHECK(result.files.size() == 1);
}
