// libFuzzer target: random CSV with a column mapping chosen by the first byte (detected headers,
// explicit --prompt-col/--response-col/--system-col, a forced delimiter). Checks that no mapped
// field carries bytes that are not UTF-8 and that a row either maps or has a framing error.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "tuneprep/readers.hpp"
#include "tuneprep/utf8.hpp"

using namespace tuneprep;

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

void check_field(const std::optional<std::string>& field) {
  if (field) check(is_valid_utf8(*field));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  ReaderOptions options;
  const uint8_t mode = data[0];
  options.read_chunk_bytes = 1 + (mode & 0x07);
  options.batch_bytes = 256;
  options.max_record_bytes = 16 + (mode & 0x08) * 64;
  if (mode & 0x10) {
    options.prompt_column = "q";
    options.response_column = "a";
  }
  if (mode & 0x20) options.system_column = "s";
  static constexpr char kDelimiters[] = {0, ',', '\t', ';'};
  options.csv_delimiter = kDelimiters[(mode >> 6) & 3];
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  ReaderResult opened = open_reader(memory_source(bytes, options.read_chunk_bytes * 2 + 1), "fuzz.csv",
                                    FileFormat::kCsv, false, 0, options);
  if (!opened.reader) {
    check(opened.error.has_value() && !opened.error->message.empty());
    return 0;
  }
  RecordBatch batch;
  std::optional<IoError> error;
  while (opened.reader->next_batch(batch, error)) {
    for (const Record& r : batch.records) {
      check(r.kind == RecordKind::kCsvRow);
      if (r.framing_error) {
        check(!r.csv.prompt && !r.csv.response && !r.csv.system);
        continue;
      }
      check(r.csv.prompt.has_value() && r.csv.response.has_value());
      check_field(r.csv.prompt);
      check_field(r.csv.response);
      check_field(r.csv.system);
    }
  }
  check(!error);
  return 0;
}
