// stats_bench: the per-record cost of stats on one core: facts_from_example over chat examples
// (MB/s of message text), StatsAccumulator::add, and finish_report + rendering at the end.
// Times are the thread's CPU time (best of 3 for facts), so other work on a shared machine
// inflates them as little as possible.
// Usage: build/stats_bench [EXAMPLES]   (default 200000, about 1 KB of text each)
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tuneprep/stats.hpp"

namespace {

struct Clock {
  using time_point = double;
  static double now() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
};
double seconds_since(double start) { return Clock::now() - start; }

}  // namespace

int main(int argc, char** argv) {
  using namespace tuneprep;
  const size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
  const char* words[] = {"the", "model", "answer", "data", "training", "example", "question", "because",
                         "tokens", "résumé", "naïve", "привет", "数据", "quickly", "however", "system"};
  std::vector<Example> examples(n);
  uint64_t state = 42, text_bytes = 0;
  auto next = [&state] { return state = state * 6364136223846793005ULL + 1442695040888963407ULL; };
  for (size_t i = 0; i < n; ++i) {
    Example& e = examples[i];
    auto text = [&](size_t count) {
      std::string s;
      for (size_t w = 0; w < count; ++w) {
        s += words[(next() >> 33) % 16];
        s += (w % 12 == 11) ? ". " : " ";
      }
      text_bytes += s.size();
      return s;
    };
    Message system, user, assistant;
    system.role = Role::kSystem;
    system.content = i % 3 ? "You are a helpful assistant." : text(20);
    text_bytes += i % 3 ? 28 : 0;
    user.role = Role::kUser;
    user.content = text(40 + next() % 60);
    assistant.role = Role::kAssistant;
    assistant.content = text(60 + next() % 120);
    e.messages = {system, user, assistant};
  }

  std::vector<RecordFacts> facts;
  double facts_s = 1e30;
  for (int run = 0; run < 3; ++run) {
    facts.clear();
    facts.reserve(n);
    const double start = Clock::now();
    for (const Example& e : examples) facts.push_back(facts_from_example(e));
    facts_s = std::min(facts_s, seconds_since(start));
  }

  double start = Clock::now();
  StatsAccumulator acc;
  for (size_t i = 0; i < n; ++i) {
    facts[i].tokens = TokenFacts{300 + i % 700, 100 + i % 200, 200 + i % 500, 0};
    acc.add(facts[i]);
  }
  const double add_s = seconds_since(start);

  start = Clock::now();
  StatsOptions options;
  options.model = "gpt-4o-mini";
  options.token_limit = 65536;
  const StatsReport report = finish_report(acc, options);
  const size_t out = render_json(report).size() + render_html(report).size() + render_markdown(report).size();
  const double finish_s = seconds_since(start);

  const double mb = static_cast<double>(text_bytes) / 1e6;
  std::printf("examples %zu, message text %.1f MB\n", n, mb);
  std::printf("facts_from_example  %7.3f s  %7.1f MB/s  %6.2f us/example\n", facts_s, mb / facts_s, facts_s / n * 1e6);
  std::printf("accumulator add     %7.3f s  %7.1f M examples/s\n", add_s, n / add_s / 1e6);
  std::printf("finish + 3 renders  %7.3f s  (%zu bytes)\n", finish_s, out);
  return 0;
}
