// json_pointer: where a JSON pointer's value sits in a record's raw text, as line and column.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tuneprep/record.hpp"
#include "tuneprep/rules.hpp"

namespace tuneprep {

// A position inside a record's text. A JSONL record is one line; a JSON array element may span
// several, so the position is a line offset from the record's first line plus a column on that line.
struct TextPosition {
  uint32_t line_offset = 0;  // 0 = the record's first line
  // 1-based, counted in characters (UTF-8 code points) from the start of that line; on the first
  // line (line_offset 0) counted from the start of the record text.
  uint32_t column = 1;
  size_t byte_offset = 0;    // of the value's first byte in the record text
};

// Finds the value `pointer` (RFC 6901, "" = the whole document) designates in `json` and returns
// where its first byte is. nullopt when the pointer names nothing there or the text is malformed
// before the value is reached. Allocation-free; linear in the bytes before the value; keys written
// with escapes ("\u0072ole") match their decoded form.
std::optional<TextPosition> locate_json_pointer(std::string_view json, std::string_view pointer);

// The position of byte `offset` of `text` (clamped to its size), counted as above.
TextPosition position_of_offset(std::string_view text, size_t offset);

// Fills d.line / d.column when d.line is 0 (positions set earlier, e.g. a parser's error column,
// are kept): the value at d.pointer in `record_text`, else the closest enclosing value that is
// there (a missing field points at its object), else the record's start. `source` is where the record text starts in its file; its column is
// added on the record's first line only (JSON array elements can start mid-line).
void place_diagnostic(Diagnostic& d, std::string_view record_text, const SourceLocation& source);

// Appends `key` escaped as a JSON pointer reference token ('~' -> "~0", '/' -> "~1").
void append_pointer_token(std::string& pointer, std::string_view key);

}  // namespace tuneprep
