// tokens_run: the `tokens` driver. Text modes tokenize each input's bytes (whole, or line by line)
// in chunks, in parallel, and write the results in input order; chat mode reads records with the
// shared readers (record_stream) and writes each record's chat tokens (record_tokens).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tuneprep/analysis.hpp"
#include "tuneprep/io.hpp"
#include "tuneprep/readers.hpp"
#include "tuneprep/schema.hpp"
#include "tuneprep/tokenizer.hpp"

namespace tuneprep {

// Read-only settings, shared by every worker.
struct RecordTokensOptions {
  const Encoding* encoding = nullptr;  // required
  uint64_t limit = 0;                  // when not 0 (a model was given), "over_limit" against it
};

// What record_tokens found, besides the line it wrote.
struct RecordTokens {
  bool readable = false;  // normalized into an example without errors
  uint64_t total = 0;     // the example's tokens (for a preference pair, prompt + preferred answer)
};

// Analyses `record` with the shared record analysis (`analyzer`, set up by tokens_analysis(); so
// a record tokens cannot read is one that prepare rejects), counts its tokens with the chat
// accounting (count_chat_tokens, or count_preference_tokens for a preference pair) and appends one
// compact JSON object and '\n' to `out`, keys in this order:
//   {"path":..,"line":N,"total":N,"prompt":N,"assistant":N,"estimated":N,"over_limit":B}
// A preference pair describes the prompt with the preferred answer and adds
// "non_preferred_total" and "non_preferred_assistant" before "over_limit", which then compares
// the longer of the two. A record that cannot be read as a chat example (framing error, unknown
// shape, an error of any rule) gives {"path":..,"line":N,"error":"RULE: message"} with its first
// error. "path" is written only when `path` is not empty; "over_limit" only with a limit.
// `analysis` is scratch reused from record to record.
RecordTokens record_tokens(const Record& record, std::string_view path, const RecordAnalyzer& analyzer,
                           RecordAnalysis& analysis, const RecordTokensOptions& options, std::string& out);

// The analysis tokens --chat runs: the rules at error severity, nothing it does not print.
AnalysisOptions tokens_analysis(const NormalizeOptions& normalize);



enum class TokensMode : uint8_t {
  kText,      // one count (or id list) per input
  kEachLine,  // one count (or id list) per line of each input
  kChat,      // one JSON object per record
};

// Everything `tokens` needs; the CLI fills it, tests build it directly.
struct TokensRunOptions {
  // Text modes: files or "-" (stdin), each opened with open_input (gzip and zstd decompressed by
  // their magic bytes), a directory is an error. Chat: as expand_inputs (directories too).
  std::vector<std::string> inputs = {"-"};
  TokensMode mode = TokensMode::kText;
  bool ids = false;                                // text modes: token ids instead of counts
  SpecialTokens special = SpecialTokens::kAsText;  // text modes
  std::string model;                               // find_model; its encoding, and kChat's over_limit
  std::optional<EncodingId> encoding;              // wins over the model's; default o200k_base
  ReaderOptions reader;                            // kChat
  NormalizeOptions normalize;                      // kChat
  unsigned jobs = 0;                               // 0 = all cores
};

struct TokensRunResult {
  uint64_t tokens = 0;      // over all inputs (kChat: the records' totals)
  uint64_t records = 0;     // kChat: records read
  uint64_t unreadable = 0;  // kChat: records written with "error"
  std::optional<IoError> error;  // a usage or I/O problem: the run stopped (exit 2)
  std::vector<std::string> input_notes;  // inputs read once or skipped (ExpandResult::notes)
};

// Receives the output in order, from one thread at a time. Returns false when writing failed:
// the run then stops with an error.
using TokensOutput = std::function<bool(std::string_view)>;

// Output of the text modes, with N inputs (docs/tokens.md):
//   kText, counts: N == 1: "COUNT\n"; N > 1: "COUNT PATH\n" per input, then "TOTAL total\n" (wc).
//   kText, ids:    one line of space-separated ids per input, "PATH:" before it when N > 1.
//   kEachLine:     one line per input line (count, or ids), "PATH:" before it when N > 1.
// Chunks are cut only where tokenizing the parts gives the tokens of the whole (last_safe_split,
// or any line end per line), so the output is identical for every `jobs`.
TokensRunResult run_tokens(const TokensRunOptions& options, const TokensOutput& output);

}  // namespace tuneprep
