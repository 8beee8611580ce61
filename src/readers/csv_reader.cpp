// CSV framing per RFC 4180 (quoted fields with commas, doubled quotes and line breaks; CRLF or
// LF), the header row, and the mapping of columns to system/prompt/response.
#include <algorithm>
#include <array>
#include <cstring>
#include <initializer_list>
#include <vector>

#include "readers/framing.hpp"
#include "tuneprep/io.hpp"
#include "tuneprep/utf8.hpp"

namespace tuneprep::readers_detail {
namespace {

using ByteTable = std::array<bool, 256>;

constexpr ByteTable make_table(std::string_view bytes) {
  ByteTable table{};
  for (char c : bytes) table[static_cast<unsigned char>(c)] = true;
  return table;
}

constexpr ByteTable kQuotedStop = make_table("\"\n");

// The delimiters detection chooses from, in the order that breaks ties.
constexpr std::string_view kDelimiterCandidates = ",\t;|";

// Tab for .tsv and .tab files (also compressed); 0 (detect from the header) otherwise.
char delimiter_from_path(std::string_view path) {
  return has_extension(path, ".tsv") || has_extension(path, ".tab") ? '\t' : '\0';
}

// The candidate that occurs most often outside quotes in the header row; a comma when none does.
char detect_delimiter(std::string_view header) {
  std::array<size_t, kDelimiterCandidates.size()> counts{};
  bool quoted = false;
  for (char c : header) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    const size_t k = kDelimiterCandidates.find(c);
    if (k != std::string_view::npos) ++counts[k];
  }
  size_t best = 0;
  for (size_t k = 1; k < counts.size(); ++k) {
    if (counts[k] > counts[best]) best = k;
  }
  return kDelimiterCandidates[best];
}

// Where the scanner is within a row. RFC 4180 leaves quotes inside unquoted fields and text after
// a closing quote undefined; like Python's csv module they are kept as literal characters.
enum class FieldState : uint8_t {
  kFieldStart,     // at the first byte of a field
  kUnquoted,       // inside an unquoted field
  kQuoted,         // inside a quoted field
  kQuoteInQuoted,  // just after a quote inside a quoted field: "" or the closing quote
};

// Splits one complete row (without its line end) into unescaped fields, with the same state
// machine as the framing scan so both agree on where quotes open and close.
void split_fields(std::string_view row, char delimiter, std::vector<std::string>& fields) {
  size_t count = 0;
  auto next_field = [&]() -> std::string& {
    if (fields.size() <= count) fields.emplace_back();
    std::string& field = fields[count++];
    field.clear();
    return field;
  };
  std::string* field = &next_field();
  FieldState state = FieldState::kFieldStart;
  size_t i = 0;
  while (i < row.size()) {
    if (state == FieldState::kQuoted) {
      const size_t quote = std::min(row.find('"', i), row.size());
      field->append(row.substr(i, quote - i));
      state = FieldState::kQuoteInQuoted;
      i = quote + 1;
      continue;
    }
    const char c = row[i];
    if (c == '"' && state == FieldState::kFieldStart) {
      state = FieldState::kQuoted;
      ++i;
    } else if (c == '"' && state == FieldState::kQuoteInQuoted) {
      field->push_back('"');
      state = FieldState::kQuoted;
      ++i;
    } else if (c == delimiter) {
      field = &next_field();
      state = FieldState::kFieldStart;
      ++i;
    } else {  // literal text up to the next delimiter; quotes in it are ordinary characters
      const size_t next = std::min(row.find(delimiter, i), row.size());
      field->append(row.substr(i, next - i));
      state = FieldState::kUnquoted;
      i = next;
    }
  }
  fields.resize(count);
}

// A CR outside quotes inside the header row: the file ends its lines with CR alone.
bool detect_cr_only(std::string_view header) {
  bool quoted = false;
  for (char c : header) {
    if (c == '"') quoted = !quoted;
    if (c == '\r' && !quoted) return true;
  }
  return false;
}

std::string lowercase_trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_blank(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

// Column indexes of the mapped fields; -1 = not mapped.
struct ColumnMapping {
  int system = -1;
  int prompt = -1;
  int response = -1;
  int input = -1;  // Alpaca's input, appended to an instruction prompt
};

class CsvReader final : public FramedReader {
 public:
  CsvReader(std::unique_ptr<ByteSource> source, std::string path, uint32_t file_index, const ReaderOptions& options)
      // One byte of slack so that "max bytes + \r" still fits before the \r is stripped.
      : FramedReader(std::move(source), std::move(path), file_index, options), pending_(limit_with_slack(options.max_record_bytes)) {
    const char delimiter = options.csv_delimiter != 0 ? options.csv_delimiter : delimiter_from_path(path_);
    // Until the header row is read, an undetected delimiter frames like a comma: only quotes at
    // field starts depend on it, and the header is split again once the delimiter is known.
    set_delimiter(delimiter != 0 ? delimiter : ',');
    detect_ = delimiter == 0;
  }

  // Reads the header row and maps the columns. Returns the error for ReaderResult, if any.
  std::optional<IoError> read_header() {
    RecordBatch scratch;
    while (!finished_ && !header_read_) frame(scratch);
    if (input_.error()) return std::move(input_.error());
    if (!header_read_) return std::nullopt;  // empty file: no records, no error
    if (header_error_) return header_error_;
    return map_columns();
  }

 protected:
  void frame(RecordBatch& batch) override {
    while (!batch_full()) {
      if (position_ == input_.size()) {
        if (in_row_) {
          pending_.append(input_.data() + row_begin_, input_.size() - row_begin_);
          row_spans_ = true;
        }
        position_ = 0;
        row_begin_ = 0;
        if (!input_.next()) {
          if (in_row_ && !input_.error()) finish_row(batch, 0, /*at_eof=*/true);
          finished_ = true;
          return;
        }
      }
      if (scan(batch)) return;
    }
  }

 private:
  // Scans the current chunk from position_. Returns true when frame() must return: the batch is
  // full or the header row was just read.
  bool scan(RecordBatch& batch) {
    const auto* data = reinterpret_cast<const unsigned char*>(input_.data());
    const size_t size = input_.size();
    size_t i = position_;
    while (i < size) {
      if (!in_row_) {
        in_row_ = true;
        row_begin_ = i;
        row_line_ = line_;
        row_offset_ = input_.offset() + i;
        state_ = FieldState::kFieldStart;
      }
      if (state_ == FieldState::kQuoted) {
        while (i < size && !kQuotedStop[data[i]]) ++i;
        if (i == size) break;
        if (data[i] == '\n') {
          ++line_;
        } else {
          state_ = FieldState::kQuoteInQuoted;
        }
        ++i;
        continue;
      }
      const unsigned char c = data[i];
      if (c == '"') {
        if (state_ == FieldState::kFieldStart) {
          state_ = FieldState::kQuoted;
          quote_line_ = line_;
        } else if (state_ == FieldState::kQuoteInQuoted) {
          state_ = FieldState::kQuoted;  // a doubled quote
        }  // else a literal quote inside an unquoted field
        ++i;
        continue;
      }
      if (c == delimiter_) {
        state_ = FieldState::kFieldStart;
        ++i;
        continue;
      }
      if (c == '\n') {
        ++line_;
        const bool was_header = !header_read_;
        finish_row(batch, i, /*at_eof=*/false);
        position_ = ++i;
        if (batch_full() || (was_header && header_read_)) return true;
        continue;
      }
      state_ = FieldState::kUnquoted;
      ++i;
      while (i < size && !unquoted_stop_[data[i]]) ++i;
    }
    position_ = size;
    return false;
  }

  // The row ends before chunk index `end` (at its '\n', or at end of file).
  void finish_row(RecordBatch& batch, size_t end, bool at_eof) {
    in_row_ = false;
    uint64_t size;
    char last;
    std::string text;
    if (row_spans_) {
      pending_.append(input_.data() + row_begin_, end - row_begin_);
      size = pending_.total();
      last = pending_.last();
      text = pending_.take();
      row_spans_ = false;
    } else {
      size = end - row_begin_;
      last = size > 0 ? input_.data()[end - 1] : '\0';
      const bool keep_all = size <= limit_with_slack(options_.max_record_bytes);
      text = padded_text(input_.data() + row_begin_, keep_all ? size : std::min<size_t>(size, kTooLargeKeptBytes));
    }
    const bool unterminated = at_eof && state_ == FieldState::kQuoted;
    const bool carriage_return = !unterminated && last == '\r';
    if (carriage_return) {  // CRLF line end
      --size;
      if (text.size() > size) text.resize(size);
    }
    if (size == 0) return;  // an empty line
    const bool too_large = size > options_.max_record_bytes;
    if (too_large && text.size() > kTooLargeKeptBytes) text.resize(kTooLargeKeptBytes);

    if (!header_read_) {
      header_read_ = true;
      header_line_ = row_line_;
      const std::string where = path_ + ":" + std::to_string(row_line_) + ": ";
      if (unterminated) {
        header_error_ = IoError{where + "unterminated quoted field starting at line " + std::to_string(quote_line_) +
                                " in the CSV header"};
      } else if (too_large) {
        header_error_ = IoError{where + "CSV header row exceeds --max-record-bytes (" +
                                std::to_string(options_.max_record_bytes) + ")"};
      } else if (text.find('\r') != std::string::npos && detect_cr_only(text)) {
        // Classic Mac line ends: the whole file is one row, so no column would be found.
        header_error_ = IoError{where + "CSV uses CR-only line ends (no LF after a CR); convert them to LF or CR LF, "
                                        "e.g. with tr '\\r' '\\n'"};
      } else if (const size_t bad = first_invalid_utf8(text); bad < text.size()) {
        header_error_ = IoError{where + "CSV header is not valid UTF-8 (byte " + hex_byte(text[bad]) + " at column " +
                                std::to_string(count_utf8_chars(text.data(), bad) + 1) + ")"};
      } else {
        if (detect_) set_delimiter(detect_delimiter(text));
        split_fields(text, delimiter_, header_);
      }
      return;
    }

    Record& record = add_record(batch, row_line_, 1, row_offset_);
    record.kind = RecordKind::kCsvRow;
    record.had_crlf = carriage_return;
    if (unterminated) {
      record.framing_error = FramingError{"csv-field-count",
                                          "unterminated quoted field starting at line " + std::to_string(quote_line_), 0};
    } else if (too_large) {
      record.framing_error = too_large_error(size, options_.max_record_bytes);
    } else if (const size_t bad = first_invalid_utf8(text); bad < text.size()) {
      // The rule JSON records follow (the parser rejects them): a field is never passed on with
      // bytes that are not UTF-8, so no output line carries them.
      record.framing_error = invalid_utf8_error(text, bad);
    } else {
      split_fields(text, delimiter_, fields_);
      if (fields_.size() != header_.size()) {
        record.framing_error = FramingError{"csv-field-count",
                                            "row has " + std::to_string(fields_.size()) + " field" +
                                                (fields_.size() == 1 ? "" : "s") + " but the header has " +
                                                std::to_string(header_.size()),
                                            0};
      } else {
        map_fields(record.csv);
      }
    }
    ensure_padding(text);
    record.text.swap(text);  // not `= std::move`: GCC 12 warns falsely (-Wrestrict) there
    account(record);
  }

  void map_fields(CsvFields& out) const {
    auto field = [&](int index) -> const std::string& { return fields_[static_cast<size_t>(index)]; };
    out.system_field = mapping_.system;
    out.prompt_field = mapping_.prompt;
    out.response_field = mapping_.response;
    if (mapping_.system >= 0) out.system = field(mapping_.system);
    if (mapping_.response >= 0) out.response = field(mapping_.response);
    if (mapping_.prompt >= 0) {
      std::string prompt = field(mapping_.prompt);
      if (mapping_.input >= 0 && !is_blank(field(mapping_.input))) {
        prompt += "\n\n";
        prompt += field(mapping_.input);
      }
      out.prompt = std::move(prompt);
    }
  }

  std::string column_list() const {
    std::string out;
    for (size_t i = 0; i < header_.size(); ++i) {
      if (i > 0) out += ", ";
      out += header_[i];
    }
    return out;
  }

  int find_column(std::string_view name) const {
    const std::string wanted = lowercase_trimmed(name);
    for (size_t i = 0; i < header_.size(); ++i) {
      if (lowercase_trimmed(header_[i]) == wanted) return static_cast<int>(i);
    }
    return -1;
  }

  std::optional<IoError> map_columns() {
    const std::string where = path_ + ":" + std::to_string(header_line_) + ": ";
    // A delimiter given (--delimiter, a .tsv name) that leaves the header in one piece, while
    // another splits it: say so, rather than ask for a column option that cannot help.
    if (header_.size() == 1 && !detect_) {
      const char guess = detect_delimiter(header_[0]);
      std::vector<std::string> split;
      if (guess != delimiter_) split_fields(header_[0], guess, split);
      if (split.size() >= 2) {
        auto shown = [](char c) { return c == '\t' ? std::string("tab") : std::string(1, c); };
        return IoError{where + "CSV header does not split under the delimiter '" + shown(delimiter_) +
                       "' (one column: " + header_[0] + "); it looks delimited by '" + shown(guess) +
                       "': try --delimiter " + (guess == '\t' ? std::string("tab") : "'" + shown(guess) + "'")};
      }
    }
    auto explicit_column = [&](const std::string& name, const char* option, int& index) -> std::optional<IoError> {
      if (name.empty()) return std::nullopt;
      index = find_column(name);
      if (index >= 0) return std::nullopt;
      return IoError{where + "CSV header has no column named '" + name + "' (given by " + option +
                     "; columns: " + column_list() + ")"};
    };
    if (auto e = explicit_column(options_.prompt_column, "--prompt-col", mapping_.prompt)) return e;
    if (auto e = explicit_column(options_.response_column, "--response-col", mapping_.response)) return e;
    if (auto e = explicit_column(options_.system_column, "--system-col", mapping_.system)) return e;

    auto first_of = [&](std::initializer_list<std::string_view> names) {
      for (std::string_view name : names) {
        if (const int index = find_column(name); index >= 0) return index;
      }
      return -1;
    };
    if (options_.prompt_column.empty()) {
      mapping_.prompt = first_of({"prompt", "question", "instruction", "input"});
      // Alpaca exports: the instruction is the prompt, a non-blank input follows it.
      const int input = find_column("input");
      if (mapping_.prompt >= 0 && mapping_.prompt == find_column("instruction") && input >= 0) mapping_.input = input;
    }
    if (options_.response_column.empty()) mapping_.response = first_of({"response", "answer", "output", "completion"});
    if (options_.system_column.empty()) mapping_.system = find_column("system");

    const std::string columns = "(columns: " + column_list() + ")";
    if (mapping_.prompt < 0 && mapping_.response < 0) {
      return IoError{where + "CSV header has no prompt or response column " + columns +
                     "; use --prompt-col and --response-col"};
    }
    if (mapping_.prompt < 0) return IoError{where + "CSV header has no prompt column " + columns + "; use --prompt-col"};
    if (mapping_.response < 0) {
      return IoError{where + "CSV header has no response column " + columns + "; use --response-col"};
    }
    return std::nullopt;
  }

  void set_delimiter(char delimiter) {
    delimiter_ = delimiter;
    unquoted_stop_ = kQuotedStop;
    unquoted_stop_[static_cast<unsigned char>(delimiter)] = true;
  }

  char delimiter_ = ',';
  bool detect_ = false;      // the delimiter is chosen from the header row
  ByteTable unquoted_stop_;  // bytes that end a run of an unquoted field: quote, LF, delimiter
  PendingText pending_;
  size_t position_ = 0;  // next unscanned byte of the current chunk
  FieldState state_ = FieldState::kFieldStart;
  bool in_row_ = false;
  bool row_spans_ = false;  // the row's first bytes are in pending_
  size_t row_begin_ = 0;    // where the row starts (or continues) in the current chunk
  uint64_t row_line_ = 1;
  uint64_t row_offset_ = 0;
  uint64_t quote_line_ = 1;  // line of the quote that opened the current quoted field
  uint64_t line_ = 1;

  bool header_read_ = false;
  uint64_t header_line_ = 1;
  std::optional<IoError> header_error_;
  std::vector<std::string> header_;
  std::vector<std::string> fields_;
  ColumnMapping mapping_;
};

}  // namespace

ReaderResult make_csv_reader(std::unique_ptr<ByteSource> source, std::string path, uint32_t file_index,
                             const ReaderOptions& options) {
  auto reader = std::make_unique<CsvReader>(std::move(source), std::move(path), file_index, options);
  if (auto error = reader->read_header()) return ReaderResult{nullptr, std::move(error)};
  return ReaderResult{std::move(reader), std::nullopt};
}

}  // namespace tuneprep::readers_detail
