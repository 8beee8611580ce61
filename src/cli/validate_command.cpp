// `tuneprep validate`: parses options and the rule configuration into ValidateOptions, runs the
// validation, prints the diagnostics in the chosen format and maps the findings to the exit code.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <fmt/core.h>

#include "cli/cli.hpp"
#include "cli/command_options.hpp"
#include "cli/terminal.hpp"
#include "tuneprep/diagnostics.hpp"
#include "tuneprep/validate.hpp"

namespace tuneprep::cli {
namespace {

struct ValidateCommandOptions {
  ValidateOptions validate;
  RuleOptions rules;
  std::string output_format = "text";
  std::string model;
  std::string encoding;
  uint64_t max_tokens = 0;
  uint64_t max_diagnostics = kUnlimitedDiagnostics;
  bool show_fixes = false;
  std::string min_severity = "warning";
};

std::string colour_fix_diff(std::string_view diff, const Style& style) {
  std::string out;
  size_t start = 0;
  while (start < diff.size()) {
    size_t end = diff.find('\n', start);
    if (end == std::string_view::npos) end = diff.size();
    const std::string_view line = diff.substr(start, end - start);
    if (line.starts_with("---") || line.starts_with("+++")) {
      out += style.bold(line);
    } else if (line.starts_with("@@")) {
      out += style.paint(line, "36");
    } else if (line.starts_with('-')) {
      out += style.red(line);
    } else if (line.starts_with('+')) {
      out += style.paint(line, Style::kGreen);
    } else {
      out += line;
    }
    out += '\n';
    start = end + 1;
  }
  return out;
}

// Adds the options of `tuneprep validate` to `command`, bound to the returned storage.
std::shared_ptr<ValidateCommandOptions> bind_validate(CLI::App& command) {
  auto o = std::make_shared<ValidateCommandOptions>();
  ValidateOptions& v = o->validate;
  add_input_options(command, v.inputs, v.reader, v.normalize, "Check as if this system message were added");
  command.add_option("--model", o->model, "Check each example against this model's token limit");
  command.add_option("--max-tokens", o->max_tokens, "Token limit per example (overrides --model's)")
      ->check(CLI::PositiveNumber);
  command.add_option("--encoding", o->encoding, "Tokenizer for the limit: cl100k_base or o200k_base")
      ->check(CLI::IsMember({"cl100k_base", "o200k_base"}));
  command.add_option("--output-format", o->output_format, "Diagnostics as text, json (JSON Lines), sarif or github")
      ->check(CLI::IsMember({"text", "json", "sarif", "github"}));
  command.add_option("--enable", o->rules.enable, "Enable a rule (repeatable, or a comma list)");
  command.add_option("--disable", o->rules.disable, "Disable a rule (repeatable, or a comma list)");
  command.add_option("--severity", o->rules.severity, "Set a rule's severity: ID=error|warning|info (repeatable)");
  command.add_flag("--strict", v.strict, "Exit 1 on warnings too");
  command.add_option("--max-diagnostics", o->max_diagnostics, "Print at most N diagnostics (all are counted)");
  command.add_option("--min-severity", o->min_severity,
                     "Print diagnostics of this severity or above: info, warning (default) or error; all are counted")
      ->check(CLI::IsMember({"info", "warning", "error"}));
  command.add_flag("--show-fixes", o->show_fixes, "Print what the safe fixes would change, as a diff per record");
  add_max_record_bytes_option(command, v.reader);

  return o;
}

// Builds o.validate from the parsed options with the checks CLI11 does not make; returns the usage
// error to print. The configuration file first, then the command line on top of it.
std::optional<std::string> resolve_validate(ValidateCommandOptions& o, const GlobalOptions& global) {
  ValidateOptions& options = o.validate;
  if (!o.model.empty() || o.max_tokens != 0) {
    TokenRequest tokens{o.model, std::nullopt, o.max_tokens, false};
    if (!o.encoding.empty()) tokens.encoding = encoding_from_name(o.encoding);
    options.tokens = tokens;
  }
  options.jobs = global.jobs;
  options.collect_fixes = o.show_fixes;
  if (o.show_fixes && o.output_format != "text") {
    return "--show-fixes prints diffs between text diagnostics; use it with --output-format text";
  }
  if (auto error = load_rules_config(global, options.rules, &options.normalize)) return error;
  if (auto error = apply_rule_options(options.rules, o.rules)) return error->message;
  return std::nullopt;
}

}  // namespace

void drop_below(DiagnosticSet& set, Severity min_severity) {
  std::erase_if(set.diagnostics, [&](const FileDiagnostic& d) { return !at_least(d.diagnostic.severity, min_severity); });
}

OptionsBuilder<ValidateOptions, ValidateListing> add_validate_options(CLI::App& command, const GlobalOptions& global) {
  auto o = bind_validate(command);
  return [o, &global](ValidateOptions& options, ValidateListing& listing) -> std::optional<std::string> {
    if (auto error = resolve_validate(*o, global)) return error;
    options = o->validate;
    listing.min_severity = *severity_from_name(o->min_severity);
    listing.max_diagnostics = o->max_diagnostics;
    return std::nullopt;
  };
}

CommandRunner setup_validate(CLI::App& command, const GlobalOptions& global) {
  auto o = bind_validate(command);
  return [o, &global]() -> int {
    ValidateOptions& options = o->validate;
    const Style err_style(global.use_color(STDERR_FILENO));
    auto usage_error = [&](const std::string& message) {
      fmt::print(stderr, "{}: {}\n", err_style.red("error"), terminal_text(message));
      return kExitUsage;
    };
    if (auto error = resolve_validate(*o, global)) return usage_error(*error);

    ProgressBar bar(!global.quiet && o->output_format == "text" && isatty(STDERR_FILENO));
    StreamProgressCallback progress;
    if (bar.enabled()) {
      progress = [&bar](const StreamProgress& p) { bar.update(p.bytes_read, p.bytes_total, p.records, p.seconds); };
    }
    ValidateResult result = run_validate(options, progress);
    bar.clear();
    print_input_notes(result.input_notes, global);
    if (result.error) return usage_error(result.error->message);

    const bool color = global.use_color(STDOUT_FILENO);
    const Severity min_severity = *severity_from_name(o->min_severity);
    if (o->output_format != "text") {
      // Machine formats carry no summary line: what is below the threshold is left out.
      drop_below(result.diagnostics, min_severity);
    }
    std::string out;
    if (o->output_format == "json") {
      out = format_json_lines(result.diagnostics, o->max_diagnostics);
    } else if (o->output_format == "sarif") {
      SarifOptions sarif;
      sarif.max_diagnostics = o->max_diagnostics;
      out = format_sarif(result.diagnostics, sarif);
    } else if (o->output_format == "github") {
      out = format_github(result.diagnostics, o->max_diagnostics);
    } else {
      const Style style(color);
      for (const RecordFix& fix : result.fixes) out += colour_fix_diff(fix.diff, style);
      if (global.quiet) {
        // Only errors, and no summary: what a hook needs to show.
        DiagnosticSet errors = result.diagnostics;
        std::erase_if(errors.diagnostics,
                      [](const FileDiagnostic& d) { return d.diagnostic.severity != Severity::kError; });
        std::string text = format_text(errors, TextFormatOptions{color, o->max_diagnostics, Severity::kError});
        const size_t summary = text.rfind('\n', text.size() - 2);  // the last line is the summary
        text.resize(summary == std::string::npos ? 0 : summary + 1);
        out += text;
      } else {
        out += format_text(result.diagnostics, TextFormatOptions{color, o->max_diagnostics, min_severity});
      }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    return result.failed() ? kExitFindings : kExitClean;
  };
}

}  // namespace tuneprep::cli
