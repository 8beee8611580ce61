// utf8: UTF-8 validation and repair, with no other dependency of the project.
#pragma once

#include <string>
#include <string_view>

namespace tuneprep {

bool is_valid_utf8(std::string_view text);
// Appends `text` to `out`, replacing each maximal invalid UTF-8 subpart by U+FFFD (EF BF BD), as
// the WHATWG UTF-8 decoder does. Valid text is copied unchanged.
void replace_invalid_utf8(std::string_view text, std::string& out);

}  // namespace tuneprep
