// content_checks: confirmation of pattern hits and the one-pass shape analysis of a response
// (repetition, unclosed code blocks, how it ends).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "checks/content_patterns.hpp"

namespace tuneprep::checks {

// The first hit of pattern `index` in `text` that passes the pattern's confirmation; nullopt when
// every hit is a false positive.
std::optional<std::string_view> find_confirmed(const ContentPatterns& patterns, int index,
                                               std::string_view text);

// Luhn checksum over ASCII digits (ISO/IEC 7812-1 annex B).
bool luhn_valid(std::string_view digits);

// One sentence of a response: where it is, and the key analyze_response groups equal sentences by
// (length, first and last 8 bytes: equal keys are then compared in full).
struct SentenceRef {
  uint64_t key;
  uint32_t offset;
  uint32_t length;
};

// What one pass over a response's text finds. Code blocks are skipped for repetition.
struct ResponseShape {
  bool unclosed_fence = false;         // an odd number of ``` / ~~~ fence lines
  std::string_view repeated_sentence;  // the earliest sentence of 24+ bytes that occurs 3+ times
  std::string_view repeated_word;      // a word repeated 8+ times in a row
  uint32_t sentence_ends = 0;          // '.', '!' or '?' followed by whitespace or the end
  std::string_view last_line;          // the last non-blank line, trimmed
};

// `scratch` is reused between calls to avoid allocating per response. Text without "```" or
// "~~~" takes one pass over the whole text; other text goes line by line, as
// analyze_response_by_line, so that code blocks are skipped.
ResponseShape analyze_response(std::string_view text, std::vector<SentenceRef>& scratch);
// The line-by-line pass for any text; on text without fences it finds what the one pass finds
// (a test holds the two to it).
ResponseShape analyze_response_by_line(std::string_view text, std::vector<SentenceRef>& scratch);

// Why a response looks cut off, or empty when it does not ("ends inside an unclosed code block").
std::string_view truncation_reason(std::string_view text, const ResponseShape& shape);

}  // namespace tuneprep::checks
