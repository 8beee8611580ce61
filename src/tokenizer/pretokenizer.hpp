// tokenizer: hand-written matchers for the two pretokenizer regexes (cl100k_base, o200k_base).
//
// Each function returns the end of the piece that tiktoken's regex (fancy-regex, leftmost-first
// alternation with backtracking) matches at byte offset `i` of valid UTF-8 text `s[0..n)`. Every
// code point is covered by some alternative of both patterns, so pieces tile the text. The
// patterns, verbatim:
//
// cl100k_base:
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
//   \s*[\r\n]+|\s+(?!\S)|\s+
// o200k_base:
//   [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|
//   [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|
//   \p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
#pragma once

#include <cstddef>
#include <cstdint>

#include "tokenizer/unicode_classes.hpp"

namespace tuneprep::detail {

class PieceMatcher {
 public:
  PieceMatcher(const uint8_t* s, size_t n, const UnicodeClasses& classes)
      : s_(s), n_(n), classes_(classes), ascii_(classes.ascii()) {}

  size_t next_cl100k(size_t i) const;
  size_t next_o200k(size_t i) const;

 private:
  // Class flags of the code point at byte offset i; sets `len` to its UTF-8 length.
  uint8_t class_at(size_t i, uint32_t& len) const {
    const uint8_t b = s_[i];
    if (b < 0x80) {
      len = 1;
      return ascii_[b];
    }
    uint32_t cp;
    if (b < 0xE0) {
      len = 2;
      cp = (b & 0x1Fu) << 6 | (s_[i + 1] & 0x3Fu);
    } else if (b < 0xF0) {
      len = 3;
      cp = (b & 0x0Fu) << 12 | (s_[i + 1] & 0x3Fu) << 6 | (s_[i + 2] & 0x3Fu);
    } else {
      len = 4;
      cp = (b & 0x07u) << 18 | (s_[i + 1] & 0x3Fu) << 12 | (s_[i + 2] & 0x3Fu) << 6 | (s_[i + 3] & 0x3Fu);
    }
    return classes_.of(cp);
  }

  // End of the longest run starting at i of code points having any of `flags`.
  size_t run_of(size_t i, uint8_t flags) const {
    while (i < n_) {
      uint32_t len;
      if (!(class_at(i, len) & flags)) break;
      i += len;
    }
    return i;
  }
  // Byte length of (?i:'s|'t|'re|'ve|'m|'ll|'d) at i, 0 when it does not match.
  size_t contraction_at(size_t i) const;
  // [^\s\p{L}\p{N}]+ from i (the caller checked the first code point), then the trailing
  // newline run: [\r\n]* for cl100k, [\r\n/]* for o200k.
  size_t punctuation_run(size_t i, bool slash) const;
  // \s*[\r\n]+ | \s+(?!\S) | \s+ at i, where the code point at i is white space.
  size_t whitespace_run(size_t i) const;
  // o200k's [Upperish]*[Lowerish]+ at i; 0 when it does not match.
  size_t cased_letters_lower(size_t i) const;

  const uint8_t* s_;
  size_t n_;
  const UnicodeClasses& classes_;
  const uint8_t* ascii_;
};

}  // namespace tuneprep::detail
