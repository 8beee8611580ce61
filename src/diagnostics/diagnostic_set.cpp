// diagnostic_set: counting and the deterministic order of a run's diagnostics.
#include <algorithm>
#include <tuple>

#include "tuneprep/diagnostics.hpp"

namespace tuneprep {

DiagnosticCounts count_diagnostics(const DiagnosticSet& set) {
  DiagnosticCounts counts;
  for (const FileDiagnostic& fd : set.diagnostics) {
    switch (fd.diagnostic.severity) {
      case Severity::kError: ++counts.errors; break;
      case Severity::kWarning: ++counts.warnings; break;
      case Severity::kInfo: ++counts.infos; break;
    }
  }
  return counts;
}

void sort_diagnostics(DiagnosticSet& set) {
  auto path_of = [&](const FileDiagnostic& fd) -> std::string_view {
    return fd.file_index < set.paths.size() ? std::string_view(set.paths[fd.file_index]) : std::string_view();
  };
  const auto before = [&](const FileDiagnostic& a, const FileDiagnostic& b) {
    const Diagnostic& x = a.diagnostic;
    const Diagnostic& y = b.diagnostic;
    const std::string_view pa = path_of(a);
    const std::string_view pb = path_of(b);
    return std::tie(pa, a.file_index, x.line, x.column, x.rule, x.message) <
           std::tie(pb, b.file_index, y.line, y.column, y.rule, y.message);
  };
  // Drivers add diagnostics in input order, so the list is usually sorted already: checking is
  // one pass, where the stable sort allocates a copy of the whole list.
  if (std::is_sorted(set.diagnostics.begin(), set.diagnostics.end(), before)) return;
  std::stable_sort(set.diagnostics.begin(), set.diagnostics.end(), before);
}

std::string_view sarif_level(Severity severity) {
  switch (severity) {
    case Severity::kError: return "error";
    case Severity::kWarning: return "warning";
    case Severity::kInfo: return "note";
  }
  return "error";
}

}  // namespace tuneprep
