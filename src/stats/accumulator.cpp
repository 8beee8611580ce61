// stats accumulator: folds RecordFacts into counts and kept values; merging appends in input order.
#include <algorithm>
#include <limits>

#include "tuneprep/stats.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace tuneprep {
namespace {

constexpr size_t kUnrecognisedFormat = 15;

uint32_t saturate32(uint64_t value) {
  return static_cast<uint32_t>(std::min<uint64_t>(value, std::numeric_limits<uint32_t>::max()));
}

// Counts `key` once, remembering the ordinal of the record that first had it.
void bump(std::unordered_map<std::string, StatsAccumulator::Counter>& map, const std::string& key,
          uint64_t ordinal, uint64_t by = 1) {
  auto [it, inserted] = map.try_emplace(key);
  if (inserted) it->second.first_seen = ordinal;
  it->second.count += by;
}

void merge_counters(std::unordered_map<std::string, StatsAccumulator::Counter>& into,
                    const std::unordered_map<std::string, StatsAccumulator::Counter>& from, uint64_t offset) {
  for (const auto& [key, counter] : from) {
    auto [it, inserted] = into.try_emplace(key);
    // The other side's records come after ours: ours was seen first if we have it at all.
    if (inserted) it->second.first_seen = counter.first_seen + offset;
    it->second.count += counter.count;
  }
}

template <class Map>
void merge_counts(Map& into, const Map& from) {
  for (const auto& [key, count] : from) into[key] += count;
}

template <class T>
void append(std::vector<T>& into, const std::vector<T>& from) {
  into.insert(into.end(), from.begin(), from.end());
}

}  // namespace

uint64_t opening_hash(std::string_view opening) { return XXH3_64bits(opening.data(), opening.size()); }

void ValueCounts::merge(const ValueCounts& other) {
  if (dense_.size() < other.dense_.size()) dense_.resize(other.dense_.size());
  for (size_t v = 0; v < other.dense_.size(); ++v) dense_[v] += other.dense_[v];
  for (const auto& [value, count] : other.sparse_) sparse_[value] += count;
}

std::vector<std::pair<uint32_t, uint64_t>> ValueCounts::sorted() const {
  std::vector<std::pair<uint32_t, uint64_t>> out;
  for (size_t v = 0; v < dense_.size(); ++v) {
    if (dense_[v] > 0) out.emplace_back(static_cast<uint32_t>(v), dense_[v]);
  }
  const size_t dense_end = out.size();
  for (const auto& [value, count] : sparse_) out.emplace_back(value, count);
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(dense_end), out.end());
  return out;
}

void StatsAccumulator::add_opening(uint64_t hash, const std::string& text, uint64_t ordinal, uint64_t count) {
  bool inserted = false;
  uint32_t& index = opening_index_.find_or_insert(Hash128{hash, 0}, inserted);
  if (inserted) {
    index = static_cast<uint32_t>(openings_.size());
    openings_.push_back(Opening{text, ordinal});
    opening_counts_.push_back(0);
  }
  opening_counts_[index] += count;
}

void StatsAccumulator::add(const RecordFacts& facts) {
  const uint64_t ordinal = records_++;
  if (facts.file_index >= files_.size()) files_.resize(facts.file_index + 1);
  PerFile& file = files_[facts.file_index];
  ++file.records;
  const size_t format_slot = facts.format ? static_cast<size_t>(*facts.format) : kUnrecognisedFormat;
  ++formats_[std::min(format_slot, kUnrecognisedFormat)];
  for (const std::string& rule : facts.warning_rules) bump(warning_rules_, rule, ordinal);
  if (facts.rejected) {
    ++rejected_;
    ++file.rejected;
    for (const std::string& rule : facts.reject_rules) bump(reject_rules_, rule, ordinal);
    return;
  }
  ++valid_;
  ++file.valid;
  if (facts.conflict) ++conflicts_;
  if (facts.duplicate == DuplicateKind::kExact) ++exact_duplicates_;
  if (facts.duplicate == DuplicateKind::kNear) ++near_duplicates_;
  if (facts.duplicate != DuplicateKind::kNone) return;

  // A measured example: accepted and not a duplicate, i.e. what would be trained on.
  ++examples_;
  messages_per_example_.add(saturate32(facts.messages.size()));
  turns_per_example_.add(facts.turns);
  std::array<bool, 4> has_role{};
  for (const MessageFacts& m : facts.messages) {
    const auto role = static_cast<size_t>(m.role) & 3;
    ++role_messages_[role];
    has_role[role] = true;
    chars_by_role_[role].add(m.chars);
  }
  for (size_t r = 0; r < has_role.size(); ++r) role_examples_[r] += has_role[r];

  if (facts.has_system_prompt) {
    ++with_system_prompt_;
    auto [it, inserted] = system_prompts_.try_emplace(facts.system_prompt_hash);
    if (inserted) {
      it->second.first_seen = ordinal;
      it->second.text = facts.system_prompt_head;
      it->second.chars = facts.system_prompt_chars;
    }
    ++it->second.count;
  }

  if (facts.validation) ++validation_examples_;
  if (facts.tokens) {
    ++with_tokens_;
    if (facts.validation) validation_tokens_total_.push_back(saturate32(facts.tokens->total));
    tokens_total_.push_back(saturate32(facts.tokens->total));
    tokens_prompt_.push_back(saturate32(facts.tokens->prompt));
    tokens_assistant_.push_back(saturate32(facts.tokens->assistant));
    tokens_estimated_ += facts.tokens->estimated;
  }

  answers_ += facts.answers;
  empty_answers_ += facts.empty_answers;
  short_answers_ += facts.short_answers;
  refusals_ += facts.refusals;
  examples_with_refusal_ += facts.refusals > 0;
  examples_with_empty_answer_ += facts.empty_answers > 0;
  const bool hashed = facts.answer_opening_hashes.size() == facts.answer_openings.size();
  for (size_t i = 0; i < facts.answer_openings.size(); ++i) {
    const std::string& opening = facts.answer_openings[i];
    add_opening(hashed ? facts.answer_opening_hashes[i] : opening_hash(opening), opening, ordinal, 1);
  }
  for (const ScriptChars& s : facts.scripts) {
    bump(script_examples_, s.script, ordinal);
    script_chars_[s.script] += s.chars;
  }
}

void StatsAccumulator::merge(const StatsAccumulator& later) {
  const uint64_t offset = records_;
  records_ += later.records_;
  valid_ += later.valid_;
  rejected_ += later.rejected_;
  examples_ += later.examples_;
  validation_examples_ += later.validation_examples_;
  append(validation_tokens_total_, later.validation_tokens_total_);
  exact_duplicates_ += later.exact_duplicates_;
  near_duplicates_ += later.near_duplicates_;
  conflicts_ += later.conflicts_;
  if (files_.size() < later.files_.size()) files_.resize(later.files_.size());
  for (size_t i = 0; i < later.files_.size(); ++i) {
    files_[i].records += later.files_[i].records;
    files_[i].valid += later.files_[i].valid;
    files_[i].rejected += later.files_[i].rejected;
  }
  for (size_t i = 0; i < formats_.size(); ++i) formats_[i] += later.formats_[i];
  merge_counters(reject_rules_, later.reject_rules_, offset);
  merge_counters(warning_rules_, later.warning_rules_, offset);
  messages_per_example_.merge(later.messages_per_example_);
  turns_per_example_.merge(later.turns_per_example_);
  for (size_t r = 0; r < 4; ++r) {
    role_messages_[r] += later.role_messages_[r];
    role_examples_[r] += later.role_examples_[r];
    chars_by_role_[r].merge(later.chars_by_role_[r]);
  }
  with_system_prompt_ += later.with_system_prompt_;
  for (const auto& [hash, prompt] : later.system_prompts_) {
    auto [it, inserted] = system_prompts_.try_emplace(hash, prompt);
    if (inserted) {
      it->second.first_seen += offset;
    } else {
      it->second.count += prompt.count;
    }
  }
  with_tokens_ += later.with_tokens_;
  append(tokens_total_, later.tokens_total_);
  append(tokens_prompt_, later.tokens_prompt_);
  append(tokens_assistant_, later.tokens_assistant_);
  tokens_estimated_ += later.tokens_estimated_;
  answers_ += later.answers_;
  empty_answers_ += later.empty_answers_;
  short_answers_ += later.short_answers_;
  refusals_ += later.refusals_;
  examples_with_refusal_ += later.examples_with_refusal_;
  examples_with_empty_answer_ += later.examples_with_empty_answer_;
  for (size_t i = 0; i < later.openings_.size(); ++i) {
    const Opening& opening = later.openings_[i];
    add_opening(opening_hash(opening.text), opening.text, opening.first_seen + offset, later.opening_counts_[i]);
  }
  merge_counters(script_examples_, later.script_examples_, offset);
  merge_counts(script_chars_, later.script_chars_);
}

}  // namespace tuneprep
