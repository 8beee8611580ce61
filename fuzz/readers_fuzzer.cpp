// libFuzzer target: random bytes through every reader (and the gzip/zstd decoders) from memory,
// checking that framing never loses, invents or moves bytes whatever the chunk size.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tuneprep/readers.hpp"

using namespace tuneprep;

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

struct Framed {
  std::vector<Record> records;
  bool open_failed = false;
};

Framed frame(std::string_view bytes, FileFormat format, bool sniff, size_t chunk, size_t max_record) {
  Framed out;
  ReaderOptions options;
  options.read_chunk_bytes = chunk;
  options.max_record_bytes = max_record;
  options.batch_bytes = 512;
  ReaderResult opened = open_reader(memory_source(bytes, chunk * 3 + 1), "fuzz", format, sniff, 0, options);
  if (!opened.reader) {
    check(opened.error.has_value());
    out.open_failed = true;
    return out;
  }
  RecordBatch batch;
  std::optional<IoError> error;
  uint64_t sequence = 0;
  while (opened.reader->next_batch(batch, error)) {
    check(batch.sequence == sequence++);
    check(!batch.records.empty());
    for (Record& r : batch.records) out.records.push_back(std::move(r));
  }
  check(!error);  // memory never fails
  check(opened.reader->raw_bytes_consumed() == bytes.size());
  return out;
}

uint64_t line_of(std::string_view bytes, uint64_t offset) {
  uint64_t line = 1;
  for (uint64_t i = 0; i < offset; ++i) line += bytes[i] == '\n';
  return line;
}

// Every record must sit at its offset in the input: its text is those bytes (a prefix of them
// when the record was too large), and its line is the count of newlines before it.
void check_positions(std::string_view bytes, const Framed& framed, FileFormat format, size_t max_record) {
  uint64_t previous_offset = 0;
  bool first = true;
  for (const Record& r : framed.records) {
    check(r.source.offset <= bytes.size());
    check(first || r.source.offset >= previous_offset);
    previous_offset = r.source.offset;
    first = false;
    check(r.source.line == line_of(bytes, r.source.offset));
    check(r.source.column >= 1);
    check(r.text.size() <= bytes.size() - r.source.offset);
    check(bytes.substr(r.source.offset, r.text.size()) == r.text);
    const bool too_large = r.framing_error && r.framing_error->rule == "record-too-large";
    check(too_large || r.text.size() <= max_record || r.framing_error);
    if (r.text.size() > max_record) check(r.text.size() <= kTooLargeKeptBytes || !too_large);
    if (format == FileFormat::kCsv) check(r.kind == RecordKind::kCsvRow);
  }
}

bool same(const Framed& a, const Framed& b) {
  if (a.open_failed != b.open_failed || a.records.size() != b.records.size()) return false;
  for (size_t i = 0; i < a.records.size(); ++i) {
    const Record& x = a.records[i];
    const Record& y = b.records[i];
    if (x.text != y.text || x.source.line != y.source.line || x.source.column != y.source.column ||
        x.source.offset != y.source.offset || x.framing_error.has_value() != y.framing_error.has_value() ||
        x.csv.prompt != y.csv.prompt || x.csv.response != y.csv.response || x.csv.system != y.csv.system) {
      return false;
    }
    if (x.framing_error && (x.framing_error->message != y.framing_error->message)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // The first byte picks the small chunk size and the record limit; the rest is the input.
  const size_t chunk = 1 + (data[0] & 0x0F);
  const size_t max_record = 4 + (data[0] >> 4) * 8;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  for (FileFormat format : {FileFormat::kJsonl, FileFormat::kJsonArray, FileFormat::kCsv}) {
    const Framed small = frame(bytes, format, false, chunk, max_record);
    const Framed large = frame(bytes, format, false, 1 << 16, max_record);
    check(same(small, large));  // chunk boundaries never change the records
    check_positions(bytes, large, format, max_record);
  }
  const Framed sniffed = frame(bytes, FileFormat::kJsonl, true, chunk, max_record);
  check_positions(bytes, sniffed, FileFormat::kJsonl, max_record);

  // The decoders must fail cleanly on anything that is not valid compressed data.
  for (Compression compression : {Compression::kGzip, Compression::kZstd, Compression::kNone}) {
    OpenResult opened = decode_input(memory_source(bytes, chunk), "fuzz", compression);
    if (!opened.source) continue;
    std::optional<IoError> error;
    char buffer[4096];
    uint64_t total = 0;
    while (size_t n = opened.source->read(buffer, chunk * 97 % sizeof buffer + 1, error)) {
      total += n;
      if (total > (64u << 20)) break;  // a decompression bomb is not a bug
    }
  }
  return 0;
}
