// record_tokens: what `tokens --chat` reports about one record (its chat token counts, or why it
// could not be read) as one JSON Lines object. The per-record step of the tokens driver, kept on
// its own so it can later share the per-record analysis of the other commands.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tuneprep/models.hpp"
#include "tuneprep/record.hpp"
#include "tuneprep/schema.hpp"
#include "tuneprep/tokenizer.hpp"

namespace tuneprep {

// Read-only settings, shared by every worker.
struct RecordTokensOptions {
  const Encoding* encoding = nullptr;  // required
  const ModelInfo* model = nullptr;    // when set, "over_limit" against its max_example_tokens
};

// What record_tokens found, besides the line it wrote.
struct RecordTokens {
  bool readable = false;  // normalized into an example without errors
  uint64_t total = 0;     // the example's tokens (for a preference pair, prompt + preferred answer)
};

// Normalizes `record` with `normalizer` (one per thread), counts its tokens (count_chat_tokens,
// or count_preference_tokens for a preference pair) and appends one compact JSON object and '\n'
// to `out`, keys in this order:
//   {"path":..,"line":N,"total":N,"prompt":N,"assistant":N,"estimated":N,"over_limit":B}
// A preference pair describes the prompt with the preferred answer and adds
// "non_preferred_total" and "non_preferred_assistant" before "over_limit", which then compares
// the longer of the two. A record that cannot be read as a chat example (framing error, unknown
// shape, structural error) gives {"path":..,"line":N,"error":"RULE: message"} with its first
// error. "path" is written only when `path` is not empty; "over_limit" only with a model.
RecordTokens record_tokens(const Record& record, std::string_view path, Normalizer& normalizer,
                           const RecordTokensOptions& options, std::string& out);

}  // namespace tuneprep
