// JSONL framing: one record per line, found with memchr over large chunks; only the line that
// crosses a chunk boundary is assembled in a separate buffer.
#include <cstring>

#include "readers/framing.hpp"

namespace tuneprep::readers_detail {
namespace {

bool is_blank(const char* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    const char c = data[i];
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

class JsonlReader final : public FramedReader {
 public:
  JsonlReader(std::unique_ptr<ByteSource> source, std::string path, uint32_t file_index, const ReaderOptions& options)
      // One byte of slack so that "max bytes + \r" still fits before the \r is stripped.
      : FramedReader(std::move(source), std::move(path), file_index, options), pending_(limit_with_slack(options.max_record_bytes)) {}

 protected:
  void frame(RecordBatch& batch) override {
    while (!batch_full()) {
      if (position_ == input_.size()) {
        if (!input_.next()) {
          // The last line may lack its '\n'. After an I/O error the partial line is dropped:
          // the error ends the file anyway.
          if (in_line_ && !input_.error()) emit_pending(batch);
          finished_ = true;
          return;
        }
        position_ = 0;
      }
      const char* const base = input_.data();
      const char* const end = base + input_.size();
      const char* p = base + position_;
      if (in_line_) {
        const auto* newline = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
        if (newline == nullptr) {
          pending_.append(p, static_cast<size_t>(end - p));
          position_ = input_.size();
          continue;
        }
        pending_.append(p, static_cast<size_t>(newline - p));
        position_ = static_cast<size_t>(newline + 1 - base);
        emit_pending(batch);
        continue;
      }
      // The hot loop: whole lines inside the chunk, copied once into their record.
      while (!batch_full()) {
        const auto* newline = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
        if (newline == nullptr) break;
        emit_line(batch, p, static_cast<size_t>(newline - p), input_.offset() + static_cast<uint64_t>(p - base));
        p = newline + 1;
      }
      if (batch_full()) {
        position_ = static_cast<size_t>(p - base);
        return;
      }
      if (p < end) {  // a line continues in the next chunk
        in_line_ = true;
        line_offset_ = input_.offset() + static_cast<uint64_t>(p - base);
        pending_.append(p, static_cast<size_t>(end - p));
      }
      position_ = input_.size();
    }
  }

 private:
  void emit_line(RecordBatch& batch, const char* data, size_t size, uint64_t offset) {
    const uint64_t line = line_++;
    const bool carriage_return = size > 0 && data[size - 1] == '\r';
    if (carriage_return) --size;
    if (size > options_.max_record_bytes) {
      Record& record = add_record(batch, line, 1, offset);
      record.had_crlf = carriage_return;
      record.text = padded_text(data, std::min(size, kTooLargeKeptBytes));
      record.framing_error = too_large_error(size, options_.max_record_bytes);
      account(record);
      return;
    }
    // Records nearly always start with '{': that byte alone rules out a blank line.
    if (size == 0 || ((data[0] == ' ' || data[0] == '\t' || data[0] == '\r') && is_blank(data, size))) return;
    Record& record = add_record(batch, line, 1, offset);
    record.had_crlf = carriage_return;
    record.text = padded_text(data, size);
    account(record);
  }

  void emit_pending(RecordBatch& batch) {
    in_line_ = false;
    const uint64_t line = line_++;
    uint64_t size = pending_.total();
    const bool carriage_return = size > 0 && pending_.last() == '\r';
    if (carriage_return) --size;
    std::string text = pending_.take();
    if (text.size() > size) text.resize(size);  // drop the '\r' when it was kept
    if (size == 0 || (size <= options_.max_record_bytes && is_blank(text.data(), text.size()))) return;
    Record& record = add_record(batch, line, 1, line_offset_);
    record.had_crlf = carriage_return;
    if (size > options_.max_record_bytes) {
      if (text.size() > kTooLargeKeptBytes) text.resize(kTooLargeKeptBytes);
      record.framing_error = too_large_error(size, options_.max_record_bytes);
    }
    ensure_padding(text);
    record.text.swap(text);  // not `= std::move`: GCC 12 warns falsely (-Wrestrict) there
    account(record);
  }

  PendingText pending_;
  size_t position_ = 0;  // next unframed byte in the current chunk
  bool in_line_ = false;   // a line started in an earlier chunk is in pending_
  uint64_t line_ = 1;      // number of the next line
  uint64_t line_offset_ = 0;
};

}  // namespace

std::unique_ptr<RecordReader> make_jsonl_reader(std::unique_ptr<ByteSource> source, std::string path,
                                                uint32_t file_index, const ReaderOptions& options) {
  return std::make_unique<JsonlReader>(std::move(source), std::move(path), file_index, options);
}

}  // namespace tuneprep::readers_detail
