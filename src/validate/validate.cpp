// validate: the `validate` driver. Parallel per record: the record analysis (every rule, exact
// placement) and the --show-fixes diff; serial in input order: exact duplicates and conflicting
// answers; at the end, the dataset size.
#include "tuneprep/validate.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

#include <fmt/core.h>

#include "tuneprep/checks.hpp"
#include "tuneprep/dedup.hpp"
#include "tuneprep/fixes.hpp"
#include "tuneprep/memory.hpp"
#include "tuneprep/near_dedup.hpp"

namespace tuneprep {
namespace {

using Clock = std::chrono::steady_clock;

// What the parallel stage found about one record; the serial stage adds the dataset-level rules.
struct CheckedRecord {
  RecordAnalysis analysis;
  std::vector<RuleId> fixed_rules;  // --show-fixes
  std::string fix_diff;
};

// One line per message, as the openai-chat writer writes it; preference answers are prefixed
// with the field they belong to.
void render_lines(const Example& example, std::vector<std::string>& lines) {
  lines.clear();
  auto add = [&](const std::vector<Message>& messages, std::string_view label) {
    for (const Message& m : messages) {
      Example single;
      single.messages.push_back(m);
      std::string line;
      write_example(single, OutputFormat::kOpenAiChat, line);
      // `{"messages":[` ... `]}\n` around the one message.
      constexpr size_t kPrefix = sizeof("{\"messages\":[") - 1;
      std::string text(label);
      text += line.substr(kPrefix, line.size() - kPrefix - 3);
      lines.push_back(std::move(text));
    }
  };
  if (example.kind == ExampleKind::kChat) {
    add(example.messages, "");
  } else {
    add(example.messages, "input: ");
    add(example.preferred, "preferred_output: ");
    add(example.non_preferred, "non_preferred_output: ");
  }
}

// A unified diff of two short line lists as one hunk with full context (longest common
// subsequence; examples have tens of messages, so the quadratic table is small).
std::string unified_diff(const std::vector<std::string>& a, const std::vector<std::string>& b,
                         std::string_view from, std::string_view to) {
  std::string out = fmt::format("--- {}\n+++ {}\n", from, to);
  const size_t n = a.size();
  const size_t m = b.size();
  constexpr size_t kMaxCells = 1u << 22;
  std::vector<uint32_t> lcs;
  const bool table = (n + 1) * (m + 1) <= kMaxCells;
  if (table) {
    lcs.assign((n + 1) * (m + 1), 0);
    for (size_t i = n; i-- > 0;) {
      for (size_t j = m; j-- > 0;) {
        lcs[i * (m + 1) + j] = a[i] == b[j] ? lcs[(i + 1) * (m + 1) + j + 1] + 1
                                            : std::max(lcs[(i + 1) * (m + 1) + j], lcs[i * (m + 1) + j + 1]);
      }
    }
  }
  // Unified diff ranges: "start,count", where an empty side starts at 0.
  auto range = [](size_t count) { return count == 0 ? std::string("0,0") : fmt::format("1,{}", count); };
  out += fmt::format("@@ -{} +{} @@\n", range(n), range(m));
  auto line = [&](char mark, const std::string& text) {
    out += mark;
    out += text;
    out += '\n';
  };
  size_t i = 0;
  size_t j = 0;
  while (table && i < n && j < m) {
    if (a[i] == b[j]) {
      line(' ', a[i++]);
      ++j;
    } else if (lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]) {
      line('-', a[i++]);
    } else {
      line('+', b[j++]);
    }
  }
  while (i < n) line('-', a[i++]);
  while (j < m) line('+', b[j++]);
  return out;
}

// The --show-fixes diff of an example without errors: the example as the safe fixes would write it.
void render_fix(const FixSet& fixes, const std::string& path, const Record& record, const Example& example,
                CheckedRecord& out) {
  Example fixed = example;
  out.fixed_rules = apply_fixes(fixed, fixes);
  if (out.fixed_rules.empty()) return;
  std::vector<std::string> before;
  std::vector<std::string> after;
  render_lines(example, before);
  render_lines(fixed, after);
  std::string names;
  for (RuleId rule : out.fixed_rules) {
    if (!names.empty()) names += ", ";
    names += rule_name(rule);
  }
  const std::string where = fmt::format("{}:{}", path, record.source.line);
  // The diff shows contents in full: secrets in them are shortened as the secret-key rule does.
  out.fix_diff = mask_secrets(unified_diff(before, after, where, fmt::format("{} (fixed: {})", where, names)));
}

}  // namespace

bool ValidateResult::failed() const {
  return severities.errors > 0 || (strict && severities.warnings > 0);
}

ValidateResult run_validate(const ValidateOptions& options, const StreamProgressCallback& progress) {
  ValidateResult result;
  result.strict = options.strict;
  const auto started = Clock::now();

  AnalysisOptions analysis;
  analysis.normalize = options.normalize;
  analysis.rules = options.rules;
  analysis.conflict_keys = options.rules.enabled(RuleId::kConflictingAnswers);
  analysis.place = true;
  if (options.tokens) {
    IoError error;
    analysis.tokens = resolve_token_budget(*options.tokens, error);
    if (!analysis.tokens) {
      result.error = std::move(error);
      return result;
    }
  }
  FixSet fixes;  // --show-fixes: the Example-level fixes of the enabled rules
  for (RuleId rule : {RuleId::kConsecutiveSameRole, RuleId::kLastMessageNotAssistant, RuleId::kWhitespacePadding}) {
    if (options.rules.enabled(rule)) fixes.add(rule);
  }

  ExpandResult expanded = expand_inputs(options.inputs);
  result.input_notes = expanded.notes;  // also on error: a skipped input may be why
  if (expanded.error) {
    result.error = std::move(expanded.error);
    return result;
  }
  const std::vector<InputFile>& files = expanded.files;
  DiagnosticSet& set = result.diagnostics;
  for (const InputFile& file : files) set.paths.push_back(file.path);

  const RecordAnalyzer analyzer(std::move(analysis));
  ExactDeduplicator deduplicator;
  ConflictGrouper conflicts;
  // By conflict id: where each candidate came from (one per example: huge pages, memory.hpp).
  std::vector<SourceLocation, HugePageAllocator<SourceLocation>> conflict_sources;
  ValidateCounts& counts = result.counts;
  const RuleConfig& config = options.rules;

  auto transform = [&](const Record& record, CheckedRecord& checked) {
    const std::string& path = files[record.source.file_index].path;
    analyzer.analyze(record, path, checked.analysis);
    checked.fix_diff.clear();
    if (options.collect_fixes && !checked.analysis.rejected) {
      render_fix(fixes, path, record, *analyzer.last_example(), checked);
    }
  };
  RecordCountEstimate estimate(files);
  auto sink = [&](const Record& record, CheckedRecord& checked) -> bool {
    ++counts.records;
    if (const uint64_t expected = estimate.add(record)) {
      deduplicator.reserve(expected);
      if (analyzer.options().conflict_keys) {
        conflicts.reserve(expected);
        conflict_sources.reserve(expected);
      }
    }
    const uint32_t file = record.source.file_index;
    auto add = [&](Diagnostic&& d) { set.diagnostics.push_back(FileDiagnostic{file, std::move(d)}); };
    RecordAnalysis& analysis = checked.analysis;
    for (Diagnostic& d : analysis.diagnostics) add(std::move(d));
    if (analysis.has_error()) ++counts.records_with_errors;
    if (analysis.rejected) {
      for (RuleId rule : analysis.reject_rules) ++counts.records_by_error_rule[std::string(rule_name(rule))];
    }
    if (!analysis.rejected) {
      if (auto first = deduplicator.insert(analysis.hash, record.source)) {
        ++counts.duplicates;
        if (auto d = duplicate_example_diagnostic(files[first->file_index].path, first->line, config)) {
          d->line = record.source.line;
          d->column = record.source.column;
          if (d->severity == Severity::kError) ++counts.records_with_errors;
          add(std::move(*d));
        }
      } else {
        ++counts.examples;
        if (analysis.has_conflict_keys) {
          const uint64_t id = conflict_sources.size();
          conflict_sources.push_back(record.source);
          auto hit = conflicts.add(id, analysis.prompt_key, analysis.answer_key);
          if (hit && hit->answer_differs_from_first) {
            ++counts.conflicts;
            const SourceLocation& at = conflict_sources[hit->first_id];
            Diagnostic d = make_diagnostic(
                RuleId::kConflictingAnswers,
                fmt::format("same prompt as the example at {}:{}, but a different answer",
                            files[at.file_index].path, at.line));
            d.severity = config.severity(RuleId::kConflictingAnswers);
            d.line = record.source.line;
            d.column = record.source.column;
            add(std::move(d));
          }
        }
      }
    }
    if (!checked.fix_diff.empty()) {
      result.fixes.push_back(RecordFix{file, record.source.line, std::move(checked.fixed_rules),
                                       std::move(checked.fix_diff)});
    }
    return true;
  };

  StreamOptions stream;
  stream.reader = options.reader;
  stream.reader.compute_sha256 = false;  // validate writes no manifest
  stream.jobs = options.jobs;
  stream.progress = progress;
  std::vector<StreamedInput> streamed;
  // The two tables miss the cache on nearly every record of a large file: ask a few records ahead.
  auto prefetch = [&](const CheckedRecord& checked) {
    if (checked.analysis.rejected) return;
    deduplicator.prefetch(checked.analysis.hash);
    if (checked.analysis.has_conflict_keys) conflicts.prefetch(checked.analysis.prompt_key);
  };
  if (auto error = stream_records<CheckedRecord>(files, stream, streamed, transform, sink, prefetch)) {
    result.error = std::move(error);
    return result;
  }
  for (const StreamedInput& input : streamed) counts.bytes += input.bytes;

  // Dataset level: the number of usable examples, reported against the first input.
  if (auto d = check_example_count(counts.examples, config)) {
    d->line = 0;
    d->column = 0;
    set.diagnostics.push_back(FileDiagnostic{0, std::move(*d)});
  }
  set.records = counts.records;
  sort_diagnostics(set);
  result.severities = count_diagnostics(set);
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return result;
}

}  // namespace tuneprep
