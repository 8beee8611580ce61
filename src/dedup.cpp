// dedup: exact content hashing (XXH3-128) and the flat first-occurrence table.
#include "tuneprep/dedup.hpp"

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

// Feeds `text` trimmed and with line ends folded to LF, without building a copy.
void update_normalized(XXH3_state_t* state, std::string_view text) {
  text = trim(text);
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r') continue;
    XXH3_128bits_update(state, text.data() + start, i - start);
    XXH3_128bits_update(state, "\n", 1);
    if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    start = i + 1;
  }
  XXH3_128bits_update(state, text.data() + start, text.size() - start);
}

void update_field(XXH3_state_t* state, std::string_view text) {
  XXH3_128bits_update(state, text.data(), text.size());
  XXH3_128bits_update(state, &kSeparator, 1);
}

void update_messages(XXH3_state_t* state, char tag, const std::vector<Message>& messages) {
  XXH3_128bits_update(state, &tag, 1);
  for (const Message& m : messages) {
    const char role = static_cast<char>('0' + static_cast<int>(m.role));
    XXH3_128bits_update(state, &role, 1);
    if (m.content) {
      update_normalized(state, *m.content);
    } else {
      XXH3_128bits_update(state, "\xfe", 1);  // absent content differs from empty content
    }
    XXH3_128bits_update(state, &kSeparator, 1);
    update_field(state, m.name);
    const std::string weight = m.weight ? std::to_string(*m.weight) : std::string();
    update_field(state, weight);
    update_field(state, m.tool_calls_json);
    update_field(state, m.function_call_json);
    update_field(state, m.tool_call_id);
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
  XXH3_state_t state;
  XXH3_128bits_reset(&state);
  const char kind = example.kind == ExampleKind::kChat ? 'c' : 'p';
  XXH3_128bits_update(&state, &kind, 1);
  update_messages(&state, 'm', example.messages);
  if (example.kind == ExampleKind::kPreference) {
    update_messages(&state, '+', example.preferred);
    update_messages(&state, '-', example.non_preferred);
  }
  update_field(&state, example.tools_json);
  update_field(&state, example.functions_json);
  const XXH128_hash_t h = XXH3_128bits_digest(&state);
  return Hash128{h.low64, h.high64};
}

ExactDeduplicator::ExactDeduplicator() : slots_(1024) {}

std::optional<SourceLocation> ExactDeduplicator::insert(const Hash128& raw_hash, const SourceLocation& source) {
  Hash128 hash = raw_hash;
  if (hash.low == 0 && hash.high == 0) hash.low = 1;
  if ((size_ + 1) * 2 > slots_.size()) grow();
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash.low & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.hash.low == 0 && slot.hash.high == 0) {
      slot.hash = hash;
      slot.line = source.line;
      slot.file_index = source.file_index;
      slot.column = source.column;
      ++size_;
      return std::nullopt;
    }
    if (slot.hash == hash) {
      SourceLocation first;
      first.file_index = slot.file_index;
      first.line = slot.line;
      first.column = slot.column;
      return first;
    }
  }
}

void ExactDeduplicator::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.size() * 2, Slot{});
  const size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.hash.low == 0 && slot.hash.high == 0) continue;
    size_t i = slot.hash.low & mask;
    while (slots_[i].hash.low != 0 || slots_[i].hash.high != 0) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

}  // namespace tuneprep
