// json_minify: append_minified_json writes what simdjson::minify writes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <simdjson.h>

#include "json/json_minify.hpp"

namespace {

void require_same_as_simdjson(simdjson::dom::parser& parser, const std::string& json) {
  simdjson::dom::element root;
  if (parser.parse(json).get(root)) return;  // not JSON: nothing to compare
  INFO(json);
  REQUIRE(tuneprep::minified_json(root) == simdjson::minify(root));
}

}  // namespace

TEST_CASE("append_minified_json writes what simdjson::minify writes") {
  simdjson::dom::parser parser;
  for (const std::string json : {
           R"({})", R"([])", R"({"a":[]})", R"([{}, [], [[]], {"":{}}])", R"("")", R"(null)", R"(true)",
           R"( { "k" : [ 1 , -2 , 18446744073709551615 , -9223372036854775808 , 0 ] } )",
           R"([1.5, -0.0, 1e300, 2.5e-308, 0.1, 123456789.123456789, 1E2, -3.0e+5])",
           R"({"esc":"q\" b\\ n\n r\r t\t b\b f\f u\u0001 \u001f \u007f / \/ é \u00e9 😀 \ud83d\ude00"})",
           R"({"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",)"
           R"("properties":{"city":{"type":"string","enum":["Paris","Oslo"]},"days":{"type":"integer","minimum":1}},)"
           R"("required":["city"]}}}]})",
       }) {
    require_same_as_simdjson(parser, json);
  }
  // Every line of the public samples (tool definitions, tool calls, content parts).
  size_t lines = 0;
  for (const auto& entry : std::filesystem::directory_iterator(TUNEPREP_TEST_DATA "/public")) {
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      require_same_as_simdjson(parser, line);
      ++lines;
    }
  }
  CHECK(lines > 500);
  // Random nesting of every value kind, escapes included.
  std::mt19937_64 rng(9);
  static const char* const kScalars[] = {"0", "-1", "7.25", "1e-7", "true", "false", "null", "\"x\\n\\u0000y\"",
                                         "\"\"", "\"\\\"\"", "99999999999999999999", "-0.5"};
  for (int n = 0; n < 2000; ++n) {
    std::string json;
    int depth = 0;
    for (int k = 0; k < 40; ++k) {
      const uint64_t pick = rng() % 6;
      if (pick == 0 && depth < 20) { json += "["; ++depth; continue; }
      json += kScalars[rng() % std::size(kScalars)];
      json += ",";
    }
    if (!json.empty() && json.back() == ',') json.pop_back();
    while (depth-- > 0) json += "]";
    require_same_as_simdjson(parser, "[" + json + "]");
  }
}
