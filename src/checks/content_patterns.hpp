// content_patterns: the pattern rules' regular expressions. A prefilter (one Vectorscan database
// compiled at build time, plus SIMD byte-class scans) says which patterns may match a content
// string; one RE2 per pattern then finds and confirms the hits in the few strings it lets through.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <re2/re2.h>

#include "tuneprep/rules.hpp"

struct hs_database;  // Vectorscan (hs.h), kept out of this header
struct hs_scratch;

namespace tuneprep::checks {

// How a pattern's hits are confirmed before they become a diagnostic.
enum class Confirm : uint8_t {
  kNone,         // the match is the finding
  kEmail,        // not a reserved example domain
  kPhone,        // digit count and number boundaries
  kCard,         // Luhn, issuer digit, consistent grouping
  kToken,        // word boundaries, not a placeholder ("xxxx", "EXAMPLE"), letters and digits
  kOutsideCode,  // not inside a Markdown code span or fenced block
};

// How the prefilter finds a pattern's candidates. Every prefilter may report a pattern that RE2
// then does not find, never the reverse (tests/content_patterns_test.cpp checks it per pattern).
enum class Prefilter : uint8_t {
  kVectorscan,    // `prefilter` is a Vectorscan pattern, starting or ending at a literal
  kDigitGroups,   // byte scan: the 3-3-4 digit groups of a North American number
  kCardDigits,    // byte scan: 13+ digits with at most one ' ' or '-' between two of them
  kControlBytes,  // byte scan: C0 controls but tab/LF/CR, DEL, C1 controls (C2 80..C2 9F)
};

struct ContentPattern {
  RuleId rule;
  std::string_view label;      // what was found, for the message ("e-mail address")
  std::string_view regex;      // RE2 syntax, no capturing groups: what a hit is
  Confirm confirm;
  Prefilter scan;
  std::string_view prefilter;  // Vectorscan syntax over bytes (no UTF-8 mode); kVectorscan only
};

// Immutable after construction, so one instance is shared by every thread (RE2 and a Vectorscan
// database are thread-safe for matching); each thread brings its own Scratch.
class ContentPatterns {
 public:
  // Vectorscan's per-scan working memory: one per thread (RuleChecker holds one), cloned from
  // the process's prototype. Move-only.
  class Scratch {
   public:
    Scratch(Scratch&& other) noexcept : scratch_(other.scratch_) { other.scratch_ = nullptr; }
    Scratch& operator=(Scratch&& other) noexcept;
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    ~Scratch();

   private:
    friend class ContentPatterns;
    explicit Scratch(hs_scratch* scratch) : scratch_(scratch) {}
    hs_scratch* scratch_;
  };

  // The patterns alone, without compiling anything.
  static std::span<const ContentPattern> table();
  // Made on first use, then shared: the Vectorscan database compiled at build time for the
  // build machine when it runs here (under a millisecond), else compiled now (about 40 ms).
  static const ContentPatterns& instance();
  // A new instance whose database is compiled now: what the build step serializes, and what
  // tests compare the precompiled database with.
  static std::unique_ptr<ContentPatterns> compile();
  ContentPatterns(const ContentPatterns&) = delete;  // owns the database
  ContentPatterns& operator=(const ContentPatterns&) = delete;
  ~ContentPatterns();

  Scratch make_scratch() const;
  // True when the database is the precompiled one.
  bool precompiled() const { return precompiled_; }
  // The database as the build step embeds it: a fingerprint of the patterns, then
  // hs_serialize_database's bytes.
  std::string serialize() const;

  // Indices, ascending, of the patterns that may match somewhere in `text` (`hits` is cleared
  // first): every pattern whose RE2 finds a hit in `text` is among them; others may be too.
  // Without `with_vectorscan` only the byte-class prefilters run (digit runs, control bytes):
  // for a caller whose enabled rules need no other (prepare without warnings: control-character).
  void match(std::string_view text, Scratch& scratch, std::vector<int>& hits, bool with_vectorscan = true) const;

  const ContentPattern& pattern(int index) const { return patterns_[index]; }
  const RE2& regex(int index) const { return *regexes_[index]; }
  size_t size() const { return patterns_.size(); }

 private:
  explicit ContentPatterns(bool use_precompiled);
  std::vector<ContentPattern> patterns_;
  std::vector<std::unique_ptr<RE2>> regexes_;
  hs_database* database_ = nullptr;
  hs_scratch* prototype_ = nullptr;
  bool precompiled_ = false;
  uint32_t vectorscan_mask_ = 0;  // bit i: pattern i is in the database
  int digit_groups_ = -1;         // the index of each byte-scanned pattern
  int card_digits_ = -1;
  int control_bytes_ = -1;
};

}  // namespace tuneprep::checks
