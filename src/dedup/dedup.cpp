// dedup: exact content hashing (XXH3-128) and the flat first-occurrence table.
#include "tuneprep/dedup.hpp"

#include <charconv>
#include <cstring>
#include <string>
#include <string_view>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace tuneprep {
namespace {

// Field separator for the hash stream. 0xFF never occurs in valid UTF-8, so no content can
// imitate a boundary between two fields.
constexpr char kSeparator = '\xff';

bool is_trim_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view text) {
  size_t begin = 0, end = text.size();
  while (begin < end && is_trim_space(text[begin])) ++begin;
  while (end > begin && is_trim_space(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

// The XXH3-128 stream of an example. Most fields are a few bytes (a role, a separator, an empty
// name): they are gathered in a small buffer and fed in one update, since XXH3's streaming call
// costs more than hashing a few bytes. The digest depends only on the bytes fed, not on how they
// were split, so buffering leaves every hash unchanged.
class HashStream {
 public:
  HashStream() { XXH3_128bits_reset(&state_); }
  void add(const char* data, size_t size) {
    if (size > sizeof(buffer_) / 2) {
      flush();
      XXH3_128bits_update(&state_, data, size);
      return;
    }
    if (used_ + size > sizeof(buffer_)) flush();
    std::memcpy(buffer_ + used_, data, size);
    used_ += size;
  }
  void add(std::string_view text) { add(text.data(), text.size()); }
  void add(char c) {  // most fields are a byte or two: no memcpy call for those
    if (used_ == sizeof(buffer_)) flush();
    buffer_[used_++] = c;
  }
  Hash128 digest() {
    flush();
    const XXH128_hash_t h = XXH3_128bits_digest(&state_);
    return Hash128{h.low64, h.high64};
  }

 private:
  void flush() {
    if (used_ == 0) return;
    XXH3_128bits_update(&state_, buffer_, used_);
    used_ = 0;
  }
  XXH3_state_t state_;
  char buffer_[512];
  size_t used_ = 0;
};

// Feeds `text` trimmed and with line ends folded to LF, without building a copy.
void update_normalized(HashStream& stream, std::string_view text) {
  text = trim(text);
  size_t start = 0;
  for (size_t cr = text.find('\r'); cr != std::string_view::npos; cr = text.find('\r', start)) {
    stream.add(text.substr(start, cr - start));
    stream.add('\n');
    start = cr + 1;
    if (start < text.size() && text[start] == '\n') ++start;
  }
  stream.add(text.substr(start));
}

void update_field(HashStream& stream, std::string_view text) {
  if (!text.empty()) stream.add(text);  // most optional fields are empty
  stream.add(kSeparator);
}

void update_messages(HashStream& stream, char tag, const std::vector<Message>& messages) {
  stream.add(tag);
  for (const Message& m : messages) {
    stream.add(static_cast<char>('0' + static_cast<int>(m.role)));
    if (m.content) {
      update_normalized(stream, *m.content);
    } else {
      stream.add('\xfe');  // absent content differs from empty content
    }
    stream.add(kSeparator);
    update_field(stream, m.name);
    char weight[24];
    const size_t weight_size =
        m.weight ? static_cast<size_t>(std::to_chars(weight, weight + sizeof(weight), *m.weight).ptr - weight) : 0;
    update_field(stream, std::string_view(weight, weight_size));
    update_field(stream, m.tool_calls_json);
    update_field(stream, m.function_call_json);
    update_field(stream, m.tool_call_id);
  }
}

}  // namespace

std::string normalize_for_hash(std::string_view text) {
  text = trim(text);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

Hash128 example_hash(const Example& example) {
  HashStream stream;
  stream.add(example.kind == ExampleKind::kChat ? 'c' : 'p');
  update_messages(stream, 'm', example.messages);
  if (example.kind == ExampleKind::kPreference) {
    update_messages(stream, '+', example.preferred);
    update_messages(stream, '-', example.non_preferred);
  }
  update_field(stream, example.tools_json);
  update_field(stream, example.functions_json);
  return stream.digest();
}

std::optional<SourceLocation> ExactDeduplicator::insert(const Hash128& hash, const SourceLocation& source) {
  bool inserted = false;
  FirstSeen& first = table_.find_or_insert(hash, inserted);
  if (inserted) {
    first = FirstSeen{source.line & kLineMask, source.file_index, source.column};
    return std::nullopt;
  }
  SourceLocation location;
  location.file_index = first.file_index;
  location.line = first.line_and_sides & kLineMask;
  location.column = first.column;
  return location;
}

std::optional<uint8_t> ExactDeduplicator::add_side(const Hash128& hash, uint8_t side_bit) {
  FirstSeen* first = table_.find(hash);
  if (first == nullptr) return std::nullopt;
  const auto before = static_cast<uint8_t>(first->line_and_sides >> kSidesShift);
  first->line_and_sides |= static_cast<uint64_t>(side_bit & 3) << kSidesShift;
  return before;
}

}  // namespace tuneprep
