#include "json/json_numbers.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "json/json_scan.hpp"

namespace tuneprep {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_number_char(char c) { return is_digit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'; }

// RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view t, bool& integral) {
  size_t i = 0;
  if (i < t.size() && t[i] == '-') ++i;
  if (i >= t.size() || !is_digit(t[i])) return false;
  if (t[i] == '0') {
    ++i;
  } else {
    while (i < t.size() && is_digit(t[i])) ++i;
  }
  integral = true;
  if (i < t.size() && t[i] == '.') {
    integral = false;
    if (++i >= t.size() || !is_digit(t[i])) return false;
    while (i < t.size() && is_digit(t[i])) ++i;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    integral = false;
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (i >= t.size() || !is_digit(t[i])) return false;
    while (i < t.size() && is_digit(t[i])) ++i;
  }
  return i == t.size();
}

// Whether an integer literal lies outside int64 (negative) or uint64 (positive), as simdjson reads them.
bool integer_out_of_range(std::string_view t) {
  const bool negative = t.front() == '-';
  std::string_view digits = negative ? t.substr(1) : t;
  const std::string_view limit = negative ? "9223372036854775808" : "18446744073709551615";
  if (digits.size() != limit.size()) return digits.size() > limit.size();
  return digits > limit;
}

bool float_out_of_range(std::string_view t) {
  const std::string copy(t);
  errno = 0;
  const double value = std::strtod(copy.c_str(), nullptr);
  return std::isinf(value);
}

// ±1e308 spelled in exactly `length` bytes by padding the exponent with zeros (valid JSON).
void write_clamped(std::string& out, size_t at, size_t length, bool negative) {
  std::string clamped = negative ? "-1e" : "1e";
  const size_t fill = length - clamped.size() - 3;  // every out-of-range literal is >= 5 (6) bytes
  clamped.append(fill, '0');
  clamped += "308";
  out.replace(at, length, clamped);
}

}  // namespace

NumberRepair repair_out_of_range_numbers(std::string_view json) {
  NumberRepair result;
  size_t i = 0;
  while (i < json.size()) {
    const char c = json[i];
    if (c == '"') {
      i = json_scan::skip_string(json, i);
      if (i == json_scan::kNpos) break;
      continue;
    }
    if (!is_digit(c) && c != '-' && c != '+' && c != '.') {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < json.size() && is_number_char(json[end])) ++end;
    const std::string_view token = json.substr(i, end - i);
    bool integral = false;
    if (!is_json_number(token, integral)) {
      result.malformed_at = i;
      return result;
    }
    const bool out_of_range = integral ? integer_out_of_range(token) : float_out_of_range(token);
    if (out_of_range && token.size() >= (token.front() == '-' ? 6u : 5u)) {
      if (result.repaired.empty()) result.repaired.assign(json);
      write_clamped(result.repaired, i, token.size(), token.front() == '-');
      ++result.clamped;
    }
    i = end;
  }
  return result;
}

std::string_view number_literal_at(std::string_view json, size_t offset) {
  size_t end = offset;
  while (end < json.size() && is_number_char(json[end])) ++end;
  return json.substr(offset, end - offset);
}

bool literal_is_nonzero(std::string_view literal) {
  for (char c : literal) {
    if (c == 'e' || c == 'E') break;
    if (c >= '1' && c <= '9') return true;
  }
  return false;
}

}  // namespace tuneprep
