// signal_cleanup: what a run created is removed when SIGINT, SIGTERM, SIGHUP, SIGPIPE or SIGXFSZ
// stops it. The registry is process-wide by necessity (a signal handler can reach nothing else);
// it is a fixed array of slots, so the handler never allocates or takes a lock.
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "tuneprep/io.hpp"

namespace tuneprep {
namespace {

// A run registers a handful of paths at once (prepare: the staging directory, four data files,
// three reports, the manifest; stats: up to three files).
constexpr int kSlots = 64;

enum SlotState : int { kFree = 0, kFilling = 1, kFile = 2, kDirectory = 3 };

struct Slot {
  std::atomic<int> state{kFree};
  char path[PATH_MAX];
};
Slot g_slots[kSlots];

// The two-step fallback's "rename the old set back" (AtomicOutputDir::commit).
std::atomic<bool> g_restore_armed{false};
char g_restore_from[PATH_MAX];
char g_restore_to[PATH_MAX];

static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free,
              "the signal handler needs lock-free atomics");

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGXFSZ};

const char* signal_name(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    case SIGPIPE: return "SIGPIPE";
    case SIGXFSZ: return "SIGXFSZ";
  }
  return "a signal";
}

// getdents64's record (the kernel's struct linux_dirent64); glibc's readdir may allocate.
struct LinuxDirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};

// Removes the files in `path` and then the directory; async-signal-safe. A staging directory
// holds only files; several passes because unlinking while reading the directory may skip names.
void remove_directory_files(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) {
    alignas(8) char buffer[4096];
    for (int pass = 0; pass < 4; ++pass) {
      bool removed = false;
      ::lseek(fd, 0, SEEK_SET);
      for (;;) {
        const long n = ::syscall(SYS_getdents64, fd, buffer, sizeof buffer);
        if (n <= 0) break;
        for (long offset = 0; offset < n;) {
          const auto* entry = reinterpret_cast<const LinuxDirent64*>(buffer + offset);
          offset += entry->d_reclen;
          const char* name = entry->d_name;
          if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) continue;
          if (::unlinkat(fd, name, 0) == 0) removed = true;
        }
      }
      if (!removed) break;
    }
    ::close(fd);
  }
  ::rmdir(path);
}

void write_stderr(const char* text) {
  size_t size = std::strlen(text);
  while (size > 0) {
    const ssize_t n = ::write(STDERR_FILENO, text, size);
    if (n <= 0) return;
    text += n;
    size -= static_cast<size_t>(n);
  }
}

extern "C" void on_stop_signal(int sig) {
  bool had_temporaries = g_restore_armed.load(std::memory_order_acquire);
  if (had_temporaries) ::rename(g_restore_from, g_restore_to);
  for (Slot& slot : g_slots) {
    const int state = slot.state.load(std::memory_order_acquire);
    if (state == kFile) ::unlink(slot.path);
    if (state == kDirectory) remove_directory_files(slot.path);
    had_temporaries = had_temporaries || state == kFile || state == kDirectory;
  }
  // `tuneprep validate big.jsonl | head` ends with SIGPIPE as intended: quiet, as grep and rg
  // are, unless files were being written.
  if (sig == SIGPIPE && !had_temporaries) ::_exit(128 + sig);
  write_stderr("tuneprep: stopped by ");
  write_stderr(signal_name(sig));
  write_stderr("; removed this run's temporary files\n");
  ::_exit(128 + sig);
}

}  // namespace

void install_signal_cleanup() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  for (int sig : kSignals) sigaddset(&action.sa_mask, sig);  // one handler at a time per thread
  for (int sig : kSignals) {
    struct sigaction previous {};
    if (::sigaction(sig, nullptr, &previous) != 0) continue;
    // nohup and shells without job control start a process with the signal ignored: keep it so.
    if (previous.sa_handler == SIG_IGN && sig != SIGPIPE && sig != SIGXFSZ) continue;
    ::sigaction(sig, &action, nullptr);
  }
}

int register_cleanup(const std::filesystem::path& path, bool directory) {
  const std::string& text = path.native();
  if (text.size() >= PATH_MAX) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (!g_slots[i].state.compare_exchange_strong(expected, kFilling, std::memory_order_acquire)) continue;
    std::memcpy(g_slots[i].path, text.c_str(), text.size() + 1);
    g_slots[i].state.store(directory ? kDirectory : kFile, std::memory_order_release);
    return i;
  }
  return -1;
}

void unregister_cleanup(int slot) {
  if (slot >= 0 && slot < kSlots) g_slots[slot].state.store(kFree, std::memory_order_release);
}

void set_cleanup_restore(const std::filesystem::path& aside, const std::filesystem::path& target) {
  g_restore_armed.store(false, std::memory_order_release);
  if (aside.empty() || aside.native().size() >= PATH_MAX || target.native().size() >= PATH_MAX) return;
  std::memcpy(g_restore_from, aside.c_str(), aside.native().size() + 1);
  std::memcpy(g_restore_to, target.c_str(), target.native().size() + 1);
  g_restore_armed.store(true, std::memory_order_release);
}

}  // namespace tuneprep
