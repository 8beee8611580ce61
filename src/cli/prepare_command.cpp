// `tuneprep prepare` and `tuneprep merge` (the second half of a sharded prepare): parse options
// into PrepareOptions / MergeOptions, run, print the one summary both share.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <fmt/core.h>

#include "cli/cli.hpp"
#include "cli/command_options.hpp"
#include "cli/terminal.hpp"
#include "tuneprep/diagnostics.hpp"
#include "tuneprep/json_writer.hpp"
#include "tuneprep/prepare.hpp"

namespace tuneprep::cli {
namespace {

struct PrepareCommandOptions {
  PrepareOptions prepare;
  std::string to = "openai-chat";
  std::string dedup = "exact";
  std::string dedup_on = "conversation";
  std::string conflicts = "keep";
  std::string max_memory;
  std::string model;
  std::string encoding;
  uint64_t max_tokens = 0;
  bool truncate = false;
  bool no_wait = false;
  std::vector<std::string> reports;
  std::string fix;
  bool strict = false;
  bool json = false;
  std::string shard;
};

void write_stages(JsonWriter& writer, const std::vector<StageTiming>& stages) {
  writer.key("stages");
  writer.begin_array();
  for (const StageTiming& stage : stages) {
    writer.begin_object();
    writer.field("name", stage.name);
    writer.field_real("seconds", stage.seconds, 3);
    writer.field("records", stage.records);
    writer.end_object();
  }
  writer.end_array();
}

}  // namespace

// The summary JSON is the manifest plus where and how long: one schema for scripts to learn.
std::string prepare_summary_json(const PrepareOptions& options, const PrepareSummary& summary) {
  std::string out;
  JsonWriter writer(out);
  writer.begin_object();
  write_manifest_fields(writer, options, summary);
  writer.field("output_dir", options.output_dir);
  writer.field_real("seconds", summary.seconds, 3);
  if (options.timings) write_stages(writer, summary.stages);
  writer.end_object();
  out += '\n';
  return out;
}

namespace {

// --timings: seconds and records per stage on stderr, as a linker's --perf does. The analyse
// stage runs on every worker: its time is summed over them.
void print_timings(const PrepareSummary& summary) {
  fmt::print(stderr, "{:<10} {:>9} {:>12}\n", "stage", "seconds", "records");
  for (const StageTiming& stage : summary.stages) {
    fmt::print(stderr, "{:<10} {:>9.3f} {:>12}\n", stage.name, stage.seconds,
               stage.records == 0 ? std::string("-") : group_digits(stage.records));
  }
  fmt::print(stderr, "{:<10} {:>9.3f} {:>12}\n", "total", summary.seconds, "(wall)");
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
    fmt::print("  {:<11} {:>10}  {}\n", style.paint(label, colour), group_digits(count), terminal_text((dir / file).string()));
  };
  row("train", c.train, "train.jsonl", Style::kGreen);
  if (options.val_ratio > 0) row("validation", c.validation, "validation.jsonl", Style::kGreen);
  row("rejected", c.rejected, "rejected.jsonl", c.rejected ? Style::kRed : "");
  row("duplicates", c.duplicates, "duplicates.jsonl", c.duplicates ? Style::kYellow : "");
  for (const ReportFileSummary& report : summary.reports) {
    fmt::print("  {:<11} {:>10}  {}\n", "report", "", terminal_text((dir / report.name).string()));
  }
  fmt::print("  {:<11} {:>10}  {}\n", "manifest", "", terminal_text((dir / "manifest.json").string()));
  if (summary.exact_duplicates + summary.near_duplicates > 0 && options.dedup == DedupMode::kNear) {
    fmt::print("  duplicates: {} exact, {} near\n", group_digits(summary.exact_duplicates),
               group_digits(summary.near_duplicates));
  }
  if (summary.conflict_groups > 0) {
    fmt::print("  conflicts:  {} prompts with different answers ({} records; --conflicts {})\n",
               group_digits(summary.conflict_groups), group_digits(summary.conflict_records),
               conflict_mode_name(options.conflicts));
  }
  if (summary.encoding) {
    uint64_t total = 0, trained = 0;
    for (const OutputSummary& output : summary.outputs) {
      total += output.tokens.value_or(0);
      trained += output.trained_tokens.value_or(0);
    }
    fmt::print("  tokens:     {} ({} trained; {}{}){}\n", group_digits(total), group_digits(trained),
               !options.tokens->model.empty() ? std::string_view(options.tokens->model) : *summary.encoding,
               summary.token_limit ? fmt::format(", limit {}", group_digits(*summary.token_limit)) : std::string(),
               summary.truncated > 0 ? fmt::format(", {} truncated", group_digits(summary.truncated)) : std::string());
  }
  if (summary.leakage_near) {
    fmt::print("  leakage:    {} exact, {} near\n", summary.leakage_exact, *summary.leakage_near);
  } else {
    fmt::print("  leakage:    {} exact\n", summary.leakage_exact);
  }
  if (!summary.fixes_by_rule.empty()) {
    fmt::print("fixed (--fix):\n");
    for (const auto& [rule, count] : summary.fixes_by_rule) fmt::print("  {:<24} {:>8}\n", rule, group_digits(count));
  }
  if (!summary.rejections_by_rule.empty()) {
    fmt::print("rejected by rule:\n");
    for (const auto& [rule, count] : summary.rejections_by_rule) {
      fmt::print("  {:<24} {:>8}\n", rule, group_digits(count));
    }
  }
  for (const std::string& warning : summary.warnings) fmt::print(stderr, "{}: {}\n", style.yellow("warning"), terminal_text(warning));
}

void print_shard_summary(const PrepareOptions& options, const PrepareSummary& summary) {
  fmt::print("shard {}/{}: analysed {} records ({} read from {} file{}) in {:.2f} s\n", options.shard->index,
             options.shard->count, group_digits(summary.counts.records_in), human_bytes(summary.bytes_in),
             summary.inputs.size(), summary.inputs.size() == 1 ? "" : "s", summary.seconds);
  fmt::print("  shard files  {}\n", terminal_text(options.output_dir));
  for (const std::string& warning : summary.warnings) fmt::print(stderr, "warning: {}\n", terminal_text(warning));
}

// --max-memory: the near-duplicate index budget (half of RAM when not given); the usage error to print.
std::optional<std::string> resolve_max_memory(const std::string& text, uint64_t& out) {
  out = default_max_memory();
  if (text.empty()) return std::nullopt;
  const std::optional<uint64_t> bytes = parse_byte_size(text);
  if (!bytes) return fmt::format("--max-memory {}: expected bytes such as 2G, 500M or 1073741824", text);
  out = *bytes;
  return std::nullopt;
}

// What prepare and merge print after their run, and the exit status they share.
int finish_run(const PrepareOptions& options, const PrepareResult& result, bool json, bool strict,
               const GlobalOptions& global) {
  if (result.error) {
    fmt::print(stderr, "{}: {}\n", Style(global.use_color(STDERR_FILENO)).red("error"),
               terminal_text(result.error->message));
    return kExitUsage;
  }
  if (options.timings) print_timings(result.summary);
  if (options.shard) {
    if (!global.quiet) print_shard_summary(options, result.summary);
    return kExitClean;
  }
  if (json) {
    fmt::print("{}", prepare_summary_json(options, result.summary));
  } else if (!global.quiet) {
    print_summary(options, result.summary, Style(global.use_color(STDOUT_FILENO)));
  }
  if (strict && result.summary.counts.rejected > 0) return kExitFindings;
  return kExitClean;
}

struct MergeCommandOptions {
  MergeOptions merge;
  std::string max_memory;
  bool no_wait = false;
  bool strict = false;
  bool json = false;
};

// Adds the options of `tuneprep prepare` to `command`, bound to the returned storage.
std::shared_ptr<PrepareCommandOptions> bind_prepare(CLI::App& command) {
  auto o = std::make_shared<PrepareCommandOptions>();
  PrepareOptions& p = o->prepare;
  command.add_option("-o,--output", p.output_dir,
                     "Output directory, replaced as a whole on success (new, empty or an earlier output set)")
      ->required();
  command.add_flag("--no-wait", o->no_wait,
                   "Fail (exit 2) instead of waiting when another run is writing the same output directory");
  command.add_option("--to", o->to, "Output format of train/validation")
      ->check(CLI::IsMember({"openai-chat", "prompt-completion", "dpo", "kto"}));
  add_input_options(command, p.inputs, p.reader, p.normalize);
  command.add_option("--dedup", o->dedup, "Duplicate removal: exact (default), near (exact + near duplicates) or none")
      ->check(CLI::IsMember({"none", "exact", "near"}));
  command.add_option("--dedup-on", o->dedup_on, "Text near dedup compares: conversation (default), prompt or response")
      ->check(CLI::IsMember({"conversation", "prompt", "response"}));
  command.add_option("--shingle", p.near.shingle, "Words per shingle for near dedup (code points for CJK/Thai)")
      ->check(CLI::Range(1u, 64u));
  command.add_option("--num-perm", p.near.num_perm, "MinHash values per signature for near dedup")
      ->check(CLI::Range(1u, kMaxNumPerm));
  command.add_option("--near-threshold", p.near.threshold, "Jaccard similarity that makes a near duplicate")
      ->check(CLI::Range(0.01, 1.0));
  command.add_option("--max-memory", o->max_memory,
                     "Memory budget of the near-duplicate index, e.g. 2G or 500M (default: half of RAM)");
  command.add_option("--conflicts", o->conflicts,
                     "Same prompt, different answers: keep (default, reported), first or reject")
      ->check(CLI::IsMember({"keep", "first", "reject"}));
  command.add_option("--model", o->model, "Count tokens for this model and reject examples over its limit");
  command.add_option("--encoding", o->encoding, "Tokenizer encoding (overrides the model's): cl100k_base or o200k_base")
      ->check(CLI::IsMember({"cl100k_base", "o200k_base"}));
  command.add_option("--max-tokens", o->max_tokens, "Per-example token limit (overrides the model's)")
      ->check(CLI::PositiveNumber);
  command.add_flag("--truncate", o->truncate,
                   "Drop trailing turns of an over-long chat until it fits, instead of rejecting it");
  command.add_option("--val-ratio", p.val_ratio, "Share of examples for validation.jsonl; 0 writes none")
      ->check(CLI::Range(0.0, 0.999999));
  command.add_option("--seed", p.seed, "Seed of the train/validation split");
  add_max_record_bytes_option(command, p.reader);
  command.add_option("--fix", o->fix,
                     "Apply safe fixes to kept records: 'safe' (all) or rule ids, e.g. whitespace-padding,"
                     "consecutive-same-role (`tuneprep rules` lists the fixable ones)");
  command.add_option("--report", o->reports,
                     "Reports besides report.json (always written): html, md, or both as html,md")
      ->delimiter(',')
      ->check(CLI::IsMember({"json", "html", "md", "markdown"}));
  command.add_flag("--findings", p.report_findings,
                   "Also run the rules below error severity (PII, secrets, refusals, ...) for the report's "
                   "warnings (slower)");
  command.add_flag("--strict", o->strict, "Exit 1 when any record was rejected");
  command.add_flag("--timings", p.timings, "Print the seconds and records of every stage on stderr");
  command.add_flag("--json", o->json, "Print the summary as JSON on stdout");
  command.add_option("--shard", o->shard,
                     "Analyse only the I-th (0-based) of N shards and write shard files into -o for `tuneprep merge` "
                     "instead of the output set (docs/scale.md)");

  return o;
}

// Builds o.prepare from the parsed options with the checks CLI11 does not make; returns the usage
// error to print.
std::optional<std::string> resolve_prepare(PrepareCommandOptions& o, const GlobalOptions& global) {
  PrepareOptions& options = o.prepare;
  options.to = *output_format_from_name(o.to);
  options.dedup = *dedup_mode_from_name(o.dedup);
  options.dedup_on = *dedup_on_from_name(o.dedup_on);
  options.conflicts = *conflict_mode_from_name(o.conflicts);
  options.jobs = global.jobs;
  options.wait = !o.no_wait;
  for (const std::string& report : o.reports) {
    if (report == "html") options.report_html = true;
    if (report == "md" || report == "markdown") options.report_markdown = true;
  }
  if (auto error = load_rules_config(global, options.rules, &options.normalize)) return error;
  if (!o.fix.empty()) {
    RuleConfigError fix_error;
    const std::optional<FixSet> fixes = FixSet::parse(o.fix, fix_error);
    if (!fixes) return fix_error.message;
    options.fixes = *fixes;
  }
  if (!o.shard.empty()) {
    options.shard = parse_shard_spec(o.shard);
    if (!options.shard) return fmt::format("--shard {}: expected I/N with 0 <= I < N <= {}, e.g. 0/8", o.shard, kMaxShards);
  }
  if (auto error = resolve_max_memory(o.max_memory, options.near.max_memory)) return error;
  if (!o.model.empty() || !o.encoding.empty() || o.max_tokens != 0 || o.truncate) {
    TokenRequest tokens{o.model, std::nullopt, o.max_tokens, o.truncate};
    if (!o.encoding.empty()) tokens.encoding = encoding_from_name(o.encoding);
    options.tokens = tokens;
  }
  return std::nullopt;
}

}  // namespace

CommandRunner setup_merge(CLI::App& command, const GlobalOptions& global) {
  auto o = std::make_shared<MergeCommandOptions>();
  command.add_option("dirs", o->merge.shard_dirs, "Shard directories of `prepare --shard I/N`, every I of one run")
      ->required();
  command.add_option("-o,--output", o->merge.output_dir,
                     "Output directory, replaced as a whole on success (new, empty or an earlier output set)")
      ->required();
  command.add_flag("--no-wait", o->no_wait,
                   "Fail (exit 2) instead of waiting when another run is writing the same output directory");
  command.add_option("--max-memory", o->max_memory,
                     "Memory budget of the near-duplicate index, e.g. 2G or 500M (default: half of RAM)");
  command.add_flag("--strict", o->strict, "Exit 1 when any record was rejected");
  command.add_flag("--timings", o->merge.timings, "Print the seconds and records of every stage on stderr");
  command.add_flag("--json", o->json, "Print the summary as JSON on stdout");

  return [o, &global]() -> int {
    MergeOptions& merge = o->merge;
    merge.wait = !o->no_wait;
    merge.on_note = [&global](const std::string& note) { print_input_notes({note}, global); };
    if (auto error = resolve_max_memory(o->max_memory, merge.max_memory)) {
      fmt::print(stderr, "{}: {}\n", Style(global.use_color(STDERR_FILENO)).red("error"), terminal_text(*error));
      return kExitUsage;
    }
    PrepareOptions options;
    PrepareResult result = run_merge(merge, options);
    return finish_run(options, result, o->json, o->strict, global);
  };
}

OptionsBuilder<PrepareOptions> add_prepare_options(CLI::App& command, const GlobalOptions& global) {
  auto o = bind_prepare(command);
  return [o, &global](PrepareOptions& options) -> std::optional<std::string> {
    if (auto error = resolve_prepare(*o, global)) return error;
    options = o->prepare;
    return std::nullopt;
  };
}

CommandRunner setup_prepare(CLI::App& command, const GlobalOptions& global) {
  auto o = bind_prepare(command);
  return [o, &global]() -> int {
    const Style err_style(global.use_color(STDERR_FILENO));
    auto usage_error = [&](const std::string& message) {
      fmt::print(stderr, "{}: {}\n", err_style.red("error"), terminal_text(message));
      return kExitUsage;
    };
    if (auto error = resolve_prepare(*o, global)) return usage_error(*error);
    PrepareOptions& options = o->prepare;
    options.on_note = [&global](const std::string& note) { print_input_notes({note}, global); };
    ProgressBar bar(!global.quiet && isatty(STDERR_FILENO));
    StreamProgressCallback progress;
    if (bar.enabled()) {
      progress = [&bar](const StreamProgress& p) { bar.update(p.bytes_read, p.bytes_total, p.records, p.seconds); };
    }
    PrepareResult result = run_prepare(options, progress);
    bar.clear();
    return finish_run(options, result, o->json, o->strict, global);
  };
}

}  // namespace tuneprep::cli
