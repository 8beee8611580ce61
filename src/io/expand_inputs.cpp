// expand_inputs: turns the command line's paths (files, directories, "-") into the ordered list
// of input files with their compression and format.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
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

// Collects the data files under `root`, skipping hidden files and directories (editor swap
// files, our own ".NAME.tmp-*" outputs, .git).
std::optional<IoError> collect_directory(const std::string& root, std::vector<InputFile>& out,
                                         std::vector<std::string>& out_notes) {
  std::vector<std::string> notes;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  if (ec) return IoError{root + ": " + ec.message()};
  std::vector<InputFile> found;
  for (const fs::recursive_directory_iterator end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    if (is_hidden(path)) {
      std::error_code ignored;
      if (it->is_directory(ignored)) it.disable_recursion_pending();
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

ExpandResult expand_inputs(const std::vector<std::string>& paths) {
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
      if (auto error = collect_directory(path, result.files, result.notes)) {
        result.error = std::move(error);
        return result;
      }
      continue;
    }
    result.files.push_back(describe(path, &info));
  }
  drop_repeated_inputs(result.files, result.notes);
  return result;
}

}  // namespace tuneprep
