// record_analyzer: RecordAnalyzer, the one per-record analysis (normalize, fixes, checks, token
// fit, keys, output line, facts) with its per-thread state, and the placement of diagnostics.
#include <algorithm>

#include <fmt/core.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <openssl/evp.h>

#include "tuneprep/analysis.hpp"
#include "tuneprep/checks.hpp"
#include "tuneprep/json_pointer.hpp"
#include "tuneprep/json_writer.hpp"

namespace tuneprep {
namespace {

// The fixes that change the record as read rather than the Example: found by their checks.
bool is_raw_fix(RuleId rule) { return rule == RuleId::kUnknownKey || rule == RuleId::kBomOrCrlf; }

// The configuration the checks actually run with: without warnings, every rule below error is
// off (its checks cost time and their findings would be dropped), except the raw fixes asked for,
// whose findings say what --fix repaired.
RuleConfig effective_rules(const AnalysisOptions& options) {
  RuleConfig config = options.rules;
  if (options.warnings) return config;
  for (const RuleInfo& rule : all_rules()) {
    if (config.severity(rule.id) == Severity::kError) continue;
    if (is_raw_fix(rule.id) && options.fixes.contains(rule.id)) continue;
    config.set_enabled(rule.id, false);
  }
  return config;
}

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
  place_diagnostic(d, record.text, record.source);  // or its closest enclosing value
}

void add_once(std::vector<RuleId>& rules, RuleId rule) {
  if (std::find(rules.begin(), rules.end(), rule) == rules.end()) rules.push_back(rule);
}

void add_name_once(std::vector<std::string>& names, RuleId rule) {
  const std::string_view name = rule_name(rule);
  if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
}

// The report counts a record once per rule of its warnings, rejected or not (as validate lists them).
void add_warning_rules(const std::vector<Diagnostic>& diagnostics, RecordFacts& facts) {
  for (const Diagnostic& d : diagnostics) {
    if (d.severity == Severity::kWarning) add_name_once(facts.warning_rules, d.rule);
  }
}

}  // namespace

bool RecordAnalysis::has_error() const {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

namespace {
// The fixes the Normalizer applies itself, while it maps the record's fields.
AnalysisOptions with_normalizer_fixes(AnalysisOptions options) {
  options.normalize.drop_placeholder_input = options.fixes.contains(RuleId::kPlaceholderInput);
  return options;
}
}  // namespace

struct RecordAnalyzer::Impl {
  struct Local {
    Local(const NormalizeOptions& normalize, const RuleConfig& rules) : normalizer(normalize), checker(rules) {}
    Normalizer normalizer;
    RuleChecker checker;
    std::optional<Example> example;
    bool keys_known = false;  // NormalizeResult::keys_known of `example`
    ComparisonScratch comparison;
    SignatureScratch signature;
    std::vector<Diagnostic> found;
  };

  explicit Impl(AnalysisOptions o)
      : options(with_normalizer_fixes(std::move(o))),
        rules(effective_rules(options)),
        locals([this] { return Local(options.normalize, rules); }) {}

  void analyze(const Record& record, std::string_view path, RecordAnalysis& out);
  void accept(const Record& record, Local& local, Example& example, RecordAnalysis& out);

  AnalysisOptions options;
  RuleConfig rules;
  std::vector<std::string> mapped_keys = [this] {
    std::vector<std::string> keys;
    for (const KeyMapping& m : options.normalize.key_map) {
      // user_tag=USER and the like name role values, not keys.
      if (!is_message_tag(m.field) || m.field == "role_tag" || m.field == "content_tag") keys.push_back(m.key);
    }
    return keys;
  }();
  oneapi::tbb::enumerable_thread_specific<Local> locals;
};

void RecordAnalyzer::Impl::analyze(const Record& record, std::string_view path, RecordAnalysis& out) {
  out.diagnostics.clear();
  out.rejected = false;
  out.reject_rules.clear();
  out.fixed_rules.clear();
  out.format.reset();
  out.tokens = ExampleTokens{};
  out.hash = Hash128{};
  out.has_conflict_keys = false;
  out.shingles = 0;
  out.line.clear();
  if (options.facts) reset_facts(out.facts);  // keeps its vectors' capacity for this slot's next record

  Local& local = locals.local();
  NormalizeResult normalized = local.normalizer.normalize(record);
  local.example = std::move(normalized.example);
  local.keys_known = normalized.keys_known;
  std::vector<Diagnostic>& diagnostics = out.diagnostics;
  diagnostics = std::move(normalized.diagnostics);
  // The normalizer quotes the data (a role, an object key): never a whole secret.
  for (Diagnostic& d : diagnostics) d.message = mask_secrets(d.message);
  // Without an example nothing can be checked or written: the record is rejected whatever the
  // configuration says. Its errors are shown as configured; when the configuration hides them
  // all, the normalizer's own errors still name why it was rejected.
  // A fix the Normalizer applied while mapping (placeholder-input) is a fixed rule, not a finding.
  bool normalizer_fixed = false;
  if (options.normalize.drop_placeholder_input) {
    const auto fixed = std::remove_if(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) {
      return d.rule == RuleId::kPlaceholderInput;
    });
    normalizer_fixed = fixed != diagnostics.end();
    diagnostics.erase(fixed, diagnostics.end());
  }
  std::vector<Diagnostic> unshown;
  if (!local.example) {
    for (const Diagnostic& d : diagnostics) {
      if (d.severity == Severity::kError) unshown.push_back(d);
    }
    if (unshown.empty()) unshown.push_back(make_diagnostic(RuleId::kUnknownFormat, "record could not be normalized"));
  }
  rules.apply(diagnostics);
  if (local.example) {
    if (normalizer_fixed) out.fixed_rules.push_back(RuleId::kPlaceholderInput);
    accept(record, local, *local.example, out);
  }

  out.rejected = !local.example || out.has_error();
  if (out.rejected) {
    std::vector<Diagnostic> errors;
    for (const Diagnostic& d : diagnostics) {
      if (d.severity == Severity::kError) errors.push_back(d);
    }
    if (errors.empty()) errors = std::move(unshown);
    for (const Diagnostic& d : errors) add_once(out.reject_rules, d.rule);
    if (options.rejected_line) out.line = render_rejected(path, record, errors);
    if (options.facts) {
      out.facts.file_index = record.source.file_index;
      out.facts.format = out.format;
      out.facts.rejected = true;
      for (RuleId rule : out.reject_rules) add_name_once(out.facts.reject_rules, rule);
      add_warning_rules(diagnostics, out.facts);
    }
  }
  if (options.place) {
    for (Diagnostic& d : diagnostics) place(d, record);
  }
}

// The steps after normalization of a record that has an example: fixes, checks, token fit, and
// for an accepted record its keys, output line and facts.
void RecordAnalyzer::Impl::accept(const Record& record, Local& local, Example& example, RecordAnalysis& out) {
  std::vector<Diagnostic>& diagnostics = out.diagnostics;
  const auto errors = [&] { return out.has_error(); };
  out.format = example.format;
  if (!options.fixes.empty()) {
    for (RuleId rule : apply_fixes(example, options.fixes)) out.fixed_rules.push_back(rule);
  }

  // The checks of the raw record; a raw fix asked for turns its finding into a fixed rule.
  std::vector<Diagnostic>& found = local.found;
  found.clear();
  // The normalizer saw every key of a plain OpenAI chat record: nothing to scan for.
  if (record.kind == RecordKind::kJson && !local.keys_known) {
    check_unknown_keys(record.text, example.format, rules, found, mapped_keys);
  }
  check_bom_or_crlf(record, rules, found);
  for (Diagnostic& d : found) {
    if (options.fixes.contains(d.rule)) {
      add_once(out.fixed_rules, d.rule);
    } else {
      diagnostics.push_back(std::move(d));
    }
  }

  if (!errors()) {
    // The checks name fields in the OpenAI shapes: map them onto this record's own fields.
    const size_t first = diagnostics.size();
    local.checker.check(example, diagnostics);
    for (size_t i = first; i < diagnostics.size(); ++i) {
      diagnostics[i].pointer = local.normalizer.source_pointer(diagnostics[i].pointer);
    }
  }
  // A KTO answer labelled undesirable is data to avoid: every output but kto would train it as a
  // good answer, so it is rejected unless written as kto (validate and stats judge as prepare's
  // default output does).
  if (example.label == false && (!options.write_as || *options.write_as != OutputFormat::kKto) &&
      rules.enabled(RuleId::kKtoUndesirable)) {
    Diagnostic d = make_diagnostic(RuleId::kKtoUndesirable,
                                   "label is false: an undesirable answer, which supervised data would train as a "
                                   "good one (prepare --to kto keeps it with its label)",
                                   "/label");
    d.severity = rules.severity(RuleId::kKtoUndesirable);
    diagnostics.push_back(std::move(d));
  }
  if (options.tokens && !errors()) {
    TokenBudget budget = *options.tokens;
    if (!rules.enabled(RuleId::kTooManyTokens)) budget.limit = 0;  // count only
    if (std::optional<Diagnostic> over = fit_token_limit(example, budget, out.tokens)) {
      over->severity = rules.severity(RuleId::kTooManyTokens);
      diagnostics.push_back(std::move(*over));
    }
  }
  if (errors()) return;

  if (options.write_as && *options.write_as != OutputFormat::kDpo && *options.write_as != OutputFormat::kKto &&
      example.kind == ExampleKind::kPreference) {
    // Written as a chat (its prompt and the preferred answer). The limit was checked on the pair
    // (its longer half), as validate does; the tokens, hash and facts below describe what is
    // written, so the manifest agrees with `tokens` and `stats` over the output.
    example.kind = ExampleKind::kChat;
    for (Message& m : example.preferred) example.messages.push_back(std::move(m));
    example.preferred.clear();
    example.non_preferred.clear();
    if (options.tokens) out.tokens = count_example_tokens(*options.tokens->encoding, example);
  }
  if (options.write_as) {
    if (std::optional<Diagnostic> problem = write_example(example, *options.write_as, out.line)) {
      problem->severity = Severity::kError;  // nothing can be written: rejected whatever the config
      diagnostics.push_back(std::move(*problem));
      return;
    }
  }
  if (options.exact_hash) out.hash = example_hash(example);
  if (options.conflict_keys) out.has_conflict_keys = conflict_keys(example, out.prompt_key, out.answer_key);
  if (options.near != nullptr) {
    out.signature.resize(options.near->num_perm());
    comparison_text(example, options.near_on, local.comparison.text);
    out.shingles = options.near->compute(local.comparison.text, out.signature, local.signature);
  }
  if (options.facts) {
    facts_from_example(example, *options.facts, out.facts);
    out.facts.file_index = record.source.file_index;
    add_warning_rules(diagnostics, out.facts);
    if (options.tokens) {
      out.facts.tokens = TokenFacts{out.tokens.total, out.tokens.prompt, out.tokens.trained, out.tokens.estimated};
    }
  }
}

RecordAnalyzer::RecordAnalyzer(AnalysisOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
RecordAnalyzer::~RecordAnalyzer() = default;
RecordAnalyzer::RecordAnalyzer(RecordAnalyzer&&) noexcept = default;
RecordAnalyzer& RecordAnalyzer::operator=(RecordAnalyzer&&) noexcept = default;

void RecordAnalyzer::analyze(const Record& record, std::string_view path, RecordAnalysis& out) const {
  impl_->analyze(record, path, out);
}

const Example* RecordAnalyzer::last_example() const {
  const std::optional<Example>& example = impl_->locals.local().example;
  return example ? &*example : nullptr;
}

const AnalysisOptions& RecordAnalyzer::options() const { return impl_->options; }

void write_source(JsonWriter& writer, std::string_view path, const SourceLocation& source) {
  writer.begin_object();
  writer.field("path", path);
  writer.field("line", source.line);
  writer.field("column", source.column);
  writer.end_object();
}

void write_original_record(JsonWriter& writer, std::string_view text) {
  writer.key("record");
  if (is_valid_utf8(text)) {
    writer.string(text);
    return;
  }
  std::string replaced;
  replace_invalid_utf8(text, replaced);
  writer.string(replaced);
  std::string encoded(4 * ((text.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  encoded.resize(static_cast<size_t>(n));
  writer.field("record_base64", encoded);
}

std::string render_rejected(std::string_view path, const Record& record, const std::vector<Diagnostic>& errors) {
  std::string out;
  out.reserve(record.text.size() + 256);
  JsonWriter writer(out, JsonLayout::kCompact);
  writer.begin_object();
  writer.key("source");
  write_source(writer, path, record.source);
  writer.key("rules");
  writer.begin_array();
  for (const Diagnostic& d : errors) {
    writer.begin_object();
    writer.field("id", rule_info(d.rule).name);
    writer.field("severity", severity_name(d.severity));
    writer.field("message", d.message);
    if (!d.pointer.empty()) writer.field("pointer", d.pointer);
    writer.end_object();
  }
  writer.end_array();
  write_original_record(writer, record.text);
  writer.end_object();
  out += '\n';
  return out;
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

}  // namespace tuneprep
