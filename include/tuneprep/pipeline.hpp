// pipeline: the `prepare` driver: read -> normalize -> check -> dedup -> split -> write.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tuneprep/io.hpp"
#include "tuneprep/readers.hpp"
#include "tuneprep/record_stream.hpp"
#include "tuneprep/schema.hpp"

namespace tuneprep {

enum class DedupMode : uint8_t { kNone, kExact };
std::string_view dedup_mode_name(DedupMode mode);

// Everything `prepare` needs; the CLI fills it, tests build it directly.
struct PrepareOptions {
  std::vector<std::string> inputs;
  std::string output_dir;
  ReaderOptions reader;
  NormalizeOptions normalize;
  OutputFormat to = OutputFormat::kOpenAiChat;
  DedupMode dedup = DedupMode::kExact;
  double val_ratio = 0.1;
  uint64_t seed = 0;
  unsigned jobs = 0;  // 0 = all cores
};

struct InputSummary {
  std::string path;
  std::string sha256;
  uint64_t bytes = 0;
  uint64_t records = 0;
};

struct OutputSummary {
  std::string name;  // file name within the output directory
  std::string sha256;
  uint64_t records = 0;
  uint64_t bytes = 0;
};

struct PrepareCounts {
  uint64_t records_in = 0;
  uint64_t train = 0;
  uint64_t validation = 0;
  uint64_t rejected = 0;
  uint64_t duplicates = 0;
};

struct PrepareSummary {
  std::vector<InputSummary> inputs;
  std::vector<OutputSummary> outputs;
  PrepareCounts counts;
  std::map<std::string, uint64_t> rejections_by_rule;  // a record counts once per distinct rule
  std::map<std::string, uint64_t> records_by_format;   // detected source shape of accepted records
  uint64_t leakage_exact = 0;  // distinct contents present in both train and validation
  std::vector<std::string> warnings;  // non-fatal notes, e.g. "data/empty.jsonl: no records"
  double seconds = 0;
  uint64_t bytes_in = 0;
};

struct PrepareResult {
  PrepareSummary summary;
  std::optional<IoError> error;  // usage or I/O problem: nothing was replaced in the output dir
};

PrepareResult run_prepare(const PrepareOptions& options, const StreamProgressCallback& progress = {});

// The manifest.json text for a finished run (exposed for tests).
std::string render_manifest(const PrepareOptions& options, const PrepareSummary& summary);

}  // namespace tuneprep
