// tokenizer: builds the per-code-point class table from utf8proc's general categories.
#include "tokenizer/unicode_classes.hpp"

#include <cstring>
#include <map>
#include <string>

#include <utf8proc.h>

namespace tuneprep::detail {
namespace {

// Unicode White_Space (PropList.txt; unchanged since Unicode 6.3 dropped U+180E). utf8proc has
// general categories but not this property, and categories alone cannot give it: U+0085 and the
// controls U+0009..U+000D are Cc, while U+200B (Cf) is not White_Space.
bool is_white_space(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

uint8_t classify(uint32_t cp) {
  uint8_t flags = 0;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LT:
      flags = kClassLetter | kClassUpperish;
      break;
    case UTF8PROC_CATEGORY_LL:
      flags = kClassLetter | kClassLowerish;
      break;
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
      flags = kClassLetter | kClassUpperish | kClassLowerish;
      break;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
      flags = kClassMark | kClassUpperish | kClassLowerish;
      break;
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      flags = kClassNumber;
      break;
    default:
      break;
  }
  if (is_white_space(cp)) flags |= kClassSpace;
  if (cp == '\r' || cp == '\n') flags |= kClassNewline;
  return flags;
}

}  // namespace

UnicodeClasses::UnicodeClasses() : block_index_(0x110000 >> 8) {
  std::map<std::string, uint16_t> seen;  // block content -> index, to share identical blocks
  std::string block(256, '\0');
  for (uint32_t hi = 0; hi < (0x110000 >> 8); ++hi) {
    for (uint32_t lo = 0; lo < 256; ++lo) block[lo] = static_cast<char>(classify(hi << 8 | lo));
    auto [it, inserted] = seen.emplace(block, static_cast<uint16_t>(seen.size()));
    if (inserted) blocks_.insert(blocks_.end(), block.begin(), block.end());
    block_index_[hi] = it->second;
  }
  for (uint32_t cp = 0; cp < 128; ++cp) ascii_[cp] = classify(cp);
}

const UnicodeClasses& unicode_classes() {
  static const UnicodeClasses table;  // thread-safe one-time initialisation
  return table;
}

}  // namespace tuneprep::detail
