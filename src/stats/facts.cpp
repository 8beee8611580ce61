// stats facts: what one accepted Example contributes to the report (messages, system prompt,
// answer quality signals, Unicode scripts), computed in the parallel stage of the stream.
#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <unicode/uscript.h>
#include <xxhash.h>

#include "tuneprep/stats.hpp"

namespace tuneprep {
namespace {

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

bool is_blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return is_space(static_cast<unsigned char>(c)); });
}

// Decodes one code point at text[i], advancing i. Invalid or truncated sequences yield -1 and
// advance by one byte, so scanning never stalls and never reads past the end.
int32_t next_code_point(std::string_view text, size_t& i) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int length = 0;
  int32_t cp = 0;
  int32_t min = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2, cp = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3, cp = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    ++i;
    return -1;
  }
  if (i + length > text.size()) {
    ++i;
    return -1;
  }
  for (int k = 1; k < length; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return -1;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return -1;
  }
  i += length;
  return cp;
}

// The longest prefix of `text` of at most `max_bytes` that does not cut a code point.
std::string_view head_of(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

// Refusal boilerplate, lowercase with ASCII apostrophes. Phrases that only make sense as a
// refusal: a hedge like "I cannot be sure" is not listed.
constexpr std::string_view kRefusalPhrases[] = {
    "as an ai language model",  "as a language model",       "as an ai model",
    "as an ai assistant, i",    "i'm sorry, but i can",      "i am sorry, but i can",
    "i'm sorry, i can't",       "i'm sorry, but as an ai",   "i apologize, but i can",
    "i cannot help with",       "i can't help with",         "i cannot assist with",
    "i can't assist with",      "i'm unable to help",        "i am unable to help",
    "i'm not able to help",     "i cannot fulfill",          "i can't fulfill",
    "i won't be able to help",  "i must decline",            "i'm not able to provide",
    "i cannot comply",          "i can't comply",
};
constexpr size_t kRefusalWindow = 200;

// Lowercases ASCII and folds U+2019 (’) to an apostrophe so "I’m sorry" matches "i'm sorry".
// Writes into `out` (at least text.size() bytes) and returns the folded length: callers fold short
// heads into stack buffers, so no allocation per answer.
size_t fold_for_matching(std::string_view text, char* out) {
  size_t n = 0;
  const size_t size = text.size();
  for (size_t i = 0; i < size; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0xE2 && i + 2 < size && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        static_cast<unsigned char>(text[i + 2]) == 0x99) {
      out[n++] = '\'';
      i += 2;
    } else {
      out[n++] = static_cast<char>(static_cast<unsigned>(c - 'A') < 26u ? c + ('a' - 'A') : c);
    }
  }
  return n;
}

bool is_trimmed_punctuation(char c) {
  switch (c) {
    case '*': case '_': case '#': case '>': case '"': case '\'': case '`': case '(': case ')': case '[':
    case ']': case '{': case '}': case '.': case ',': case '!': case '?': case ';': case ':':
      return true;
    default:
      return false;
  }
}

void add_script(std::vector<ScriptChars>& out, std::vector<std::pair<int, uint64_t>>& codes) {
  for (const auto& [code, chars] : codes) {
    const char* name = uscript_getName(static_cast<UScriptCode>(code));
    out.push_back(ScriptChars{name ? std::string(name) : std::string("Unknown"), chars});
  }
  std::sort(out.begin(), out.end(), [](const ScriptChars& a, const ScriptChars& b) {
    return a.chars != b.chars ? a.chars > b.chars : a.script < b.script;
  });
}

// Script of every BMP code point, looked up in ICU once per process (64 KiB, built on the first
// non-ASCII text): one table load per code point instead of an ICU call. Entries: 0 = not
// counted (Common, Inherited, Unknown), kAskIcu = a script code too large for a byte (none in
// current ICU, kept for safety), else the UScriptCode + 1.
constexpr uint8_t kAskIcu = 255;

const std::array<uint8_t, 0x10000>& bmp_scripts() {
  static const auto table = [] {
    auto t = std::make_unique<std::array<uint8_t, 0x10000>>();
    for (int32_t cp = 0; cp < 0x10000; ++cp) {
      UErrorCode status = U_ZERO_ERROR;
      const UScriptCode code = uscript_getScript(cp, &status);
      if (U_FAILURE(status) || code == USCRIPT_COMMON || code == USCRIPT_INHERITED || code == USCRIPT_UNKNOWN) {
        (*t)[cp] = 0;
      } else {
        (*t)[cp] = code + 1 >= kAskIcu ? kAskIcu : static_cast<uint8_t>(code + 1);
      }
    }
    return t;
  }();
  return *table;
}

int script_of(int32_t cp) {
  if (cp < 0x10000) {
    const uint8_t entry = bmp_scripts()[static_cast<size_t>(cp)];
    if (entry != kAskIcu) return static_cast<int>(entry) - 1;
  }
  UErrorCode status = U_ZERO_ERROR;
  const UScriptCode code = uscript_getScript(cp, &status);
  if (U_FAILURE(status) || code == USCRIPT_COMMON || code == USCRIPT_INHERITED || code == USCRIPT_UNKNOWN) return -1;
  return code;
}

// ASCII letters (A-Z, a-z) among 8 ASCII bytes, SWAR: after OR 0x20 folds case, adding
// 0x80 - 'a' sets a byte's high bit iff it is >= 'a', adding 0x80 - '{' iff it is > 'z'. Bytes
// are < 0x80, so no sum carries into the next byte. The flags are summed by one multiply (the
// baseline x86-64 target has no popcnt instruction: __builtin_popcountll is a library call).
inline uint32_t ascii_letters8(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  const uint64_t x = w | (0x20 * kOnes);
  const uint64_t at_least_a = x + (0x80 - 'a') * kOnes;
  const uint64_t above_z = x + (0x80 - 'z' - 1) * kOnes;
  const uint64_t flags = (at_least_a & ~above_z & kHigh) >> 7;  // 0 or 1 per byte
  return static_cast<uint32_t>((flags * kOnes) >> 56);
}

// One pass over a message: returns its code points (count_code_points' definition) and adds its
// letters per script code to `codes` (a short list: texts rarely mix many scripts). ASCII, most
// of most datasets, goes 8 bytes at a time and never reaches the script table: its letters are
// Latin, the rest Common.
uint64_t scan_text(std::string_view text, std::vector<std::pair<int, uint64_t>>& codes) {
  uint64_t code_points = 0;
  uint64_t ascii_letters = 0;
  int last_code = -1;
  size_t last_slot = 0;
  auto bump = [&](int code, uint64_t by) {
    if (code == last_code) {
      codes[last_slot].second += by;
      return;
    }
    size_t slot = 0;
    while (slot < codes.size() && codes[slot].first != code) ++slot;
    if (slot == codes.size()) codes.emplace_back(code, 0);
    codes[slot].second += by;
    last_code = code;
    last_slot = slot;
  };
  const char* data = text.data();
  const size_t size = text.size();
  size_t i = 0;
  while (i < size) {
#if defined(__SSE2__)
    if (i + 16 <= size) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
      if (_mm_movemask_epi8(v) == 0) {  // 16 ASCII bytes: count the letters (signed compares hold below 0x80)
        const __m128i folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
        const __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(folded, _mm_set1_epi8('a' - 1)),
                                             _mm_cmpgt_epi8(_mm_set1_epi8('z' + 1), folded));
        const __m128i sums = _mm_sad_epu8(_mm_and_si128(letter, _mm_set1_epi8(1)), _mm_setzero_si128());
        ascii_letters += static_cast<uint64_t>(_mm_cvtsi128_si32(sums)) +
                         static_cast<uint64_t>(_mm_cvtsi128_si32(_mm_srli_si128(sums, 8)));
        code_points += 16;
        i += 16;
        continue;
      }
    }
#endif
    if (i + 8 <= size) {
      uint64_t w;
      std::memcpy(&w, data + i, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        ascii_letters += ascii_letters8(w);
        code_points += 8;
        i += 8;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(data[i]);
    if (c < 0x80) {
      ++i;
      ++code_points;
      ascii_letters += static_cast<unsigned>((c | 0x20) - 'a') < 26;
      continue;
    }
    // A valid sequence is one lead byte and continuation bytes; an invalid step is one byte,
    // counted unless it is a stray continuation byte (as count_code_points counts).
    code_points += (c & 0xC0) != 0x80;
    const int32_t cp = next_code_point(text, i);
    if (cp < 0) continue;
    const int code = script_of(cp);
    if (code >= 0) bump(code, 1);
  }
  if (ascii_letters > 0) bump(USCRIPT_LATIN, ascii_letters);
  return code_points;
}

}  // namespace

// Counts the bytes that start a code point (all but 10xxxxxx continuation bytes): the code point
// count of valid UTF-8, which the parser has already checked, in one branch-free pass.
uint32_t count_code_points(std::string_view text) {
  uint64_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return static_cast<uint32_t>(std::min<uint64_t>(count, UINT32_MAX));
}

std::string answer_opening(std::string_view text, uint32_t words) {
  constexpr size_t kMaxBytes = 64;
  constexpr size_t kHeadBytes = 256;  // the words come from this head of the answer
  const std::string_view head = head_of(text, kHeadBytes);
  std::string out;
  char folded[kHeadBytes];
  uint32_t taken = 0;
  size_t i = 0;
  // Words are folded one at a time; once the output passes 64 bytes, later words cannot change
  // its first 64.
  while (taken < words && i < head.size() && out.size() <= kMaxBytes) {
    while (i < head.size() && is_space(static_cast<unsigned char>(head[i]))) ++i;
    size_t end = i;
    while (end < head.size() && !is_space(static_cast<unsigned char>(head[end]))) ++end;
    std::string_view word(folded, fold_for_matching(head.substr(i, end - i), folded));
    i = end;
    while (!word.empty() && is_trimmed_punctuation(word.front())) word.remove_prefix(1);
    while (!word.empty() && is_trimmed_punctuation(word.back())) word.remove_suffix(1);
    if (word.empty()) continue;
    if (!out.empty()) out.push_back(' ');
    out.append(word);
    ++taken;
  }
  out.resize(head_of(out, kMaxBytes).size());
  return out;
}

namespace {

// The longest phrase, with every apostrophe spelled as the 3-byte ’: enough raw bytes to fold
// at a candidate position.
constexpr size_t kPhraseBytes = 48;

// Folds the text at `i` and compares it with the phrases that start with `c` ('a' or 'i').
bool refusal_at(std::string_view head, size_t i, char c) {
  char buffer[kPhraseBytes];
  const std::string_view window = head.substr(i, kPhraseBytes);
  const std::string_view rest(buffer, fold_for_matching(window, buffer));
  for (std::string_view phrase : kRefusalPhrases) {
    if (phrase.front() == c && rest.starts_with(phrase)) return true;
  }
  return false;
}

}  // namespace

bool is_refusal(std::string_view answer) {
  const std::string_view head = head_of(answer, kRefusalWindow);
  // Every phrase starts a word with "as a" or with "i" followed by an apostrophe, or by a space
  // and then a, c, w or m (am, apologize, can…, won't, must): only such positions are folded and
  // compared. Found 16 bytes at a time from shifted loads of a zero-padded copy (a zero past the
  // end never completes a pattern; the byte before the text reads as a zero, not a letter).
#if defined(__SSE2__)
  alignas(16) char padded[kRefusalWindow + 32] = {};
  std::memcpy(padded + 1, head.data(), head.size());
  const char* p = padded + 1;
  const __m128i case_bit = _mm_set1_epi8(0x20);
  const auto eq = [](__m128i v, char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); };
  for (size_t base = 0; base < head.size(); base += 16) {
    const auto load = [&](ptrdiff_t offset) {
      return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + static_cast<ptrdiff_t>(base) + offset));
    };
    const __m128i before = _mm_or_si128(load(-1), case_bit);
    const __m128i c0 = _mm_or_si128(load(0), case_bit);
    const __m128i raw1 = load(1);
    const __m128i c1 = _mm_or_si128(raw1, case_bit);
    const __m128i c2 = _mm_or_si128(load(2), case_bit);
    const __m128i c3 = _mm_or_si128(load(3), case_bit);
    // An ASCII letter before: 'a'..'z' after folding (bytes >= 0x80 are negative as signed).
    const __m128i letter_before = _mm_and_si128(_mm_cmpgt_epi8(before, _mm_set1_epi8('a' - 1)),
                                                _mm_cmpgt_epi8(_mm_set1_epi8('z' + 1), before));
    const __m128i as_a = _mm_and_si128(_mm_and_si128(eq(c0, 'a'), eq(c1, 's')), _mm_and_si128(eq(c2, ' '), eq(c3, 'a')));
    const __m128i i_space = _mm_and_si128(
        eq(raw1, ' '), _mm_or_si128(_mm_or_si128(eq(c2, 'a'), eq(c2, 'c')), _mm_or_si128(eq(c2, 'w'), eq(c2, 'm'))));
    const __m128i i_apostrophe = _mm_or_si128(eq(raw1, '\''), eq(raw1, '\xE2'));
    const __m128i i_word = _mm_and_si128(eq(c0, 'i'), _mm_or_si128(i_space, i_apostrophe));
    auto mask = static_cast<uint32_t>(_mm_movemask_epi8(_mm_andnot_si128(letter_before, _mm_or_si128(as_a, i_word))));
    for (; mask != 0; mask &= mask - 1) {
      const size_t i = base + static_cast<size_t>(std::countr_zero(mask));
      if (i + 2 >= head.size()) return false;  // every phrase is longer
      if (refusal_at(head, i, static_cast<char>(head[i] | 0x20))) return true;
    }
  }
  return false;
#else
  // Every phrase starts a word with "as" or "i" followed by a space or an apostrophe: only those
  // positions are folded and compared. They are found eight bytes at a time: a byte is 'a' or 'A'
  // exactly when (byte | 0x20) == 'a', and an exact zero-byte test flags where the XOR is zero.
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kLow7 = 0x7F7F7F7F7F7F7F7FULL;
  const auto zero_bytes = [](uint64_t v) { return ~(((v & kLow7) + kLow7) | v) & ~kLow7; };
  const size_t last = head.size() >= 2 ? head.size() - 2 : 0;  // candidates need two more bytes
  for (size_t base = 0; base < last; base += 8) {
    uint64_t mask = 0;
    if (base + 8 <= head.size()) {
      uint64_t w;
      std::memcpy(&w, head.data() + base, 8);
      w |= 0x20 * kOnes;
      mask = zero_bytes(w ^ ('a' * kOnes)) | zero_bytes(w ^ ('i' * kOnes));
    } else {
      for (size_t k = 0; base + k < head.size(); ++k) {
        const char c = static_cast<char>(head[base + k] | 0x20);
        if (c == 'a' || c == 'i') mask |= uint64_t{0x80} << (8 * k);
      }
    }
    for (; mask != 0; mask &= mask - 1) {
      const size_t i = base + static_cast<size_t>(std::countr_zero(mask)) / 8;
      if (i + 2 >= head.size()) break;
      const char c = static_cast<char>(head[i] | 0x20);
      const char next = head[i + 1];
      if (c == 'a' ? (next | 0x20) != 's' : next != ' ' && next != '\'' && next != '\xE2') continue;
      if (i > 0 && static_cast<unsigned>((head[i - 1] | 0x20) - 'a') < 26) continue;
      // The third byte rules out most candidates before folding: "as a…" is the only "as"
      // phrase, and after "i " every phrase goes on with am, apologize, can…, won't or must.
      const char third = static_cast<char>(head[i + 2] | 0x20);
      if (c == 'a' && (third != ' ' || i + 3 >= head.size() || (head[i + 3] | 0x20) != 'a')) continue;
      if (c == 'i' && next == ' ' && third != 'a' && third != 'c' && third != 'w' && third != 'm') continue;
      if (refusal_at(head, i, c)) return true;
    }
  }
  return false;
#endif
}

std::vector<ScriptChars> scripts_of(std::string_view text) {
  std::vector<std::pair<int, uint64_t>> codes;
  scan_text(text, codes);
  std::vector<ScriptChars> out;
  add_script(out, codes);
  return out;
}

// Field by field: assigning a fresh RecordFacts built and destroyed every vector and string of it,
// twice per record (3% of prepare). A field added to RecordFacts must be reset here: the size
// check is the reminder, and tests/stats_test.cpp compares a reset record with a new one.
static_assert(sizeof(RecordFacts) == 272, "a RecordFacts field changed: reset it in reset_facts");
void reset_facts(RecordFacts& facts) {
  facts.file_index = 0;
  facts.format.reset();
  facts.rejected = false;
  facts.reject_rules.clear();
  facts.warning_rules.clear();
  facts.duplicate = DuplicateKind::kNone;
  facts.conflict = false;
  facts.validation = false;
  facts.messages.clear();
  facts.turns = 0;
  facts.has_system_prompt = false;
  facts.system_prompt_hash = 0;
  facts.system_prompt_chars = 0;
  facts.system_prompt_head.clear();
  facts.tokens.reset();
  facts.answers = 0;
  facts.empty_answers = 0;
  facts.short_answers = 0;
  facts.refusals = 0;
  facts.answer_openings.clear();
  facts.answer_opening_hashes.clear();
  facts.scripts.clear();
}

RecordFacts facts_from_example(const Example& example, const FactsOptions& options) {
  RecordFacts facts;
  facts_from_example(example, options, facts);
  return facts;
}

void facts_from_example(const Example& example, const FactsOptions& options, RecordFacts& facts) {
  reset_facts(facts);
  facts.format = example.format;
  thread_local std::vector<std::pair<int, uint64_t>> script_codes;
  script_codes.clear();

  facts.messages.reserve(example.messages.size() + example.preferred.size() + example.non_preferred.size());
  auto add_messages = [&](const std::vector<Message>& messages) {
    for (const Message& m : messages) {
      const std::string_view content = m.content ? std::string_view(*m.content) : std::string_view();
      const uint32_t chars = options.scripts
                                 ? static_cast<uint32_t>(std::min<uint64_t>(scan_text(content, script_codes), UINT32_MAX))
                                 : count_code_points(content);
      facts.messages.push_back(MessageFacts{m.role, chars});
    }
  };
  add_messages(example.messages);
  add_messages(example.preferred);
  add_messages(example.non_preferred);

  for (const Message& m : example.messages) {
    if (m.role != Role::kSystem || !m.content) continue;
    const std::string_view prompt = *m.content;
    facts.has_system_prompt = true;
    facts.system_prompt_hash = XXH3_64bits(prompt.data(), prompt.size());
    facts.system_prompt_chars = count_code_points(prompt);
    facts.system_prompt_head.assign(head_of(prompt, options.system_prompt_head_bytes));
    break;
  }

  // Trained answers: assistant turns of a chat not weighted 0; the preferred answer of a pair
  // (the non-preferred one is meant to be bad, so its quality is not a signal).
  auto add_answer = [&](const Message& m) {
    if (m.role != Role::kAssistant) return;
    const std::string_view content = m.content ? std::string_view(*m.content) : std::string_view();
    const bool has_call = !m.tool_calls_json.empty() || !m.function_call_json.empty();
    if (is_blank(content)) {
      if (has_call) return;  // a tool-call-only turn: no text to judge
      ++facts.answers;
      ++facts.empty_answers;
      return;
    }
    ++facts.answers;
    uint32_t words = 0;
    bool in_word = false;
    for (char c : content) {
      const bool space = is_space(static_cast<unsigned char>(c));
      if (!space && !in_word) ++words;
      in_word = !space;
      if (words > options.short_answer_max_words) break;
    }
    if (words <= options.short_answer_max_words && count_code_points(content) <= options.short_answer_max_chars) {
      ++facts.short_answers;
    }
    if (is_refusal(content)) ++facts.refusals;
    std::string opening = answer_opening(content, options.opening_words);
    if (!opening.empty()) {
      facts.answer_opening_hashes.push_back(opening_hash(opening));
      facts.answer_openings.push_back(std::move(opening));
    }
  };
  if (example.kind == ExampleKind::kPreference) {
    for (const Message& m : example.preferred) add_answer(m);
    facts.turns = example.preferred.empty() ? 0 : 1;
  } else {
    for (const Message& m : example.messages) {
      if (m.role != Role::kAssistant || (m.weight && *m.weight == 0)) continue;
      ++facts.turns;
      add_answer(m);
    }
  }
  if (options.scripts) add_script(facts.scripts, script_codes);
}

}  // namespace tuneprep
