// Tests of the stats module: facts, nearest-rank percentiles, histograms, the training estimate,
// merge determinism and the four renderers (golden JSON and Markdown in tests/data/stats/).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "stats_fixture.hpp"
#include "tuneprep/stats.hpp"

using namespace tuneprep;
using stats_fixture::msg;

namespace {

StatsReport report_of(const std::vector<RecordFacts>& facts, const StatsOptions& options) {
  StatsAccumulator acc;
  for (const RecordFacts& f : facts) acc.add(f);
  return finish_report(acc, options);
}

StatsReport small_report() { return report_of(stats_fixture::small_dataset(), stats_fixture::small_options()); }

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Compares with a golden file; TUNEPREP_UPDATE_GOLDEN=1 rewrites it (then review the diff).
void check_golden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(TUNEPREP_TEST_DATA) + "/stats/" + name;
  if (std::getenv("TUNEPREP_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << actual;
  }
  const std::string expected = read_file(path);
  INFO("golden file " << path);
  REQUIRE(!expected.empty());
  CHECK(actual == expected);
}

std::vector<uint32_t> one_to(uint32_t n) {
  std::vector<uint32_t> v;
  for (uint32_t i = 1; i <= n; ++i) v.push_back(i);
  return v;
}

}  // namespace

TEST_CASE("Nearest-rank percentile is the value at rank ceil(p/100 * N)") {
  const std::vector<uint32_t> twenty = one_to(20);
  CHECK(nearest_rank(twenty, 0) == 1);
  CHECK(nearest_rank(twenty, 5) == 1);    // ceil(1.0) = 1
  CHECK(nearest_rank(twenty, 50) == 10);  // ceil(10.0) = 10
  CHECK(nearest_rank(twenty, 95) == 19);  // ceil(19.0) = 19, no floating-point drift to 20
  CHECK(nearest_rank(twenty, 99) == 20);  // ceil(19.8) = 20
  CHECK(nearest_rank(twenty, 100) == 20);
  const std::vector<uint32_t> three = {10, 20, 30};
  CHECK(nearest_rank(three, 5) == 10);   // ceil(0.15) = 1
  CHECK(nearest_rank(three, 50) == 20);  // ceil(1.5) = 2
  CHECK(nearest_rank(three, 95) == 30);  // ceil(2.85) = 3
  CHECK(nearest_rank(std::vector<uint32_t>{7}, 50) == 7);
}

TEST_CASE("Distribution of unsorted values reports min, mean, percentiles and max") {
  std::vector<uint32_t> values = {30, 25, 40, 35, 28, 22, 120, 18, 50, 5000};
  const Distribution d = describe(values);
  CHECK(d.count == 10);
  CHECK(d.sum == 5368);
  CHECK(d.min == 18);
  CHECK(d.p5 == 18);
  CHECK(d.p50 == 30);
  CHECK(d.p95 == 5000);
  CHECK(d.p99 == 5000);
  CHECK(d.max == 5000);
  CHECK(d.mean == Approx(536.8));
}

TEST_CASE("Default epochs follow the OpenAI cookbook heuristic") {
  CHECK(default_epochs(1) == 25);      // min(25, 100 // 1)
  CHECK(default_epochs(4) == 25);      // min(25, 25)
  CHECK(default_epochs(5) == 20);      // 100 // 5
  CHECK(default_epochs(10) == 10);
  CHECK(default_epochs(33) == 3);      // 99 < 100: 100 // 33 = 3
  CHECK(default_epochs(34) == 3);      // 102 >= 100: the target
  CHECK(default_epochs(8333) == 3);    // 24,999 <= 25,000
  CHECK(default_epochs(8334) == 2);    // 25,002 > 25,000: 25000 // 8334
  CHECK(default_epochs(12500) == 2);
  CHECK(default_epochs(12501) == 1);
  CHECK(default_epochs(1000000) == 1); // max(1, 0)
}

TEST_CASE("Built-in price matches the longest model prefix at a name boundary") {
  CHECK(builtin_training_price("gpt-4o-mini-2024-07-18") == Approx(3.0));
  CHECK(builtin_training_price("gpt-4o-2024-08-06") == Approx(25.0));
  CHECK(builtin_training_price("gpt-4.1-nano") == Approx(1.5));
  CHECK(builtin_training_price("ft:gpt-4o-mini:acme::abc123") == Approx(3.0));
  CHECK_FALSE(builtin_training_price("gpt-4omni").has_value());
  CHECK_FALSE(builtin_training_price("llama-3-8b").has_value());
}

TEST_CASE("Code points count every byte that is not a continuation byte") {
  CHECK(count_code_points("") == 0);
  CHECK(count_code_points("abc") == 3);
  CHECK(count_code_points("猫 māo") == 5);
  CHECK(count_code_points("a\xff\xfe" "b") == 4);
  CHECK(count_code_points("\xe7\x8c") == 1);  // a truncated sequence counts once
}

TEST_CASE("Answer opening lowercases, trims punctuation and folds curly apostrophes") {
  CHECK(answer_opening("Sure! Here's a plan:", 3) == "sure here's a");
  CHECK(answer_opening("I’m sorry, but I can’t.", 3) == "i'm sorry but");
  CHECK(answer_opening("  **Answer:**   yes", 3) == "answer yes");
  CHECK(answer_opening("...", 3) == "");
  CHECK(answer_opening("One", 3) == "one");
}

TEST_CASE("Refusal boilerplate is found in the first 200 bytes only") {
  CHECK(is_refusal("As an AI language model, I cannot browse."));
  CHECK(is_refusal("I’m sorry, but I can’t help with that."));
  CHECK_FALSE(is_refusal("I cannot be sure, but the answer is probably 4."));
  for (const char* refusal : {"As a language model, I have no views.", "Sure. I apologize, but I can't do that.",
                              "I won't be able to help here.", "Well, I must decline.", "I am unable to help.",
                              "I'm unable to help", "i can't comply", "As an AI assistant, I think so.",
                              "(I cannot fulfill that)", "Hmm — I'm not able to provide it."}) {
    INFO(refusal);
    CHECK(is_refusal(refusal));
  }
  CHECK_FALSE(is_refusal("As the assistant, I think I will ask an AI model as a last resort."));
  // Every position of the 200-byte window counts, whatever its offset in the 8-byte blocks.
  for (size_t pad = 0; pad < 180; ++pad) {  // the phrase still ends inside the window
    INFO(pad);
    CHECK(is_refusal(std::string(pad, '.') + "I can't help with that"));
    CHECK(is_refusal(std::string(pad, ' ') + "AS AN AI MODEL"));
  }
  CHECK_FALSE(is_refusal(std::string(195, '.') + "I can't help"));  // starts inside, ends past byte 200
  CHECK_FALSE(is_refusal(std::string(300, 'x') + " as an AI language model"));
}

// The definition is_refusal's prefilter must agree with: a phrase of the list at any word start
// (no ASCII letter before it) of the first 200 bytes, compared case-folded with ’ read as '.
bool refusal_by_definition(std::string_view answer) {
  static const char* const phrases[] = {
      "as an ai language model",  "as a language model",     "as an ai model",     "as an ai assistant, i",
      "i'm sorry, but i can",     "i am sorry, but i can",   "i'm sorry, i can't", "i'm sorry, but as an ai",
      "i apologize, but i can",   "i cannot help with",      "i can't help with",  "i cannot assist with",
      "i can't assist with",      "i'm unable to help",      "i am unable to help", "i'm not able to help",
      "i cannot fulfill",         "i can't fulfill",         "i won't be able to help", "i must decline",
      "i'm not able to provide",  "i cannot comply",         "i can't comply"};
  size_t end = std::min<size_t>(answer.size(), 200);
  while (end > 0 && end < answer.size() && (static_cast<unsigned char>(answer[end]) & 0xC0) == 0x80) --end;
  const std::string_view head = answer.substr(0, end);
  for (size_t i = 0; i < head.size(); ++i) {
    if (i > 0 && std::isalpha(static_cast<unsigned char>(head[i - 1]))) continue;
    std::string folded;
    for (size_t k = i; k < head.size(); ++k) {
      if (head.substr(k, 3) == "\xE2\x80\x99") {
        folded += '\'';
        k += 2;
      } else {
        folded += static_cast<char>(std::tolower(static_cast<unsigned char>(head[k])));
      }
    }
    for (const char* phrase : phrases) {
      if (std::string_view(folded).starts_with(phrase)) return true;
    }
  }
  return false;
}

TEST_CASE("The refusal prefilter finds exactly what the phrase list defines (random texts)") {
  // Pieces that make near misses likely: the phrases' words, their capitals, apostrophes, letters
  // glued before "i", bytes of other scripts, and every offset inside the 16-byte blocks.
  const std::vector<std::string> pieces = {
      "I", "i", "as", "As", "a", "A", " ", " ", " ", "'", "\xE2\x80\x99", "\xE2", "m", "am", "an", "ai", "AI",
      "sorry,", "but", "can", "can't", "cannot", "help", "with", "won't", "must", "decline", "apologize,",
      "language", "model", "x", "\xC3\xA9", ".", ",", "unable", "to", "not", "able", "provide", "comply", "fulfill",
      "assistant,", "be", std::string(1, '\0'), " I can't help with", "I’m sorry, but I can", " As an AI model",
      " as a language model", "I must decline", " i cannot comply", "I'm not able to", " As an AI assistant, I"};
  std::srand(7);
  int found = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const int count = std::rand() % 80;
    for (int k = 0; k < count; ++k) text += pieces[static_cast<size_t>(std::rand()) % pieces.size()];
    INFO(text);
    const bool expected = refusal_by_definition(text);
    found += expected;
    REQUIRE(is_refusal(text) == expected);
  }
  CHECK(found > 50);  // the generator does produce refusals
}

TEST_CASE("Latin letters are counted alike by the 16-byte, 8-byte and byte paths (random texts)") {
  std::srand(11);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    uint64_t letters = 0;
    const int length = std::rand() % 90;
    for (int k = 0; k < length; ++k) {
      const int pick = std::rand() % 40;
      if (pick == 0) {
        text += "\xC3\xA9";  // é: Latin, not ASCII
        ++letters;
      } else {
        const char c = static_cast<char>(0x20 + std::rand() % 95);
        text += c;
        letters += std::isalpha(static_cast<unsigned char>(c)) != 0;
      }
    }
    INFO(text);
    const std::vector<ScriptChars> scripts = scripts_of(text);
    const uint64_t latin = scripts.empty() ? 0 : scripts.front().chars;
    CHECK(latin == letters);
    CHECK(scripts.size() <= 1);
  }
}

TEST_CASE("Scripts count letters per Unicode script, most letters first") {
  const std::vector<ScriptChars> s = scripts_of("Hello мир, 猫! 123");
  REQUIRE(s.size() == 3);
  CHECK(s[0].script == "Latin");
  CHECK(s[0].chars == 5);
  CHECK(s[1].script == "Cyrillic");
  CHECK(s[1].chars == 3);
  CHECK(s[2].script == "Han");
  CHECK(s[2].chars == 1);
  CHECK(scripts_of("123 !? \xff").empty());
}

TEST_CASE("Facts of a chat count trained turns and skip weight-0 answers for quality") {
  Example e = stats_fixture::chat({msg(Role::kSystem, "Be brief."), msg(Role::kUser, "Hi"),
                                   msg(Role::kAssistant, "As an AI language model, I cannot.", 0),
                                   msg(Role::kUser, "Ok?"), msg(Role::kAssistant, "Yes."),
                                   msg(Role::kUser, "And?"), msg(Role::kAssistant, " \n")});
  Message call;
  call.role = Role::kAssistant;
  call.tool_calls_json = R"([{"id":"c1"}])";
  e.messages.push_back(call);
  const RecordFacts f = facts_from_example(e);
  CHECK(f.messages.size() == 8);
  CHECK(f.messages[0].chars == 9);
  CHECK(f.turns == 3);          // "Yes.", the blank answer, the tool call
  CHECK(f.answers == 2);        // the tool-call-only turn has no text to judge
  CHECK(f.empty_answers == 1);
  CHECK(f.short_answers == 1);  // "Yes."
  CHECK(f.refusals == 0);       // the refusal is weighted 0: not trained
  CHECK(f.answer_openings == std::vector<std::string>{"yes"});
  CHECK(f.has_system_prompt);
  CHECK(f.system_prompt_head == "Be brief.");
  CHECK(f.system_prompt_chars == 9);
}

TEST_CASE("Facts of a preference pair judge only the preferred answer") {
  Example e;
  e.kind = ExampleKind::kPreference;
  e.messages = {msg(Role::kUser, "Q")};
  e.preferred = {msg(Role::kAssistant, "A full and helpful answer here.")};
  e.non_preferred = {msg(Role::kAssistant, "I can't help with that.")};
  const RecordFacts f = facts_from_example(e);
  CHECK(f.messages.size() == 3);
  CHECK(f.turns == 1);
  CHECK(f.answers == 1);
  CHECK(f.refusals == 0);
}

TEST_CASE("Small fixture figures match hand-computed values") {
  const StatsReport r = small_report();
  CHECK(r.records == 14);
  CHECK(r.valid == 12);
  CHECK(r.rejected == 2);
  CHECK(r.examples == 10);
  REQUIRE(r.files.size() == 2);
  CHECK(r.files[0].records == 11);
  CHECK(r.files[0].rejected == 2);
  CHECK(r.files[1].records == 3);
  REQUIRE(r.formats.size() == 4);
  CHECK(r.formats[0] == std::pair<std::string, uint64_t>{"openai-chat", 11});
  CHECK(r.formats[3] == std::pair<std::string, uint64_t>{"unrecognised", 1});
  REQUIRE(r.rejections.size() == 3);
  CHECK(r.rejections[0].rule == "json-syntax");
  REQUIRE(r.warnings.size() == 3);
  CHECK(r.warnings[0].rule == "pii-email");
  CHECK(r.warnings[0].records == 2);
  CHECK(r.exact_duplicates == 1);
  CHECK(r.near_duplicates == 1);
  CHECK(r.conflicts == 1);
  CHECK(r.duplicate_rate == Approx(2.0 / 12));

  CHECK(r.tokens_total == 5368);
  CHECK(r.tokens_prompt_total == 5107);
  CHECK(r.tokens_assistant_total == 261);
  CHECK(r.tokens_per_example.p50 == 30);
  CHECK(r.assistant_tokens_per_example.max == 100);
  REQUIRE(r.examples_over_limit.has_value());
  CHECK(*r.examples_over_limit == 1);
  // max 5,000 is p99 (10 values): no tail bin; width nice(ceil(5020/20)=251) = 500; 11 bins.
  CHECK(r.tokens_histogram.bin_width == 500);
  REQUIRE(r.tokens_histogram.bins.size() == 11);
  CHECK(r.tokens_histogram.bins[0].count == 9);
  CHECK(r.tokens_histogram.bins[10].from == 5000);
  CHECK(r.tokens_histogram.bins[10].count == 1);

  CHECK(r.messages_histogram == std::vector<std::pair<uint32_t, uint64_t>>{{2, 3}, {3, 5}, {4, 1}, {7, 1}});
  CHECK(r.messages_per_example.mean == Approx(3.2));
  CHECK(r.messages_per_example.p50 == 3);
  CHECK(r.turns_per_example.mean == Approx(1.2));
  CHECK(r.roles[0].messages == 5);   // system
  CHECK(r.roles[1].messages == 13);  // user
  CHECK(r.roles[2].messages == 14);  // assistant (incl. the non-preferred answer)

  CHECK(r.with_system_prompt == 5);
  CHECK(r.distinct_system_prompts == 2);
  REQUIRE(r.top_system_prompts.size() == 2);
  CHECK(r.top_system_prompts[0].text == "You are a helpful assistant.");
  CHECK(r.top_system_prompts[0].count == 3);
  CHECK(r.top_system_prompts[0].share == Approx(0.3));

  CHECK(r.answers == 12);
  CHECK(r.empty_answers == 1);
  CHECK(r.short_answers == 2);  // "Bonjour !", "Paris."
  CHECK(r.refusals == 1);
  REQUIRE(r.top_openings.size() == 1);  // only repeated openings are listed
  CHECK(r.top_openings[0].text == "arr hello matey");
  CHECK(r.top_openings[0].count == 3);
  CHECK(r.top_openings[0].share == Approx(3.0 / 11));
  REQUIRE(r.scripts.size() == 3);
  CHECK(r.scripts[0].script == "Latin");
  CHECK(r.scripts[1].script == "Cyrillic");
  CHECK(r.scripts[1].chars == 32);  // Привет как дела (13) + Хорошо спасибо А у тебя (19)
  CHECK(r.scripts[1].examples == 1);
  CHECK(r.scripts[2].script == "Han");
  CHECK(r.scripts[2].chars == 1);
}

TEST_CASE("Training estimate caps examples at the limit and applies the epoch heuristic") {
  const StatsReport r = small_report();
  REQUIRE(r.estimate.has_value());
  const TrainingEstimate& e = *r.estimate;
  CHECK(e.model == std::optional<std::string>("gpt-4o-mini"));
  CHECK(e.examples == 10);
  CHECK(e.epochs == 10);  // 10 * 3 < 100: min(25, 100 // 10)
  CHECK_FALSE(e.epochs_given);
  CHECK(e.billable_tokens_per_epoch == 4464);  // 5,368 - 5,000 + 4,096
  CHECK(e.total_training_tokens == 44640);
  REQUIRE(e.price_per_mtok.has_value());
  CHECK(*e.price_per_mtok == Approx(3.0));
  REQUIRE(e.cost_usd.has_value());
  CHECK(*e.cost_usd == Approx(0.13392));
  CHECK(e.overfitting_risk == OverfittingRisk::kHigh);
  CHECK(e.suggested_validation_examples == 0);
}

TEST_CASE("Given epochs and price override the heuristic and the table") {
  StatsOptions options = stats_fixture::small_options();
  options.epochs = 2;
  options.price_per_mtok = 10.0;
  options.token_limit.reset();
  const StatsReport r = report_of(stats_fixture::small_dataset(), options);
  REQUIRE(r.estimate.has_value());
  CHECK(r.estimate->epochs == 2);
  CHECK(r.estimate->epochs_given);
  CHECK(r.estimate->billable_tokens_per_epoch == 5368);  // no limit: nothing capped
  CHECK(r.estimate->total_training_tokens == 10736);
  CHECK(*r.estimate->cost_usd == Approx(0.10736));
  CHECK(r.estimate->price_source == "given");
  CHECK(r.estimate->overfitting_risk == OverfittingRisk::kLow);
  CHECK_FALSE(r.examples_over_limit.has_value());
}

TEST_CASE("Validation advice holds out 10 percent, at most 1,000") {
  StatsOptions options;
  options.model = "unknown-model";
  const StatsReport r = report_of(stats_fixture::synthetic_dataset(3000, 7), options);
  REQUIRE(r.estimate.has_value());
  CHECK(r.estimate->suggested_validation_examples == r.estimate->examples / 10);
  CHECK_FALSE(r.estimate->cost_usd.has_value());
  CHECK(r.estimate->advice.back().find("No built-in price for unknown-model") != std::string::npos);
}

TEST_CASE("Validation examples are measured but left out of the training estimate") {
  std::vector<RecordFacts> facts = stats_fixture::small_dataset();
  const StatsReport all = report_of(facts, stats_fixture::small_options());
  // Hold out the measured examples with the most tokens: the estimate drops exactly their share.
  uint64_t held_out = 0;
  uint64_t held_out_billable = 0;
  for (RecordFacts& f : facts) {
    if (f.rejected || f.duplicate != DuplicateKind::kNone || !f.tokens || held_out == 2) continue;
    f.validation = true;
    ++held_out;
    held_out_billable += std::min<uint64_t>(f.tokens->total, 4096);  // small_options: limit 4,096
  }
  REQUIRE(held_out == 2);
  const StatsReport split = report_of(facts, stats_fixture::small_options());
  CHECK(split.examples == all.examples);  // still measured
  CHECK(split.tokens_total == all.tokens_total);
  CHECK(split.validation_examples == 2);
  REQUIRE(split.estimate.has_value());
  CHECK(split.estimate->examples == all.estimate->examples - 2);
  CHECK(split.estimate->billable_tokens_per_epoch == all.estimate->billable_tokens_per_epoch - held_out_billable);
  bool names_validation_set = false;
  for (const std::string& line : split.estimate->advice) {
    names_validation_set |= line.find("validation set holds 2 examples") != std::string::npos;
  }
  CHECK(names_validation_set);
}

TEST_CASE("A long tail goes into one overflow bin past p99") {
  std::vector<RecordFacts> facts;
  for (uint32_t v = 1; v <= 99; ++v) {
    RecordFacts f;
    f.tokens = TokenFacts{v, v, 0, 0};
    facts.push_back(f);
  }
  RecordFacts big;
  big.tokens = TokenFacts{10000, 10000, 0, 0};
  facts.push_back(big);
  const StatsReport r = report_of(facts, {});
  // p99 = 99, max 10,000 > 2 * 99: bins of nice(ceil(119/20) = 5) = 5 over 0..99, then >= 100.
  CHECK(r.tokens_per_example.p99 == 99);
  CHECK(r.tokens_histogram.bin_width == 5);
  REQUIRE(r.tokens_histogram.bins.size() == 21);
  CHECK(r.tokens_histogram.bins[0].count == 4);  // 1..4
  CHECK(r.tokens_histogram.bins[1].count == 5);  // 5..9
  CHECK(r.tokens_histogram.bins[19].to == 99);
  CHECK(r.tokens_histogram.bins[20].overflow);
  CHECK(r.tokens_histogram.bins[20].from == 100);
  CHECK(r.tokens_histogram.bins[20].to == 10000);
  CHECK(r.tokens_histogram.bins[20].count == 1);
}

TEST_CASE("Merging per-chunk accumulators in order equals one accumulator") {
  const std::vector<RecordFacts> facts = stats_fixture::synthetic_dataset(3000, 11);
  StatsOptions options = stats_fixture::small_options();
  const std::string whole = render_json(report_of(facts, options));

  std::vector<StatsAccumulator> chunks(4);
  const size_t cuts[] = {0, 700, 701, 2500, facts.size()};
  for (size_t c = 0; c < 4; ++c) {
    for (size_t i = cuts[c]; i < cuts[c + 1]; ++i) chunks[c].add(facts[i]);
  }
  StatsAccumulator left = chunks[0];
  for (size_t c = 1; c < 4; ++c) left.merge(chunks[c]);
  CHECK(render_json(finish_report(left, options)) == whole);

  // Associativity: ((0 1) (2 3)) gives the same as (((0 1) 2) 3).
  StatsAccumulator a = chunks[0], b = chunks[2];
  a.merge(chunks[1]);
  b.merge(chunks[3]);
  a.merge(b);
  CHECK(render_json(finish_report(a, options)) == whole);
}

TEST_CASE("Ties in top-N tables keep first-seen order") {
  std::vector<RecordFacts> facts;
  for (const char* opening : {"zeta one", "alpha two", "zeta one", "alpha two"}) {
    RecordFacts f;
    f.answer_openings = {opening};
    facts.push_back(f);
  }
  const StatsReport r = report_of(facts, {});
  REQUIRE(r.top_openings.size() == 2);
  CHECK(r.top_openings[0].text == "zeta one");
  CHECK(r.top_openings[1].text == "alpha two");
}

TEST_CASE("An empty accumulator renders every format with null token figures") {
  const StatsReport r = finish_report(StatsAccumulator{}, {});
  CHECK(r.records == 0);
  CHECK_FALSE(r.estimate.has_value());
  const std::string json = render_json(r);
  CHECK(json.find("\"total\": null") != std::string::npos);
  CHECK(json.find("\"billable_tokens_per_epoch\": null") != std::string::npos);
  CHECK_FALSE(render_terminal(r).empty());
  CHECK_FALSE(render_markdown(r).empty());
  CHECK(render_html(r).find("</html>") != std::string::npos);
  CHECK_FALSE(render_json_compare(r, r).empty());
}

TEST_CASE("JSON report matches the golden file") { check_golden("small.json", render_json(small_report())); }

TEST_CASE("Markdown report matches the golden file") { check_golden("small.md", render_markdown(small_report())); }

TEST_CASE("Markdown compare matches the golden file") {
  std::vector<RecordFacts> first = stats_fixture::small_dataset();
  first.resize(9);
  StatsOptions options = stats_fixture::small_options();
  options.title = "first nine";
  const StatsReport a = report_of(first, options);
  check_golden("compare.md", render_markdown_compare(a, small_report()));
}

TEST_CASE("JSON compare flags changes of 10 percent or more") {
  std::vector<RecordFacts> first = stats_fixture::small_dataset();
  first.resize(9);
  const StatsReport a = report_of(first, stats_fixture::small_options());
  const std::string json = render_json_compare(a, small_report());
  // records 9 -> 14: +5, relative 0.5556, notable.
  CHECK(json.find(R"("figure": "records",
      "label": "Records",
      "a": 9,
      "b": 14,
      "delta": 5.0,
      "relative": 0.5556,
      "notable": true)") != std::string::npos);
}

TEST_CASE("Terminal report fits 80 columns and colours only when asked") {
  const StatsReport r = small_report();
  const std::string plain = render_terminal(r);
  CHECK(plain.find('\x1b') == std::string::npos);
  std::istringstream lines(plain);
  for (std::string line; std::getline(lines, line);) {
    size_t cols = 0;
    for (char c : line) cols += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    INFO(line);
    CHECK(cols <= 80);
  }
  CHECK(plain.find("  total          18  18   30  536.8  5,000  5,000  5,000") != std::string::npos);
  CHECK(render_terminal(r, TerminalOptions{true, 80}).find("\x1b[1m") != std::string::npos);
  const std::string compare = render_terminal_compare(r, r);
  CHECK(compare.find("◆ changed") != std::string::npos);
  CHECK(compare.find("Records") != std::string::npos);
}

namespace {

// Checks that non-void elements nest and close properly; returns the first problem or "".
std::string check_nesting(const std::string& html) {
  static const std::vector<std::string> kVoid = {"meta", "br", "hr", "img", "input", "link", "rect", "line", "path"};
  std::vector<std::string> stack;
  size_t i = 0;
  while ((i = html.find('<', i)) != std::string::npos) {
    if (html.compare(i, 4, "<!--") == 0 || html.compare(i, 2, "<!") == 0) {
      i = html.find('>', i);
      continue;
    }
    const size_t end = html.find('>', i);
    if (end == std::string::npos) return "unterminated tag";
    std::string tag = html.substr(i + 1, end - i - 1);
    i = end + 1;
    const bool closing = !tag.empty() && tag[0] == '/';
    const bool self_closing = !tag.empty() && tag.back() == '/';
    if (closing) tag.erase(0, 1);
    const std::string name = tag.substr(0, tag.find_first_of(" /"));
    if (!closing && name == "style") {  // skip the stylesheet body
      i = html.find("</style>", i);
      stack.push_back(name);
      continue;
    }
    if (self_closing) continue;
    if (closing) {
      if (stack.empty() || stack.back() != name) return "unexpected </" + name + ">";
      stack.pop_back();
    } else if (std::find(kVoid.begin(), kVoid.end(), name) == kVoid.end() || name == "rect" || name == "line") {
      // rect/line have <title> children in the histogram, so they are closed explicitly there.
      stack.push_back(name);
    }
  }
  return stack.empty() ? "" : "unclosed <" + stack.back() + ">";
}

}  // namespace

TEST_CASE("HTML report is one well-formed self-contained page") {
  StatsOptions options = stats_fixture::small_options();
  options.title = "<script>alert(1)</script> & more";
  const std::string html = render_html(report_of(stats_fixture::small_dataset(), options));
  CHECK(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0) == 0);
  CHECK(check_nesting(html) == "");
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more") != std::string::npos);
  for (const char* external : {"http://", "https://", "src=", "@import", "url(", "<link"}) {
    INFO(external);
    CHECK(html.find(external) == std::string::npos);
  }
  CHECK(html.find("@media print") != std::string::npos);
  CHECK(html.find("name=\"viewport\"") != std::string::npos);
  CHECK(html.find(R"(data-figure="records">14<)") != std::string::npos);
  CHECK(html.find(R"(data-figure="tokens.total">5,368<)") != std::string::npos);
  CHECK(html.find(R"(data-figure="estimate.total_training_tokens">44,640<)") != std::string::npos);
  CHECK(html.find("<svg class=\"hist\"") != std::string::npos);

  const std::string compare = render_html_compare(small_report(), report_of(stats_fixture::synthetic_dataset(50, 3), {}));
  CHECK(check_nesting(compare) == "");
  CHECK(compare.find("class=\"notable\"") != std::string::npos);
}

TEST_CASE("Facts of arbitrary bytes never read out of bounds") {
  uint64_t state = 12345;
  auto next = [&state] { return state = state * 6364136223846793005ULL + 1442695040888963407ULL; };
  for (int round = 0; round < 200; ++round) {
    std::string bytes(next() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(next() >> 56);
    Example e = stats_fixture::chat({msg(Role::kSystem, bytes), msg(Role::kUser, bytes), msg(Role::kAssistant, bytes)});
    const RecordFacts f = facts_from_example(e);
    CHECK(f.messages.size() == 3);
    CHECK(f.system_prompt_head.size() <= bytes.size());
    for (const std::string& opening : f.answer_openings) CHECK(opening.size() <= 64);
  }
}

TEST_CASE("reset_facts gives a record's facts back as new, keeping their buffers") {
  RecordFacts facts;
  facts.file_index = 3;
  facts.format = SourceFormat::kOpenAiChat;
  facts.rejected = true;
  facts.reject_rules = {"json-syntax"};
  facts.warning_rules = {"pii-email"};
  facts.duplicate = DuplicateKind::kExact;
  facts.conflict = true;
  facts.validation = true;
  facts.messages = {MessageFacts{Role::kAssistant, 12}};
  facts.turns = 2;
  facts.has_system_prompt = true;
  facts.system_prompt_hash = 99;
  facts.system_prompt_chars = 40;
  facts.system_prompt_head = "You are a helpful assistant who answers in full sentences.";
  facts.tokens = TokenFacts{10, 4, 6, 1};
  facts.answers = 2;
  facts.empty_answers = 1;
  facts.short_answers = 1;
  facts.refusals = 1;
  facts.answer_openings = {"i am sorry"};
  facts.answer_opening_hashes = {7};
  facts.scripts = {ScriptChars{"Latin", 30}};
  const size_t head_capacity = facts.system_prompt_head.capacity();
  reset_facts(facts);
  CHECK(facts == RecordFacts{});
  CHECK(facts.system_prompt_head.capacity() == head_capacity);
  CHECK(facts.messages.capacity() >= 1);
}
