// `tuneprep prepare`: parses options into PrepareOptions, runs the pipeline, prints the summary.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <fmt/core.h>

#include "cli/cli.hpp"
#include "cli/terminal.hpp"
#include "tuneprep/pipeline.hpp"

namespace tuneprep::cli {
namespace {

struct PrepareCommandOptions {
  PrepareOptions prepare;
  std::string format = "auto";
  std::string to = "openai-chat";
  std::string dedup = "exact";
  bool strict = false;
  bool json = false;
};

std::string summary_json(const PrepareOptions& options, const PrepareSummary& summary) {
  // The summary JSON is the manifest plus timing: one schema for scripts to learn.
  std::string manifest = render_manifest(options, summary);
  manifest.pop_back();  // '\n'
  manifest.pop_back();  // '}'
  manifest += fmt::format(",\n  \"output_dir\": ");
  append_json_string(manifest, options.output_dir);
  manifest += fmt::format(",\n  \"seconds\": {:.3f}\n}}\n", summary.seconds);
  return manifest;
}

void print_summary(const PrepareOptions& options, const PrepareSummary& summary, const Style& style) {
  const PrepareCounts& c = summary.counts;
  const double mb = static_cast<double>(summary.bytes_in) / 1e6;
  fmt::print("{} {} records from {} file{} ({}) in {:.2f} s\n", style.bold("prepared"), group_digits(c.records_in),
             summary.inputs.size(), summary.inputs.size() == 1 ? "" : "s", human_bytes(summary.bytes_in),
             summary.seconds);
  (void)mb;
  const std::filesystem::path dir(options.output_dir);
  auto row = [&](std::string_view label, uint64_t count, std::string_view file, std::string_view colour) {
    fmt::print("  {:<11} {:>10}  {}\n", style.paint(label, colour), group_digits(count), (dir / file).string());
  };
  row("train", c.train, "train.jsonl", Style::kGreen);
  if (options.val_ratio > 0) row("validation", c.validation, "validation.jsonl", Style::kGreen);
  row("rejected", c.rejected, "rejected.jsonl", c.rejected ? Style::kRed : "");
  row("duplicates", c.duplicates, "duplicates.jsonl", c.duplicates ? Style::kYellow : "");
  fmt::print("  {:<11} {:>10}  {}\n", "manifest", "", (dir / "manifest.json").string());
  if (!summary.rejections_by_rule.empty()) {
    fmt::print("rejected by rule:\n");
    for (const auto& [rule, count] : summary.rejections_by_rule) {
      fmt::print("  {:<24} {:>8}\n", rule, group_digits(count));
    }
  }
  for (const std::string& warning : summary.warnings) fmt::print(stderr, "{}: {}\n", style.yellow("warning"), warning);
}

}  // namespace

CommandRunner setup_prepare(CLI::App& command, const GlobalOptions& global) {
  auto o = std::make_shared<PrepareCommandOptions>();
  PrepareOptions& p = o->prepare;
  command.add_option("inputs", p.inputs, "Input files, directories (searched recursively) or - for stdin")
      ->required();
  command.add_option("-o,--output", p.output_dir, "Output directory (created; earlier outputs replaced on success)")
      ->required();
  command.add_option("--format", o->format, "Input shape (auto detects per record)")
      ->check(CLI::IsMember({"auto", "openai-chat", "prompt-completion", "alpaca", "sharegpt", "dpo", "csv"}));
  command.add_option("--to", o->to, "Output format of train/validation")
      ->check(CLI::IsMember({"openai-chat", "prompt-completion", "dpo"}));
  command.add_option("--system", p.normalize.system_prompt, "Add this system message where none exists");
  command.add_option("--prompt-col", p.reader.prompt_column, "CSV column holding the user prompt");
  command.add_option("--response-col", p.reader.response_column, "CSV column holding the assistant answer");
  command.add_option("--system-col", p.reader.system_column, "CSV column holding the system prompt");
  command.add_option("--dedup", o->dedup, "Duplicate removal: exact (default) or none")
      ->check(CLI::IsMember({"none", "exact"}));
  command.add_option("--val-ratio", p.val_ratio, "Share of examples for validation.jsonl; 0 writes none")
      ->check(CLI::Range(0.0, 0.999999));
  command.add_option("--seed", p.seed, "Seed of the train/validation split");
  command.add_option("--max-record-bytes", p.reader.max_record_bytes,
                     "Reject records larger than this (default 64 MiB)")
      ->check(CLI::PositiveNumber);
  command.add_flag("--strict", o->strict, "Exit 1 when any record was rejected");
  command.add_flag("--json", o->json, "Print the summary as JSON on stdout");

  return [o, &global]() -> int {
    PrepareOptions& options = o->prepare;
    options.normalize.shape = *input_shape_from_name(o->format);
    options.to = *output_format_from_name(o->to);
    options.dedup = o->dedup == "none" ? DedupMode::kNone : DedupMode::kExact;
    options.jobs = global.jobs;

    const Style err_style(global.use_color(STDERR_FILENO));
    ProgressBar bar(!global.quiet && isatty(STDERR_FILENO));
    StreamProgressCallback progress;
    if (bar.enabled()) {
      progress = [&bar](const StreamProgress& p) { bar.update(p.bytes_read, p.bytes_total, p.records, p.seconds); };
    }
    PrepareResult result = run_prepare(options, progress);
    bar.clear();
    if (result.error) {
      fmt::print(stderr, "{}: {}\n", err_style.red("error"), result.error->message);
      return kExitUsage;
    }
    if (o->json) {
      fmt::print("{}", summary_json(options, result.summary));
    } else if (!global.quiet) {
      print_summary(options, result.summary, Style(global.use_color(STDOUT_FILENO)));
    }
    if (o->strict && result.summary.counts.rejected > 0) return kExitFindings;
    return kExitClean;
  };
}

}  // namespace tuneprep::cli
