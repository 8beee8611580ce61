// validate_floor_bench: the least work any design of `validate -j1` must do on a JSONL chat file,
// stage by stage, to tell a local saving from a goal no reading of the record can reach.
// Usage: validate_floor_bench FILE [repeats=3]. Prints, for each stage, the best thread-CPU time
// of `repeats` passes over FILE and the MB/s it gives.
//
// No Record, no Example, no Normalizer: the file is read with read() into one reused 512 KiB
// buffer (as validate's batches), lines are framed with memchr and parsed in place by simdjson's
// DOM parser, and each stage adds one necessary step over the parsed strings where they lie:
//   read       read() and memchr framing
//   parse      + simdjson DOM parse of every line
//   walk+hash  + the structural walk (object, messages array, known role, string content, an
//              assistant turn) and one XXH3-128 over roles and contents (the exact-dedup key)
//   +dedup     + the exact-duplicate table (ExactDeduplicator, as validate's sink)
//   +scan      + the content prefilter (Vectorscan and the byte-class scan of
//              ContentPatterns::match: the 16 content patterns) over the record's contents joined
//              by LF, one scan per record as validate does (a scan per content string costs more:
//              0.27 against 0.15 s on the generated 268 MB, Vectorscan's cost per call)
//   +response  + the one-pass response analysis of every assistant content (repeated-text,
//              truncated-response)
// The stages leave out confirmation of prefilter hits, the semantic rules, the other content
// rules' own scans, the conflict keys and any output, so the last stage is below what validate
// with every default rule can cost whatever its design.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "checks/content_checks.hpp"
#include "checks/content_patterns.hpp"
#include "tuneprep/dedup.hpp"

using namespace tuneprep;

namespace {

enum Stage { kRead, kParse, kWalk, kDedup, kScan, kResponse, kStages };
constexpr const char* kStageNames[kStages] = {"read", "parse", "walk+hash", "+dedup", "+scan", "+response"};

double thread_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

bool known_role(std::string_view role) {
  return role == "system" || role == "user" || role == "assistant" || role == "tool";
}

// What a pass found, printed beside its time so that the stages can be seen to do their work.
struct Counts {
  uint64_t records = 0, structural_errors = 0, duplicates = 0;
  uint64_t prefilter_hits = 0, response_findings = 0;
};

// One line through the stages up to `stage`.
void check_line(Stage stage, std::string_view line, simdjson::dom::parser& parser,
                const checks::ContentPatterns& patterns, checks::ContentPatterns::Scratch& scratch,
                std::vector<int>& hits, std::string& joined, std::vector<checks::SentenceRef>& sentences,
                ExactDeduplicator& dedup, Counts& counts) {
  ++counts.records;
  simdjson::dom::element root;
  if (parser.parse(line.data(), line.size(), false).get(root) != simdjson::SUCCESS) {
    ++counts.structural_errors;
    return;
  }
  if (stage < kWalk) return;
  simdjson::dom::array messages;
  if (root["messages"].get_array().get(messages) != simdjson::SUCCESS) {
    ++counts.structural_errors;
    return;
  }
  XXH3_state_t hash;
  XXH3_128bits_reset(&hash);
  bool assistant = false;
  bool bad = false;
  for (simdjson::dom::element message : messages) {
    std::string_view role;
    std::string_view content;
    if (message["role"].get_string().get(role) != simdjson::SUCCESS || !known_role(role) ||
        message["content"].get_string().get(content) != simdjson::SUCCESS) {
      bad = true;
      continue;
    }
    const bool is_assistant = role == "assistant";
    assistant |= is_assistant;
    XXH3_128bits_update(&hash, role.data(), role.size());
    XXH3_128bits_update(&hash, content.data(), content.size());
    if (stage >= kScan) {
      joined.append(content);
      joined.push_back('\n');
    }
    if (stage >= kResponse && is_assistant) {
      const checks::ResponseShape shape = checks::analyze_response(content, sentences);
      counts.response_findings += !shape.repeated_word.empty() || !shape.repeated_sentence.empty() ||
                                  shape.unclosed_fence;
    }
  }
  if (stage >= kScan) {
    patterns.match(joined, scratch, hits);
    counts.prefilter_hits += hits.size();
    joined.clear();
  }
  counts.structural_errors += bad || !assistant;
  const XXH128_hash_t digest = XXH3_128bits_digest(&hash);
  if (stage >= kDedup) {
    SourceLocation at;
    at.line = counts.records;
    counts.duplicates += dedup.insert(Hash128{digest.low64, digest.high64}, at).has_value();
  }
}

// One pass over the file; returns the thread CPU seconds it took.
double run(Stage stage, const char* path, Counts& counts) {
  const double start = thread_seconds();
  const int fd = open(path, O_RDONLY);
  if (fd < 0) {
    std::perror(path);
    std::exit(2);
  }
  const checks::ContentPatterns& patterns = checks::ContentPatterns::instance();
  checks::ContentPatterns::Scratch scratch = patterns.make_scratch();
  std::vector<int> hits;
  std::string joined;
  std::vector<checks::SentenceRef> sentences;
  simdjson::dom::parser parser;
  ExactDeduplicator dedup;
  constexpr size_t kChunk = 512 * 1024;
  std::string buffer;  // a partial line carried over, then the chunk read; padded for simdjson
  size_t kept = 0;
  for (;;) {
    buffer.resize(std::max(buffer.size(), kept + kChunk + simdjson::SIMDJSON_PADDING));
    const ssize_t got = read(fd, buffer.data() + kept, kChunk);
    if (got < 0) {
      std::perror(path);
      std::exit(2);
    }
    const size_t end = kept + static_cast<size_t>(got);
    size_t at = 0;
    for (;;) {
      const void* newline = std::memchr(buffer.data() + at, '\n', end - at);
      if (newline == nullptr) break;
      const size_t line_end = static_cast<size_t>(static_cast<const char*>(newline) - buffer.data());
      if (stage == kRead) {
        ++counts.records;
      } else {
        check_line(stage, std::string_view(buffer.data() + at, line_end - at), parser, patterns, scratch, hits, joined,
                   sentences, dedup, counts);
      }
      at = line_end + 1;
    }
    if (got == 0) {
      if (at < end && stage != kRead) {
        check_line(stage, std::string_view(buffer.data() + at, end - at), parser, patterns, scratch, hits, joined,
                   sentences, dedup, counts);
      }
      break;
    }
    std::memmove(buffer.data(), buffer.data() + at, end - at);
    kept = end - at;
  }
  close(fd);
  return thread_seconds() - start;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: validate_floor_bench FILE [repeats=3]\n");
    return 2;
  }
  const char* path = argv[1];
  const int repeats = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
  FILE* file = std::fopen(path, "rb");
  if (file == nullptr) {
    std::perror(path);
    return 2;
  }
  std::fseek(file, 0, SEEK_END);
  const double megabytes = static_cast<double>(std::ftell(file)) / 1e6;
  std::fclose(file);
  std::printf("%-11s %9s %9s  %s\n", "stage", "cpu s", "MB/s", "records / structural errors / duplicates / prefilter hits / response findings");
  for (int stage = 0; stage < kStages; ++stage) {
    double best = 1e30;
    Counts counts;
    for (int r = 0; r < repeats; ++r) {
      counts = Counts{};
      best = std::min(best, run(static_cast<Stage>(stage), path, counts));
    }
    std::printf("%-11s %9.3f %9.1f  %llu / %llu / %llu / %llu / %llu\n", kStageNames[stage], best, megabytes / best,
                static_cast<unsigned long long>(counts.records),
                static_cast<unsigned long long>(counts.structural_errors),
                static_cast<unsigned long long>(counts.duplicates),
                static_cast<unsigned long long>(counts.prefilter_hits),
                static_cast<unsigned long long>(counts.response_findings));
  }
  return 0;
}
