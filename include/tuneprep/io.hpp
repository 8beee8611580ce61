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
};

// Expands inputs: files as given, directories recursively (files with a supported extension:
// .jsonl .json .csv, optionally followed by .gz or .zst, sorted by path so runs are repeatable),
// "-" for stdin. Errors: a missing path, a directory with no data file, an unsupported extension
// given explicitly is still read (format sniffed from content).
struct ExpandResult {
  std::vector<InputFile> files;
  std::optional<IoError> error;
};
ExpandResult expand_inputs(const std::vector<std::string>& paths);

// Decides compression from the extension and magic bytes, the format from the extension
// (.jsonl/.ndjson -> JSONL, .json -> JSON array or JSONL by its first non-space byte, .csv -> CSV).
// Exposed for tests.
Compression compression_from_path(std::string_view path);

// A sequential byte stream over a (possibly compressed) input. Reads return decompressed bytes.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `capacity` bytes into `buffer`. Returns bytes read (0 at end of stream) or an error.
  virtual size_t read(char* buffer, size_t capacity, std::optional<IoError>& error) = 0;
  // Raw bytes consumed from the underlying file so far (compressed bytes for .gz/.zst).
  virtual uint64_t raw_bytes_consumed() const = 0;
  // sha256 (lowercase hex) of the raw bytes consumed; complete once read() has returned 0.
  virtual std::string raw_sha256() const = 0;
};

struct OpenResult {
  std::unique_ptr<ByteSource> source;
  std::optional<IoError> error;
};
OpenResult open_input(const InputFile& file);

// Writes a file under a temporary name in the same directory; commit() fsyncs and renames it
// into place. Destroying an uncommitted file removes the temporary. Also computes the sha256 of
// everything written.
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
