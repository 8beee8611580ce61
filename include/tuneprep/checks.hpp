// checks: the semantic and content-quality rules over a normalized Example, the checks that need
// the raw record text (unknown-key, bom-or-crlf), and the dataset-level diagnostics.
//
// Pointers name fields in the OpenAI shapes: "/messages/N/content" for a chat example, and
// "/input/messages/N/...", "/preferred_output/N/...", "/non_preferred_output/N/..." for a
// preference pair. Other input shapes (prompt/completion, Alpaca, ShareGPT, CSV) have different
// fields; the pipeline maps these pointers onto the record's own shape before placing them.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tuneprep/conversation.hpp"
#include "tuneprep/record.hpp"
#include "tuneprep/rule_config.hpp"
#include "tuneprep/rules.hpp"

namespace tuneprep {

// Runs every enabled RuleChecker rule (see rules.hpp: the ids marked "checks: RuleChecker", plus
// control-character) over one example. The pattern rules share one prefilter compiled once per
// process (Vectorscan and byte scans); each content string is scanned by it once, and only the
// patterns it reports are run with RE2 and confirmed by rule (Luhn for card numbers, boundaries,
// placeholders, code spans). Holds reusable scratch buffers (Vectorscan's among them) and JSON
// parsers: use one RuleChecker per thread.
class RuleChecker {
 public:
  explicit RuleChecker(RuleConfig config);
  ~RuleChecker();
  RuleChecker(RuleChecker&&) noexcept;
  RuleChecker& operator=(RuleChecker&&) noexcept;

  // Appends the example's diagnostics to `out` in message order, severities from the config.
  // Positions (line/column) are left 0: place them with place_diagnostic (json_pointer.hpp).
  void check(const Example& example, std::vector<Diagnostic>& out);

  const RuleConfig& config() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `text` with every secret the secret-key rule would confirm shortened to its first four
// characters and "…", as that rule's messages show one. For text that quotes the data outside the
// content rules: a diagnostic naming an unknown role or key, the --show-fixes diff.
std::string mask_secrets(std::string_view text);

// unknown-key: keys of the raw JSON record that `format` does not define, at the top level and in
// message objects (they are dropped on output). `record_text` is the record's JSON text as read.
// CSV records have no keys: nothing is reported for SourceFormat::kCsv. `mapped_keys` are the
// top-level keys a key mapping (--map) names: known whatever the shape.
void check_unknown_keys(std::string_view record_text, SourceFormat format, const RuleConfig& config,
                        std::vector<Diagnostic>& out, std::span<const std::string> mapped_keys = {});

// bom-or-crlf: a UTF-8 byte-order mark at the start of the record text, or a carriage return in it
// (a CR LF line end when the reader keeps the CR in Record::text, or CR LF inside a multi-line
// JSON array element). Both are reported on the record's start (empty pointer).
void check_bom_or_crlf(std::string_view record_text, const RuleConfig& config,
                       std::vector<Diagnostic>& out);
// The same for a record as read: also reports what the reader stripped from its text (the
// file's byte-order mark, the CR of a CR LF line end; Record::had_bom / had_crlf).
void check_bom_or_crlf(const Record& record, const RuleConfig& config, std::vector<Diagnostic>& out);

// too-few-examples for a dataset of `examples` usable examples: an error under 10, a warning under
// 50 (OpenAI's fine-tuning minimum and recommended floor); nullopt when enough or when disabled.
// An explicit --severity override replaces both levels.
std::optional<Diagnostic> check_example_count(uint64_t examples, const RuleConfig& config);

// duplicate-example for a record that duplicates the one at first_path:first_line; nullopt when
// disabled.
std::optional<Diagnostic> duplicate_example_diagnostic(std::string_view first_path, uint64_t first_line,
                                                       const RuleConfig& config);

}  // namespace tuneprep
