// AtomicOutputFile: outputs appear under their final name only once complete (temp file, fsync,
// rename), so an interrupted run never leaves a half-written train.jsonl. Also sha256_file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <system_error>

#include "io/block_worker.hpp"
#include "io/sha256.hpp"
#include "tuneprep/io.hpp"

namespace tuneprep {
namespace {

// Writes reach the kernel in pieces of about this size: few system calls, bounded memory.
constexpr size_t kWriteBuffer = 1u << 20;

std::string errno_message(const std::filesystem::path& path, int err) {
  return path.string() + ": " + std::generic_category().message(err);
}

// Makes a rename durable: the directory entry itself must reach the disk. Failure here is not
// reported (some file systems refuse fsync on directories) since the data is already safe.
void sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

struct AtomicOutputFile::Sha256State {
  io_detail::Sha256 sha;
  // With `background`: hashes and writes the full buffers; `sha` above is then unused.
  std::unique_ptr<io_detail::BlockWorker> worker;
};

std::optional<AtomicOutputFile> AtomicOutputFile::create(const std::filesystem::path& final_path, IoError& error,
                                                         bool background) {
  // Unique per process and per file; the pid keeps concurrent runs into one directory apart.
  static std::atomic<uint64_t> counter{0};
  std::string temp_name = ".";
  temp_name += final_path.filename().string();
  temp_name += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
  AtomicOutputFile file;
  file.final_path_ = final_path;
  // A device or a pipe (/dev/null, /dev/stdout, a FIFO) is written in place: renaming a temporary
  // over it would replace the device with a regular file.
  struct stat target;
  if (::stat(final_path.c_str(), &target) == 0 && !S_ISREG(target.st_mode) && !S_ISDIR(target.st_mode)) {
    do {
      file.fd_ = ::open(final_path.c_str(), O_WRONLY | O_CLOEXEC);
    } while (file.fd_ < 0 && errno == EINTR);
    if (file.fd_ < 0) {
      error = IoError{errno_message(final_path, errno)};
      return std::nullopt;
    }
    file.direct_ = true;
    file.buffer_.reserve(kWriteBuffer);
    file.sha_ = std::make_unique<Sha256State>();
    return std::optional<AtomicOutputFile>(std::move(file));
  }
  file.temp_path_ = final_path.parent_path() / temp_name;
  remove_stale_temporaries(final_path.parent_path(), final_path.filename().string());
  // Registered before it exists, so no moment has a temporary the signal handler would miss.
  file.cleanup_slot_ = register_cleanup(file.temp_path_, /*directory=*/false);
  do {
    file.fd_ = ::open(file.temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  } while (file.fd_ < 0 && errno == EINTR);
  if (file.fd_ < 0) {
    error = IoError{errno_message(final_path, errno)};
    file.temp_path_.clear();
    unregister_cleanup(file.cleanup_slot_);
    file.cleanup_slot_ = -1;
    return std::nullopt;
  }
  file.buffer_.reserve(kWriteBuffer);
  file.sha_ = std::make_unique<Sha256State>();
  if (background) file.sha_->worker = std::make_unique<io_detail::BlockWorker>(file.fd_, /*start_writeback=*/true);
  return std::optional<AtomicOutputFile>(std::move(file));
}

AtomicOutputFile::AtomicOutputFile(AtomicOutputFile&& other) noexcept
    : final_path_(std::move(other.final_path_)),
      temp_path_(std::move(other.temp_path_)),
      fd_(other.fd_),
      committed_(other.committed_),
      direct_(other.direct_),
      cleanup_slot_(other.cleanup_slot_),
      bytes_written_(other.bytes_written_),
      buffer_(std::move(other.buffer_)),
      sha_(std::move(other.sha_)) {
  other.fd_ = -1;
  other.cleanup_slot_ = -1;
  other.temp_path_.clear();
}

AtomicOutputFile& AtomicOutputFile::operator=(AtomicOutputFile&& other) noexcept {
  if (this != &other) {
    discard();
    final_path_ = std::move(other.final_path_);
    temp_path_ = std::move(other.temp_path_);
    fd_ = other.fd_;
    committed_ = other.committed_;
    direct_ = other.direct_;
    cleanup_slot_ = other.cleanup_slot_;
    bytes_written_ = other.bytes_written_;
    buffer_ = std::move(other.buffer_);
    sha_ = std::move(other.sha_);
    other.fd_ = -1;
    other.cleanup_slot_ = -1;
    other.temp_path_.clear();
  }
  return *this;
}

AtomicOutputFile::~AtomicOutputFile() { discard(); }

void AtomicOutputFile::discard() noexcept {
  if (sha_ && sha_->worker) sha_->worker.reset();  // joins: no write is left in flight on fd_
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
  temp_path_.clear();
  unregister_cleanup(cleanup_slot_);
  cleanup_slot_ = -1;
}

bool AtomicOutputFile::write(std::string_view bytes, IoError& error) {
  if (fd_ < 0) {
    error = IoError{final_path_.string() + ": write after the file was finished"};
    return false;
  }
  bytes_written_ += bytes.size();
  if (sha_->worker) {
    buffer_.append(bytes);
    if (buffer_.size() >= kWriteBuffer) {
      buffer_ = sha_->worker->submit(std::move(buffer_));
      if (const int err = sha_->worker->failed(); err != 0) {  // a full disk stops the run now
        error = IoError{errno_message(final_path_, err)};
        return false;
      }
    }
    return true;
  }
  sha_->sha.update(bytes.data(), bytes.size());
  if (buffer_.size() + bytes.size() < kWriteBuffer) {
    buffer_.append(bytes);
    return true;
  }
  int err = 0;
  if ((err = io_detail::write_all(fd_, buffer_.data(), buffer_.size())) != 0 ||
      (err = io_detail::write_all(fd_, bytes.data(), bytes.size())) != 0) {
    error = IoError{errno_message(final_path_, err)};
    return false;
  }
  buffer_.clear();
  return true;
}

bool AtomicOutputFile::finish(IoError& error) {
  if (fd_ < 0) {
    if (temp_path_.empty() && !direct_) {
      error = IoError{final_path_.string() + ": the output file is no longer open"};
      return false;
    }
    return true;  // already finished
  }
  int err = 0;
  if (sha_->worker) {
    if (!buffer_.empty()) buffer_ = sha_->worker->submit(std::move(buffer_));
    err = sha_->worker->drain();
    if (err != 0) {
      error = IoError{errno_message(final_path_, err)};
      return false;
    }
  } else if ((err = io_detail::write_all(fd_, buffer_.data(), buffer_.size())) != 0) {
    error = IoError{errno_message(final_path_, err)};
    return false;
  }
  buffer_.clear();
  buffer_.shrink_to_fit();
  if (!direct_ && ::fsync(fd_) != 0) {  // a device or pipe has nothing to sync (EINVAL)
    error = IoError{errno_message(final_path_, errno)};
    return false;
  }
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    error = IoError{errno_message(final_path_, errno)};
    return false;
  }
  return true;
}

bool AtomicOutputFile::commit(IoError& error) {
  if (committed_) return true;
  if (!finish(error)) return false;
  if (direct_) {
    committed_ = true;
    return true;
  }
  if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    error = IoError{errno_message(final_path_, errno)};
    return false;
  }
  committed_ = true;
  temp_path_.clear();
  unregister_cleanup(cleanup_slot_);
  cleanup_slot_ = -1;
  sync_directory(final_path_.parent_path());
  return true;
}

std::string AtomicOutputFile::sha256_hex() const {
  if (!sha_) return std::string();
  if (!sha_->worker) return sha_->sha.hex();
  // Complete once finish() has handed over the last buffer (the manifest is built after it).
  sha_->worker->drain();
  return sha_->worker->sha().hex();
}

std::optional<std::string> sha256_file(const std::filesystem::path& path, IoError& error) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    error = IoError{errno_message(path, errno)};
    return std::nullopt;
  }
  io_detail::Sha256 sha;
  std::unique_ptr<char[]> buffer(new char[kWriteBuffer]);
  for (;;) {
    const ssize_t n = ::read(fd, buffer.get(), kWriteBuffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      error = IoError{errno_message(path, errno)};
      ::close(fd);
      return std::nullopt;
    }
    sha.update(buffer.get(), static_cast<size_t>(n));
  }
  ::close(fd);
  return sha.hex();
}

}  // namespace tuneprep
