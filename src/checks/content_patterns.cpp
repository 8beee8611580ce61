// content_patterns: the regular expressions of the pattern rules, their prefilter (one Vectorscan
// database and the byte-class scans) and the RE2 of each pattern that confirms it.
#include "checks/content_patterns.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <string>

#include <hs.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tuneprep::checks {
namespace {

// Patterns find candidates; the Confirm step rejects the false ones (boundaries are checked there
// because RE2 has no lookaround). Keep them free of capturing groups: the per-pattern RE2 wraps
// each one in a single group to report where it matched.
//
// Each prefilter must match wherever its RE2 pattern does (it may match more). Vectorscan is
// only fast when it can look for a literal first, so a prefilter starts or ends at one: the
// e-mail prefilter starts at '@' (with one class byte before it the whole database ran at half
// the speed), the tag prefilter ends at the word boundary after the tag name. Repeats are cut
// short (a key prefix and 8 of its characters, the phone number's first 7 bytes): what the
// database matches hardly changes, and it compiles faster (at build time; at start only where the
// precompiled database cannot run: docs/performance.md). They are compiled over bytes, not UTF-8,
// so that no input can be invalid for them: non-ASCII is spelled as its UTF-8 bytes. RE2's (?i)
// also folds U+017F (ſ) to s and U+212A (Kelvin sign) to k; Vectorscan's caseless mode does not,
// so the caseless prefilters report either character anywhere. The digit patterns have no
// literal at all and control characters are single bytes: the byte scans in scan_bytes find
// those.
constexpr ContentPattern kPatterns[] = {
    {RuleId::kPiiEmail, "an e-mail address",
     R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})", Confirm::kEmail,
     Prefilter::kVectorscan, R"(@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2})"},
    // E.164-style international numbers (+44 20 7946 0958) and North American ones
    // ((555) 123-4567, 555-123-4567, 555.123.4567).
    {RuleId::kPiiPhone, "a phone number",
     R"(\+[1-9][0-9]{0,2}[ .-]?(?:\([0-9]{1,4}\)[ .-]?)?[0-9]{1,4}(?:[ .-]?[0-9]{2,4}){2,4})",
     Confirm::kPhone, Prefilter::kVectorscan, R"(\+[1-9][0-9 .()-]{5})"},
    {RuleId::kPiiPhone, "a phone number", R"((?:\([0-9]{3}\) ?|[0-9]{3}[ .-])[0-9]{3}[ .-][0-9]{4})",
     Confirm::kPhone, Prefilter::kDigitGroups, {}},
    // 13 to 19 digits, optionally grouped by spaces or dashes, starting with a card issuer digit.
    {RuleId::kPiiCreditCard, "a payment card number", R"([2-6][0-9]{3}(?:[ -]?[0-9]){9,15})",
     Confirm::kCard, Prefilter::kCardDigits, {}},
    {RuleId::kSecretKey, "an OpenAI-style API key",
     R"(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,})", Confirm::kToken, Prefilter::kVectorscan,
     R"(sk-[A-Za-z0-9_-]{12})"},
    {RuleId::kSecretKey, "an AWS access key id", R"((?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16})",
     Confirm::kToken, Prefilter::kVectorscan, R"((?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{8})"},
    {RuleId::kSecretKey, "a GitHub token", R"(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,})",
     Confirm::kToken, Prefilter::kVectorscan, R"(gh[pousr]_[A-Za-z0-9]{8}|github_pat_[A-Za-z0-9_]{8})"},
    {RuleId::kSecretKey, "a Slack token", R"(xox[abposr]-[A-Za-z0-9-]{10,})", Confirm::kToken,
     Prefilter::kVectorscan, R"(xox[abposr]-[A-Za-z0-9-]{10})"},
    {RuleId::kSecretKey, "a Google API key", R"(AIza[0-9A-Za-z_-]{35})", Confirm::kToken,
     Prefilter::kVectorscan, R"(AIza[0-9A-Za-z_-]{8})"},
    {RuleId::kSecretKey, "a Stripe live key", R"([rs]k_live_[0-9A-Za-z]{16,})", Confirm::kToken,
     Prefilter::kVectorscan, R"([rs]k_live_[0-9A-Za-z]{8})"},
    {RuleId::kSecretKey, "a private key block", R"(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)",
     Confirm::kNone, Prefilter::kVectorscan, R"(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY)"},
    {RuleId::kHtmlMarkup, "an HTML tag",
     R"((?i)</?(?:a|abbr|b|blockquote|body|br|button|center|div|dl|dd|dt|em|font|form|h[1-6]|head|hr|html|i|iframe|img|input|label|li|link|meta|nav|ol|p|script|section|select|small|span|strong|style|sub|sup|table|tbody|td|textarea|th|thead|title|tr|u|ul)(?:\s[^<>]*)?/?>)",
     Confirm::kOutsideCode, Prefilter::kVectorscan,
     R"((?i)</?(?:a|abbr|b|blockquote|body|br|button|center|div|dl|dd|dt|em|font|form|h[1-6]|head|hr|html|i|iframe|img|input|label|li|link|meta|nav|ol|p|script|section|select|small|span|strong|style|sub|sup|table|tbody|td|textarea|th|thead|title|tr|u|ul)\b|\xC5\xBF|\xE2\x84\xAA)"},
    {RuleId::kHtmlMarkup, "an HTML entity",
     R"(&(?:nbsp|amp|lt|gt|quot|apos|mdash|ndash|hellip|rsquo|lsquo|rdquo|ldquo|#[0-9]{2,6}|#[xX][0-9a-fA-F]{2,6});)",
     Confirm::kOutsideCode, Prefilter::kVectorscan,
     R"(&(?:nbsp|amp|lt|gt|quot|apos|mdash|ndash|hellip|rsquo|lsquo|rdquo|ldquo|#[0-9]{2}|#[xX][0-9a-fA-F]{2}))"},
    // UTF-8 read as Latin-1 or Windows-1252: "Ã©" for é, "Â " for a no-break space, "â€™" for ’;
    // and U+FFFD, left behind by a decoder that gave up. The prefilter: Â or Ã, then the first
    // byte of one of the characters that may follow (C2 for U+0080-U+00BF, C5/C6/CB for the
    // Latin Extended and modifier letters, E2 for the punctuation); "â€"; U+FFFD.
    {RuleId::kMojibake, "mojibake",
     R"([ÂÃ][\x{80}-\x{BF}]|Ã[\x{152}\x{153}\x{160}\x{161}\x{178}\x{17D}\x{17E}\x{192}\x{2C6}\x{2DC}\x{2013}\x{2014}\x{2018}-\x{201E}\x{2020}-\x{2022}\x{2026}\x{2030}\x{2039}\x{203A}\x{20AC}\x{2122}]|â€[\x{80}-\x{BF}\x{152}\x{153}\x{161}\x{2DC}\x{2013}\x{2014}\x{2018}-\x{201E}\x{2022}\x{2026}\x{2122}]|\x{FFFD})",
     Confirm::kNone, Prefilter::kVectorscan,
     R"(\xC3[\x82\x83][\xC2\xC5\xC6\xCB\xE2]|\xC3\xA2\xE2\x82\xAC|\xEF\xBF\xBD)"},
    // C0 controls but tab, LF and CR; DEL; C1 controls.
    {RuleId::kControlCharacter, "a control character", R"([\x00-\x08\x0B\x0C\x0E-\x1F\x7F\x{80}-\x{9F}])",
     Confirm::kNone, Prefilter::kControlBytes, {}},
    // The prefilter drops the \b (RE2's and Vectorscan's differ outside ASCII) and spells ’ in
    // UTF-8 bytes.
    {RuleId::kRefusalBoilerplate, "assistant boilerplate",
     R"((?i)\bas an ai(?: language)? model\b|\bas a (?:large )?language model\b|\bas an ai (?:assistant|developed by)\b|\bi(?:'|’)?m (?:just |only )?an ai\b|\bi am (?:just |only )?an ai\b|\bi (?:do not|don't|don’t) have (?:personal )?(?:opinions|feelings|emotions|beliefs|preferences)\b|\bmy (?:knowledge|training data) (?:cutoff|cut-off)\b)",
     Confirm::kNone, Prefilter::kVectorscan,
     R"((?i)as an ai(?: language)? model|as a (?:large )?language model|as an ai (?:assistant|developed by)|i(?:'|\xE2\x80\x99)?m (?:just |only )?an ai|i am (?:just |only )?an ai|i (?:do not|don't|don\xE2\x80\x99t) have (?:personal )?(?:opinions|feelings|emotions|beliefs|preferences)|my (?:knowledge|training data) (?:cutoff|cut-off)|\xC5\xBF|\xE2\x84\xAA)"},
    // Chat-template and end-of-text tokens written into the text: the model learns to print them.
    {RuleId::kSpecialTokenLiteral, "a special token",
     R"(<\|(?:endoftext|im_start|im_end|im_sep|eot_id|eom_id|begin_of_text|end_of_text|start_header_id|end_header_id|endofprompt|fim_prefix|fim_middle|fim_suffix|user|assistant|system|end)\|>|</s>|\[/?INST\]|<</?SYS>>|<(?:start|end)_of_turn>)",
     Confirm::kNone, Prefilter::kVectorscan,
     R"(<\|(?:endoftext|im_start|im_end|im_sep|eot_id|eom_id|begin_of_text|end_of_text|start_header_id|end_header_id|endofprompt|fim_prefix|fim_middle|fim_suffix|user|assistant|system|end)\|>|</s>|\[/?INST\]|<</?SYS>>|<(?:start|end)_of_turn>)"},
    // {{name}} placeholders of a prompt template that was never filled in (code blocks excepted:
    // Jinja, Handlebars and Go templates write them on purpose).
    {RuleId::kUnfilledTemplate, "a template placeholder", R"(\{\{ ?[A-Za-z_][A-Za-z0-9_.]* ?\}\})",
     Confirm::kOutsideCode, Prefilter::kVectorscan, R"(\{\{ ?[A-Za-z_][A-Za-z0-9_.]* ?\}\})"},
};
static_assert(std::size(kPatterns) <= 32, "match() keeps the hits in a 32-bit mask");

[[noreturn]] void internal_error(std::string_view what, std::string_view error) {
  // The patterns are constants: a failure is a programming error caught by the first test run.
  std::fprintf(stderr, "tuneprep: internal error %.*s: %.*s\n", static_cast<int>(what.size()),
               what.data(), static_cast<int>(error.size()), error.data());
  std::abort();
}

int on_match(unsigned int id, unsigned long long /*from*/, unsigned long long /*to*/,
             unsigned int /*flags*/, void* context) {
  *static_cast<uint32_t*>(context) |= uint32_t{1} << id;
  return 0;  // keep scanning: other patterns may match further on
}

bool is_digit(unsigned char c) { return static_cast<unsigned>(c - '0') < 10u; }

struct BlockMasks {
  uint64_t digit;  // bit k: p[k] is an ASCII digit
  uint64_t c2;     // bit k: p[k] is 0xC2, the lead byte of U+0080..U+00BF
  bool control;    // some byte is a C0 control but tab, LF and CR, or DEL
};

// Classifies 64 bytes. SSE2 is the x86-64 baseline; the scalar loop is for other targets.
inline BlockMasks block_masks(const unsigned char* p) {
  BlockMasks m{0, 0, false};
#if defined(__SSE2__)
  const __m128i nine = _mm_set1_epi8(9);
  __m128i controls = _mm_setzero_si128();
  for (int k = 0; k < 4; ++k) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    const __m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    const __m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(d, nine), d);  // d <= 9 unsigned
    const __m128i c0 = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);
    const __m128i tab_or_lf = _mm_or_si128(_mm_cmpeq_epi8(v, nine), _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
    const __m128i space = _mm_or_si128(tab_or_lf, _mm_cmpeq_epi8(v, _mm_set1_epi8('\r')));
    controls = _mm_or_si128(controls, _mm_andnot_si128(space, c0));
    controls = _mm_or_si128(controls, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F)));
    m.digit |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(digit))) << (16 * k);
    m.c2 |= static_cast<uint64_t>(static_cast<uint32_t>(
                _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(static_cast<char>(0xC2))))))
            << (16 * k);
  }
  m.control = _mm_movemask_epi8(controls) != 0;
#else
  for (int k = 0; k < 64; ++k) {
    const unsigned char c = p[k];
    m.digit |= static_cast<uint64_t>(is_digit(c)) << k;
    m.c2 |= static_cast<uint64_t>(c == 0xC2) << k;
    m.control |= (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F;
  }
#endif
  return m;
}

bool is_separator(unsigned char c) { return c == ' ' || c == '.' || c == '-'; }

// The North American pattern, read backwards from `start`, where a run of 4+ digits begins (its
// last group): "555-123-4567", "555.123 4567", "(555) 123-4567", "(555)123-4567". Its groups
// are fixed, so this is the pattern itself, up to where the match may begin.
bool digit_groups_at(const unsigned char* s, size_t start) {
  auto digits3 = [&](size_t end) {  // the 3 bytes before `end`
    return is_digit(s[end - 1]) && is_digit(s[end - 2]) && is_digit(s[end - 3]);
  };
  if (start < 8 || !is_separator(s[start - 1]) || !digits3(start - 1)) return false;
  size_t k = start - 5;  // the byte before the middle group
  if (s[k] == ' ' && s[k - 1] == ')') --k;
  if (s[k] == ')') return k >= 4 && digits3(k) && s[k - 4] == '(';
  return is_separator(s[k]) && k >= 3 && digits3(k);
}

// 13 digits from the digit at `i` on, with at most one ' ' or '-' between two digits. A card
// match lies in such a run and begins with 4 digits, so counting from the start of the digit
// group it begins in (or of an earlier group of the same run) reaches 13.
bool card_digits_from(const unsigned char* s, size_t n, size_t i) {
  int digits = 0;
  while (i < n) {
    if (is_digit(s[i])) {
      if (++digits == 13) return true;
    } else if (!((s[i] == ' ' || s[i] == '-') && i + 1 < n && is_digit(s[i + 1]))) {
      return false;
    }
    ++i;
  }
  return false;
}

struct ByteHits {
  bool digit_groups = false;
  bool card_digits = false;
  bool control = false;
};

// One pass of 64-byte blocks. Both digit patterns hold a group of 4 digits, so only the start of
// each run of 4+ digits is looked at closer; C2 (°, ©, the no-break space) is rare enough to
// check its next byte for 80..9F one at a time.
ByteHits scan_bytes(std::string_view text) {
  ByteHits hits;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  uint64_t previous_digit = 0;  // the previous block's masks, for runs across blocks
  uint64_t previous_run = 0;
  for (size_t block = 0; block < n; block += 64) {
    BlockMasks m;
    if (n - block >= 64) {
      m = block_masks(s + block);
    } else {  // the tail: copy and pad with spaces so nothing past the text is read
      unsigned char tail[64];
      std::memcpy(tail, s + block, n - block);
      std::memset(tail + (n - block), ' ', 64 - (n - block));
      m = block_masks(tail);
    }
    if (!hits.control) {
      hits.control = m.control;
      for (uint64_t c2 = m.c2; c2 != 0 && !hits.control; c2 &= c2 - 1) {
        const size_t next = block + static_cast<size_t>(__builtin_ctzll(c2)) + 1;
        hits.control = next < n && (s[next] & 0xE0) == 0x80;  // 80..9F
      }
    }
    // Bit k of `run`: bytes k-3..k (counted from this block) are digits.
    const uint64_t d = m.digit;
    const uint64_t run = d & ((d << 1) | (previous_digit >> 63)) & ((d << 2) | (previous_digit >> 62)) &
                         ((d << 3) | (previous_digit >> 61));
    for (uint64_t firsts = run & ~((run << 1) | (previous_run >> 63)); firsts != 0; firsts &= firsts - 1) {
      const size_t start = block + static_cast<size_t>(__builtin_ctzll(firsts)) - 3;
      hits.digit_groups = hits.digit_groups || digit_groups_at(s, start);
      hits.card_digits = hits.card_digits || card_digits_from(s, n, start);
    }
    previous_digit = d;
    previous_run = run;
    if (hits.control && hits.digit_groups && hits.card_digits) break;
  }
  return hits;
}

}  // namespace

ContentPatterns::Scratch& ContentPatterns::Scratch::operator=(Scratch&& other) noexcept {
  if (this != &other) {
    hs_free_scratch(scratch_);
    scratch_ = other.scratch_;
    other.scratch_ = nullptr;
  }
  return *this;
}

ContentPatterns::Scratch::~Scratch() { hs_free_scratch(scratch_); }

namespace {

// The Vectorscan prefilters in database order, with their ids (pattern indices) and flags.
struct PrefilterSet {
  std::vector<std::string> expressions;  // NUL-terminated copies for Vectorscan
  std::vector<unsigned> ids;
  // One match per pattern is all match() needs; prefilter mode lets Vectorscan approximate what
  // it would otherwise build exactly, which can only add matches.
  static constexpr unsigned kFlags = HS_FLAG_SINGLEMATCH | HS_FLAG_PREFILTER;

  // FNV-1a over everything the database is compiled from, stored beside the precompiled
  // database: a database built from other patterns is never used.
  uint64_t fingerprint() const {
    uint64_t h = 0xcbf29ce484222325ULL;
    auto mix = [&](std::string_view bytes) {
      for (const char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    };
    for (size_t i = 0; i < expressions.size(); ++i) {
      mix(expressions[i]);
      mix(std::string_view("\0", 1));
      mix(std::to_string(ids[i]) + "/" + std::to_string(kFlags) + "/" + hs_version());
    }
    return h;
  }
};

PrefilterSet prefilter_set() {
  PrefilterSet set;
  for (size_t i = 0; i < std::size(kPatterns); ++i) {
    if (kPatterns[i].scan != Prefilter::kVectorscan) continue;
    set.expressions.emplace_back(kPatterns[i].prefilter);
    set.ids.push_back(static_cast<unsigned>(i));
  }
  return set;
}

hs_database_t* compile_prefilter(const PrefilterSet& set) {
  if (hs_valid_platform() != HS_SUCCESS) {
    internal_error("starting Vectorscan", "this CPU lacks the SIMD instructions the library needs");
  }
  std::vector<const char*> pointers;
  for (const std::string& e : set.expressions) pointers.push_back(e.c_str());
  const std::vector<unsigned> flags(set.expressions.size(), PrefilterSet::kFlags);
  hs_database_t* database = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(pointers.data(), flags.data(), set.ids.data(), static_cast<unsigned>(pointers.size()),
                       HS_MODE_BLOCK, nullptr, &database, &error) != HS_SUCCESS) {
    const std::string message = error != nullptr ? error->message : "unknown error";
    const std::string what = error != nullptr && error->expression >= 0
                                 ? "compiling " + set.expressions[static_cast<size_t>(error->expression)]
                                 : std::string("compiling the content prefilter");
    hs_free_compile_error(error);
    internal_error(what, message);
  }
  return database;
}

#if !defined(TUNEPREP_NO_PRECOMPILED_PREFILTER)
// The database compiled at build time for the build machine (cmake/prefilter_database.cmake):
// the fingerprint as 8 little-endian bytes, then hs_serialize_database's bytes.
extern "C" const unsigned char tuneprep_prefilter_database_begin[];
extern "C" const unsigned char tuneprep_prefilter_database_end[];

// The precompiled database, or nullptr when it was built from other patterns or cannot run
// here (another Vectorscan version, a CPU without the instructions it was compiled for).
hs_database_t* load_precompiled(const PrefilterSet& set) {
  const auto size = static_cast<size_t>(tuneprep_prefilter_database_end - tuneprep_prefilter_database_begin);
  if (size <= 8) return nullptr;
  uint64_t fingerprint = 0;
  for (int k = 7; k >= 0; --k) fingerprint = (fingerprint << 8) | tuneprep_prefilter_database_begin[k];
  if (fingerprint != set.fingerprint()) return nullptr;
  hs_database_t* database = nullptr;
  if (hs_deserialize_database(reinterpret_cast<const char*>(tuneprep_prefilter_database_begin + 8), size - 8,
                              &database) != HS_SUCCESS) {
    return nullptr;
  }
  return database;
}
#else
hs_database_t* load_precompiled(const PrefilterSet&) { return nullptr; }
#endif

}  // namespace

ContentPatterns::ContentPatterns(bool use_precompiled) : patterns_(std::begin(kPatterns), std::end(kPatterns)) {
  RE2::Options options;
  options.set_log_errors(false);
  // Kept from the RE2::Set days: a DFA out of memory falls back to RE2's slow NFA.
  options.set_max_mem(64 << 20);
  for (size_t i = 0; i < patterns_.size(); ++i) {
    const ContentPattern& p = patterns_[i];
    std::string grouped;  // one capturing group: where the pattern matched
    grouped.reserve(p.regex.size() + 2);
    grouped.append("(").append(p.regex).append(")");
    auto re = std::make_unique<RE2>(grouped, options);
    if (!re->ok()) internal_error(p.regex, re->error());
    regexes_.push_back(std::move(re));
    switch (p.scan) {
      case Prefilter::kVectorscan: vectorscan_mask_ |= uint32_t{1} << i; break;
      case Prefilter::kDigitGroups: digit_groups_ = static_cast<int>(i); break;
      case Prefilter::kCardDigits: card_digits_ = static_cast<int>(i); break;
      case Prefilter::kControlBytes: control_bytes_ = static_cast<int>(i); break;
    }
  }
  const PrefilterSet set = prefilter_set();
  // Loading the precompiled database takes well under a millisecond; compiling takes about
  // 40 ms, most of what validating a small file cost before (bench/small-file).
  database_ = use_precompiled ? load_precompiled(set) : nullptr;
  precompiled_ = database_ != nullptr;
  if (database_ == nullptr) database_ = compile_prefilter(set);
  if (hs_alloc_scratch(database_, &prototype_) != HS_SUCCESS) {
    internal_error("allocating Vectorscan scratch", "out of memory");
  }
}

std::unique_ptr<ContentPatterns> ContentPatterns::compile() {
  return std::unique_ptr<ContentPatterns>(new ContentPatterns(false));
}

std::string ContentPatterns::serialize() const {
  char* bytes = nullptr;
  size_t length = 0;
  if (hs_serialize_database(database_, &bytes, &length) != HS_SUCCESS) {
    internal_error("serializing the content prefilter", "hs_serialize_database failed");
  }
  const uint64_t fingerprint = prefilter_set().fingerprint();
  std::string out;
  for (int k = 0; k < 8; ++k) out.push_back(static_cast<char>((fingerprint >> (8 * k)) & 0xFF));
  out.append(bytes, length);
  std::free(bytes);
  return out;
}

ContentPatterns::~ContentPatterns() {
  hs_free_scratch(prototype_);
  hs_free_database(database_);
}

std::span<const ContentPattern> ContentPatterns::table() { return kPatterns; }

const ContentPatterns& ContentPatterns::instance() {
  static const ContentPatterns patterns(true);  // thread-safe one-time initialisation
  return patterns;
}

ContentPatterns::Scratch ContentPatterns::make_scratch() const {
  hs_scratch_t* scratch = nullptr;
  if (hs_clone_scratch(prototype_, &scratch) != HS_SUCCESS) throw std::bad_alloc();
  return Scratch(scratch);
}

void ContentPatterns::match(std::string_view text, Scratch& scratch, std::vector<int>& hits,
                            bool with_vectorscan) const {
  hits.clear();
  uint32_t found = 0;
  if (!with_vectorscan) {
    // nothing but the byte classes below
  } else if (text.size() > std::numeric_limits<unsigned>::max()) {
    found = vectorscan_mask_;  // hs_scan takes a 32-bit length: let RE2 decide on such a text
  } else if (!text.empty()) {  // hs_scan rejects the null data() of an empty view
    const hs_error_t status = hs_scan(database_, text.data(), static_cast<unsigned>(text.size()), 0,
                                      scratch.scratch_, on_match, &found);
    if (status != HS_SUCCESS) {  // a scratch shared between threads or of another database
      internal_error("scanning with Vectorscan", "hs_scan returned " + std::to_string(status));
    }
  }
  const ByteHits bytes = scan_bytes(text);
  if (bytes.digit_groups) found |= uint32_t{1} << digit_groups_;
  if (bytes.card_digits) found |= uint32_t{1} << card_digits_;
  if (bytes.control) found |= uint32_t{1} << control_bytes_;
  for (; found != 0; found &= found - 1) hits.push_back(__builtin_ctz(found));
}

}  // namespace tuneprep::checks
