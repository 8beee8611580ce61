// json_format: diagnostics as JSON Lines (DESIGN §3: path, line, column, rule, severity, message,
// pointer), one object per diagnostic.
#include <fmt/core.h>

#include "tuneprep/diagnostics.hpp"
#include "tuneprep/rules.hpp"
#include "tuneprep/schema.hpp"

namespace tuneprep {

std::string format_json_lines(const DiagnosticSet& set, uint64_t max_diagnostics) {
  std::string out;
  uint64_t shown = 0;
  for (const FileDiagnostic& fd : set.diagnostics) {
    if (shown++ == max_diagnostics) break;
    const Diagnostic& d = fd.diagnostic;
    out += "{\"path\":";
    append_json_string(out, fd.file_index < set.paths.size() ? std::string_view(set.paths[fd.file_index]) : "");
    // 0 means unknown (a dataset-level finding has no line): null, never a fake position.
    out += d.line == 0 ? std::string(",\"line\":null") : fmt::format(",\"line\":{}", d.line);
    out += d.column == 0 ? std::string(",\"column\":null") : fmt::format(",\"column\":{}", d.column);
    out += ",\"rule\":";
    append_json_string(out, rule_name(d.rule));
    out += ",\"severity\":";
    append_json_string(out, severity_name(d.severity));
    out += ",\"message\":";
    append_json_string(out, d.message);
    out += ",\"pointer\":";
    append_json_string(out, d.pointer);
    out += "}\n";
  }
  return out;
}

}  // namespace tuneprep
