// terminal_text: makes text from the data (file names, CSV headers, messages) safe to print, so
// no byte of an input can move the cursor, retitle the window or split a `file:line:col` line.
#include <fmt/core.h>

#include "tuneprep/diagnostics.hpp"
#include "tuneprep/utf8.hpp"

namespace tuneprep {
namespace {

// Bidirectional overrides and isolates (U+202A..U+202E, U+2066..U+2069) reorder what a terminal
// shows ("Trojan Source", CVE-2021-42574); they are escaped like control characters.
bool is_bidi_control(char32_t cp) { return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069); }

}  // namespace

std::string terminal_text(std::string_view text, bool keep_line_breaks) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (keep_line_breaks && (c == '\n' || c == '\r')) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (c < 0x80) {  // C0 controls and DEL, as C and JSON write them
      switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: fmt::format_to(std::back_inserter(out), "\\x{:02x}", c);
      }
      ++i;
      continue;
    }
    // A multi-byte character: copied when valid and not a C1 control or a bidi control.
    const size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    const std::string_view sequence = text.substr(i, length);
    if (sequence.size() != length || length == 1 || !is_valid_utf8(sequence)) {
      fmt::format_to(std::back_inserter(out), "\\x{:02x}", c);
      ++i;
      continue;
    }
    char32_t cp = c & (0xFF >> (length + 1));
    for (size_t k = 1; k < length; ++k) cp = (cp << 6) | (static_cast<unsigned char>(sequence[k]) & 0x3F);
    if (cp < 0xA0 || is_bidi_control(cp)) {
      fmt::format_to(std::back_inserter(out), "\\u{{{:x}}}", static_cast<uint32_t>(cp));
    } else {
      out.append(sequence);
    }
    i += length;
  }
  return out;
}

}  // namespace tuneprep
