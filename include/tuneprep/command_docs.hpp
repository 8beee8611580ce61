// command_docs: the command-line tree as plain data (commands, options, value kinds, choices) and
// what is generated from it: man pages and bash, zsh and fish completions. The CLI fills the tree
// from the same CLI11 definitions that print --help, so the pages and completions cannot drift.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tuneprep {

// What a value is, for completion: a file path, a directory, one of `choices`, or anything.
enum class ValueKind { kNone, kText, kFile, kDirectory, kChoice };

struct OptionDoc {
  std::vector<std::string> names;  // "-o", "--output" (short first); a positional has its one name ("inputs")
  bool positional = false;
  std::string value_name;          // "TEXT", "UINT", "BYTES"; empty for a flag
  std::string value_constraint;    // what CLI11 checks, e.g. "[1 - 1024]" or "{text,json}"; may be empty
  std::string default_value;       // as --help shows it after '='; may be empty
  std::string help;
  ValueKind kind = ValueKind::kNone;
  std::vector<std::string> choices;  // for kChoice
  bool required = false;
  bool repeatable = false;  // takes several values or may be given several times
};

struct ExampleDoc {
  std::string command;      // "tuneprep validate data/ --strict"
  std::string explanation;  // one sentence
};

// A FILES or ENVIRONMENT entry: the file or variable, and what tuneprep does with it.
struct TermDoc {
  std::string term;
  std::string meaning;
};

struct CommandDoc {
  std::string name;         // "tuneprep", or the subcommand's name
  std::string summary;      // one line, as --help lists it
  std::string description;  // paragraphs separated by "\n\n"; the summary when empty
  std::vector<OptionDoc> options;  // positionals first, in order, then options in --help order
  std::vector<ExampleDoc> examples;
  std::vector<CommandDoc> subcommands;  // the visible ones, in --help order
  // The root's FILES and ENVIRONMENT sections, shown on every page (every command reads them).
  std::vector<TermDoc> files;
  std::vector<TermDoc> environment;
};

// The exit codes of every command (docs/cli.md), for the EXIT STATUS section.
struct ExitStatusDoc {
  int code;
  std::string_view meaning;
};
std::span<const ExitStatusDoc> exit_statuses();

// Splits a CLI11 set description such as "{auto,openai-chat}" or "{,,;,|,tab}" into its members.
// A member is never empty, so an empty piece between two commas is the member ",". Returns an
// empty list when `set` is not a "{...}" set.
std::vector<std::string> parse_choice_set(std::string_view set);

// Guesses a path value from the help text: "file" or "FILE" (file), "directory"/"directories"
// (directory, or file when both appear). CLI11 types every string as TEXT, so the help is the one
// place that says what the value names.
ValueKind path_kind_from_help(std::string_view help);

struct ManPageOptions {
  std::string version;  // "0.1.0", in the page footer
  std::string date;     // e.g. "2026-12"; left out when empty (deterministic builds)
};

// The man page (roff, man(7) macros) of `root` (tuneprep(1): global options and the command list)
// or of one of its subcommands (tuneprep-CMD(1): its options, then the global ones).
std::string render_man_page(const CommandDoc& root, const ManPageOptions& options);
std::string render_man_page(const CommandDoc& root, const CommandDoc& command, const ManPageOptions& options);
// The page's file name: "tuneprep.1", "tuneprep-validate.1".
std::string man_page_file_name(const CommandDoc& root, const CommandDoc* command);

enum class Shell { kBash, kZsh, kFish };
std::span<const std::string_view> shell_names();  // "bash", "zsh", "fish"
bool shell_from_name(std::string_view name, Shell& shell);

// A completion script for `root`: subcommands, their options (global ones too), choices of enum
// options, and file or directory completion where a value names a path.
std::string render_completion(const CommandDoc& root, Shell shell);

}  // namespace tuneprep
