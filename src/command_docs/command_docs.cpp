// command_docs: choice sets, path guesses, exit statuses and the shell names; the renderers are in
// man_page.cpp and completion.cpp.
#include "tuneprep/command_docs.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>

namespace tuneprep {

std::span<const ExitStatusDoc> exit_statuses() {
  static constexpr ExitStatusDoc kStatuses[] = {
      {0, "Clean: the command ran and found nothing to report (or it only lists or prints)."},
      {1, "Data problems found: errors in the records (warnings too with --strict), leaks between the "
          "splits, or a failed fine-tuning job."},
      {2, "Usage or I/O error: a bad option, an unreadable input, an unwritable output, an API error."},
  };
  return kStatuses;
}

std::vector<std::string> parse_choice_set(std::string_view set) {
  std::vector<std::string> members;
  if (set.size() < 2 || set.front() != '{' || set.back() != '}') return members;
  const std::string_view inner = set.substr(1, set.size() - 2);
  size_t pos = 0;
  while (pos < inner.size()) {
    size_t end = inner.find(',', pos);
    if (end == pos) {  // an empty piece: the member is "," itself
      members.emplace_back(",");
      pos += 2;        // the comma and the separator after it
      continue;
    }
    if (end == std::string_view::npos) end = inner.size();
    members.emplace_back(inner.substr(pos, end - pos));
    pos = end + 1;
  }
  return members;
}

namespace {

// Where `word` first occurs as a whole word ("the files' purpose" is not a path); npos if nowhere.
size_t word_at(std::string_view text, std::string_view word) {
  for (size_t pos = text.find(word); pos != std::string_view::npos; pos = text.find(word, pos + 1)) {
    const bool starts = pos == 0 || !std::isalpha(static_cast<unsigned char>(text[pos - 1]));
    const size_t after = pos + word.size();
    const bool ends = after == text.size() ||
                      (!std::isalpha(static_cast<unsigned char>(text[after])) && text[after] != '\'');
    if (starts && ends) return pos;
  }
  return std::string_view::npos;
}

size_t first_of_words(std::string_view text, std::initializer_list<std::string_view> words) {
  size_t first = std::string_view::npos;
  for (std::string_view word : words) first = std::min(first, word_at(text, word));
  return first;
}

}  // namespace

ValueKind path_kind_from_help(std::string_view help) {
  // The first one named wins: "Directory for the result files" names a directory.
  const size_t file = first_of_words(help, {"file", "files", "FILE", "File", "Files"});
  const size_t directory = first_of_words(help, {"directory", "directories", "Directory", "DIR"});
  if (file == std::string_view::npos && directory == std::string_view::npos) return ValueKind::kText;
  return file < directory ? ValueKind::kFile : ValueKind::kDirectory;
}

std::string man_page_file_name(const CommandDoc& root, const CommandDoc* command) {
  return command == nullptr ? root.name + ".1" : root.name + "-" + command->name + ".1";
}

std::span<const std::string_view> shell_names() {
  static constexpr std::string_view kNames[] = {"bash", "zsh", "fish"};
  return kNames;
}

bool shell_from_name(std::string_view name, Shell& shell) {
  if (name == "bash") {
    shell = Shell::kBash;
  } else if (name == "zsh") {
    shell = Shell::kZsh;
  } else if (name == "fish") {
    shell = Shell::kFish;
  } else {
    return false;
  }
  return true;
}

}  // namespace tuneprep
