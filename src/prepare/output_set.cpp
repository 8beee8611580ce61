// output_set: prepare's output files as temporaries beside their final names.
#include "prepare/output_set.hpp"

#include <fmt/core.h>

namespace tuneprep::prepare {
namespace fs = std::filesystem;

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

std::optional<IoError> OutputSet::open(const fs::path& dir, bool with_validation) {
  IoError error;
  for (const char* name : kNames) {
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

}  // namespace tuneprep::prepare
