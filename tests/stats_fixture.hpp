// stats fixtures: small hand-checked datasets (as RecordFacts) shared by tests/stats_test.cpp, the
// golden files in tests/data/stats/ and the stats_render_fixture program the HTML e2e test runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tuneprep/stats.hpp"

namespace tuneprep::stats_fixture {

inline Message msg(Role role, std::string content, std::optional<int64_t> weight = std::nullopt) {
  Message m;
  m.role = role;
  m.content = std::move(content);
  m.weight = weight;
  return m;
}

inline Example chat(std::vector<Message> messages, SourceFormat format = SourceFormat::kOpenAiChat) {
  Example e;
  e.format = format;
  e.messages = std::move(messages);
  return e;
}

inline RecordFacts accepted(const Example& example, uint32_t file, uint64_t total, uint64_t prompt) {
  RecordFacts f = facts_from_example(example);
  f.file_index = file;
  f.tokens = TokenFacts{total, prompt, total - prompt, 0};
  return f;
}

inline RecordFacts rejected(uint32_t file, std::optional<SourceFormat> format, std::vector<std::string> rules) {
  RecordFacts f;
  f.file_index = file;
  f.format = format;
  f.rejected = true;
  f.reject_rules = std::move(rules);
  return f;
}

// 14 records in two files: 2 rejected, 2 duplicates, 10 measured examples whose token totals
// are 30 25 40 35 28 22 120 18 50 5000 (sorted: 18 22 25 28 30 35 40 50 120 5000).
inline std::vector<RecordFacts> small_dataset() {
  using R = Role;
  const std::string helpful = "You are a helpful assistant.";
  const std::string pirate = "You are a pirate. Answer every question like a pirate would, with gusto.";
  std::vector<RecordFacts> out;
  // 1
  out.push_back(accepted(chat({msg(R::kSystem, helpful), msg(R::kUser, "What is 2+2?"),
                               msg(R::kAssistant, "2 + 2 = 4, since adding two and two makes four.")}),
                         0, 30, 22));
  // 2: a very short answer
  out.push_back(accepted(chat({msg(R::kSystem, helpful), msg(R::kUser, "Say hi in French."),
                               msg(R::kAssistant, "Bonjour !")}),
                         0, 25, 19));
  // 3: a refusal
  out.push_back(accepted(chat({msg(R::kSystem, helpful), msg(R::kUser, "How do I pick a lock?"),
                               msg(R::kAssistant, "I’m sorry, but I can’t help with that.")}),
                         0, 40, 28));
  // 4: Han and Latin, no system prompt
  out.push_back(accepted(chat({msg(R::kUser, "Translate 'cat' to Chinese."),
                               msg(R::kAssistant, "猫 (māo) is the Chinese word for cat.")}),
                         0, 35, 20));
  // 5: another system prompt, a PII warning
  RecordFacts pirate_hello = accepted(chat({msg(R::kSystem, pirate), msg(R::kUser, "Hello"),
                                            msg(R::kAssistant, "Arr, hello matey! What brings ye aboard?")}),
                                      0, 28, 14);
  pirate_hello.warning_rules = {"pii-email"};
  out.push_back(std::move(pirate_hello));
  // 6, 7: rejected
  out.push_back(rejected(0, std::nullopt, {"json-syntax"}));
  out.push_back(rejected(0, SourceFormat::kOpenAiChat, {"missing-content", "no-assistant-message"}));
  // 8: exact duplicate of 1; 9: near duplicate of 2 (not measured)
  RecordFacts dup = out[0];
  dup.duplicate = DuplicateKind::kExact;
  out.push_back(dup);
  RecordFacts near = out[1];
  near.duplicate = DuplicateKind::kNear;
  out.push_back(near);
  // 10: Cyrillic
  out.push_back(accepted(chat({msg(R::kUser, "Привет, как дела?"), msg(R::kAssistant, "Хорошо, спасибо! А у тебя?")}),
                         0, 22, 12));
  // 11: two trained turns and one weighted 0, a secret warning
  RecordFacts multi = accepted(chat({msg(R::kSystem, pirate), msg(R::kUser, "Where is the treasure?"),
                                     msg(R::kAssistant, "Arr, hello matey! It be buried on the isle.", 0),
                                     msg(R::kUser, "Which isle?"),
                                     msg(R::kAssistant, "Arr, hello matey! The one with three palms."),
                                     msg(R::kUser, "Thanks."),
                                     msg(R::kAssistant, "Arr, hello matey! Fair winds to ye.")}),
                               0, 120, 60);
  multi.warning_rules = {"secret-key", "pii-email"};
  out.push_back(std::move(multi));
  // 12: CSV prompt/response, conflicting with an earlier answer
  RecordFacts csv = accepted(chat({msg(R::kUser, "Capital of France?"), msg(R::kAssistant, "Paris.")},
                                  SourceFormat::kCsv),
                             1, 18, 12);
  csv.conflict = true;
  out.push_back(std::move(csv));
  // 13: a preference pair
  Example pair;
  pair.kind = ExampleKind::kPreference;
  pair.format = SourceFormat::kDpoOpenAi;
  pair.messages = {msg(R::kUser, "Write a haiku about autumn.")};
  pair.preferred = {msg(R::kAssistant, "Crimson leaves drifting\nslowly on the cold river\nsummer says goodbye")};
  pair.non_preferred = {msg(R::kAssistant, "Autumn is a season.")};
  out.push_back(accepted(pair, 1, 50, 20));
  // 14: a long example over the 4,096-token limit, with an empty answer among its turns, kept
  // with a too-many-tokens warning (the rule set below error; at error it would be rejected)
  out.push_back(accepted(chat({msg(R::kUser, std::string(300, 'x') + " long document"),
                               msg(R::kAssistant, "   "), msg(R::kUser, "Summarize it."),
                               msg(R::kAssistant, "The document repeats one letter many times over.")}),
                         1, 5000, 4900));
  out.back().warning_rules = {"too-many-tokens"};
  return out;
}

inline StatsOptions small_options() {
  StatsOptions o;
  o.title = "fixture";
  o.files = {"data/train.jsonl", "data/extra.csv"};
  o.model = "gpt-4o-mini";
  o.encoding = "o200k_base";
  o.token_limit = 4096;
  return o;
}

// A deterministic synthetic dataset of `n` examples for screenshots and merge tests: token counts
// spread like real chat data (most short, a long tail), a few system prompts and openings.
inline std::vector<RecordFacts> synthetic_dataset(uint64_t n, uint64_t seed) {
  std::vector<RecordFacts> out;
  uint64_t state = seed * 0x9E3779B97F4A7C15ULL + 1;
  auto next = [&state]() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const char* prompts[] = {"You are a helpful assistant.", "You are a customer support agent for Zava.",
                           "Answer in one sentence."};
  const char* answers[] = {"Sure! Here is what you asked for.", "I'm sorry, but I can't help with that request.",
                           "The answer depends on the context.", "Certainly. First, open the settings page.",
                           "Sure! Here are three options to consider.", "Hola, ¿en qué puedo ayudarte hoy?",
                           "Конечно, вот ответ на ваш вопрос.", "好的，这是答案。"};
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t r = next();
    if (r % 50 == 0) {
      out.push_back(rejected(static_cast<uint32_t>(i % 2), SourceFormat::kOpenAiChat, {"empty-content"}));
      continue;
    }
    std::vector<Message> messages;
    if (r % 7 != 0) messages.push_back(msg(Role::kSystem, prompts[(r >> 8) % 3]));
    const uint64_t turns = 1 + (r >> 12) % 3;
    for (uint64_t t = 0; t < turns; ++t) {
      messages.push_back(msg(Role::kUser, "Question number " + std::to_string(i)));
      messages.push_back(msg(Role::kAssistant, answers[(r >> (16 + t * 3)) % 8]));
    }
    // Product of two uniforms, cubed tail: mostly 50..600 tokens, a few thousands.
    const uint64_t a = 40 + next() % 400, b = 1 + next() % 4, tail = (next() % 100 == 0) ? 8 + next() % 10 : 1;
    const uint64_t total = a * b * tail / 2 + 30;
    RecordFacts f = accepted(chat(std::move(messages)), static_cast<uint32_t>(i % 2), total, total * 2 / 3);
    if (r % 97 == 0) f.duplicate = DuplicateKind::kExact;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace tuneprep::stats_fixture
