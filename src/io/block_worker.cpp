#include "io/block_worker.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace tuneprep::io_detail {
namespace {

constexpr size_t kMaxPending = 2;
// Writeback is started every 8 MB: often enough that little is left for fsync, rarely enough
// that the calls cost nothing.
constexpr uint64_t kWritebackBytes = 8u << 20;


}  // namespace

int write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return 0;
}

BlockWorker::BlockWorker(int fd, bool start_writeback)
    : fd_(fd), start_writeback_(start_writeback), thread_([this] { run(); }) {}

BlockWorker::~BlockWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  work_ready_.notify_one();
  thread_.join();
}

std::string BlockWorker::submit(std::string block) {
  std::unique_lock<std::mutex> lock(mutex_);
  work_done_.wait(lock, [&] { return pending_.size() < kMaxPending; });
  pending_.push_back(std::move(block));
  std::string next;
  if (!spare_.empty()) {
    next = std::move(spare_.back());
    spare_.pop_back();
  }
  lock.unlock();
  work_ready_.notify_one();
  next.clear();
  if (next.capacity() < kBlockBytes) next.reserve(kBlockBytes);
  return next;
}

int BlockWorker::drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  work_done_.wait(lock, [&] { return pending_.empty() && !busy_; });
  return error_;
}

void BlockWorker::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    work_ready_.wait(lock, [&] { return stop_ || !pending_.empty(); });
    if (pending_.empty()) return;  // stop, nothing left
    std::string block = std::move(pending_.front());
    pending_.pop_front();
    busy_ = true;
    const bool failed = error_ != 0;
    lock.unlock();
    work_done_.notify_all();

    int error = 0;
    if (!failed) {
      sha_.update(block.data(), block.size());
      if (fd_ >= 0) {
        error = write_all(fd_, block.data(), block.size());
        written_ += block.size();
        if (error == 0 && start_writeback_ && written_ - synced_ >= kWritebackBytes) {
          // A hint: where the file system cannot (EINVAL, ESPIPE), fsync does all the work as before.
          ::sync_file_range(fd_, static_cast<off64_t>(synced_), static_cast<off64_t>(written_ - synced_),
                            SYNC_FILE_RANGE_WRITE);
          synced_ = written_;
        }
      }
    }

    lock.lock();
    if (error != 0 && error_ == 0) {
      error_ = error;
      failed_.store(error, std::memory_order_relaxed);
    }
    busy_ = false;
    if (spare_.size() < kMaxPending) spare_.push_back(std::move(block));
    work_done_.notify_all();
  }
}

}  // namespace tuneprep::io_detail
