// sarif_format: diagnostics as a SARIF 2.1.0 log (OASIS SARIF v2.1.0, the format GitHub code
// scanning ingests). docs/diagnostics.md says which parts of the schema the tests check.
#include <fmt/core.h>

#include "tuneprep/diagnostics.hpp"
#include "tuneprep/schema.hpp"

namespace tuneprep {
namespace {

// A minimal pretty-printing JSON writer: two-space indent, keys in the order written.
class PrettyJson {
 public:
  std::string take() { return std::move(out_); }

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  void key(std::string_view name) {
    separate();
    append_json_string(out_, name);
    out_ += ": ";
    after_key_ = true;
  }
  void string(std::string_view value) {
    separate();
    append_json_string(out_, value);
  }
  void number(uint64_t value) {
    separate();
    out_ += std::to_string(value);
  }
  template <typename F>
  void object(std::string_view name, F&& body) {
    key(name);
    begin_object();
    body();
    end_object();
  }

 private:
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_ += ',';
      first_.back() = false;
      newline();
    }
  }
  void open(char bracket) {
    separate();
    out_ += bracket;
    first_.push_back(true);
  }
  void close(char bracket) {
    const bool empty = first_.back();
    first_.pop_back();
    if (!empty) newline();
    out_ += bracket;
  }
  void newline() {
    out_ += '\n';
    out_.append(2 * first_.size(), ' ');
  }

  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

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
  PrettyJson json;
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
  std::string out = json.take();
  out += '\n';
  return out;
}

}  // namespace tuneprep
