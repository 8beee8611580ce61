// Tests of the command tree read from CLI11 and what is rendered from it: man pages and bash, zsh
// and fish completions.
#include <catch2/catch.hpp>

#include "cli/cli.hpp"
#include "tuneprep/command_docs.hpp"

using namespace tuneprep;

namespace {

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

// A small tree as describe_cli reads it from CLI11: one global option, one command.
struct DemoCli {
  CLI::App app{"demo"};
  std::string color, format, out, job;
  std::vector<std::string> inputs;
  bool strict = false;
  DemoCli() {
    app.add_option("--color", color, "Colour output")->check(CLI::IsMember({"auto", "never"}));
    CLI::App* check = app.add_subcommand("check", "Check the files");
    check->add_option("inputs", inputs, "Input files or - for stdin")->required();
    check->add_option("--format", format, "Input shape")->check(CLI::IsMember({"auto", "csv"}));
    check->add_option("-o,--out", out, "Output directory for the report");
    check->add_flag("--strict", strict, "Exit 1 on warnings too");
    check->add_option("--delimiter", format, "CSV delimiter")->check(CLI::IsMember({",", ";", "tab"}));
    CLI::App* hidden = app.add_subcommand("internal", "Not for users");
    hidden->group("");
    app.add_subcommand("cancel", "Cancel a job")->add_option("job", job, "The job id")->required();
  }
};

const OptionDoc* find_option(const CommandDoc& command, std::string_view name) {
  for (const OptionDoc& option : command.options) {
    for (const std::string& n : option.names) {
      if (n == name) return &option;
    }
  }
  return nullptr;
}

}  // namespace

TEST_CASE("CLI11 choice sets split into their members, a comma member included") {
  CHECK(parse_choice_set("{auto,always,never}") == std::vector<std::string>{"auto", "always", "never"});
  CHECK(parse_choice_set("{,,;,|,tab,\\t}") == std::vector<std::string>{",", ";", "|", "tab", "\\t"});
  CHECK(parse_choice_set("{a}") == std::vector<std::string>{"a"});
  CHECK(parse_choice_set("[1 - 1024]").empty());
  CHECK(parse_choice_set("").empty());
}

TEST_CASE("A value's path kind comes from the first of file or directory its help names") {
  CHECK(path_kind_from_help("TOML configuration file (default: ./tuneprep.toml)") == ValueKind::kFile);
  CHECK(path_kind_from_help("Output directory, replaced as a whole") == ValueKind::kDirectory);
  CHECK(path_kind_from_help("Directory for the result files and plots") == ValueKind::kDirectory);
  CHECK(path_kind_from_help("Input files, directories (searched recursively) or - for stdin") == ValueKind::kFile);
  CHECK(path_kind_from_help("Write every figure as JSON to FILE (- for stdout)") == ValueKind::kFile);
  CHECK(path_kind_from_help("The files' purpose") == ValueKind::kText);
  CHECK(path_kind_from_help("Check each example against this model's token limit") == ValueKind::kText);
  CHECK(path_kind_from_help("profile") == ValueKind::kText);  // "file" inside a word is not the word
}

TEST_CASE("describe_cli reads commands, options, choices and paths from the CLI11 tree, hidden ones left out") {
  DemoCli cli;
  const CommandDoc root = cli::describe_cli(cli.app);
  CHECK(root.name == "tuneprep");
  REQUIRE(root.subcommands.size() == 2);  // "internal" is hidden
  const CommandDoc& check = root.subcommands[0];
  CHECK(check.name == "check");
  CHECK(check.summary == "Check the files");
  REQUIRE(!check.options.empty());
  CHECK(check.options[0].positional);  // positionals first
  CHECK(check.options[0].names == std::vector<std::string>{"inputs"});
  CHECK(check.options[0].required);
  CHECK(check.options[0].repeatable);
  CHECK(check.options[0].kind == ValueKind::kFile);
  const OptionDoc* format = find_option(check, "--format");
  REQUIRE(format != nullptr);
  CHECK(format->kind == ValueKind::kChoice);
  CHECK(format->choices == std::vector<std::string>{"auto", "csv"});
  CHECK(format->value_name == "TEXT");
  const OptionDoc* out = find_option(check, "--out");
  REQUIRE(out != nullptr);
  CHECK(out->names == std::vector<std::string>{"-o", "--out"});
  CHECK(out->kind == ValueKind::kDirectory);
  const OptionDoc* strict = find_option(check, "--strict");
  REQUIRE(strict != nullptr);
  CHECK(strict->kind == ValueKind::kNone);
  CHECK(strict->value_name.empty());
  CHECK(find_option(check, "--help") != nullptr);
  CHECK(find_option(root, "--color") != nullptr);
  CHECK_FALSE(check.examples.empty());  // a command without prose still gets an example
}

TEST_CASE("A man page escapes roff and has the sections of man-pages(7)") {
  DemoCli cli;
  CommandDoc root = cli::describe_cli(cli.app);
  root.subcommands[0].description = ".starts like a request\n\nback\\slash";
  const std::string page = render_man_page(root, root.subcommands[0], ManPageOptions{"1.2.3", ""});
  CHECK(contains(page, ".TH \"TUNEPREP\\-CHECK\" 1 \"\" \"tuneprep 1.2.3\""));
  CHECK(contains(page, "\n.SH NAME\ntuneprep\\-check \\- Check the files\n"));
  CHECK(contains(page, "\\&.starts like a request\n.PP\nback\\eslash\n"));
  CHECK(contains(page, "\\fB\\-o\\fR, \\fB\\-\\-out\\fR \\fITEXT\\fR\n"));
  CHECK(contains(page, "One of \\fBauto\\fR, \\fBcsv\\fR."));
  for (const char* section : {".SH SYNOPSIS", ".SH DESCRIPTION", ".SH OPTIONS", ".SH \"GLOBAL OPTIONS\"",
                              ".SH \"EXIT STATUS\"", ".SH EXAMPLES", ".SH FILES", ".SH \"SEE ALSO\""}) {
    CHECK(contains(page, section));
  }
  CHECK(contains(page, "\\fB\\-\\-color\\fR"));        // the global options
  CHECK_FALSE(contains(page, "\\fB\\-\\-version\\fR"));  // root only
  const std::string root_page = render_man_page(root, ManPageOptions{"1.2.3", ""});
  CHECK(contains(root_page, ".SH COMMANDS\n.TP\n.B check\nCheck the files. See \\fBtuneprep\\-check\\fR(1).\n"));
  CHECK(man_page_file_name(root, nullptr) == "tuneprep.1");
  CHECK(man_page_file_name(root, &root.subcommands[1]) == "tuneprep-cancel.1");
}

TEST_CASE("Completions hold commands, options, value kinds and plain choices only") {
  DemoCli cli;
  const CommandDoc root = cli::describe_cli(cli.app);
  const std::string bash = render_completion(root, Shell::kBash);
  CHECK(contains(bash, "_tuneprep_commands='check cancel'\n"));
  CHECK(contains(bash, "    'check:--format') echo 'choice auto csv' ;;\n"));
  CHECK(contains(bash, "    'check:-o'|'check:--out') echo 'dir' ;;\n"));
  CHECK(contains(bash, "    'check:--strict') echo 'none' ;;\n"));
  CHECK(contains(bash, "    'check:--delimiter') echo 'choice tab' ;;\n"));  // "," and ";" are not plain words
  CHECK(contains(bash, "    *:'--color') echo 'choice auto never' ;;\n"));
  CHECK(contains(bash, "    'check') echo 'file' ;;\n"));  // its positional
  CHECK(contains(bash, "complete -F _tuneprep tuneprep\n"));

  const std::string zsh = render_completion(root, Shell::kZsh);
  CHECK(zsh.starts_with("#compdef tuneprep\n"));
  CHECK(contains(zsh, "'(-o --out)'{-o+,--out=}'[Output directory for the report]:TEXT:_files -/'"));
  CHECK(contains(zsh, "'--format=[Input shape]:TEXT:(auto csv)'"));
  CHECK(contains(zsh, "'*:inputs:_files'"));
  CHECK(contains(zsh, "':job: '"));

  const std::string fish = render_completion(root, Shell::kFish);
  CHECK(contains(fish, "complete -c tuneprep -n 'not __fish_seen_subcommand_from check cancel' -a 'check' -d 'Check the files'\n"));
  CHECK(contains(fish, "complete -c tuneprep -n '__fish_seen_subcommand_from check' -l format -x -a 'auto csv' -d 'Input shape'\n"));
  CHECK(contains(fish, "complete -c tuneprep -n '__fish_seen_subcommand_from check' -F\n"));
}

TEST_CASE("Shell names round-trip") {
  for (std::string_view name : shell_names()) {
    Shell shell;
    REQUIRE(shell_from_name(name, shell));
  }
  Shell shell;
  CHECK_FALSE(shell_from_name("tcsh", shell));
}
