// readers: frame a byte stream into Records: JSONL, streamed JSON arrays, CSV (RFC 4180).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tuneprep/io.hpp"
#include "tuneprep/record.hpp"

namespace tuneprep {

struct ReaderOptions {
  // CSV column mapping by header name (case-insensitive); empty = detect from common headers:
  // prompt/question/instruction/input -> user, response/answer/output/completion -> assistant,
  // system -> system. When detection picks `instruction` and an `input` column exists too, a
  // non-blank input is appended to the prompt after a blank line (the Alpaca convention).
  std::string prompt_column;
  std::string response_column;
  std::string system_column;
  // CSV field delimiter; 0 = detect: tab for .tsv/.tab files, else the most frequent of , TAB ; |
  // outside quotes in the header row (a comma when none occurs).
  char csv_delimiter = 0;
  // A record larger than this is not held in memory: it becomes a record with a
  // `record-too-large` framing error whose text is its first `kTooLargeKeptBytes` bytes.
  size_t max_record_bytes = 64u << 20;
  // Target size of one batch (records are never split across batches). Counts each record's
  // text plus sizeof(Record), so batches of tiny records stay small in memory too. Small enough
  // that a batch's records and results stay in cache between the stages: against 4 MiB,
  // `bench/prepare` took `prepare -j2` of the generated GiB from 4.86 to 3.49 s and `-j1` from
  // 7.46 to 6.24 s (docs/performance.md, runs of 2026-12-06 12:48 and 14:11); 128-256 KiB
  // gained nothing more.
  size_t batch_bytes = 512u << 10;
  // Bytes requested per read from the (decompressed) stream. Records crossing chunk boundaries
  // are stitched together; tests set this to a few bytes to exercise that path.
  size_t read_chunk_bytes = 1u << 20;
  // Passed to open_input: hash the raw input for the manifest (see InputOptions).
  bool compute_sha256 = true;
  bool hash_in_background = false;
  // Set from another thread to stop a run between batches (the Python module's Ctrl-C; the
  // command line is stopped by install_signal_cleanup instead): stream_records then ends with the
  // error "interrupted", and the run cleans up as after any I/O error.
  const std::atomic<bool>* cancel = nullptr;
};

inline constexpr size_t kTooLargeKeptBytes = 1024;

// Reads one input file. Batches come out in order. Memory is bounded by batch_bytes plus
// max_record_bytes, whatever the file's size.
class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // Fills `batch.records` (cleared first) with the next records. Returns false at end of input
  // (batch empty) or on an I/O error (then `error` is set and the batch is empty: records framed
  // before the error came in earlier batches). Data problems are never errors here: they become
  // records with a framing_error. Never throws.
  virtual bool next_batch(RecordBatch& batch, std::optional<IoError>& error) = 0;
  // Raw bytes consumed and sha256 of the underlying input (complete at end of input).
  virtual uint64_t raw_bytes_consumed() const = 0;
  virtual std::string raw_sha256() const = 0;
};

struct ReaderResult {
  std::unique_ptr<RecordReader> reader;
  std::optional<IoError> error;  // e.g. missing file, CSV header without a usable column
};

// Opens `file` (index `file_index` in the run's input list) and returns the reader for its format.
// A .json file whose first non-blank byte is '[' is read as a streamed array, otherwise as a
// sequence of whitespace-separated JSON values. docs/input-formats.md describes the framing.
ReaderResult open_reader(const InputFile& file, uint32_t file_index, const ReaderOptions& options);

// Same over an already opened stream (tests, fuzzing, other sources). `path` names the input in
// error messages; `format_from_content` has the meaning of InputFile's field.
ReaderResult open_reader(std::unique_ptr<ByteSource> source, std::string_view path, FileFormat format,
                         bool format_from_content, uint32_t file_index, const ReaderOptions& options);

}  // namespace tuneprep
