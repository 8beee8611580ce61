// models: the fine-tunable OpenAI models, their tokenizer encoding and per-example token limit.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "tuneprep/tokenizer.hpp"

namespace tuneprep {

struct ModelInfo {
  std::string_view name;        // e.g. "gpt-4o-mini-2024-07-18"
  std::string_view snapshot;    // for an alias, the dated snapshot fine-tuning uses; else == name
  EncodingId encoding;
  uint32_t max_example_tokens;  // maximum tokens in one training example (training context)
  std::string_view source;      // where the limit comes from (docs/tokens.md has the details)
};

// Every model, aliases first within each family, in the order `tuneprep models` prints them.
std::span<const ModelInfo> all_models();

struct ModelMatch {
  const ModelInfo* model = nullptr;
  bool exact = false;  // false: matched by the longest table name that prefixes the query
};

// Looks `name` up: exact name first, then the longest model name that is a prefix of it (so
// "gpt-4o-2024-11-20" falls back to "gpt-4o"). A fine-tuned model id "ft:<base>:<org>:..." is
// looked up by <base>. Returns nullopt when nothing matches.
std::optional<ModelMatch> find_model(std::string_view name);

}  // namespace tuneprep
