// validate: the `validate` driver. Parallel per record: normalize, raw and semantic checks, token
// limit, pointer mapping to the record's own shape and exact placement; serial in input order:
// exact duplicates and conflicting answers; at the end, the dataset size.
#include "tuneprep/validate.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

#include <fmt/core.h>
#include <oneapi/tbb/enumerable_thread_specific.h>

#include "tuneprep/checks.hpp"
#include "tuneprep/dedup.hpp"
#include "tuneprep/fixes.hpp"
#include "tuneprep/json_pointer.hpp"
#include "tuneprep/models.hpp"
#include "tuneprep/near_dedup.hpp"

namespace tuneprep {
namespace {

using Clock = std::chrono::steady_clock;

// What the parallel stage found about one record; the serial stage adds the dataset-level rules.
struct CheckedRecord {
  std::vector<Diagnostic> diagnostics;  // placed: line and column absolute in the file
  bool has_error = false;
  bool usable = false;  // a normalized example without errors: a candidate for dedup and conflicts
  Hash128 hash;
  bool has_prompt_and_answer = false;  // a chat example with both: conflicting-answers applies
  TextKey prompt_key;
  uint64_t answer_hash = 0;
  std::vector<RuleId> fixed_rules;
  std::string fix_diff;
};

// Immutable per run, shared by every worker.
struct RunContext {
  const ValidateOptions& options;
  const Encoding* encoding = nullptr;  // set when too-many-tokens runs
  uint64_t token_limit = 0;
  std::string limit_source;  // "gpt-4o-mini" or "--max-tokens"
  FixSet fixes;              // the enabled rules with an Example-level safe fix
};

// One per worker thread: the parser and matcher state are reused from record to record.
struct Worker {
  Normalizer normalizer;
  RuleChecker checker;
  std::string scratch;
};

// True when `d` already carries an exact position (a parse error's line and column) or is about
// a whole line that has no better column (a framing error without one).
bool placed(const Diagnostic& d) { return d.line != 0 && (d.column != 0 || d.pointer.empty()); }

// Places a diagnostic of a CSV row: the pointer names a mapped column ("/prompt", "/response",
// "/system"), found by walking the raw row's fields.
void place_csv(Diagnostic& d, const Record& record) {
  int32_t field = -1;
  if (d.pointer == "/prompt") field = record.csv.prompt_field;
  if (d.pointer == "/response") field = record.csv.response_field;
  if (d.pointer == "/system") field = record.csv.system_field;
  size_t offset = 0;
  if (field >= 0) {
    if (auto found = csv_field_offset(record.text, static_cast<size_t>(field))) offset = *found;
  }
  const TextPosition pos = position_of_offset(record.text, offset);
  d.line = record.source.line + pos.line_offset;
  d.column = pos.line_offset == 0 ? record.source.column + pos.column - 1 : pos.column;
}

void place(Diagnostic& d, const Record& record) {
  if (d.rule == RuleId::kBomOrCrlf) {  // about the line's ends, not a field: no column
    d.line = record.source.line;
    d.column = 0;
    return;
  }
  if (placed(d)) return;
  d.line = 0;
  if (record.kind == RecordKind::kCsvRow) {
    place_csv(d, record);
    return;
  }
  // A missing field ("/messages/0/content" of a message without content) is not in the text:
  // point at the closest enclosing value that is, so the column still finds the message.
  std::string_view at = d.pointer;
  while (!at.empty() && !locate_json_pointer(record.text, at)) at = at.substr(0, at.rfind('/'));
  if (at.size() == d.pointer.size()) {
    place_diagnostic(d, record.text, record.source);
  } else {
    Diagnostic located;
    located.pointer = std::string(at);
    place_diagnostic(located, record.text, record.source);
    d.line = located.line;
    d.column = located.column;
  }
}

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

void check_tokens(const RunContext& run, const Example& example, std::vector<Diagnostic>& out) {
  size_t total = 0;
  if (example.kind == ExampleKind::kPreference) {
    const PreferenceTokenCount count = count_preference_tokens(*run.encoding, example);
    total = std::max(count.preferred.total, count.non_preferred.total);
  } else {
    total = count_chat_tokens(*run.encoding, example).total;
  }
  if (total <= run.token_limit) return;
  Diagnostic d = make_diagnostic(RuleId::kTooManyTokens,
                                 fmt::format("the example has {} tokens ({}), over the limit of {} ({})", total,
                                             encoding_name(run.encoding->id()), run.token_limit, run.limit_source));
  d.severity = run.options.rules.severity(RuleId::kTooManyTokens);
  out.push_back(std::move(d));
}

void check_record(const RunContext& run, Worker& worker, const std::string& path, const Record& record,
                  CheckedRecord& out) {
  const RuleConfig& config = run.options.rules;
  NormalizeResult normalized = worker.normalizer.normalize(record);
  std::vector<Diagnostic>& diagnostics = out.diagnostics;
  diagnostics = std::move(normalized.diagnostics);
  config.apply(diagnostics);
  check_bom_or_crlf(record, config, diagnostics);
  const auto errors = [&] {
    return std::any_of(diagnostics.begin(), diagnostics.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::kError; });
  };
  if (normalized.example) {
    const Example& example = *normalized.example;
    if (record.kind == RecordKind::kJson) check_unknown_keys(record.text, example.format, config, diagnostics);
    if (!errors()) {
      // The checks name fields in the OpenAI shapes: map them onto this record's own fields.
      const size_t first = diagnostics.size();
      worker.checker.check(example, diagnostics);
      for (size_t i = first; i < diagnostics.size(); ++i) {
        diagnostics[i].pointer = worker.normalizer.source_pointer(diagnostics[i].pointer);
      }
      if (run.encoding != nullptr && config.enabled(RuleId::kTooManyTokens)) check_tokens(run, example, diagnostics);
      if (!errors()) {
        out.usable = true;
        out.hash = example_hash(example);
        if (config.enabled(RuleId::kConflictingAnswers)) {
          out.has_prompt_and_answer = conflict_keys(example, out.prompt_key, out.answer_hash);
        }
        if (run.options.collect_fixes && !run.fixes.empty()) {
          Example fixed = example;
          out.fixed_rules = apply_fixes(fixed, run.fixes);
          if (!out.fixed_rules.empty()) {
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
            out.fix_diff = unified_diff(before, after, where, fmt::format("{} (fixed: {})", where, names));
          }
        }
      }
    }
  }
  for (Diagnostic& d : diagnostics) place(d, record);
  out.has_error = errors();
}

}  // namespace

bool ValidateResult::failed() const {
  return severities.errors > 0 || (strict && severities.warnings > 0);
}

std::optional<size_t> csv_field_offset(std::string_view row, size_t index) {
  size_t field = 0;
  bool quoted = false;
  if (index == 0) return 0;
  for (size_t i = 0; i < row.size(); ++i) {
    const char c = row[i];
    if (c == '"') {
      quoted = !quoted;  // a doubled quote toggles twice: still inside
    } else if (c == ',' && !quoted) {
      if (++field == index) return i + 1;
    }
  }
  return std::nullopt;
}

ValidateResult run_validate(const ValidateOptions& options, const StreamProgressCallback& progress) {
  ValidateResult result;
  result.strict = options.strict;
  const auto started = Clock::now();

  RunContext run{options, nullptr, 0, {}, {}};
  if (!options.model.empty() || options.max_tokens > 0) {
    const ModelInfo* model = nullptr;
    if (!options.model.empty()) {
      const std::optional<ModelMatch> match = find_model(options.model);
      if (!match) {
        result.error = IoError{fmt::format("unknown model \"{}\" (see `tuneprep models`); use --max-tokens and "
                                           "--encoding instead",
                                           options.model)};
        return result;
      }
      model = match->model;
    }
    run.token_limit = options.max_tokens > 0 ? options.max_tokens : model->max_example_tokens;
    run.limit_source = options.max_tokens > 0 ? std::string("--max-tokens") : std::string(model->name);
    const EncodingId id = options.encoding ? *options.encoding : model ? model->encoding : EncodingId::kO200kBase;
    run.encoding = &Encoding::get(id);
  }
  for (const RuleInfo& rule : all_rules()) {
    // The Example-level fixes; unknown-key and bom-or-crlf never reach the written record anyway.
    const bool example_fix = rule.id == RuleId::kConsecutiveSameRole || rule.id == RuleId::kLastMessageNotAssistant ||
                             rule.id == RuleId::kWhitespacePadding;
    if (example_fix && options.rules.enabled(rule.id)) run.fixes.add(rule.id);
  }

  ExpandResult expanded = expand_inputs(options.inputs);
  if (expanded.error) {
    result.error = std::move(expanded.error);
    return result;
  }
  const std::vector<InputFile>& files = expanded.files;
  DiagnosticSet& set = result.diagnostics;
  for (const InputFile& file : files) set.paths.push_back(file.path);

  oneapi::tbb::enumerable_thread_specific<Worker> workers(
      [&] { return Worker{Normalizer(options.normalize), RuleChecker(options.rules), {}}; });
  ExactDeduplicator deduplicator;
  ConflictGrouper conflicts;
  std::vector<SourceLocation> conflict_sources;  // by conflict id: where each candidate came from
  ValidateCounts& counts = result.counts;
  const RuleConfig& config = options.rules;

  auto transform = [&](const Record& record, CheckedRecord& checked) {
    check_record(run, workers.local(), files[record.source.file_index].path, record, checked);
  };
  auto sink = [&](const Record& record, CheckedRecord& checked) -> bool {
    ++counts.records;
    const uint32_t file = record.source.file_index;
    auto add = [&](Diagnostic&& d) { set.diagnostics.push_back(FileDiagnostic{file, std::move(d)}); };
    for (Diagnostic& d : checked.diagnostics) add(std::move(d));
    if (checked.has_error) ++counts.records_with_errors;
    if (checked.usable) {
      if (auto first = deduplicator.insert(checked.hash, record.source)) {
        ++counts.duplicates;
        if (auto d = duplicate_example_diagnostic(files[first->file_index].path, first->line, config)) {
          d->line = record.source.line;
          d->column = record.source.column;
          if (d->severity == Severity::kError) ++counts.records_with_errors;
          add(std::move(*d));
        }
      } else {
        ++counts.examples;
        if (checked.has_prompt_and_answer) {
          const uint64_t id = conflict_sources.size();
          conflict_sources.push_back(record.source);
          auto hit = conflicts.add(id, checked.prompt_key, checked.answer_hash);
          if (hit && hit->answer_differs_from_first) {
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
  if (auto error = stream_records<CheckedRecord>(files, stream, streamed, transform, sink)) {
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
