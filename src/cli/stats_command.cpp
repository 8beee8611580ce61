// `tuneprep stats`: parses options into StatsRunOptions, runs the stats driver over the inputs
// (and over --compare inputs), prints the terminal report and writes --json/--markdown/--html.
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "cli/cli.hpp"
#include "cli/command_options.hpp"
#include "cli/terminal.hpp"
#include "tuneprep/diagnostics.hpp"
#include "tuneprep/stats_run.hpp"

namespace tuneprep::cli {
namespace {

struct StatsCommandOptions {
  StatsRunOptions run;
  std::string model = std::string(kDefaultStatsModel);
  std::string encoding;
  uint64_t max_tokens = 0;
  double price_per_mtok = -1;
  uint32_t epochs = 0;
  std::string dedup = "exact";
  std::string json_path, markdown_path, html_path;
  std::vector<std::string> compare;
  RuleOptions rules;
};

// Columns of the terminal on stdout; 80 when it is not a terminal, so piped output is stable.
uint32_t terminal_width() {
  winsize size{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col >= 40) {
    return size.ws_col;
  }
  return 80;
}

// Writes `text` to `path` atomically, or to stdout for "-".
std::optional<IoError> write_output(const std::string& path, std::string_view text) {
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return std::nullopt;
  }
  IoError error;
  auto file = AtomicOutputFile::create(path, error);
  if (!file || !file->write(text, error) || !file->commit(error)) return error;
  return std::nullopt;
}

// Adds the options of `tuneprep stats` to `command`, bound to the returned storage.
std::shared_ptr<StatsCommandOptions> bind_stats(CLI::App& command) {
  auto o = std::make_shared<StatsCommandOptions>();
  StatsRunOptions& run = o->run;
  add_input_options(command, run.inputs, run.reader, run.normalize);
  command.add_option("--model", o->model,
                     "Model: tokenizer encoding, token limit and price (default gpt-4o-mini; see `tuneprep models`)");
  command.add_option("--encoding", o->encoding, "Tokenizer encoding, overriding the model's")
      ->check(CLI::IsMember({"cl100k_base", "o200k_base"}));
  command.add_option("--max-tokens", o->max_tokens, "Per-example token limit, overriding the model's")
      ->check(CLI::PositiveNumber);
  command.add_option("--price-per-mtok", o->price_per_mtok,
                     "Training price in USD per 1M tokens (default: the built-in table)")
      ->check(CLI::NonNegativeNumber);
  command.add_option("--epochs", o->epochs, "Epochs for the estimate (default: OpenAI's heuristic)")
      ->check(CLI::Range(1u, 100u));
  command.add_option("--dedup", o->dedup, "Duplicates left out of the figures: none, exact (default) or near")
      ->check(CLI::IsMember({"none", "exact", "near"}));
  command.add_option("--near-threshold", run.near_threshold, "Jaccard similarity of a near duplicate (0.8)")
      ->check(CLI::Range(0.01, 1.0));
  command.add_option("--top", run.report.top, "Rows in the top-N tables (system prompts, openings)")
      ->check(CLI::Range(1u, 1000u));
  command.add_option("--json", o->json_path, "Write every figure as JSON to FILE (- for stdout)");
  command.add_option("--markdown", o->markdown_path, "Write Markdown tables to FILE (- for stdout)");
  command.add_option("--html", o->html_path, "Write a self-contained HTML report to FILE (- for stdout)");
  command.add_option("--compare", o->compare, "Second dataset (files or directories) shown side by side");
  add_max_record_bytes_option(command, run.reader);
  command.add_option("--enable", o->rules.enable, "Turn rules on (rule ids, repeatable or comma-separated)")
      ->delimiter(',');
  command.add_option("--disable", o->rules.disable, "Turn rules off (rule ids)")->delimiter(',');
  command.add_option("--severity", o->rules.severity, "Set a rule's severity: ID=error|warning|info")
      ->delimiter(',');

  return o;
}

// Builds o.run from the parsed options with the checks CLI11 does not make; returns the usage
// error to print.
std::optional<std::string> resolve_stats(StatsCommandOptions& o, const GlobalOptions& global) {
  StatsRunOptions& run = o.run;
  run.dedup = *dedup_mode_from_name(o.dedup);
  run.jobs = global.jobs;
  run.tokens.model = o.model;
  if (!o.encoding.empty()) run.tokens.encoding = encoding_from_name(o.encoding);
  run.tokens.max_tokens = o.max_tokens;
  if (o.price_per_mtok >= 0) run.report.price_per_mtok = o.price_per_mtok;
  if (o.epochs > 0) run.report.epochs = o.epochs;
  if (auto error = load_rules_config(global, run.rules, &run.normalize)) return error;
  if (auto error = apply_rule_options(run.rules, o.rules)) return error->message;
  int stdout_outputs = 0;
  for (const std::string* path : {&o.json_path, &o.markdown_path, &o.html_path}) stdout_outputs += *path == "-";
  if (stdout_outputs > 1) return "only one of --json, --markdown and --html can write to stdout (-)";
  return std::nullopt;
}

}  // namespace

OptionsBuilder<StatsRunOptions> add_stats_options(CLI::App& command, const GlobalOptions& global) {
  auto o = bind_stats(command);
  return [o, &global](StatsRunOptions& options) -> std::optional<std::string> {
    if (auto error = resolve_stats(*o, global)) return error;
    options = o->run;
    return std::nullopt;
  };
}

CommandRunner setup_stats(CLI::App& command, const GlobalOptions& global) {
  auto o = bind_stats(command);
  return [o, &global]() -> int {
    const Style err_style(global.use_color(STDERR_FILENO));
    auto usage_error = [&](const std::string& message) {
      fmt::print(stderr, "{}: {}\n", err_style.red("error"), terminal_text(message));
      return kExitUsage;
    };
    if (auto error = resolve_stats(*o, global)) return usage_error(*error);
    StatsRunOptions& run = o->run;
    int stdout_outputs = 0;
    for (const std::string* path : {&o->json_path, &o->markdown_path, &o->html_path}) stdout_outputs += *path == "-";

    ProgressBar bar(!global.quiet && isatty(STDERR_FILENO));
    StreamProgressCallback progress;
    if (bar.enabled()) {
      progress = [&bar](const StreamProgress& p) { bar.update(p.bytes_read, p.bytes_total, p.records, p.seconds); };
    }
    StatsRunResult first = run_stats(run, progress);
    bar.clear();
    print_input_notes(first.input_notes, global);
    if (first.error) return usage_error(first.error->message);
    std::optional<StatsRunResult> second;
    if (!o->compare.empty()) {
      StatsRunOptions other = run;
      other.inputs = o->compare;
      other.report.title.clear();
      second = run_stats(other, progress);
      bar.clear();
      print_input_notes(second->input_notes, global);
      if (second->error) return usage_error(second->error->message);
    }

    const StatsReport& a = first.report;
    auto render = [&](auto single, auto pair) { return second ? pair(a, second->report) : single(a); };
    struct Output {
      const std::string& path;
      std::string (*single)(const StatsReport&);
      std::string (*pair)(const StatsReport&, const StatsReport&);
    };
    const Output outputs[] = {
        {o->json_path, render_json, render_json_compare},
        {o->markdown_path, render_markdown, render_markdown_compare},
        {o->html_path, render_html, render_html_compare},
    };
    for (const Output& output : outputs) {
      if (output.path.empty()) continue;
      if (auto error = write_output(output.path, render(output.single, output.pair))) {
        return usage_error(error->message);
      }
    }
    if (!global.quiet && stdout_outputs == 0) {
      TerminalOptions terminal;
      terminal.color = global.use_color(STDOUT_FILENO);
      terminal.width = terminal_width();
      const std::string text =
          second ? render_terminal_compare(a, second->report, terminal) : render_terminal(a, terminal);
      std::fwrite(text.data(), 1, text.size(), stdout);
    }
    return kExitClean;
  };
}

}  // namespace tuneprep::cli
