// stats HTML renderer: one self-contained page (inline CSS and SVG; no scripts, fonts or network),
// laid out as a card grid that collapses to one column on a phone and prints without shadows.
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "render_common.hpp"
#include "tuneprep/json_writer.hpp"
#include "tuneprep/stats.hpp"

namespace tuneprep {
namespace {

using namespace stats_render;

double ratio(uint64_t part, uint64_t whole) { return whole == 0 ? 0.0 : static_cast<double>(part) / whole; }

constexpr std::string_view kStyle = R"css(
:root{--fg:#1f2328;--muted:#59636e;--bg:#f6f8fa;--card:#fff;--line:#d1d9e0;--accent:#2f6fde;--accent2:#8cb4f5;
--warn:#9a6700;--warnbg:#fff8c5;--bad:#cf222e;--good:#1a7f37}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",
"Liberation Sans",sans-serif}
main{max-width:1180px;margin:0 auto;padding:24px 16px 40px}
h1{font-size:1.6rem;margin:0 0 2px}
h2{font-size:1.05rem;margin:0 0 12px}
h3{font-size:.95rem;margin:16px 0 8px;color:var(--muted)}
.sub{color:var(--muted);margin:0 0 20px;overflow-wrap:anywhere}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-bottom:16px}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
.kpi .v{font-size:1.45rem;font-weight:650;font-variant-numeric:tabular-nums;white-space:nowrap}
.kpi .l{color:var(--muted);font-size:.82rem}
.kpi.warn .v{color:var(--warn)} .kpi.bad .v{color:var(--bad)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,360px),1fr));gap:16px;align-items:start}
.split{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,300px),1fr));gap:4px 24px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px;min-width:0;
box-shadow:0 1px 2px rgba(31,35,40,.06)}
.wide{grid-column:1/-1}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;font-size:.9rem}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
th{color:var(--muted);font-weight:600}
th.text{text-align:left}
td.text{white-space:normal;text-align:left;overflow-wrap:break-word;min-width:12ch}
tr.notable td{background:var(--warnbg)}
tr.notable td:last-child{color:var(--warn);font-weight:650}
.bars{display:grid;grid-template-columns:minmax(4em,max-content) 1fr max-content;gap:4px 10px;align-items:center;
font-size:.88rem}
.bars .lab{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;max-width:22ch}
.bars .num{text-align:right;font-variant-numeric:tabular-nums;color:var(--muted)}
.bars svg{width:100%;height:12px;display:block}
.bars rect{fill:var(--accent)}
.bars .bg{fill:#eaeef2}
.hist{width:100%;max-width:860px;height:auto;display:block;margin:0 auto 8px}
.hist rect.bar{fill:var(--accent)} .hist rect.over{fill:var(--bad)}
.hist text{font-size:11px;fill:var(--muted);font-family:inherit}
.hist line{stroke:var(--line)} .hist line.limit{stroke:var(--bad);stroke-dasharray:4 3;stroke-width:1.5}
.quote{font-style:italic;overflow-wrap:anywhere}
ul.advice{margin:8px 0 0;padding-left:20px} ul.advice li{margin:4px 0}
.risk-low{color:var(--good);font-weight:650} .risk-medium{color:var(--warn);font-weight:650}
.risk-high{color:var(--bad);font-weight:650}
.note{color:var(--muted);font-size:.85rem}
.columns{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,480px),1fr));gap:24px;margin-top:20px}
.columns .grid{grid-template-columns:1fr}
footer{color:var(--muted);font-size:.8rem;margin-top:24px;text-align:center}
@media (max-width:520px){main{padding:14px 10px 28px}.card{padding:12px}h1{font-size:1.3rem}.kpi .v{font-size:1.2rem}
.kpis{grid-template-columns:repeat(2,1fr)}.hist text{font-size:19px}th,td{padding:4px 5px}}
@media print{body{background:#fff;font-size:11pt}main{max-width:none;padding:0}.card,.kpi{box-shadow:none;
break-inside:avoid;border-color:#999}.grid,.columns{display:block}.card{margin-bottom:12px}.scroll{overflow:visible}
tr.notable td{background:none;font-weight:700}@page{margin:14mm}}
)css";

std::string e(std::string_view text) { return html_escape(text); }

void kpi(std::string& out, std::string_view key, std::string_view label, const std::string& value,
         std::string_view tone = "") {
  out += fmt::format(R"(<div class="kpi{}"><div class="v" data-figure="{}">{}</div><div class="l">{}</div></div>)",
                     tone.empty() ? std::string() : fmt::format(" {}", tone), key, e(value), e(label));
  out += '\n';
}

struct Bar {
  std::string label;
  uint64_t value = 0;
  std::string shown;  // the figure printed after the bar
  std::string title;  // tooltip; the label when empty
};

void bars(std::string& out, const std::vector<Bar>& rows) {
  uint64_t max = 0;
  for (const Bar& b : rows) max = std::max(max, b.value);
  out += "<div class=\"bars\">\n";
  for (const Bar& b : rows) {
    const double w = max == 0 ? 0 : 100.0 * static_cast<double>(b.value) / static_cast<double>(max);
    out += fmt::format(
        "<div class=\"lab\" title=\"{}\">{}</div><svg viewBox=\"0 0 100 12\" preserveAspectRatio=\"none\" "
        "role=\"img\" aria-label=\"{}\"><rect class=\"bg\" width=\"100\" height=\"12\" rx=\"2\"/><rect width=\"{}\" "
        "height=\"12\" rx=\"2\"/></svg><div class=\"num\">{}</div>\n",
        e(b.title.empty() ? b.label : b.title), e(b.label), e(b.label + ": " + b.shown),
        format_decimal(std::max(w, b.value ? 0.5 : 0.0), 2), e(b.shown));
  }
  out += "</div>\n";
}

// A column chart of the token histogram; the model's limit drawn as a dashed line when it falls
// inside the regular bins.
void histogram_svg(std::string& out, const Histogram& h, std::optional<uint64_t> limit) {
  if (h.bins.empty()) return;
  constexpr double kW = 640, kH = 240, kLeft = 44, kRight = 8, kTop = 14, kBottom = 40;
  const double plot_w = kW - kLeft - kRight, plot_h = kH - kTop - kBottom;
  uint64_t max = 0;
  for (const HistogramBin& bin : h.bins) max = std::max(max, bin.count);
  const size_t n = h.bins.size();
  const double slot = plot_w / static_cast<double>(n);
  const double gap = std::min(2.0, slot * 0.15);
  out += fmt::format(
      "<svg class=\"hist\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"Histogram of tokens per example\">\n", kW, kH);
  // Gridlines at 0, max/2 and max.
  for (int k = 0; k <= 2; ++k) {
    const double y = kTop + plot_h - plot_h * k / 2.0;
    const uint64_t value = max * k / 2;
    out += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>", kLeft, kW - kRight, y, y);
    out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", kLeft - 6, y + 4, group(value));
  }
  const size_t label_every = std::max<size_t>(1, (n + 5) / 6);
  for (size_t i = 0; i < n; ++i) {
    const HistogramBin& bin = h.bins[i];
    const double bh = max == 0 ? 0 : plot_h * static_cast<double>(bin.count) / static_cast<double>(max);
    const double x = kLeft + slot * static_cast<double>(i) + gap / 2;
    out += fmt::format(
        "<rect class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"><title>{} tokens: {} "
        "examples</title></rect>\n",
        bin.overflow ? "over" : "bar", x, kTop + plot_h - bh, slot - gap, std::max(bh, bin.count ? 1.0 : 0.0),
        e(bin_label(bin)), group(bin.count));
    if (bin.overflow) {  // anchored at the right edge so the label never leaves the chart
      out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", kW - kRight,
                         kTop + plot_h + 16, e(std::string("≥") + group(bin.from)));
    } else if (i % label_every == 0 && (i + 2 < n || !h.bins.back().overflow)) {
      out += fmt::format("<text x=\"{:.1f}\" y=\"{}\">{}</text>\n", x, kTop + plot_h + 16, group(bin.from));
    }
  }
  if (limit && h.bin_width > 0) {
    size_t regular = n;
    if (h.bins.back().overflow) --regular;
    const double span = static_cast<double>(regular * h.bin_width);
    if (static_cast<double>(*limit) < span) {
      const double x = kLeft + plot_w * (static_cast<double>(regular) / n) * (static_cast<double>(*limit) / span);
      out += fmt::format("<line class=\"limit\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\"/>", x, x, kTop,
                         kTop + plot_h);
      out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"end\">limit {}</text>\n", x - 4, kTop + 10,
                         group(*limit));
    }
  }
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">tokens per example</text>\n", kLeft + plot_w / 2,
                     kH - 4);
  out += "</svg>\n";
}

void distribution_table(std::string& out, const std::vector<std::pair<std::string, const Distribution*>>& rows) {
  out += "<div class=\"scroll\"><table><thead><tr><th></th><th>min</th><th>p5</th><th>p50</th><th>mean</th><th>p95</th>"
         "<th>p99</th><th>max</th></tr></thead><tbody>\n";
  for (const auto& [name, d] : rows) {
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                       e(name), group(d->min), group(d->p5), group(d->p50), fixed(d->mean, 1), group(d->p95),
                       group(d->p99), group(d->max));
  }
  out += "</tbody></table></div>\n";
}

void simple_table(std::string& out, const std::vector<std::string>& head,
                  const std::vector<std::vector<std::string>>& rows, size_t text_column = SIZE_MAX) {
  out += "<div class=\"scroll\"><table><thead><tr>";
  for (size_t i = 0; i < head.size(); ++i) out += (i == text_column ? "<th class=\"text\">" : "<th>") + e(head[i]) + "</th>";
  out += "</tr></thead><tbody>\n";
  for (const auto& row : rows) {
    out += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) out += (i == text_column ? "<td class=\"text\">" : "<td>") + e(row[i]) + "</td>";
    out += "</tr>\n";
  }
  out += "</tbody></table></div>\n";
}

void kpis(std::string& out, const StatsReport& r) {
  out += "<section class=\"kpis\">\n";
  kpi(out, "records", "records", group(r.records));
  kpi(out, "valid", "valid", group(r.valid));
  kpi(out, "rejected", "rejected", group(r.rejected), r.rejected ? "warn" : "");
  kpi(out, "examples", "examples measured", group(r.examples));
  if (r.has_tokens) {
    kpi(out, "tokens.total", "tokens", group(r.tokens_total));
    kpi(out, "tokens.per_example.p50", "tokens per example, median", group(r.tokens_per_example.p50));
  }
  if (r.examples_over_limit) {
    kpi(out, "examples_over_limit", "over the token limit", group(*r.examples_over_limit),
        *r.examples_over_limit ? "bad" : "");
  }
  if (r.estimate) {
    kpi(out, "estimate.total_training_tokens", "training tokens", group(r.estimate->total_training_tokens));
    if (r.estimate->cost_usd) kpi(out, "estimate.cost_usd", "estimated cost", money(*r.estimate->cost_usd));
  }
  out += "</section>\n";
}

void cards(std::string& out, const StatsReport& r) {
  out += "<section class=\"grid\">\n";
  if (r.has_tokens) {
    out += "<article class=\"card wide\"><h2>Tokens per example";
    if (r.encoding) out += " <span class=\"note\">(" + e(*r.encoding) + ")</span>";
    out += "</h2>\n";
    histogram_svg(out, r.tokens_histogram, r.token_limit);
    distribution_table(out, {{"total", &r.tokens_per_example},
                             {"prompt", &r.prompt_tokens_per_example},
                             {"assistant", &r.assistant_tokens_per_example}});
    out += fmt::format("<p class=\"note\">{} tokens in all, {} of them in assistant turns (trained).", group(r.tokens_total),
                       group(r.tokens_assistant_total));
    if (r.examples_over_limit) {
      out += fmt::format(" {} examples over the {}-token limit.", group(*r.examples_over_limit), group(*r.token_limit));
    }
    out += "</p></article>\n";
  }

  out += "<article class=\"card\"><h2>Inputs</h2>\n";
  {
    std::vector<std::vector<std::string>> rows;
    for (const FileCounts& f : r.files) rows.push_back({f.path, group(f.records), group(f.valid), group(f.rejected)});
    simple_table(out, {"file", "records", "valid", "rejected"}, rows, 0);
    if (!r.formats.empty()) {
      out += "<h3>Formats</h3>\n";
      std::vector<Bar> b;
      for (const auto& [name, count] : r.formats) b.push_back({name, count, group(count), {}});
      bars(out, b);
    }
    if (r.exact_duplicates + r.near_duplicates + r.conflicts > 0) {
      out += "<h3>Duplicates</h3>\n";
      simple_table(out, {"", "records"},
                   {{"exact", group(r.exact_duplicates)},
                    {"near", group(r.near_duplicates)},
                    {"rate (of valid)", percent(r.duplicate_rate)},
                    {"conflicting answers", group(r.conflicts)}});
    }
  }
  out += "</article>\n";

  if (!r.rejections.empty() || !r.warnings.empty()) {
    out += "<article class=\"card\"><h2>Findings by rule</h2>\n";
    if (!r.rejections.empty()) {
      out += "<h3>Rejected records</h3>\n";
      std::vector<Bar> b;
      for (const RuleCount& rule : r.rejections) b.push_back({rule.rule, rule.records, group(rule.records), {}});
      bars(out, b);
    }
    if (!r.warnings.empty()) {
      out += "<h3>Warnings</h3>\n";
      std::vector<Bar> b;
      for (const RuleCount& rule : r.warnings) b.push_back({rule.rule, rule.records, group(rule.records), {}});
      bars(out, b);
    }
    out += "</article>\n";
  }
  if (!r.warnings_checked) {
    out += "<p class=\"note\">The content rules (PII, secrets, refusals, …) did not run: no warnings were looked "
           "for.</p>\n";
  }

  out += "<article class=\"card wide\"><h2>Messages</h2>\n<div class=\"split\"><div>\n";
  {
    std::vector<Bar> b;
    for (const CountRow& row : messages_rows(r)) {
      b.push_back({row.label, row.count, group(row.count), row.label + " messages"});
    }
    out += "<h3>Messages per example</h3>\n";
    bars(out, b);
    out += "<h3>Roles</h3>\n";
    std::vector<std::vector<std::string>> table_rows;
    for (const RoleCounts& role : r.roles) {
      table_rows.push_back({role.role, group(role.messages), group(role.examples), percent(ratio(role.examples, r.examples))});
    }
    simple_table(out, {"role", "messages", "examples", "share"}, table_rows);
    out += "</div><div>\n<h3>Lengths</h3>\n";
    std::vector<std::pair<std::string, const Distribution*>> rows = {{"messages/example", &r.messages_per_example},
                                                                     {"turns/example", &r.turns_per_example},
                                                                     {"chars/message", &r.chars_per_message}};
    for (const RoleCounts& role : r.roles) {
      if (role.messages) rows.emplace_back("chars/" + role.role, &role.chars);
    }
    distribution_table(out, rows);
  }
  out += "</div></div></article>\n";

  out += "<article class=\"card\"><h2>System prompts</h2>\n";
  out += fmt::format("<p>{} of {} examples ({}) have a system prompt; {} distinct.</p>\n", group(r.with_system_prompt),
                     group(r.examples), percent(ratio(r.with_system_prompt, r.examples)), group(r.distinct_system_prompts));
  {
    std::vector<std::vector<std::string>> rows;
    for (const RankedText& t : r.top_system_prompts) {
      rows.push_back({percent(t.share), group(t.count), one_line(t.text, 160) + (t.truncated ? " …" : "")});
    }
    if (!rows.empty()) simple_table(out, {"share", "examples", "prompt"}, rows, 2);
  }
  out += "</article>\n";

  out += "<article class=\"card\"><h2>Answer quality</h2>\n";
  simple_table(out, {"", "answers", "share"},
               {{"trained answers", group(r.answers), "100.0%"},
                {"empty", group(r.empty_answers), percent(ratio(r.empty_answers, r.answers))},
                {"very short", group(r.short_answers), percent(ratio(r.short_answers, r.answers))},
                {"refusal boilerplate", group(r.refusals), percent(ratio(r.refusals, r.answers))}});
  if (!r.top_openings.empty()) {
    out += "<h3>Repeated answer openings</h3>\n";
    std::vector<Bar> b;
    for (const RankedText& t : r.top_openings) {
      b.push_back({"“" + t.text + "”", t.count, group(t.count) + " · " + percent(t.share), {}});
    }
    bars(out, b);
  }
  if (!r.scripts.empty()) {
    out += "<h3>Scripts (share of letters)</h3>\n";
    std::vector<Bar> b;
    for (const ScriptShare& s : r.scripts) {
      b.push_back({s.script, s.chars, percent(s.share), fmt::format("{}: {} examples", s.script, group(s.examples))});
    }
    bars(out, b);
  }
  out += "</article>\n";

  if (r.estimate) {
    const TrainingEstimate& est = *r.estimate;
    out += "<article class=\"card wide\"><h2>Training estimate";
    if (est.model) out += " <span class=\"note\">(" + e(*est.model) + ")</span>";
    out += "</h2>\n";
    out += "<section class=\"kpis\">\n";
    kpi(out, "estimate.epochs", est.epochs_given ? "epochs (given)" : "epochs (default heuristic)",
        std::to_string(est.epochs));
    kpi(out, "estimate.billable_tokens_per_epoch", "billable tokens per epoch", group(est.billable_tokens_per_epoch));
    kpi(out, "estimate.total_training_tokens", "total training tokens", group(est.total_training_tokens));
    kpi(out, "estimate.cost_usd", "estimated cost", est.cost_usd ? money(*est.cost_usd) : "—");
    kpi(out, "estimate.suggested_validation_examples", "suggested validation examples",
        group(est.suggested_validation_examples));
    out += "</section>\n";
    out += fmt::format("<p>Overfitting risk: <span class=\"risk-{0}\">{0}</span>.", overfitting_risk_name(est.overfitting_risk));
    if (est.price_per_mtok) {
      out += fmt::format(" Price ${} per 1M training tokens ({}).", fixed(*est.price_per_mtok, 2), e(est.price_source));
    }
    out += "</p>\n<ul class=\"advice\">\n";
    for (const std::string& line : est.advice) out += "<li>" + e(line) + "</li>\n";
    out += "</ul>\n<p class=\"note\">Costs are estimates from token counts; check the provider's current prices.</p>\n";
    out += "</article>\n";
  }
  out += "</section>\n";
}

std::string page(std::string_view title, const std::string& body) {
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  // No network: everything is inline; the policy makes that a guarantee in the browser too.
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
         "img-src data:\">\n";
  out += "<title>" + e(title) + "</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n<main>\n";
  out += body;
  out += "<footer>tuneprep " TUNEPREP_VERSION " · figures defined in docs/stats.md</footer>\n</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace

std::string render_html(const StatsReport& report) {
  std::string body = "<header><h1>Dataset statistics</h1>";
  body += "<p class=\"sub\">" + e(report.title.empty() ? std::string("(untitled)") : report.title) + "</p></header>\n";
  kpis(body, report);
  cards(body, report);
  return page("Dataset statistics" + (report.title.empty() ? "" : ": " + report.title), body);
}

std::string render_html_compare(const StatsReport& a, const StatsReport& b) {
  const std::string name_a = a.title.empty() ? "A" : a.title;
  const std::string name_b = b.title.empty() ? "B" : b.title;
  std::string body = "<header><h1>Dataset comparison</h1>";
  body += "<p class=\"sub\">" + e(name_a) + " vs " + e(name_b) + "</p></header>\n";
  body += "<article class=\"card\"><h2>Key figures</h2>\n<div class=\"scroll\"><table><thead><tr><th>figure</th><th>" +
          e(name_a) + "</th><th>" + e(name_b) + "</th><th>change</th></tr></thead><tbody>\n";
  for (const FigureChange& c : compare_figures(a, b)) {
    body += fmt::format("<tr{} data-figure=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                        c.notable ? " class=\"notable\"" : "", c.a.key, e(c.a.label), e(format_figure(c.a)),
                        e(format_figure(c.b)), e(format_delta(c) + (c.notable ? " ◆" : "")));
  }
  body += fmt::format(
      "</tbody></table></div>\n<p class=\"note\">◆ highlighted: changed by {:.0f}% or more (rates: by 1 point or "
      "more).</p></article>\n",
      kNotableChange * 100);
  body += "<div class=\"columns\">\n";
  for (const StatsReport* r : {&a, &b}) {
    body += "<section><h2>" + e(r == &a ? name_a : name_b) + "</h2>\n";
    kpis(body, *r);
    cards(body, *r);
    body += "</section>\n";
  }
  body += "</div>\n";
  return page("Dataset comparison: " + name_a + " vs " + name_b, body);
}

}  // namespace tuneprep
