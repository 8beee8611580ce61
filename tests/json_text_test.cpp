// Unit tests of JSON string escaping (append_json_string), including its 8-byte fast path.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "tuneprep/schema.hpp"

using namespace tuneprep;

namespace {

// One byte at a time, straight from RFC 8259: the reference the fast path must match.
std::string reference_escape(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c == '\b') out += "\\b";
    else if (c == '\f') out += "\\f";
    else if (c < 0x20) { out += "\\u00"; out += kHex[c >> 4]; out += kHex[c & 0xF]; }
    else out += ch;
  }
  return out + "\"";
}

std::string escape(std::string_view text) {
  std::string out = "x";
  append_json_string(out, text);
  return out.substr(1);
}

}  // namespace

TEST_CASE("JSON strings escape quotes, backslashes and control characters") {
  CHECK(escape("") == "\"\"");
  CHECK(escape("plain text, no escapes at all") == "\"plain text, no escapes at all\"");
  CHECK(escape("a\"b\\c\nd\te\x01") == "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
  CHECK(escape(std::string("nul\0here", 8)) == "\"nul\\u0000here\"");
  CHECK(escape("caf\xC3\xA9 \xE2\x80\x9Cq\xE2\x80\x9D") == "\"caf\xC3\xA9 \xE2\x80\x9Cq\xE2\x80\x9D\"");
  CHECK(escape("0123456789abcdef\x1f") == "\"0123456789abcdef\\u001f\"");
  CHECK(escape("\x7f\x80\xff!") == "\"\x7f\x80\xff!\"");
}

TEST_CASE("JSON string escaping matches the byte-at-a-time reference on random text") {
  std::mt19937 rng(12345);
  // Mostly ordinary bytes with escapes sprinkled in, at every alignment and length.
  const std::string alphabet = std::string("abc XYZ\"\\\n\t\x01\x1f\x7f\x80\xc3\xa9 ") + std::string(1, '\0');
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<size_t> length(0, 70);
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    size_t n = length(rng);
    for (size_t i = 0; i < n; ++i) text.push_back(round % 3 == 0 ? 'a' : alphabet[pick(rng)]);
    if (round % 3 == 0 && n > 0) text[n / 2] = alphabet[pick(rng)];
    INFO("round " << round);
    REQUIRE(escape(text) == reference_escape(text));
  }
}
