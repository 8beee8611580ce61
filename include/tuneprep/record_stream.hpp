// record_stream: the engine under every command that reads records: serial in-order reading,
// a parallel per-batch transform, and a serial in-order sink (oneTBB parallel_pipeline). The sink
// sees records in input order whatever the thread count, so outputs are deterministic.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_pipeline.h>

#include "tuneprep/io.hpp"
#include "tuneprep/readers.hpp"

namespace tuneprep {

// Progress as records are read (called from the reading stage at most every ~100 ms).
struct StreamProgress {
  uint64_t bytes_read = 0;   // raw input bytes consumed so far
  uint64_t bytes_total = 0;  // sum of known input sizes (0 when unknown, e.g. stdin)
  uint64_t records = 0;
  double seconds = 0;
};
using StreamProgressCallback = std::function<void(const StreamProgress&)>;

struct StreamOptions {
  ReaderOptions reader;
  unsigned jobs = 0;  // 0 = all cores
  StreamProgressCallback progress;
};

// What was read from each input: filled as each input reaches its end.
struct StreamedInput {
  std::string sha256;
  uint64_t bytes = 0;
  uint64_t records = 0;
};

inline unsigned resolve_jobs(unsigned jobs) {
  return jobs > 0 ? jobs : static_cast<unsigned>(std::max(1, oneapi::tbb::info::default_concurrency()));
}

// Streams every record of `files`. `transform(record, result)` runs in parallel (it must only touch
// its arguments and thread-local state); `sink(record, result)` runs serially in input order and
// returns false to stop early with an error it keeps itself. Returns the first I/O error.
template <class Result, class Transform, class Sink>
std::optional<IoError> stream_records(const std::vector<InputFile>& files, const StreamOptions& options,
                                      std::vector<StreamedInput>& inputs, Transform&& transform, Sink&& sink) {
  using Clock = std::chrono::steady_clock;
  struct Work {
    RecordBatch batch;
    std::vector<Result> results;
  };
  const auto started = Clock::now();
  inputs.assign(files.size(), StreamedInput{});
  uint64_t bytes_total = 0;
  for (const InputFile& file : files) bytes_total += file.size.value_or(0);

  const unsigned threads = resolve_jobs(options.jobs);
  oneapi::tbb::global_control parallelism(oneapi::tbb::global_control::max_allowed_parallelism, threads);

  size_t cursor = 0;
  std::unique_ptr<RecordReader> reader;
  uint64_t bytes_done = 0;
  uint64_t sequence = 0;
  uint64_t records_read = 0;
  auto last_progress = started;
  std::optional<IoError> error;
  bool stopped = false;

  auto read_stage = [&](oneapi::tbb::flow_control& control) -> std::shared_ptr<Work> {
    while (!error && !stopped) {
      if (!reader) {
        if (cursor >= files.size()) break;
        ReaderResult opened = open_reader(files[cursor], static_cast<uint32_t>(cursor), options.reader);
        if (opened.error) {
          error = std::move(opened.error);
          break;
        }
        reader = std::move(opened.reader);
      }
      auto work = std::make_shared<Work>();
      std::optional<IoError> read_error;
      const bool more = reader->next_batch(work->batch, read_error);
      if (read_error) error = std::move(read_error);
      const uint64_t consumed = bytes_done + reader->raw_bytes_consumed();
      if (!more || error) {
        inputs[cursor].sha256 = reader->raw_sha256();
        inputs[cursor].bytes = reader->raw_bytes_consumed();
        bytes_done += inputs[cursor].bytes;
        reader.reset();
        ++cursor;
      }
      if (options.progress) {
        const auto now = Clock::now();
        if (now - last_progress >= std::chrono::milliseconds(100)) {
          last_progress = now;
          options.progress(StreamProgress{consumed, bytes_total, records_read,
                                          std::chrono::duration<double>(now - started).count()});
        }
      }
      if (error) break;
      if (work->batch.records.empty()) continue;
      records_read += work->batch.records.size();
      work->batch.sequence = sequence++;
      return work;
    }
    control.stop();
    return nullptr;
  };
  auto transform_stage = [&](std::shared_ptr<Work> work) -> std::shared_ptr<Work> {
    work->results.resize(work->batch.records.size());
    for (size_t i = 0; i < work->batch.records.size(); ++i) transform(work->batch.records[i], work->results[i]);
    return work;
  };
  auto sink_stage = [&](std::shared_ptr<Work> work) {
    if (stopped) return;
    for (size_t i = 0; i < work->batch.records.size(); ++i) {
      const Record& record = work->batch.records[i];
      ++inputs[record.source.file_index].records;
      if (!sink(record, work->results[i])) {
        stopped = true;
        return;
      }
    }
  };

  try {
    oneapi::tbb::parallel_pipeline(
        threads * 2,
        oneapi::tbb::make_filter<void, std::shared_ptr<Work>>(oneapi::tbb::filter_mode::serial_in_order, read_stage) &
            oneapi::tbb::make_filter<std::shared_ptr<Work>, std::shared_ptr<Work>>(oneapi::tbb::filter_mode::parallel,
                                                                                 transform_stage) &
            oneapi::tbb::make_filter<std::shared_ptr<Work>, void>(oneapi::tbb::filter_mode::serial_in_order,
                                                                  sink_stage));
  } catch (const std::exception& e) {
    if (!error) error = IoError{std::string("internal error: ") + e.what()};
  }
  return error;
}

}  // namespace tuneprep
