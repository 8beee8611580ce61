// Unit tests of prepare --shard and merge: the shard plan, the recorded options, the shard files,
// and a sharded run merged back equal to one run.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "temp_dir.hpp"
#include "tuneprep/prepare.hpp"
#include "tuneprep/prepare_shard.hpp"

using namespace tuneprep;

TEST_CASE("shard spec is I/N with I below N") {
  REQUIRE(parse_shard_spec("0/1"));
  CHECK(*parse_shard_spec("3/7") == ShardSpec{3, 7});
  for (const char* bad : {"", "1", "/", "1/", "/2", "2/2", "0/0", "-1/2", "a/b", "1/2/3", "0/100001", " 0/2"}) {
    INFO(bad);
    CHECK_FALSE(parse_shard_spec(bad));
  }
}

TEST_CASE("shard plan puts every byte of every input in exactly one shard") {
  auto file = [](uint64_t size, Compression compression = Compression::kNone) {
    InputFile f;
    f.path = "x";
    f.size = size;
    f.compression = compression;
    return f;
  };
  const std::vector<InputFile> files{file(1000), file(0), file(10), file(500, Compression::kGzip), file(3), file(0)};
  for (uint32_t n : {1u, 2u, 3u, 7u, 50u, 3000u}) {
    std::vector<ShardPlan> plans;
    for (uint32_t i = 0; i < n; ++i) plans.emplace_back(files, ShardSpec{i, n});
    for (uint32_t f = 0; f < files.size(); ++f) {
      uint32_t start_owners = 0;
      for (const ShardPlan& plan : plans) start_owners += plan.owns_start(f);
      CHECK(start_owners == 1);
      for (uint64_t offset = 0; offset < std::max<uint64_t>(1, *files[f].size); ++offset) {
        uint32_t owners = 0;
        for (uint32_t i = 0; i < n; ++i) {
          if (!plans[i].owns(f, offset)) continue;
          ++owners;
          CHECK(plans[i].first_file() <= f);  // a shard reads the files it owns records of
          CHECK(f < plans[i].end_file());
        }
        INFO("n " << n << " file " << f << " offset " << offset);
        REQUIRE(owners == 1);
      }
    }
  }
  // A compressed file is one unit: all its records go to one shard.
  const ShardPlan plan(files, ShardSpec{1, 2});
  CHECK(plan.owns(3, 0) == plan.owns(3, 123456));
}

TEST_CASE("shard options round-trip and differ when an output-changing option does") {
  PrepareOptions options;
  options.dedup = DedupMode::kNear;
  options.near.num_perm = 64;
  options.seed = 42;
  options.val_ratio = 0.25;
  options.tokens = TokenRequest{"gpt-4o-mini", EncodingId::kCl100kBase, 700, true};
  options.report_html = true;
  options.normalize.system_prompt = "be brief";
  options.normalize.key_map.push_back(KeyMapping{"prompt", "q"});
  options.rules.set_severity(RuleId::kConsecutiveSameRole, Severity::kError);
  const std::string bytes = encode_shard_options(options);
  PrepareOptions decoded;
  REQUIRE_FALSE(decode_shard_options(bytes, decoded));
  CHECK(encode_shard_options(decoded) == bytes);
  CHECK(decoded.tokens->model == "gpt-4o-mini");
  CHECK(decoded.normalize.key_map.size() == 1);

  PrepareOptions other = options;
  other.seed = 43;
  CHECK(encode_shard_options(other) != bytes);
  other = options;
  other.near.max_memory = 1 << 20;  // merge's own budget: not part of the identity
  CHECK(encode_shard_options(other) == bytes);
  CHECK(decode_shard_options(bytes.substr(0, bytes.size() - 1), decoded));
  CHECK(decode_shard_options(bytes + "x", decoded));
}

namespace {

PrepareResult prepare_into(const std::vector<std::string>& inputs, const std::string& out,
                           std::optional<ShardSpec> shard) {
  PrepareOptions options;
  options.inputs = inputs;
  options.output_dir = out;
  options.dedup = DedupMode::kNear;
  options.conflicts = ConflictMode::kFirst;
  options.val_ratio = 0.3;
  options.shard = shard;
  options.jobs = 2;
  return run_prepare(options);
}

}  // namespace

TEST_CASE("shards merged in any order equal one run, file for file") {
  TempDir dir;
  std::string a, b;
  for (int i = 0; i < 40; ++i) {
    const std::string q = "question " + std::to_string(i % 25);  // repeated prompts: conflicts and copies
    const std::string answer = "answer number " + std::to_string(i % 3 == 0 ? i : i % 25) + " with some words";
    (i < 25 ? a : b) += R"({"messages":[{"role":"user","content":")" + q +
                        R"("},{"role":"assistant","content":")" + answer + "\"}]}\n";
  }
  b += "not json\n";
  const std::vector<std::string> inputs{dir.write("in/a.jsonl", a), dir.write("in/b.jsonl", b)};
  const std::string root = dir.path.string();
  REQUIRE_FALSE(prepare_into(inputs, root + "/single", std::nullopt).error);
  for (uint32_t n : {2u, 5u}) {
    MergeOptions merge;
    for (uint32_t i = n; i-- > 0;) {
      const std::string shard_dir = root + "/shard-" + std::to_string(n) + "-" + std::to_string(i);
      const PrepareResult shard = prepare_into(inputs, shard_dir, ShardSpec{i, n});
      REQUIRE_FALSE(shard.error);
      merge.shard_dirs.push_back(shard_dir);
    }
    merge.output_dir = root + "/merged-" + std::to_string(n);
    PrepareOptions options;
    const PrepareResult merged = run_merge(merge, options);
    REQUIRE_FALSE(merged.error);
    CHECK(merged.summary.counts.records_in == 41);
    CHECK(options.conflicts == ConflictMode::kFirst);
    for (const char* name : {"train.jsonl", "validation.jsonl", "rejected.jsonl", "duplicates.jsonl", "report.json",
                             "manifest.json"}) {
      INFO(name << " with " << n << " shards");
      CHECK(dir.read(std::string("merged-") + std::to_string(n) + "/" + name) == dir.read(std::string("single/") + name));
    }
  }
}

TEST_CASE("shard file reader refuses what is not a whole shard file") {
  TempDir dir;
  const std::string input = dir.write("in.jsonl", "{\"prompt\":\"a\",\"completion\":\"b\"}\n");
  REQUIRE_FALSE(prepare_into({input}, (dir.path / "s").string(), ShardSpec{0, 1}).error);
  const std::string raw = dir.read("s/fingerprints.tpf");
  IoError error;
  CHECK(ShardFileReader::open((dir.path / "s/fingerprints.tpf").string(), ShardFileReader::Kind::kFingerprints, error));
  CHECK_FALSE(ShardFileReader::open((dir.path / "s/fingerprints.tpf").string(), ShardFileReader::Kind::kRecords, error));
  CHECK_THAT(error.message, Catch::Contains("not a shard records file"));
  CHECK_FALSE(ShardFileReader::open(input, ShardFileReader::Kind::kFingerprints, error));
  auto reader = ShardFileReader::open((dir.path / "s/fingerprints.tpf").string(), ShardFileReader::Kind::kFingerprints,
                                      error);
  REQUIRE(reader);
  ShardFingerprint fingerprint;
  std::optional<IoError> read_error;
  const uint32_t num_perm = NearDedupOptions{}.num_perm;  // prepare_into runs --dedup near
  CHECK(reader->next_fingerprint(fingerprint, num_perm, read_error));
  CHECK(fingerprint.signature.size() == num_perm);
  CHECK_FALSE(reader->next_fingerprint(fingerprint, num_perm, read_error));
  CHECK_FALSE(read_error);
  CHECK(reader->records() == 1);
  REQUIRE(reader->inputs().size() == 1);
  CHECK(reader->inputs()[0].streamed.records == 1);
}
