// content_checks: confirming pattern hits (Luhn, boundaries, placeholders, code spans) and the
// response analysis behind repeated-text and truncated-response.
#include "checks/content_checks.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tuneprep::checks {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool contains_ci(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && lower(haystack[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  if (suffix.size() > s.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i) {
    if (lower(s[s.size() - suffix.size() + i]) != suffix[i]) return false;
  }
  return true;
}

// RFC 2606 / RFC 6761 reserve these for documentation and tests: not personal data.
bool reserved_email_domain(std::string_view domain) {
  static constexpr std::string_view kExact[] = {"example.com", "example.org", "example.net"};
  for (std::string_view d : kExact) {
    if (domain.size() == d.size() && ends_with_ci(domain, d)) return true;
    if (domain.size() > d.size() && ends_with_ci(domain, d) && domain[domain.size() - d.size() - 1] == '.') {
      return true;
    }
  }
  static constexpr std::string_view kTlds[] = {".example", ".test", ".invalid", ".localhost", ".local"};
  for (std::string_view tld : kTlds) {
    if (ends_with_ci(domain, tld)) return true;
  }
  return false;
}

bool confirm_email(std::string_view match) {
  const size_t at = match.find('@');
  if (at == 0 || match.front() == '.') return false;
  return !reserved_email_domain(match.substr(at + 1));
}

bool all_same_digit(std::string_view digits) {
  return digits.find_first_not_of(digits.front()) == std::string_view::npos;
}

// A number must not continue into neighbouring digits ("version 1.555.123.4567") or words.
bool number_start_ok(std::string_view text, size_t begin) {
  if (begin == 0) return true;
  const char b = text[begin - 1];
  if (is_alnum(b) || b == '_' || b == '+') return false;
  return !((b == '.' || b == '-' || b == '/') && begin > 1 && is_digit(text[begin - 2]));
}

bool number_end_ok(std::string_view text, size_t end) {
  if (end >= text.size()) return true;
  const char a = text[end];
  if (is_alnum(a) || a == '_') return false;
  return !((a == '.' || a == '-' || a == '/') && end + 1 < text.size() && is_digit(text[end + 1]));
}

bool confirm_phone(std::string_view text, size_t begin, size_t end) {
  if (!number_start_ok(text, begin) || !number_end_ok(text, end)) return false;
  std::array<char, 32> digits{};
  size_t n = 0;
  for (size_t i = begin; i < end && n < digits.size(); ++i) {
    if (is_digit(text[i])) digits[n++] = text[i];
  }
  const std::string_view d(digits.data(), n);
  if (n == 0 || all_same_digit(d)) return false;
  if (text[begin] == '+') return n >= 8 && n <= 15;  // E.164 allows at most 15 digits
  return n == 10;
}

bool confirm_card(std::string_view text, size_t begin) {
  if (!number_start_ok(text, begin)) return false;
  // Walk the digit run (digits, single ' ' or '-' between digits) from the match start and try
  // every prefix that ends at a group boundary and holds 13-19 digits.
  std::array<char, 20> digits{};
  size_t n = 0;
  char separator = 0;
  size_t i = begin;
  while (i < text.size()) {
    const char c = text[i];
    if (is_digit(c)) {
      if (n == digits.size()) return false;  // too long for a card
      digits[n++] = c;
      ++i;
      continue;
    }
    const bool group_end = (c == ' ' || c == '-') && i + 1 < text.size() && is_digit(text[i + 1]);
    const bool run_end = !group_end;
    if (n >= 13 && n <= 19 && (!run_end || number_end_ok(text, i))) {
      const std::string_view d(digits.data(), n);
      if (!all_same_digit(d) && luhn_valid(d)) return true;
    }
    if (run_end) return false;
    if (separator != 0 && c != separator) return false;  // mixed grouping: not a card
    separator = c;
    ++i;
  }
  const std::string_view d(digits.data(), n);
  return n >= 13 && n <= 19 && !all_same_digit(d) && luhn_valid(d);
}

bool confirm_token(std::string_view text, size_t begin, size_t end) {
  if (begin > 0) {
    const char b = text[begin - 1];
    if (is_alnum(b) || b == '_' || b == '-') return false;
  }
  if (end < text.size() && is_alnum(text[end])) return false;
  const std::string_view token = text.substr(begin, end - begin);
  // Documentation placeholders, not secrets.
  static constexpr std::string_view kPlaceholders[] = {"xxxx", "example", "your", "placeholder",
                                                       "dummy", "abcdef", "123456789", "redacted"};
  for (std::string_view p : kPlaceholders) {
    if (contains_ci(token, p)) return false;
  }
  // Skip the provider prefix (up to the last '-' or '_' of the first 12 bytes, or AKIA-style 4).
  size_t body = 0;
  for (size_t k = 0; k < std::min<size_t>(token.size(), 12); ++k) {
    if (token[k] == '-' || token[k] == '_') body = k + 1;
  }
  if (body == 0) body = 4;
  bool digit = false;
  bool letter = false;
  for (size_t k = body; k < token.size(); ++k) {
    digit |= is_digit(token[k]);
    letter |= is_alpha(token[k]);
  }
  return digit && letter;
}

// Markdown code: inside a fenced block (odd number of fence lines before) or an inline code span
// (odd number of backticks earlier on the same line).
bool inside_code(std::string_view text, size_t pos) {
  size_t fences = 0;
  size_t line_start = 0;
  while (line_start < pos) {
    size_t k = line_start;
    while (k < pos && (text[k] == ' ' || text[k] == '\t')) ++k;
    if (text.substr(k, 3) == "```" || text.substr(k, 3) == "~~~") ++fences;
    const void* nl = std::memchr(text.data() + line_start, '\n', pos - line_start);
    if (nl == nullptr) break;
    line_start = static_cast<size_t>(static_cast<const char*>(nl) - text.data()) + 1;
  }
  if (fences % 2 == 1) return true;
  size_t ticks = 0;
  for (size_t k = line_start; k < pos; ++k) ticks += text[k] == '`';
  return ticks % 2 == 1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

bool luhn_valid(std::string_view digits) {
  unsigned sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    unsigned d = static_cast<unsigned>(digits[i] - '0');
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return !digits.empty() && sum % 10 == 0;
}

std::optional<std::string_view> find_confirmed(const ContentPatterns& patterns, int index,
                                               std::string_view text) {
  const ContentPattern& pattern = patterns.pattern(index);
  re2::StringPiece input(text.data(), text.size());
  re2::StringPiece found;
  while (RE2::FindAndConsume(&input, patterns.regex(index), &found)) {
    const size_t begin = static_cast<size_t>(found.data() - text.data());
    const size_t end = begin + found.size();
    const std::string_view match = text.substr(begin, found.size());
    bool ok = false;
    switch (pattern.confirm) {
      case Confirm::kNone: ok = true; break;
      case Confirm::kEmail: ok = confirm_email(match); break;
      case Confirm::kPhone: ok = confirm_phone(text, begin, end); break;
      case Confirm::kCard: ok = confirm_card(text, begin); break;
      case Confirm::kToken: ok = confirm_token(text, begin, end); break;
      case Confirm::kOutsideCode: ok = !inside_code(text, begin); break;
    }
    if (ok) return match;
    if (found.empty()) {  // cannot happen with these patterns; guards against an endless loop
      if (input.empty()) break;
      input.remove_prefix(1);
    }
  }
  return std::nullopt;
}

namespace {

bool fence_line(std::string_view text, size_t i, size_t line_end) {
  while (i < line_end && (text[i] == ' ' || text[i] == '\t')) ++i;
  if (line_end - i < 3) return false;
  const char c = text[i];
  return (c == '`' || c == '~') && text[i + 1] == c && text[i + 2] == c;
}

// A fence line needs three backticks or tildes in a row: text without them has no code block.
bool may_have_fence(std::string_view text) {
  return text.find("```") != std::string_view::npos || text.find("~~~") != std::string_view::npos;
}

struct BlockMasks {
  uint64_t blank;    // bit k: p[k] is a space, tab or CR (and LF when asked)
  uint64_t stop;     // bit k: p[k] is '.', '!' or '?'
  uint64_t newline;  // bit k: p[k] is LF (when asked)
};

// Classifies 64 bytes at once. A per-byte branch on word boundaries mispredicts every few bytes;
// with masks the loops below jump from boundary to boundary instead.
template <bool kWithNewline>
inline BlockMasks block_masks(const char* p) {
  BlockMasks m{0, 0, 0};
#if defined(__SSE2__)
  for (int k = 0; k < 4; ++k) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    __m128i blank = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\t')));
    blank = _mm_or_si128(blank, _mm_cmpeq_epi8(v, _mm_set1_epi8('\r')));
    __m128i stop = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')), _mm_cmpeq_epi8(v, _mm_set1_epi8('!')));
    stop = _mm_or_si128(stop, _mm_cmpeq_epi8(v, _mm_set1_epi8('?')));
    if constexpr (kWithNewline) {
      const __m128i newline = _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'));
      blank = _mm_or_si128(blank, newline);
      m.newline |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(newline))) << (16 * k);
    }
    m.blank |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(blank))) << (16 * k);
    m.stop |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(stop))) << (16 * k);
  }
#else
  for (int k = 0; k < 64; ++k) {
    const char c = p[k];
    const bool newline = kWithNewline && c == '\n';
    m.blank |= static_cast<uint64_t>(c == ' ' || c == '\t' || c == '\r' || newline) << k;
    m.stop |= static_cast<uint64_t>(c == '.' || c == '!' || c == '?') << k;
    m.newline |= static_cast<uint64_t>(newline) << k;
  }
#endif
  return m;
}

// Walks text[begin, end): on_word(begin, end) for each run of non-blank bytes, and
// on_cut(pos) after each '.', '!' or '?' followed by a blank or `end` (a sentence end, `stop`
// true) and, with kWithNewline, after each LF (`stop` false). Without kWithNewline the range is
// one line and LF is not looked at.
template <bool kWithNewline, typename OnWord, typename OnCut>
void scan_range(std::string_view text, size_t begin, size_t end, OnWord&& on_word, OnCut&& on_cut) {
  bool previous_blank = true;
  size_t pending_start = begin;  // start of a word that began in an earlier block
  for (size_t block = begin; block < end; block += 64) {
    const size_t valid = std::min<size_t>(64, end - block);
    BlockMasks m;
    bool next_blank = true;  // the byte after this block, or the end
    if (valid == 64) {
      m = block_masks<kWithNewline>(text.data() + block);
      if (block + 64 < end) {
        const char c = text[block + 64];
        next_blank = c == ' ' || c == '\t' || c == '\r' || (kWithNewline && c == '\n');
      }
    } else {  // the tail: copy and pad with blanks so nothing past the text is read
      char tail[64];
      std::memcpy(tail, text.data() + block, valid);
      std::memset(tail + valid, ' ', 64 - valid);
      m = block_masks<kWithNewline>(tail);
    }
    const uint64_t blank_before = (m.blank << 1) | (previous_blank ? 1u : 0u);
    uint64_t starts = ~m.blank & blank_before;
    uint64_t ends = m.blank & ~blank_before;
    // Ends pair with starts in order; a word open from an earlier block takes the first end.
    if (!previous_blank && ends != 0) {
      on_word(pending_start, block + static_cast<size_t>(__builtin_ctzll(ends)));
      ends &= ends - 1;
    }
    while (ends != 0) {
      on_word(block + static_cast<size_t>(__builtin_ctzll(starts)), block + static_cast<size_t>(__builtin_ctzll(ends)));
      starts &= starts - 1;
      ends &= ends - 1;
    }
    if (starts != 0) pending_start = block + static_cast<size_t>(__builtin_ctzll(starts));
    const uint64_t sentence_ends = m.stop & ((m.blank >> 1) | (static_cast<uint64_t>(next_blank) << 63));
    uint64_t cuts = sentence_ends | m.newline;
    while (cuts != 0) {
      const int k = __builtin_ctzll(cuts);
      cuts &= cuts - 1;
      on_cut(block + static_cast<size_t>(k) + 1, (sentence_ends >> k) & 1);
    }
    previous_blank = (m.blank >> 63) & 1;
  }
  if (!previous_blank) on_word(pending_start, end);
}

bool has_letter(std::string_view word) {
  return std::any_of(word.begin(), word.end(), is_alpha);
}

// The first 8 bytes of a word and its length in one integer: unequal fingerprints mean unequal
// words, so the common case costs one compare. One unaligned load and a mask; only a word in the
// last 8 bytes of the text is copied byte-wise (a load past the text would read past the buffer).
inline uint64_t word_fingerprint(std::string_view text, size_t begin, size_t end) {
  uint64_t head = 0;
  const size_t len = end - begin;  // >= 1
  if (begin + 8 <= text.size()) [[likely]] {
    std::memcpy(&head, text.data() + begin, 8);
    head &= ~uint64_t{0} >> (64 - 8 * std::min<size_t>(len, 8));
  } else {
    for (size_t k = 0; k < std::min<size_t>(len, 8); ++k) {
      head |= static_cast<uint64_t>(static_cast<unsigned char>(text[begin + k])) << (8 * k);
    }
  }
  return head ^ (static_cast<uint64_t>(len) * 0x9E3779B97F4A7C15ULL);
}

constexpr size_t kMinSentence = 24;
constexpr uint32_t kSentenceRepeats = 3;
constexpr uint32_t kWordRepeats = 8;

// The word-stutter detector: the first word with a letter repeated kWordRepeats times in a row.
struct WordRun {
  std::string_view previous_word;
  uint64_t previous_fingerprint = 0;
  uint32_t run = 0;

  void reset() {
    previous_word = {};
    previous_fingerprint = 0;
    run = 0;
  }
  void add(std::string_view text, size_t w, size_t end, ResponseShape& shape) {
    const uint64_t fingerprint = word_fingerprint(text, w, end);
    if (fingerprint == previous_fingerprint && (end - w <= 8 || text.substr(w, end - w) == previous_word)) {
      // Only words with a letter count as stutter, so number matrices and table rules do not.
      if (++run >= kWordRepeats && shape.repeated_word.empty() && has_letter(text.substr(w, end - w))) {
        shape.repeated_word = text.substr(w, end - w);
      }
    } else {
      previous_fingerprint = fingerprint;
      previous_word = text.substr(w, end - w);
      run = 1;
    }
  }
};

// Keeps text[begin, end) trimmed as a sentence when it has kMinSentence bytes or more.
inline void add_sentence(std::string_view text, size_t begin, size_t end, std::vector<SentenceRef>& sentences) {
  if (end - begin < kMinSentence) return;  // trimming only shortens it
  const std::string_view s = trim(text.substr(begin, end - begin));
  if (s.size() < kMinSentence) return;
  sentences.push_back({0, static_cast<uint32_t>(s.data() - text.data()), static_cast<uint32_t>(s.size())});
}

// The earliest sentence that occurs kSentenceRepeats times or more, or empty. Sentences are
// grouped by a key of their length and first and last 8 bytes (no hash over every sentence of
// every response: most responses have too few sentences to repeat one), then compared in full.
std::string_view repeated_sentence(std::string_view text, std::vector<SentenceRef>& sentences) {
  if (sentences.size() < kSentenceRepeats) return {};
  for (SentenceRef& s : sentences) {
    uint64_t head = 0;
    uint64_t tail = 0;
    std::memcpy(&head, text.data() + s.offset, 8);
    std::memcpy(&tail, text.data() + s.offset + s.length - 8, 8);
    uint64_t key = (head * 0x9E3779B97F4A7C15ULL) ^ (tail * 0xC2B2AE3D27D4EB4FULL) ^ s.length;
    key *= 0x165667B19E3779F9ULL;  // every input byte reaches the top byte, the bucket below
    s.key = key ^ (key >> 32);
  }
  // Nearly every response repeats nothing: count keys in 256 buckets first and sort only when
  // some bucket holds kSentenceRepeats of them.
  uint8_t buckets[256] = {};
  bool candidate = false;
  for (const SentenceRef& s : sentences) {
    uint8_t& count = buckets[s.key >> 56];
    candidate |= ++count >= kSentenceRepeats;
    count = std::min<uint8_t>(count, kSentenceRepeats);
  }
  if (!candidate) return {};
  std::sort(sentences.begin(), sentences.end(), [](const SentenceRef& a, const SentenceRef& b) {
    return a.key != b.key ? a.key < b.key : a.offset < b.offset;
  });
  const SentenceRef* earliest = nullptr;
  for (size_t k = 0; k + kSentenceRepeats <= sentences.size(); ++k) {
    const SentenceRef& first = sentences[k];
    if (sentences[k + kSentenceRepeats - 1].key != first.key) continue;
    if (earliest != nullptr && earliest->offset <= first.offset) continue;
    const std::string_view s = text.substr(first.offset, first.length);
    uint32_t same = 1;
    for (size_t m = k + 1; m < sentences.size() && sentences[m].key == first.key; ++m) {
      same += text.substr(sentences[m].offset, sentences[m].length) == s;  // the key is not the text
    }
    if (same >= kSentenceRepeats) earliest = &first;
  }
  return earliest == nullptr ? std::string_view() : text.substr(earliest->offset, earliest->length);
}

// The last non-blank line, trimmed. (memrchr: string_view::rfind walks byte by byte.)
std::string_view last_line(std::string_view text) {
  const std::string_view t = trim(text);
  const void* newline = t.empty() ? nullptr : memrchr(t.data(), '\n', t.size());
  if (newline == nullptr) return t;
  return trim(t.substr(static_cast<size_t>(static_cast<const char*>(newline) - t.data()) + 1));
}

// Text with a fence line: line by line, so that code blocks are skipped (repeated lines are
// normal in code).
void analyze_by_line(std::string_view text, ResponseShape& shape, std::vector<SentenceRef>& sentences) {
  const size_t n = text.size();
  bool in_fence = false;
  uint32_t fences = 0;
  WordRun words;
  size_t i = 0;
  while (i < n) {
    const void* nl = std::memchr(text.data() + i, '\n', n - i);
    const size_t line_end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data()) : n;
    if (fence_line(text, i, line_end)) {
      in_fence = !in_fence;
      ++fences;
      words.reset();
    } else if (!in_fence) {
      size_t sentence_start = i;
      scan_range<false>(
          text, i, line_end, [&](size_t w, size_t end) { words.add(text, w, end, shape); },
          [&](size_t end, bool) {
            ++shape.sentence_ends;
            add_sentence(text, sentence_start, end, sentences);
            sentence_start = end;
          });
      add_sentence(text, sentence_start, line_end, sentences);
    }
    i = line_end + 1;
  }
  shape.unclosed_fence = fences % 2 == 1;
}

}  // namespace

ResponseShape analyze_response_by_line(std::string_view text, std::vector<SentenceRef>& scratch) {
  ResponseShape shape;
  scratch.clear();
  shape.last_line = last_line(text);
  analyze_by_line(text, shape, scratch);
  shape.repeated_sentence = repeated_sentence(text, scratch);
  return shape;
}

// Text without a fence line, the common case: one pass over the whole text, LF a blank between
// words and a cut between sentences, as the line-by-line pass sees them.
ResponseShape analyze_response(std::string_view text, std::vector<SentenceRef>& scratch) {
  if (may_have_fence(text)) return analyze_response_by_line(text, scratch);
  ResponseShape shape;
  scratch.clear();
  shape.last_line = last_line(text);
  WordRun words;
  size_t sentence_start = 0;
  scan_range<true>(
      text, 0, text.size(), [&](size_t w, size_t end) { words.add(text, w, end, shape); },
      [&](size_t end, bool sentence_end) {
        shape.sentence_ends += sentence_end;
        add_sentence(text, sentence_start, end, scratch);
        sentence_start = end;
      });
  add_sentence(text, sentence_start, text.size(), scratch);
  shape.repeated_sentence = repeated_sentence(text, scratch);
  return shape;
}

std::string_view truncation_reason(std::string_view text, const ResponseShape& shape) {
  if (shape.unclosed_fence) return "ends inside an unclosed code block";
  const std::string_view t = trim(text);
  if (t.empty()) return {};
  const char last = t.back();
  switch (last) {
    case ',': return "ends with ',' as if cut off";
    case ';': return "ends with ';' as if cut off";
    case ':': return "ends with ':' and nothing after it";
    case '(': case '[': case '{': return "ends with an opening bracket";
    default: break;
  }
  // Prose that otherwise ends its sentences, stopping on a lowercase word: cut mid-sentence.
  // Lists, headings, tables, quotes and links end without punctuation legitimately.
  if (last >= 'a' && last <= 'z' && t.size() >= 100 && shape.sentence_ends >= 2) {
    const std::string_view line = shape.last_line;
    const char first = line.empty() ? '\0' : line.front();
    const bool structured = first == '-' || first == '*' || first == '#' || first == '|' ||
                            first == '>' || is_digit(first);
    const size_t word_start = t.find_last_of(" \t\n");
    const std::string_view word = t.substr(word_start == std::string_view::npos ? 0 : word_start + 1);
    const bool link = word.find("://") != std::string_view::npos || word.find("www.") == 0;
    if (!structured && !link) return "ends mid-sentence";
  }
  // Prose of any length that stops on a word no English sentence ends with ("..., and the").
  if (last >= 'a' && last <= 'z' && t.size() >= 40) {
    static constexpr std::string_view kNeverLast[] = {
        "the", "a", "an", "and", "or", "but", "nor", "of", "to", "in", "into", "with", "for", "from", "by",
        "at", "as", "than", "that", "which", "whose", "because", "although", "if", "while", "its", "their",
        "our", "your", "my", "his", "is", "are", "was", "were", "be", "been", "has", "have", "had", "such",
        "between", "among", "during", "including", "like", "whether", "either", "neither", "each", "every"};
    const size_t word_start = t.find_last_of(" \t\n");
    if (word_start != std::string_view::npos) {
      const std::string_view word = t.substr(word_start + 1);
      const std::string_view line = shape.last_line;
      const char first = line.empty() ? '\0' : line.front();
      const bool structured = first == '-' || first == '*' || first == '#' || first == '|' || first == '>' ||
                              is_digit(first);
      for (std::string_view never : kNeverLast) {
        if (word == never && !structured) return "ends mid-sentence";
      }
    }
  }
  return {};
}

}  // namespace tuneprep::checks
