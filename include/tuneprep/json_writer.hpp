// json_writer: a streaming writer of JSON documents, pretty-printed (two-space indent) or compact
// (one line, for JSON Lines), keys in the order written: the one writer behind the SARIF log, the
// stats report, prepare's manifest, rejected and duplicates lines, and the --json summaries.
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

// Appends `text` as a JSON string literal (with quotes, escaped) to `out`.
void append_json_string(std::string& out, std::string_view text);

// Callers emit keys and values in document order; the writer places the commas, line breaks and
// indents. Each element of a non-empty container goes on its own line, indented two spaces per
// open container; a key is followed by ": " and its value on the same line; an empty container
// is written as {} or []. Strings are escaped by append_json_string. The writer does not check
// that calls nest (a value after a value inside an object, say): that is the caller's part.
// Appends to `out`, which must outlive the writer.
// Compact layout: no line breaks or indents, and ":" without a space (a JSON Lines record).
enum class JsonLayout : uint8_t { kPretty, kCompact };

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out, JsonLayout layout = JsonLayout::kPretty)
      : out_(out), compact_(layout == JsonLayout::kCompact) {}

  void begin_object() { open('{', false); }
  void end_object() { close('}'); }
  void begin_array() { open('[', false); }
  void end_array() { close(']'); }
  // A container written on one line ({"a": 1, "b": 2}), with everything nested in it: for small
  // records inside a pretty document, such as the manifest's inputs.
  void begin_object_one_line() { open('{', true); }
  void begin_array_one_line() { open('[', true); }

  void key(std::string_view name);
  void string(std::string_view text);
  void number(uint64_t value);
  void real(double value, int max_decimals);  // as format_decimal
  void boolean(bool value);
  void null();
  // A value that is already JSON text (e.g. a record's own bytes known to be valid JSON).
  void raw(std::string_view json);

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
  void field(std::string_view name, const char* value) { key(name), string(value); }
  void field_bool(std::string_view name, bool value) { key(name), boolean(value); }
  void field_real(std::string_view name, double value, int max_decimals) { key(name), real(value, max_decimals); }

  // "name": { body() }.
  template <class Body>
  void object(std::string_view name, Body&& body) {
    key(name);
    begin_object();
    body();
    end_object();
  }
  // "name": { body() } on one line.
  template <class Body>
  void object_one_line(std::string_view name, Body&& body) {
    key(name);
    begin_object_one_line();
    body();
    end_object();
  }

 private:
  void separate();
  void open(char bracket, bool one_line);
  void close(char bracket);
  void newline();

  std::string& out_;
  bool compact_ = false;
  std::vector<bool> first_;  // per open container: no element written in it yet
  std::vector<bool> one_line_;  // per open container: written on one line
  bool after_key_ = false;   // the next value completes a "key": pair
};

}  // namespace tuneprep
