// readers_bench: framing throughput of the readers on a generated or given file.
//   readers_bench generate FILE MB [jsonl|json|csv]   writes a synthetic chat dataset of about MB MiB
//   readers_bench read FILE [repeats]                 times open_reader over the file (read + sha256 + framing)
//   readers_bench read-nohash FILE [repeats]          the same without sha256
//   readers_bench frame FILE [repeats]                times framing alone, from memory, without hashing
// Prints one line per run: wall and CPU seconds with MB/s (decimal), records, framing errors.
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>

#include "tuneprep/readers.hpp"

using namespace tuneprep;

namespace {

// A source over bytes in memory that does no hashing, to time the framing alone.
class UnhashedMemorySource final : public ByteSource {
 public:
  explicit UnhashedMemorySource(std::string_view bytes) : bytes_(bytes) {}
  size_t read(char* buffer, size_t capacity, std::optional<IoError>&) override {
    const size_t n = std::min(capacity, bytes_.size() - position_);
    std::memcpy(buffer, bytes_.data() + position_, n);
    position_ += n;
    return n;
  }
  uint64_t raw_bytes_consumed() const override { return position_; }
  std::string raw_sha256() const override { return {}; }

 private:
  std::string_view bytes_;
  size_t position_ = 0;
};

std::string words(std::mt19937_64& rng, size_t bytes) {
  static const char* const kWords[] = {"the", "model", "answer", "question", "data", "token", "train", "split",
                                       "a",   "of",    "to",     "is",       "in",   "café", "naïve", "\\\"q\\\""};
  std::string out;
  while (out.size() < bytes) {
    if (!out.empty()) out += ' ';
    out += kWords[rng() % 16];
  }
  return out;
}

int generate(const char* path, size_t megabytes, const std::string& format) {
  std::mt19937_64 rng(42);
  std::ofstream out(path, std::ios::binary);
  const size_t target = megabytes << 20;
  size_t written = 0, records = 0;
  if (format == "json") out << "[\n";
  if (format == "csv") out << "system,prompt,response\n";
  while (written < target) {
    const std::string user = words(rng, 50 + rng() % 400), assistant = words(rng, 100 + rng() % 1500);
    std::string line;
    if (format == "csv") {
      line = "You are helpful.,\"" + user + "\",\"" + assistant + "\"\n";
    } else {
      line = std::string(format == "json" && records > 0 ? ",\n" : "") +
             "{\"messages\":[{\"role\":\"system\",\"content\":\"You are helpful.\"},{\"role\":\"user\",\"content\":\"" +
             user + "\"},{\"role\":\"assistant\",\"content\":\"" + assistant + "\"}]}" + (format == "json" ? "" : "\n");
    }
    out << line;
    written += line.size();
    ++records;
  }
  if (format == "json") out << "\n]\n";
  std::printf("wrote %zu records, %zu bytes to %s\n", records, written, path);
  return 0;
}

int run(const char* path, bool from_memory, bool hash, int repeats) {
  std::string content;
  if (from_memory) {
    std::ifstream in(path, std::ios::binary);
    content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ExpandResult expanded = expand_inputs({path});
  if (expanded.error) {
    std::fprintf(stderr, "%s\n", expanded.error->message.c_str());
    return 2;
  }
  const InputFile& file = expanded.files.at(0);
  ReaderOptions options;
  options.compute_sha256 = hash;
  for (int run = 0; run < repeats; ++run) {
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpu_start = std::clock();
    ReaderResult opened = from_memory ? open_reader(std::make_unique<UnhashedMemorySource>(content), file.path,
                                                    file.format, file.format_from_content, 0, ReaderOptions{})
                                      : open_reader(file, 0, options);
    if (opened.error) {
      std::fprintf(stderr, "%s\n", opened.error->message.c_str());
      return 2;
    }
    RecordBatch batch;
    std::optional<IoError> error;
    uint64_t records = 0, text_bytes = 0, errors = 0;
    while (opened.reader->next_batch(batch, error)) {
      records += batch.records.size();
      for (const Record& r : batch.records) {
        text_bytes += r.text.size();
        errors += r.framing_error.has_value();
      }
    }
    if (error) {
      std::fprintf(stderr, "%s\n", error->message.c_str());
      return 2;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // CPU time as well: on a shared machine it is the steadier measure of single-thread cost.
    const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    const double megabytes = static_cast<double>(from_memory ? content.size() : opened.reader->raw_bytes_consumed()) / 1e6;
    std::printf("%s %s: %.3f s wall, %.0f MB/s; %.3f s CPU, %.0f MB/s; %llu records, %llu framing errors, %llu text bytes\n",
                from_memory ? "frame" : hash ? "read" : "read-nohash", path, seconds, megabytes / seconds, cpu_seconds,
                megabytes / cpu_seconds,
                static_cast<unsigned long long>(records), static_cast<unsigned long long>(errors),
                static_cast<unsigned long long>(text_bytes));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "generate" && argc >= 4) return generate(argv[2], std::stoul(argv[3]), argc > 4 ? argv[4] : "jsonl");
  if ((command == "read" || command == "read-nohash" || command == "frame") && argc >= 3) {
    return run(argv[2], command == "frame", command == "read", argc > 3 ? std::stoi(argv[3]) : 3);
  }
  std::fprintf(stderr, "usage: readers_bench generate FILE MB [jsonl|json|csv] | read|read-nohash|frame FILE [repeats]\n");
  return 2;
}
