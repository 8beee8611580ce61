// stats_run: the `stats` driver over the ordered record stream: the record analysis with its
// facts in parallel, then duplicates, conflicts and the accumulator in input order.
#include "tuneprep/stats_run.hpp"

#include <chrono>
#include <utility>

#include "tuneprep/dedup.hpp"
#include "tuneprep/near_dedup.hpp"

namespace tuneprep {

StatsReport StatsCollector::finish(std::vector<std::string> files) const {
  StatsOptions options;
  options.title = options_.title;
  options.files = std::move(files);
  if (!options_.model.empty()) options.model = options_.model;
  if (options_.tokens) {
    options.encoding = std::string(options_.tokens->encoding->name());
    if (options_.tokens->limit != 0) options.token_limit = options_.tokens->limit;
  }
  options.price_per_mtok = options_.price_per_mtok;
  options.epochs = options_.epochs;
  options.top = options_.top;
  options.findings_checked = options_.findings_checked;
  return finish_report(accumulator_, options);
}

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

  IoError error;
  std::optional<TokenBudget> budget = resolve_token_budget(options.tokens, error);
  if (!budget) {
    result.error = std::move(error);
    return result;
  }
  ExpandResult expanded = expand_inputs(options.inputs);
  result.input_notes = expanded.notes;  // also on error: a skipped input may be why
  if (expanded.error) {
    result.error = std::move(expanded.error);
    return result;
  }
  const std::vector<InputFile>& files = expanded.files;

  StatsCollectorOptions report = options.report;
  if (report.title.empty()) report.title = report_title(options.inputs);
  report.model = options.tokens.model;
  report.findings_checked = options.check_rules;
  if (options.count_tokens) report.tokens = budget;
  StatsCollector collector(std::move(report));

  const bool near = options.dedup == DedupMode::kNear;
  NearDedupOptions near_options;
  near_options.threshold = options.near_threshold;
  near_options.max_memory = default_max_memory();
  std::optional<MinHasher> hasher;
  std::optional<NearDuplicateIndex> near_index;
  if (near) {
    hasher.emplace(near_options.num_perm, near_options.shingle);
    near_index.emplace(near_options);
  }

  AnalysisOptions analysis;
  analysis.normalize = options.normalize;
  analysis.rules = options.rules;
  analysis.warnings = options.check_rules;
  if (options.count_tokens) analysis.tokens = budget;
  analysis.exact_hash = options.dedup != DedupMode::kNone;
  analysis.near = hasher ? &*hasher : nullptr;
  analysis.facts = options.facts;
  const RecordAnalyzer analyzer(std::move(analysis));

  auto transform = [&](const Record& record, RecordAnalysis& out) {
    analyzer.analyze(record, files[record.source.file_index].path, out);
  };

  ExactDeduplicator exact;
  ConflictGrouper conflicts;
  uint64_t conflict_ids = 0;
  uint64_t near_ids = 0;
  std::optional<IoError> stop_error;
  auto sink = [&](const Record& record, RecordAnalysis& out) -> bool {
    RecordFacts& facts = out.facts;
    if (!facts.rejected) {
      if (options.dedup != DedupMode::kNone && exact.insert(out.hash, record.source)) {
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
    collector.add(facts);
    return true;
  };

  StreamOptions stream;
  stream.reader = options.reader;
  stream.reader.compute_sha256 = false;
  stream.jobs = options.jobs;
  stream.progress = progress;
  std::vector<StreamedInput> streamed;
  std::optional<IoError> io_error = stream_records<RecordAnalysis>(files, stream, streamed, transform, sink);
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
  result.report = collector.finish(std::move(paths));
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return result;
}

}  // namespace tuneprep
