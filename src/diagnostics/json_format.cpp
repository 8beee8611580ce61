// json_format: diagnostics as JSON Lines (DESIGN §3: path, line, column, rule, severity, message,
// pointer), one object per diagnostic.
#include <algorithm>

#include <fmt/core.h>

#include "tuneprep/json_writer.hpp"
#include "tuneprep/diagnostics.hpp"
#include "tuneprep/rules.hpp"
#include "tuneprep/schema.hpp"

namespace tuneprep {

std::string format_json_lines(const DiagnosticSet& set, uint64_t max_diagnostics) {
  std::string out;
  // Tens of thousands of lines in a large run (every exact duplicate is one): grow once, and one
  // writer for every line (at the top level it adds nothing between objects).
  out.reserve(std::min<size_t>(set.diagnostics.size(), max_diagnostics) * 192);
  JsonWriter w(out, JsonLayout::kCompact);
  uint64_t shown = 0;
  for (const FileDiagnostic& fd : set.diagnostics) {
    if (shown++ == max_diagnostics) break;
    const Diagnostic& d = fd.diagnostic;
    w.begin_object();
    w.field("path", fd.file_index < set.paths.size() ? std::string_view(set.paths[fd.file_index]) : "");
    // 0 means unknown (a dataset-level finding has no line): null, never a fake position.
    w.key("line");
    w.optional_number(d.line == 0 ? std::nullopt : std::optional<uint64_t>(d.line));
    w.key("column");
    w.optional_number(d.column == 0 ? std::nullopt : std::optional<uint64_t>(d.column));
    w.field("rule", rule_name(d.rule));
    w.field("severity", severity_name(d.severity));
    w.field("message", d.message);
    w.field("pointer", d.pointer);
    w.end_object();
    out += '\n';
  }
  return out;
}

}  // namespace tuneprep
