// `tuneprep leakage TRAIN VALIDATION`: lists validation examples that also occur in the training
// set, exactly or nearly; exit 1 when there is any.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <fmt/core.h>

#include "cli/cli.hpp"
#include "cli/terminal.hpp"
#include "tuneprep/diagnostics.hpp"
#include "tuneprep/json_writer.hpp"
#include "tuneprep/leakage.hpp"

namespace tuneprep::cli {
namespace {

struct LeakageCommandOptions {
  std::string train;
  std::string validation;
  LeakageOptions leakage;
  std::string dedup_on = "conversation";
  std::string max_memory;
  bool exact_only = false;
  bool json = false;
};

std::string report_json(const LeakageReport& report, const LeakageOptions& options) {
  std::string out;
  JsonWriter w(out, JsonLayout::kCompact);
  w.begin_object();
  w.field("train", report.train_path);
  w.field("validation", report.validation_path);
  w.field("train_records", report.train_records);
  w.field("validation_records", report.validation_records);
  w.field("exact", report.exact);
  w.key("near");
  w.optional_number(options.near ? std::optional<uint64_t>(report.near) : std::nullopt);
  w.key("threshold");
  w.raw(fmt::format("{}", options.near_options.threshold));
  w.key("pairs");
  w.begin_array();
  for (const LeakagePair& pair : report.pairs) {
    w.begin_object();
    w.object("validation", [&] {
      w.field("path", report.validation_path);
      w.field("line", pair.validation_line);
    });
    w.object("train", [&] {
      w.field("path", report.train_path);
      w.field("line", pair.train_line);
    });
    w.field("kind", leak_kind_name(pair.kind));
    w.key("similarity");
    w.raw(pair.kind == LeakKind::kExact ? std::string("1.0") : fmt::format("{:.4f}", pair.similarity));
    w.end_object();
  }
  w.end_array();
  w.end_object();
  out += '\n';
  return out;
}

}  // namespace

CommandRunner setup_leakage(CLI::App& command, const GlobalOptions& global) {
  auto o = std::make_shared<LeakageCommandOptions>();
  LeakageOptions& l = o->leakage;
  command.add_option("train", o->train, "Training set (file or - for stdin)")->required();
  command.add_option("validation", o->validation, "Validation or test set to check against it (file or -)")
      ->required();
  add_format_option(command, l.normalize, "Input shape of both files (auto detects per record)");
  command.add_option("--dedup-on", o->dedup_on, "Text compared: conversation (default), prompt or response")
      ->check(CLI::IsMember({"conversation", "prompt", "response"}));
  command.add_option("--near-threshold", l.near_options.threshold, "Jaccard similarity that makes a near pair")
      ->check(CLI::Range(0.01, 1.0));
  command.add_option("--shingle", l.near_options.shingle, "Words per shingle (code points for CJK/Thai)")
      ->check(CLI::Range(1u, 64u));
  command.add_option("--num-perm", l.near_options.num_perm, "MinHash values per signature")
      ->check(CLI::Range(1u, kMaxNumPerm));
  command.add_option("--max-memory", o->max_memory, "Memory budget of the near index, e.g. 2G (default: half of RAM)");
  command.add_flag("--exact-only", o->exact_only, "Look for exact copies only (no near-duplicate index)");
  command.add_flag("--json", o->json, "Print the report as one JSON object");
  add_csv_column_options(command, l.reader, &l.normalize);

  return [o, &global]() -> int {
    LeakageOptions& options = o->leakage;
    options.on = *dedup_on_from_name(o->dedup_on);
    options.near = !o->exact_only;
    options.jobs = global.jobs;
    const Style err_style(global.use_color(STDERR_FILENO));
    options.near_options.max_memory = default_max_memory();
    if (!o->max_memory.empty()) {
      const std::optional<uint64_t> bytes = parse_byte_size(o->max_memory);
      if (!bytes) {
        fmt::print(stderr, "{}: --max-memory {}: expected bytes such as 2G, 500M or 1073741824\n",
                   err_style.red("error"), o->max_memory);
        return kExitUsage;
      }
      options.near_options.max_memory = *bytes;
    }
    const LeakageResult result = find_leakage(o->train, o->validation, options);
    if (result.error) {
      fmt::print(stderr, "{}: {}\n", err_style.red("error"), terminal_text(result.error->message));
      return kExitUsage;
    }
    const LeakageReport& report = result.report;
    if (o->json) {
      fmt::print("{}", report_json(report, options));
    } else {
      const Style style(global.use_color(STDOUT_FILENO));
      for (const LeakagePair& pair : report.pairs) {
        if (pair.kind == LeakKind::kExact) {
          fmt::print("{}:{}: {} copy of {}:{}\n", terminal_text(report.validation_path), pair.validation_line, style.red("exact"),
                     terminal_text(report.train_path), pair.train_line);
        } else {
          fmt::print("{}:{}: {} copy of {}:{} (similarity {:.2f})\n", terminal_text(report.validation_path), pair.validation_line,
                     style.yellow("near"), terminal_text(report.train_path), pair.train_line, pair.similarity);
        }
      }
      if (!global.quiet) {
        const uint64_t found = report.exact + report.near;
        fmt::print(stderr, "{} of {} validation records found in {} training records ({} exact{})\n",
                   group_digits(found), group_digits(report.validation_records), group_digits(report.train_records),
                   group_digits(report.exact),
                   options.near ? fmt::format(", {} near at Jaccard >= {}", group_digits(report.near),
                                              options.near_options.threshold)
                                : std::string(", near not checked"));
        if (report.train_raw + report.validation_raw > 0) {
          fmt::print(stderr, "note: {} records could not be normalized and were compared by their raw text\n",
                     group_digits(report.train_raw + report.validation_raw));
        }
      }
    }
    return report.pairs.empty() ? kExitClean : kExitFindings;
  };
}

}  // namespace tuneprep::cli
