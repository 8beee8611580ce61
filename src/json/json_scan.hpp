// json_scan: a tiny allocation-free scanner over JSON text that is (mostly) known to be valid, used
// to find where a JSON pointer's value sits in a record and to list a record's keys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tuneprep::json_scan {

inline constexpr size_t kNpos = static_cast<size_t>(-1);

inline bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

inline size_t skip_ws(std::string_view s, size_t i) {
  while (i < s.size() && is_ws(s[i])) ++i;
  return i;
}

// `i` at the opening quote. Returns the index past the closing quote, kNpos when unterminated.
// Jumps between quotes with memchr; a quote is escaped when an odd run of backslashes precedes it.
inline size_t skip_string(std::string_view s, size_t i) {
  size_t from = i + 1;
  while (from < s.size()) {
    const void* hit = std::memchr(s.data() + from, '"', s.size() - from);
    if (hit == nullptr) return kNpos;
    const size_t q = static_cast<size_t>(static_cast<const char*>(hit) - s.data());
    size_t backslashes = 0;
    while (q - backslashes > i + 1 && s[q - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return q + 1;
    from = q + 1;
  }
  return kNpos;
}

// `i` at the first byte of a value. Returns the index past it, kNpos when the text ends first.
// Containers are skipped by counting brackets outside strings (no recursion, so any depth is safe).
inline size_t skip_value(std::string_view s, size_t i) {
  if (i >= s.size()) return kNpos;
  const char c = s[i];
  if (c == '"') return skip_string(s, i);
  if (c == '{' || c == '[') {
    size_t depth = 0;
    while (i < s.size()) {
      const char d = s[i];
      if (d == '"') {
        i = skip_string(s, i);
        if (i == kNpos) return kNpos;
        continue;
      }
      if (d == '{' || d == '[') {
        ++depth;
      } else if (d == '}' || d == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return kNpos;
  }
  if (c == '}' || c == ']' || c == ',' || c == ':') return kNpos;
  while (i < s.size() && !is_ws(s[i]) && s[i] != ',' && s[i] != '}' && s[i] != ']') ++i;
  return i;
}

inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes a JSON string body (between the quotes) one UTF-8 byte at a time.
class StringBytes {
 public:
  explicit StringBytes(std::string_view body) : body_(body) {}
  // Next decoded byte, -1 at the end, -2 on a malformed escape.
  int next() {
    if (pending_pos_ < pending_len_) return static_cast<unsigned char>(pending_[pending_pos_++]);
    if (pos_ >= body_.size()) return -1;
    const char c = body_[pos_++];
    if (c != '\\') return static_cast<unsigned char>(c);
    if (pos_ >= body_.size()) return -2;
    const char e = body_[pos_++];
    switch (e) {
      case '"': return '"';
      case '\\': return '\\';
      case '/': return '/';
      case 'b': return '\b';
      case 'f': return '\f';
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'u': break;
      default: return -2;
    }
    uint32_t cp = 0;
    if (!read_hex4(cp)) return -2;
    if (cp >= 0xD800 && cp <= 0xDBFF && pos_ + 1 < body_.size() && body_[pos_] == '\\' &&
        body_[pos_ + 1] == 'u') {
      const size_t save = pos_;
      pos_ += 2;
      uint32_t low = 0;
      if (read_hex4(low) && low >= 0xDC00 && low <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      } else {
        pos_ = save;
      }
    }
    encode(cp);
    return static_cast<unsigned char>(pending_[pending_pos_++]);
  }

 private:
  bool read_hex4(uint32_t& out) {
    if (pos_ + 4 > body_.size()) return false;
    out = 0;
    for (int k = 0; k < 4; ++k) {
      const int h = hex_value(body_[pos_ + k]);
      if (h < 0) return false;
      out = out * 16 + static_cast<uint32_t>(h);
    }
    pos_ += 4;
    return true;
  }
  void encode(uint32_t cp) {
    pending_pos_ = 0;
    if (cp < 0x80) {
      pending_[0] = static_cast<char>(cp);
      pending_len_ = 1;
    } else if (cp < 0x800) {
      pending_[0] = static_cast<char>(0xC0 | (cp >> 6));
      pending_[1] = static_cast<char>(0x80 | (cp & 0x3F));
      pending_len_ = 2;
    } else if (cp < 0x10000) {
      pending_[0] = static_cast<char>(0xE0 | (cp >> 12));
      pending_[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      pending_[2] = static_cast<char>(0x80 | (cp & 0x3F));
      pending_len_ = 3;
    } else {
      pending_[0] = static_cast<char>(0xF0 | (cp >> 18));
      pending_[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      pending_[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      pending_[3] = static_cast<char>(0x80 | (cp & 0x3F));
      pending_len_ = 4;
    }
  }

  std::string_view body_;
  size_t pos_ = 0;
  char pending_[4] = {};
  uint8_t pending_len_ = 0;
  uint8_t pending_pos_ = 0;
};

// Decodes a JSON pointer reference token (RFC 6901: "~1" is '/', "~0" is '~').
class PointerTokenBytes {
 public:
  explicit PointerTokenBytes(std::string_view token) : token_(token) {}
  int next() {
    if (pos_ >= token_.size()) return -1;
    const char c = token_[pos_++];
    if (c != '~') return static_cast<unsigned char>(c);
    if (pos_ >= token_.size()) return -2;
    const char e = token_[pos_++];
    if (e == '0') return '~';
    if (e == '1') return '/';
    return -2;
  }

 private:
  std::string_view token_;
  size_t pos_ = 0;
};

// True when the JSON string body `key` (escapes undecoded) decodes to the same bytes as `token`.
template <typename Other>
bool decoded_equals(std::string_view key, Other other) {
  StringBytes a(key);
  for (;;) {
    const int x = a.next();
    const int y = other.next();
    if (x == -2 || y == -2 || x != y) return false;
    if (x == -1) return true;
  }
}

// Walks the members of an object: construct at the '{', then call next() until it returns false.
class ObjectMembers {
 public:
  ObjectMembers(std::string_view s, size_t open) : s_(s), pos_(open + 1) {}
  bool next() {
    if (done_) return false;
    size_t i = skip_ws(s_, pos_);
    if (started_) {
      // pos_ is past the previous value: a ',' continues, a '}' ends.
      if (i < s_.size() && s_[i] == ',') {
        i = skip_ws(s_, i + 1);
      } else {
        return finish(i < s_.size() && s_[i] == '}');
      }
    } else if (i < s_.size() && s_[i] == '}') {
      return finish(true);
    }
    started_ = true;
    if (i >= s_.size() || s_[i] != '"') return finish(false);
    const size_t key_end = skip_string(s_, i);
    if (key_end == kNpos) return finish(false);
    key_ = s_.substr(i + 1, key_end - i - 2);
    i = skip_ws(s_, key_end);
    if (i >= s_.size() || s_[i] != ':') return finish(false);
    value_ = skip_ws(s_, i + 1);
    const size_t end = skip_value(s_, value_);
    if (end == kNpos) return finish(false);
    pos_ = end;
    return true;
  }
  std::string_view key() const { return key_; }  // body without quotes, escapes undecoded
  size_t value_pos() const { return value_; }
  bool failed() const { return failed_; }

 private:
  bool finish(bool clean) {
    done_ = true;
    failed_ = !clean;
    return false;
  }
  std::string_view s_;
  size_t pos_;
  std::string_view key_;
  size_t value_ = 0;
  bool started_ = false;
  bool done_ = false;
  bool failed_ = false;
};

// Walks the elements of an array: construct at the '[', then call next() until it returns false.
class ArrayElements {
 public:
  ArrayElements(std::string_view s, size_t open) : s_(s), pos_(open + 1) {}
  bool next() {
    if (done_) return false;
    size_t i = skip_ws(s_, pos_);
    if (started_) {
      if (i < s_.size() && s_[i] == ',') {
        i = skip_ws(s_, i + 1);
      } else {
        return finish(i < s_.size() && s_[i] == ']');
      }
    } else if (i < s_.size() && s_[i] == ']') {
      return finish(true);
    }
    started_ = true;
    value_ = i;
    const size_t end = skip_value(s_, i);
    if (end == kNpos) return finish(false);
    pos_ = end;
    return true;
  }
  size_t value_pos() const { return value_; }
  bool failed() const { return failed_; }

 private:
  bool finish(bool clean) {
    done_ = true;
    failed_ = !clean;
    return false;
  }
  std::string_view s_;
  size_t pos_;
  size_t value_ = 0;
  bool started_ = false;
  bool done_ = false;
  bool failed_ = false;
};

}  // namespace tuneprep::json_scan
