// Comparison form of a text for near dedup (case/width/punctuation folding) and its shingles.
#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <optional>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <utf8proc.h>
#define XXH_INLINE_ALL  // one short hash per shingle: the library call cost more than the hashing
#include <xxhash.h>

#include "tuneprep/near_dedup.hpp"

namespace tuneprep {
namespace {

// ASCII fast path: 0 = separator, otherwise the folded byte. Most training text is ASCII.
constexpr std::array<char, 128> make_ascii_fold() {
  std::array<char, 128> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<char>(c);
  for (int c = 'a'; c <= 'z'; ++c) table[c] = static_cast<char>(c);
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = static_cast<char>(c - 'A' + 'a');
  return table;
}
constexpr std::array<char, 128> kAsciiFold = make_ascii_fold();

bool is_word_category(utf8proc_category_t category) {
  switch (category) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

// Eight ASCII-only bytes folded at once (SWAR), or nullopt when they need the byte loop: any
// non-ASCII or separator byte other than a single space between word characters, a space at the
// end, or a space at the start of the text (`after_word` false). Flags live in each byte's high
// bit: for bytes below 0x80, adding 0x80 - k sets it exactly when the byte is >= k, with no
// carry into the next byte.
inline std::optional<uint64_t> fold_word8(uint64_t w, bool after_word) {
  static_assert(std::endian::native == std::endian::little, "byte 0 of the word is the first in memory");
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  if ((w & kHigh) != 0) return std::nullopt;
  const auto at_least = [w](unsigned k) { return (w + (0x80 - k) * kOnes) & kHigh; };
  const uint64_t upper = at_least('A') & ~at_least('Z' + 1);
  const uint64_t lower = at_least('a') & ~at_least('z' + 1);
  const uint64_t digit = at_least('0') & ~at_least('9' + 1);
  const uint64_t space = at_least(' ') & ~at_least(' ' + 1);
  const uint64_t word = upper | lower | digit;
  if ((word | space) != kHigh) return std::nullopt;  // another separator
  if ((space & (space << 8)) != 0) return std::nullopt;  // two spaces in a row
  if ((word >> 56) == 0) return std::nullopt;  // ends on a space: it may be followed by separators
  if (!after_word && (space & 0x80) != 0) return std::nullopt;  // a leading space is dropped
  return w | (upper >> 2);  // 'A'..'Z' + 0x20
}

// Scripts written without spaces between words (see choose_shingle_kind).
bool is_unspaced_script(int32_t cp) {
  return (cp >= 0x0E00 && cp <= 0x0EFF)      // Thai, Lao
      || (cp >= 0x0F00 && cp <= 0x0FFF)      // Tibetan
      || (cp >= 0x1000 && cp <= 0x109F)      // Myanmar
      || (cp >= 0x1780 && cp <= 0x17FF)      // Khmer
      || (cp >= 0x19E0 && cp <= 0x19FF)      // Khmer symbols
      || (cp >= 0x1B00 && cp <= 0x1B7F)      // Balinese
      || (cp >= 0x3040 && cp <= 0x30FF)      // Hiragana, Katakana
      || (cp >= 0x3100 && cp <= 0x312F)      // Bopomofo
      || (cp >= 0x31F0 && cp <= 0x31FF)      // Katakana phonetic extensions
      || (cp >= 0x3400 && cp <= 0x4DBF)      // CJK extension A
      || (cp >= 0x4E00 && cp <= 0x9FFF)      // CJK unified ideographs
      || (cp >= 0xA000 && cp <= 0xA4CF)      // Yi
      || (cp >= 0xA980 && cp <= 0xA9DF)      // Javanese
      || (cp >= 0xF900 && cp <= 0xFAFF)      // CJK compatibility ideographs
      || (cp >= 0x20000 && cp <= 0x3134F);   // CJK extensions B..G
}

// Length of the UTF-8 sequence starting with `lead` in a string we produced (always valid).
inline size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

inline int32_t decode_valid(const unsigned char* p, size_t n) {
  switch (n) {
    case 1: return p[0];
    case 2: return ((p[0] & 0x1F) << 6) | (p[1] & 0x3F);
    case 3: return ((p[0] & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    default: return ((p[0] & 0x07) << 18) | ((p[1] & 0x3F) << 12) | ((p[2] & 0x3F) << 6) | (p[3] & 0x3F);
  }
}

// Distinct seeds so that a word shingle and a character shingle of the same bytes differ.
constexpr uint64_t kWordShingleSeed = 0x5157a3c1d2e4f607ULL;
constexpr uint64_t kCharShingleSeed = 0x9e3779b97f4a7c15ULL;

}  // namespace

void fold_for_comparison(std::string_view text, std::string& out) {
  // Writes through a raw pointer into a buffer sized for the worst case of the ASCII path (the
  // output of an ASCII byte is at most one byte plus a pending space that replaced an earlier
  // separator byte), growing it only for decompositions of non-ASCII code points.
  out.resize(text.size() + 1);
  char* dst = out.data();
  size_t length = 0;
  bool pending_space = false;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  utf8proc_int32_t decomposed[32];
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      // A run of ASCII without branches on the bytes: both candidate bytes are stored and the
      // length advances by what is kept. The stores stay inside the buffer: the output so far
      // never passes the input consumed since the buffer was last sized for the rest.
      do {
        // Eight bytes at a time when they fold to themselves in lower case: letters, digits and
        // single spaces between them, ending on a letter or digit (a separator run is folded
        // byte by byte below, which collapses it).
        if (!pending_space && end - p >= 8) {
          uint64_t w;
          std::memcpy(&w, p, 8);
          if (const std::optional<uint64_t> lower = fold_word8(w, length != 0)) {
            std::memcpy(dst + length, &*lower, 8);
            length += 8;
            p += 8;
            if (p == end) break;
            c = *p;
            continue;
          }
        }
        const char folded = kAsciiFold[c];
        const bool separator = folded == 0;
        dst[length] = ' ';
        length += static_cast<size_t>(pending_space & !separator);
        dst[length] = folded;
        length += static_cast<size_t>(!separator);
        pending_space = separator & (length != 0);
        ++p;
      } while (p < end && (c = *p) < 0x80);
      continue;
    }
    utf8proc_int32_t cp = 0;
    const auto n = utf8proc_iterate(p, end - p, &cp);
    if (n <= 0) {  // invalid UTF-8: one byte becomes a separator
      pending_space = length != 0;
      ++p;
      continue;
    }
    p += n;
    int boundclass = 0;
    const auto count = utf8proc_decompose_char(
        cp, decomposed, 32,
        static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE),
        &boundclass);
    if (count < 0 || count > 32) {
      pending_space = length != 0;
      continue;
    }
    // Room for every decomposed code point (4 bytes each), a space, and the rest of the input.
    const size_t needed = length + static_cast<size_t>(count) * 5 + static_cast<size_t>(end - p) + 1;
    if (needed > out.size()) {
      out.resize(std::max(needed, out.size() * 2));
      dst = out.data();
    }
    for (utf8proc_ssize_t i = 0; i < count; ++i) {
      const int32_t d = decomposed[i];
      if (d < 0x80) {
        const char folded = kAsciiFold[d];
        if (folded == 0) { pending_space = length != 0; continue; }
        if (pending_space) { dst[length++] = ' '; pending_space = false; }
        dst[length++] = folded;
      } else if (is_word_category(utf8proc_category(d))) {
        if (pending_space) { dst[length++] = ' '; pending_space = false; }
        length += static_cast<size_t>(utf8proc_encode_char(d, reinterpret_cast<utf8proc_uint8_t*>(dst + length)));
      } else {
        pending_space = length != 0;
      }
    }
  }
  out.resize(length);
}

std::string fold_for_comparison(std::string_view text) {
  std::string out;
  fold_for_comparison(text, out);
  return out;
}

ShingleKind choose_shingle_kind(std::string_view folded) {
  uint64_t word_cps = 0, unspaced_cps = 0, spaces = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(folded.data());
  const auto* end = p + folded.size();
  // Fast path: every unspaced script is encoded in 3 or 4 bytes, so a text without lead bytes
  // >= 0xE0 only needs its spaces and code points counted.
  bool wide = false;
  const auto* q = p;
#if defined(__SSE2__)
  // 16 bytes a step, counted in byte lanes (a match subtracts -1) and summed every 255 steps
  // before a lane can wrap (GCC left the byte loop scalar: 6% of `prepare --dedup near`, which
  // shingles every text twice).
  uint64_t continuation = 0;
  __m128i wide_any = _mm_setzero_si128();
  const __m128i zero = _mm_setzero_si128();
  while (end - q >= 16) {
    __m128i space_lanes = zero;
    __m128i continuation_lanes = zero;
    for (int step = 0; step < 255 && end - q >= 16; ++step, q += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
      space_lanes = _mm_sub_epi8(space_lanes, _mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
      continuation_lanes = _mm_sub_epi8(
          continuation_lanes, _mm_cmpeq_epi8(_mm_and_si128(v, _mm_set1_epi8(static_cast<char>(0xC0))),
                                             _mm_set1_epi8(static_cast<char>(0x80))));
      wide_any = _mm_or_si128(wide_any,
                              _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(static_cast<char>(0xE0))), v));
    }
    const __m128i space_sums = _mm_sad_epu8(space_lanes, zero);
    const __m128i continuation_sums = _mm_sad_epu8(continuation_lanes, zero);
    spaces += static_cast<uint64_t>(_mm_cvtsi128_si32(space_sums) + _mm_extract_epi16(space_sums, 4));
    continuation += static_cast<uint64_t>(_mm_cvtsi128_si32(continuation_sums) + _mm_extract_epi16(continuation_sums, 4));
  }
  wide = _mm_movemask_epi8(wide_any) != 0;
  word_cps = static_cast<uint64_t>(q - p) - continuation;
#endif
  for (; q < end; ++q) {
    spaces += *q == ' ';
    word_cps += (*q & 0xC0) != 0x80;
    wide |= *q >= 0xE0;
  }
  word_cps -= spaces;
  if (!wide) {
    if (word_cps >= 64 && spaces * 24 < word_cps) return ShingleKind::kCharacters;
    return ShingleKind::kWords;
  }
  word_cps = 0;
  spaces = 0;
  while (p < end) {
    if (*p == ' ') { ++spaces; ++p; continue; }
    const size_t n = std::min<size_t>(utf8_length(*p), static_cast<size_t>(end - p));
    ++word_cps;
    if (n >= 3 && is_unspaced_script(decode_valid(p, n))) ++unspaced_cps;
    p += n;
  }
  if (word_cps == 0) return ShingleKind::kWords;
  if (unspaced_cps * 2 >= word_cps) return ShingleKind::kCharacters;
  if (word_cps >= 64 && spaces * 24 < word_cps) return ShingleKind::kCharacters;
  return ShingleKind::kWords;
}

ShingleKind shingle_hashes(std::string_view folded, uint32_t n, std::vector<uint64_t>& hashes) {
  hashes.clear();
  if (n == 0) n = 1;
  if (folded.empty()) return ShingleKind::kWords;
  const ShingleKind kind = choose_shingle_kind(folded);
  const char* base = folded.data();
  if (kind == ShingleKind::kWords) {
    // Words are separated by exactly one space in a folded text, so a shingle of n words is one
    // contiguous byte range and is hashed in place. A ring keeps the last n word starts.
    std::array<uint32_t, 64> small_ring;
    std::vector<uint32_t> large_ring(n > small_ring.size() ? n : 0);
    uint32_t* ring = n > small_ring.size() ? large_ring.data() : small_ring.data();
    uint64_t words = 0;
    size_t start = 0;
    for (size_t i = 0; i <= folded.size(); ++i) {
      if (i < folded.size() && folded[i] != ' ') continue;
      ring[words % n] = static_cast<uint32_t>(start);
      ++words;
      if (words >= n) {
        const size_t first = ring[(words - n) % n];
        hashes.push_back(XXH3_64bits_withSeed(base + first, i - first, kWordShingleSeed));
      }
      start = i + 1;
    }
    if (words < n) hashes.push_back(XXH3_64bits_withSeed(base, folded.size(), kWordShingleSeed));
    return kind;
  }
  // Characters: spaces dropped (they are folded punctuation between runs of ideographs), then
  // every window of n code points is hashed from a compact copy.
  std::string compact;
  compact.reserve(folded.size());
  std::vector<uint32_t> starts;  // code point start offsets in `compact`
  starts.reserve(folded.size() / 2);
  const auto* p = reinterpret_cast<const unsigned char*>(folded.data());
  const auto* end = p + folded.size();
  while (p < end) {
    if (*p == ' ') { ++p; continue; }
    const size_t len = std::min<size_t>(utf8_length(*p), static_cast<size_t>(end - p));
    starts.push_back(static_cast<uint32_t>(compact.size()));
    compact.append(reinterpret_cast<const char*>(p), len);
    p += len;
  }
  const size_t cps = starts.size();
  if (cps < n) {
    hashes.push_back(XXH3_64bits_withSeed(compact.data(), compact.size(), kCharShingleSeed));
    return kind;
  }
  starts.push_back(static_cast<uint32_t>(compact.size()));
  hashes.reserve(cps - n + 1);
  for (size_t i = 0; i + n <= cps; ++i) {
    hashes.push_back(XXH3_64bits_withSeed(compact.data() + starts[i], starts[i + n] - starts[i], kCharShingleSeed));
  }
  return kind;
}

TextKey comparison_key(std::string_view text) {
  std::string folded;
  fold_for_comparison(text, folded);
  const XXH128_hash_t h = XXH3_128bits(folded.data(), folded.size());
  return TextKey{h.low64, h.high64};
}

TextKey comparison_key(const Example& example, DedupOn on, ComparisonScratch& scratch) {
  comparison_text(example, on, scratch.text);
  fold_for_comparison(scratch.text, scratch.folded);
  const XXH128_hash_t h = XXH3_128bits(scratch.folded.data(), scratch.folded.size());
  return TextKey{h.low64, h.high64};
}

}  // namespace tuneprep
