// `tuneprep completions SHELL` and the hidden `tuneprep manpage [COMMAND]`: both render the tree
// this very parse was built from (the root of `command`), so they list every command there is.
#include <filesystem>
#include <memory>

#include <fmt/core.h>

#include "cli/cli.hpp"
#include "tuneprep/build_info.hpp"
#include "tuneprep/command_docs.hpp"
#include "tuneprep/io.hpp"

namespace tuneprep::cli {
namespace {

// Writes `text` to `path` through a temporary and a rename; on error prints it and returns false.
bool write_file(const std::filesystem::path& path, std::string_view text) {
  IoError error;
  std::optional<AtomicOutputFile> file = AtomicOutputFile::create(path, error);
  if (!file || !file->write(text, error) || !file->commit(error)) {
    fmt::print(stderr, "error: {}\n", error.message);
    return false;
  }
  return true;
}

int print_or_write(const std::string& output, std::string_view text) {
  if (output.empty() || output == "-") {
    fmt::print("{}", text);
    return kExitClean;
  }
  return write_file(output, text) ? kExitClean : kExitUsage;
}

std::vector<std::string> shells() {
  std::vector<std::string> out;
  for (std::string_view name : shell_names()) out.emplace_back(name);
  return out;
}

struct CompletionsOptions {
  std::string shell;
  std::string output;
};

struct ManpageOptions {
  std::string command;
  std::string out_dir;
};

}  // namespace

CommandRunner setup_completions(CLI::App& command, const GlobalOptions&) {
  auto o = std::make_shared<CompletionsOptions>();
  command.add_option("shell", o->shell, "The shell: bash, zsh or fish")->required()->check(CLI::IsMember(shells()));
  command.add_option("-o,--output", o->output, "Write the script to this file instead of stdout");
  return [o, &command]() {
    Shell shell;
    shell_from_name(o->shell, shell);  // checked by IsMember
    return print_or_write(o->output, render_completion(describe_cli(*command.get_parent()), shell));
  };
}

CommandRunner setup_manpage(CLI::App& command, const GlobalOptions&) {
  auto o = std::make_shared<ManpageOptions>();
  command.group("");  // hidden: the build runs it, packages ship its pages
  command.add_option("command", o->command, "The command whose page to print (default: tuneprep(1))");
  command.add_option("--out-dir", o->out_dir, "Write tuneprep.1 and tuneprep-COMMAND.1 for every command into this directory");
  return [o, &command]() {
    const CommandDoc root = describe_cli(*command.get_parent());
    const ManPageOptions options{std::string(tuneprep_version()), ""};
    if (!o->out_dir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(o->out_dir, ec);
      const std::filesystem::path dir(o->out_dir);
      if (!write_file(dir / man_page_file_name(root, nullptr), render_man_page(root, options))) return kExitUsage;
      for (const CommandDoc& sub : root.subcommands) {
        if (!write_file(dir / man_page_file_name(root, &sub), render_man_page(root, sub, options))) return kExitUsage;
      }
      return kExitClean;
    }
    if (o->command.empty()) return print_or_write("", render_man_page(root, options));
    for (const CommandDoc& sub : root.subcommands) {
      if (sub.name == o->command) return print_or_write("", render_man_page(root, sub, options));
    }
    fmt::print(stderr, "error: no command named '{}'\n", o->command);
    return kExitUsage;
  };
}

}  // namespace tuneprep::cli
