// stats Markdown renderer: GitHub-flavoured tables for a dataset card or a pull-request comment.
#include <string>
#include <vector>

#include <fmt/core.h>

#include "render_common.hpp"
#include "tuneprep/stats.hpp"

namespace tuneprep {
namespace {

using namespace stats_render;

double ratio(uint64_t part, uint64_t whole) { return whole == 0 ? 0.0 : static_cast<double>(part) / whole; }

std::string code_span(std::string_view text) {
  // A code span cannot hold a backtick run shorter than its fence; quoting as text is simpler.
  return "“" + markdown_cell(one_line(text, 100)) + "”";
}

void table(std::string& out, const std::vector<std::string>& head, const std::vector<bool>& right,
           const std::vector<std::vector<std::string>>& rows) {
  out += "|";
  for (const std::string& h : head) out += " " + h + " |";
  out += "\n|";
  for (size_t i = 0; i < head.size(); ++i) out += right[i] ? "---:|" : "---|";
  out += "\n";
  for (const auto& row : rows) {
    out += "|";
    for (const std::string& cell : row) out += " " + cell + " |";
    out += "\n";
  }
  out += "\n";
}

std::vector<std::string> distribution_row(std::string name, const Distribution& d) {
  return {std::move(name), group(d.min), group(d.p5), group(d.p50), fixed(d.mean, 1), group(d.p95), group(d.p99),
          group(d.max)};
}

void body(std::string& out, const StatsReport& r, const std::string& h) {
  table(out, {"", "value"}, {false, true},
        {{"Records", group(r.records)},
         {"Valid", fmt::format("{} ({})", group(r.valid), percent(ratio(r.valid, r.records)))},
         {"Rejected", fmt::format("{} ({})", group(r.rejected), percent(ratio(r.rejected, r.records)))},
         {"Exact duplicates", group(r.exact_duplicates)},
         {"Near duplicates", group(r.near_duplicates)},
         {"Duplicate rate (of valid)", percent(r.duplicate_rate)},
         {"Conflicting answers", group(r.conflicts)},
         {"Examples measured", group(r.examples)},
         {"Examples over the limit", r.examples_over_limit ? group(*r.examples_over_limit) : "—"}});

  if (r.files.size() > 1 || !r.formats.empty()) {
    out += h + "# Inputs\n\n";
    std::vector<std::vector<std::string>> rows;
    for (const FileCounts& f : r.files) {
      rows.push_back({markdown_cell(f.path), group(f.records), group(f.valid), group(f.rejected)});
    }
    table(out, {"file", "records", "valid", "rejected"}, {false, true, true, true}, rows);
    rows.clear();
    for (const auto& [name, count] : r.formats) rows.push_back({name, group(count), percent(ratio(count, r.records))});
    table(out, {"format", "records", "share"}, {false, true, true}, rows);
  }
  if (!r.rejections.empty() || !r.warnings.empty()) {
    out += h + "# Findings by rule\n\n";
    std::vector<std::vector<std::string>> rows;
    for (const RuleCount& rule : r.rejections) rows.push_back({"`" + rule.rule + "`", "rejected", group(rule.records)});
    for (const RuleCount& rule : r.warnings) rows.push_back({"`" + rule.rule + "`", "warning", group(rule.records)});
    table(out, {"rule", "kind", "records"}, {false, false, true}, rows);
  }
  if (!r.warnings_checked) {
    out += "The content rules (PII, secrets, refusals, ...) did not run: no warnings were looked for.\n\n";
  }

  if (r.has_tokens) {
    std::string title = "Tokens per example";
    if (r.encoding) title += " (" + *r.encoding + (r.token_limit ? ", limit " + group(*r.token_limit) : "") + ")";
    out += h + "# " + title + "\n\n";
    table(out, {"", "min", "p5", "p50", "mean", "p95", "p99", "max"}, {false, true, true, true, true, true, true, true},
          {distribution_row("total", r.tokens_per_example), distribution_row("prompt", r.prompt_tokens_per_example),
           distribution_row("assistant", r.assistant_tokens_per_example)});
    out += fmt::format("Total {} tokens, of which {} in assistant turns.\n\n", group(r.tokens_total),
                       group(r.tokens_assistant_total));
    std::vector<std::vector<std::string>> rows;
    uint64_t max = 0;
    for (const HistogramBin& bin : r.tokens_histogram.bins) max = std::max(max, bin.count);
    for (const HistogramBin& bin : r.tokens_histogram.bins) {
      rows.push_back({bin_label(bin), group(bin.count), block_bar(bin.count, max, 20)});
    }
    table(out, {"tokens", "examples", ""}, {false, true, false}, rows);
  }

  out += h + "# Messages\n\n";
  std::vector<std::vector<std::string>> rows;
  rows.push_back(distribution_row("messages per example", r.messages_per_example));
  rows.push_back(distribution_row("turns per example", r.turns_per_example));
  rows.push_back(distribution_row("chars per message", r.chars_per_message));
  for (const RoleCounts& role : r.roles) {
    if (role.messages) rows.push_back(distribution_row("chars per " + role.role + " message", role.chars));
  }
  table(out, {"", "min", "p5", "p50", "mean", "p95", "p99", "max"}, {false, true, true, true, true, true, true, true},
        rows);
  rows.clear();
  for (const RoleCounts& role : r.roles) {
    rows.push_back({role.role, group(role.messages), group(role.examples), percent(ratio(role.examples, r.examples))});
  }
  table(out, {"role", "messages", "examples with it", "share of examples"}, {false, true, true, true}, rows);

  out += h + "# System prompts\n\n";
  out += fmt::format("{} of {} examples ({}) have a system prompt; {} distinct.\n\n", group(r.with_system_prompt),
                     group(r.examples), percent(ratio(r.with_system_prompt, r.examples)),
                     group(r.distinct_system_prompts));
  if (!r.top_system_prompts.empty()) {
    rows.clear();
    for (const RankedText& t : r.top_system_prompts) rows.push_back({percent(t.share), group(t.count), code_span(t.text)});
    table(out, {"share", "examples", "system prompt"}, {true, true, false}, rows);
  }

  out += h + "# Answer quality\n\n";
  table(out, {"", "answers", "share"}, {false, true, true},
        {{"Answers (trained assistant messages)", group(r.answers), "100.0%"},
         {"Empty", group(r.empty_answers), percent(ratio(r.empty_answers, r.answers))},
         {"Very short", group(r.short_answers), percent(ratio(r.short_answers, r.answers))},
         {"Refusal boilerplate", group(r.refusals), percent(ratio(r.refusals, r.answers))}});
  if (!r.top_openings.empty()) {
    rows.clear();
    for (const RankedText& t : r.top_openings) rows.push_back({percent(t.share), group(t.count), code_span(t.text)});
    table(out, {"share", "answers", "repeated opening"}, {true, true, false}, rows);
  }
  if (!r.scripts.empty()) {
    rows.clear();
    for (const ScriptShare& s : r.scripts) rows.push_back({s.script, group(s.examples), group(s.chars), percent(s.share)});
    table(out, {"script", "examples", "letters", "share of letters"}, {false, true, true, true}, rows);
  }

  if (r.estimate) {
    const TrainingEstimate& e = *r.estimate;
    out += h + "# Training estimate" + (e.model ? " (`" + *e.model + "`)" : std::string()) + "\n\n";
    table(out, {"", "value"}, {false, true},
          {{"Examples", group(e.examples)},
           {"Epochs", fmt::format("{} ({})", e.epochs, e.epochs_given ? "given" : "default heuristic")},
           {"Billable tokens per epoch", group(e.billable_tokens_per_epoch)},
           {"Total training tokens", group(e.total_training_tokens)},
           {"Price per 1M tokens",
            e.price_per_mtok ? fmt::format("${} ({})", fixed(*e.price_per_mtok, 2), e.price_source) : "—"},
           {"Estimated cost", e.cost_usd ? money(*e.cost_usd) : "—"},
           {"Overfitting risk", std::string(overfitting_risk_name(e.overfitting_risk))},
           {"Suggested validation examples", group(e.suggested_validation_examples)}});
    for (const std::string& advice : e.advice) out += "- " + advice + "\n";
    if (!e.advice.empty()) out += "\n";
    out += "_Costs are estimates from token counts; check the provider's current prices._\n\n";
  }
}

}  // namespace

std::string render_markdown(const StatsReport& report) {
  std::string out = "# Dataset statistics" + (report.title.empty() ? "" : ": " + report.title) + "\n\n";
  body(out, report, "#");
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
  return out;
}

std::string render_markdown_compare(const StatsReport& a, const StatsReport& b) {
  const std::string name_a = a.title.empty() ? "A" : markdown_cell(a.title);
  const std::string name_b = b.title.empty() ? "B" : markdown_cell(b.title);
  std::string out = "# Dataset comparison: " + name_a + " vs " + name_b + "\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const FigureChange& c : compare_figures(a, b)) {
    std::string delta = format_delta(c);
    if (c.notable) delta = "**" + delta + "** ◆";
    rows.push_back({c.a.label, format_figure(c.a), format_figure(c.b), delta});
  }
  table(out, {"figure", name_a, name_b, "change"}, {false, true, true, true}, rows);
  out += fmt::format("◆ changed by {:.0f}% or more (rates: by 1 point or more).\n\n", kNotableChange * 100);
  out += "## " + name_a + "\n\n";
  body(out, a, "##");
  out += "## " + name_b + "\n\n";
  body(out, b, "##");
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
  return out;
}

}  // namespace tuneprep
