// json_text: JSON string escaping for every writer (outputs, manifest, diagnostics).
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "tuneprep/json_writer.hpp"

namespace tuneprep {

// Escapes per RFC 8259: quote, backslash and control characters; everything else (valid UTF-8,
// which the parser has already checked) is copied as is, so output stays readable and compact.
void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + text.size() + 2);
  out.push_back('"');
  size_t run_start = 0;
  size_t i = 0;
  for (;;) {
#if defined(__SSE2__)
    // 16 bytes at a time first: a byte below 0x20 is one whose unsigned max with 0x1F is 0x1F.
    while (i + 16 <= text.size()) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
      const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1F)), _mm_set1_epi8(0x1F));
      const __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
      const __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
      const int special = _mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash)));
      if (special != 0) {
        i += static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(special)));
        break;
      }
      i += 16;
    }
#endif
    // Skip 8 bytes at a time while none needs escaping (SWAR: a word has a byte below 0x20, or
    // equal to '"' or '\\', exactly when the matching high bit below is set). Most text has no
    // escapes for long runs, so this keeps escaping well under a nanosecond per byte.
    while (i + 8 <= text.size()) {
      uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      constexpr uint64_t kOnes = 0x0101010101010101ULL;
      constexpr uint64_t kHigh = 0x8080808080808080ULL;
      const uint64_t quote = word ^ (kOnes * '"');
      const uint64_t backslash = word ^ (kOnes * '\\');
      const uint64_t special = ((word - kOnes * 0x20) & ~word) | ((quote - kOnes) & ~quote) |
                               ((backslash - kOnes) & ~backslash);
      if ((special & kHigh) != 0) break;
      i += 8;
    }
    if (i >= text.size()) break;
    const auto c = static_cast<unsigned char>(text[i++]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run_start, i - 1 - run_start);
    run_start = i;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
  }
  out.append(text.data() + run_start, text.size() - run_start);
  out.push_back('"');
}

}  // namespace tuneprep
