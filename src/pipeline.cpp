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

#include "tuneprep/dedup.hpp"
#include "tuneprep/split.hpp"
#include "tuneprep/tokenizer.hpp"

namespace tuneprep {
namespace fs = std::filesystem;

std::string_view dedup_mode_name(DedupMode mode) {
  switch (mode) {
    case DedupMode::kNone: return "none";
    case DedupMode::kExact: return "exact";
  }
  return "exact";
}

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kTrainName = "train.jsonl";
constexpr const char* kValidationName = "validation.jsonl";
constexpr const char* kRejectedName = "rejected.jsonl";
constexpr const char* kDuplicatesName = "duplicates.jsonl";
constexpr const char* kManifestName = "manifest.json";
constexpr const char* kOutputNames[] = {kTrainName, kValidationName, kRejectedName, kDuplicatesName,
                                        kManifestName};

// What the parallel stage decided about one record; the serial stage only routes it.
struct ProcessedRecord {
  bool rejected = false;
  Hash128 hash;
  SourceFormat format = SourceFormat::kOpenAiChat;
  std::string line;                // the output line (accepted) or the rejected.jsonl line
  std::vector<RuleId> reject_rules;  // distinct rules that rejected it
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

void process_record(const Record& record, const std::string& path, Normalizer& normalizer,
                    OutputFormat to, ProcessedRecord& out) {
  NormalizeResult result = normalizer.normalize(record);
  if (!result.has_error() && result.example) {
    if (auto not_convertible = write_example(*result.example, to, out.line)) {
      result.diagnostics.push_back(std::move(*not_convertible));
    } else {
      out.hash = example_hash(*result.example);
      out.format = result.example->format;
      return;
    }
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
  out.line = render_rejected(path, record, errors);
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
  ExpandResult expanded = expand_inputs(options.inputs);
  if (expanded.error) {
    result.error = std::move(expanded.error);
    return result;
  }
  const std::vector<InputFile>& files = expanded.files;
  if (files.empty()) {
    result.error = IoError{"no input files"};
    return result;
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

  const bool with_validation = options.val_ratio > 0.0;
  OutputSet outputs;
  if (auto error = outputs.open(out_dir, with_validation)) {
    result.error = std::move(error);
    return result;
  }

  oneapi::tbb::enumerable_thread_specific<Normalizer> normalizers(
      [&] { return Normalizer(options.normalize); });
  ExactDeduplicator deduplicator;
  std::optional<IoError> write_error;
  std::string line;

  auto transform = [&](const Record& record, ProcessedRecord& processed) {
    process_record(record, files[record.source.file_index].path, normalizers.local(), options.to, processed);
  };
  // Routes each record, in input order: rejected, duplicate, or one side of the split.
  auto route = [&](const Record& record, ProcessedRecord& processed) -> bool {
    IoError error;
    ++summary.counts.records_in;
    bool ok = true;
    if (processed.rejected) {
      ++summary.counts.rejected;
      for (RuleId rule : processed.reject_rules) ++summary.rejections_by_rule[std::string(rule_info(rule).name)];
      ok = outputs.write(OutputSet::kRejected, processed.line, error);
    } else if (auto first = options.dedup == DedupMode::kExact ? deduplicator.insert(processed.hash, record.source)
                                                               : std::nullopt) {
      ++summary.counts.duplicates;
      line.clear();
      line += "{\"source\":";
      append_source(line, files[record.source.file_index].path, record.source);
      line += ",\"duplicate_of\":";
      append_source(line, files[first->file_index].path, *first);
      line += ",\"kind\":\"exact\",\"similarity\":1.0";
      append_original_record(line, record.text);
      line += "}\n";
      ok = outputs.write(OutputSet::kDuplicates, line, error);
    } else {
      ++summary.records_by_format[std::string(source_format_name(processed.format))];
      if (assign_side(processed.hash, options.seed, options.val_ratio) == Side::kValidation) {
        ++summary.counts.validation;
        ok = outputs.write(OutputSet::kValidation, processed.line, error);
      } else {
        ++summary.counts.train;
        ok = outputs.write(OutputSet::kTrain, processed.line, error);
      }
    }
    if (!ok) write_error = error;
    return ok;
  };

  StreamOptions stream;
  stream.reader = options.reader;
  stream.jobs = options.jobs;
  stream.progress = progress;
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
    summary.outputs.push_back(OutputSummary{names[i], out_files[i]->sha256_hex(), outputs.records(i),
                                            out_files[i]->bytes_written()});
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
  if (!with_validation) fs::remove(out_dir / kValidationName, ec);  // stale from an earlier run
  if (!manifest->commit(error)) {
    result.error = error;
    return result;
  }
  return result;
}

std::string render_manifest(const PrepareOptions& options, const PrepareSummary& summary) {
  std::string out;
  out += "{\n  \"tool\": {\"name\": \"tuneprep\", \"version\": \"" TUNEPREP_VERSION "\"},\n";
  out += "  \"options\": {\"to\": ";
  append_json_string(out, output_format_name(options.to));
  out += fmt::format(", \"seed\": {}, \"val_ratio\": {}, \"dedup\": ", options.seed, options.val_ratio);
  append_json_string(out, dedup_mode_name(options.dedup));
  out += ", \"model\": null, \"system\": ";
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
    out += fmt::format(", \"sha256\": \"{}\", \"bytes\": {}, \"records\": {}, \"tokens\": null}}", output.sha256,
                       output.bytes, output.records);
  }
  const PrepareCounts& c = summary.counts;
  out += fmt::format(
      "\n  ],\n  \"counts\": {{\"records_in\": {}, \"train\": {}, \"validation\": {}, \"rejected\": {}, "
      "\"duplicates\": {}}},\n",
      c.records_in, c.train, c.validation, c.rejected, c.duplicates);
  out += "  \"rejections\": {";
  bool first = true;
  for (const auto& [rule, count] : summary.rejections_by_rule) {
    if (!first) out += ", ";
    first = false;
    append_json_string(out, rule);
    out += fmt::format(": {}", count);
  }
  out += "},\n  \"formats\": {";
  first = true;
  for (const auto& [format, count] : summary.records_by_format) {
    if (!first) out += ", ";
    first = false;
    append_json_string(out, format);
    out += fmt::format(": {}", count);
  }
  out += fmt::format("}},\n  \"leakage\": {{\"exact\": {}, \"near\": null}}\n}}\n", summary.leakage_exact);
  return out;
}

}  // namespace tuneprep
