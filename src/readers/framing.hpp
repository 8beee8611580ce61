// Shared machinery of the readers: the stream seen as chunks, the buffer of a record that spans
// chunks (bounded by --max-record-bytes), and the batch bookkeeping every reader needs.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "tuneprep/readers.hpp"
#include "tuneprep/utf8.hpp"

namespace tuneprep::readers_detail {

inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// A record's text: its bytes plus room for simdjson's padding so it can be parsed in place.
inline std::string padded_text(const char* data, size_t size) {
  std::string text;
  text.reserve(size + simdjson::SIMDJSON_PADDING);
  text.append(data, size);
  return text;
}

inline void ensure_padding(std::string& text) {
  if (text.capacity() < text.size() + simdjson::SIMDJSON_PADDING) text.reserve(text.size() + simdjson::SIMDJSON_PADDING);
}

// Number of UTF-8 characters (bytes that are not continuation bytes); counts invalid bytes as
// one character each, which is what an editor showing replacement characters does.
inline size_t count_utf8_chars(const char* data, size_t size) {
  size_t count = 0;
  for (size_t i = 0; i < size; ++i) count += (static_cast<unsigned char>(data[i]) & 0xC0) != 0x80;
  return count;
}

inline FramingError too_large_error(uint64_t size, size_t limit) {
  return FramingError{"record-too-large",
                      "record of " + std::to_string(size) + " bytes exceeds --max-record-bytes (" +
                          std::to_string(limit) + ")",
                      0};
}

// --max-record-bytes plus one byte of slack (a CR stripped later), without wrapping around at
// SIZE_MAX, which a user may give to mean "no limit".
inline size_t limit_with_slack(size_t max_record_bytes) {
  return max_record_bytes == SIZE_MAX ? SIZE_MAX : max_record_bytes + 1;
}

inline std::string hex_byte(char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto byte = static_cast<unsigned char>(c);
  return std::string{'0', 'x', kHex[byte >> 4], kHex[byte & 0xF]};
}

// An `invalid-utf8` record whose first bad byte is at offset `at` of `text`; the column is given
// when that byte is on the record's first line.
inline FramingError invalid_utf8_error(std::string_view text, size_t at) {
  const std::string_view before = text.substr(0, at);
  const bool first_line = before.find('\n') == std::string_view::npos;
  return FramingError{"invalid-utf8", invalid_utf8_message(text, at),
                      first_line ? static_cast<uint32_t>(count_utf8_chars(before.data(), before.size()) + 1) : 0};
}

// The decompressed stream as a sequence of chunks. Nothing is carried from one chunk to the next:
// a record that spans chunks is assembled in a PendingText. A UTF-8 byte order mark at the very
// start is dropped here (offsets stay those of the stream), so no reader has to see it.
class ChunkedInput {
 public:
  ChunkedInput(std::unique_ptr<ByteSource> source, size_t chunk_bytes)
      : source_(std::move(source)), capacity_(std::max<size_t>(chunk_bytes, 4)), buffer_(new char[capacity_]) {}

  // Replaces the current chunk with the next one. Returns false at end of stream or on an error.
  bool next() {
    offset_ += size_;
    begin_ = 0;
    size_ = 0;
    if (done_) return false;
    size_t length = 0;
    // The first chunk holds at least the 3 bytes of a possible byte order mark.
    const size_t want = first_ ? 3 : 1;
    while (length < want) {
      const size_t n = source_->read(buffer_.get() + length, capacity_ - length, error_);
      if (n == 0) break;
      length += n;
    }
    if (error_ || length == 0) {
      done_ = true;
      return false;
    }
    if (first_ && std::string_view(buffer_.get(), std::min<size_t>(length, 3)) == kUtf8Bom) {
      begin_ = 3;
      had_bom_ = true;
    }
    first_ = false;
    offset_ += begin_;
    size_ = length - begin_;
    if (size_ == 0) return next();
    return true;
  }

  const char* data() const { return buffer_.get() + begin_; }
  bool had_bom() const { return had_bom_; }  // a byte order mark was dropped from the start
  size_t size() const { return size_; }
  uint64_t offset() const { return offset_; }  // stream offset of data()[0]
  std::optional<IoError>& error() { return error_; }
  const ByteSource& source() const { return *source_; }

 private:
  std::unique_ptr<ByteSource> source_;
  size_t capacity_;
  std::unique_ptr<char[]> buffer_;
  size_t begin_ = 0;
  size_t size_ = 0;
  uint64_t offset_ = 0;
  bool first_ = true;
  bool had_bom_ = false;
  bool done_ = false;
  std::optional<IoError> error_;
};

// The text of a record that spans chunks. Holds at most `limit` bytes; past that the record is
// too large and only its first kTooLargeKeptBytes bytes are kept while the rest is counted.
class PendingText {
 public:
  explicit PendingText(size_t limit) : limit_(limit) {}

  void append(const char* data, size_t size) {
    if (size == 0) return;
    total_ += size;
    last_ = data[size - 1];
    if (!too_large_ && total_ > limit_) {
      too_large_ = true;
      if (text_.size() > kTooLargeKeptBytes) text_.resize(kTooLargeKeptBytes);
      text_.shrink_to_fit();
    }
    if (too_large_) {
      if (text_.size() < kTooLargeKeptBytes) text_.append(data, std::min(size, kTooLargeKeptBytes - text_.size()));
      return;
    }
    if (text_.capacity() < text_.size() + size + simdjson::SIMDJSON_PADDING) {
      // Grow geometrically but never past the limit: a record at the limit costs limit bytes.
      size_t wanted = std::max(text_.capacity() * 2, text_.size() + size);
      wanted = std::min(wanted, limit_) + simdjson::SIMDJSON_PADDING;
      text_.reserve(std::max(wanted, text_.size() + size + simdjson::SIMDJSON_PADDING));
    }
    text_.append(data, size);
  }

  bool too_large() const { return too_large_; }
  uint64_t total() const { return total_; }
  char last() const { return last_; }
  std::string& text() { return text_; }

  // Hands out the text and starts over.
  std::string take() {
    std::string out = std::move(text_);
    text_ = std::string();
    total_ = 0;
    too_large_ = false;
    last_ = 0;
    return out;
  }

 private:
  size_t limit_;
  std::string text_;
  uint64_t total_ = 0;
  bool too_large_ = false;
  char last_ = 0;
};

// Batch bookkeeping and the RecordReader plumbing common to the three readers. A reader
// implements frame(), which appends records until the batch is full or the input is finished.
class FramedReader : public RecordReader {
 public:
  FramedReader(std::unique_ptr<ByteSource> source, std::string path, uint32_t file_index, const ReaderOptions& options)
      : input_(std::move(source), options.read_chunk_bytes),
        path_(std::move(path)),
        file_index_(file_index),
        options_(options) {}

  bool next_batch(RecordBatch& batch, std::optional<IoError>& error) final {
    batch.records.clear();
    batch_bytes_ = 0;
    while (!finished_ && !batch_full()) frame(batch);
    batch.bytes_read = input_.source().raw_bytes_consumed();
    if (!batch.records.empty()) {
      batch.sequence = sequence_++;
      return true;
    }
    if (input_.error()) error = std::move(input_.error());
    input_.error().reset();
    return false;
  }

  uint64_t raw_bytes_consumed() const final { return input_.source().raw_bytes_consumed(); }
  std::string raw_sha256() const final { return input_.source().raw_sha256(); }

 protected:
  // Frames records into `batch` until batch_full() or the end of input (then sets finished_).
  virtual void frame(RecordBatch& batch) = 0;

  bool batch_full() const { return batch_bytes_ >= options_.batch_bytes; }

  Record& add_record(RecordBatch& batch, uint64_t line, uint32_t column, uint64_t offset) {
    Record& record = batch.records.emplace_back();
    record.source = SourceLocation{file_index_, line, column, offset};
    // The file's byte order mark is reported on its first record.
    if (!bom_reported_ && input_.had_bom()) {
      record.had_bom = true;
      bom_reported_ = true;
    }
    return record;
  }
  // Call once the record's text is final.
  void account(const Record& record) { batch_bytes_ += record.text.size() + sizeof(Record); }

  ChunkedInput input_;
  std::string path_;
  uint32_t file_index_;
  ReaderOptions options_;
  bool finished_ = false;

 private:
  size_t batch_bytes_ = 0;
  uint64_t sequence_ = 0;
  bool bom_reported_ = false;
};

std::unique_ptr<RecordReader> make_jsonl_reader(std::unique_ptr<ByteSource> source, std::string path,
                                                uint32_t file_index, const ReaderOptions& options);
std::unique_ptr<RecordReader> make_json_reader(std::unique_ptr<ByteSource> source, std::string path,
                                               uint32_t file_index, const ReaderOptions& options);
ReaderResult make_csv_reader(std::unique_ptr<ByteSource> source, std::string path, uint32_t file_index,
                             const ReaderOptions& options);

}  // namespace tuneprep::readers_detail
