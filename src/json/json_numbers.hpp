// json_numbers: RFC 8259 numbers the JSON parser refuses. simdjson rejects a whole document for an
// integer beyond 64 bits or a float beyond double range (1e999), though both are valid JSON; these
// helpers find such numbers, clamp them so the document parses, and read a number's literal text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tuneprep {

struct NumberRepair {
  static constexpr size_t kNone = static_cast<size_t>(-1);
  size_t malformed_at = kNone;  // byte offset of the first token that is no JSON number at all
  size_t clamped = 0;           // how many out-of-range numbers `repaired` replaces
  std::string repaired;         // the text with each one replaced (same length); empty when none
};

// Scans the number tokens outside strings. Each integer beyond [-2^63, 2^64) or float beyond
// double range becomes ±1e308 written in the token's own length ("1e999" -> "1e308",
// "123456789012345678901234567890" -> "1e0000000000000000000000000308"), so every byte offset
// (and every diagnostic's column) stays the same. Stops at the first malformed token.
NumberRepair repair_out_of_range_numbers(std::string_view json);

// The literal of the number starting at `offset` ("1e-400" as written), empty when none starts there.
std::string_view number_literal_at(std::string_view json, size_t offset);

// Whether a number literal that parsed as 0 was not written as zero (1e-400 underflows to 0).
bool literal_is_nonzero(std::string_view literal);

}  // namespace tuneprep
