// sarif_format: diagnostics as a SARIF 2.1.0 log (OASIS SARIF v2.1.0, the format GitHub code
// scanning ingests). docs/diagnostics.md says which parts of the schema the tests check.
#include <iterator>
#include <string>

#include <fmt/core.h>

#include "tuneprep/diagnostics.hpp"
#include "tuneprep/rules.hpp"
#include "tuneprep/json_writer.hpp"

namespace tuneprep {
namespace {

bool unreserved_uri_byte(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '/';
}

// RFC 3986: a relative reference for a relative path, a file: URI for an absolute one.
std::string path_to_uri(std::string_view path) {
  std::string uri = !path.empty() && path.front() == '/' ? "file://" : "";
  for (char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if (unreserved_uri_byte(c)) {
      uri += ch;
    } else {
      fmt::format_to(std::back_inserter(uri), "%{:02X}", c);
    }
  }
  return uri;
}

}  // namespace

std::string format_sarif(const DiagnosticSet& set, const SarifOptions& options) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("$schema");
  json.string("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json");
  json.key("version");
  json.string("2.1.0");
  json.key("runs");
  json.begin_array();
  json.begin_object();
  json.object("tool", [&] {
    json.object("driver", [&] {
      json.key("name");
      json.string("tuneprep");
      json.key("version");
      json.string(options.tool_version);
      json.key("rules");
      json.begin_array();
      for (const RuleInfo& rule : all_rules()) {
        json.begin_object();
        json.key("id");
        json.string(rule.name);
        json.object("shortDescription", [&] {
          json.key("text");
          json.string(rule.description);
        });
        json.object("help", [&] {
          json.key("text");
          json.string(rule.fix.empty() ? std::string(rule.description)
                                       : fmt::format("{}. Fix: {}.", rule.description, rule.fix));
        });
        json.key("helpUri");
        json.string(options.help_uri_base + "docs/rules.md#" + std::string(rule.name));
        json.object("defaultConfiguration", [&] {
          json.key("level");
          json.string(sarif_level(rule.default_severity));
        });
        json.end_object();
      }
      json.end_array();
    });
  });
  // Our columns count characters; SARIF's default is UTF-16 code units.
  json.key("columnKind");
  json.string("unicodeCodePoints");
  json.key("results");
  json.begin_array();
  uint64_t shown = 0;
  for (const FileDiagnostic& fd : set.diagnostics) {
    if (shown++ == options.max_diagnostics) break;
    const Diagnostic& d = fd.diagnostic;
    const std::string_view path = fd.file_index < set.paths.size() ? std::string_view(set.paths[fd.file_index]) : "";
    json.begin_object();
    json.key("ruleId");
    json.string(rule_name(d.rule));
    json.key("ruleIndex");
    json.number(static_cast<uint64_t>(d.rule));
    json.key("level");
    json.string(sarif_level(d.severity));
    json.object("message", [&] {
      json.key("text");
      json.string(d.message);
    });
    json.key("locations");
    json.begin_array();
    json.begin_object();
    json.object("physicalLocation", [&] {
      json.object("artifactLocation", [&] {
        json.key("uri");
        json.string(path_to_uri(path));
      });
      if (d.line != 0) {
        json.object("region", [&] {
          json.key("startLine");
          json.number(d.line);
          if (d.column != 0) {
            json.key("startColumn");
            json.number(d.column);
          }
        });
      }
    });
    json.end_object();
    json.end_array();
    json.end_object();
  }
  json.end_array();
  json.end_object();
  json.end_array();
  json.end_object();
  out += '\n';
  return out;
}

}  // namespace tuneprep
