// Unit tests of locating JSON pointer values in raw record text.
#include <catch2/catch.hpp>

#include <string>

#include "tuneprep/json_pointer.hpp"

using namespace tuneprep;

namespace {
uint32_t column_of(std::string_view json, std::string_view pointer) {
  auto pos = locate_json_pointer(json, pointer);
  REQUIRE(pos.has_value());
  CHECK(pos->line_offset == 0);
  return pos->column;
}
}  // namespace

TEST_CASE("pointer locates a message content value on a JSONL line") {
  const std::string_view line =
      R"({"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]})";
  CHECK(column_of(line, "/messages/1/content") == 75);
  CHECK(line.substr(74, 4) == "\"yo\"");
  CHECK(column_of(line, "/messages/0/role") == 22);
  CHECK(column_of(line, "/messages") == 13);
  CHECK(column_of(line, "") == 1);
}

TEST_CASE("pointer column counts characters, not bytes, before the value") {
  // "é" is 2 bytes and "😀" 4 bytes in UTF-8 but one character each.
  const std::string_view line = "{\"a\":\"é😀\",\"b\":1}";
  auto pos = locate_json_pointer(line, "/b");
  REQUIRE(pos);
  CHECK(pos->byte_offset == 18);
  CHECK(pos->column == 15);
}

TEST_CASE("pointer skips escaped quotes and brackets inside strings") {
  const std::string_view line = R"({"x":"a\"]}[{\\","y":[1,"]",{"z":"}"}],"w":true})";
  CHECK(column_of(line, "/w") == 44);
  CHECK(column_of(line, "/y/2/z") == 34);
  CHECK(column_of(line, "/y/1") == 25);
}

TEST_CASE("pointer matches keys written with escapes and decodes ~0 and ~1") {
  const std::string_view line = R"({"\u0072ole":"u","a/b":1,"m~n":2,"\ud83d\ude00":3})";
  CHECK(column_of(line, "/role") == 14);
  CHECK(column_of(line, "/a~1b") == 24);
  CHECK(column_of(line, "/m~0n") == 32);
  CHECK(column_of(line, "/😀") == 49);
  CHECK_FALSE(locate_json_pointer(line, "/a/b").has_value());
}

TEST_CASE("pointer walks nested arrays") {
  const std::string_view line = R"([[0,[1,2]],[[3],[4,[5,6]]]])";
  CHECK(column_of(line, "/1/1/1/0") == 21);
  CHECK(column_of(line, "/0/1/1") == 8);
  CHECK_FALSE(locate_json_pointer(line, "/1/1/1/2").has_value());
  CHECK_FALSE(locate_json_pointer(line, "/01").has_value());  // leading zero is not an index
  CHECK_FALSE(locate_json_pointer(line, "/-").has_value());
}

TEST_CASE("pointer in a multi-line array element gives a line offset and column") {
  const std::string_view element =
      "{\n  \"messages\": [\n    {\"role\": \"user\",\n     \"content\": \"ça va\"}\n  ]\n}";
  auto pos = locate_json_pointer(element, "/messages/0/content");
  REQUIRE(pos);
  CHECK(pos->line_offset == 3);
  CHECK(pos->column == 17);
}

TEST_CASE("pointer fails cleanly on truncated or malformed text") {
  CHECK_FALSE(locate_json_pointer(R"({"a":"unterminated)", "/b").has_value());
  CHECK_FALSE(locate_json_pointer(R"({"a" 1})", "/a").has_value());
  CHECK_FALSE(locate_json_pointer("", "").has_value());
  CHECK_FALSE(locate_json_pointer(R"({"a":[1,2)", "/a/5").has_value());
  CHECK_FALSE(locate_json_pointer(R"({"a":1})", "a").has_value());  // not a pointer
  CHECK_FALSE(locate_json_pointer(R"("str")", "/0").has_value());
  // Deep nesting is skipped without recursion.
  std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + ",\"b\":2}";
  auto pos = locate_json_pointer(deep, "/b");
  REQUIRE(pos);
  CHECK(pos->column == 200011);
}

TEST_CASE("place_diagnostic adds the record's start on its first line only") {
  SourceLocation source;
  source.line = 7;
  source.column = 3;
  Diagnostic d = make_diagnostic(RuleId::kPiiEmail, "e-mail", "/b");
  place_diagnostic(d, "{\"a\":1,\n \"b\":2}", source);
  CHECK(d.line == 8);
  CHECK(d.column == 6);

  Diagnostic same_line = make_diagnostic(RuleId::kPiiEmail, "e-mail", "/a");
  place_diagnostic(same_line, "{\"a\":1,\n \"b\":2}", source);
  CHECK(same_line.line == 7);
  CHECK(same_line.column == 8);

  Diagnostic missing = make_diagnostic(RuleId::kPiiEmail, "e-mail", "/nope");
  place_diagnostic(missing, "{\"a\":1}", source);
  CHECK(missing.line == 7);
  CHECK(missing.column == 3);

  // A field that is not there: its closest enclosing value that is (the object of "/b").
  Diagnostic absent_field = make_diagnostic(RuleId::kMissingContent, "no content", "/b/content");
  place_diagnostic(absent_field, "{\"a\":1,\n \"b\":{\"x\":2}}", source);
  CHECK(absent_field.line == 8);
  CHECK(absent_field.column == 6);

  Diagnostic preset = make_diagnostic(RuleId::kJsonSyntax, "bad", "");
  preset.line = 2;
  preset.column = 9;
  place_diagnostic(preset, "{", source);
  CHECK(preset.line == 2);
  CHECK(preset.column == 9);
}

TEST_CASE("append_pointer_token escapes tilde and slash") {
  std::string p = "/messages/0/";
  append_pointer_token(p, "a/b~c");
  CHECK(p == "/messages/0/a~1b~0c");
}
