// JSON framing without loading the file: a top-level array is streamed element by element, any
// other .json as a sequence of whitespace-separated values. A small state machine tracks strings,
// escapes and bracket depth (an integer, so deep nesting costs nothing); the parser validates later.
#include <array>
#include <cstring>
#include <limits>

#include "readers/framing.hpp"

namespace tuneprep::readers_detail {
namespace {

using ByteTable = std::array<bool, 256>;

constexpr ByteTable make_table(std::string_view bytes) {
  ByteTable table{};
  for (char c : bytes) table[static_cast<unsigned char>(c)] = true;
  return table;
}

// Bytes that matter inside a string, outside strings within a container, and bytes that end a
// bare scalar (number, true/false/null or garbage).
constexpr ByteTable kStringStop = make_table("\"\\\n");
constexpr ByteTable kContainerStop = make_table("\"{}[]\n");
constexpr ByteTable kScalarEnd = make_table(" \t\r\n,:[]{}\"");

bool is_stray(unsigned char c) { return c == ',' || c == ':' || c == ']' || c == '}'; }

bool starts_value(unsigned char c) {
  return c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n';
}

std::string describe_byte(unsigned char c) {
  if (c >= 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
  static constexpr char kHex[] = "0123456789ABCDEF";
  return std::string("byte 0x") + kHex[c >> 4] + kHex[c & 0xF];
}

class JsonReader final : public FramedReader {
 public:
  JsonReader(std::unique_ptr<ByteSource> source, std::string path, uint32_t file_index, const ReaderOptions& options)
      : FramedReader(std::move(source), std::move(path), file_index, options), pending_(options.max_record_bytes) {}

 protected:
  void frame(RecordBatch& batch) override {
    while (!batch_full()) {
      if (position_ == input_.size()) {
        end_of_chunk();
        position_ = 0;
        value_begin_ = 0;
        if (!input_.next()) {
          if (!input_.error()) at_end_of_file(batch);
          finished_ = true;
          return;
        }
        // Only a dropped byte order mark leaves the cursor before the chunk; it is not a character.
        if (cursor_offset_ < input_.offset()) cursor_offset_ = input_.offset();
      }
      switch (phase_) {
        case Phase::kValue: scan_value(batch); break;
        case Phase::kTrailing: position_ = input_.size(); break;
        default: scan_between_values(batch); break;
      }
    }
  }

 private:
  enum class Phase : uint8_t {
    kStart,             // before the first non-blank byte
    kArrayFirst,        // after '[': a value or ']'
    kArrayNext,         // after ',': a value
    kArrayAfterValue,   // after an element: ',' or ']'
    kAfterArray,        // after the closing ']': only blanks may follow
    kSequence,          // between the values of a non-array file
    kValue,             // inside a value
    kTrailing,          // data after the array: collected up to end of file as one error record
  };

  // --- positions -------------------------------------------------------------------------------
  // Columns count UTF-8 characters from the line start. A cursor (offset, characters before it)
  // moves forward only, so each byte is counted at most once however many values share a line.
  uint32_t column_at(size_t index) {
    const size_t from = static_cast<size_t>(cursor_offset_ - input_.offset());
    cursor_chars_ += count_utf8_chars(input_.data() + from, index - from);
    cursor_offset_ = input_.offset() + index;
    return clamp_column(cursor_chars_ + 1);
  }
  static uint32_t clamp_column(uint64_t column) {
    return static_cast<uint32_t>(std::min<uint64_t>(column, std::numeric_limits<uint32_t>::max()));
  }
  void newline_at(size_t index) {
    ++line_;
    cursor_offset_ = input_.offset() + index + 1;
    cursor_chars_ = 0;
  }
  void end_of_chunk() {
    if (phase_ == Phase::kValue || phase_ == Phase::kTrailing) {
      pending_.append(input_.data() + value_begin_, input_.size() - value_begin_);
      value_spans_ = true;
    }
    if (input_.size() > 0) column_at(input_.size());
  }

  // --- between values --------------------------------------------------------------------------
  void scan_between_values(RecordBatch& batch) {
    const auto* data = reinterpret_cast<const unsigned char*>(input_.data());
    const size_t size = input_.size();
    size_t i = position_;
    while (i < size) {
      const unsigned char c = data[i];
      if (c == ' ' || c == '\t' || c == '\r') {
        ++i;
        continue;
      }
      if (c == '\n') {
        newline_at(i++);
        continue;
      }
      switch (phase_) {
        case Phase::kStart:
          if (c == '[') {
            array_ = true;
            phase_ = Phase::kArrayFirst;
            ++i;
            continue;
          }
          phase_ = Phase::kSequence;
          start_value(batch, i, Phase::kSequence, std::nullopt);
          return;
        case Phase::kArrayFirst:
        case Phase::kArrayNext:
          if (c == ']' && phase_ == Phase::kArrayFirst) {
            phase_ = Phase::kAfterArray;
            ++i;
            continue;
          }
          if (c == ',' || c == ']') {
            // A missing element: an empty record marks the spot so the problem is reported.
            const bool closes = c == ']';
            empty_error(batch, i, closes ? "expected a value after ',' but found ']' (trailing comma)"
                                         : "expected a value before ','");
            phase_ = closes ? Phase::kAfterArray : Phase::kArrayNext;
            position_ = ++i;
            if (batch_full()) return;
            continue;
          }
          start_value(batch, i, Phase::kArrayAfterValue, std::nullopt);
          return;
        case Phase::kArrayAfterValue:
          if (c == ',') {
            phase_ = Phase::kArrayNext;
            ++i;
            continue;
          }
          if (c == ']') {
            phase_ = Phase::kAfterArray;
            ++i;
            continue;
          }
          // Resynchronise by reading what follows as the next element, flagged with the error:
          // one bad separator costs one record, not the rest of the file.
          start_value(batch, i, Phase::kArrayAfterValue,
                      starts_value(c) ? "missing ',' between array elements"
                                      : "expected ',' or ']' after an array element, found " + describe_byte(c));
          return;
        case Phase::kAfterArray:
          phase_ = Phase::kTrailing;
          value_begin_ = i;
          value_line_ = line_;
          value_column_ = column_at(i);
          value_offset_ = input_.offset() + i;
          position_ = size;
          return;
        case Phase::kSequence:
          start_value(batch, i, Phase::kSequence, std::nullopt);
          return;
        case Phase::kValue:
        case Phase::kTrailing:
          break;  // not reached: frame() dispatches these elsewhere
      }
    }
    position_ = size;
  }

  void start_value(RecordBatch& batch, size_t index, Phase after, std::optional<std::string> error) {
    const unsigned char c = static_cast<unsigned char>(input_.data()[index]);
    value_line_ = line_;
    value_column_ = column_at(index);
    value_offset_ = input_.offset() + index;
    value_begin_ = index;
    value_spans_ = false;
    after_value_ = after;
    phase_ = Phase::kValue;
    depth_ = 0;
    in_string_ = false;
    escape_ = false;
    scalar_ = false;
    if (error) value_error_ = FramingError{"json-syntax", std::move(*error), value_column_};
    if (c == '{' || c == '[') {
      depth_ = 1;
      position_ = index + 1;
    } else if (c == '"') {
      in_string_ = true;
      position_ = index + 1;
    } else if (is_stray(c)) {
      // A lone separator or closing bracket becomes a one-byte record carrying the error.
      if (!value_error_) {
        value_error_ = FramingError{"json-syntax",
                                    "unexpected " + describe_byte(c) +
                                        (array_ ? " where an array element should start" : " between JSON values"),
                                    value_column_};
      }
      complete_value(batch, index + 1);
    } else {
      scalar_ = true;
      position_ = index;
    }
  }

  // --- inside a value --------------------------------------------------------------------------
  void scan_value(RecordBatch& batch) {
    const auto* data = reinterpret_cast<const unsigned char*>(input_.data());
    const size_t size = input_.size();
    size_t i = position_;
    if (scalar_) {
      while (i < size && !kScalarEnd[data[i]]) ++i;
      if (i < size) {
        complete_value(batch, i);  // the delimiter belongs to what follows
      } else {
        position_ = size;
      }
      return;
    }
    if (escape_ && i < size) {  // the escaped byte was the first of this chunk
      escape_ = false;
      if (data[i] == '\n') newline_at(i);
      ++i;
    }
    while (i < size) {
      if (in_string_) {
        while (i < size && !kStringStop[data[i]]) ++i;
        if (i == size) break;
        const unsigned char c = data[i];
        if (c == '"') {
          in_string_ = false;
          ++i;
          if (depth_ == 0) {
            complete_value(batch, i);
            return;
          }
        } else if (c == '\\') {
          if (i + 1 < size) {
            if (data[i + 1] == '\n') newline_at(i + 1);
            i += 2;
          } else {
            escape_ = true;
            i = size;
          }
        } else {  // a raw newline inside a string: invalid JSON, but the line count must stay right
          newline_at(i++);
        }
        continue;
      }
      while (i < size && !kContainerStop[data[i]]) ++i;
      if (i == size) break;
      switch (data[i]) {
        case '"': in_string_ = true; break;
        case '{':
        case '[': ++depth_; break;
        case '}':
        case ']':
          if (--depth_ == 0) {
            complete_value(batch, i + 1);
            return;
          }
          break;
        default: newline_at(i); break;  // '\n'
      }
      ++i;
    }
    position_ = size;
  }

  // Emits the value that ends before chunk index `end`.
  void complete_value(RecordBatch& batch, size_t end) {
    position_ = end;
    phase_ = after_value_;
    uint64_t size;
    std::string text;
    if (value_spans_) {
      pending_.append(input_.data() + value_begin_, end - value_begin_);
      size = pending_.total();
      text = pending_.take();
      value_spans_ = false;
    } else {
      size = end - value_begin_;
      text = padded_text(input_.data() + value_begin_, size > options_.max_record_bytes
                                                           ? std::min<size_t>(size, kTooLargeKeptBytes)
                                                           : size);
    }
    Record& record = add_record(batch, value_line_, value_column_, value_offset_);
    if (size > options_.max_record_bytes) {
      if (text.size() > kTooLargeKeptBytes) text.resize(kTooLargeKeptBytes);
      if (!value_error_) value_error_ = too_large_error(size, options_.max_record_bytes);
    }
    ensure_padding(text);
    record.text.swap(text);  // not `= std::move`: GCC 12 warns falsely (-Wrestrict) there
    record.framing_error = std::move(value_error_);
    value_error_.reset();
    account(record);
  }

  void empty_error(RecordBatch& batch, size_t index, std::string message) {
    const uint32_t column = column_at(index);
    Record& record = add_record(batch, line_, column, input_.offset() + index);
    record.text = padded_text("", 0);
    record.framing_error = FramingError{"json-syntax", std::move(message), column};
    account(record);
  }

  // --- end of file -----------------------------------------------------------------------------
  void at_end_of_file(RecordBatch& batch) {
    if (phase_ == Phase::kValue) {
      if (!scalar_) {
        value_error_ = FramingError{"json-syntax",
                                    array_ ? "unexpected end of file inside the top-level array"
                                           : "unexpected end of file inside a JSON value",
                                    0};
        complete_value(batch, 0);
        return;  // the open element already reports the missing end
      }
      complete_value(batch, 0);  // a bare scalar may end at end of file
    }
    switch (phase_) {
      case Phase::kArrayFirst:
      case Phase::kArrayNext:
      case Phase::kArrayAfterValue: {
        Record& record = add_record(batch, line_, clamp_column(cursor_chars_ + 1), cursor_offset_);
        record.text = padded_text("", 0);
        record.framing_error = FramingError{"json-syntax", "unexpected end of file inside the top-level array (missing ']')", 0};
        account(record);
        break;
      }
      case Phase::kTrailing: {
        const uint64_t size = pending_.total();
        std::string text = pending_.take();
        if (text.size() > kTooLargeKeptBytes) text.resize(kTooLargeKeptBytes);
        Record& record = add_record(batch, value_line_, value_column_, value_offset_);
        ensure_padding(text);
        record.text.swap(text);  // not `= std::move`: GCC 12 warns falsely (-Wrestrict) there
        record.framing_error = FramingError{
            "json-syntax",
            "unexpected data after the top-level array (" + std::to_string(size) + " bytes not read as records)",
            value_column_};
        account(record);
        break;
      }
      default: break;
    }
  }

  PendingText pending_;
  Phase phase_ = Phase::kStart;
  Phase after_value_ = Phase::kSequence;
  bool array_ = false;
  size_t position_ = 0;  // next unscanned byte of the current chunk

  // The value being scanned.
  uint64_t depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
  bool scalar_ = false;
  bool value_spans_ = false;  // its first bytes are in pending_
  size_t value_begin_ = 0;    // where it starts (or continues) in the current chunk
  uint64_t value_line_ = 1;
  uint32_t value_column_ = 1;
  uint64_t value_offset_ = 0;
  std::optional<FramingError> value_error_;

  uint64_t line_ = 1;
  uint64_t cursor_offset_ = 0;
  uint64_t cursor_chars_ = 0;
};

}  // namespace

std::unique_ptr<RecordReader> make_json_reader(std::unique_ptr<ByteSource> source, std::string path,
                                               uint32_t file_index, const ReaderOptions& options) {
  return std::make_unique<JsonReader>(std::move(source), std::move(path), file_index, options);
}

}  // namespace tuneprep::readers_detail
