// io: input byte streams (files, stdin, gzip, zstd), input expansion and atomic output files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tuneprep {

// An I/O or usage problem (exit code 2). Carries a ready-to-print message that names the path.
struct IoError {
  std::string message;
};

enum class Compression : uint8_t { kNone, kGzip, kZstd };
enum class FileFormat : uint8_t { kJsonl, kJsonArray, kCsv };

// One input after expansion of directories. `path` is as the user gave it (or found under a
// directory); "-" is standard input.
struct InputFile {
  std::string path;
  Compression compression = Compression::kNone;
  FileFormat format = FileFormat::kJsonl;
  std::optional<uint64_t> size;  // on-disk bytes when known (not for stdin)
  // True for stdin and for files given explicitly with an unknown extension: open_reader picks
  // the format from the first non-blank bytes ('[' JSON array, '{' JSONL, anything else CSV)
  // and ignores `format`.
  bool format_from_content = false;
};

// Expands inputs: files as given, directories recursively (files with a supported extension:
// .jsonl .ndjson .json .csv, optionally followed by .gz or .zst, sorted by path so runs are
// repeatable; names starting with '.' are skipped), "-" for stdin. Errors: a missing path
// ("path: No such file or directory"), a directory with no data file, no path at all ("no input
// files"). A file with an unsupported
// extension given explicitly is still read (format sniffed from content). Unreadable files are
// reported by open_input.
// A file met twice (same device and inode, or "-" twice) is read once; FIFOs, devices, dangling
// and looping symbolic links inside a directory are skipped. Each such case adds a one-line note
// ("dir/x.jsonl: skipped: not a regular file (a FIFO)") that every command prints on stderr.
// A directory that holds a tuneprep output set (a manifest.json written by prepare) is never
// read as input, whether given or found under an input directory: it is skipped with a note,
// as is every directory of `skip_dirs` (prepare's own -o). Explicitly named files are read.
struct ExpandOptions {
  std::vector<std::filesystem::path> skip_dirs;  // compared after weakly_canonical
};
struct ExpandResult {
  std::vector<InputFile> files;
  std::vector<std::string> notes;
  std::optional<IoError> error;
};
ExpandResult expand_inputs(const std::vector<std::string>& paths);
ExpandResult expand_inputs(const std::vector<std::string>& paths, const ExpandOptions& options);

// True when `dir` holds a manifest.json written by tuneprep prepare (its "tool" names tuneprep).
bool is_output_set(const std::filesystem::path& dir);

// Decides compression from the extension (.gz, .zst/.zstd; case-insensitive). open_input then
// checks the magic bytes: a .gz/.zst without them is an error, and gzip or zstd data under
// another name (or on stdin) is decompressed anyway.
Compression compression_from_path(std::string_view path);
// The format from the extension after any .gz/.zst: .jsonl/.ndjson -> JSONL, .json -> JSON
// (a streamed array when its first non-blank byte is '[', else a sequence of values), .csv, .tsv
// and .tab -> CSV. nullopt for anything else.
std::optional<FileFormat> format_from_path(std::string_view path);
// True when `path` ends with `extension` (".tsv"; lowercase, compared ignoring case), before any
// .gz/.zst/.zstd suffix.
bool has_extension(std::string_view path, std::string_view extension);

// A sequential byte stream over a (possibly compressed) input. Reads return decompressed bytes.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `capacity` bytes into `buffer`. Returns bytes read (0 at end of stream) or an error.
  virtual size_t read(char* buffer, size_t capacity, std::optional<IoError>& error) = 0;
  // Raw bytes consumed from the underlying file so far (compressed bytes for .gz/.zst).
  virtual uint64_t raw_bytes_consumed() const = 0;
  // sha256 (lowercase hex) of the raw bytes consumed; complete once read() has returned 0.
  // Empty when hashing was turned off (InputOptions::compute_sha256).
  virtual std::string raw_sha256() const = 0;
};

struct OpenResult {
  std::unique_ptr<ByteSource> source;
  std::optional<IoError> error;
};
// Opens a file (read(2) in large chunks) or stdin ("-") and decompresses it when needed.
// Errors name the path: "data.jsonl.gz: truncated gzip stream".
OpenResult open_input(const InputFile& file);

struct InputOptions {
  // SHA-256 runs at about 1.5 GB/s with SHA-NI, slower than framing: commands that do not
  // report input hashes (validate, stats) turn it off. raw_sha256() is then empty.
  bool compute_sha256 = true;
  // Hash a file or stdin on a thread of its own (the bytes are copied to it in 1 MB blocks), so
  // that the reading thread only reads and frames: for runs on more than one core.
  bool hash_in_background = false;
};
OpenResult open_input(const InputFile& file, const InputOptions& options);

// Wraps a raw byte stream: sniffs the gzip/zstd magic bytes and decompresses (gzip: several
// concatenated members; zstd: several frames). `declared` is what the name claims; a mismatch
// with the magic bytes is an error. `name` prefixes error messages. Used by open_input; exposed
// for tests and fuzzing.
OpenResult decode_input(std::unique_ptr<ByteSource> raw, std::string_view name, Compression declared);

// A ByteSource over bytes in memory (tests, fuzzing). The bytes must outlive the source.
// `max_read` caps the bytes returned per read() to exercise short reads.
std::unique_ptr<ByteSource> memory_source(std::string_view bytes, size_t max_read = SIZE_MAX);

// Writes a file under a temporary name in the same directory (".NAME.tmp-<pid>-<n>"), buffering
// about 1 MB per write(2); finish() flushes and fsyncs, commit() renames it into place (calling
// finish() first when needed). Destroying an uncommitted file removes the temporary, and so does a
// signal handled by install_signal_cleanup; create() first removes stale temporaries of the same
// name left by dead processes. Also computes the sha256 of everything written. A target that is a
// device or a pipe (/dev/null, /dev/stdout, a FIFO) is written in place: no temporary, no rename.
// With `background`, a regular file is hashed and written by a thread of its own (1 MB blocks,
// writeback started as it goes): the caller's thread only copies bytes into the buffer.
class AtomicOutputFile {
 public:
  static std::optional<AtomicOutputFile> create(const std::filesystem::path& final_path, IoError& error,
                                                bool background = false);
  AtomicOutputFile(AtomicOutputFile&&) noexcept;
  AtomicOutputFile& operator=(AtomicOutputFile&&) noexcept;
  ~AtomicOutputFile();

  bool write(std::string_view bytes, IoError& error);
  // Flushes and fsyncs, but does not rename yet (so a set of files can be committed together).
  bool finish(IoError& error);
  // Renames the temporary onto the final path.
  bool commit(IoError& error);

  const std::filesystem::path& final_path() const { return final_path_; }
  // Where the bytes are until commit(): readable once finish() has flushed them.
  const std::filesystem::path& temp_path() const { return temp_path_; }
  uint64_t bytes_written() const { return bytes_written_; }
  std::string sha256_hex() const;

 private:
  AtomicOutputFile() = default;
  void discard() noexcept;
  std::filesystem::path final_path_;
  std::filesystem::path temp_path_;
  int fd_ = -1;
  bool committed_ = false;
  bool direct_ = false;  // the target is a device or pipe, written in place (no temporary)
  int cleanup_slot_ = -1;  // register_cleanup of the temporary
  uint64_t bytes_written_ = 0;
  std::string buffer_;
  struct Sha256State;
  std::unique_ptr<Sha256State> sha_;  // hashes in the caller's thread, or holds the background worker
};

// Replaces a directory as a whole. open() takes an exclusive flock on ".NAME.lock" beside the
// target (kept after the run: removing a lock file races with a waiting run), removes stale
// temporaries of dead processes beside it (".NAME.tmp-<pid>-<n>", the pid checked with kill(pid,
// 0)), and creates the staging directory ".NAME.tmp-<pid>-<n>" beside the target, where the caller
// writes the new set. commit() swaps it in with one renameat2(RENAME_EXCHANGE) and removes the old
// set; where the file system lacks the exchange (EINVAL, ENOSYS) it renames the old set aside and
// the new one in (two steps: a crash between them leaves no target). Until commit, a signal
// handled by install_signal_cleanup or the destructor removes the staging directory.
struct OutputDirOptions {
  bool wait = true;  // false: fail at once when another process holds the lock
  // Called once before blocking on a lock held by another process (the CLI prints a note).
  std::function<void(const std::string& lock_path)> on_wait;
  bool force_two_step = false;  // tests: the fallback without RENAME_EXCHANGE
};
class AtomicOutputDir {
 public:
  // `target` as the user named it (messages use it); a symlink is followed and its target replaced.
  static std::optional<AtomicOutputDir> open(const std::string& target, const OutputDirOptions& options,
                                             IoError& error);
  AtomicOutputDir(AtomicOutputDir&&) noexcept;
  AtomicOutputDir& operator=(AtomicOutputDir&&) = delete;
  ~AtomicOutputDir();

  const std::filesystem::path& staging() const { return staging_; }
  const std::filesystem::path& target() const { return target_; }  // absolute, symlinks resolved
  // Swaps the staging directory in place of the target (fsyncs first) and removes the old set.
  // The test hook TUNEPREP_TEST_COMMIT_DELAY_MS (tests only) sleeps before and after the swap.
  bool commit(IoError& error);

 private:
  AtomicOutputDir() = default;
  std::string shown_;
  std::filesystem::path target_;
  std::filesystem::path staging_;
  int lock_fd_ = -1;
  int cleanup_slot_ = -1;
  bool committed_ = false;
  bool direct_ = false;  // the target is a device or pipe, written in place (no temporary)
  bool force_two_step_ = false;
};

// Removes, in `dir`, the entries named ".<name>.tmp-<pid>-<n>" whose process is gone (kill(pid, 0)
// fails with ESRCH): files, or directories with their files. Returns how many were removed.
size_t remove_stale_temporaries(const std::filesystem::path& dir, std::string_view name);
// True for a name of that pattern (any <name>); sets `pid`.
bool parse_temporary_name(std::string_view entry, std::string_view name, long& pid);

// Signals. install_signal_cleanup() makes SIGINT, SIGTERM, SIGHUP, SIGPIPE and SIGXFSZ remove
// every registered path (a temporary file, or a staging directory with its files), print one line
// on stderr and exit 128+N. The handler calls only async-signal-safe functions (unlink, rmdir,
// getdents64, write, _exit). A signal ignored when the process started (nohup, a background job
// without job control) stays ignored.
void install_signal_cleanup();
// Registers `path` for removal by the handler; returns a slot, or -1 when the registry is full or
// the path too long (a later run's stale-temporary sweep removes it then).
int register_cleanup(const std::filesystem::path& path, bool directory);
void unregister_cleanup(int slot);
// During the two-step fallback of AtomicOutputDir::commit: the handler renames `aside` back to
// `target` (so a signal between the steps restores the old set). Empty paths clear it.
void set_cleanup_restore(const std::filesystem::path& aside, const std::filesystem::path& target);

// sha256 of a whole file (lowercase hex), read in chunks.
std::optional<std::string> sha256_file(const std::filesystem::path& path, IoError& error);

}  // namespace tuneprep
