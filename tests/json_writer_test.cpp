// Unit tests of JsonWriter (pretty and compact) and format_decimal: layout, escaping, reals, null.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "tuneprep/json_writer.hpp"

using namespace tuneprep;

TEST_CASE("JsonWriter puts each element on its own line, indented two spaces per level") {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field("name", "tuneprep");
  w.key("runs"), w.begin_array();
  w.begin_object();
  w.field("count", 3);
  w.object("tool", [&] { w.field("version", "0.1.0"); });
  w.end_object();
  w.number(7);
  w.end_array();
  w.end_object();
  CHECK(out ==
        "{\n"
        "  \"name\": \"tuneprep\",\n"
        "  \"runs\": [\n"
        "    {\n"
        "      \"count\": 3,\n"
        "      \"tool\": {\n"
        "        \"version\": \"0.1.0\"\n"
        "      }\n"
        "    },\n"
        "    7\n"
        "  ]\n"
        "}");
}

TEST_CASE("JsonWriter writes empty containers as {} and [] on one line") {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("advice"), w.begin_array(), w.end_array();
  w.key("formats"), w.begin_object(), w.end_object();
  w.key("nested"), w.begin_array(), w.begin_array(), w.end_array(), w.end_array();
  w.end_object();
  CHECK(out ==
        "{\n"
        "  \"advice\": [],\n"
        "  \"formats\": {},\n"
        "  \"nested\": [\n"
        "    []\n"
        "  ]\n"
        "}");

  std::string top;
  JsonWriter empty(top);
  empty.begin_object();
  empty.end_object();
  CHECK(top == "{}");
}

TEST_CASE("Compact JsonWriter writes a document on one line without white space") {
  std::string out;
  JsonWriter w(out, JsonLayout::kCompact);
  w.begin_object();
  w.field("path", "a b.jsonl");
  w.field("line", 3);
  w.key("ok"), w.boolean(false);
  w.key("empty"), w.begin_array(), w.end_array();
  w.key("list"), w.begin_array();
  w.number(1);
  w.begin_object();
  w.field("x", "y");
  w.end_object();
  w.end_array();
  w.end_object();
  CHECK(out == R"({"path":"a b.jsonl","line":3,"ok":false,"empty":[],"list":[1,{"x":"y"}]})");
}

TEST_CASE("JsonWriter escapes keys and strings as JSON string literals") {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field("say \"hi\"", "line\nbreak\ttab \\ back\x01");
  w.field("caf\xC3\xA9", "\xE2\x80\xA6");
  w.end_object();
  CHECK(out ==
        "{\n"
        "  \"say \\\"hi\\\"\": \"line\\nbreak\\ttab \\\\ back\\u0001\",\n"
        "  \"caf\xC3\xA9\": \"\xE2\x80\xA6\"\n"
        "}");
}

TEST_CASE("JsonWriter writes null, booleans, optionals and full-range integers") {
  std::string out;
  JsonWriter w(out);
  w.begin_array();
  w.null();
  w.boolean(true);
  w.boolean(false);
  w.optional_number(std::optional<uint64_t>());
  w.optional_number(std::optional<uint32_t>(42));
  w.optional_string(std::nullopt);
  w.optional_string(std::string("x"));
  w.number(0);
  w.number(18446744073709551615ULL);
  w.end_array();
  CHECK(out == "[\n  null,\n  true,\n  false,\n  null,\n  42,\n  null,\n  \"x\",\n  0,\n  18446744073709551615\n]");
}

TEST_CASE("JsonWriter writes reals with at most the given decimals and no trailing zeros") {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field_real("share", 0.125, 4);
  w.field_real("rounded", 0.123456, 4);
  w.field_real("whole", 2.0, 2);
  w.key("mean"), w.real(1234.5678, 2);
  w.end_object();
  CHECK(out == "{\n  \"share\": 0.125,\n  \"rounded\": 0.1235,\n  \"whole\": 2.0,\n  \"mean\": 1234.57\n}");
}

TEST_CASE("Decimal text rounds to the given decimals, keeps one, and drops negative zero") {
  CHECK(format_decimal(0.1250, 4) == "0.125");
  CHECK(format_decimal(2.0, 2) == "2.0");
  CHECK(format_decimal(0.0, 4) == "0.0");
  CHECK(format_decimal(-0.00001, 2) == "0.0");
  CHECK(format_decimal(-0.0, 2) == "0.0");
  CHECK(format_decimal(-1.50, 2) == "-1.5");
  CHECK(format_decimal(99.999, 2) == "100.0");
  CHECK(format_decimal(7.0, 0) == "7");
  CHECK(format_decimal(7.6, 0) == "8");
  CHECK(format_decimal(1e-9, 4) == "0.0");
}
