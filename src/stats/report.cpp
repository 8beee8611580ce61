// stats report: turns an accumulator into figures: nearest-rank percentiles, histograms, top-N
// tables and the training estimate (epochs heuristic, billable tokens, cost, advice).
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/core.h>

#include "render_common.hpp"
#include "tuneprep/rules.hpp"
#include "tuneprep/stats.hpp"

namespace tuneprep {

using stats_render::group;

// Fine-tuning training prices in USD per 1M training tokens, from OpenAI's pricing page as of
// 2025-06. An estimate: prices change, check the provider's page before paying.
namespace {
constexpr ModelPrice kTrainingPrices[] = {
    {"gpt-4.1-nano", 1.50}, {"gpt-4.1-mini", 5.00}, {"gpt-4.1", 25.00},     {"gpt-4o-mini", 3.00},
    {"gpt-4o", 25.00},      {"gpt-3.5-turbo", 8.00}, {"davinci-002", 6.00}, {"babbage-002", 0.40},
};
}  // namespace
const std::string_view kPriceTableDate = "2025-06";

std::optional<double> builtin_training_price(std::string_view model) {
  if (model.starts_with("ft:")) model.remove_prefix(3);
  const ModelPrice* best = nullptr;
  for (const ModelPrice& entry : kTrainingPrices) {
    if (!model.starts_with(entry.model)) continue;
    // "gpt-4o-2024-08-06" is gpt-4o, but "gpt-4oX" is not: the name must end or continue with '-'/':'.
    if (model.size() > entry.model.size() && model[entry.model.size()] != '-' && model[entry.model.size()] != ':') {
      continue;
    }
    if (!best || entry.model.size() > best->model.size()) best = &entry;
  }
  if (!best) return std::nullopt;
  return best->usd_per_mtok;
}

// From the OpenAI cookbook notebook "Data preparation and analysis for chat model fine-tuning":
// TARGET_EPOCHS = 3, MIN_TARGET_EXAMPLES = 100, MAX_TARGET_EXAMPLES = 25000,
// MIN_DEFAULT_EPOCHS = 1, MAX_DEFAULT_EPOCHS = 25.
uint32_t default_epochs(uint64_t examples) {
  constexpr uint64_t kTargetEpochs = 3, kMinTargetExamples = 100, kMaxTargetExamples = 25000;
  constexpr uint64_t kMinDefaultEpochs = 1, kMaxDefaultEpochs = 25;
  if (examples == 0) return static_cast<uint32_t>(kTargetEpochs);
  uint64_t epochs = kTargetEpochs;
  if (examples * kTargetEpochs < kMinTargetExamples) {
    epochs = std::min(kMaxDefaultEpochs, kMinTargetExamples / examples);
  } else if (examples * kTargetEpochs > kMaxTargetExamples) {
    epochs = std::max(kMinDefaultEpochs, kMaxTargetExamples / examples);
  }
  return static_cast<uint32_t>(epochs);
}

std::string_view overfitting_risk_name(OverfittingRisk risk) {
  switch (risk) {
    case OverfittingRisk::kLow: return "low";
    case OverfittingRisk::kMedium: return "medium";
    case OverfittingRisk::kHigh: return "high";
  }
  return "low";
}

uint32_t nearest_rank(const std::vector<uint32_t>& sorted, uint32_t percent) {
  // Integer arithmetic: ceil(percent * N / 100) with no rounding surprises (0.95 * 20 is 19).
  const uint64_t n = sorted.size();
  uint64_t rank = (static_cast<uint64_t>(percent) * n + 99) / 100;
  rank = std::clamp<uint64_t>(rank, 1, n);
  return sorted[rank - 1];
}

Distribution describe(std::vector<uint32_t>& values) {
  Distribution d;
  if (values.empty()) return d;
  std::sort(values.begin(), values.end());
  d.count = values.size();
  for (uint32_t v : values) d.sum += v;
  d.min = values.front();
  d.max = values.back();
  d.p5 = nearest_rank(values, 5);
  d.p50 = nearest_rank(values, 50);
  d.p95 = nearest_rank(values, 95);
  d.p99 = nearest_rank(values, 99);
  d.mean = static_cast<double>(d.sum) / static_cast<double>(d.count);
  return d;
}

namespace {

// Distribution of small integers kept as value -> count (messages and turns per example).
Distribution describe_counts(const std::vector<std::pair<uint32_t, uint64_t>>& sorted_counts) {
  Distribution d;
  for (const auto& [value, count] : sorted_counts) {
    d.count += count;
    d.sum += static_cast<uint64_t>(value) * count;
  }
  if (d.count == 0) return d;
  auto at_percent = [&](uint32_t percent) -> uint64_t {
    const uint64_t rank = std::clamp<uint64_t>((percent * d.count + 99) / 100, 1, d.count);
    uint64_t seen = 0;
    for (const auto& [value, count] : sorted_counts) {
      seen += count;
      if (seen >= rank) return value;
    }
    return sorted_counts.back().first;
  };
  d.min = sorted_counts.front().first;
  d.max = sorted_counts.back().first;
  d.p5 = at_percent(5);
  d.p50 = at_percent(50);
  d.p95 = at_percent(95);
  d.p99 = at_percent(99);
  d.mean = static_cast<double>(d.sum) / static_cast<double>(d.count);
  return d;
}

// The smallest 1, 2 or 5 x 10^k that is >= value.
uint64_t nice_width(uint64_t value) {
  uint64_t scale = 1;
  while (true) {
    for (uint64_t step : {1, 2, 5}) {
      if (step * scale >= value) return step * scale;
    }
    if (scale > UINT64_MAX / 100) return value;
    scale *= 10;
  }
}

constexpr uint64_t kTargetBins = 20;

// Equal-width bins of a "nice" width from 0, about 20 of them. A long tail (max more than twice
// p99) would squash every bar into the first few bins, so then the bins cover 0..p99 and one
// overflow bin holds the rest.
Histogram make_histogram(const std::vector<uint32_t>& sorted, const Distribution& d) {
  Histogram h;
  if (sorted.empty()) return h;
  const bool tail = d.p99 > 0 && d.max > 2 * d.p99;
  const uint64_t upper = tail ? d.p99 : d.max;
  h.bin_width = nice_width((upper + kTargetBins) / kTargetBins);
  const uint64_t regular = upper / h.bin_width + 1;
  for (uint64_t k = 0; k < regular; ++k) {
    h.bins.push_back(HistogramBin{k * h.bin_width, k * h.bin_width + h.bin_width - 1, 0, false});
  }
  const uint64_t overflow_from = regular * h.bin_width;
  if (tail) h.bins.push_back(HistogramBin{overflow_from, d.max, 0, true});
  for (uint32_t v : sorted) {
    const uint64_t k = std::min<uint64_t>(v / h.bin_width, regular);
    ++h.bins[k].count;
  }
  return h;
}

std::vector<RuleCount> rule_counts(const std::unordered_map<std::string, StatsAccumulator::Counter>& map) {
  std::vector<RuleCount> out;
  for (const auto& [rule, counter] : map) out.push_back(RuleCount{rule, counter.count});
  std::sort(out.begin(), out.end(), [](const RuleCount& a, const RuleCount& b) {
    return a.records != b.records ? a.records > b.records : a.rule < b.rule;
  });
  return out;
}

double ratio(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

struct StatsReportBuilder {
  static StatsReport build(const StatsAccumulator& acc, const StatsOptions& options);
  static TrainingEstimate estimate(const StatsAccumulator& acc, const StatsReport& report,
                                   const StatsOptions& options);
};

StatsReport StatsReportBuilder::build(const StatsAccumulator& acc, const StatsOptions& options) {
  StatsReport r;
  r.title = options.title;
  r.records = acc.records_;
  r.valid = acc.valid_;
  r.rejected = acc.rejected_;
  r.examples = acc.examples_;
  r.validation_examples = acc.validation_examples_;

  const size_t file_count = std::max(options.files.size(), acc.files_.size());
  for (size_t i = 0; i < file_count; ++i) {
    FileCounts f;
    f.path = i < options.files.size() ? options.files[i] : fmt::format("input #{}", i + 1);
    if (i < acc.files_.size()) {
      f.records = acc.files_[i].records;
      f.valid = acc.files_[i].valid;
      f.rejected = acc.files_[i].rejected;
    }
    r.files.push_back(std::move(f));
  }
  for (size_t i = 0; i <= static_cast<size_t>(SourceFormat::kCsv); ++i) {
    if (acc.formats_[i] > 0) {
      r.formats.emplace_back(std::string(source_format_name(static_cast<SourceFormat>(i))), acc.formats_[i]);
    }
  }
  if (acc.formats_.back() > 0) r.formats.emplace_back("unrecognised", acc.formats_.back());
  r.rejections = rule_counts(acc.reject_rules_);
  r.warnings = rule_counts(acc.warning_rules_);
  r.warnings_checked = options.findings_checked;
  r.exact_duplicates = acc.exact_duplicates_;
  r.near_duplicates = acc.near_duplicates_;
  r.conflicts = acc.conflicts_;
  r.duplicate_rate = ratio(acc.exact_duplicates_ + acc.near_duplicates_, acc.valid_);

  r.messages_histogram = acc.messages_per_example_.sorted();
  r.messages_per_example = describe_counts(r.messages_histogram);
  r.messages_total = r.messages_per_example.sum;
  r.turns_per_example = describe_counts(acc.turns_per_example_.sorted());
  ValueCounts all_chars;
  for (size_t role = 0; role < 4; ++role) {
    RoleCounts rc;
    rc.role = std::string(role_name(static_cast<Role>(role)));
    rc.messages = acc.role_messages_[role];
    rc.examples = acc.role_examples_[role];
    all_chars.merge(acc.chars_by_role_[role]);
    rc.chars = describe_counts(acc.chars_by_role_[role].sorted());
    r.roles.push_back(std::move(rc));
  }
  r.chars_per_message = describe_counts(all_chars.sorted());

  r.with_system_prompt = acc.with_system_prompt_;
  r.distinct_system_prompts = acc.system_prompts_.size();
  {
    std::vector<const StatsAccumulator::Distinct*> prompts;
    for (const auto& [hash, prompt] : acc.system_prompts_) prompts.push_back(&prompt);
    std::sort(prompts.begin(), prompts.end(), [](const auto* a, const auto* b) {
      return a->count != b->count ? a->count > b->count : a->first_seen < b->first_seen;
    });
    for (size_t i = 0; i < prompts.size() && i < options.top; ++i) {
      const auto& p = *prompts[i];
      const bool truncated = p.chars > count_code_points(p.text);
      r.top_system_prompts.push_back(RankedText{p.text, truncated, p.chars, p.count, ratio(p.count, acc.examples_)});
    }
  }

  r.has_tokens = acc.with_tokens_ > 0;
  r.encoding = options.encoding;
  r.token_limit = options.token_limit;
  std::vector<uint32_t> total = acc.tokens_total_, prompt = acc.tokens_prompt_, assistant = acc.tokens_assistant_;
  r.tokens_per_example = describe(total);
  r.prompt_tokens_per_example = describe(prompt);
  r.assistant_tokens_per_example = describe(assistant);
  r.tokens_total = r.tokens_per_example.sum;
  r.tokens_prompt_total = r.prompt_tokens_per_example.sum;
  r.tokens_assistant_total = r.assistant_tokens_per_example.sum;
  r.tokens_estimated_total = acc.tokens_estimated_;
  r.tokens_histogram = make_histogram(total, r.tokens_per_example);
  if (options.token_limit) {
    // Over-limit examples are rejected by too-many-tokens, as validate and prepare do; those kept
    // (the rule set to a warning) carry it as a warning. The analysis decides both, on the pair's
    // longer half for a preference pair, so the report does not recount.
    uint64_t over = 0;
    for (const auto* rules : {&acc.reject_rules_, &acc.warning_rules_}) {
      const auto found = rules->find(std::string(rule_name(RuleId::kTooManyTokens)));
      if (found != rules->end()) over += found->second.count;
    }
    r.examples_over_limit = over;
  }

  r.answers = acc.answers_;
  r.empty_answers = acc.empty_answers_;
  r.short_answers = acc.short_answers_;
  r.refusals = acc.refusals_;
  r.examples_with_refusal = acc.examples_with_refusal_;
  r.examples_with_empty_answer = acc.examples_with_empty_answer_;
  {
    uint64_t openings_total = 0;
    for (const uint64_t count : acc.opening_counts_) openings_total += count;
    // Only repetition is a signal: an opening used once says nothing about the dataset. Most
    // openings are used once, so they are dropped before the (partial) sort.
    std::vector<std::pair<const std::string*, StatsAccumulator::Counter>> repeated;
    for (size_t i = 0; i < acc.openings_.size(); ++i) {
      const uint64_t count = acc.opening_counts_[i];
      if (count >= 2) repeated.emplace_back(&acc.openings_[i].text, StatsAccumulator::Counter{count, acc.openings_[i].first_seen});
    }
    const size_t shown = std::min<size_t>(options.top, repeated.size());
    std::partial_sort(repeated.begin(), repeated.begin() + static_cast<std::ptrdiff_t>(shown), repeated.end(),
                      [](const auto& a, const auto& b) {
                        if (a.second.count != b.second.count) return a.second.count > b.second.count;
                        if (a.second.first_seen != b.second.first_seen) return a.second.first_seen < b.second.first_seen;
                        return *a.first < *b.first;  // two openings first seen in one record
                      });
    for (size_t i = 0; i < shown; ++i) {
      const auto& [text, counter] = repeated[i];
      r.top_openings.push_back(
          RankedText{*text, false, count_code_points(*text), counter.count, ratio(counter.count, openings_total)});
    }
  }
  {
    uint64_t letters = 0;
    for (const auto& [script, chars] : acc.script_chars_) letters += chars;
    for (const auto& [script, counter] : acc.script_examples_) {
      const auto it = acc.script_chars_.find(script);
      const uint64_t chars = it == acc.script_chars_.end() ? 0 : it->second;
      r.scripts.push_back(ScriptShare{script, counter.count, chars, ratio(chars, letters)});
    }
    std::sort(r.scripts.begin(), r.scripts.end(), [](const ScriptShare& a, const ScriptShare& b) {
      return a.chars != b.chars ? a.chars > b.chars : a.script < b.script;
    });
  }

  if (r.has_tokens) r.estimate = estimate(acc, r, options);
  return r;
}

TrainingEstimate StatsReportBuilder::estimate(const StatsAccumulator& acc, const StatsReport& r,
                                              const StatsOptions& options) {
  TrainingEstimate e;
  e.model = options.model;
  // Only the training examples are billed; a validation set (prepare's split) is left out.
  e.examples = acc.with_tokens_ - acc.validation_tokens_total_.size();
  e.epochs_given = options.epochs.has_value();
  e.epochs = options.epochs ? *options.epochs : default_epochs(e.examples);
  const auto billable = [&](uint32_t tokens) {
    return options.token_limit ? std::min<uint64_t>(tokens, *options.token_limit) : uint64_t{tokens};
  };
  for (uint32_t tokens : acc.tokens_total_) e.billable_tokens_per_epoch += billable(tokens);
  for (uint32_t tokens : acc.validation_tokens_total_) e.billable_tokens_per_epoch -= billable(tokens);
  e.total_training_tokens = e.billable_tokens_per_epoch * e.epochs;
  if (options.price_per_mtok) {
    e.price_per_mtok = options.price_per_mtok;
    e.price_source = "given";
  } else if (options.model) {
    e.price_per_mtok = builtin_training_price(*options.model);
    if (e.price_per_mtok) e.price_source = fmt::format("built-in table ({})", kPriceTableDate);
  }
  if (e.price_per_mtok) e.cost_usd = static_cast<double>(e.total_training_tokens) / 1e6 * *e.price_per_mtok;

  // Validation: 10% of the examples, at most 1,000 (enough for a stable loss curve); below 100
  // examples every one is worth more in training.
  e.suggested_validation_examples = e.examples < 100 ? 0 : std::min<uint64_t>(1000, e.examples / 10);
  if (e.epochs >= 10 || e.examples < 10) {
    e.overfitting_risk = OverfittingRisk::kHigh;
  } else if (e.epochs >= 5) {
    e.overfitting_risk = OverfittingRisk::kMedium;
  }

  const std::string n = group(e.examples);
  if (e.examples < 10) {
    e.advice.push_back(fmt::format("OpenAI fine-tuning needs at least 10 examples; this dataset has {}.", n));
  } else if (e.examples < 50) {
    e.advice.push_back(fmt::format(
        "{} examples: OpenAI reports clear improvements typically from 50 to 100 well-crafted examples.", n));
  }
  if (e.overfitting_risk != OverfittingRisk::kLow) {
    e.advice.push_back(fmt::format(
        "{} epochs over {} examples: each example is seen {} times, a {} risk of memorising them "
        "(overfitting). Add examples or train fewer epochs.",
        e.epochs, n, e.epochs, overfitting_risk_name(e.overfitting_risk)));
  }
  if (r.validation_examples > 0) {
    e.advice.push_back(fmt::format(
        "The validation set holds {} examples (not billed as training): validation loss rising while "
        "training loss falls is the sign of overfitting.",
        group(r.validation_examples)));
  } else if (e.suggested_validation_examples > 0) {
    e.advice.push_back(fmt::format(
        "Hold out about {} examples (10%, at most 1,000) as a validation set: validation loss rising "
        "while training loss falls is the sign of overfitting.",
        group(e.suggested_validation_examples)));
  } else if (e.examples > 0) {
    e.advice.push_back(
        "Keep every example for training; below 100 examples, check the model on a few hand-written "
        "prompts instead of a validation split.");
  }
  if (r.examples_over_limit && *r.examples_over_limit > 0) {
    const bool one = *r.examples_over_limit == 1;
    e.advice.push_back(fmt::format("{} {} the {}-token limit: prepare rejects {} (too-many-tokens) unless "
                                   "--truncate shortens {}.",
                                   group(*r.examples_over_limit), one ? "example exceeds" : "examples exceed",
                                   group(*options.token_limit), one ? "it" : "them", one ? "it" : "them"));
  }
  if (!e.price_per_mtok) {
    e.advice.push_back(options.model ? fmt::format("No built-in price for {}: pass --price-per-mtok to estimate the cost.",
                                                   *options.model)
                                     : std::string("Pass --model (or --price-per-mtok) to estimate the cost."));
  }
  if (r.tokens_estimated_total > 0) {
    e.advice.push_back(fmt::format(
        "{} tokens come from tool definitions and calls, whose exact rendering is not published: "
        "those counts are estimates.",
        group(r.tokens_estimated_total)));
  }
  return e;
}

StatsReport finish_report(const StatsAccumulator& accumulator, const StatsOptions& options) {
  return StatsReportBuilder::build(accumulator, options);
}

}  // namespace tuneprep
