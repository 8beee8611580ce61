// content_patterns: the pattern rules' regular expressions, compiled once into one RE2::Set (the
// prefilter every content string goes through) plus one RE2 per pattern to find and confirm hits.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include <re2/re2.h>
#include <re2/set.h>

#include "tuneprep/rules.hpp"

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

struct ContentPattern {
  RuleId rule;
  std::string_view label;  // what was found, for the message ("e-mail address")
  std::string_view regex;  // RE2 syntax, no capturing groups
  Confirm confirm;
};

// Immutable after construction, so one instance is shared by every thread (RE2 and RE2::Set are
// thread-safe for matching).
class ContentPatterns {
 public:
  static const ContentPatterns& instance();

  // Indices of the patterns that match somewhere in `text` (`hits` is cleared first).
  void match(std::string_view text, std::vector<int>& hits) const;
  const ContentPattern& pattern(int index) const { return patterns_[index]; }
  const RE2& regex(int index) const { return *regexes_[index]; }
  size_t size() const { return patterns_.size(); }

 private:
  ContentPatterns();
  std::vector<ContentPattern> patterns_;
  std::vector<std::unique_ptr<RE2>> regexes_;
  std::unique_ptr<RE2::Set> set_;
};

}  // namespace tuneprep::checks
