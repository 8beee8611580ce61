// tokenizer: the pretokenizer matchers; see pretokenizer.hpp for the patterns they implement.
#include "tokenizer/pretokenizer.hpp"

namespace tuneprep::detail {
namespace {

constexpr uint8_t kPunctuationExcluded = kClassSpace | kClassLetter | kClassNumber;
// [^\r\n\p{L}\p{N}]: the optional one-code-point prefix of a letter run.
constexpr uint8_t kPrefixExcluded = kClassNewline | kClassLetter | kClassNumber;

}  // namespace

size_t PieceMatcher::contraction_at(size_t i) const {
  // Case-insensitive with Unicode simple case folding: 's' also matches 'S' and U+017F 'ſ'
  // (UTF-8 C5 BF); the other letters have only their ASCII case partner.
  if (i + 1 >= n_ || s_[i] != '\'') return 0;
  const uint8_t c = s_[i + 1] | 0x20;  // ASCII lower case (non-letters never match below)
  const bool ascii_letter = s_[i + 1] >= 'A' && s_[i + 1] <= 'z';
  if (ascii_letter && (c == 's' || c == 't' || c == 'm' || c == 'd')) return 2;
  if (s_[i + 1] == 0xC5 && i + 2 < n_ && s_[i + 2] == 0xBF) return 3;
  if (ascii_letter && i + 2 < n_ && s_[i + 2] >= 'A' && s_[i + 2] <= 'z') {
    const uint8_t d = s_[i + 2] | 0x20;
    if ((c == 'r' || c == 'v') && d == 'e') return 3;
    if (c == 'l' && d == 'l') return 3;
  }
  return 0;
}

size_t PieceMatcher::punctuation_run(size_t i, bool slash) const {
  while (i < n_) {
    uint32_t len;
    if (class_at(i, len) & kPunctuationExcluded) break;
    i += len;
  }
  while (i < n_ && (s_[i] == '\r' || s_[i] == '\n' || (slash && s_[i] == '/'))) ++i;
  return i;
}

size_t PieceMatcher::whitespace_run(size_t i) const {
  const size_t start = i;
  size_t last_start = i;          // start of the run's last code point
  size_t after_newline = 0;       // end of the run's last \r or \n, 0 if none
  while (i < n_) {
    uint32_t len;
    const uint8_t cls = class_at(i, len);
    if (!(cls & kClassSpace)) break;
    if (cls & kClassNewline) after_newline = i + 1;
    last_start = i;
    i += len;
  }
  // \s*[\r\n]+: \s* backtracks from the run's end to its last newline.
  if (after_newline != 0) return after_newline;
  // \s+(?!\S): the whole run at the end of text; otherwise it gives back the last space, so
  // that the space can prefix the next word.
  if (i == n_) return i;
  if (last_start > start) return last_start;
  // \s+: a single space before a non-space.
  return i;
}

size_t PieceMatcher::next_cl100k(size_t i) const {
  uint32_t len;
  const uint8_t cls = class_at(i, len);
  // (?i:'s|'t|'re|'ve|'m|'ll|'d)
  if (s_[i] == '\'') {
    if (size_t c = contraction_at(i)) return i + c;
  }
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (cls & kClassLetter) return run_of(i, kClassLetter);
  if (!(cls & kPrefixExcluded) && i + len < n_) {
    uint32_t next_len;
    if (class_at(i + len, next_len) & kClassLetter) return run_of(i + len, kClassLetter);
  }
  // \p{N}{1,3}
  if (cls & kClassNumber) {
    size_t end = i + len;
    for (int k = 1; k < 3 && end < n_; ++k) {
      uint32_t next_len;
      if (!(class_at(end, next_len) & kClassNumber)) break;
      end += next_len;
    }
    return end;
  }
  //  ?[^\s\p{L}\p{N}]+[\r\n]*
  if (s_[i] == ' ' && i + 1 < n_) {
    uint32_t next_len;
    if (!(class_at(i + 1, next_len) & kPunctuationExcluded)) return punctuation_run(i + 1, false);
  }
  if (!(cls & kPunctuationExcluded)) return punctuation_run(i, false);
  return whitespace_run(i);
}

size_t PieceMatcher::cased_letters_lower(size_t i) const {
  // [U]*[W]+ with backtracking: after the longest U run, either W letters follow, or \p{W}+ takes
  // the run's tail from its last code point that is also W (Lm, Lo and marks are in both).
  size_t after_last_lowerish = 0;
  while (i < n_) {
    uint32_t len;
    const uint8_t cls = class_at(i, len);
    if (!(cls & kClassUpperish)) {
      if (cls & kClassLowerish) return run_of(i, kClassLowerish);
      break;
    }
    i += len;
    if (cls & kClassLowerish) after_last_lowerish = i;
  }
  return after_last_lowerish;
}

size_t PieceMatcher::next_o200k(size_t i) const {
  uint32_t len;
  const uint8_t cls = class_at(i, len);
  const bool may_prefix = !(cls & kPrefixExcluded) && i + len < n_;
  auto with_contraction = [this](size_t end) {
    if (end < n_ && s_[end] == '\'') end += contraction_at(end);
    return end;
  };
  // [^\r\n\p{L}\p{N}]?[U]*[W]+(?i:'s|...)?  -- the optional prefix is tried first (greedy).
  if (may_prefix) {
    if (size_t end = cased_letters_lower(i + len)) return with_contraction(end);
  }
  if (size_t end = cased_letters_lower(i)) return with_contraction(end);
  // [^\r\n\p{L}\p{N}]?[U]+[W]*(?i:'s|...)?
  if (may_prefix) {
    uint32_t next_len;
    if (class_at(i + len, next_len) & kClassUpperish) {
      return with_contraction(run_of(run_of(i + len, kClassUpperish), kClassLowerish));
    }
  }
  if (cls & kClassUpperish) return with_contraction(run_of(run_of(i, kClassUpperish), kClassLowerish));
  // \p{N}{1,3}
  if (cls & kClassNumber) {
    size_t end = i + len;
    for (int k = 1; k < 3 && end < n_; ++k) {
      uint32_t next_len;
      if (!(class_at(end, next_len) & kClassNumber)) break;
      end += next_len;
    }
    return end;
  }
  //  ?[^\s\p{L}\p{N}]+[\r\n/]*
  if (s_[i] == ' ' && i + 1 < n_) {
    uint32_t next_len;
    if (!(class_at(i + 1, next_len) & kPunctuationExcluded)) return punctuation_run(i + 1, true);
  }
  if (!(cls & kPunctuationExcluded)) return punctuation_run(i, true);
  return whitespace_run(i);
}

}  // namespace tuneprep::detail
