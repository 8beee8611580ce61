// prepare: the `prepare` driver as named stages. analyse runs the record analysis in parallel; the
// serial, in-order sink routes each record through reject -> exact -> near -> conflicts -> split
// -> write; commit finishes the files, the reports and the manifest in a staging directory and
// swaps it in place of the output directory with one rename (AtomicOutputDir).
// oneTBB's parallel_pipeline under stream_records makes the bytes the same for any -j.
#include "tuneprep/prepare.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <system_error>

#include <fmt/core.h>

#include "prepare/output_set.hpp"
#include "tuneprep/dedup.hpp"
#include "tuneprep/json_writer.hpp"
#include "tuneprep/leakage.hpp"
#include "tuneprep/prepare_shard.hpp"
#include "tuneprep/split.hpp"
#include "tuneprep/stats_run.hpp"

namespace tuneprep {
namespace fs = std::filesystem;

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

namespace {

using Clock = std::chrono::steady_clock;
using prepare::OutputSet;

// The named stages, in pipeline order (--timings prints them so). `report` adds the record's facts to
// report.json's accumulator.
enum Stage : size_t {
  kRead, kAnalyse, kReject, kExact, kNear, kConflicts, kSplit, kReport, kWrite, kCommit, kStageCount
};
constexpr const char* kStageNames[kStageCount] = {"read",  "analyse", "reject", "exact",  "near",
                                                  "conflicts", "split", "report", "write", "commit"};

// Time and records per stage. The serial stages are timed per record only with --timings (a
// clock read costs about 20 ns, too much to pay on every run).
class StageClock {
 public:
  explicit StageClock(bool enabled) : enabled_(enabled) {}
  // Starts timing `stage` for one record; the time runs until the next start() or stop().
  void start(Stage stage) {
    ++records_[stage];
    if (!enabled_) return;
    const auto now = Clock::now();
    if (running_ != kStageCount) seconds_[running_] += std::chrono::duration<double>(now - since_).count();
    running_ = stage;
    since_ = now;
  }
  void stop() {
    if (!enabled_ || running_ == kStageCount) return;
    seconds_[running_] += std::chrono::duration<double>(Clock::now() - since_).count();
    running_ = kStageCount;
  }
  void add(Stage stage, double seconds, uint64_t records) {
    seconds_[stage] += seconds;
    records_[stage] += records;
  }
  std::vector<StageTiming> timings() const {
    std::vector<StageTiming> out;
    for (size_t i = 0; i < kStageCount; ++i) out.push_back(StageTiming{kStageNames[i], seconds_[i], records_[i]});
    return out;
  }

 private:
  bool enabled_;
  Stage running_ = kStageCount;
  Clock::time_point since_;
  double seconds_[kStageCount] = {};
  uint64_t records_[kStageCount] = {};
};

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

// The near stage: the index, where each indexed record came from, and the early projection of the
// index size against --max-memory.
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
  std::optional<IoError> add(const SourceLocation& source, uint64_t text_bytes, const RecordAnalysis& analysis,
                             std::optional<std::pair<SourceLocation, double>>& match) {
    match.reset();
    record_bytes_ += text_bytes;
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
    NearAddResult added = index_.add(id, SignatureView{analysis.signature, analysis.shingles});
    if (added.error) return IoError{added.error->message};
    locations_.push_back(KeptLocation{source.line, source.file_index, source.column});
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

// Checks the options that do not depend on the inputs.
std::optional<IoError> check_options(const PrepareOptions& options) {
  if (options.output_dir.empty()) return IoError{"missing -o DIR"};
  if (!(options.val_ratio >= 0.0 && options.val_ratio < 1.0)) {
    return IoError{fmt::format("--val-ratio {} must be in [0, 1)", options.val_ratio)};
  }
  if (options.dedup == DedupMode::kNear) {
    if (options.near.num_perm == 0 || options.near.num_perm > kMaxNumPerm) {
      return IoError{fmt::format("--num-perm {} must be in 1..{}", options.near.num_perm, kMaxNumPerm)};
    }
    if (!(options.near.threshold > 0.0 && options.near.threshold <= 1.0)) {
      return IoError{fmt::format("--near-threshold {} must be in (0, 1]", options.near.threshold)};
    }
    if (options.near.shingle == 0) return IoError{"--shingle must be at least 1"};
  }
  return std::nullopt;
}

// Takes the output directory's lock (waiting when asked, with a note), then checks under it that
// what the directory holds may be replaced. nullopt with `error` when either fails.
std::optional<AtomicOutputDir> open_output_dir(const PrepareOptions& options, std::optional<IoError>& error) {
  OutputDirOptions dir_options;
  dir_options.wait = options.wait;
  if (options.on_note) {
    dir_options.on_wait = [&](const std::string& lock) {
      options.on_note(fmt::format("waiting for another tuneprep run writing {} (lock {})", options.output_dir, lock));
    };
  }
  IoError open_error;
  std::optional<AtomicOutputDir> output_dir = AtomicOutputDir::open(options.output_dir, dir_options, open_error);
  if (!output_dir) {
    error = std::move(open_error);
    return std::nullopt;
  }
  if (auto refused = prepare::check_replaceable(output_dir->target(), options.output_dir)) {
    error = std::move(refused);
    return std::nullopt;
  }
  return output_dir;
}

// One run of prepare: its settings, the state of its serial stages, and its summary.
class PrepareRun {
 public:
  PrepareRun(const PrepareOptions& options, const std::vector<InputFile>& files, std::optional<TokenBudget> tokens,
             AtomicOutputDir& output_dir, PrepareResult& result)
      : options_(options),
        output_dir_(output_dir),
        files_(files),
        tokens_(std::move(tokens)),
        result_(result),
        summary_(result.summary),
        clock_(options.timings),
        splitter_(options.seed, options.val_ratio) {
    if (options.dedup == DedupMode::kNear) hasher_.emplace(options.near.num_perm, options.near.shingle);
    analyzer_.emplace(analysis_options(/*with_facts=*/true));
  }

  std::optional<IoError> run(const StreamProgressCallback& progress);
  // --shard: analyses the records `plan` gives this shard (of files_, the shard's files, the first
  // of which is input `first_file` of the run) and writes the shard files instead of the set.
  std::optional<IoError> run_shard(const ShardPlan& plan, uint32_t first_file, const ShardHeader& header,
                                   const StreamProgressCallback& progress);
  // merge: the same serial stages fed from the shards' files (`dirs` in shard order).
  std::optional<IoError> run_merge(const std::vector<std::string>& dirs);

 private:
  std::optional<IoError> open_stages();
  AnalysisOptions analysis_options(bool with_facts) const {
    AnalysisOptions analysis;
    analysis.normalize = options_.normalize;
    analysis.rules = options_.rules;
    analysis.warnings = options_.report_findings;
    analysis.fixes = options_.fixes;
    analysis.tokens = tokens_;
    analysis.near = hasher_ ? &*hasher_ : nullptr;
    analysis.near_on = options_.dedup_on;
    analysis.write_as = options_.to;
    analysis.rejected_line = true;
    if (with_facts) analysis.facts = FactsOptions{};
    return analysis;
  }
  StatsCollector make_collector() const {
    StatsCollectorOptions report;
    report.tokens = tokens_;
    if (tokens_ && tokens_->model != nullptr) report.model = options_.tokens->model;
    report.findings_checked = options_.report_findings;
    std::vector<std::string> paths;
    for (const InputFile& file : files_) paths.push_back(file.path);
    report.title = report_title(paths);
    return StatsCollector(std::move(report));
  }
  StreamOptions stream_options(const StreamProgressCallback& progress, StreamTimings* timings) const {
    StreamOptions stream;
    stream.reader = options_.reader;
    stream.jobs = options_.jobs;
    // On more than one core the input's sha256 leaves the serial read stage.
    stream.reader.hash_in_background = resolve_jobs(options_.jobs) > 1;
    stream.progress = progress;
    stream.timings = timings;
    return stream;
  }

  std::optional<IoError> find_conflicting_ids();
  bool route(const Record& record, RecordAnalysis& analysis);
  // The table slots route() will look up for this record: asked for a few records ahead, since
  // with a million distinct examples each lookup is a cache miss.
  void prefetch(const RecordAnalysis& analysis) const {
    if (analysis.rejected) return;
    if (options_.dedup != DedupMode::kNone) deduplicator_.prefetch(analysis.hash);
    if (analysis.has_conflict_keys) grouper_.prefetch(analysis.prompt_key);
    if (options_.dedup == DedupMode::kNone) leakage_.prefetch(analysis.hash);
    stats_->prefetch(analysis.facts);
  }
  bool write_duplicate(const Record& record, const SourceLocation& first, std::string_view kind, double similarity);
  bool reject_conflict(const Record& record, RecordFacts& facts, const SourceLocation& first);
  bool write(OutputSet::Index index, std::string_view line);
  std::optional<IoError> commit(const std::vector<StreamedInput>& streamed);
  SourceLocation group_first_location(uint64_t id) const {
    return id < group_first_.size() ? group_first_[id].source() : SourceLocation{};
  }
  const std::string& path_of(const SourceLocation& source) const { return files_[source.file_index].path; }

  const PrepareOptions& options_;
  AtomicOutputDir& output_dir_;  // locked; the run writes into its staging directory
  const std::vector<InputFile>& files_;
  std::optional<TokenBudget> tokens_;
  PrepareResult& result_;
  PrepareSummary& summary_;
  StageClock clock_;
  std::optional<MinHasher> hasher_;
  std::optional<RecordAnalyzer> analyzer_;
  std::optional<StatsCollector> stats_;
  OutputSet outputs_;
  ExactDeduplicator deduplicator_;
  std::optional<NearStage> near_;
  // --dedup near with a validation set: the validation examples, to measure near leakage exactly
  // after the split (the LSH that removed near duplicates can miss a pair).
  std::optional<NearLeakageIndex> near_leakage_;
  std::optional<Normalizer> output_reader_;
  std::string comparison_;
  ConflictGrouper grouper_;
  GroupSplitter splitter_;
  SplitLeakageCounter leakage_;
  std::vector<uint64_t> conflicting_ids_;  // --conflicts reject: from the first pass, sorted
  size_t conflict_cursor_ = 0;
  // Where the first record of each same-prompt group came from (by record id), to name it when a
  // later one is rejected; kept only when --conflicts rejects anything (16 bytes per record).
  std::vector<KeptLocation> group_first_;
  // Records read by detected shape (by SourceFormat, then unrecognised): counted in an array
  // per record, named in the summary once at commit.
  static constexpr size_t kUnrecognised = static_cast<size_t>(SourceFormat::kCsv) + 1;
  std::array<uint64_t, kUnrecognised + 1> records_by_format_{};
  uint64_t tokens_by_side_[2] = {0, 0};
  uint64_t trained_tokens_by_side_[2] = {0, 0};
  std::optional<IoError> write_error_;
  std::optional<std::pair<SourceLocation, double>> near_match_;
  std::string line_;
};

// The first pass of --conflicts reject: which records belong to a prompt with different answers.
// It runs the same stages as the second pass up to the conflict decision (analyse, reject, exact,
// near, conflicts), so both passes see the same groups. merge feeds it from the fingerprints.
class ConflictPass {
 public:
  ConflictPass(const PrepareOptions& options, const std::vector<InputFile>& files) : options_(options) {
    if (options.dedup == DedupMode::kNear) near_.emplace(options.near, files);
  }
  // One record, in input order; false (and `error`) stops the run.
  bool add(const SourceLocation& source, uint64_t text_bytes, const RecordAnalysis& analysis,
           std::optional<IoError>& error) {
    const uint64_t id = id_++;
    if (analysis.rejected) return true;
    if (options_.dedup != DedupMode::kNone && deduplicator_.insert(analysis.hash, source)) return true;
    if (near_) {
      if ((error = near_->add(source, text_bytes, analysis, match_))) return false;
      if (match_) return true;
    }
    if (analysis.has_conflict_keys) grouper_.add(id, analysis.prompt_key, analysis.answer_key);
    return true;
  }
  std::vector<uint64_t> conflicting_ids() const {
    std::vector<uint64_t> ids;
    for (const ConflictGroup& group : grouper_.groups()) ids.insert(ids.end(), group.ids.begin(), group.ids.end());
    std::sort(ids.begin(), ids.end());
    return ids;
  }

 private:
  const PrepareOptions& options_;
  ExactDeduplicator deduplicator_;
  std::optional<NearStage> near_;
  ConflictGrouper grouper_;
  uint64_t id_ = 0;
  std::optional<std::pair<SourceLocation, double>> match_;
};

std::optional<IoError> PrepareRun::find_conflicting_ids() {
  const RecordAnalyzer analyzer(analysis_options(/*with_facts=*/false));
  ConflictPass pass(options_, files_);
  std::optional<IoError> stop_error;
  auto transform = [&](const Record& record, RecordAnalysis& analysis) {
    analyzer.analyze(record, path_of(record.source), analysis);
  };
  auto sink = [&](const Record& record, RecordAnalysis& analysis) {
    return pass.add(record.source, record.text.size(), analysis, stop_error);
  };
  std::vector<StreamedInput> streamed;
  const auto started = Clock::now();
  std::optional<IoError> error =
      stream_records<RecordAnalysis>(files_, stream_options({}, nullptr), streamed, transform, sink);
  clock_.add(kConflicts, std::chrono::duration<double>(Clock::now() - started).count(), 0);
  if (!error) error = std::move(stop_error);
  if (error) return error;
  conflicting_ids_ = pass.conflicting_ids();
  return std::nullopt;
}

bool PrepareRun::write(OutputSet::Index index, std::string_view line) {
  IoError error;
  if (outputs_.write(index, line, error)) return true;
  write_error_ = std::move(error);
  return false;
}

bool PrepareRun::write_duplicate(const Record& record, const SourceLocation& first, std::string_view kind,
                                 double similarity) {
  ++summary_.counts.duplicates;
  line_.clear();
  JsonWriter writer(line_, JsonLayout::kCompact);
  writer.begin_object();
  writer.key("source");
  write_source(writer, path_of(record.source), record.source);
  writer.key("duplicate_of");
  write_source(writer, path_of(first), first);
  writer.field("kind", kind);
  writer.key("similarity");
  writer.raw(similarity == 1.0 ? std::string("1.0") : fmt::format("{:.4f}", similarity));
  write_original_record(writer, record.text);
  writer.end_object();
  line_ += '\n';
  return write(OutputSet::kDuplicates, line_);
}

bool PrepareRun::reject_conflict(const Record& record, RecordFacts& facts, const SourceLocation& first) {
  facts.rejected = true;
  facts.reject_rules.assign(1, std::string(rule_name(RuleId::kConflictingAnswers)));
  clock_.start(kReport);
  stats_->add(facts);
  clock_.start(kWrite);
  ++summary_.counts.rejected;
  ++summary_.rejections_by_rule[std::string(rule_name(RuleId::kConflictingAnswers))];
  Diagnostic d = make_diagnostic(RuleId::kConflictingAnswers,
                                 fmt::format("the same prompt as {}:{} with a different answer (--conflicts {})",
                                             path_of(first), first.line, conflict_mode_name(options_.conflicts)));
  d.severity = Severity::kError;  // prepare acts on it: the record is rejected
  return write(OutputSet::kRejected, render_rejected(path_of(record.source), record, {d}));
}

// Routes one record, in input order, through the serial stages: rejected, duplicate, or one side
// of the split.
bool PrepareRun::route(const Record& record, RecordAnalysis& analysis) {
  const uint64_t id = summary_.counts.records_in++;
  RecordFacts& facts = analysis.facts;
  // Every record read, kept or not, as report.json and stats count them.
  ++records_by_format_[analysis.format ? static_cast<size_t>(*analysis.format) : kUnrecognised];

  clock_.start(kReject);
  if (analysis.rejected) {
    ++summary_.counts.rejected;
    for (RuleId rule : analysis.reject_rules) ++summary_.rejections_by_rule[std::string(rule_name(rule))];
    clock_.start(kReport);
    stats_->add(facts);
    clock_.start(kWrite);
    return write(OutputSet::kRejected, analysis.line);
  }

  if (options_.dedup != DedupMode::kNone) {
    clock_.start(kExact);
    if (auto first = deduplicator_.insert(analysis.hash, record.source)) {
      ++summary_.exact_duplicates;
      facts.duplicate = DuplicateKind::kExact;
      clock_.start(kReport);
      stats_->add(facts);
      clock_.start(kWrite);
      return write_duplicate(record, *first, "exact", 1.0);
    }
  }
  if (near_) {
    clock_.start(kNear);
    if (auto stop = near_->add(record.source, record.text.size(), analysis, near_match_)) {
      write_error_ = std::move(stop);
      return false;
    }
    if (near_match_) {
      ++summary_.near_duplicates;
      facts.duplicate = DuplicateKind::kNear;
      clock_.start(kReport);
      stats_->add(facts);
      clock_.start(kWrite);
      return write_duplicate(record, near_match_->first, "near", near_match_->second);
    }
  }

  // Same-prompt group: decides the side (a group never straddles) and the conflict action.
  clock_.start(kConflicts);
  std::optional<ConflictHit> hit;
  if (analysis.has_conflict_keys) hit = grouper_.add(id, analysis.prompt_key, analysis.answer_key);
  if (!hit && options_.conflicts != ConflictMode::kKeep) {
    if (group_first_.size() <= id) group_first_.resize(std::max<uint64_t>(id + 1, group_first_.size() * 2));
    group_first_[id] = KeptLocation{record.source.line, record.source.file_index, record.source.column};
  }
  facts.conflict = hit && hit->answer_differs_from_first;
  if (options_.conflicts == ConflictMode::kFirst && facts.conflict) {
    return reject_conflict(record, facts, group_first_location(hit->first_id));
  }
  if (options_.conflicts == ConflictMode::kReject) {
    while (conflict_cursor_ < conflicting_ids_.size() && conflicting_ids_[conflict_cursor_] < id) ++conflict_cursor_;
    if (conflict_cursor_ < conflicting_ids_.size() && conflicting_ids_[conflict_cursor_] == id) {
      return reject_conflict(record, facts, hit ? group_first_location(hit->first_id) : record.source);
    }
  }

  clock_.start(kSplit);
  const Side side = splitter_.assign(id, analysis.hash, hit ? hit->first_id : id);
  if (options_.dedup != DedupMode::kNone) {
    leakage_.add(deduplicator_, analysis.hash, side);
  } else {
    leakage_.add(analysis.hash, side);
  }
  facts.validation = side == Side::kValidation;
  for (RuleId rule : analysis.fixed_rules) ++summary_.fixes_by_rule[std::string(rule_name(rule))];
  if (analysis.tokens.truncated) ++summary_.truncated;
  const int s = side == Side::kValidation ? 1 : 0;
  tokens_by_side_[s] += analysis.tokens.total;
  trained_tokens_by_side_[s] += analysis.tokens.trained;
  clock_.start(kReport);
  stats_->add(facts);

  clock_.start(kWrite);
  if (side == Side::kValidation) {
    ++summary_.counts.validation;
    if (near_leakage_) {
      comparison_.clear();
      output_line_comparison_text(*output_reader_, analysis.line, options_.dedup_on, comparison_);
      near_leakage_->add_validation(comparison_);  // one id per validation example, in order
    }
    return write(OutputSet::kValidation, analysis.line);
  }
  ++summary_.counts.train;
  return write(OutputSet::kTrain, analysis.line);
}

std::optional<IoError> PrepareRun::open_stages() {
  stats_.emplace(make_collector());
  // On more than one core the sha256 and write(2) of the outputs leave the serial write stage.
  if (auto error = outputs_.open(output_dir_.staging(), options_.val_ratio > 0.0, resolve_jobs(options_.jobs) > 1)) {
    return error;
  }
  if (options_.dedup == DedupMode::kNear) {
    near_.emplace(options_.near, files_);
    if (options_.val_ratio > 0.0) {
      near_leakage_.emplace(options_.near.threshold, options_.near.shingle);
      output_reader_.emplace(NormalizeOptions{});
    }
  }
  return std::nullopt;
}

std::optional<IoError> PrepareRun::run(const StreamProgressCallback& progress) {
  // --conflicts reject must know a group before writing its first record: a first pass finds them.
  if (options_.conflicts == ConflictMode::kReject) {
    if (auto error = find_conflicting_ids()) return error;
  }
  if (auto error = open_stages()) return error;

  StreamTimings timings;
  auto transform = [&](const Record& record, RecordAnalysis& analysis) {
    analyzer_->analyze(record, path_of(record.source), analysis);
  };
  RecordCountEstimate estimate(files_);
  auto sink = [&](const Record& record, RecordAnalysis& analysis) {
    if (const uint64_t expected = estimate.add(record)) {
      if (options_.dedup != DedupMode::kNone) deduplicator_.reserve(expected);
      grouper_.reserve(expected);
    }
    const bool ok = route(record, analysis);
    clock_.stop();
    return ok;
  };
  std::vector<StreamedInput> streamed;
  std::optional<IoError> error = stream_records<RecordAnalysis>(
      files_, stream_options(progress, &timings), streamed, transform, sink,
      [&](const RecordAnalysis& analysis) { prefetch(analysis); });
  if (!error) error = std::move(write_error_);
  if (error) return error;
  clock_.add(kRead, timings.read_seconds, 0);
  clock_.add(kAnalyse, timings.transform_seconds, summary_.counts.records_in);

  const auto commit_started = Clock::now();
  error = commit(streamed);
  clock_.add(kCommit, std::chrono::duration<double>(Clock::now() - commit_started).count(), 0);
  if (options_.timings) summary_.stages = clock_.timings();
  return error;
}

namespace {

// What the serial stages read of a record's analysis, from its fingerprint.
void analysis_from_fingerprint(ShardFingerprint& fingerprint, RecordAnalysis& analysis) {
  analysis.rejected = fingerprint.rejected;
  analysis.hash = fingerprint.hash;
  analysis.has_conflict_keys = fingerprint.has_conflict_keys;
  analysis.prompt_key = fingerprint.prompt_key;
  analysis.answer_key = fingerprint.answer_key;
  analysis.shingles = fingerprint.shingles;
  analysis.signature.swap(fingerprint.signature);
}

// One shard's manifest.json: what it is and its files (a shard directory is an output set: it is
// replaced as a whole, and never read as input).
std::string render_shard_manifest(const ShardHeader& header, uint64_t records,
                                  const std::vector<ReportFileSummary>& files) {
  std::string out;
  JsonWriter writer(out);
  writer.begin_object();
  writer.object_one_line("tool", [&] {
    writer.field("name", "tuneprep");
    writer.field("version", TUNEPREP_VERSION);
  });
  writer.object_one_line("shard", [&] {
    writer.field("index", header.shard.index);
    writer.field("count", header.shard.count);
    writer.field("format_version", header.version);
  });
  writer.field("records", records);
  writer.key("files");
  writer.begin_array();
  for (const ReportFileSummary& file : files) {
    writer.begin_object_one_line();
    writer.field("path", file.name);
    writer.field("sha256", file.sha256);
    writer.field("bytes", file.bytes);
    writer.end_object();
  }
  writer.end_array();
  writer.end_object();
  out += '\n';
  return out;
}

}  // namespace

std::optional<IoError> PrepareRun::run_shard(const ShardPlan& plan, uint32_t first_file, const ShardHeader& header,
                                             const StreamProgressCallback& progress) {
  IoError error;
  const fs::path& dir = output_dir_.staging();
  auto fingerprints = ShardFileWriter::create(dir / kShardFingerprintsName, ShardFileReader::Kind::kFingerprints,
                                              header, error);
  if (!fingerprints) return error;
  auto records = ShardFileWriter::create(dir / kShardRecordsName, ShardFileReader::Kind::kRecords, header, error);
  if (!records) return error;

  // Records of a file this shard reads but does not own are framed (for their lines and the
  // file's sha256) and not analysed.
  struct ShardItem {
    bool owned = false;
    RecordAnalysis analysis;
  };
  StreamTimings timings;
  auto transform = [&](const Record& record, ShardItem& item) {
    item.owned = plan.owns(first_file + record.source.file_index, record.source.offset);
    if (item.owned) analyzer_->analyze(record, path_of(record.source), item.analysis);
  };
  std::optional<IoError> write_error;
  auto sink = [&](const Record& record, ShardItem& item) {
    if (!item.owned) {
      // Past the range, in a file another shard reports (sha256, records): stop reading, no error.
      const uint32_t file_index = first_file + record.source.file_index;
      return !(plan.after(file_index, record.source.offset) && !plan.owns_start(file_index));
    }
    ++summary_.counts.records_in;
    const uint32_t file_index = first_file + record.source.file_index;
    item.analysis.facts.file_index = file_index;
    IoError failed;
    if (!fingerprints->write_fingerprint(record, file_index, item.analysis, failed) ||
        !records->write_record(record, item.analysis, failed)) {
      write_error = std::move(failed);
      return false;
    }
    return true;
  };
  std::vector<StreamedInput> streamed;
  std::optional<IoError> stream_error =
      stream_records<ShardItem>(files_, stream_options(progress, &timings), streamed, transform, sink);
  if (!stream_error) stream_error = std::move(write_error);
  if (stream_error) return stream_error;
  clock_.add(kRead, timings.read_seconds, 0);
  clock_.add(kAnalyse, timings.transform_seconds, summary_.counts.records_in);

  const auto commit_started = Clock::now();
  std::vector<ShardInputResult> inputs;
  for (uint32_t i = 0; i < files_.size(); ++i) {
    summary_.inputs.push_back(InputSummary{files_[i].path, streamed[i].sha256, streamed[i].bytes, streamed[i].records});
    summary_.bytes_in += streamed[i].bytes;
    if (plan.owns_start(first_file + i)) inputs.push_back(ShardInputResult{first_file + i, streamed[i]});
  }
  const uint64_t count = summary_.counts.records_in;
  if (!fingerprints->finish(count, inputs, error) || !records->finish(count, inputs, error)) return error;
  std::vector<ReportFileSummary> files{
      {kShardFingerprintsName, fingerprints->sha256_hex(), fingerprints->bytes_written()},
      {kShardRecordsName, records->sha256_hex(), records->bytes_written()}};
  auto manifest = AtomicOutputFile::create(dir / prepare::kManifestName, error);
  if (!manifest || !manifest->write(render_shard_manifest(header, count, files), error) || !manifest->finish(error) ||
      !fingerprints->commit(error) || !records->commit(error) || !manifest->commit(error) ||
      !output_dir_.commit(error)) {
    return error;
  }
  clock_.add(kCommit, std::chrono::duration<double>(Clock::now() - commit_started).count(), 0);
  if (options_.timings) summary_.stages = clock_.timings();
  return std::nullopt;
}

std::optional<IoError> PrepareRun::run_merge(const std::vector<std::string>& dirs) {
  const uint32_t num_perm = options_.dedup == DedupMode::kNear ? options_.near.num_perm : 0;
  ShardFingerprint fingerprint;
  RecordAnalysis analysis;
  Record record;
  IoError error;
  std::optional<IoError> read_error;
  auto path_in = [](const std::string& dir, const char* name) { return (fs::path(dir) / name).string(); };
  if (options_.conflicts == ConflictMode::kReject) {
    // The first pass reads only the fingerprints.
    const auto started = Clock::now();
    ConflictPass pass(options_, files_);
    for (const std::string& dir : dirs) {
      auto reader = ShardFileReader::open(path_in(dir, kShardFingerprintsName), ShardFileReader::Kind::kFingerprints, error);
      if (!reader) return error;
      while (reader->next_fingerprint(fingerprint, num_perm, read_error)) {
        const uint64_t text_bytes = fingerprint.text_bytes;
        const SourceLocation source = fingerprint.source;
        analysis_from_fingerprint(fingerprint, analysis);
        if (!pass.add(source, text_bytes, analysis, read_error)) break;
      }
      if (read_error) return read_error;
    }
    conflicting_ids_ = pass.conflicting_ids();
    clock_.add(kConflicts, std::chrono::duration<double>(Clock::now() - started).count(), 0);
  }
  if (auto failed = open_stages()) return failed;

  // Each input's sha256, bytes and records come from the one shard that owns its start.
  std::vector<StreamedInput> streamed(files_.size());
  std::vector<bool> reported(files_.size(), false);
  for (const std::string& dir : dirs) {
    auto keys = ShardFileReader::open(path_in(dir, kShardFingerprintsName), ShardFileReader::Kind::kFingerprints, error);
    if (!keys) return error;
    auto data = ShardFileReader::open(path_in(dir, kShardRecordsName), ShardFileReader::Kind::kRecords, error);
    if (!data) return error;
    for (;;) {
      const bool has_key = keys->next_fingerprint(fingerprint, num_perm, read_error);
      if (read_error) return read_error;
      const bool has_data = data->next_record(record, analysis, read_error);
      if (read_error) return read_error;
      if (has_key != has_data) {
        return IoError{fmt::format("{}: its fingerprint and records files hold different records; rerun this shard",
                                   dir)};
      }
      if (!has_key) break;
      record.source = fingerprint.source;
      analysis_from_fingerprint(fingerprint, analysis);
      const bool ok = route(record, analysis);
      clock_.stop();
      if (!ok) return std::move(write_error_);
    }
    for (const ShardInputResult& input : data->inputs()) {
      if (reported[input.file_index]) {
        return IoError{fmt::format("{}: reports input {} again; the shards do not belong to one run", dir,
                                   files_[input.file_index].path)};
      }
      reported[input.file_index] = true;
      streamed[input.file_index] = input.streamed;
    }
  }
  for (size_t i = 0; i < files_.size(); ++i) {
    if (!reported[i]) return IoError{fmt::format("no shard reports input {}; the shard set is incomplete", files_[i].path)};
  }

  const auto commit_started = Clock::now();
  std::optional<IoError> failed = commit(streamed);
  clock_.add(kCommit, std::chrono::duration<double>(Clock::now() - commit_started).count(), 0);
  if (options_.timings) summary_.stages = clock_.timings();
  return failed;
}

// Finishes every data file, then the reports, then the manifest, in the staging directory, and
// swaps the whole set in.
std::optional<IoError> PrepareRun::commit(const std::vector<StreamedInput>& streamed) {
  for (size_t format = 0; format < records_by_format_.size(); ++format) {
    if (records_by_format_[format] == 0) continue;
    summary_.records_by_format[format == kUnrecognised
                                   ? std::string("unrecognised")
                                   : std::string(source_format_name(static_cast<SourceFormat>(format)))] +=
        records_by_format_[format];
  }
  summary_.inputs.resize(files_.size());
  for (size_t i = 0; i < files_.size(); ++i) {
    summary_.inputs[i] = InputSummary{files_[i].path, streamed[i].sha256, streamed[i].bytes, streamed[i].records};
    summary_.bytes_in += streamed[i].bytes;
    if (streamed[i].records == 0) summary_.warnings.push_back(fmt::format("{}: no records", files_[i].path));
  }
  for (const ConflictGroup& group : grouper_.groups()) {
    ++summary_.conflict_groups;
    summary_.conflict_records += group.ids.size();
  }
  summary_.leakage_exact = leakage_.exact();
  if (near_) summary_.near_index_bytes = near_->memory_bytes();

  IoError error;
  auto& out_files = outputs_.files();
  for (auto& file : out_files) {
    if (file && !file->finish(error)) return error;
  }
  if (near_) {
    // Near dedup removed the near pairs its LSH found; measure what it missed, exactly, by
    // comparing every train line written with the validation examples (docs/leakage.md).
    uint64_t leaked = 0;
    if (near_leakage_) {
      if (auto failed = count_near_leaks(*near_leakage_, out_files[OutputSet::kTrain]->temp_path(),
                                         options_.dedup_on, leaked)) {
        return failed;
      }
    }
    summary_.leakage_near = leaked;
    if (leaked > 0) {
      summary_.warnings.push_back(fmt::format(
          "{} validation examples are near copies (Jaccard >= {}) of train examples that near dedup did not "
          "pair; they are counted in the manifest's leakage.near",
          leaked, options_.near.threshold));
    }
  }
  for (size_t i = 0; i < out_files.size(); ++i) {
    if (!out_files[i]) continue;
    OutputSummary output{OutputSet::kNames[i], out_files[i]->sha256_hex(), outputs_.records(i),
                         out_files[i]->bytes_written(), std::nullopt, std::nullopt};
    if (tokens_ && i <= OutputSet::kValidation) {
      output.tokens = tokens_by_side_[i];
      output.trained_tokens = trained_tokens_by_side_[i];
    }
    summary_.outputs.push_back(std::move(output));
  }
  // The reports: report.json always, report.html / report.md on request.
  std::vector<std::string> paths;
  for (const InputFile& file : files_) paths.push_back(file.path);
  result_.report = stats_->finish(std::move(paths));
  const fs::path& out_dir = output_dir_.staging();
  std::vector<AtomicOutputFile> report_files;
  auto write_report = [&](const char* name, const std::string& text) {
    auto file = AtomicOutputFile::create(out_dir / name, error);
    if (!file || !file->write(text, error) || !file->finish(error)) return false;
    summary_.reports.push_back(ReportFileSummary{name, file->sha256_hex(), file->bytes_written()});
    report_files.push_back(std::move(*file));
    return true;
  };
  if (!write_report(prepare::kReportJsonName, render_json(result_.report)) ||
      (options_.report_html && !write_report(prepare::kReportHtmlName, render_html(result_.report))) ||
      (options_.report_markdown && !write_report(prepare::kReportMarkdownName, render_markdown(result_.report)))) {
    return error;
  }

  auto manifest = AtomicOutputFile::create(out_dir / prepare::kManifestName, error);
  if (!manifest || !manifest->write(render_manifest(options_, summary_), error) || !manifest->finish(error)) {
    return error;
  }
  for (auto& file : out_files) {
    if (file && !file->commit(error)) return error;
  }
  for (AtomicOutputFile& file : report_files) {
    if (!file.commit(error)) return error;
  }
  if (!manifest->commit(error)) return error;
  // The one step that replaces the previous set: files of an earlier run that this one does not
  // write (validation.jsonl, report.html) go with it.
  if (!output_dir_.commit(error)) return error;
  return std::nullopt;
}

// An input as a shard records it; its mtime tells a changed file of the same size.
ShardInput shard_input(const InputFile& file) {
  ShardInput input{file.path, file.compression, file.format, file.format_from_content, file.size.value_or(0), 0};
  std::error_code ec;
  const auto mtime = fs::last_write_time(file.path, ec);
  if (!ec) input.mtime_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(mtime.time_since_epoch()).count();
  return input;
}

}  // namespace

PrepareResult run_prepare(const PrepareOptions& options, const StreamProgressCallback& progress) {
  PrepareResult result;
  const auto started = Clock::now();
  if (auto error = check_options(options)) {
    result.error = std::move(error);
    return result;
  }
  std::optional<TokenBudget> tokens;
  if (options.tokens) {
    IoError error;
    tokens = resolve_token_budget(*options.tokens, error);
    if (!tokens) {
      result.error = std::move(error);
      return result;
    }
  }
  // Inputs, never the output directory or an output set found under an input directory.
  if (auto error = prepare::check_output_dir(options.output_dir, options.inputs, {})) {
    result.error = std::move(error);
    return result;
  }
  ExpandOptions expand_options;
  std::error_code ec;
  fs::path out = fs::weakly_canonical(fs::path(options.output_dir), ec);
  if (!out.has_filename() && out.has_parent_path()) out = out.parent_path();
  expand_options.skip_dirs.push_back(std::move(out));
  ExpandResult expanded = expand_inputs(options.inputs, expand_options);
  if (expanded.error) {
    result.error = std::move(expanded.error);
    return result;
  }
  const std::vector<InputFile>& files = expanded.files;
  if (options.shard) {
    for (const InputFile& file : files) {
      if (file.path == "-") {
        result.error = IoError{"--shard cannot read standard input (every shard would need all of it); save it "
                               "to a file first"};
        return result;
      }
    }
  }
  if (options.conflicts == ConflictMode::kReject) {
    for (const InputFile& file : files) {
      if (file.path == "-") {
        result.error = IoError{"--conflicts reject reads the inputs twice and cannot read standard input; "
                               "save it to a file first, or use --conflicts first"};
        return result;
      }
    }
  }
  if (auto error = prepare::check_output_dir(options.output_dir, {}, files)) {
    result.error = std::move(error);
    return result;
  }
  std::optional<IoError> dir_error;
  std::optional<AtomicOutputDir> output_dir = open_output_dir(options, dir_error);
  if (!output_dir) {
    result.error = std::move(dir_error);
    return result;
  }

  if (tokens) {
    result.summary.encoding = std::string(tokens->encoding->name());
    if (tokens->limit != 0) result.summary.token_limit = tokens->limit;
  }
  if (options.shard) {
    // A shard reads the files that hold its byte range and records every input for merge.
    ShardHeader header;
    header.tool_version = TUNEPREP_VERSION;
    header.shard = *options.shard;
    header.options = encode_shard_options(options);
    for (const InputFile& file : files) header.inputs.push_back(shard_input(file));
    const ShardPlan plan(files, *options.shard);
    const std::vector<InputFile> own(files.begin() + plan.first_file(), files.begin() + plan.end_file());
    PrepareRun run(options, own, std::move(tokens), *output_dir, result);
    if (auto error = run.run_shard(plan, plan.first_file(), header, progress)) {
      result.error = std::move(error);
      return result;
    }
  } else {
    PrepareRun run(options, files, std::move(tokens), *output_dir, result);
    if (auto error = run.run(progress)) {
      result.error = std::move(error);
      return result;
    }
  }
  // Inputs read once or skipped (expand_inputs) come first among the run's notes.
  result.summary.warnings.insert(result.summary.warnings.begin(), expanded.notes.begin(), expanded.notes.end());
  result.summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return result;
}

PrepareResult run_merge(const MergeOptions& merge, PrepareOptions& options) {
  PrepareResult result;
  const auto started = Clock::now();
  auto fail = [&](IoError error) {
    result.error = std::move(error);
    return result;
  };
  if (merge.shard_dirs.empty()) return fail(IoError{"no shard directories"});
  // The headers first: one run's shards, each once, all of them; nothing is written before.
  std::vector<ShardHeader> headers;
  for (const std::string& dir : merge.shard_dirs) {
    IoError error;
    const std::string path = (fs::path(dir) / kShardFingerprintsName).string();
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      return fail(IoError{fmt::format("{}: not a shard directory (no {}): did `prepare --shard` finish there?", dir,
                                      kShardFingerprintsName)});
    }
    auto reader = ShardFileReader::open(path, ShardFileReader::Kind::kFingerprints, error);
    if (!reader) return fail(error);
    auto data = ShardFileReader::open((fs::path(dir) / kShardRecordsName).string(), ShardFileReader::Kind::kRecords,
                                      error);
    if (!data) return fail(error);
    const ShardHeader& h = reader->header();
    const ShardHeader& d = data->header();
    if (d.shard != h.shard || d.options != h.options || d.inputs != h.inputs || d.tool_version != h.tool_version) {
      return fail(IoError{fmt::format("{}: its fingerprint and records files come from different runs; rerun this "
                                      "shard", dir)});
    }
    headers.push_back(h);
  }
  const ShardHeader& first = headers[0];
  const std::string& first_dir = merge.shard_dirs[0];
  std::vector<std::string> by_index(first.shard.count);
  for (size_t i = 0; i < headers.size(); ++i) {
    const ShardHeader& h = headers[i];
    const std::string& dir = merge.shard_dirs[i];
    if (h.tool_version != first.tool_version) {
      return fail(IoError{fmt::format("{} was written by tuneprep {}, {} by tuneprep {}; rerun every shard with one "
                                      "version", dir, h.tool_version, first_dir, first.tool_version)});
    }
    if (h.shard.count != first.shard.count) {
      return fail(IoError{fmt::format("{} is shard {}/{}, {} is shard {}/{}: shards of different runs", dir,
                                      h.shard.index, h.shard.count, first_dir, first.shard.index, first.shard.count)});
    }
    if (h.options != first.options) {
      return fail(IoError{fmt::format("{} and {} were prepared with different options; every shard must run with the "
                                      "same options", dir, first_dir)});
    }
    if (h.inputs != first.inputs) {
      std::string what = "a different list of inputs";
      for (size_t f = 0; f < std::min(h.inputs.size(), first.inputs.size()); ++f) {
        if (!(h.inputs[f] == first.inputs[f])) {
          what = h.inputs[f].path != first.inputs[f].path
                     ? fmt::format("input {} where {} has {}", h.inputs[f].path, first_dir, first.inputs[f].path)
                     : fmt::format("{} with another size or modification time", h.inputs[f].path);
          break;
        }
      }
      return fail(IoError{fmt::format("{} read {} than {}: every shard must read the same, unchanged inputs", dir,
                                      what, first_dir)});
    }
    if (!by_index[h.shard.index].empty()) {
      return fail(IoError{fmt::format("{} and {} are both shard {}/{}", by_index[h.shard.index], dir, h.shard.index,
                                      h.shard.count)});
    }
    by_index[h.shard.index] = dir;
  }
  std::vector<std::string> missing;
  for (uint32_t i = 0; i < by_index.size(); ++i) {
    if (by_index[i].empty()) missing.push_back(fmt::format("{}/{}", i, first.shard.count));
  }
  if (!missing.empty()) {
    const size_t shown = std::min<size_t>(missing.size(), 10);
    std::string list;
    for (size_t i = 0; i < shown; ++i) list += (i ? ", " : "") + missing[i];
    if (shown < missing.size()) list += fmt::format(" and {} more", missing.size() - shown);
    return fail(IoError{fmt::format("incomplete shard set: missing shard{} {} (merge needs every shard of the run)",
                                    missing.size() == 1 ? "" : "s", list)});
  }

  // The run's options are the shards'; the output, memory budget and timings are merge's.
  if (auto error = decode_shard_options(first.options, options)) return fail(*error);
  options.inputs.clear();
  std::vector<InputFile> files;
  for (const ShardInput& input : first.inputs) {
    options.inputs.push_back(input.path);
    InputFile file;
    file.path = input.path;
    file.compression = input.compression;
    file.format = input.format;
    file.format_from_content = input.format_from_content;
    file.size = input.size;
    files.push_back(std::move(file));
  }
  options.output_dir = merge.output_dir;
  options.near.max_memory = merge.max_memory;
  options.timings = merge.timings;
  options.wait = merge.wait;
  options.on_note = merge.on_note;
  options.shard.reset();
  if (auto error = check_options(options)) return fail(*error);
  std::optional<TokenBudget> tokens;
  if (options.tokens) {
    IoError error;
    tokens = resolve_token_budget(*options.tokens, error);
    if (!tokens) return fail(error);
  }
  if (auto error = prepare::check_output_dir(options.output_dir, merge.shard_dirs, files)) return fail(*error);
  std::optional<IoError> dir_error;
  std::optional<AtomicOutputDir> output_dir = open_output_dir(options, dir_error);
  if (!output_dir) return fail(*dir_error);
  if (tokens) {
    result.summary.encoding = std::string(tokens->encoding->name());
    if (tokens->limit != 0) result.summary.token_limit = tokens->limit;
  }
  PrepareRun run(options, files, std::move(tokens), *output_dir, result);
  if (auto error = run.run_merge(by_index)) return fail(*error);
  result.summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return result;
}

}  // namespace tuneprep
