// utf8: validation of UTF-8 text and the WHATWG replacement of invalid sequences, shared by the
// tokenizer, the readers' outputs and the rejected records.
#include "tuneprep/utf8.hpp"

#include <simdjson.h>

namespace tuneprep {

bool is_valid_utf8(std::string_view text) { return simdjson::validate_utf8(text.data(), text.size()); }

size_t first_invalid_utf8(std::string_view text) {
  // The SIMD check first: valid text (nearly all of it) never takes the byte loop.
  if (is_valid_utf8(text)) return text.size();
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return i;
    }
    if (i + length > text.size()) return i;
    auto second = static_cast<unsigned char>(text[i + 1]);
    if (second < low || second > high) return i;
    for (size_t k = 2; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return i;
    }
    i += length;
  }
  return text.size();
}

std::string invalid_utf8_message(std::string_view text, size_t at) {
  std::string message = "the record is not valid UTF-8";
  if (at < text.size()) {
    static constexpr char kHex[] = "0123456789abcdef";
    auto byte = static_cast<unsigned char>(text[at]);
    message += " (byte 0x";
    message += kHex[byte >> 4];
    message += kHex[byte & 0xF];
    message += " at offset " + std::to_string(at) + ")";
  }
  return message;
}

void replace_invalid_utf8(std::string_view text, std::string& out) {
  // The WHATWG Encoding Standard's UTF-8 decoder: a lead byte fixes how many continuation bytes
  // follow and the allowed range of the first one (no overlongs, surrogates or > U+10FFFF); at the
  // first byte that does not fit, one U+FFFD replaces the bytes taken so far and that byte is read
  // again as a new lead.
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  out.reserve(out.size() + n);
  size_t i = 0;
  while (i < n) {
    const uint8_t b = s[i];
    if (b < 0x80) {
      out.push_back(static_cast<char>(b));
      ++i;
      continue;
    }
    size_t need = 0;
    uint8_t lower = 0x80, upper = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      need = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      need = 2;
      if (b == 0xE0) lower = 0xA0;
      if (b == 0xED) upper = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      need = 3;
      if (b == 0xF0) lower = 0x90;
      if (b == 0xF4) upper = 0x8F;
    } else {
      out.append(kReplacement, 3);
      ++i;
      continue;
    }
    size_t k = 1;
    for (; k <= need; ++k) {
      if (i + k >= n || s[i + k] < lower || s[i + k] > upper) break;
      lower = 0x80;
      upper = 0xBF;
    }
    if (k > need) {
      out.append(text.substr(i, need + 1));
    } else {
      out.append(kReplacement, 3);
    }
    i += k;
  }
}

}  // namespace tuneprep
