// record_tokens: one record of `tokens --chat`: the shared record analysis, the chat token
// accounting, the JSON line (compact JsonWriter).
#include "tuneprep/tokens_run.hpp"

#include <algorithm>

#include <fmt/core.h>

#include "tuneprep/json_writer.hpp"
#include "tuneprep/rules.hpp"

namespace tuneprep {

AnalysisOptions tokens_analysis(const NormalizeOptions& normalize) {
  AnalysisOptions analysis;
  analysis.normalize = normalize;
  analysis.warnings = false;
  analysis.exact_hash = false;
  analysis.conflict_keys = false;
  return analysis;
}

RecordTokens record_tokens(const Record& record, std::string_view path, const RecordAnalyzer& analyzer,
                           RecordAnalysis& analysis, const RecordTokensOptions& options, std::string& out) {
  RecordTokens result;
  analyzer.analyze(record, path, analysis);
  JsonWriter json(out, JsonLayout::kCompact);
  json.begin_object();
  if (!path.empty()) json.field("path", path);
  json.field("line", record.source.line);
  const Example* counted = analysis.rejected ? nullptr : analyzer.last_example();
  if (counted == nullptr) {
    std::string error = "record could not be normalized";
    for (const Diagnostic& d : analysis.diagnostics) {
      if (d.severity != Severity::kError) continue;
      error = fmt::format("{}: {}", rule_name(d.rule), d.message);
      break;
    }
    if (error == "record could not be normalized" && !analysis.reject_rules.empty()) {
      error = fmt::format("{}: the record was rejected", rule_name(analysis.reject_rules.front()));
    }
    json.field("error", error);
  } else if (const Example& example = *counted; example.kind == ExampleKind::kPreference) {
    const PreferenceTokenCount count = count_preference_tokens(*options.encoding, example);
    result = RecordTokens{true, count.preferred.total};
    json.field("total", count.preferred.total);
    json.field("prompt", count.preferred.prompt);
    json.field("assistant", count.preferred.trained);
    json.field("estimated", count.preferred.estimated);
    json.field("non_preferred_total", count.non_preferred.total);
    json.field("non_preferred_assistant", count.non_preferred.trained);
    if (options.limit != 0) {
      const size_t longest = std::max(count.preferred.total, count.non_preferred.total);
      json.key("over_limit"), json.boolean(longest > options.limit);
    }
  } else {
    const ChatTokenCount count = count_chat_tokens(*options.encoding, example);
    result = RecordTokens{true, count.total};
    json.field("total", count.total);
    json.field("prompt", count.prompt);
    json.field("assistant", count.trained);
    json.field("estimated", count.estimated);
    if (options.limit != 0) {
      json.key("over_limit"), json.boolean(count.total > options.limit);
    }
  }
  json.end_object();
  out += '\n';
  return result;
}

}  // namespace tuneprep
