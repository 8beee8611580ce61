// Checks our SARIF output against the SARIF 2.1.0 JSON schema (sarif-schema-2.1.0.json, OASIS).
// The schema file cannot be fetched at test time, so the parts that apply to what we emit are
// transcribed below: for each object type we emit, its required properties, the closed set of
// property names it allows (the schema sets additionalProperties: false on every object), and the
// types, enums and minimums of the properties we write. docs/diagnostics.md says so too.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include <simdjson.h>

#include "tuneprep/diagnostics.hpp"

using namespace tuneprep;

namespace {

struct ObjectSchema {
  std::vector<std::string_view> required;
  std::vector<std::string_view> allowed;  // every property name the schema defines for the object
};

// Transcribed from sarif-schema-2.1.0.json (definitions with the same names).
const ObjectSchema kSarifLog{{"version", "runs"}, {"$schema", "version", "runs", "inlineExternalProperties", "properties"}};
const ObjectSchema kRun{
    {"tool"},
    {"tool", "invocations", "conversion", "language", "versionControlProvenance", "originalUriBaseIds",
     "artifacts", "logicalLocations", "graphs", "results", "automationDetails", "runAggregates",
     "baselineGuid", "redactionTokens", "defaultEncoding", "defaultSourceLanguage", "newlineSequences",
     "columnKind", "externalPropertyFileReferences", "threadFlowLocations", "taxonomies", "addresses",
     "translations", "policies", "webRequests", "webResponses", "specialLocations", "properties"}};
const ObjectSchema kTool{{"driver"}, {"driver", "extensions", "properties"}};
const ObjectSchema kToolComponent{
    {"name"},
    {"guid", "name", "organization", "product", "productSuffix", "shortDescription", "fullDescription",
     "fullName", "version", "semanticVersion", "dottedQuadFileVersion", "releaseDateUtc", "downloadUri",
     "informationUri", "globalMessageStrings", "notifications", "rules", "taxa", "locations", "language",
     "contents", "isComprehensive", "localizedDataSemanticVersion",
     "minimumRequiredLocalizedDataSemanticVersion", "associatedComponent", "translationMetadata",
     "supportedTaxonomies", "properties"}};
const ObjectSchema kReportingDescriptor{
    {"id"},
    {"id", "deprecatedIds", "guid", "deprecatedGuids", "name", "deprecatedNames", "shortDescription",
     "fullDescription", "messageStrings", "defaultConfiguration", "helpUri", "help", "relationships",
     "properties"}};
const ObjectSchema kMultiformatMessageString{{"text"}, {"text", "markdown", "properties"}};
const ObjectSchema kReportingConfiguration{{}, {"enabled", "level", "rank", "parameters", "properties"}};
const ObjectSchema kResult{
    {"message"},
    {"ruleId", "ruleIndex", "rule", "kind", "level", "message", "analysisTarget", "locations", "guid",
     "correlationGuid", "occurrenceCount", "partialFingerprints", "fingerprints", "stacks", "codeFlows",
     "graphs", "graphTraversals", "relatedLocations", "suppressions", "baselineState", "rank",
     "attachments", "hostedViewerUri", "workItemUris", "provenance", "fixes", "taxa", "webRequest",
     "webResponse", "properties"}};
// message: anyOf [required text] [required id].
const ObjectSchema kMessage{{}, {"text", "markdown", "id", "arguments", "properties"}};
const ObjectSchema kLocation{{}, {"id", "physicalLocation", "logicalLocations", "message", "annotations", "relationships", "properties"}};
// physicalLocation: anyOf [required address] [required artifactLocation].
const ObjectSchema kPhysicalLocation{{}, {"address", "artifactLocation", "region", "contextRegion", "properties"}};
const ObjectSchema kArtifactLocation{{}, {"uri", "uriBaseId", "index", "description", "properties"}};
const ObjectSchema kRegion{
    {},
    {"startLine", "startColumn", "endLine", "endColumn", "charOffset", "charLength", "byteOffset",
     "byteLength", "snippet", "message", "sourceLanguage", "properties"}};

const std::vector<std::string_view> kLevels = {"none", "note", "warning", "error"};

class SarifValidator {
 public:
  std::vector<std::string> errors;

  simdjson::dom::object object(simdjson::dom::element e, const ObjectSchema& schema, const std::string& where) {
    simdjson::dom::object o;
    if (e.get_object().get(o)) {
      errors.push_back(where + ": not an object");
      return o;
    }
    for (std::string_view name : schema.required) {
      if (o[name].error()) errors.push_back(where + ": missing required property " + std::string(name));
    }
    for (auto field : o) {
      if (std::find(schema.allowed.begin(), schema.allowed.end(), field.key) == schema.allowed.end()) {
        errors.push_back(where + ": property " + std::string(field.key) + " is not defined by the schema");
      }
    }
    return o;
  }

  std::string_view string(simdjson::dom::object o, std::string_view name, const std::string& where) {
    std::string_view s;
    auto f = o[name];
    if (!f.error() && f.get_string().get(s)) errors.push_back(where + "." + std::string(name) + ": not a string");
    return s;
  }

  void enumeration(simdjson::dom::object o, std::string_view name, const std::vector<std::string_view>& values,
                   const std::string& where) {
    if (o[name].error()) return;
    const std::string_view s = string(o, name, where);
    if (std::find(values.begin(), values.end(), s) == values.end()) {
      errors.push_back(where + "." + std::string(name) + ": '" + std::string(s) + "' is not an allowed value");
    }
  }

  void integer_min(simdjson::dom::object o, std::string_view name, int64_t minimum, const std::string& where) {
    auto f = o[name];
    if (f.error()) return;
    int64_t v = 0;
    if (f.get_int64().get(v)) {
      errors.push_back(where + "." + std::string(name) + ": not an integer");
    } else if (v < minimum) {
      errors.push_back(where + "." + std::string(name) + ": below the minimum " + std::to_string(minimum));
    }
  }

  void message_string(simdjson::dom::element e, const std::string& where) {
    simdjson::dom::object o = object(e, kMultiformatMessageString, where);
    string(o, "text", where);
  }

  void validate(simdjson::dom::element root) {
    simdjson::dom::object log = object(root, kSarifLog, "sarifLog");
    if (string(log, "version", "sarifLog") != "2.1.0") errors.push_back("sarifLog.version: must be 2.1.0");
    string(log, "$schema", "sarifLog");
    simdjson::dom::array runs;
    if (log["runs"].get_array().get(runs)) {
      errors.push_back("sarifLog.runs: not an array");
      return;
    }
    size_t r = 0;
    for (simdjson::dom::element run_element : runs) {
      const std::string where = "runs[" + std::to_string(r++) + "]";
      simdjson::dom::object run = object(run_element, kRun, where);
      enumeration(run, "columnKind", {"utf16CodeUnits", "unicodeCodePoints"}, where);
      if (run["tool"].error()) continue;  // reported as a missing required property
      simdjson::dom::object tool = object(run["tool"].value_unsafe(), kTool, where + ".tool");
      if (tool["driver"].error()) continue;
      simdjson::dom::object driver = object(tool["driver"].value_unsafe(), kToolComponent, where + ".tool.driver");
      string(driver, "name", where + ".tool.driver");
      string(driver, "version", where + ".tool.driver");
      std::vector<std::string> rule_ids;
      simdjson::dom::array rules;
      if (!driver["rules"].get_array().get(rules)) {
        size_t k = 0;
        for (simdjson::dom::element rule_element : rules) {
          const std::string rw = where + ".tool.driver.rules[" + std::to_string(k++) + "]";
          simdjson::dom::object rule = object(rule_element, kReportingDescriptor, rw);
          rule_ids.emplace_back(string(rule, "id", rw));
          if (!rule["shortDescription"].error()) message_string(rule["shortDescription"].value_unsafe(), rw + ".shortDescription");
          if (!rule["help"].error()) message_string(rule["help"].value_unsafe(), rw + ".help");
          string(rule, "helpUri", rw);
          if (!rule["defaultConfiguration"].error()) {
            simdjson::dom::object config = object(rule["defaultConfiguration"].value_unsafe(), kReportingConfiguration, rw + ".defaultConfiguration");
            enumeration(config, "level", kLevels, rw + ".defaultConfiguration");
          }
        }
        // toolComponent.rules: "uniqueItems": true.
        std::vector<std::string> sorted = rule_ids;
        std::sort(sorted.begin(), sorted.end());
        if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) errors.push_back(where + ": duplicate rules");
      }
      simdjson::dom::array results;
      if (run["results"].get_array().get(results)) continue;
      size_t k = 0;
      for (simdjson::dom::element result_element : results) {
        const std::string rw = where + ".results[" + std::to_string(k++) + "]";
        simdjson::dom::object result = object(result_element, kResult, rw);
        const std::string_view rule_id = string(result, "ruleId", rw);
        integer_min(result, "ruleIndex", -1, rw);
        // SARIF §3.27.6: ruleIndex, when present, indexes tool.driver.rules, whose id is ruleId.
        int64_t index = -1;
        if (!result["ruleIndex"].get_int64().get(index) &&
            (index < 0 || static_cast<size_t>(index) >= rule_ids.size() || rule_ids[index] != rule_id)) {
          errors.push_back(rw + ": ruleIndex does not point at rule " + std::string(rule_id));
        }
        enumeration(result, "level", kLevels, rw);
        if (result["message"].error()) continue;
        simdjson::dom::object message = object(result["message"].value_unsafe(), kMessage, rw + ".message");
        if (message["text"].error() && message["id"].error()) errors.push_back(rw + ".message: needs text or id");
        string(message, "text", rw + ".message");
        simdjson::dom::array locations;
        if (result["locations"].get_array().get(locations)) continue;
        size_t m = 0;
        for (simdjson::dom::element location_element : locations) {
          const std::string lw = rw + ".locations[" + std::to_string(m++) + "]";
          simdjson::dom::object location = object(location_element, kLocation, lw);
          if (location["physicalLocation"].error()) continue;
          simdjson::dom::object physical = object(location["physicalLocation"].value_unsafe(), kPhysicalLocation, lw + ".physicalLocation");
          if (physical["artifactLocation"].error() && physical["address"].error()) {
            errors.push_back(lw + ".physicalLocation: needs artifactLocation or address");
          }
          if (!physical["artifactLocation"].error()) {
            simdjson::dom::object artifact = object(physical["artifactLocation"].value_unsafe(), kArtifactLocation, lw + ".artifactLocation");
            const std::string_view uri = string(artifact, "uri", lw + ".artifactLocation");
            // format uri-reference: no spaces or other characters that must be percent-encoded.
            if (uri.find_first_of(" \"<>\\^`{|}") != std::string_view::npos) {
              errors.push_back(lw + ".artifactLocation.uri: not a URI reference: " + std::string(uri));
            }
          }
          if (!physical["region"].error()) {
            simdjson::dom::object region = object(physical["region"].value_unsafe(), kRegion, lw + ".region");
            integer_min(region, "startLine", 1, lw + ".region");
            integer_min(region, "startColumn", 1, lw + ".region");
          }
        }
      }
    }
  }
};

std::vector<std::string> validate(const std::string& sarif) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(sarif).get(root)) return {"not valid JSON"};
  SarifValidator validator;
  validator.validate(root);
  return validator.errors;
}

}  // namespace

TEST_CASE("SARIF output satisfies the SARIF 2.1.0 schema's constraints on what it uses") {
  DiagnosticSet set;
  set.paths = {"data/train.jsonl", "/abs/dir with space/ü.jsonl"};
  set.records = 5;
  FileDiagnostic a;
  a.diagnostic = make_diagnostic(RuleId::kPiiEmail, "e-mail", "/messages/0/content");
  a.diagnostic.line = 3;
  a.diagnostic.column = 17;
  FileDiagnostic b;
  b.file_index = 1;
  b.diagnostic = make_diagnostic(RuleId::kTooFewExamples, "few");
  FileDiagnostic c;
  c.file_index = 1;
  c.diagnostic = make_diagnostic(RuleId::kBomOrCrlf, "crlf");
  c.diagnostic.line = 9;
  set.diagnostics = {a, b, c};
  const std::string sarif = format_sarif(set);
  CHECK(validate(sarif) == std::vector<std::string>{});
  CHECK(sarif.find("\"uri\": \"file:///abs/dir%20with%20space/%C3%BC.jsonl\"") != std::string::npos);
  CHECK(sarif.find("\"level\": \"note\"") != std::string::npos);  // info maps to note
}

TEST_CASE("the SARIF schema check rejects logs that break the schema") {
  CHECK(validate(R"({"version":"2.0.0","runs":[]})") == std::vector<std::string>{"sarifLog.version: must be 2.1.0"});
  CHECK(validate(R"({"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t","rules":[{"id":"a"}]}},"results":[{"ruleId":"b","ruleIndex":0,"level":"info","message":{},"locations":[{"physicalLocation":{"region":{"startLine":0}}}]}],"extra":1}]})") ==
        std::vector<std::string>{
            "runs[0]: property extra is not defined by the schema",
            "runs[0].results[0]: ruleIndex does not point at rule b",
            "runs[0].results[0].level: 'info' is not an allowed value",
            "runs[0].results[0].message: needs text or id",
            "runs[0].results[0].locations[0].physicalLocation: needs artifactLocation or address",
            "runs[0].results[0].locations[0].region.startLine: below the minimum 1",
        });
  CHECK(validate(R"({"version":"2.1.0","runs":[{"tool":{"driver":{}}}]})") ==
        std::vector<std::string>{"runs[0].tool.driver: missing required property name"});
  CHECK(validate(R"({"version":"2.1.0","runs":[{"results":[]}]})") ==
        std::vector<std::string>{"runs[0]: missing required property tool"});
}

TEST_CASE("the golden SARIF file satisfies the schema check") {
  simdjson::padded_string golden;
  REQUIRE_FALSE(simdjson::padded_string::load(std::string(TUNEPREP_TEST_DATA) + "/diagnostics/sample.sarif").get(golden));
  CHECK(validate(std::string(golden.data(), golden.size())) == std::vector<std::string>{});
}

// Hidden ("[.]": a plain run skips it): tests/e2e/action.sh runs it on the SARIF log that the
// GitHub action writes, so the action's output is held to the same schema check.
TEST_CASE("the SARIF file named by TUNEPREP_SARIF_FILE satisfies the schema check", "[.][sarif-file]") {
  const char* path = std::getenv("TUNEPREP_SARIF_FILE");
  REQUIRE(path != nullptr);
  simdjson::padded_string sarif;
  REQUIRE_FALSE(simdjson::padded_string::load(path).get(sarif));
  CHECK(validate(std::string(sarif.data(), sarif.size())) == std::vector<std::string>{});
}
