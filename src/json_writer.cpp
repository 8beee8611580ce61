// json_writer: commas, line breaks and indents of the JSON writer (pretty or compact), and the
// fixed-precision number text it writes for reals.
#include "tuneprep/json_writer.hpp"

#include <iterator>

#include <fmt/core.h>

#include "tuneprep/schema.hpp"

namespace tuneprep {

std::string format_decimal(double value, int max_decimals) {
  std::string text = fmt::format("{:.{}f}", value, max_decimals);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.push_back('0');
  }
  if (text == "-0.0") text = "0.0";
  return text;
}

void JsonWriter::key(std::string_view name) {
  separate();
  append_json_string(out_, name);
  out_ += layout_ == JsonLayout::kPretty ? ": " : ":";
  after_key_ = true;
}

void JsonWriter::string(std::string_view text) {
  separate();
  append_json_string(out_, text);
}

void JsonWriter::number(uint64_t value) {
  separate();
  fmt::format_to(std::back_inserter(out_), "{}", value);
}

void JsonWriter::real(double value, int max_decimals) {
  separate();
  out_ += format_decimal(value, max_decimals);
}

void JsonWriter::boolean(bool value) {
  separate();
  out_ += value ? "true" : "false";
}

void JsonWriter::null() {
  separate();
  out_ += "null";
}

// Before a value or a key: nothing after a key, else a comma after an earlier element and (pretty)
// a new line at the container's depth (at the top level, nothing).
void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
    newline();
  }
}

void JsonWriter::open(char bracket) {
  separate();
  out_ += bracket;
  first_.push_back(true);
}

void JsonWriter::close(char bracket) {
  if (first_.empty()) {  // an unmatched close: write it rather than read past the stack
    out_ += bracket;
    return;
  }
  const bool empty = first_.back();
  first_.pop_back();
  if (!empty) newline();
  out_ += bracket;
}

void JsonWriter::newline() {
  if (layout_ == JsonLayout::kCompact) return;
  out_ += '\n';
  out_.append(2 * first_.size(), ' ');
}

}  // namespace tuneprep
