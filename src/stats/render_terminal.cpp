// stats terminal renderer: a compact aligned summary with Unicode block bars; ANSI colour only
// when TerminalOptions::color is set (the CLI decides from --color and isatty).
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "render_common.hpp"
#include "tuneprep/stats.hpp"

namespace tuneprep {
namespace {

using namespace stats_render;

// Display width in columns: one per code point (the labels and figures are narrow characters;
// wide CJK only appears in quoted texts, which are cut by code points anyway).
size_t columns(std::string_view text) {
  size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string pad_right(std::string text, size_t width) {
  const size_t w = columns(text);
  if (w < width) text.append(width - w, ' ');
  return text;
}

std::string pad_left(const std::string& text, size_t width) {
  const size_t w = columns(text);
  return w < width ? std::string(width - w, ' ') + text : text;
}

class Painter {
 public:
  explicit Painter(bool enabled) : enabled_(enabled) {}
  std::string bold(std::string_view t) const { return paint(t, "1"); }
  std::string dim(std::string_view t) const { return paint(t, "2"); }
  std::string red(std::string_view t) const { return paint(t, "31"); }
  std::string yellow(std::string_view t) const { return paint(t, "33"); }
  std::string green(std::string_view t) const { return paint(t, "32"); }
  std::string cyan(std::string_view t) const { return paint(t, "36"); }
  // A count that is a problem when non-zero.
  std::string bad_if_any(uint64_t n) const { return n > 0 ? yellow(group(n)) : group(n); }

 private:
  std::string paint(std::string_view t, std::string_view code) const {
    if (!enabled_) return std::string(t);
    return fmt::format("\x1b[{}m{}\x1b[0m", code, t);
  }
  bool enabled_;
};

constexpr size_t kLabelWidth = 14;

struct Out {
  std::string text;
  const Painter& p;
  void line(std::string_view label, const std::string& body) {
    text += p.bold(pad_right(std::string(label), kLabelWidth));
    text += body;
    text += '\n';
  }
  void heading(std::string_view title) {
    text += '\n';
    text += p.bold(std::string(title));
    text += '\n';
  }
  void raw(const std::string& s) { text += s + '\n'; }
};

double ratio(uint64_t part, uint64_t whole) { return whole == 0 ? 0.0 : static_cast<double>(part) / whole; }

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

// Rows of label, count and bar, the bar scaled to the largest count and to the space left.
void bar_rows(Out& out, const std::vector<CountRow>& rows, uint32_t width) {
  uint64_t max = 0;
  size_t label_w = 0, count_w = 0;
  for (const CountRow& row : rows) {
    max = std::max(max, row.count);
    label_w = std::max(label_w, columns(row.label));
    count_w = std::max(count_w, group(row.count).size());
  }
  const size_t used = 2 + label_w + 2 + count_w + 2;
  const size_t bar_w = width > used + 8 ? std::min<size_t>(40, width - used) : 8;
  for (const CountRow& row : rows) {
    out.raw(std::string("  ") + pad_right(row.label, label_w) + std::string("  ") + pad_left(group(row.count), count_w) + "  " +
            out.p.cyan(block_bar(row.count, max, bar_w)));
  }
}

void distribution_table(Out& out, const std::vector<std::pair<std::string, const Distribution*>>& rows) {
  const char* heads[] = {"min", "p5", "p50", "mean", "p95", "p99", "max"};
  std::vector<std::vector<std::string>> cells;
  for (const auto& [name, d] : rows) {
    cells.push_back({group(d->min), group(d->p5), group(d->p50), fixed(d->mean, 1), group(d->p95), group(d->p99),
                     group(d->max)});
  }
  std::vector<size_t> w(7, 0);
  for (size_t c = 0; c < 7; ++c) {
    w[c] = std::string_view(heads[c]).size();
    for (const auto& row : cells) w[c] = std::max(w[c], row[c].size());
  }
  std::string head = "  " + std::string(kLabelWidth - 2, ' ');
  for (size_t c = 0; c < 7; ++c) head += std::string("  ") + pad_left(heads[c], w[c]);
  out.raw(out.p.dim(head));
  for (size_t r = 0; r < rows.size(); ++r) {
    std::string line = std::string("  ") + pad_right(rows[r].first, kLabelWidth - 2);
    for (size_t c = 0; c < 7; ++c) line += std::string("  ") + pad_left(cells[r][c], w[c]);
    out.raw(line);
  }
}

// A bullet, word-wrapped to `width` columns with a hanging indent.
void wrap(Out& out, std::string_view text, uint32_t width) {
  const size_t limit = std::max<size_t>(width, 40);
  std::string line = "  •";
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    size_t end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(i, end - i);
    i = end;
    if (word.empty()) continue;
    if (columns(line) + 1 + columns(word) > limit && columns(line) > 4) {
      out.raw(line);
      line = "   ";
    }
    line += ' ';
    line += word;
  }
  out.raw(line);
}

std::string quoted(std::string_view text, size_t max_chars) { return std::string("\"") + one_line(text, max_chars) + "\""; }

void render_body(Out& out, const StatsReport& r, const TerminalOptions& options) {
  const Painter& p = out.p;
  out.line("Records", fmt::format("{}  valid {} ({})  rejected {} ({})  measured {}", group(r.records),
                                  group(r.valid), percent(ratio(r.valid, r.records)), p.bad_if_any(r.rejected),
                                  percent(ratio(r.rejected, r.records)), group(r.examples)));
  if (r.exact_duplicates + r.near_duplicates + r.conflicts > 0) {
    out.line("Duplicates", fmt::format("exact {} · near {} ({} of valid) · conflicts {}", group(r.exact_duplicates),
                                       group(r.near_duplicates), percent(r.duplicate_rate), p.bad_if_any(r.conflicts)));
  }
  {
    std::vector<std::string> parts;
    for (const auto& [name, count] : r.formats) parts.push_back(name + " " + group(count));
    if (!parts.empty()) out.line("Formats", join(parts, " · "));
  }
  if (r.files.size() > 1) {
    size_t path_w = 0, count_w = 0;
    for (const FileCounts& f : r.files) {
      path_w = std::max(path_w, std::min<size_t>(columns(f.path), 40));
      count_w = std::max(count_w, group(f.records).size());
    }
    bool first = true;
    for (const FileCounts& f : r.files) {
      std::string body = pad_right(one_line(f.path, 40), path_w) + std::string("  ") + pad_left(group(f.records), count_w) +
                         " records";
      if (f.rejected) body += ", " + p.yellow(group(f.rejected) + " rejected");
      out.line(first ? "Files" : "", body);
      first = false;
    }
  }
  if (!r.rejections.empty()) {
    std::vector<std::string> parts;
    for (const RuleCount& rule : r.rejections) parts.push_back(rule.rule + " " + group(rule.records));
    out.line("Rejected by", p.yellow(join(parts, " · ")));
  }
  if (!r.warnings.empty()) {
    std::vector<std::string> parts;
    for (const RuleCount& rule : r.warnings) parts.push_back(rule.rule + " " + group(rule.records));
    out.line("Warnings", p.yellow(join(parts, " · ")));
  }

  if (r.has_tokens) {
    std::string title = "Tokens per example";
    std::vector<std::string> notes;
    if (r.encoding) notes.push_back(*r.encoding);
    if (r.token_limit) notes.push_back("limit " + group(*r.token_limit));
    if (!notes.empty()) title += " (" + join(notes, ", ") + ")";
    out.heading(title);
    distribution_table(out, {{"total", &r.tokens_per_example},
                             {"prompt", &r.prompt_tokens_per_example},
                             {"assistant", &r.assistant_tokens_per_example}});
    std::string sums = fmt::format("  sum {} · assistant {}", group(r.tokens_total), group(r.tokens_assistant_total));
    if (r.examples_over_limit) {
      sums += " · over the limit " + (*r.examples_over_limit ? p.red(group(*r.examples_over_limit)) : std::string("0"));
    }
    out.raw(sums);
    std::vector<CountRow> rows;
    for (const HistogramBin& bin : r.tokens_histogram.bins) rows.push_back(CountRow{bin_label(bin), bin.count});
    // Trailing empty bins (before an overflow bin there are none by construction) add nothing.
    out.raw("");
    bar_rows(out, rows, options.width);
  }

  out.heading("Messages");
  out.line("  per example", fmt::format("mean {} · p50 {} · max {} · turns mean {}",
                                        fixed(r.messages_per_example.mean, 1), group(r.messages_per_example.p50),
                                        group(r.messages_per_example.max), fixed(r.turns_per_example.mean, 1)));
  {
    std::vector<std::string> parts;
    for (const RoleCounts& role : r.roles) {
      if (role.messages) parts.push_back(role.role + " " + group(role.messages));
    }
    out.line("  roles", join(parts, " · "));
  }
  out.line("  chars", fmt::format("per message p50 {} · p95 {} · max {}", group(r.chars_per_message.p50),
                                  group(r.chars_per_message.p95), group(r.chars_per_message.max)));
  out.raw("  messages per example:");
  bar_rows(out, messages_rows(r), options.width);

  out.heading("System prompts");
  out.raw(fmt::format("  {} examples ({}) · {} distinct", group(r.with_system_prompt),
                      percent(ratio(r.with_system_prompt, r.examples)), group(r.distinct_system_prompts)));
  const size_t text_w = options.width > 30 ? options.width - 18 : 12;
  for (const RankedText& t : r.top_system_prompts) {
    out.raw(std::string("  ") + pad_left(percent(t.share), 6) + "  " + quoted(t.text, text_w));
  }

  out.heading("Answers");
  out.raw(fmt::format("  {} answers · empty {} · very short {} ({}) · refusals {} ({})", group(r.answers),
                      p.bad_if_any(r.empty_answers), group(r.short_answers), percent(ratio(r.short_answers, r.answers)),
                      p.bad_if_any(r.refusals), percent(ratio(r.refusals, r.answers))));
  if (!r.top_openings.empty()) {
    out.raw("  repeated openings:");
    for (const RankedText& t : r.top_openings) {
      out.raw(std::string("  ") + pad_left(percent(t.share), 6) + "  " + quoted(t.text, text_w) + p.dim(" ×" + group(t.count)));
    }
  }
  if (!r.scripts.empty()) {
    std::vector<std::string> parts;
    for (const ScriptShare& s : r.scripts) parts.push_back(s.script + " " + percent(s.share));
    out.line("Scripts", join(parts, " · "));
  }

  if (r.estimate) {
    const TrainingEstimate& e = *r.estimate;
    out.heading("Training estimate" + (e.model ? " (" + *e.model + ")" : std::string()));
    out.raw(fmt::format("  {} examples × {} epochs ({})", group(e.examples), e.epochs,
                        e.epochs_given ? "given" : "default heuristic"));
    out.raw(fmt::format("  billable tokens per epoch {} · total training tokens {}", group(e.billable_tokens_per_epoch),
                        p.bold(group(e.total_training_tokens))));
    if (e.cost_usd) {
      out.raw(fmt::format("  cost ≈ {} at ${}/1M tokens ({}; an estimate)", p.bold(money(*e.cost_usd)),
                          fixed(*e.price_per_mtok, 2), e.price_source));
    }
    const std::string risk(overfitting_risk_name(e.overfitting_risk));
    out.raw(fmt::format("  overfitting risk {} · suggested validation examples {}",
                        e.overfitting_risk == OverfittingRisk::kLow    ? p.green(risk)
                        : e.overfitting_risk == OverfittingRisk::kHigh ? p.red(risk)
                                                                       : p.yellow(risk),
                        group(e.suggested_validation_examples)));
    for (const std::string& advice : e.advice) wrap(out, advice, options.width);
  }
}

}  // namespace

std::string render_terminal(const StatsReport& report, const TerminalOptions& options) {
  const Painter painter(options.color);
  Out out{{}, painter};
  out.raw(painter.bold("tuneprep stats") + (report.title.empty() ? "" : " · " + report.title));
  render_body(out, report, options);
  return out.text;
}

std::string render_terminal_compare(const StatsReport& a, const StatsReport& b, const TerminalOptions& options) {
  const Painter p(options.color);
  const std::string name_a = a.title.empty() ? "A" : one_line(a.title, 24);
  const std::string name_b = b.title.empty() ? "B" : one_line(b.title, 24);
  std::string out = p.bold("tuneprep stats --compare") + " · " + name_a + " vs " + name_b + "\n\n";
  const std::vector<FigureChange> changes = compare_figures(a, b);
  size_t label_w = 6, a_w = columns(name_a), b_w = columns(name_b);
  std::vector<std::array<std::string, 3>> cells;
  for (const FigureChange& c : changes) {
    cells.push_back({format_figure(c.a), format_figure(c.b), format_delta(c)});
    label_w = std::max(label_w, columns(c.a.label));
    a_w = std::max(a_w, columns(cells.back()[0]));
    b_w = std::max(b_w, columns(cells.back()[1]));
  }
  out += p.dim(pad_right("figure", label_w) + std::string("  ") + pad_left(name_a, a_w) + std::string("  ") + pad_left(name_b, b_w) + "  change") +
         "\n";
  for (size_t i = 0; i < changes.size(); ++i) {
    const FigureChange& c = changes[i];
    std::string delta = cells[i][2];
    if (c.notable) delta = p.yellow(delta + " ◆");
    out += pad_right(c.a.label, label_w) + std::string("  ") + pad_left(cells[i][0], a_w) + std::string("  ") + pad_left(cells[i][1], b_w) +
           "  " + delta + "\n";
  }
  out += p.dim(fmt::format("◆ changed by {:.0f}% or more (rates: by 1 point or more)", kNotableChange * 100)) + "\n";
  return out;
}

}  // namespace tuneprep
