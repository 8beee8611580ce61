// io: input byte streams (files, stdin, gzip, zstd), input expansion and atomic output files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
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
struct ExpandResult {
  std::vector<InputFile> files;
  std::vector<std::string> notes;
  std::optional<IoError> error;
};
ExpandResult expand_inputs(const std::vector<std::string>& paths);

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
// finish() first when needed). Destroying an uncommitted file removes the temporary. Also
// computes the sha256 of everything written.
class AtomicOutputFile {
 public:
  static std::optional<AtomicOutputFile> create(const std::filesystem::path& final_path, IoError& error);
  AtomicOutputFile(AtomicOutputFile&&) noexcept;
  AtomicOutputFile& operator=(AtomicOutputFile&&) noexcept;
  ~AtomicOutputFile();

  bool write(std::string_view bytes, IoError& error);
  // Flushes and fsyncs, but does not rename yet (so a set of files can be committed together).
  bool finish(IoError& error);
  // Renames the temporary onto the final path.
  bool commit(IoError& error);

  const std::filesystem::path& final_path() const { return final_path_; }
  uint64_t bytes_written() const { return bytes_written_; }
  std::string sha256_hex() const;

 private:
  AtomicOutputFile() = default;
  void discard() noexcept;
  std::filesystem::path final_path_;
  std::filesystem::path temp_path_;
  int fd_ = -1;
  bool committed_ = false;
  uint64_t bytes_written_ = 0;
  std::string buffer_;
  struct Sha256State;
  std::unique_ptr<Sha256State> sha_;
};

// sha256 of a whole file (lowercase hex), read in chunks.
std::optional<std::string> sha256_file(const std::filesystem::path& path, IoError& error);

}  // namespace tuneprep
