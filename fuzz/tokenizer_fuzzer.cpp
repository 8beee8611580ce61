// libFuzzer target for the tokenizer: never crashes, count() agrees with encode(), pieces tile the
// text, and decode(encode(x)) == x (after U+FFFD replacement when x is not valid UTF-8).
//
// The first input byte picks the encoding, whether special tokens are allowed, and whether the rest
// is taken as raw bytes or as a list of code points (3 bytes each, mod 0x110000, surrogates
// skipped) so that the fuzzer reaches every Unicode class, not only what random bytes decode to.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tuneprep/tokenizer.hpp"

using namespace tuneprep;

namespace {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | cp >> 6));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | cp >> 12));
    out.push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | cp >> 18));
    out.push_back(static_cast<char>(0x80 | (cp >> 12 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const Encoding& encoding = Encoding::get(mode & 1 ? EncodingId::kO200kBase : EncodingId::kCl100kBase);
  const SpecialTokens special = mode & 2 ? SpecialTokens::kAllow : SpecialTokens::kAsText;
  std::string text;
  if (mode & 4) {
    for (size_t i = 1; i + 3 <= size; i += 3) {
      const uint32_t cp = (static_cast<uint32_t>(data[i]) << 16 | data[i + 1] << 8 | data[i + 2]) % 0x110000;
      if (cp >= 0xD800 && cp <= 0xDFFF) continue;
      append_utf8(text, cp);
    }
  } else {
    text.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  }

  const std::vector<TokenId> ids = encoding.encode(text, special);
  require(encoding.count(text, special) == ids.size());
  std::string decoded;
  require(encoding.decode(ids, decoded));
  std::string expected;
  replace_invalid_utf8(text, expected);
  require(decoded == expected);
  require(is_valid_utf8(expected));

  std::vector<std::string_view> pieces;
  require(encoding.pretokenize(expected, pieces));
  std::string joined;
  for (std::string_view piece : pieces) {
    require(!piece.empty());
    joined.append(piece);
  }
  require(joined == expected);
  return 0;
}
