// BlockWorker: the sha256 (and for an output file the write(2) calls) of a byte stream, run in
// order on a thread of its own. prepare hashes about 2 GB per GB of input (the input for the
// manifest, then every output); done inline that is over a second of the serial read and write
// stages, which bound the run on two cores. Handing 1 MB blocks to a worker takes it off them.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "io/sha256.hpp"

namespace tuneprep::io_detail {

// Writes all of `data` to `fd`, retrying short writes and EINTR; 0, or the errno of the failure.
int write_all(int fd, const char* data, size_t size);

class BlockWorker {
 public:
  // Blocks handed over are 1 MB or more; two may wait, so memory stays a few MB per stream.
  static constexpr size_t kBlockBytes = 1u << 20;

  // `fd` < 0: hash only. Otherwise each block is also written to `fd` after it is hashed, and
  // with `start_writeback` the kernel is asked to start writing it to disk (sync_file_range), so
  // the final fsync has little left to wait for.
  explicit BlockWorker(int fd, bool start_writeback = false);
  ~BlockWorker();  // waits for the blocks handed over (their writes are not abandoned midway)
  BlockWorker(const BlockWorker&) = delete;
  BlockWorker& operator=(const BlockWorker&) = delete;

  // Hands `block` over and returns an empty one (its capacity kept) to fill next. Waits while
  // two blocks are pending. After a write error the blocks are dropped unwritten; drain() says so.
  std::string submit(std::string block);
  // Waits until every block handed over is hashed and written; the errno of the first failed
  // write, 0 if none.
  int drain();
  // The errno of the first failed write so far (0 if none), without waiting: lets the producer
  // stop early on a full disk instead of at drain().
  int failed() const { return failed_.load(std::memory_order_relaxed); }
  // The hash of every block handed over; call drain() first.
  const Sha256& sha() const { return sha_; }

 private:
  void run();

  const int fd_;
  const bool start_writeback_;
  Sha256 sha_;
  std::mutex mutex_;
  std::condition_variable work_ready_;   // a block is pending, or stop
  std::condition_variable work_done_;    // a block left the queue, or the worker went idle
  std::deque<std::string> pending_;
  std::vector<std::string> spare_;       // emptied blocks, reused
  bool busy_ = false;                    // the worker holds a block
  bool stop_ = false;
  int error_ = 0;
  std::atomic<int> failed_{0};           // error_, readable without the lock
  uint64_t written_ = 0;                 // bytes written to fd_ so far
  uint64_t synced_ = 0;                  // bytes whose writeback was started
  std::thread thread_;
};

}  // namespace tuneprep::io_detail
