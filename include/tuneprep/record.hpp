// Record: one unit of input (a JSONL line, a JSON array element or a CSV data row) with its source.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tuneprep {

// Where a record came from. `file_index` indexes the run's list of InputFile (see io.hpp).
struct SourceLocation {
  uint32_t file_index = 0;
  uint64_t line = 1;    // 1-based line of the record's first byte
  uint32_t column = 1;  // 1-based column (in characters) of the record's first byte
  uint64_t offset = 0;  // byte offset of the record's first byte in the (decompressed) stream
};

enum class RecordKind : uint8_t {
  kJson,    // `text` holds one JSON value (a JSONL line or a JSON array element)
  kCsvRow,  // `text` holds the raw CSV row; `csv` holds its mapped fields
};

// The fields of a CSV row after column mapping (--prompt-col etc. or header detection).
struct CsvFields {
  std::optional<std::string> system;
  std::optional<std::string> prompt;
  std::optional<std::string> response;
  // 0-based index in the row of the field each value came from, -1 when unmapped; lets a
  // diagnostic about the prompt point at the prompt's column of the raw row.
  int32_t system_field = -1;
  int32_t prompt_field = -1;
  int32_t response_field = -1;
};

// A record the reader could not frame cleanly: it still becomes a record so nothing is lost,
// and the pipeline rejects it with this rule id and message.
struct FramingError {
  std::string rule;     // rule id, e.g. "json-syntax", "record-too-large", "csv-field-count"
  std::string message;  // one line, e.g. "unterminated string"
  uint32_t column = 0;  // 1-based column of the failure in the record's first line, 0 if unknown
};

struct Record {
  SourceLocation source;
  RecordKind kind = RecordKind::kJson;
  // The record's bytes as read (without the line end). A JSON record's capacity is at least
  // size() + simdjson::SIMDJSON_PADDING so it can be parsed in place.
  std::string text;
  CsvFields csv;                             // kCsvRow only
  std::optional<FramingError> framing_error;  // set when the reader could not frame the record
  // What the reader stripped from `text` (bom-or-crlf reports it): a UTF-8 byte-order mark before
  // the file's first record, and a CR before the record's terminating LF.
  bool had_bom = false;
  bool had_crlf = false;
};

// Records travel through the pipeline in batches of about 512 KiB; `sequence` orders batches.
struct RecordBatch {
  uint64_t sequence = 0;
  std::vector<Record> records;
  uint64_t bytes_read = 0;  // raw (compressed) input bytes consumed up to the end of this batch
};

}  // namespace tuneprep
