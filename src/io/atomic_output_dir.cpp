// AtomicOutputDir: a directory replaced as a whole, under an exclusive lock: the new set is built
// in a sibling staging directory and swapped in with one rename, so a reader (or a crash) sees the
// previous complete set or the new complete set. Also the stale-temporary sweep.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <system_error>
#include <thread>

#include <fmt/core.h>

#include "tuneprep/io.hpp"

namespace tuneprep {
namespace fs = std::filesystem;

namespace {

std::string errno_text(int err) { return std::generic_category().message(err); }

void sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);  // some file systems refuse: the rename is then as durable as they make it
  ::close(fd);
}

// Test hook (documented in docs/reliability.md, used by tests/e2e/prepare_kill.sh): widens the
// commit step so a test can kill a run inside it. Read only here, never in a normal run's path.
void commit_delay_hook() {
  const char* value = std::getenv("TUNEPREP_TEST_COMMIT_DELAY_MS");
  if (value == nullptr) return;
  const long ms = std::strtol(value, nullptr, 10);
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// The whole of a removed set: its files, then the directory (a set has no subdirectories, but
// remove_all is the safe general case outside a signal handler).
void remove_tree(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

std::string temporary_name(std::string_view name) {
  static std::atomic<uint64_t> counter{0};
  return fmt::format(".{}.tmp-{}-{}", name, ::getpid(), counter.fetch_add(1));
}

}  // namespace

bool parse_temporary_name(std::string_view entry, std::string_view name, long& pid) {
  // ".<name>.tmp-<pid>-<n>"
  if (entry.size() < name.size() + 8 || entry[0] != '.') return false;
  entry.remove_prefix(1);
  if (entry.substr(0, name.size()) != name) return false;
  entry.remove_prefix(name.size());
  if (entry.substr(0, 5) != ".tmp-") return false;
  entry.remove_prefix(5);
  const size_t dash = entry.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash + 1 == entry.size()) return false;
  for (size_t i = 0; i < entry.size(); ++i) {
    if (i != dash && (entry[i] < '0' || entry[i] > '9')) return false;
  }
  const auto [end, ec] = std::from_chars(entry.data(), entry.data() + dash, pid);
  return ec == std::errc() && end == entry.data() + dash && pid > 0;
}

size_t remove_stale_temporaries(const fs::path& dir, std::string_view name) {
  size_t removed = 0;
  std::error_code ec;
  fs::directory_iterator it(dir.empty() ? fs::path(".") : dir, ec);
  for (const fs::directory_iterator end; !ec && it != end; it.increment(ec)) {
    const std::string entry = it->path().filename().string();
    long pid = 0;
    if (!parse_temporary_name(entry, name, pid)) continue;
    // Only a process that no longer exists: EPERM means it lives under another user.
    if (pid == ::getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    std::error_code remove_ec;
    if (fs::remove_all(it->path(), remove_ec) > 0) ++removed;
  }
  return removed;
}

std::optional<AtomicOutputDir> AtomicOutputDir::open(const std::string& target, const OutputDirOptions& options,
                                                     IoError& error) {
  AtomicOutputDir dir;
  dir.shown_ = target;
  dir.force_two_step_ = options.force_two_step;
  std::error_code ec;
  fs::path path = fs::absolute(fs::path(target), ec).lexically_normal();
  if (!ec && !path.has_filename()) path = path.parent_path();
  if (ec || path == path.root_path()) {
    error = IoError{fmt::format("-o {}: cannot be replaced as a whole; name a directory below it", target)};
    return std::nullopt;
  }
  // A symlink to a directory: replace the directory it names, keep the link.
  if (fs::is_symlink(path, ec)) {
    path = fs::canonical(path, ec);
    if (ec) {
      error = IoError{fmt::format("-o {}: {}", target, ec.message())};
      return std::nullopt;
    }
  }
  dir.target_ = path;
  const fs::path parent = path.parent_path();
  const std::string name = path.filename().string();
  fs::create_directories(parent, ec);
  if (ec) {
    error = IoError{fmt::format("-o {}: {}", target, ec.message())};
    return std::nullopt;
  }

  // The lock: beside the target, since the target itself is replaced.
  const fs::path lock_path = parent / ("." + name + ".lock");
  do {
    dir.lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  } while (dir.lock_fd_ < 0 && errno == EINTR);
  if (dir.lock_fd_ < 0) {
    error = IoError{fmt::format("{}: {}", lock_path.string(), errno_text(errno))};
    return std::nullopt;
  }
  if (::flock(dir.lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) {
      error = IoError{fmt::format("{}: {}", lock_path.string(), errno_text(errno))};
      return std::nullopt;
    }
    if (!options.wait) {
      error = IoError{fmt::format("-o {}: another tuneprep run is writing it (lock {} is held); "
                                  "wait for it, or run without --no-wait to queue behind it",
                                  target, lock_path.string())};
      return std::nullopt;
    }
    if (options.on_wait) options.on_wait(lock_path.string());
    int rc;
    do {
      rc = ::flock(dir.lock_fd_, LOCK_EX);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      error = IoError{fmt::format("{}: {}", lock_path.string(), errno_text(errno))};
      return std::nullopt;
    }
  }

  remove_stale_temporaries(parent, name);

  dir.staging_ = parent / temporary_name(name);
  dir.cleanup_slot_ = register_cleanup(dir.staging_, /*directory=*/true);
  if (::mkdir(dir.staging_.c_str(), 0777) != 0) {
    error = IoError{fmt::format("-o {}: {}: {}", target, dir.staging_.string(), errno_text(errno))};
    unregister_cleanup(dir.cleanup_slot_);
    dir.cleanup_slot_ = -1;
    dir.staging_.clear();
    return std::nullopt;
  }
  // The new set keeps the old directory's permissions (a new one: 0777 less the umask).
  struct stat info;
  if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) ::chmod(dir.staging_.c_str(), info.st_mode & 07777);
  return std::optional<AtomicOutputDir>(std::move(dir));
}

AtomicOutputDir::AtomicOutputDir(AtomicOutputDir&& other) noexcept
    : shown_(std::move(other.shown_)),
      target_(std::move(other.target_)),
      staging_(std::move(other.staging_)),
      lock_fd_(other.lock_fd_),
      cleanup_slot_(other.cleanup_slot_),
      committed_(other.committed_),
      force_two_step_(other.force_two_step_) {
  other.lock_fd_ = -1;
  other.cleanup_slot_ = -1;
  other.staging_.clear();
}

AtomicOutputDir::~AtomicOutputDir() {
  if (!staging_.empty()) remove_tree(staging_);
  unregister_cleanup(cleanup_slot_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

bool AtomicOutputDir::commit(IoError& error) {
  if (committed_) return true;
  sync_directory(staging_);
  const fs::path parent = target_.parent_path();
  commit_delay_hook();
  struct stat info;
  const bool target_exists = ::lstat(target_.c_str(), &info) == 0;
  auto fail = [&](const std::string& what, int err) {
    error = IoError{fmt::format("-o {}: {}: {}", shown_, what, errno_text(err))};
    return false;
  };
  if (!target_exists) {
    if (::rename(staging_.c_str(), target_.c_str()) != 0) return fail("cannot move the new set in", errno);
    staging_.clear();  // nothing left to remove
  } else {
    int err = EINVAL;
    // TUNEPREP_TEST_TWO_STEP (tests only, like the delay hook): the fallback on any file system.
    if (!force_two_step_ && std::getenv("TUNEPREP_TEST_TWO_STEP") == nullptr) {
      err = ::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) == 0 ? 0 : errno;
    }
    if (err != 0 && err != EINVAL && err != ENOSYS) return fail("cannot swap the new set in", err);
    if (err != 0) {
      // No exchange on this file system: the old set aside, the new one in. A signal between
      // the two renames puts the old set back (set_cleanup_restore); SIGKILL leaves no target
      // and the old set under the aside name, removed by the next run's sweep.
      const fs::path aside = parent / temporary_name(target_.filename().string());
      // Armed before the first rename: until the second one, the handler's rename back either
      // fails harmlessly (nothing aside yet) or restores the old set.
      set_cleanup_restore(aside, target_);
      if (::rename(target_.c_str(), aside.c_str()) != 0) {
        const int aside_err = errno;
        set_cleanup_restore({}, {});
        return fail("cannot move the previous set aside", aside_err);
      }
      commit_delay_hook();
      if (::rename(staging_.c_str(), target_.c_str()) != 0) {
        const int rename_err = errno;
        ::rename(aside.c_str(), target_.c_str());
        set_cleanup_restore({}, {});
        return fail("cannot move the new set in", rename_err);
      }
      set_cleanup_restore({}, {});
      staging_ = aside;  // what is left to remove: the previous set
      unregister_cleanup(cleanup_slot_);
      cleanup_slot_ = register_cleanup(staging_, /*directory=*/true);
    }
    // After the exchange `staging_` names the previous set: it is removed below (or, on a
    // signal, by the handler; on SIGKILL, by the next run's sweep).
  }
  committed_ = true;
  sync_directory(parent);
  if (!staging_.empty()) {
    commit_delay_hook();
    remove_tree(staging_);
    staging_.clear();
  }
  unregister_cleanup(cleanup_slot_);
  cleanup_slot_ = -1;
  return true;
}

}  // namespace tuneprep
