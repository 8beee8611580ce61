// json_writer: a streaming writer of JSON documents (keys in the order written): pretty-printed
// with a two-space indent (the SARIF log, the stats report) or compact on one line (JSON Lines
// such as `tokens --chat`), so every JSON output lays out and escapes alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tuneprep {

// Fixed-point text of `value` with at most `max_decimals` decimals: trailing zeros are dropped
// but one decimal stays, so a real still reads as one; negative zero prints as zero.
// (0.1250, 4) -> "0.125"; (2.0, 2) -> "2.0"; (-0.00001, 2) -> "0.0"; (7.0, 0) -> "7".
// Output is byte-stable across runs and machines, unlike shortest round-trip formatting.
std::string format_decimal(double value, int max_decimals);

// How JsonWriter lays out a document.
enum class JsonLayout : uint8_t {
  kPretty,   // each element of a non-empty container on its own line, two spaces per level; "key": value
  kCompact,  // no white space at all: {"key":value,"list":[1,2]} (one JSON Lines record)
};

// Callers emit keys and values in document order; the writer places the commas, line breaks and
// indents. Pretty (the default): each element of a non-empty container goes on its own line,
// indented two spaces per open container; a key is followed by ": " and its value on the same
// line. Compact: no line break or space anywhere. Either way an empty container is written as {}
// or [] and strings are escaped by append_json_string. The writer does not check that calls nest
// (a value after a value inside an object, say): that is the caller's part. Appends to `out`,
// which must outlive the writer; the caller adds the line end of a JSON Lines record.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out, JsonLayout layout = JsonLayout::kPretty) : out_(out), layout_(layout) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  void key(std::string_view name);
  void string(std::string_view text);
  void number(uint64_t value);
  void real(double value, int max_decimals);  // as format_decimal
  void boolean(bool value);
  void null();

  template <class T>
  void optional_number(const std::optional<T>& value) {
    if (value) {
      number(*value);
    } else {
      null();
    }
  }
  void optional_string(const std::optional<std::string>& value) {
    if (value) {
      string(*value);
    } else {
      null();
    }
  }

  // Shorthands for "key": value.
  void field(std::string_view name, uint64_t value) { key(name), number(value); }
  void field(std::string_view name, std::string_view value) { key(name), string(value); }
  void field_real(std::string_view name, double value, int max_decimals) { key(name), real(value, max_decimals); }

  // "name": { body() }.
  template <class Body>
  void object(std::string_view name, Body&& body) {
    key(name);
    begin_object();
    body();
    end_object();
  }

 private:
  void separate();
  void open(char bracket);
  void close(char bracket);
  void newline();

  std::string& out_;
  JsonLayout layout_;
  std::vector<bool> first_;  // per open container: no element written in it yet
  bool after_key_ = false;   // the next value completes a "key": pair
};

}  // namespace tuneprep
