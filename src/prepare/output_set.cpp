// output_set: prepare's output files in the staging directory, and what an output directory may hold.
#include "prepare/output_set.hpp"

#include <algorithm>

#include <fmt/core.h>

namespace tuneprep::prepare {
namespace fs = std::filesystem;

namespace {

// Absolute, symlinks resolved, without a trailing separator ("out/" and "./out" are one path).
fs::path canonical_path(const std::string& path) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(fs::path(path), ec);
  if (!canonical.has_filename() && canonical.has_parent_path()) canonical = canonical.parent_path();
  return canonical;
}

// `path` is `dir` or below it (both canonical).
bool is_within(const fs::path& path, const fs::path& dir) {
  auto p = path.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++p) {
    if (p == path.end() || *p != *d) return false;
  }
  return true;
}

bool is_set_member(std::string_view entry) {
  for (const char* name : kOutputNames) {
    long pid = 0;
    if (entry == name || parse_temporary_name(entry, name, pid)) return true;
  }
  return false;
}

}  // namespace

std::optional<IoError> check_output_dir(const std::string& dir, const std::vector<std::string>& inputs,
                                        const std::vector<InputFile>& files) {
  std::error_code ec;
  const fs::path out = canonical_path(dir);
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    return IoError{fmt::format("-o {}: exists and is not a directory", dir)};
  }
  for (const std::string& input : inputs) {
    if (input == "-") continue;
    const fs::path in = canonical_path(input);
    if (in == out) {
      return IoError{fmt::format("-o {}: is an input; prepare replaces its output directory as a whole, so choose "
                                 "another (a directory inside the input is fine: it is never read back)",
                                 dir)};
    }
    if (is_within(in, out)) {
      return IoError{fmt::format("-o {}: would replace the input {}; choose another output directory", dir, input)};
    }
  }
  for (const InputFile& file : files) {
    if (file.path == "-") continue;
    const fs::path in = canonical_path(file.path);
    if (is_within(in, out)) {
      return IoError{fmt::format("-o {}: would replace the input {}; choose another output directory",
                                 dir, file.path)};
    }
  }
  return std::nullopt;
}

std::optional<IoError> check_replaceable(const fs::path& target, const std::string& shown) {
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(target, ec);
  if (ec || status.type() == fs::file_type::not_found) return std::nullopt;
  if (status.type() != fs::file_type::directory) {
    return IoError{fmt::format("-o {}: exists and is not a directory", shown)};
  }
  std::vector<std::string> entries;
  fs::directory_iterator it(target, ec);
  for (const fs::directory_iterator end; !ec && it != end; it.increment(ec)) {
    entries.push_back(it->path().filename().string());
  }
  if (ec) return IoError{fmt::format("-o {}: {}", shown, ec.message())};
  if (entries.empty()) return std::nullopt;
  if (!is_output_set(target)) {
    return IoError{fmt::format(
        "-o {}: is not empty and is not a tuneprep output set (no manifest.json of tuneprep); prepare replaces "
        "its output directory as a whole and never deletes other files: choose a new or empty directory",
        shown)};
  }
  std::sort(entries.begin(), entries.end());
  for (const std::string& entry : entries) {
    if (!is_set_member(entry)) {
      return IoError{fmt::format(
          "-o {}: holds {}, which is not part of a tuneprep output set; prepare replaces its output directory "
          "as a whole and never deletes other files: move it away or choose another directory",
          shown, entry)};
    }
  }
  return std::nullopt;
}

std::optional<IoError> OutputSet::open(const fs::path& dir, bool with_validation, bool background) {
  IoError error;
  for (const char* name : kNames) {
    if (!with_validation && std::string_view(name) == kValidationName) {
      files_.emplace_back(std::nullopt);
      records_.push_back(0);
      continue;
    }
    auto file = AtomicOutputFile::create(dir / name, error, background);
    if (!file) return error;
    files_.emplace_back(std::move(file));
    records_.push_back(0);
  }
  return std::nullopt;
}

}  // namespace tuneprep::prepare
