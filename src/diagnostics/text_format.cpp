// text_format: the human-readable diagnostics (`path:line:col: severity[rule-id]: message`) and
// the summary line.
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "tuneprep/diagnostics.hpp"
#include "tuneprep/rules.hpp"

namespace tuneprep {
namespace {

constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kDim = "\x1b[2m";
constexpr std::string_view kReset = "\x1b[0m";

std::string_view severity_color(Severity severity) {
  switch (severity) {
    case Severity::kError: return "\x1b[1;31m";
    case Severity::kWarning: return "\x1b[1;33m";
    case Severity::kInfo: return "\x1b[1;36m";
  }
  return "";
}

std::string plural(uint64_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

// "path:line:col" with the parts that are known.
std::string location(std::string_view path, const Diagnostic& d) {
  if (d.line == 0) return std::string(path);
  if (d.column == 0) return fmt::format("{}:{}", path, d.line);
  return fmt::format("{}:{}:{}", path, d.line, d.column);
}

}  // namespace

std::string format_summary(const DiagnosticSet& set) {
  const DiagnosticCounts counts = count_diagnostics(set);
  std::string line = plural(counts.errors, "error") + ", " + plural(counts.warnings, "warning");
  if (counts.infos > 0) line += fmt::format(", {} info", counts.infos);
  line += " in " + plural(set.records, "record") + " of " + plural(set.paths.size(), "file");
  return line;
}

namespace {

// True when `text` needs no escaping for the terminal: printable ASCII, no line break.
bool plain_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
}

}  // namespace

std::string format_text(const DiagnosticSet& set, const TextFormatOptions& options) {
  std::string out;
  // A large run lists tens of thousands of diagnostics (every exact duplicate is one): grow once,
  // and escape each file name once rather than per diagnostic.
  out.reserve(std::min<size_t>(set.diagnostics.size(), options.max_diagnostics) * 128 + 256);
  std::vector<std::string> escaped_paths;
  escaped_paths.reserve(set.paths.size());
  for (const std::string& path : set.paths) escaped_paths.push_back(terminal_text(path));
  std::string message;
  uint64_t shown = 0;
  uint64_t below = 0;  // under --min-severity: counted in the summary, not printed
  uint64_t listed = 0;
  for (const FileDiagnostic& fd : set.diagnostics) {
    if (!at_least(fd.diagnostic.severity, options.min_severity)) {
      ++below;
      continue;
    }
    ++listed;
    if (shown == options.max_diagnostics) continue;
    ++shown;
    const Diagnostic& d = fd.diagnostic;
    const std::string_view path =
        fd.file_index < escaped_paths.size() ? std::string_view(escaped_paths[fd.file_index]) : "";
    // A file name or a message may carry any byte of the input; escaped, a line break cannot split
    // a diagnostic in two for grep and CI, and an escape sequence cannot reach the terminal.
    const std::string where = location(path, d);
    if (plain_ascii(d.message)) {
      message = d.message;
    } else {
      std::string flat = d.message;
      for (char& c : flat) {
        if (c == '\n' || c == '\r') c = ' ';
      }
      message = terminal_text(flat);
    }
    if (options.color) {
      fmt::format_to(std::back_inserter(out), "{}{}:{} {}{}{}[{}{}{}]: {}\n", kBold, where, kReset,
                     severity_color(d.severity), severity_name(d.severity), kReset, kDim, rule_name(d.rule),
                     kReset, message);
    } else {
      fmt::format_to(std::back_inserter(out), "{}: {}[{}]: {}\n", where, severity_name(d.severity),
                     rule_name(d.rule), message);
    }
  }
  if (shown < listed) {
    const uint64_t hidden = listed - shown;
    fmt::format_to(std::back_inserter(out), "… {} more diagnostic{} not shown (--max-diagnostics {})\n", hidden,
                   hidden == 1 ? "" : "s", options.max_diagnostics);
  }
  std::string summary = format_summary(set);
  if (below > 0) {
    summary += fmt::format(" ({} below {} not shown; --min-severity {} shows them)", below,
                           severity_name(options.min_severity), options.min_severity == Severity::kError ? "warning" : "info");
  }
  out += options.color ? std::string(kBold) + summary + std::string(kReset) : summary;
  out += '\n';
  return out;
}

}  // namespace tuneprep
