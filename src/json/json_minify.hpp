// json_minify: a parsed JSON value written back without whitespace, as simdjson::minify writes it.
#pragma once

#include <string>

#include <simdjson.h>

namespace tuneprep {

// Appends `value` as minified JSON, byte for byte what simdjson::minify(value) returns
// (tests/json_minify_test.cpp holds the two to it): strings escaped by append_json_string, which
// escapes as simdjson does; doubles through simdjson's own formatting. Several times faster than
// simdjson's, which pushes every byte into a vector and then copies the result: tool definitions
// are written per record.
void append_minified_json(simdjson::dom::element value, std::string& out);

inline std::string minified_json(simdjson::dom::element value) {
  std::string out;
  append_minified_json(value, out);
  return out;
}

}  // namespace tuneprep
