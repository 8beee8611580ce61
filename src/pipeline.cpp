// pipeline: the `prepare` driver. Serial in-order read -> parallel normalize/check/hash/render ->
// serial in-order dedup/split/write, over oneTBB's parallel_pipeline, so any -j gives the same bytes.
#include "tuneprep/pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <system_error>

#include <fmt/core.h>
#include <oneapi/tbb/enumerable_thread_specific.h>

#include <openssl/evp.h>

#include "tuneprep/checks.hpp"
#include "tuneprep/dedup.hpp"
#include "tuneprep/leakage.hpp"
#include "tuneprep/split.hpp"
#include "tuneprep/stats_run.hpp"
#include "tuneprep/tokenizer.hpp"

namespace tuneprep {
namespace fs = std::filesystem;

std::string_view dedup_mode_name(DedupMode mode) {
  switch (mode) {
    case DedupMode::kNone: return "none";
    case DedupMode::kExact: return "exact";
    case DedupMode::kNear: return "near";
  }
  return "exact";
}

std::optional<DedupMode> dedup_mode_from_name(std::string_view name) {
  if (name == "none") return DedupMode::kNone;
  if (name == "exact") return DedupMode::kExact;
  if (name == "near") return DedupMode::kNear;
  return std::nullopt;
}

std::string_view conflict_mode_name(ConflictMode mode) {
  switch (mode) {
    case ConflictMode::kKeep: return "keep";
    case ConflictMode::kFirst: return "first";
    case ConflictMode::kReject: return "reject";
  }
  return "keep";
}

std::optional<ConflictMode> conflict_mode_from_name(std::string_view name) {
  if (name == "keep") return ConflictMode::kKeep;
  if (name == "first") return ConflictMode::kFirst;
  if (name == "reject") return ConflictMode::kReject;
  return std::nullopt;
}

std::string_view dedup_on_name(DedupOn on) {
  switch (on) {
    case DedupOn::kConversation: return "conversation";
    case DedupOn::kPrompt: return "prompt";
    case DedupOn::kResponse: return "response";
  }
  return "conversation";
}

std::optional<uint64_t> parse_byte_size(std::string_view text) {
  size_t i = 0;
  uint64_t whole = 0;
  bool digits = false;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (whole > (UINT64_MAX - 9) / 10) return std::nullopt;
    whole = whole * 10 + static_cast<uint64_t>(text[i] - '0');
    digits = true;
  }
  double fraction = 0;
  if (i < text.size() && text[i] == '.') {
    double scale = 0.1;
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      fraction += scale * (text[i] - '0');
      scale /= 10;
      digits = true;
    }
  }
  if (!digits) return std::nullopt;
  std::string_view unit = text.substr(i);
  if (!unit.empty() && unit.back() == 'B') unit.remove_suffix(1);
  if (!unit.empty() && unit.back() == 'i') unit.remove_suffix(1);
  int shift = 0;
  if (unit.empty()) {
    shift = 0;
  } else if (unit.size() == 1) {
    switch (unit[0]) {
      case 'k': case 'K': shift = 10; break;
      case 'm': case 'M': shift = 20; break;
      case 'g': case 'G': shift = 30; break;
      case 't': case 'T': shift = 40; break;
      default: return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  if (shift > 0 && whole > (UINT64_MAX >> shift)) return std::nullopt;
  const uint64_t bytes = (whole << shift) + static_cast<uint64_t>(fraction * static_cast<double>(uint64_t{1} << shift));
  if (bytes == 0) return std::nullopt;
  return bytes;
}

namespace {

ExampleTokens count_example_tokens(const Encoding& encoding, const Example& example) {
  ExampleTokens tokens;
  if (example.kind == ExampleKind::kPreference) {
    const PreferenceTokenCount count = count_preference_tokens(encoding, example);
    tokens.total = count.preferred.total + count.non_preferred.total;
    tokens.prompt = count.preferred.prompt + count.non_preferred.prompt;
    tokens.trained = count.preferred.trained + count.non_preferred.trained;
    tokens.estimated = count.preferred.estimated + count.non_preferred.estimated;
    tokens.longest = std::max(count.preferred.total, count.non_preferred.total);
  } else {
    const ChatTokenCount count = count_chat_tokens(encoding, example);
    tokens.total = count.total;
    tokens.prompt = count.prompt;
    tokens.trained = count.trained;
    tokens.estimated = count.estimated;
    tokens.longest = count.total;
  }
  return tokens;
}

}  // namespace

std::optional<Diagnostic> fit_token_limit(Example& example, const Encoding& encoding, const TokenOptions& options,
                                          ExampleTokens& tokens) {
  tokens = count_example_tokens(encoding, example);
  if (options.max_tokens == 0 || tokens.longest <= options.max_tokens) return std::nullopt;
  const std::string limit_name =
      options.model != nullptr ? std::string(options.model->name) : std::string("--max-tokens");
  const uint64_t over = tokens.longest;
  if (options.truncate && example.kind == ExampleKind::kChat) {
    // Drop whole trailing messages, then anything after the last assistant turn, until the rest
    // fits; work on a copy so a failure leaves the example as it was.
    std::vector<Message> messages = example.messages;
    Example shorter;
    while (!messages.empty()) {
      messages.pop_back();
      while (!messages.empty() && messages.back().role != Role::kAssistant) messages.pop_back();
      if (messages.empty()) break;
      shorter.kind = example.kind;
      shorter.format = example.format;
      shorter.messages = messages;
      shorter.tools_json = example.tools_json;
      shorter.functions_json = example.functions_json;
      shorter.parallel_tool_calls = example.parallel_tool_calls;
      ExampleTokens count = count_example_tokens(encoding, shorter);
      if (count.trained == 0) continue;  // only untrained (weight 0) assistant turns remain before here
      if (count.longest <= options.max_tokens) {
        example = std::move(shorter);
        tokens = count;
        tokens.truncated = true;
        return std::nullopt;
      }
    }
    return make_diagnostic(RuleId::kTooManyTokens,
                           fmt::format("{} tokens exceeds the limit of {} for {}; no shorter prefix ending with "
                                       "a trained assistant turn fits",
                                       over, options.max_tokens, limit_name));
  }
  return make_diagnostic(RuleId::kTooManyTokens,
                         fmt::format("{} tokens exceeds the limit of {} for {}", over, options.max_tokens, limit_name));
}

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kTrainName = "train.jsonl";
constexpr const char* kValidationName = "validation.jsonl";
constexpr const char* kRejectedName = "rejected.jsonl";
constexpr const char* kDuplicatesName = "duplicates.jsonl";
constexpr const char* kManifestName = "manifest.json";
constexpr const char* kReportJsonName = "report.json";
constexpr const char* kReportHtmlName = "report.html";
constexpr const char* kReportMarkdownName = "report.md";
constexpr const char* kOutputNames[] = {kTrainName,     kValidationName, kRejectedName,      kDuplicatesName,
                                        kManifestName,  kReportJsonName, kReportHtmlName,    kReportMarkdownName};

// What the parallel stage decided about one record; the serial stage only routes it.
struct ProcessedRecord {
  bool rejected = false;
  Hash128 hash;
  SourceFormat format = SourceFormat::kOpenAiChat;
  std::string line;                // the output line (accepted) or the rejected.jsonl line
  std::vector<RuleId> reject_rules;  // distinct rules that rejected it
  ExampleTokens tokens;            // with token counting
  TextKey prompt_key;              // folded prompt: the same-prompt group
  uint64_t answer_key = 0;         // folded answer: tells conflicting answers apart
  std::vector<uint32_t> signature; // --dedup near: MinHash of the compared text
  uint32_t shingles = 0;
  RecordFacts facts;               // for report.json (the serial stage adds the routing)
  std::vector<RuleId> fixed_rules; // --fix rules that changed this record
};

// Read-only settings of the parallel stage, shared by every worker.
struct TransformPlan {
  OutputFormat to = OutputFormat::kOpenAiChat;
  const Encoding* encoding = nullptr;      // token counting when set
  const TokenOptions* tokens = nullptr;
  const MinHasher* hasher = nullptr;       // signatures when set
  DedupOn dedup_on = DedupOn::kConversation;
  StatsCollector* stats = nullptr;         // report facts when set
  const FixSet* fixes = nullptr;           // --fix, when any
  RuleConfig rules;                        // defaults: to find what unknown-key / bom-or-crlf fix
};

// Per-thread state of the parallel stage: the parser and reusable buffers.
struct Worker {
  explicit Worker(const NormalizeOptions& options) : normalizer(options) {}
  Normalizer normalizer;
  SignatureScratch scratch;
  ComparisonScratch comparison;
};

void append_source(std::string& out, const std::string& path, const SourceLocation& source) {
  out += "{\"path\":";
  append_json_string(out, path);
  out += fmt::format(",\"line\":{},\"column\":{}}}", source.line, source.column);
}

// Appends `,"record":<text>` for a record's original bytes. JSON cannot hold invalid UTF-8, so
// such a record is written readable (U+FFFD replacement) and exact (`record_base64`): no byte lost.
void append_original_record(std::string& out, std::string_view text) {
  out += ",\"record\":";
  if (is_valid_utf8(text)) {
    append_json_string(out, text);
    return;
  }
  std::string replaced;
  replace_invalid_utf8(text, replaced);
  append_json_string(out, replaced);
  std::string encoded(4 * ((text.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  encoded.resize(static_cast<size_t>(n));
  out += ",\"record_base64\":\"";
  out += encoded;
  out += '"';
}

std::string render_rejected(const std::string& path, const Record& record,
                            const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  out.reserve(record.text.size() + 256);
  out += "{\"source\":";
  append_source(out, path, record.source);
  out += ",\"rules\":[";
  bool first = true;
  for (const Diagnostic& d : diagnostics) {
    if (!first) out += ',';
    first = false;
    out += "{\"id\":";
    append_json_string(out, rule_info(d.rule).name);
    out += ",\"severity\":";
    append_json_string(out, severity_name(d.severity));
    out += ",\"message\":";
    append_json_string(out, d.message);
    if (!d.pointer.empty()) {
      out += ",\"pointer\":";
      append_json_string(out, d.pointer);
    }
    out += '}';
  }
  out += ']';
  append_original_record(out, record.text);
  out += "}\n";
  return out;
}

// The same-prompt key and the answer key of an example (see comparison_text).
void group_keys(const Example& example, ComparisonScratch& scratch, ProcessedRecord& out) {
  out.prompt_key = comparison_key(example, DedupOn::kPrompt, scratch);
  out.answer_key = comparison_key(example, DedupOn::kResponse, scratch).low;
}

// Applies --fix to an accepted example and lists the rules that changed it. unknown-key and
// bom-or-crlf change nothing here (the writers drop unknown keys; BOM and CR never reach an
// output line): they count when the record as read had them.
void fix_record(const Record& record, Example& example, const TransformPlan& plan, std::vector<RuleId>& fixed) {
  fixed = apply_fixes(example, *plan.fixes);
  std::vector<Diagnostic> found;
  if (plan.fixes->contains(RuleId::kUnknownKey) && record.kind == RecordKind::kJson) {
    check_unknown_keys(record.text, example.format, plan.rules, found);
    if (!found.empty()) fixed.push_back(RuleId::kUnknownKey);
  }
  if (plan.fixes->contains(RuleId::kBomOrCrlf)) {
    found.clear();
    check_bom_or_crlf(record, plan.rules, found);
    if (!found.empty()) fixed.push_back(RuleId::kBomOrCrlf);
  }
}

void process_record(const Record& record, const std::string& path, Worker& worker, const TransformPlan& plan,
                    ProcessedRecord& out) {
  NormalizeResult result = worker.normalizer.normalize(record);
  if (!result.has_error() && result.example) {
    Example& example = *result.example;
    if (plan.fixes != nullptr) fix_record(record, example, plan, out.fixed_rules);
    std::optional<Diagnostic> problem;
    if (plan.encoding != nullptr) problem = fit_token_limit(example, *plan.encoding, *plan.tokens, out.tokens);
    if (!problem) problem = write_example(example, plan.to, out.line);
    if (!problem) {
      if (plan.stats != nullptr) {
        const ChatTokenCount count{out.tokens.total, out.tokens.prompt, out.tokens.trained, out.tokens.estimated};
        out.facts = plan.stats->facts_for(record, result, plan.encoding != nullptr ? &count : nullptr);
      }
      out.hash = example_hash(example);
      out.format = example.format;
      group_keys(example, worker.comparison, out);
      if (plan.hasher != nullptr) {
        out.signature.resize(plan.hasher->num_perm());
        comparison_text(example, plan.dedup_on, worker.comparison.text);
        out.shingles = plan.hasher->compute(worker.comparison.text, out.signature, worker.scratch);
      }
      return;
    }
    result.diagnostics.push_back(std::move(*problem));
  }
  // Rejected: keep only errors in the reasons, in the order found.
  std::vector<Diagnostic> errors;
  for (Diagnostic& d : result.diagnostics) {
    if (d.severity != Severity::kError) continue;
    if (std::find(out.reject_rules.begin(), out.reject_rules.end(), d.rule) == out.reject_rules.end()) {
      out.reject_rules.push_back(d.rule);
    }
    errors.push_back(std::move(d));
  }
  if (errors.empty()) {  // defensive: a result without an example must still say why
    errors.push_back(make_diagnostic(RuleId::kUnknownFormat, "record could not be normalized"));
    out.reject_rules.push_back(RuleId::kUnknownFormat);
  }
  out.rejected = true;
  out.line.clear();
  out.line = render_rejected(path, record, errors);
  if (plan.stats != nullptr) {
    out.facts.file_index = record.source.file_index;
    if (result.example) out.facts.format = result.example->format;
    out.facts.rejected = true;
    for (RuleId rule : out.reject_rules) out.facts.reject_rules.emplace_back(rule_name(rule));
  }
}

// Checks that writing into `dir` cannot replace an input.
std::optional<IoError> check_output_dir(const std::string& dir, const std::vector<InputFile>& files) {
  std::error_code ec;
  const fs::path out = fs::weakly_canonical(fs::path(dir), ec);
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    return IoError{fmt::format("-o {}: exists and is not a directory", dir)};
  }
  for (const InputFile& file : files) {
    if (file.path == "-") continue;
    const fs::path in = fs::weakly_canonical(fs::path(file.path), ec);
    if (in == out) return IoError{fmt::format("-o {}: is an input; choose another output directory", dir)};
    for (const char* name : kOutputNames) {
      if (in == out / name) {
        return IoError{fmt::format("-o {}: would replace the input {}; choose another output directory",
                                   dir, file.path)};
      }
    }
  }
  return std::nullopt;
}

class OutputSet {
 public:
  std::optional<IoError> open(const fs::path& dir, bool with_validation) {
    IoError error;
    for (const char* name : {kTrainName, kValidationName, kRejectedName, kDuplicatesName}) {
      if (!with_validation && std::string_view(name) == kValidationName) {
        files_.emplace_back(std::nullopt);
        records_.push_back(0);
        continue;
      }
      auto file = AtomicOutputFile::create(dir / name, error);
      if (!file) return error;
      files_.emplace_back(std::move(file));
      records_.push_back(0);
    }
    return std::nullopt;
  }
  enum Index { kTrain = 0, kValidation = 1, kRejected = 2, kDuplicates = 3 };
  bool write(Index index, std::string_view line, IoError& error) {
    ++records_[index];
    return files_[index]->write(line, error);
  }
  std::vector<std::optional<AtomicOutputFile>>& files() { return files_; }
  uint64_t records(size_t index) const { return records_[index]; }

 private:
  std::vector<std::optional<AtomicOutputFile>> files_;
  std::vector<uint64_t> records_;
};

}  // namespace

namespace {

// Where a record came from, compactly (to name it later in duplicate_of or a message).
struct KeptLocation {
  uint64_t line = 0;
  uint32_t file_index = 0;
  uint32_t column = 0;
  SourceLocation source() const {
    SourceLocation location;
    location.file_index = file_index;
    location.line = line;
    location.column = column;
    return location;
  }
};

// Records read before the near index's size is projected from the average record size.
constexpr uint64_t kProjectionRecords = 4096;

// The serial near-dedup step: the index, where each indexed record came from, and the early
// projection of the index size against --max-memory.
class NearStage {
 public:
  NearStage(const NearDedupOptions& options, const std::vector<InputFile>& files) : options_(options), index_(options) {
    for (const InputFile& file : files) {
      input_bytes_ += file.size.value_or(0);
      sizes_known_ = sizes_known_ && file.size.has_value();
    }
  }

  // Adds a record. Returns an error (memory budget) to stop the run; else sets `match` when the
  // record is a near duplicate of an earlier kept one.
  std::optional<IoError> add(const Record& record, const ProcessedRecord& processed,
                             std::optional<std::pair<SourceLocation, double>>& match) {
    match.reset();
    record_bytes_ += record.text.size();
    const uint64_t id = locations_.size();
    if (id + 1 == kProjectionRecords && sizes_known_ && options_.max_memory != 0) {
      // Project the index for the whole input from the average record so far, and stop now
      // rather than after most of the work.
      const uint64_t average = std::max<uint64_t>(1, record_bytes_ / kProjectionRecords);
      const uint64_t projected = input_bytes_ / average;
      const uint64_t needed = estimate_index_bytes(projected, options_);
      if (needed > options_.max_memory) {
        return IoError{fmt::format(
            "near-duplicate index would need about {:.1f} MiB for the ~{} records expected in {:.1f} MiB of input "
            "(average record {} bytes), over --max-memory {:.1f} MiB; raise --max-memory or use --dedup exact",
            needed / 1048576.0, projected, input_bytes_ / 1048576.0, average, options_.max_memory / 1048576.0)};
      }
    }
    NearAddResult added = index_.add(id, SignatureView{processed.signature, processed.shingles});
    if (added.error) return IoError{added.error->message};
    locations_.push_back(KeptLocation{record.source.line, record.source.file_index, record.source.column});
    if (added.match) match.emplace(locations_[added.match->duplicate_of].source(), added.match->similarity);
    return std::nullopt;
  }
  uint64_t memory_bytes() const { return index_.memory_bytes() + locations_.capacity() * sizeof(KeptLocation); }

 private:
  NearDedupOptions options_;
  NearDuplicateIndex index_;
  std::vector<KeptLocation> locations_;  // by index id
  uint64_t input_bytes_ = 0;
  bool sizes_known_ = true;
  uint64_t record_bytes_ = 0;
};

// The first pass of --conflicts reject: which records belong to a prompt with different answers.
// It mirrors the second pass up to the conflict decision (normalize, token limit, exact and near
// dedup, same-prompt grouping) so both passes see the same groups, and returns their ids, sorted.
std::optional<IoError> find_conflicting_ids(const std::vector<InputFile>& files, const PrepareOptions& options,
                                            const StreamOptions& stream, const TransformPlan& plan,
                                            std::vector<uint64_t>& ids) {
  oneapi::tbb::enumerable_thread_specific<Worker> workers([&] { return Worker(options.normalize); });
  ExactDeduplicator deduplicator;
  std::optional<NearStage> near;
  if (options.dedup == DedupMode::kNear) near.emplace(options.near, files);
  ConflictGrouper grouper;
  uint64_t id = 0;
  std::optional<IoError> stop_error;
  std::optional<std::pair<SourceLocation, double>> match;
  auto transform = [&](const Record& record, ProcessedRecord& processed) {
    process_record(record, files[record.source.file_index].path, workers.local(), plan, processed);
  };
  auto sink = [&](const Record& record, ProcessedRecord& processed) {
    const uint64_t this_id = id++;
    if (processed.rejected) return true;
    if (options.dedup != DedupMode::kNone && deduplicator.insert(processed.hash, record.source)) return true;
    if (near) {
      if ((stop_error = near->add(record, processed, match))) return false;
      if (match) return true;
    }
    grouper.add(this_id, processed.prompt_key, processed.answer_key);
    return true;
  };
  std::vector<StreamedInput> streamed;
  std::optional<IoError> error = stream_records<ProcessedRecord>(files, stream, streamed, transform, sink);
  if (!error) error = std::move(stop_error);
  if (error) return error;
  for (const ConflictGroup& group : grouper.groups()) ids.insert(ids.end(), group.ids.begin(), group.ids.end());
  std::sort(ids.begin(), ids.end());
  return std::nullopt;
}

// The collector behind report.json: the same tokenizer and limit as the run (no token figures
// without --model/--encoding/--max-tokens), and the content rules as findings only (prepare does
// not reject on them). Sets `error` and returns nullopt for a model the collector cannot resolve.
std::optional<StatsCollector> make_report_collector(const PrepareOptions& options, const std::vector<InputFile>& files,
                                                    std::optional<IoError>& error) {
  StatsCollectorOptions collector;
  collector.model = options.tokens && options.tokens->model != nullptr ? std::string(options.tokens->model->name)
                                                                       : std::string();
  collector.count_tokens = options.tokens.has_value();
  if (options.tokens) {
    collector.encoding = options.tokens->encoding;
    if (options.tokens->max_tokens != 0) collector.max_tokens = options.tokens->max_tokens;
  }
  collector.check_rules = options.report_findings;
  collector.rules = options.findings_rules;
  collector.checker_errors_reject = false;
  std::vector<std::string> paths;
  for (const InputFile& file : files) paths.push_back(file.path);
  collector.title = report_title(paths);
  IoError create_error;
  std::optional<StatsCollector> stats = StatsCollector::create(collector, create_error);
  if (!stats) error = std::move(create_error);
  return stats;
}

}  // namespace

PrepareResult run_prepare(const PrepareOptions& options, const StreamProgressCallback& progress) {
  PrepareResult result;
  PrepareSummary& summary = result.summary;
  const auto started = Clock::now();

  if (options.output_dir.empty()) {
    result.error = IoError{"missing -o DIR"};
    return result;
  }
  if (!(options.val_ratio >= 0.0 && options.val_ratio < 1.0)) {
    result.error = IoError{fmt::format("--val-ratio {} must be in [0, 1)", options.val_ratio)};
    return result;
  }
  const bool near = options.dedup == DedupMode::kNear;
  if (near) {
    if (options.near.num_perm == 0 || options.near.num_perm > kMaxNumPerm) {
      result.error = IoError{fmt::format("--num-perm {} must be in 1..{}", options.near.num_perm, kMaxNumPerm)};
      return result;
    }
    if (!(options.near.threshold > 0.0 && options.near.threshold <= 1.0)) {
      result.error = IoError{fmt::format("--near-threshold {} must be in (0, 1]", options.near.threshold)};
      return result;
    }
    if (options.near.shingle == 0) {
      result.error = IoError{"--shingle must be at least 1"};
      return result;
    }
  }
  ExpandResult expanded = expand_inputs(options.inputs);
  if (expanded.error) {
    result.error = std::move(expanded.error);
    return result;
  }
  const std::vector<InputFile>& files = expanded.files;
  if (options.conflicts == ConflictMode::kReject) {
    for (const InputFile& file : files) {
      if (file.path == "-") {
        result.error = IoError{"--conflicts reject reads the inputs twice and cannot read standard input; "
                               "save it to a file first, or use --conflicts first"};
        return result;
      }
    }
  }
  if (auto error = check_output_dir(options.output_dir, files)) {
    result.error = std::move(error);
    return result;
  }
  std::error_code ec;
  const fs::path out_dir(options.output_dir);
  fs::create_directories(out_dir, ec);
  if (ec) {
    result.error = IoError{fmt::format("-o {}: {}", options.output_dir, ec.message())};
    return result;
  }

  std::optional<MinHasher> hasher;
  if (near) hasher.emplace(options.near.num_perm, options.near.shingle);
  TransformPlan plan;
  plan.to = options.to;
  if (options.tokens) {
    plan.encoding = &Encoding::get(options.tokens->encoding);
    plan.tokens = &*options.tokens;
  }
  plan.hasher = hasher ? &*hasher : nullptr;
  plan.dedup_on = options.dedup_on;
  plan.fixes = options.fixes.empty() ? nullptr : &options.fixes;

  StreamOptions stream;
  stream.reader = options.reader;
  stream.jobs = options.jobs;
  stream.progress = progress;

  // --conflicts reject must know a group before writing its first record: a first pass finds them.
  std::vector<uint64_t> conflicting_ids;
  if (options.conflicts == ConflictMode::kReject) {
    StreamOptions quiet = stream;
    quiet.progress = {};
    if (auto error = find_conflicting_ids(files, options, quiet, plan, conflicting_ids)) {
      result.error = std::move(error);
      return result;
    }
  }

  // report.json: the facts of every record, collected alongside (the first pass above has none).
  std::optional<StatsCollector> stats = make_report_collector(options, files, result.error);
  if (!stats) return result;
  plan.stats = &*stats;

  const bool with_validation = options.val_ratio > 0.0;
  OutputSet outputs;
  if (auto error = outputs.open(out_dir, with_validation)) {
    result.error = std::move(error);
    return result;
  }

  oneapi::tbb::enumerable_thread_specific<Worker> workers([&] { return Worker(options.normalize); });
  ExactDeduplicator deduplicator;
  ConflictGrouper grouper;
  GroupSplitter splitter(options.seed, options.val_ratio);
  SplitLeakageCounter leakage;
  std::optional<NearStage> near_stage;
  if (near) near_stage.emplace(options.near, files);
  std::optional<std::pair<SourceLocation, double>> near_match;
  size_t conflict_cursor = 0;
  uint64_t tokens[2] = {0, 0};
  uint64_t trained_tokens[2] = {0, 0};
  std::optional<IoError> write_error;
  std::string line;

  auto transform = [&](const Record& record, ProcessedRecord& processed) {
    process_record(record, files[record.source.file_index].path, workers.local(), plan, processed);
  };
  auto reject_conflict = [&](const Record& record, const SourceLocation& first, IoError& error) {
    ++summary.counts.rejected;
    ++summary.rejections_by_rule[std::string(rule_name(RuleId::kConflictingAnswers))];
    Diagnostic d = make_diagnostic(
        RuleId::kConflictingAnswers,
        fmt::format("the same prompt as {}:{} with a different answer (--conflicts {})",
                    files[first.file_index].path, first.line, conflict_mode_name(options.conflicts)));
    d.severity = Severity::kError;  // prepare acts on it: the record is rejected
    return outputs.write(OutputSet::kRejected, render_rejected(files[record.source.file_index].path, record, {d}),
                         error);
  };
  auto write_duplicate = [&](const Record& record, const SourceLocation& first, std::string_view kind,
                             double similarity, IoError& error) {
    ++summary.counts.duplicates;
    line.clear();
    line += "{\"source\":";
    append_source(line, files[record.source.file_index].path, record.source);
    line += ",\"duplicate_of\":";
    append_source(line, files[first.file_index].path, first);
    line += ",\"kind\":\"";
    line += kind;
    line += fmt::format("\",\"similarity\":{}", similarity == 1.0 ? std::string("1.0") : fmt::format("{:.4f}", similarity));
    append_original_record(line, record.text);
    line += "}\n";
    return outputs.write(OutputSet::kDuplicates, line, error);
  };
  // Where the first record of each same-prompt group came from (by record id), to name it when a
  // later one is rejected; kept only when --conflicts rejects anything (16 bytes per record).
  std::vector<KeptLocation> group_first;
  auto first_location = [&](uint64_t id) -> SourceLocation {
    SourceLocation location;
    if (id < group_first.size()) {
      location.file_index = group_first[id].file_index;
      location.line = group_first[id].line;
      location.column = group_first[id].column;
    }
    return location;
  };

  // Routes each record, in input order: rejected, duplicate, or one side of the split.
  auto route = [&](const Record& record, ProcessedRecord& processed) -> bool {
    IoError error;
    const uint64_t id = summary.counts.records_in++;
    RecordFacts& facts = processed.facts;
    if (processed.rejected) {
      ++summary.counts.rejected;
      for (RuleId rule : processed.reject_rules) ++summary.rejections_by_rule[std::string(rule_info(rule).name)];
      stats->add(facts);
      if (!outputs.write(OutputSet::kRejected, processed.line, error)) return write_error = error, false;
      return true;
    }
    if (options.dedup != DedupMode::kNone) {
      if (auto first = deduplicator.insert(processed.hash, record.source)) {
        ++summary.exact_duplicates;
        facts.duplicate = DuplicateKind::kExact;
        stats->add(facts);
        if (!write_duplicate(record, *first, "exact", 1.0, error)) return write_error = error, false;
        return true;
      }
    }
    if (near_stage) {
      if (auto stop = near_stage->add(record, processed, near_match)) return write_error = std::move(stop), false;
      if (near_match) {
        ++summary.near_duplicates;
        facts.duplicate = DuplicateKind::kNear;
        stats->add(facts);
        if (!write_duplicate(record, near_match->first, "near", near_match->second, error)) {
          return write_error = error, false;
        }
        return true;
      }
    }
    // Same-prompt group: decides the side (a group never straddles) and the conflict action.
    const std::optional<ConflictHit> hit = grouper.add(id, processed.prompt_key, processed.answer_key);
    if (!hit && options.conflicts != ConflictMode::kKeep) {
      if (group_first.size() <= id) group_first.resize(std::max<uint64_t>(id + 1, group_first.size() * 2));
      group_first[id] = KeptLocation{record.source.line, record.source.file_index, record.source.column};
    }
    const Side side = splitter.assign(id, processed.hash, hit ? hit->first_id : id);
    facts.conflict = hit && hit->answer_differs_from_first;
    auto add_rejected_conflict = [&] {
      facts.rejected = true;
      facts.reject_rules.assign(1, std::string(rule_name(RuleId::kConflictingAnswers)));
      stats->add(facts);
    };
    if (options.conflicts == ConflictMode::kFirst && hit && hit->answer_differs_from_first) {
      add_rejected_conflict();
      if (!reject_conflict(record, first_location(hit->first_id), error)) return write_error = error, false;
      return true;
    }
    if (options.conflicts == ConflictMode::kReject) {
      while (conflict_cursor < conflicting_ids.size() && conflicting_ids[conflict_cursor] < id) ++conflict_cursor;
      if (conflict_cursor < conflicting_ids.size() && conflicting_ids[conflict_cursor] == id) {
        add_rejected_conflict();
        const SourceLocation first = hit ? first_location(hit->first_id) : record.source;
        if (!reject_conflict(record, first, error)) return write_error = error, false;
        return true;
      }
    }
    facts.validation = side == Side::kValidation;
    stats->add(facts);
    ++summary.records_by_format[std::string(source_format_name(processed.format))];
    for (RuleId rule : processed.fixed_rules) ++summary.fixes_by_rule[std::string(rule_name(rule))];
    if (processed.tokens.truncated) ++summary.truncated;
    const int s = side == Side::kValidation ? 1 : 0;
    tokens[s] += processed.tokens.total;
    trained_tokens[s] += processed.tokens.trained;
    leakage.add(processed.hash, side);
    if (side == Side::kValidation) {
      ++summary.counts.validation;
      if (!outputs.write(OutputSet::kValidation, processed.line, error)) return write_error = error, false;
    } else {
      ++summary.counts.train;
      if (!outputs.write(OutputSet::kTrain, processed.line, error)) return write_error = error, false;
    }
    return true;
  };

  std::vector<StreamedInput> streamed;
  std::optional<IoError> io_error =
      stream_records<ProcessedRecord>(files, stream, streamed, transform, route);
  if (!io_error) io_error = std::move(write_error);
  if (io_error) {
    result.error = std::move(io_error);
    return result;
  }
  summary.inputs.resize(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    summary.inputs[i] = InputSummary{files[i].path, streamed[i].sha256, streamed[i].bytes, streamed[i].records};
  }

  for (const InputSummary& input : summary.inputs) {
    summary.bytes_in += input.bytes;
    if (input.records == 0) summary.warnings.push_back(fmt::format("{}: no records", input.path));
  }
  for (const ConflictGroup& group : grouper.groups()) {
    ++summary.conflict_groups;
    summary.conflict_records += group.ids.size();
  }
  summary.leakage_exact = leakage.exact();
  if (near_stage) {
    // Every kept record was compared with every kept record before it, and a match was removed:
    // no kept validation record is similar to a kept train record (see docs/prepare.md).
    summary.leakage_near = 0;
    summary.near_index_bytes = near_stage->memory_bytes();
  }

  // Finish every file, then the manifest, then rename them all into place.
  IoError error;
  const char* names[] = {kTrainName, kValidationName, kRejectedName, kDuplicatesName};
  auto& out_files = outputs.files();
  for (size_t i = 0; i < out_files.size(); ++i) {
    if (!out_files[i]) continue;
    if (!out_files[i]->finish(error)) {
      result.error = error;
      return result;
    }
    OutputSummary output{names[i], out_files[i]->sha256_hex(), outputs.records(i), out_files[i]->bytes_written(),
                         std::nullopt, std::nullopt};
    if (options.tokens && i <= OutputSet::kValidation) {
      output.tokens = tokens[i];
      output.trained_tokens = trained_tokens[i];
    }
    summary.outputs.push_back(std::move(output));
  }
  // The reports: report.json always, report.html / report.md on request.
  std::vector<std::string> paths;
  for (const InputFile& file : files) paths.push_back(file.path);
  result.report = stats->finish(std::move(paths));
  std::vector<AtomicOutputFile> report_files;
  auto write_report = [&](const char* name, const std::string& text) {
    auto file = AtomicOutputFile::create(out_dir / name, error);
    if (!file || !file->write(text, error) || !file->finish(error)) return false;
    summary.reports.push_back(ReportFileSummary{name, file->sha256_hex(), file->bytes_written()});
    report_files.push_back(std::move(*file));
    return true;
  };
  if (!write_report(kReportJsonName, render_json(result.report)) ||
      (options.report_html && !write_report(kReportHtmlName, render_html(result.report))) ||
      (options.report_markdown && !write_report(kReportMarkdownName, render_markdown(result.report)))) {
    result.error = error;
    return result;
  }

  summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  auto manifest = AtomicOutputFile::create(out_dir / kManifestName, error);
  if (!manifest || !manifest->write(render_manifest(options, summary), error) || !manifest->finish(error)) {
    result.error = error;
    return result;
  }
  for (auto& file : out_files) {
    if (file && !file->commit(error)) {
      result.error = error;
      return result;
    }
  }
  for (AtomicOutputFile& file : report_files) {
    if (!file.commit(error)) {
      result.error = error;
      return result;
    }
  }
  // Stale files of an earlier run that this one does not write.
  if (!with_validation) fs::remove(out_dir / kValidationName, ec);
  if (!options.report_html) fs::remove(out_dir / kReportHtmlName, ec);
  if (!options.report_markdown) fs::remove(out_dir / kReportMarkdownName, ec);
  if (!manifest->commit(error)) {
    result.error = error;
    return result;
  }
  return result;
}

namespace {

void append_optional_count(std::string& out, const std::optional<uint64_t>& value) {
  out += value ? fmt::format("{}", *value) : std::string("null");
}

// {"key": count, ...} on one line, in the map's (sorted) order.
void append_counts(std::string& out, const std::map<std::string, uint64_t>& counts) {
  out += '{';
  bool first = true;
  for (const auto& [key, count] : counts) {
    if (!first) out += ", ";
    first = false;
    append_json_string(out, key);
    out += fmt::format(": {}", count);
  }
  out += '}';
}

}  // namespace

std::string render_manifest(const PrepareOptions& options, const PrepareSummary& summary) {
  std::string out;
  out += "{\n  \"tool\": {\"name\": \"tuneprep\", \"version\": \"" TUNEPREP_VERSION "\"},\n";
  out += "  \"options\": {\"to\": ";
  append_json_string(out, output_format_name(options.to));
  out += fmt::format(", \"seed\": {}, \"val_ratio\": {}, \"dedup\": ", options.seed, options.val_ratio);
  append_json_string(out, dedup_mode_name(options.dedup));
  if (options.dedup == DedupMode::kNear) {
    out += ", \"dedup_on\": ";
    append_json_string(out, dedup_on_name(options.dedup_on));
    out += fmt::format(", \"near\": {{\"threshold\": {}, \"shingle\": {}, \"num_perm\": {}}}", options.near.threshold,
                       options.near.shingle, options.near.num_perm);
  } else {
    out += ", \"dedup_on\": null, \"near\": null";
  }
  out += ", \"conflicts\": ";
  append_json_string(out, conflict_mode_name(options.conflicts));
  out += ", \"model\": ";
  if (options.tokens && options.tokens->model != nullptr) {
    append_json_string(out, options.tokens->model->name);
  } else {
    out += "null";
  }
  out += ", \"encoding\": ";
  if (options.tokens) {
    append_json_string(out, encoding_name(options.tokens->encoding));
  } else {
    out += "null";
  }
  out += ", \"max_tokens\": ";
  out += options.tokens && options.tokens->max_tokens != 0 ? fmt::format("{}", options.tokens->max_tokens)
                                                           : std::string("null");
  out += fmt::format(", \"truncate\": {}", options.tokens && options.tokens->truncate);
  out += ", \"fix\": [";
  bool first_fix = true;
  for (const RuleInfo& rule : all_rules()) {
    if (!options.fixes.contains(rule.id)) continue;
    if (!first_fix) out += ", ";
    first_fix = false;
    append_json_string(out, rule.name);
  }
  out += ']';
  out += fmt::format(", \"report\": [\"json\"{}{}]", options.report_html ? ", \"html\"" : "",
                     options.report_markdown ? ", \"md\"" : "");
  out += ", \"system\": ";
  if (options.normalize.system_prompt.empty()) {
    out += "null";
  } else {
    append_json_string(out, options.normalize.system_prompt);
  }
  out += "},\n  \"inputs\": [";
  for (size_t i = 0; i < summary.inputs.size(); ++i) {
    const InputSummary& input = summary.inputs[i];
    out += i == 0 ? "\n    " : ",\n    ";
    out += "{\"path\": ";
    append_json_string(out, input.path);
    out += fmt::format(", \"sha256\": \"{}\", \"bytes\": {}, \"records\": {}}}", input.sha256, input.bytes,
                       input.records);
  }
  out += "\n  ],\n  \"outputs\": [";
  for (size_t i = 0; i < summary.outputs.size(); ++i) {
    const OutputSummary& output = summary.outputs[i];
    out += i == 0 ? "\n    " : ",\n    ";
    out += "{\"path\": ";
    append_json_string(out, output.name);
    out += fmt::format(", \"sha256\": \"{}\", \"bytes\": {}, \"records\": {}, \"tokens\": ", output.sha256,
                       output.bytes, output.records);
    append_optional_count(out, output.tokens);
    out += ", \"trained_tokens\": ";
    append_optional_count(out, output.trained_tokens);
    out += '}';
  }
  out += "\n  ],\n  \"reports\": [";
  for (size_t i = 0; i < summary.reports.size(); ++i) {
    const ReportFileSummary& report = summary.reports[i];
    out += i == 0 ? "\n    " : ",\n    ";
    out += "{\"path\": ";
    append_json_string(out, report.name);
    out += fmt::format(", \"sha256\": \"{}\", \"bytes\": {}}}", report.sha256, report.bytes);
  }
  const PrepareCounts& c = summary.counts;
  out += fmt::format(
      "\n  ],\n  \"counts\": {{\"records_in\": {}, \"train\": {}, \"validation\": {}, \"rejected\": {}, "
      "\"duplicates\": {}}},\n",
      c.records_in, c.train, c.validation, c.rejected, c.duplicates);
  out += fmt::format("  \"duplicates\": {{\"exact\": {}, \"near\": {}}},\n", summary.exact_duplicates,
                     summary.near_duplicates);
  out += fmt::format("  \"conflicts\": {{\"groups\": {}, \"records\": {}}},\n", summary.conflict_groups,
                     summary.conflict_records);
  out += "  \"truncated\": ";
  append_optional_count(out, options.tokens ? std::optional<uint64_t>(summary.truncated) : std::nullopt);
  out += ",\n  \"rejections\": ";
  append_counts(out, summary.rejections_by_rule);
  out += ",\n  \"fixes\": ";
  append_counts(out, summary.fixes_by_rule);
  out += ",\n  \"formats\": ";
  append_counts(out, summary.records_by_format);
  out += fmt::format(",\n  \"leakage\": {{\"exact\": {}, \"near\": ", summary.leakage_exact);
  append_optional_count(out, summary.leakage_near);
  out += "}\n}\n";
  return out;
}

}  // namespace tuneprep
