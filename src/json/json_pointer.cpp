// json_pointer: locating a JSON pointer's value in raw record text (for exact diagnostic columns).
#include "tuneprep/json_pointer.hpp"

#include <cstring>

#include "json/json_scan.hpp"

namespace tuneprep {
namespace {

using json_scan::kNpos;

// RFC 6901 array index: "0" or digits without a leading zero. Returns kNpos when not an index.
size_t parse_index(std::string_view token) {
  if (token.empty() || token.size() > 18) return kNpos;
  if (token.size() > 1 && token[0] == '0') return kNpos;
  size_t value = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return kNpos;
    value = value * 10 + static_cast<size_t>(c - '0');
  }
  return value;
}

// Returns the position of the value named by `token` inside the container starting at `i`.
size_t descend(std::string_view s, size_t i, std::string_view token) {
  if (s[i] == '{') {
    json_scan::ObjectMembers members(s, i);
    while (members.next()) {
      if (json_scan::decoded_equals(members.key(), json_scan::PointerTokenBytes(token))) {
        return members.value_pos();
      }
    }
    return kNpos;
  }
  if (s[i] == '[') {
    const size_t index = parse_index(token);
    if (index == kNpos) return kNpos;
    json_scan::ArrayElements elements(s, i);
    for (size_t k = 0; elements.next(); ++k) {
      if (k == index) return elements.value_pos();
    }
    return kNpos;
  }
  return kNpos;
}

}  // namespace

TextPosition position_of_offset(std::string_view text, size_t offset) {
  if (offset > text.size()) offset = text.size();
  TextPosition pos;
  pos.byte_offset = offset;
  size_t line_start = 0;
  const char* base = text.data();
  for (;;) {
    const void* nl = offset > line_start ? std::memchr(base + line_start, '\n', offset - line_start)
                                         : nullptr;
    if (nl == nullptr) break;
    line_start = static_cast<size_t>(static_cast<const char*>(nl) - base) + 1;
    ++pos.line_offset;
  }
  uint32_t column = 1;
  for (size_t k = line_start; k < offset; ++k) {
    // Count code points: every byte but UTF-8 continuation bytes starts one.
    if ((static_cast<unsigned char>(text[k]) & 0xC0) != 0x80) ++column;
  }
  pos.column = column;
  return pos;
}

std::optional<TextPosition> locate_json_pointer(std::string_view json, std::string_view pointer) {
  size_t i = json_scan::skip_ws(json, json.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0);  // a record's BOM
  if (i >= json.size()) return std::nullopt;
  if (!pointer.empty()) {
    if (pointer[0] != '/') return std::nullopt;
    size_t p = 1;
    for (;;) {
      const size_t slash = pointer.find('/', p);
      const std::string_view token =
          pointer.substr(p, slash == std::string_view::npos ? std::string_view::npos : slash - p);
      i = descend(json, i, token);
      if (i == kNpos || i >= json.size()) return std::nullopt;
      if (slash == std::string_view::npos) break;
      p = slash + 1;
    }
  }
  return position_of_offset(json, i);
}

void place_diagnostic(Diagnostic& d, std::string_view record_text, const SourceLocation& source) {
  if (d.line != 0) return;
  // A missing field ("/messages/0/content" of a message without content) is not in the text:
  // the closest enclosing value that is, so the column still finds the message. The walk that
  // finds a value also gives its position (finding it first and walking again to place it was
  // 2.5% of validate on text with a warning in nearly every record).
  TextPosition pos;  // the record's start when nothing on the path is in the text
  for (std::string_view at = d.pointer; !at.empty(); at = at.substr(0, at.rfind('/'))) {
    if (const auto found = locate_json_pointer(record_text, at)) {
      pos = *found;
      break;
    }
  }
  d.line = source.line + pos.line_offset;
  d.column = pos.line_offset == 0 ? source.column + pos.column - 1 : pos.column;
}

void append_pointer_token(std::string& pointer, std::string_view key) {
  for (char c : key) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer.push_back(c);
    }
  }
}

}  // namespace tuneprep
