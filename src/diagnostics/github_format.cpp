// github_format: GitHub Actions workflow commands, which the runner turns into annotations on
// the pull request (`::error file=…,line=…,col=…,title=…::message`).
#include <fmt/core.h>

#include "tuneprep/diagnostics.hpp"
#include "tuneprep/rules.hpp"

namespace tuneprep {
namespace {

// The escaping of the Actions toolkit (toolkit/packages/core/src/command.ts): the message escapes
// %, CR and LF; property values additionally ':' and ','.
void append_escaped(std::string& out, std::string_view text, bool property) {
  for (char c : text) {
    if (c == '%') {
      out += "%25";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else if (property && c == ':') {
      out += "%3A";
    } else if (property && c == ',') {
      out += "%2C";
    } else {
      out += c;
    }
  }
}

std::string_view command_name(Severity severity) {
  switch (severity) {
    case Severity::kError: return "error";
    case Severity::kWarning: return "warning";
    case Severity::kInfo: return "notice";
  }
  return "error";
}

}  // namespace

std::string format_github(const DiagnosticSet& set, uint64_t max_diagnostics) {
  std::string out;
  uint64_t shown = 0;
  for (const FileDiagnostic& fd : set.diagnostics) {
    if (shown++ == max_diagnostics) break;
    const Diagnostic& d = fd.diagnostic;
    out += "::";
    out += command_name(d.severity);
    out += " file=";
    // The runner prints each command to the job log: terminal_text first, so no escape sequence
    // of a file name or message reaches it, then the toolkit's own escaping.
    append_escaped(out,
                   terminal_text(fd.file_index < set.paths.size() ? std::string_view(set.paths[fd.file_index]) : "",
                                 /*keep_line_breaks=*/true),
                   true);
    if (d.line != 0) {
      fmt::format_to(std::back_inserter(out), ",line={}", d.line);
      if (d.column != 0) fmt::format_to(std::back_inserter(out), ",col={}", d.column);
    }
    out += ",title=";
    append_escaped(out, rule_name(d.rule), true);
    out += "::";
    append_escaped(out, terminal_text(d.message, /*keep_line_breaks=*/true), false);
    out += '\n';
  }
  return out;
}

}  // namespace tuneprep
