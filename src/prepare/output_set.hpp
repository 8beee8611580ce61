// output_set: the files of one prepare run, written into a staging directory beside the output
// directory and swapped in as a whole at the end (AtomicOutputDir); what may be replaced.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tuneprep/io.hpp"
#include "tuneprep/prepare_shard.hpp"

namespace tuneprep::prepare {

inline constexpr const char* kTrainName = "train.jsonl";
inline constexpr const char* kValidationName = "validation.jsonl";
inline constexpr const char* kRejectedName = "rejected.jsonl";
inline constexpr const char* kDuplicatesName = "duplicates.jsonl";
inline constexpr const char* kManifestName = "manifest.json";
inline constexpr const char* kReportJsonName = "report.json";
inline constexpr const char* kReportHtmlName = "report.html";
inline constexpr const char* kReportMarkdownName = "report.md";
// A shard's directory (prepare --shard) holds its manifest and the two shard files.
inline constexpr const char* kOutputNames[] = {kTrainName,         kValidationName,       kRejectedName,
                                               kDuplicatesName,    kManifestName,         kReportJsonName,
                                               kReportHtmlName,    kReportMarkdownName,   kShardFingerprintsName,
                                               kShardRecordsName};

// Checks that replacing `dir` cannot replace an input: `inputs` as given (an input directory
// equal to `dir`, or an input inside it, is refused; `dir` inside an input directory is fine:
// expand_inputs skips it), `files` after expansion.
std::optional<IoError> check_output_dir(const std::string& dir, const std::vector<std::string>& inputs,
                                        const std::vector<InputFile>& files);

// Checks, under the lock, that `target` may be replaced as a whole: it does not exist, is empty,
// or is a tuneprep output set (our manifest.json) holding only the names of a set and our
// temporaries. Anything else is refused, never deleted: prepare does not remove a user's files.
std::optional<IoError> check_replaceable(const std::filesystem::path& target, const std::string& shown);

// The four data files (validation only when there is a validation set), written as temporaries.
class OutputSet {
 public:
  enum Index { kTrain = 0, kValidation = 1, kRejected = 2, kDuplicates = 3 };
  static constexpr const char* kNames[] = {kTrainName, kValidationName, kRejectedName, kDuplicatesName};

  // `background`: each file is hashed and written by a thread of its own (runs on several cores).
  std::optional<IoError> open(const std::filesystem::path& dir, bool with_validation, bool background = false);
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

}  // namespace tuneprep::prepare
