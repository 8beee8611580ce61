// stats_run: the `stats` driver over the ordered record stream, and StatsCollector, the
// per-record facts (rejection, content, tokens, findings) that any driver can accumulate.
#include "tuneprep/stats_run.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include <fmt/core.h>
#include <oneapi/tbb/enumerable_thread_specific.h>

#include "tuneprep/checks.hpp"
#include "tuneprep/dedup.hpp"
#include "tuneprep/models.hpp"
#include "tuneprep/near_dedup.hpp"

namespace tuneprep {
namespace {

// Adds `rule`'s id to `rules` unless present (a record counts once per rule).
void add_rule_once(std::vector<std::string>& rules, RuleId rule) {
  const std::string_view name = rule_name(rule);
  if (std::find(rules.begin(), rules.end(), name) == rules.end()) rules.emplace_back(name);
}

}  // namespace

// Per-thread state of facts_for: a RuleChecker holds pattern scratch and JSON parsers that are not
// shareable, and the diagnostics buffer is reused across records.
struct StatsCollector::Threads {
  struct Local {
    explicit Local(const RuleConfig& rules) : checker(rules) {}
    RuleChecker checker;
    std::vector<Diagnostic> diagnostics;
  };
  // The factory keeps its own copy of the configuration: workers are created lazily, long after
  // the options passed to create() may be gone.
  explicit Threads(const RuleConfig& rules) : locals([rules] { return Local(rules); }) {}
  oneapi::tbb::enumerable_thread_specific<Local> locals;
};

std::optional<StatsCollector> StatsCollector::create(const StatsCollectorOptions& options, IoError& error) {
  StatsCollector collector;
  collector.options_ = options;
  const ModelInfo* model = nullptr;
  if (!options.model.empty()) {
    const std::optional<ModelMatch> match = find_model(options.model);
    if (!match) {
      error = IoError{fmt::format("unknown model \"{}\" (see `tuneprep models`); use --encoding and --max-tokens "
                                  "for other models",
                                  options.model)};
      return std::nullopt;
    }
    model = match->model;
    collector.model_name_ = options.model;
  }
  if (options.count_tokens) {
    const EncodingId id = options.encoding ? *options.encoding : model ? model->encoding : EncodingId::kO200kBase;
    collector.encoding_ = &Encoding::get(id);
    if (options.max_tokens) {
      collector.token_limit_ = *options.max_tokens;
    } else if (model != nullptr) {
      collector.token_limit_ = model->max_example_tokens;
    }
  }
  if (options.check_rules) collector.threads_ = std::make_unique<Threads>(options.rules);
  return collector;
}

StatsCollector::~StatsCollector() = default;
StatsCollector::StatsCollector(StatsCollector&&) noexcept = default;
StatsCollector& StatsCollector::operator=(StatsCollector&&) noexcept = default;

std::optional<EncodingId> StatsCollector::encoding() const {
  if (encoding_ == nullptr) return std::nullopt;
  return encoding_->id();
}

std::optional<uint64_t> StatsCollector::token_limit() const { return token_limit_; }

RecordFacts StatsCollector::facts_for(const Record& record, const NormalizeResult& result,
                                      const ChatTokenCount* tokens) {
  const RuleConfig& rules = options_.rules;
  std::vector<std::string> errors;
  for (const Diagnostic& d : result.diagnostics) {
    // Normalizer errors reject whatever the configuration says: the record has no usable shape.
    if (d.severity == Severity::kError) add_rule_once(errors, d.rule);
  }
  if (!result.example || !errors.empty()) {
    RecordFacts facts;
    facts.file_index = record.source.file_index;
    if (result.example) facts.format = result.example->format;
    facts.rejected = true;
    facts.reject_rules = std::move(errors);
    if (facts.reject_rules.empty()) add_rule_once(facts.reject_rules, RuleId::kUnknownFormat);
    return facts;
  }

  const Example& example = *result.example;
  RecordFacts facts = facts_from_example(example, options_.facts);
  facts.file_index = record.source.file_index;

  if (threads_) {
    Threads::Local& local = threads_->locals.local();
    std::vector<Diagnostic>& found = local.diagnostics;
    found.clear();
    for (const Diagnostic& d : result.diagnostics) found.push_back(d);
    local.checker.check(example, found);
    if (record.kind == RecordKind::kJson) {
      check_unknown_keys(record.text, example.format, rules, found);
      check_bom_or_crlf(record.text, rules, found);
    }
    for (Diagnostic& d : found) {
      if (!rules.apply(d)) continue;
      if (d.severity == Severity::kError && options_.checker_errors_reject) {
        add_rule_once(errors, d.rule);
      } else if (d.severity != Severity::kInfo) {
        add_rule_once(facts.warning_rules, d.rule);
      }
    }
    if (!errors.empty()) {
      RecordFacts rejected;
      rejected.file_index = facts.file_index;
      rejected.format = facts.format;
      rejected.rejected = true;
      rejected.reject_rules = std::move(errors);
      rejected.warning_rules = std::move(facts.warning_rules);
      return rejected;
    }
  }

  if (encoding_ != nullptr) {
    const ChatTokenCount count = tokens != nullptr ? *tokens : count_chat_tokens(*encoding_, example);
    facts.tokens = TokenFacts{count.total, count.prompt, count.trained, count.estimated};
  }
  return facts;
}

StatsReport StatsCollector::finish(std::vector<std::string> files) const {
  StatsOptions options;
  options.title = options_.title;
  options.files = std::move(files);
  options.model = model_name_;
  if (encoding_ != nullptr) options.encoding = std::string(encoding_->name());
  options.token_limit = token_limit_;
  options.price_per_mtok = options_.price_per_mtok;
  options.epochs = options_.epochs;
  options.top = options_.top;
  options.findings_checked = options_.check_rules;
  return finish_report(accumulator_, options);
}

std::optional<StatsDedup> stats_dedup_from_name(std::string_view name) {
  if (name == "none") return StatsDedup::kNone;
  if (name == "exact") return StatsDedup::kExact;
  if (name == "near") return StatsDedup::kNear;
  return std::nullopt;
}

namespace {

// What the parallel stage found about one record, beyond its facts: the keys the serial stage
// needs for dedup and conflicts.
struct StatsRecordResult {
  RecordFacts facts;
  Hash128 hash;
  bool has_conflict_keys = false;
  TextKey prompt_key;
  uint64_t answer_key = 0;
  std::vector<uint32_t> signature;  // --dedup near only
  uint32_t shingles = 0;
};

}  // namespace

std::string report_title(const std::vector<std::string>& inputs) {
  std::string title;
  for (const std::string& input : inputs) {
    if (!title.empty()) title += ", ";
    title += input == "-" ? std::string("stdin") : input;
  }
  return title;
}

StatsRunResult run_stats(const StatsRunOptions& options, const StreamProgressCallback& progress) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  StatsRunResult result;

  ExpandResult expanded = expand_inputs(options.inputs);
  if (expanded.error) {
    result.error = std::move(expanded.error);
    return result;
  }
  const std::vector<InputFile>& files = expanded.files;
  StatsCollectorOptions collector_options = options.collector;
  if (collector_options.title.empty()) collector_options.title = report_title(options.inputs);
  IoError error;
  std::optional<StatsCollector> collector = StatsCollector::create(collector_options, error);
  if (!collector) {
    result.error = std::move(error);
    return result;
  }

  const bool near = options.dedup == StatsDedup::kNear;
  NearDedupOptions near_options;
  near_options.threshold = options.near_threshold;
  near_options.max_memory = default_max_memory();
  std::optional<MinHasher> hasher;
  std::optional<NearDuplicateIndex> near_index;
  if (near) {
    hasher.emplace(near_options.num_perm, near_options.shingle);
    near_index.emplace(near_options);
  }

  struct Worker {
    explicit Worker(const NormalizeOptions& options) : normalizer(options) {}
    Normalizer normalizer;
    SignatureScratch scratch;
  };
  oneapi::tbb::enumerable_thread_specific<Worker> workers([&] { return Worker(options.normalize); });

  auto transform = [&](const Record& record, StatsRecordResult& out) {
    Worker& worker = workers.local();
    const NormalizeResult normalized = worker.normalizer.normalize(record);
    out.facts = collector->facts_for(record, normalized);
    if (out.facts.rejected) return;
    const Example& example = *normalized.example;
    if (options.dedup != StatsDedup::kNone) out.hash = example_hash(example);
    out.has_conflict_keys = conflict_keys(example, out.prompt_key, out.answer_key);
    if (near) {
      out.signature.resize(hasher->num_perm());
      out.shingles = hasher->compute(comparison_text(example, DedupOn::kConversation), out.signature, worker.scratch);
    }
  };

  ExactDeduplicator exact;
  ConflictGrouper conflicts;
  uint64_t conflict_ids = 0;
  uint64_t near_ids = 0;
  std::optional<IoError> stop_error;
  auto sink = [&](const Record& record, StatsRecordResult& out) -> bool {
    RecordFacts& facts = out.facts;
    if (!facts.rejected) {
      if (options.dedup != StatsDedup::kNone && exact.insert(out.hash, record.source)) {
        facts.duplicate = DuplicateKind::kExact;
      } else if (near) {
        NearAddResult added = near_index->add(near_ids++, SignatureView{out.signature, out.shingles});
        if (added.error) {
          stop_error = IoError{added.error->message};
          return false;
        }
        if (added.match) facts.duplicate = DuplicateKind::kNear;
      }
      if (facts.duplicate == DuplicateKind::kNone && out.has_conflict_keys) {
        const std::optional<ConflictHit> hit = conflicts.add(conflict_ids++, out.prompt_key, out.answer_key);
        facts.conflict = hit && hit->answer_differs_from_first;
      }
    }
    collector->add(facts);
    return true;
  };

  StreamOptions stream;
  stream.reader = options.reader;
  stream.reader.compute_sha256 = false;
  stream.jobs = options.jobs;
  stream.progress = progress;
  std::vector<StreamedInput> streamed;
  std::optional<IoError> io_error = stream_records<StatsRecordResult>(files, stream, streamed, transform, sink);
  if (!io_error) io_error = std::move(stop_error);
  if (io_error) {
    result.error = std::move(io_error);
    return result;
  }
  std::vector<std::string> paths;
  for (size_t i = 0; i < files.size(); ++i) {
    paths.push_back(files[i].path);
    result.bytes += streamed[i].bytes;
  }
  result.report = collector->finish(std::move(paths));
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return result;
}

}  // namespace tuneprep
