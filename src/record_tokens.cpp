// record_tokens: one record of `tokens --chat`: normalize, count with the chat accounting, write
// the JSON line (compact JsonWriter).
#include "tuneprep/record_tokens.hpp"

#include <algorithm>

#include <fmt/core.h>

#include "tuneprep/json_writer.hpp"
#include "tuneprep/rules.hpp"

namespace tuneprep {

RecordTokens record_tokens(const Record& record, std::string_view path, Normalizer& normalizer,
                           const RecordTokensOptions& options, std::string& out) {
  RecordTokens result;
  const NormalizeResult normalized = normalizer.normalize(record);
  JsonWriter json(out, JsonLayout::kCompact);
  json.begin_object();
  if (!path.empty()) json.field("path", path);
  json.field("line", record.source.line);
  if (normalized.has_error() || !normalized.example) {
    std::string error = "record could not be normalized";
    for (const Diagnostic& d : normalized.diagnostics) {
      if (d.severity != Severity::kError) continue;
      error = fmt::format("{}: {}", rule_name(d.rule), d.message);
      break;
    }
    json.field("error", error);
  } else if (const Example& example = *normalized.example; example.kind == ExampleKind::kPreference) {
    const PreferenceTokenCount count = count_preference_tokens(*options.encoding, example);
    result = RecordTokens{true, count.preferred.total};
    json.field("total", count.preferred.total);
    json.field("prompt", count.preferred.prompt);
    json.field("assistant", count.preferred.trained);
    json.field("estimated", count.preferred.estimated);
    json.field("non_preferred_total", count.non_preferred.total);
    json.field("non_preferred_assistant", count.non_preferred.trained);
    if (options.model != nullptr) {
      const size_t longest = std::max(count.preferred.total, count.non_preferred.total);
      json.key("over_limit"), json.boolean(longest > options.model->max_example_tokens);
    }
  } else {
    const ChatTokenCount count = count_chat_tokens(*options.encoding, example);
    result = RecordTokens{true, count.total};
    json.field("total", count.total);
    json.field("prompt", count.prompt);
    json.field("assistant", count.trained);
    json.field("estimated", count.estimated);
    if (options.model != nullptr) {
      json.key("over_limit"), json.boolean(count.total > options.model->max_example_tokens);
    }
  }
  json.end_object();
  out += '\n';
  return result;
}

}  // namespace tuneprep
