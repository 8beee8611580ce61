// command_tree: reads the CLI11 tree that parses the command line into the CommandDoc that man
// pages and completions are rendered from, and adds the prose --help has no room for (description,
// examples, files, environment). A command missing from the prose table still gets its page.
#include <algorithm>

#include "cli/cli.hpp"
#include "tuneprep/command_docs.hpp"

namespace tuneprep::cli {
namespace {

struct CommandProse {
  std::string_view name;
  std::string_view description;
  std::vector<ExampleDoc> examples;
};

// Long descriptions and examples per command; the options themselves come from CLI11.
const std::vector<CommandProse>& prose_table() {
  static const std::vector<CommandProse> kTable = {
      {"tuneprep",
       "tuneprep turns raw conversation data into clean, upload-ready fine-tuning datasets for large language "
       "models. It reads OpenAI chat, prompt/completion, Alpaca, ShareGPT and preference-pair records from JSONL, "
       "JSON arrays and CSV (also gzip or zstd compressed, or stdin), rejects what would break or poison a "
       "fine-tuning job with a reason for every record, removes duplicates, splits train and validation without "
       "leakage, and writes a manifest that accounts for every input record.\n\n"
       "Each command has its own page, tuneprep-COMMAND(1), and its own --help.",
       {{"tuneprep validate data/", "Check every dataset file under data/ and print a diagnostic per problem:"},
        {"tuneprep prepare raw/ -o clean/ --fix safe --model gpt-4o-mini",
         "Clean raw/ into clean/train.jsonl and clean/validation.jsonl, with the rejected records and a report:"},
        {"tuneprep completions bash > ~/.local/share/bash-completion/completions/tuneprep",
         "Install the bash completion for the current user:"}}},
      {"validate",
       "Checks every record of the inputs against the rules (tuneprep rules lists them) and prints one diagnostic "
       "per finding, pointing at the line and column of the field. The exit status gates commits and CI: 1 when "
       "any error is found (warnings too with --strict).\n\n"
       "--output-format github prints GitHub Actions annotations; sarif prints a SARIF 2.1.0 log for code "
       "scanning; json prints one JSON object per diagnostic.",
       {{"tuneprep validate data/train.jsonl", "Check one file:"},
        {"tuneprep validate data/ --model gpt-4o-mini --strict", "Check a directory against a model's token limit; fail on warnings too:"},
        {"tuneprep validate data/ --output-format sarif > tuneprep.sarif", "Write a SARIF log for code scanning:"}}},
      {"prepare",
       "Runs the whole pipeline: read, normalize, fix (--fix), check, count tokens, deduplicate, split and write. "
       "The output directory receives train.jsonl, validation.jsonl, rejected.jsonl, duplicates.jsonl, "
       "report.json and manifest.json, replaced as a whole with one rename: an interrupted run leaves the "
       "previous complete set.",
       {{"tuneprep prepare raw/ -o clean/", "Clean every dataset file under raw/:"},
        {"tuneprep prepare export.csv --prompt-col question --response-col answer -o clean/", "Read a CSV export:"},
        {"tuneprep prepare raw/ -o clean/ --dedup near --near-threshold 0.8 --report html,md",
         "Also drop near duplicates and write HTML and Markdown reports:"}}},
      {"stats",
       "Reports a dataset: record and token counts, length distributions, quality signals and the estimated "
       "training cost, in the terminal or as JSON, Markdown or a self-contained HTML page.",
       {{"tuneprep stats clean/train.jsonl --model gpt-4o-mini", "Summarize a training file:"},
        {"tuneprep stats v2/train.jsonl --compare v1/train.jsonl --html report.html", "Compare two versions in an HTML report:"}}},
      {"leakage",
       "Finds validation examples that are exact or near copies of training examples. Exit status 1 when any "
       "leak is found.",
       {{"tuneprep leakage clean/train.jsonl clean/validation.jsonl", "Check a split:"}}},
      {"tokens",
       "Counts tokens exactly as tiktoken does (cl100k_base, o200k_base), in text files or, with --chat, per "
       "dataset record with the chat formatting overhead.",
       {{"tuneprep tokens --model gpt-4o-mini notes.txt", "Count the tokens of a text file:"},
        {"tuneprep tokens --chat --model gpt-4o-mini data/", "Count per example: total, prompt and trained tokens:"}}},
      {"models",
       "Lists the fine-tunable models tuneprep knows: their tokenizer encoding and maximum tokens per example.",
       {{"tuneprep models --json", "The table as JSON Lines:"}}},
      {"rules",
       "Lists every rule: its id, default severity and what it checks. The [rules] table of tuneprep.toml and "
       "--enable, --disable and --severity change them.",
       {{"tuneprep rules", "List the rules:"}}},
      {"upload",
       "Validates dataset files with the configured rules, then uploads them to the fine-tuning service; files "
       "above 512 MB go in resumable parts. The API key comes from the environment or --api-key-file only.",
       {{"tuneprep upload clean/train.jsonl clean/validation.jsonl", "Upload a prepared split:"}}},
      {"train",
       "Starts a fine-tuning job, uploading local files or a prepared directory (checked against its manifest) "
       "first; --wait follows it to the end as watch does.",
       {{"tuneprep train --model gpt-4o-mini --dir clean/ --wait", "Train on a prepared directory and follow the job:"}}},
      {"watch",
       "Follows a fine-tuning job to its end: prints its events, the fine-tuned model name, and downloads the "
       "metrics with loss plots and an overfitting check.",
       {{"tuneprep watch ftjob-abc --out results/", "Follow a job and keep its results in results/:"}}},
      {"jobs", "Lists the most recent fine-tuning jobs of the service.",
       {{"tuneprep jobs --limit 5", "The five most recent jobs:"}}},
      {"cancel", "Cancels a fine-tuning job.", {{"tuneprep cancel ftjob-abc", "Cancel a job:"}}},
      {"version",
       "Prints the version, the git commit the binary was built from, and the embedded tokenizer encodings with "
       "the sha256 of their rank data (the hashes tiktoken pins).",
       {{"tuneprep version --json", "As one JSON object:"}}},
      {"completions",
       "Prints a completion script for bash, zsh or fish, generated from the same definitions as --help. "
       "Packages install them already; this is for installs from source.",
       {{"tuneprep completions bash > ~/.local/share/bash-completion/completions/tuneprep", "bash:"},
        {"tuneprep completions zsh > ~/.zfunc/_tuneprep", "zsh (with ~/.zfunc in $fpath):"},
        {"tuneprep completions fish > ~/.config/fish/completions/tuneprep.fish", "fish:"}}},
  };
  return kTable;
}

const CommandProse* prose_of(std::string_view name) {
  for (const CommandProse& prose : prose_table()) {
    if (prose.name == name) return &prose;
  }
  return nullptr;
}

OptionDoc describe_option(const CLI::Option& option) {
  OptionDoc doc;
  doc.positional = option.get_positional() && !option.nonpositional();
  if (doc.positional) {
    doc.names.push_back(option.get_name());
  } else {
    for (const std::string& name : option.get_snames()) doc.names.push_back("-" + name);
    for (const std::string& name : option.get_lnames()) doc.names.push_back("--" + name);
  }
  doc.help = option.get_description();
  doc.required = option.get_required();
  doc.default_value = option.get_default_str();
  const bool flag = option.get_expected_max() == 0;  // add_flag sets expected(0)
  doc.repeatable = option.get_expected_max() > 1;
  if (flag) return doc;
  // get_type_name() is "TYPE" followed by ":<description>" of each check, as --help shows it.
  const std::string type = option.get_type_name();
  const size_t colon = type.find(':');
  doc.value_name = type.substr(0, colon);
  if (colon != std::string::npos) doc.value_constraint = type.substr(colon + 1);
  // CLI11 2.1 has no const accessor and no count of checks: get_validator(i) throws past the last.
  // Reading a check does not change the option.
  try {
    for (int i = 0;; ++i) {
      const CLI::Validator* check = const_cast<CLI::Option&>(option).get_validator(i);
      if (check == nullptr) break;
      std::vector<std::string> choices = parse_choice_set(check->get_description());
      if (!choices.empty()) doc.choices = std::move(choices);
    }
  } catch (const CLI::OptionNotFound&) {
  }
  doc.kind = doc.choices.empty() ? path_kind_from_help(doc.help) : ValueKind::kChoice;
  return doc;
}

std::vector<OptionDoc> describe_options(const CLI::App& app) {
  std::vector<OptionDoc> positionals, options;
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_group().empty()) continue;  // hidden
    OptionDoc doc = describe_option(*option);
    (doc.positional ? positionals : options).push_back(std::move(doc));
  }
  positionals.insert(positionals.end(), std::make_move_iterator(options.begin()), std::make_move_iterator(options.end()));
  return positionals;
}

void add_prose(CommandDoc& doc, std::string_view key) {
  if (const CommandProse* prose = prose_of(key)) {
    doc.description = prose->description;
    doc.examples = prose->examples;
  } else {
    doc.examples = {{"tuneprep " + doc.name + " --help", "Its options, as this page lists them:"}};
  }
}

}  // namespace

CommandDoc describe_cli(const CLI::App& root) {
  CommandDoc doc;
  doc.name = "tuneprep";
  doc.summary = "turn raw conversation data into clean, upload-ready fine-tuning datasets";
  add_prose(doc, "tuneprep");
  doc.options = describe_options(root);
  for (const CLI::App* sub : root.get_subcommands([](const CLI::App* app) { return !app->get_group().empty(); })) {
    CommandDoc command;
    command.name = sub->get_name();
    command.summary = sub->get_description();
    add_prose(command, command.name);
    command.options = describe_options(*sub);
    doc.subcommands.push_back(std::move(command));
  }
  doc.files = {
      {"./tuneprep.toml",
       "Read by every command when present in the current directory (or the file given with --config): rule "
       "severities ([rules]), JSON key mapping ([map]) and fine-tuning service profiles ([backend.NAME])."},
      {"OUT/manifest.json",
       "Written by prepare: the sha256 of every input and output, the options and the record counts."},
  };
  doc.environment = {
      {"NO_COLOR", "When set, --color auto prints no colours."},
      {"OPENAI_API_KEY", "The API key of the backend commands (or the variable a profile's api_key_env names)."},
      {"OPENAI_BASE_URL", "The API base URL of the openai profile, unless --base-url is given."},
  };
  return doc;
}

}  // namespace tuneprep::cli
