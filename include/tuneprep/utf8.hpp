// utf8: UTF-8 validation and repair, with no other dependency of the project.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tuneprep {

bool is_valid_utf8(std::string_view text);
// Offset of the first byte that breaks UTF-8 (RFC 3629: no overlongs, no surrogates, nothing
// above U+10FFFF), or text.size() when the whole text is valid.
size_t first_invalid_utf8(std::string_view text);
// "the record is not valid UTF-8 (byte 0xc0 at offset 12)": the one wording every reader uses.
std::string invalid_utf8_message(std::string_view text, size_t at);
// Appends `text` to `out`, replacing each maximal invalid UTF-8 subpart by U+FFFD (EF BF BD), as
// the WHATWG UTF-8 decoder does. Valid text is copied unchanged.
void replace_invalid_utf8(std::string_view text, std::string& out);

}  // namespace tuneprep
