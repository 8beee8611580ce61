// record_stream: the engine under every command that reads records: serial in-order reading,
// a parallel per-batch transform, and a serial in-order sink (oneTBB parallel_pipeline). The sink
// sees records in input order whatever the thread count, so outputs are deterministic.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
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

// Where a stream's time went (StreamOptions::timings): the serial reading stage, the parallel
// transform summed over every worker, and the serial sink; measured per batch.
struct StreamTimings {
  double read_seconds = 0;
  double transform_seconds = 0;
  double sink_seconds = 0;
};

struct StreamOptions {
  ReaderOptions reader;
  unsigned jobs = 0;  // 0 = all cores
  StreamProgressCallback progress;
  StreamTimings* timings = nullptr;  // filled when set
};

// What was read from each input: filled as each input reaches its end.
struct StreamedInput {
  std::string sha256;
  uint64_t bytes = 0;
  uint64_t records = 0;
};

// Estimates how many records a run streams, from its first records and its inputs' sizes, so
// that a serial sink can size its tables once instead of letting them double (each doubling
// rehashes every entry and touches fresh memory). The estimate comes once, after the records of
// the first 1/64 of the input bytes (at least 1 MiB), so that a few odd first records do not
// size the tables; there is none when an input is compressed or of unknown size.
class RecordCountEstimate {
 public:
  explicit RecordCountEstimate(const std::vector<InputFile>& files) {
    for (const InputFile& file : files) {
      if (file.compression != Compression::kNone || !file.size) return;
      input_bytes_ += *file.size;
    }
    sample_bytes_ = std::max<uint64_t>(uint64_t{1} << 20, input_bytes_ / 64);
  }
  // Counts `record` (its bytes and a line end); returns the estimate of all records at the record
  // that completes the sample, 0 at every other call.
  uint64_t add(const Record& record) {
    if (sample_bytes_ == 0) return 0;
    ++records_;
    bytes_ += record.text.size() + 1;
    if (bytes_ < sample_bytes_) return 0;
    sample_bytes_ = 0;
    if (input_bytes_ <= bytes_) return 0;  // the sample was nearly everything
    return static_cast<uint64_t>(static_cast<double>(records_) * static_cast<double>(input_bytes_) /
                                 static_cast<double>(bytes_));
  }

 private:
  uint64_t input_bytes_ = 0;
  uint64_t sample_bytes_ = 0;  // 0: no estimate (any more)
  uint64_t records_ = 0;
  uint64_t bytes_ = 0;
};

inline unsigned resolve_jobs(unsigned jobs) {
  return jobs > 0 ? jobs : static_cast<unsigned>(std::max(1, oneapi::tbb::info::default_concurrency()));
}

// Streams every record of `files`. `transform(record, result)` runs in parallel (it must only touch
// its arguments and thread-local state; result objects are recycled from batch to batch, so it must
// set every field it uses); `sink(record, result)` runs serially in input order and
// returns false to stop early with an error it keeps itself. `prefetch(result)` is called a few
// records ahead of the sink, so a sink whose tables miss the cache can ask for the lines it will
// touch (it must not change anything). Returns the first I/O error.
template <class Result, class Transform, class Sink, class Prefetch>
std::optional<IoError> stream_records(const std::vector<InputFile>& files, const StreamOptions& options,
                                      std::vector<StreamedInput>& inputs, Transform&& transform, Sink&& sink,
                                      Prefetch&& prefetch) {
  constexpr size_t kPrefetchAhead = 8;
  using Clock = std::chrono::steady_clock;
  struct Work {
    RecordBatch batch;
    std::vector<Result> results;
  };
  // Batches in flight are recycled: their results keep their buffers from batch to batch, so the
  // transform does not allocate a record's result anew each time.
  std::mutex pool_mutex;
  std::vector<std::unique_ptr<Work>> pool;
  auto take_work = [&]() -> Work* {
    std::lock_guard<std::mutex> lock(pool_mutex);
    if (pool.empty()) return new Work;
    Work* work = pool.back().release();
    pool.pop_back();
    return work;
  };
  auto give_back = [&](Work* work) {
    std::lock_guard<std::mutex> lock(pool_mutex);
    pool.emplace_back(work);
  };
  std::atomic<int64_t> transform_ns{0};
  double read_seconds = 0;
  double sink_seconds = 0;
  auto seconds_since = [](Clock::time_point from) {
    return std::chrono::duration<double>(Clock::now() - from).count();
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

  auto read_stage = [&](oneapi::tbb::flow_control& control) -> Work* {
    const auto read_started = Clock::now();
    while (!error && !stopped) {
      if (options.reader.cancel != nullptr && options.reader.cancel->load(std::memory_order_relaxed)) {
        error = IoError{"interrupted"};
        break;
      }
      if (!reader) {
        if (cursor >= files.size()) break;
        ReaderResult opened = open_reader(files[cursor], static_cast<uint32_t>(cursor), options.reader);
        if (opened.error) {
          error = std::move(opened.error);
          break;
        }
        reader = std::move(opened.reader);
      }
      Work* work = take_work();
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
      if (error || work->batch.records.empty()) {
        give_back(work);
        if (error) break;
        continue;
      }
      records_read += work->batch.records.size();
      work->batch.sequence = sequence++;
      read_seconds += seconds_since(read_started);
      return work;
    }
    control.stop();
    read_seconds += seconds_since(read_started);
    return nullptr;
  };
  auto transform_stage = [&](Work* work) -> Work* {
    const auto started_batch = Clock::now();
    work->results.resize(work->batch.records.size());
    for (size_t i = 0; i < work->batch.records.size(); ++i) transform(work->batch.records[i], work->results[i]);
    transform_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started_batch).count();
    return work;
  };
  auto sink_stage = [&](Work* work) {
    const auto started_batch = Clock::now();
    if (!stopped) {
      const size_t count = work->batch.records.size();
      for (size_t i = 0; i < std::min(kPrefetchAhead, count); ++i) prefetch(work->results[i]);
      for (size_t i = 0; i < count; ++i) {
        if (i + kPrefetchAhead < count) prefetch(work->results[i + kPrefetchAhead]);
        const Record& record = work->batch.records[i];
        ++inputs[record.source.file_index].records;
        if (!sink(record, work->results[i])) {
          stopped = true;
          break;
        }
      }
    }
    give_back(work);
    sink_seconds += seconds_since(started_batch);
  };

  try {
    oneapi::tbb::parallel_pipeline(
        threads * 2,
        oneapi::tbb::make_filter<void, Work*>(oneapi::tbb::filter_mode::serial_in_order, read_stage) &
            oneapi::tbb::make_filter<Work*, Work*>(oneapi::tbb::filter_mode::parallel, transform_stage) &
            oneapi::tbb::make_filter<Work*, void>(oneapi::tbb::filter_mode::serial_in_order, sink_stage));
  } catch (const std::exception& e) {
    if (!error) error = IoError{std::string("internal error: ") + e.what()};
  }
  if (options.timings != nullptr) {
    options.timings->read_seconds += read_seconds;
    options.timings->transform_seconds += static_cast<double>(transform_ns.load()) / 1e9;
    options.timings->sink_seconds += sink_seconds;
  }
  return error;
}

template <class Result, class Transform, class Sink>
std::optional<IoError> stream_records(const std::vector<InputFile>& files, const StreamOptions& options,
                                      std::vector<StreamedInput>& inputs, Transform&& transform, Sink&& sink) {
  return stream_records<Result>(files, options, inputs, std::forward<Transform>(transform), std::forward<Sink>(sink),
                                [](const Result&) {});
}

}  // namespace tuneprep
