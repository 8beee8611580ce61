// json_minify: minified JSON from a simdjson DOM value.
#include "json/json_minify.hpp"

#include <charconv>

#include "tuneprep/json_writer.hpp"

namespace tuneprep {
namespace {

template <typename Integer>
void append_integer(Integer value, std::string& out) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof(digits), value).ptr;
  out.append(digits, static_cast<size_t>(end - digits));
}

}  // namespace

void append_minified_json(simdjson::dom::element value, std::string& out) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::OBJECT: {
      out.push_back('{');
      bool first = true;
      const simdjson::dom::object object = value.get_object().value_unsafe();
      for (const simdjson::dom::key_value_pair field : object) {
        if (!first) out.push_back(',');
        first = false;
        append_json_string(out, field.key);
        out.push_back(':');
        append_minified_json(field.value, out);
      }
      out.push_back('}');
      return;
    }
    case element_type::ARRAY: {
      out.push_back('[');
      bool first = true;
      const simdjson::dom::array array = value.get_array().value_unsafe();
      for (const simdjson::dom::element item : array) {
        if (!first) out.push_back(',');
        first = false;
        append_minified_json(item, out);
      }
      out.push_back(']');
      return;
    }
    // value_unsafe: the element's type was just read, so each get succeeds.
    case element_type::STRING: append_json_string(out, value.get_string().value_unsafe()); return;
    case element_type::INT64: append_integer(value.get_int64().value_unsafe(), out); return;
    case element_type::UINT64: append_integer(value.get_uint64().value_unsafe(), out); return;
    case element_type::DOUBLE: out += simdjson::minify(value); return;  // its shortest-digits format
    case element_type::BOOL: out += value.get_bool().value_unsafe() ? "true" : "false"; return;
    case element_type::NULL_VALUE: out += "null"; return;
  }
}

}  // namespace tuneprep
