// expand_inputs: turns the command line's paths (files, directories, "-") into the ordered list
// of input files with their compression and format.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "tuneprep/io.hpp"

namespace tuneprep {
namespace {

namespace fs = std::filesystem;

InputFile describe(std::string path, const struct stat* info) {
  InputFile file;
  file.compression = compression_from_path(path);
  if (auto format = format_from_path(path)) {
    file.format = *format;
  } else {
    file.format_from_content = true;
  }
  if (info != nullptr && S_ISREG(info->st_mode)) file.size = static_cast<uint64_t>(info->st_size);
  file.path = std::move(path);
  return file;
}

std::string file_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a file";
}

// A file named twice (directly, through a directory, or via another name of the same inode) and
// a second "-" are read once: the later mention is dropped with a note, in every command.
void drop_repeated_inputs(std::vector<InputFile>& files, std::vector<std::string>& notes) {
  std::vector<std::pair<dev_t, ino_t>> seen;
  bool stdin_seen = false;
  size_t kept = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    bool repeat = false;
    if (files[i].path == "-") {
      repeat = stdin_seen;
      stdin_seen = true;
      if (repeat) notes.push_back("-: stdin given more than once: read once");
    } else if (struct stat info; ::stat(files[i].path.c_str(), &info) == 0) {
      const std::pair<dev_t, ino_t> id{info.st_dev, info.st_ino};
      repeat = std::find(seen.begin(), seen.end(), id) != seen.end();
      if (repeat) {
        notes.push_back(files[i].path + ": the same file is already an input: read once");
      } else {
        seen.push_back(id);
      }
    }
    if (!repeat) {
      if (kept != i) files[kept] = std::move(files[i]);
      ++kept;
    }
  }
  files.resize(kept);
}

bool is_hidden(const fs::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name[0] == '.';
}

bool is_skipped_dir(const fs::path& dir, const ExpandOptions& options) {
  if (options.skip_dirs.empty()) return false;
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(dir, ec);
  if (ec) return false;
  if (!canonical.has_filename() && canonical.has_parent_path()) canonical = canonical.parent_path();
  for (const fs::path& skip : options.skip_dirs) {
    if (canonical == skip) return true;
  }
  return false;
}

// Why `dir` is not read, or nullptr: prepare's output directory, or any tuneprep output set
// (reading one back would feed a run its own manifest, reports and rejected records).
const char* skip_reason(const fs::path& dir, const ExpandOptions& options) {
  if (is_skipped_dir(dir, options)) return "the output directory (-o)";
  if (is_output_set(dir)) return "a tuneprep output set (manifest.json); name its files to read them";
  return nullptr;
}

// Collects the data files under `root`, skipping hidden files and directories (editor swap
// files, our own ".NAME.tmp-*" outputs, .git) and output sets.
std::optional<IoError> collect_directory(const std::string& root, const ExpandOptions& options,
                                         std::vector<InputFile>& out, std::vector<std::string>& out_notes) {
  if (const char* reason = skip_reason(root, options)) {
    out_notes.push_back(root + ": skipped, " + reason);
    return std::nullopt;
  }
  std::vector<std::string> notes;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  if (ec) return IoError{root + ": " + ec.message()};
  std::vector<InputFile> found;
  for (const fs::recursive_directory_iterator end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    std::error_code ignored;
    const bool is_dir = it->is_directory(ignored);
    if (is_hidden(path)) {
      if (is_dir) it.disable_recursion_pending();
      continue;
    }
    if (is_dir) {
      if (const char* reason = skip_reason(path, options)) {
        notes.push_back(path.string() + ": skipped, " + reason);
        it.disable_recursion_pending();
      }
      continue;
    }
    const std::string name = path.string();
    if (!format_from_path(name)) continue;
    struct stat info;
    if (::stat(name.c_str(), &info) != 0) {
      // A dangling or looping symbolic link: say so rather than read less than the user expects.
      notes.push_back(name + ": skipped: " + (errno == ELOOP ? std::string("symbolic link loop")
                                              : errno == ENOENT ? std::string("dangling symbolic link")
                                                                : std::generic_category().message(errno)));
      continue;
    }
    if (S_ISDIR(info.st_mode)) continue;
    if (!S_ISREG(info.st_mode)) {
      // A FIFO could block the run forever, a device never end: only named on the command line.
      notes.push_back(name + ": skipped: not a regular file (" + file_kind(info.st_mode) + ")");
      continue;
    }
    found.push_back(describe(name, &info));
  }
  if (ec) return IoError{root + ": " + ec.message()};
  if (found.empty()) {
    return IoError{root + ": no data files in this directory (looked for .jsonl, .ndjson, .json, .csv and .tsv, "
                          "optionally compressed as .gz or .zst)"};
  }
  // Byte order of the path: stable across file systems and locales.
  std::sort(found.begin(), found.end(), [](const InputFile& a, const InputFile& b) { return a.path < b.path; });
  for (InputFile& file : found) out.push_back(std::move(file));
  std::sort(notes.begin(), notes.end());
  for (std::string& note : notes) out_notes.push_back(std::move(note));
  return std::nullopt;
}

}  // namespace

bool is_output_set(const fs::path& dir) {
  // The manifest opens with {"tool": {"name": "tuneprep", ...}} (src/prepare/manifest.cpp).
  std::ifstream in(dir / "manifest.json", std::ios::binary);
  if (!in) return false;
  char head[256];
  in.read(head, sizeof head);
  const std::string_view text(head, static_cast<size_t>(in.gcount()));
  return text.find("\"tool\": {\"name\": \"tuneprep\"") != std::string_view::npos;
}

ExpandResult expand_inputs(const std::vector<std::string>& paths) { return expand_inputs(paths, ExpandOptions{}); }

ExpandResult expand_inputs(const std::vector<std::string>& paths, const ExpandOptions& options) {
  ExpandResult result;
  if (paths.empty()) {
    result.error = IoError{"no input files"};
    return result;
  }
  for (const std::string& path : paths) {
    if (path == "-") {
      InputFile file;
      file.path = "-";
      file.format_from_content = true;
      result.files.push_back(std::move(file));
      continue;
    }
    struct stat info;
    if (path.empty()) {
      result.error = IoError{"an input path is empty (\"\")"};
      return result;
    }
    if (::stat(path.c_str(), &info) != 0) {
      result.error = IoError{path + ": " + std::generic_category().message(errno)};
      return result;
    }
    if (S_ISDIR(info.st_mode)) {
      if (auto error = collect_directory(path, options, result.files, result.notes)) {
        result.error = std::move(error);
        return result;
      }
      continue;
    }
    result.files.push_back(describe(path, &info));
  }
  drop_repeated_inputs(result.files, result.notes);
  if (result.files.empty()) result.error = IoError{"no input files left to read (every input was skipped)"};
  return result;
}

}  // namespace tuneprep
