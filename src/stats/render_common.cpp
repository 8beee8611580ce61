// stats render_common: the formatting and figure list every stats renderer shares.
#include "tuneprep/diagnostics.hpp"
#include "render_common.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/core.h>

namespace tuneprep::stats_render {

std::string group(uint64_t value) {
  const std::string digits = std::to_string(value);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  const size_t lead = digits.size() % 3;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (i + 3 - lead) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string fixed(double value, int decimals) {
  std::string text = fmt::format("{:.{}f}", std::fabs(value), decimals);
  const size_t dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  std::string out = group(static_cast<uint64_t>(std::stoull(whole)));
  if (dot != std::string::npos) out += text.substr(dot);
  const bool negative = value < 0 && out.find_first_not_of("0.,") != std::string::npos;
  return negative ? "-" + out : out;
}

std::string percent(double ratio) { return fixed(ratio * 100.0, 1) + "%"; }

std::string money(double usd) {
  if (usd > 0 && usd < 0.005) return "<$0.01";
  return fmt::format("${}", fixed(usd, 2));
}

std::string one_line(std::string_view text, size_t max_chars) {
  std::string out;
  size_t chars = 0;
  bool pending_space = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v') {
      pending_space = !out.empty();
      continue;
    }
    const bool starts_code_point = (c & 0xC0) != 0x80;
    if (starts_code_point) {
      if (chars + (pending_space ? 1 : 0) >= max_chars) {
        out += "…";
        return terminal_text(out);
      }
      if (pending_space) {
        out.push_back(' ');
        ++chars;
        pending_space = false;
      }
      ++chars;
    }
    out.push_back(static_cast<char>(c));
  }
  // Controls other than white space (an escape sequence in a file name or a prompt) are escaped.
  return terminal_text(out);
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string markdown_cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|' || c == '`' || c == '*' || c == '_' || c == '<' || c == '[' || c == ']' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out;
}

std::string bin_label(const HistogramBin& bin) {
  if (bin.overflow) return std::string("≥") + group(bin.from);
  return group(bin.from) + "–" + group(bin.to);
}

std::vector<CountRow> messages_rows(const StatsReport& report) {
  constexpr size_t kMaxRows = 12;
  std::vector<CountRow> rows;
  const auto& h = report.messages_histogram;
  for (size_t i = 0; i < h.size(); ++i) {
    if (rows.size() + 1 == kMaxRows && h.size() > kMaxRows) {
      uint64_t rest = 0;
      for (size_t j = i; j < h.size(); ++j) rest += h[j].second;
      rows.push_back(CountRow{std::string("≥") + group(h[i].first), rest});
      break;
    }
    rows.push_back(CountRow{group(h[i].first), h[i].second});
  }
  return rows;
}

namespace {

double share(uint64_t part, uint64_t whole) { return whole == 0 ? 0.0 : static_cast<double>(part) / whole; }

}  // namespace

std::vector<KeyFigure> key_figures(const StatsReport& r) {
  std::vector<KeyFigure> f;
  auto count = [&f](std::string key, std::string label, std::optional<double> v) {
    f.push_back(KeyFigure{std::move(key), std::move(label), v, FigureKind::kCount});
  };
  auto ratio = [&f](std::string key, std::string label, std::optional<double> v) {
    f.push_back(KeyFigure{std::move(key), std::move(label), v, FigureKind::kRatio});
  };
  auto mean = [&f](std::string key, std::string label, std::optional<double> v) {
    f.push_back(KeyFigure{std::move(key), std::move(label), v, FigureKind::kMean});
  };
  auto d = [](double v) { return std::optional<double>(v); };
  auto u = [](uint64_t v) { return std::optional<double>(static_cast<double>(v)); };
  count("records", "Records", u(r.records));
  count("valid", "Valid", u(r.valid));
  count("rejected", "Rejected", u(r.rejected));
  ratio("rejected_rate", "Rejected rate", d(share(r.rejected, r.records)));
  count("examples", "Examples measured", u(r.examples));
  count("duplicates.exact", "Exact duplicates", u(r.exact_duplicates));
  count("duplicates.near", "Near duplicates", u(r.near_duplicates));
  ratio("duplicates.rate", "Duplicate rate", d(r.duplicate_rate));
  count("duplicates.conflicts", "Conflicting answers", u(r.conflicts));
  mean("messages.per_example.mean", "Messages per example, mean", d(r.messages_per_example.mean));
  mean("turns.per_example.mean", "Turns per example, mean", d(r.turns_per_example.mean));
  ratio("system_prompts.share", "Examples with a system prompt", d(share(r.with_system_prompt, r.examples)));
  count("system_prompts.distinct", "Distinct system prompts", u(r.distinct_system_prompts));
  const bool t = r.has_tokens;
  auto tu = [&](uint64_t v) { return t ? u(v) : std::nullopt; };
  count("tokens.total", "Tokens, total", tu(r.tokens_total));
  count("tokens.assistant_total", "Assistant tokens, total", tu(r.tokens_assistant_total));
  count("tokens.per_example.min", "Tokens per example, min", tu(r.tokens_per_example.min));
  mean("tokens.per_example.mean", "Tokens per example, mean", t ? d(r.tokens_per_example.mean) : std::nullopt);
  count("tokens.per_example.p50", "Tokens per example, p50", tu(r.tokens_per_example.p50));
  count("tokens.per_example.p95", "Tokens per example, p95", tu(r.tokens_per_example.p95));
  count("tokens.per_example.p99", "Tokens per example, p99", tu(r.tokens_per_example.p99));
  count("tokens.per_example.max", "Tokens per example, max", tu(r.tokens_per_example.max));
  count("examples_over_limit", "Examples over the limit",
        r.examples_over_limit ? u(*r.examples_over_limit) : std::nullopt);
  count("quality.empty_answers", "Empty answers", u(r.empty_answers));
  count("quality.short_answers", "Very short answers", u(r.short_answers));
  count("quality.refusals", "Refusals", u(r.refusals));
  ratio("quality.refusal_rate", "Refusal rate (of answers)", d(share(r.refusals, r.answers)));
  const TrainingEstimate* e = r.estimate ? &*r.estimate : nullptr;
  count("estimate.epochs", "Epochs", e ? u(e->epochs) : std::nullopt);
  count("estimate.billable_tokens_per_epoch", "Billable tokens per epoch",
        e ? u(e->billable_tokens_per_epoch) : std::nullopt);
  count("estimate.total_training_tokens", "Total training tokens", e ? u(e->total_training_tokens) : std::nullopt);
  f.push_back(KeyFigure{"estimate.cost_usd", "Estimated cost", e && e->cost_usd ? d(*e->cost_usd) : std::nullopt,
                        FigureKind::kMoney});
  return f;
}

std::string format_figure(const KeyFigure& figure) {
  if (!figure.value) return "—";
  const double v = *figure.value;
  switch (figure.kind) {
    case FigureKind::kCount: return group(static_cast<uint64_t>(std::llround(std::max(0.0, v))));
    case FigureKind::kRatio: return percent(v);
    case FigureKind::kMean: return fixed(v, 1);
    case FigureKind::kMoney: return money(v);
  }
  return "—";
}

std::vector<FigureChange> compare_figures(const StatsReport& a, const StatsReport& b) {
  const std::vector<KeyFigure> fa = key_figures(a), fb = key_figures(b);
  std::vector<FigureChange> out;
  for (size_t i = 0; i < fa.size() && i < fb.size(); ++i) {
    FigureChange c{fa[i], fb[i], std::nullopt, std::nullopt, false};
    if (fa[i].value && fb[i].value) {
      const double va = *fa[i].value, vb = *fb[i].value;
      c.delta = vb - va;
      if (va != 0) c.relative = (vb - va) / std::fabs(va);
      // Ratios compare in points: a rate going 0.0% -> 0.4% is notable, 50.0% -> 50.4% is not.
      if (fa[i].kind == FigureKind::kRatio) {
        c.notable = std::fabs(vb - va) >= kNotableChange / 10;
      } else if (c.relative) {
        c.notable = std::fabs(*c.relative) >= kNotableChange;
      } else {
        c.notable = vb != 0;
      }
    } else {
      c.notable = fa[i].value.has_value() != fb[i].value.has_value();
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string format_delta(const FigureChange& c) {
  if (!c.a.value && !c.b.value) return "—";
  if (!c.a.value) return "new";
  if (!c.b.value) return "gone";
  const double d = *c.delta;
  if (d == 0) return "=";
  const std::string sign = d > 0 ? "+" : "−";
  switch (c.a.kind) {
    case FigureKind::kRatio: return sign + fixed(std::fabs(d) * 100.0, 1) + " pt";
    case FigureKind::kMoney: return sign + money(std::fabs(d));
    case FigureKind::kMean:
    case FigureKind::kCount: {
      const std::string abs = c.a.kind == FigureKind::kMean ? fixed(std::fabs(d), 1)
                                                            : group(static_cast<uint64_t>(std::llround(std::fabs(d))));
      if (!c.relative) return sign + abs;
      return sign + abs + " (" + sign + fixed(std::fabs(*c.relative) * 100.0, 1) + "%)";
    }
  }
  return "—";
}

std::string block_bar(uint64_t value, uint64_t max, size_t width) {
  static constexpr std::string_view kEighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
  if (max == 0 || value == 0 || width == 0) return {};
  uint64_t eighths = (value * width * 8 + max / 2) / max;
  eighths = std::max<uint64_t>(eighths, 1);
  std::string out;
  for (uint64_t i = 0; i < eighths / 8; ++i) out += "█";
  out += kEighths[eighths % 8];
  return out;
}

}  // namespace tuneprep::stats_render
