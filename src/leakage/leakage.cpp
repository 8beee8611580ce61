// leakage: cross-split duplicate search (exact hashes + the near-duplicate index over TRAIN, then
// each VALIDATION record checked against them) and the exact-leakage counter of prepare.
#include "tuneprep/leakage.hpp"

#include <fmt/core.h>
#include <oneapi/tbb/enumerable_thread_specific.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "tuneprep/analysis.hpp"
#include "tuneprep/record_stream.hpp"

namespace tuneprep {

std::string_view leak_kind_name(LeakKind kind) { return kind == LeakKind::kExact ? "exact" : "near"; }

void SplitLeakageCounter::add(const Hash128& hash, Side side) {
  bool inserted = false;
  uint8_t& sides = sides_.find_or_insert(hash, inserted);
  const uint8_t bit = side == Side::kTrain ? 1 : 2;
  if (sides != 3 && (sides | bit) == 3) ++both_;
  sides |= bit;
}

void SplitLeakageCounter::add(ExactDeduplicator& dedup, const Hash128& hash, Side side) {
  const uint8_t bit = side == Side::kTrain ? 1 : 2;
  const std::optional<uint8_t> before = dedup.add_side(hash, bit);
  if (!before) {
    add(hash, side);  // not in the dedup table: counted here instead
    return;
  }
  if (*before != 3 && (*before | bit) == 3) ++both_;
}

namespace {

// What the parallel stage computes for one record of either file.
struct Fingerprint {
  Hash128 hash;
  bool raw = false;  // not normalizable: hash and signature are of the raw text
  std::vector<uint32_t> signature;
  uint32_t shingles = 0;
};

// The record analysis as leakage needs it: no rule (an example with errors still counts when the
// Normalizer built it, say a test set of prompts without answers: leakage is about content, not
// about validity), the exact hash and, with near, the signature of the compared text.
AnalysisOptions analysis_options(const LeakageOptions& options, const MinHasher* hasher) {
  AnalysisOptions analysis;
  analysis.normalize = options.normalize;
  for (const RuleInfo& rule : all_rules()) analysis.rules.set_enabled(rule.id, false);
  analysis.warnings = false;
  analysis.conflict_keys = false;
  analysis.near = hasher;
  analysis.near_on = options.on;
  return analysis;
}

void fingerprint(const Record& record, const RecordAnalyzer& analyzer, SignatureScratch& scratch,
                 const MinHasher* hasher, RecordAnalysis& analysis, Fingerprint& out) {
  out.raw = false;
  out.shingles = 0;
  analyzer.analyze(record, {}, analysis);
  const Example* example = analysis.rejected ? nullptr : analyzer.last_example();
  // An example with no message at all (a record of another shape read with --format, say) says
  // nothing about its content: such records are compared by their raw text, or all would match.
  const bool has_content =
      example != nullptr && (!example->messages.empty() || !example->preferred.empty() || !example->non_preferred.empty());
  if (has_content) {
    out.hash = analysis.hash;
    out.signature.swap(analysis.signature);
    out.shingles = analysis.shingles;
    return;
  }
  // Seeded differently from example_hash's stream, so raw text never equals a normalized example.
  const XXH128_hash_t h = XXH3_128bits_withSeed(record.text.data(), record.text.size(), 0x6c65616b616765ULL);
  out.hash = Hash128{h.low64, h.high64};
  out.raw = true;
  if (hasher != nullptr) {
    out.signature.resize(hasher->num_perm());
    out.shingles = hasher->compute(record.text, out.signature, scratch);
  }
}

std::optional<IoError> open_one(const std::string& path, std::vector<InputFile>& files) {
  ExpandResult expanded = expand_inputs({path});
  if (expanded.error) return expanded.error;
  if (expanded.files.size() != 1) {
    return IoError{fmt::format("{}: expected one file, found {} (pass a file, not a directory)", path,
                               expanded.files.size())};
  }
  files = std::move(expanded.files);
  return std::nullopt;
}

}  // namespace

LeakageResult find_leakage(const std::string& train, const std::string& validation, const LeakageOptions& options) {
  LeakageResult result;
  LeakageReport& report = result.report;
  report.train_path = train;
  report.validation_path = validation;
  if (train == "-" && validation == "-") {
    result.error = IoError{"TRAIN and VALIDATION cannot both be standard input"};
    return result;
  }
  if (options.near) {
    const NearDedupOptions& near = options.near_options;
    if (near.num_perm == 0 || near.num_perm > kMaxNumPerm) {
      result.error = IoError{fmt::format("--num-perm {} must be in 1..{}", near.num_perm, kMaxNumPerm)};
      return result;
    }
    if (!(near.threshold > 0.0 && near.threshold <= 1.0)) {
      result.error = IoError{fmt::format("--near-threshold {} must be in (0, 1]", near.threshold)};
      return result;
    }
  }
  std::vector<InputFile> train_files, validation_files;
  if (auto error = open_one(train, train_files)) return result.error = std::move(error), result;
  if (auto error = open_one(validation, validation_files)) return result.error = std::move(error), result;

  std::optional<MinHasher> hasher;
  if (options.near) hasher.emplace(options.near_options.num_perm, options.near_options.shingle);
  const MinHasher* hasher_ptr = hasher ? &*hasher : nullptr;
  std::optional<NearDuplicateIndex> index;
  if (options.near) index.emplace(options.near_options);

  const RecordAnalyzer analyzer(analysis_options(options, hasher_ptr));
  struct Worker {
    SignatureScratch scratch;
    RecordAnalysis analysis;
  };
  oneapi::tbb::enumerable_thread_specific<Worker> workers;
  StreamOptions stream;
  stream.reader = options.reader;
  stream.jobs = options.jobs;
  auto transform = [&](const Record& record, Fingerprint& out) {
    Worker& worker = workers.local();
    fingerprint(record, analyzer, worker.scratch, hasher_ptr, worker.analysis, out);
  };

  // TRAIN: every record's hash (first line wins) and its signature in the index. Index ids are
  // train record numbers, so an id below train_records is a train record.
  ExactDeduplicator exact;
  std::vector<uint64_t> train_lines;  // by index id: the line in TRAIN
  std::optional<IoError> stop_error;
  std::vector<StreamedInput> streamed;
  auto add_train = [&](const Record& record, Fingerprint& print) {
    const uint64_t id = report.train_records++;
    if (print.raw) ++report.train_raw;
    SourceLocation location = record.source;
    location.file_index = 0;
    exact.insert(print.hash, location);
    if (index) {
      NearAddResult added = index->add(id, SignatureView{print.signature, print.shingles});
      if (added.error) {
        stop_error = IoError{added.error->message};
        return false;
      }
      train_lines.push_back(record.source.line);
    }
    return true;
  };
  std::optional<IoError> error = stream_records<Fingerprint>(train_files, stream, streamed, transform, add_train);
  if (!error) error = std::move(stop_error);
  if (error) return result.error = std::move(error), result;

  // VALIDATION: an exact match first; otherwise added to the index after every train record, so
  // a match to any train record is reported before a match to an earlier validation record.
  auto check_validation = [&](const Record& record, Fingerprint& print) {
    const uint64_t id = report.train_records + report.validation_records++;
    if (print.raw) ++report.validation_raw;
    SourceLocation location = record.source;
    location.file_index = 1;
    if (auto first = exact.insert(print.hash, location); first && first->file_index == 0) {
      report.pairs.push_back(LeakagePair{record.source.line, first->line, LeakKind::kExact, 1.0});
      ++report.exact;
      return true;
    }
    if (!index) return true;
    NearAddResult added = index->add(id, SignatureView{print.signature, print.shingles});
    if (added.error) {
      stop_error = IoError{added.error->message};
      return false;
    }
    if (added.match && added.match->duplicate_of < report.train_records) {
      report.pairs.push_back(LeakagePair{record.source.line, train_lines[added.match->duplicate_of], LeakKind::kNear,
                                         added.match->similarity});
      ++report.near;
    }
    return true;
  };
  error = stream_records<Fingerprint>(validation_files, stream, streamed, transform, check_validation);
  if (!error) error = std::move(stop_error);
  if (error) return result.error = std::move(error), result;
  return result;
}

}  // namespace tuneprep
