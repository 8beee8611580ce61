// stats JSON renderer: every figure of a StatsReport in a fixed key order (schema in docs/stats.md),
// pretty-printed with two-space indents; numbers have fixed precision so output is byte-stable.
#include <optional>
#include <string>
#include <vector>

#include "render_common.hpp"
#include "tuneprep/json_writer.hpp"
#include "tuneprep/stats.hpp"

namespace tuneprep {
namespace {

constexpr int kMeanDecimals = 2;
constexpr int kShareDecimals = 4;

void write_distribution(JsonWriter& w, const Distribution& d, bool present) {
  w.begin_object();
  const char* names[] = {"min", "mean", "p5", "p50", "p95", "p99", "max"};
  const uint64_t values[] = {d.min, 0, d.p5, d.p50, d.p95, d.p99, d.max};
  for (size_t i = 0; i < 7; ++i) {
    w.key(names[i]);
    if (!present || d.count == 0) {
      w.null();
    } else if (i == 1) {
      w.real(d.mean, kMeanDecimals);
    } else {
      w.number(values[i]);
    }
  }
  w.end_object();
}

void write_ranked(JsonWriter& w, const std::vector<RankedText>& items, std::string_view count_name) {
  w.begin_array();
  for (const RankedText& item : items) {
    w.begin_object();
    w.field("text", item.text);
    w.key("truncated"), w.boolean(item.truncated);
    w.field("chars", item.chars);
    w.field(count_name, item.count);
    w.field_real("share", item.share, kShareDecimals);
    w.end_object();
  }
  w.end_array();
}

void write_rules(JsonWriter& w, const std::vector<RuleCount>& rules) {
  w.begin_array();
  for (const RuleCount& rule : rules) {
    w.begin_object();
    w.field("rule", rule.rule);
    w.field("records", rule.records);
    w.end_object();
  }
  w.end_array();
}

void write_report(JsonWriter& w, const StatsReport& r) {
  w.begin_object();
  w.field("schema", "tuneprep.stats/1");
  w.field("title", r.title);
  w.field("records", r.records);
  w.field("valid", r.valid);
  w.field("rejected", r.rejected);
  w.field("examples", r.examples);
  w.field("validation_examples", r.validation_examples);
  w.key("examples_over_limit"), w.optional_number(r.examples_over_limit);

  w.key("files"), w.begin_array();
  for (const FileCounts& f : r.files) {
    w.begin_object();
    w.field("path", f.path);
    w.field("records", f.records);
    w.field("valid", f.valid);
    w.field("rejected", f.rejected);
    w.end_object();
  }
  w.end_array();
  w.key("formats"), w.begin_object();
  for (const auto& [name, count] : r.formats) w.field(name, count);
  w.end_object();
  w.key("rejections"), write_rules(w, r.rejections);
  w.key("warnings"), write_rules(w, r.warnings);
  w.key("warnings_checked"), w.boolean(r.warnings_checked);
  w.key("duplicates"), w.begin_object();
  w.field("exact", r.exact_duplicates);
  w.field("near", r.near_duplicates);
  w.field_real("rate", r.duplicate_rate, kShareDecimals);
  w.field("conflicts", r.conflicts);
  w.end_object();

  w.key("tokens"), w.begin_object();
  w.key("encoding"), w.optional_string(r.encoding);
  w.key("limit"), w.optional_number(r.token_limit);
  const auto token_sum = [&](uint64_t v) { return r.has_tokens ? std::optional<uint64_t>(v) : std::nullopt; };
  w.key("total"), w.optional_number(token_sum(r.tokens_total));
  w.key("prompt_total"), w.optional_number(token_sum(r.tokens_prompt_total));
  w.key("assistant_total"), w.optional_number(token_sum(r.tokens_assistant_total));
  w.key("estimated_total"), w.optional_number(token_sum(r.tokens_estimated_total));
  w.key("per_example"), write_distribution(w, r.tokens_per_example, r.has_tokens);
  w.key("prompt_per_example"), write_distribution(w, r.prompt_tokens_per_example, r.has_tokens);
  w.key("assistant_per_example"), write_distribution(w, r.assistant_tokens_per_example, r.has_tokens);
  w.key("histogram"), w.begin_object();
  w.field("bin_width", r.tokens_histogram.bin_width);
  w.key("bins"), w.begin_array();
  for (const HistogramBin& bin : r.tokens_histogram.bins) {
    w.begin_object();
    w.field("from", bin.from);
    w.field("to", bin.to);
    w.field("examples", bin.count);
    w.key("overflow"), w.boolean(bin.overflow);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  w.end_object();

  w.key("messages"), w.begin_object();
  w.field("total", r.messages_total);
  w.key("per_example"), write_distribution(w, r.messages_per_example, true);
  w.key("histogram"), w.begin_array();
  for (const auto& [value, count] : r.messages_histogram) {
    w.begin_object();
    w.field("messages", value);
    w.field("examples", count);
    w.end_object();
  }
  w.end_array();
  w.key("roles"), w.begin_object();
  for (const RoleCounts& role : r.roles) {
    w.key(role.role), w.begin_object();
    w.field("messages", role.messages);
    w.field("examples", role.examples);
    w.key("chars_per_message"), write_distribution(w, role.chars, true);
    w.end_object();
  }
  w.end_object();
  w.key("chars_per_message"), write_distribution(w, r.chars_per_message, true);
  w.end_object();
  w.key("turns"), w.begin_object();
  w.key("per_example"), write_distribution(w, r.turns_per_example, true);
  w.end_object();

  w.key("system_prompts"), w.begin_object();
  w.field("examples_with", r.with_system_prompt);
  w.field("distinct", r.distinct_system_prompts);
  w.key("top"), write_ranked(w, r.top_system_prompts, "examples");
  w.end_object();

  w.key("quality"), w.begin_object();
  w.field("answers", r.answers);
  w.field("empty_answers", r.empty_answers);
  w.field("short_answers", r.short_answers);
  w.field("refusals", r.refusals);
  w.field("examples_with_empty_answer", r.examples_with_empty_answer);
  w.field("examples_with_refusal", r.examples_with_refusal);
  w.key("top_openings"), write_ranked(w, r.top_openings, "answers");
  w.end_object();

  w.key("scripts"), w.begin_array();
  for (const ScriptShare& s : r.scripts) {
    w.begin_object();
    w.field("script", s.script);
    w.field("examples", s.examples);
    w.field("chars", s.chars);
    w.field_real("share", s.share, kShareDecimals);
    w.end_object();
  }
  w.end_array();

  w.key("estimate");
  if (!r.estimate) {
    // Fixed keys stay present for scripts, null when no token counts exist.
    w.begin_object();
    for (const char* name : {"model", "examples", "epochs", "epochs_source", "billable_tokens_per_epoch",
                             "total_training_tokens", "price_per_mtok", "price_source", "cost_usd",
                             "suggested_validation_examples", "overfitting_risk"}) {
      w.key(name), w.null();
    }
    w.key("advice"), w.begin_array(), w.end_array();
    w.end_object();
  } else {
    const TrainingEstimate& e = *r.estimate;
    w.begin_object();
    w.key("model"), w.optional_string(e.model);
    w.field("examples", e.examples);
    w.field("epochs", e.epochs);
    w.field("epochs_source", e.epochs_given ? "given" : "default-heuristic");
    w.field("billable_tokens_per_epoch", e.billable_tokens_per_epoch);
    w.field("total_training_tokens", e.total_training_tokens);
    w.key("price_per_mtok");
    e.price_per_mtok ? w.real(*e.price_per_mtok, 4) : w.null();
    w.key("price_source");
    e.price_source.empty() ? w.null() : w.string(e.price_source);
    w.key("cost_usd");
    e.cost_usd ? w.real(*e.cost_usd, 2) : w.null();
    w.field("suggested_validation_examples", e.suggested_validation_examples);
    w.field("overfitting_risk", overfitting_risk_name(e.overfitting_risk));
    w.key("advice"), w.begin_array();
    for (const std::string& line : e.advice) w.string(line);
    w.end_array();
    w.end_object();
  }
  w.end_object();
}

}  // namespace

std::string render_json(const StatsReport& report) {
  std::string out;
  JsonWriter w(out);
  write_report(w, report);
  out += '\n';
  return out;
}

std::string render_json_compare(const StatsReport& a, const StatsReport& b) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field("schema", "tuneprep.stats.compare/1");
  w.key("changes"), w.begin_array();
  for (const stats_render::FigureChange& c : stats_render::compare_figures(a, b)) {
    w.begin_object();
    w.field("figure", c.a.key);
    w.field("label", c.a.label);
    const int decimals = c.a.kind == stats_render::FigureKind::kCount ? 0 : 4;
    auto value = [&](const std::optional<double>& v) {
      if (!v) {
        w.null();
      } else if (decimals == 0) {
        w.number(static_cast<uint64_t>(*v));
      } else {
        w.real(*v, decimals);
      }
    };
    w.key("a"), value(c.a.value);
    w.key("b"), value(c.b.value);
    w.key("delta");
    c.delta ? w.real(*c.delta, 4) : w.null();
    w.key("relative");
    c.relative ? w.real(*c.relative, 4) : w.null();
    w.key("notable"), w.boolean(c.notable);
    w.end_object();
  }
  w.end_array();
  w.key("a"), write_report(w, a);
  w.key("b"), write_report(w, b);
  w.end_object();
  out += '\n';
  return out;
}

}  // namespace tuneprep
