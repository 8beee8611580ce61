// The response shape analysis: the one-pass path against the line-by-line path, and what it reports.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "checks/content_checks.hpp"

namespace tuneprep::checks {
namespace {

// A string_view into `text` as (offset, size), so two results over one text compare as values.
std::pair<long, size_t> at(std::string_view text, std::string_view part) {
  return {part.data() == nullptr ? -1 : part.data() - text.data(), part.size()};
}

void require_same(std::string_view text, const ResponseShape& a, const ResponseShape& b) {
  INFO("text: " << std::string(text));
  CHECK(a.unclosed_fence == b.unclosed_fence);
  CHECK(a.sentence_ends == b.sentence_ends);
  CHECK(a.repeated_word == b.repeated_word);
  CHECK(at(text, a.repeated_sentence) == at(text, b.repeated_sentence));
  CHECK(a.last_line == b.last_line);
}

}  // namespace

TEST_CASE("analyze_response: the one pass finds what the line-by-line pass finds") {
  // Few pieces, so that words and sentences repeat often; every blank, line end and sentence end
  // the two paths treat differently (LF, CR, CRLF, tabs, a stop before a line end, the text end).
  const std::vector<std::string> pieces = {"no",   "No",   "the", "x1",  "1",  "answer is", "It depends on the context",
                                           " ",    "  ",   "\t",  "\n",  "\r\n", "\r",      ". ",
                                           "!\n",  "?",    ".",   "...", " .",  "abcdefghijkl"};
  std::mt19937_64 rng(7);
  std::vector<SentenceRef> one;
  std::vector<SentenceRef> by_line;
  size_t with_word = 0;
  size_t with_sentence = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const size_t count = rng() % 80;
    for (size_t k = 0; k < count; ++k) {
      if (rng() % 12 == 0) {  // a word 6-10 times, any blanks between: stutter, or nearly
        static const char* const kBlanks[] = {" ", "  ", "\t", "\n", "\r\n", " \r "};
        const std::string& word = pieces[rng() % 6];
        for (size_t n = 6 + rng() % 5; n > 0; --n) text += word + kBlanks[rng() % 6];
      } else if (rng() % 4 == 0 && text.size() > 30) {  // repeat a recent stretch: sentence loops
        const size_t from = rng() % (text.size() - 20);
        text += text.substr(from, 20 + rng() % 60);
      } else {
        text += pieces[rng() % pieces.size()];
      }
    }
    const ResponseShape a = analyze_response(text, one);
    const ResponseShape b = analyze_response_by_line(text, by_line);
    require_same(text, a, b);
    with_word += !a.repeated_word.empty();
    with_sentence += !a.repeated_sentence.empty();
  }
  // The inputs reach both findings, so agreement means something.
  CHECK(with_word > 100);
  CHECK(with_sentence > 100);
}

TEST_CASE("analyze_response reports the earliest repeated sentence") {
  std::vector<SentenceRef> scratch;
  const std::string text =
      "Zebras are the answer to this one. Apples are the answer to this one. "
      "Apples are the answer to this one. Zebras are the answer to this one. "
      "Apples are the answer to this one. Zebras are the answer to this one.";
  const ResponseShape shape = analyze_response(text, scratch);
  CHECK(shape.repeated_sentence == "Zebras are the answer to this one.");
  CHECK(shape.repeated_sentence.data() == text.data());
  CHECK(shape.sentence_ends == 6);
}

TEST_CASE("analyze_response finds word stutter at the very end of the text") {
  std::vector<SentenceRef> scratch;
  // Every word of the run lies in the last 8 bytes' reach of the end at some point.
  CHECK(analyze_response("ok ok ok ok ok ok ok ok", scratch).repeated_word == "ok");
  CHECK(analyze_response("ok ok ok ok ok ok ok", scratch).repeated_word.empty());
  CHECK(analyze_response("no\nno\r\nno no\tno  no no no", scratch).repeated_word == "no");
  CHECK(analyze_response("7 7 7 7 7 7 7 7 7", scratch).repeated_word.empty());  // no letter
  CHECK(analyze_response("maybe maybe maybe maybe maybe maybe maybe maybX", scratch).repeated_word.empty());
}

TEST_CASE("analyze_response: the last line and code blocks") {
  std::vector<SentenceRef> scratch;
  CHECK(analyze_response("First line.\r\n  Second line  \r\n\n \t\n", scratch).last_line == "Second line");
  CHECK(analyze_response("one line", scratch).last_line == "one line");
  CHECK(analyze_response(" \n\t", scratch).last_line.empty());
  // Repeats inside a code block are not stutter; an odd number of fences is an open block.
  const ResponseShape code = analyze_response("Run:\n```\nno no no no no no no no no\n", scratch);
  CHECK(code.repeated_word.empty());
  CHECK(code.unclosed_fence);
}

}  // namespace tuneprep::checks
