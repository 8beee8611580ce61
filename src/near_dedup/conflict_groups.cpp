// Same-prompt groups and their answers, for the `conflicting-answers` rule and --conflicts, and
// the exact-text prompt and answer keys of a chat example that feed them.
#include <algorithm>
#include <limits>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "tuneprep/memory.hpp"
#include "tuneprep/near_dedup.hpp"

namespace tuneprep {
namespace {

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

std::string_view trimmed(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t\r\n") + 1 - begin);
}

// One message as the key sees it: its role and the one-shot XXH3-128 of its trimmed text (its
// tool_calls JSON when it has no text content). Fixed-size entries keep message boundaries apart.
struct MessageDigest {
  uint64_t low;
  uint64_t high;
  uint64_t role;
};

MessageDigest digest_message(const Message& m) {
  const std::string_view text = trimmed(m.content ? std::string_view(*m.content) : std::string_view(m.tool_calls_json));
  const XXH128_hash_t h = XXH3_128bits(text.data(), text.size());
  return MessageDigest{h.low64, h.high64, static_cast<uint64_t>(m.role)};
}

// The XXH3-128 of the digests of messages[begin, end): one-shot calls over a stack buffer, since
// the streaming API costs more per call than hashing a short message.
XXH128_hash_t digest_messages(const std::vector<Message>& messages, size_t begin, size_t end) {
  constexpr size_t kChunk = 32;
  MessageDigest digests[kChunk];
  if (end - begin <= kChunk) {
    for (size_t i = begin; i < end; ++i) digests[i - begin] = digest_message(messages[i]);
    return XXH3_128bits(digests, (end - begin) * sizeof(MessageDigest));
  }
  XXH3_state_t state;  // a long conversation: the same bytes, streamed a chunk at a time
  XXH3_128bits_reset(&state);
  for (size_t from = begin; from < end; from += kChunk) {
    const size_t to = std::min(end, from + kChunk);
    for (size_t i = from; i < to; ++i) digests[i - from] = digest_message(messages[i]);
    XXH3_128bits_update(&state, digests, (to - from) * sizeof(MessageDigest));
  }
  return XXH3_128bits_digest(&state);
}

}  // namespace

bool conflict_keys(const Example& example, TextKey& prompt, uint64_t& answer) {
  if (example.kind != ExampleKind::kChat) return false;
  const std::vector<Message>& messages = example.messages;
  size_t split = messages.size();
  while (split > 0 && messages[split - 1].role == Role::kAssistant) --split;
  if (split == 0 || split == messages.size()) return false;
  const XXH128_hash_t p = digest_messages(messages, 0, split);
  prompt = TextKey{p.low64, p.high64};
  answer = digest_messages(messages, split, messages.size()).low64;
  return true;
}

struct ConflictGrouper::State {
  struct Prompt {
    TextKey key;
    uint64_t first_id = 0;
    uint64_t first_answer = 0;
    uint32_t repeat_head = kNone;  // first later record with this prompt, in `repeats`
    uint32_t repeat_tail = kNone;
    bool answers_differ = false;
  };
  struct Repeat {
    uint64_t id = 0;
    uint64_t answer = 0;
    uint32_t next = kNone;
  };
  static constexpr uint64_t kEmpty = 0;
  // Huge-page backed (memory.hpp): they grow with the data, one entry per record at worst.
  std::vector<Prompt, HugePageAllocator<Prompt>> prompts;  // in order of first appearance
  std::vector<Repeat, HugePageAllocator<Repeat>> repeats;  // later records of a prompt, linked per prompt
  // Open addressing -> prompts: each slot holds 32 bits of the key's hash above the prompt's
  // index + 1 (0 is an empty slot), so a probe past another prompt's slot compares the tag and
  // does not read `prompts` (a cache miss each): nearly every prompt is new, and a new one probes
  // until an empty slot.
  ZeroedArray<uint64_t> table = ZeroedArray<uint64_t>(1024);
  size_t conflicting = 0;

  static uint64_t mix(const TextKey& key) { return key.low ^ (key.high * 0x9e3779b97f4a7c15ULL); }
  size_t bucket(uint64_t h) const { return h & (table.size() - 1); }
  static uint64_t slot(uint64_t h, uint32_t index) { return (h & 0xFFFFFFFF00000000ULL) | (index + 1); }
  static uint32_t index_of(uint64_t entry) { return static_cast<uint32_t>(entry) - 1; }
  static bool tag_matches(uint64_t entry, uint64_t h) { return (entry >> 32) == (h >> 32); }

  void grow() { rehash(table.size() * 2); }
  void rehash(size_t slot_count) {
    ZeroedArray<uint64_t> old = std::move(table);
    table = ZeroedArray<uint64_t>(slot_count);
    for (uint64_t entry : old) {
      if (entry == kEmpty) continue;
      const uint64_t h = mix(prompts[index_of(entry)].key);
      size_t pos = bucket(h);
      while (table[pos] != kEmpty) pos = (pos + 1) & (table.size() - 1);
      table[pos] = entry;
    }
  }
};

ConflictGrouper::ConflictGrouper() : state_(std::make_unique<State>()) {}
ConflictGrouper::~ConflictGrouper() = default;
ConflictGrouper::ConflictGrouper(ConflictGrouper&&) noexcept = default;
ConflictGrouper& ConflictGrouper::operator=(ConflictGrouper&&) noexcept = default;

void ConflictGrouper::reserve(size_t prompts) {
  State& s = *state_;
  size_t slot_count = s.table.size();
  while (slot_count * 3 < prompts * 4) slot_count *= 2;  // add() keeps the load at 3/4 or less
  if (slot_count != s.table.size()) s.rehash(slot_count);
  s.prompts.reserve(prompts);
}

std::optional<ConflictHit> ConflictGrouper::add(uint64_t id, TextKey prompt, uint64_t answer_hash) {
  State& s = *state_;
  if ((s.prompts.size() + 1) * 4 > s.table.size() * 3) s.grow();
  const uint64_t h = State::mix(prompt);
  size_t pos = s.bucket(h);
  for (; s.table[pos] != State::kEmpty; pos = (pos + 1) & (s.table.size() - 1)) {
    if (!State::tag_matches(s.table[pos], h)) continue;
    State::Prompt& entry = s.prompts[State::index_of(s.table[pos])];
    if (!(entry.key == prompt)) continue;
    const auto repeat = static_cast<uint32_t>(s.repeats.size());
    s.repeats.push_back({id, answer_hash, kNone});
    if (entry.repeat_tail == kNone) entry.repeat_head = repeat; else s.repeats[entry.repeat_tail].next = repeat;
    entry.repeat_tail = repeat;
    const bool differs = answer_hash != entry.first_answer;
    if (differs && !entry.answers_differ) {
      entry.answers_differ = true;
      ++s.conflicting;
    }
    return ConflictHit{entry.first_id, differs};
  }
  s.table[pos] = State::slot(h, static_cast<uint32_t>(s.prompts.size()));
  s.prompts.push_back({prompt, id, answer_hash, kNone, kNone, false});
  return std::nullopt;
}

void ConflictGrouper::prefetch(TextKey prompt) const {
  const State& s = *state_;
  __builtin_prefetch(&s.table[s.bucket(State::mix(prompt))], 1);
}

std::vector<ConflictGroup> ConflictGrouper::groups() const {
  const State& s = *state_;
  std::vector<ConflictGroup> out;
  out.reserve(s.conflicting);
  std::vector<uint64_t> answers;
  for (const auto& prompt : s.prompts) {
    if (!prompt.answers_differ) continue;
    ConflictGroup group;
    group.prompt = prompt.key;
    group.ids.push_back(prompt.first_id);
    answers.assign(1, prompt.first_answer);
    for (uint32_t r = prompt.repeat_head; r != kNone; r = s.repeats[r].next) {
      group.ids.push_back(s.repeats[r].id);
      answers.push_back(s.repeats[r].answer);
    }
    std::sort(answers.begin(), answers.end());
    group.distinct_answers = static_cast<uint32_t>(std::unique(answers.begin(), answers.end()) - answers.begin());
    out.push_back(std::move(group));
  }
  return out;
}

uint64_t ConflictGrouper::memory_bytes() const {
  const State& s = *state_;
  return sizeof(State) + s.prompts.capacity() * sizeof(State::Prompt) + s.repeats.capacity() * sizeof(State::Repeat) +
         s.table.size() * sizeof(uint64_t);
}

}  // namespace tuneprep
