// tokenizer: the Unicode character classes the pretokenizer patterns test, per code point.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tuneprep::detail {

// Bit flags of one code point. Categories come from utf8proc (its Unicode version: 15.0 for
// utf8proc 2.8); kSpace is the Unicode White_Space property, which is what `\s` means in the Rust
// regex engine tiktoken uses (so U+FEFF and U+180E are not spaces, U+0085 is).
enum : uint8_t {
  kClassLetter = 1 << 0,     // \p{L}: Lu Ll Lt Lm Lo
  kClassNumber = 1 << 1,     // \p{N}: Nd Nl No
  kClassMark = 1 << 2,       // \p{M}: Mn Mc Me
  kClassSpace = 1 << 3,      // \s
  kClassUpperish = 1 << 4,   // o200k's [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
  kClassLowerish = 1 << 5,   // o200k's [\p{Ll}\p{Lm}\p{Lo}\p{M}]
  kClassNewline = 1 << 6,    // \r or \n
};

// A two-stage table over all of Unicode: 256-code-point blocks, identical blocks shared.
class UnicodeClasses {
 public:
  UnicodeClasses();
  uint8_t of(uint32_t cp) const {
    if (cp < 128) return ascii_[cp];
    if (cp > 0x10FFFF) return 0;
    return blocks_[static_cast<size_t>(block_index_[cp >> 8]) << 8 | (cp & 0xFF)];
  }
  const uint8_t* ascii() const { return ascii_; }

 private:
  uint8_t ascii_[128];
  std::vector<uint16_t> block_index_;
  std::vector<uint8_t> blocks_;
};

// Built once per process on first use.
const UnicodeClasses& unicode_classes();

}  // namespace tuneprep::detail
