// manifest: manifest.json, the account of a prepare run: options, inputs and outputs with their
// sha256, and the counts that add up to every input record.
#include <fmt/core.h>

#include "tuneprep/json_writer.hpp"
#include "tuneprep/prepare.hpp"

namespace tuneprep {
namespace {

void write_counts(JsonWriter& writer, std::string_view name, const std::map<std::string, uint64_t>& counts) {
  writer.object_one_line(name, [&] {
    for (const auto& [key, count] : counts) writer.field(key, count);
  });
}

void write_options(JsonWriter& writer, const PrepareOptions& options, const PrepareSummary& summary) {
  writer.object_one_line("options", [&] {
    writer.field("to", output_format_name(options.to));
    writer.field("seed", options.seed);
    writer.key("val_ratio");
    writer.raw(fmt::format("{}", options.val_ratio));
    writer.field("dedup", dedup_mode_name(options.dedup));
    writer.key("dedup_on");
    if (options.dedup == DedupMode::kNear) {
      writer.string(dedup_on_name(options.dedup_on));
      writer.object("near", [&] {
        writer.key("threshold");
        writer.raw(fmt::format("{}", options.near.threshold));
        writer.field("shingle", options.near.shingle);
        writer.field("num_perm", options.near.num_perm);
      });
    } else {
      writer.null();
      writer.key("near");
      writer.null();
    }
    writer.field("conflicts", conflict_mode_name(options.conflicts));
    const std::optional<TokenRequest>& tokens = options.tokens;
    writer.key("model");
    if (tokens && !tokens->model.empty()) {
      writer.string(tokens->model);
    } else {
      writer.null();
    }
    writer.key("encoding");
    writer.optional_string(summary.encoding);
    writer.key("max_tokens");
    writer.optional_number(summary.token_limit);
    writer.field_bool("truncate", tokens && tokens->truncate);
    writer.key("fix");
    writer.begin_array_one_line();
    for (const RuleInfo& rule : all_rules()) {
      if (options.fixes.contains(rule.id)) writer.string(rule.name);
    }
    writer.end_array();
    writer.key("report");
    writer.begin_array_one_line();
    writer.string("json");
    if (options.report_html) writer.string("html");
    if (options.report_markdown) writer.string("md");
    writer.end_array();
    writer.field_bool("findings", options.report_findings);
    writer.key("system");
    if (options.normalize.system_prompt.empty()) {
      writer.null();
    } else {
      writer.string(options.normalize.system_prompt);
    }
  });
}

}  // namespace

void write_manifest_fields(JsonWriter& writer, const PrepareOptions& options, const PrepareSummary& summary) {
  writer.object_one_line("tool", [&] {
    writer.field("name", "tuneprep");
    writer.field("version", TUNEPREP_VERSION);
  });
  write_options(writer, options, summary);
  writer.key("inputs");
  writer.begin_array();
  for (const InputSummary& input : summary.inputs) {
    writer.begin_object_one_line();
    writer.field("path", input.path);
    writer.field("sha256", input.sha256);
    writer.field("bytes", input.bytes);
    writer.field("records", input.records);
    writer.end_object();
  }
  writer.end_array();
  writer.key("outputs");
  writer.begin_array();
  for (const OutputSummary& output : summary.outputs) {
    writer.begin_object_one_line();
    writer.field("path", output.name);
    writer.field("sha256", output.sha256);
    writer.field("bytes", output.bytes);
    writer.field("records", output.records);
    writer.key("tokens");
    writer.optional_number(output.tokens);
    writer.key("trained_tokens");
    writer.optional_number(output.trained_tokens);
    writer.end_object();
  }
  writer.end_array();
  writer.key("reports");
  writer.begin_array();
  for (const ReportFileSummary& report : summary.reports) {
    writer.begin_object_one_line();
    writer.field("path", report.name);
    writer.field("sha256", report.sha256);
    writer.field("bytes", report.bytes);
    writer.end_object();
  }
  writer.end_array();
  const PrepareCounts& c = summary.counts;
  writer.object_one_line("counts", [&] {
    writer.field("records_in", c.records_in);
    writer.field("train", c.train);
    writer.field("validation", c.validation);
    writer.field("rejected", c.rejected);
    writer.field("duplicates", c.duplicates);
  });
  writer.object_one_line("duplicates", [&] {
    writer.field("exact", summary.exact_duplicates);
    writer.field("near", summary.near_duplicates);
  });
  writer.object_one_line("conflicts", [&] {
    writer.field("groups", summary.conflict_groups);
    writer.field("records", summary.conflict_records);
  });
  writer.key("truncated");
  writer.optional_number(options.tokens ? std::optional<uint64_t>(summary.truncated) : std::nullopt);
  write_counts(writer, "rejections", summary.rejections_by_rule);
  write_counts(writer, "fixes", summary.fixes_by_rule);
  write_counts(writer, "formats", summary.records_by_format);
  writer.object_one_line("leakage", [&] {
    writer.field("exact", summary.leakage_exact);
    writer.key("near");
    writer.optional_number(summary.leakage_near);
  });
}

std::string render_manifest(const PrepareOptions& options, const PrepareSummary& summary) {
  std::string out;
  JsonWriter writer(out);
  writer.begin_object();
  write_manifest_fields(writer, options, summary);
  writer.end_object();
  out += '\n';
  return out;
}

}  // namespace tuneprep
