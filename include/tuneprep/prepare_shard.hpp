// prepare_shard: `prepare --shard I/N` and `merge`. A shard analyses its part of the inputs and
// writes two zstd streams: the fingerprints (what the serial stages decide on: source, exact hash,
// conflict keys, MinHash signature) and the records (what they write: the output line, the
// original text, the report's facts). `merge` feeds them, in input order, to the same reject,
// exact, near, conflicts and split stages as a single run, so its output set is byte-identical.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tuneprep/analysis.hpp"
#include "tuneprep/io.hpp"
#include "tuneprep/record.hpp"
#include "tuneprep/record_stream.hpp"

namespace tuneprep {

struct PrepareOptions;
struct PrepareResult;

// --shard I/N: the I-th (0-based) of N shards.
struct ShardSpec {
  uint32_t index = 0;
  uint32_t count = 1;
  friend bool operator==(const ShardSpec&, const ShardSpec&) = default;
};
// "I/N" with 0 <= I < N <= kMaxShards; nullopt otherwise.
std::optional<ShardSpec> parse_shard_spec(std::string_view text);
inline constexpr uint32_t kMaxShards = 100000;

// The files of a shard's output directory (beside its manifest.json).
inline constexpr const char* kShardFingerprintsName = "fingerprints.tpf";
inline constexpr const char* kShardRecordsName = "records.tpr";
// Bumped on any change of the layout below; merge refuses another version.
inline constexpr uint32_t kShardFormatVersion = 1;

// Which records a shard owns. The inputs, in run order, are laid end to end by their on-disk
// sizes and the total cut into N equal byte ranges; a record belongs to the range that holds its
// first byte (an uncompressed file is cut at any record; a compressed one, or one of unknown
// size, goes whole to the range that holds its start). Every record is in exactly one shard.
class ShardPlan {
 public:
  ShardPlan(const std::vector<InputFile>& files, ShardSpec spec);
  // The first and one past the last file this shard reads (it reads whole files: a record's line
  // and the file's sha256 need the bytes before its range; it analyses only its own records).
  uint32_t first_file() const { return first_file_; }
  uint32_t end_file() const { return end_file_; }
  bool owns(uint32_t file_index, uint64_t offset) const;
  // A record after this shard's range: the shard stops reading there unless it reports the file.
  bool after(uint32_t file_index, uint64_t offset) const;
  // The shard that reports a file's sha256, bytes and record count: the one that owns its start.
  bool owns_start(uint32_t file_index) const { return shard_of(base_[file_index]) == spec_.index; }

 private:
  uint32_t shard_of(uint64_t global_offset) const;
  ShardSpec spec_;
  uint64_t total_ = 0;
  std::vector<uint64_t> base_;     // global offset of each file's first byte
  std::vector<uint64_t> size_;
  std::vector<bool> splittable_;   // uncompressed with a known size
  uint32_t first_file_ = 0;
  uint32_t end_file_ = 0;
};

// An input as the shard saw it: merge refuses shards that saw different inputs.
struct ShardInput {
  std::string path;
  Compression compression = Compression::kNone;
  FileFormat format = FileFormat::kJsonl;
  bool format_from_content = false;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  friend bool operator==(const ShardInput&, const ShardInput&) = default;
};

// The header of both shard files.
struct ShardHeader {
  uint32_t version = kShardFormatVersion;
  std::string tool_version;
  ShardSpec shard;
  std::string options;  // encode_shard_options: every option that changes an output byte
  std::vector<ShardInput> inputs;
};

// The options that decide the output, as bytes: shards with different bytes do not merge, and
// merge runs with the decoded options (--max-memory, -j and the output directory are merge's own).
std::string encode_shard_options(const PrepareOptions& options);
std::optional<IoError> decode_shard_options(std::string_view bytes, PrepareOptions& options);

// One record's keys for the serial stages.
struct ShardFingerprint {
  SourceLocation source;
  uint64_t text_bytes = 0;  // the record's size (the near index projects its memory from it)
  bool rejected = false;
  Hash128 hash;
  bool has_conflict_keys = false;
  TextKey prompt_key;
  uint64_t answer_key = 0;
  uint32_t shingles = 0;
  std::vector<uint32_t> signature;  // --dedup near: num_perm values
};

// What the shard read of an input whose start it owns (the manifest's inputs).
struct ShardInputResult {
  uint32_t file_index = 0;
  StreamedInput streamed;
};

// Reads a fingerprint or records file: the header first, then one record at a time, then the
// trailer. Every length and count is checked against the data; bad bytes are an IoError naming
// the file, never a crash (fuzz/fingerprint_fuzzer.cpp).
class ShardFileReader {
 public:
  enum class Kind : uint8_t { kFingerprints = 1, kRecords = 2 };
  // A zstd-compressed shard file at `path`.
  static std::unique_ptr<ShardFileReader> open(const std::string& path, Kind kind, IoError& error);
  // The same over a (compressed) byte source; `name` prefixes errors.
  static std::unique_ptr<ShardFileReader> open(std::unique_ptr<ByteSource> source, std::string name, Kind kind,
                                               IoError& error);
  ~ShardFileReader();

  const ShardHeader& header() const { return header_; }
  // The next fingerprint; false at the end (check error). `num_perm` is the signature length.
  bool next_fingerprint(ShardFingerprint& out, uint32_t num_perm, std::optional<IoError>& error);
  // The next record's data: the record (source from `source`, text) and what route() reads of
  // its analysis (line, format, rules, tokens, facts).
  bool next_record(Record& record, RecordAnalysis& analysis, std::optional<IoError>& error);
  // After the last record: the records count and the inputs this shard reports.
  uint64_t records() const { return records_; }
  const std::vector<ShardInputResult>& inputs() const { return inputs_; }

 private:
  struct Bytes;
  ShardFileReader() = default;
  bool read_trailer(std::optional<IoError>& error);
  // Reads the tag that opens the next entry: true for a record; false at the trailer (read and
  // checked), at the end, or with `error` (a tag that is neither: "corrupt WHAT of record N").
  bool begin_entry(std::string_view what, std::optional<IoError>& error);
  std::unique_ptr<Bytes> in_;
  std::string name_;
  Kind kind_ = Kind::kFingerprints;
  ShardHeader header_;
  uint64_t records_ = 0;
  uint64_t seen_ = 0;
  bool ended_ = false;
  std::vector<ShardInputResult> inputs_;
};

// Writes one shard file: zstd-compressed, header first, trailer last (AtomicOutputFile).
class ShardFileWriter {
 public:
  static std::unique_ptr<ShardFileWriter> create(const std::filesystem::path& path, ShardFileReader::Kind kind,
                                                 const ShardHeader& header, IoError& error);
  ~ShardFileWriter();
  bool write_fingerprint(const Record& record, uint32_t file_index, const RecordAnalysis& analysis, IoError& error);
  bool write_record(const Record& record, const RecordAnalysis& analysis, IoError& error);
  // Ends the stream with the trailer and flushes; commit() renames it in place.
  bool finish(uint64_t records, const std::vector<ShardInputResult>& inputs, IoError& error);
  bool commit(IoError& error);
  uint64_t bytes_written() const;
  std::string sha256_hex() const;

 private:
  struct Impl;
  ShardFileWriter() = default;
  std::unique_ptr<Impl> impl_;
};

// `tuneprep merge DIR... -o OUT`.
struct MergeOptions {
  std::vector<std::string> shard_dirs;  // every shard of one run, in any order
  std::string output_dir;
  uint64_t max_memory = 0;  // the near index's budget (0 = none)
  bool timings = false;
  bool wait = true;
  std::function<void(const std::string&)> on_note;
};

// Checks that `dirs` hold every shard 0..N-1 of one run (one tool version, format version,
// options and inputs), then routes their records in input order through prepare's serial stages
// and commits the output set. The PrepareOptions the shards ran with come back in `options`.
PrepareResult run_merge(const MergeOptions& merge, PrepareOptions& options);

}  // namespace tuneprep
