// upload: sends a dataset file, in one request or through the Uploads API in parts. A multipart
// upload records each finished part in a state file, so an interrupted run resumes with only
// the missing parts; the parts go in parallel and each is retried on its own.
#include <openssl/evp.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <simdjson.h>

#include "tuneprep/backend.hpp"
#include "tuneprep/json_writer.hpp"

namespace tuneprep::backend {
namespace {

struct UploadState {
  std::string upload_id;
  std::string md5;
  uint64_t bytes = 0;
  uint64_t part_bytes = 0;
  std::vector<std::string> part_ids;  // empty string: not sent yet
};

ApiError local_error(std::string message) {
  ApiError error;
  error.message = std::move(message);
  return error;
}

std::optional<std::string> md5_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_md5(), nullptr);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx, buffer.data(), static_cast<size_t>(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, digest, &length);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  for (unsigned i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::optional<UploadState> read_state(const std::filesystem::path& path) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.load(path.string()).get(doc) != simdjson::SUCCESS) return std::nullopt;
  UploadState state;
  std::string_view text;
  if (doc["upload_id"].get_string().get(text) != simdjson::SUCCESS) return std::nullopt;
  state.upload_id = std::string(text);
  if (doc["md5"].get_string().get(text) != simdjson::SUCCESS) return std::nullopt;
  state.md5 = std::string(text);
  if (doc["bytes"].get_uint64().get(state.bytes) != simdjson::SUCCESS) return std::nullopt;
  if (doc["part_bytes"].get_uint64().get(state.part_bytes) != simdjson::SUCCESS) return std::nullopt;
  simdjson::dom::array parts;
  if (doc["part_ids"].get_array().get(parts) != simdjson::SUCCESS) return std::nullopt;
  for (simdjson::dom::element part : parts) {
    std::string_view id;
    state.part_ids.emplace_back(part.get_string().get(id) == simdjson::SUCCESS ? std::string(id) : std::string());
  }
  return state;
}

bool write_state(const std::filesystem::path& path, const UploadState& state) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field("upload_id", state.upload_id);
  w.field("md5", state.md5);
  w.field("bytes", state.bytes);
  w.field("part_bytes", state.part_bytes);
  w.key("part_ids");
  w.begin_array();
  for (const std::string& id : state.part_ids) {
    if (id.empty()) {
      w.null();
    } else {
      w.string(id);
    }
  }
  w.end_array();
  w.end_object();
  out += '\n';
  // Write then rename: a crash mid-write leaves the previous state, never half of one.
  const std::filesystem::path temporary = path.string() + ".tmp";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file.write(out.data(), static_cast<std::streamsize>(out.size()))) return false;
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  return !ec;
}

Result<UploadOutcome> multipart_upload(Backend& backend, const std::filesystem::path& path, uint64_t bytes,
                                       const UploadOptions& options,
                                       const std::function<void(const UploadProgress&)>& progress) {
  const uint64_t part_bytes = std::min(options.part_bytes, kMaxPartBytes);
  if (part_bytes == 0) return Result<UploadOutcome>::fail(local_error("the part size must be above 0"));
  const auto md5 = md5_file(path);
  if (!md5) return Result<UploadOutcome>::fail(local_error(fmt::format("{}: cannot read the file", path.string())));
  const size_t part_count = bytes == 0 ? 1 : static_cast<size_t>((bytes + part_bytes - 1) / part_bytes);
  const std::filesystem::path state_path =
      options.state_path.empty() ? std::filesystem::path(path.string() + ".upload.json") : options.state_path;

  // Resume when the state describes this very file cut the same way.
  UploadState state;
  bool resumed = false;
  if (auto previous = read_state(state_path); previous && previous->md5 == *md5 && previous->bytes == bytes &&
                                              previous->part_bytes == part_bytes &&
                                              previous->part_ids.size() == part_count) {
    state = *previous;
    resumed = true;
  } else {
    auto upload = backend.create_upload(path.filename().string(), options.purpose, bytes, "text/jsonl");
    if (!upload) return Result<UploadOutcome>::fail(*upload.error);
    state = UploadState{upload.value->id, *md5, bytes, part_bytes, std::vector<std::string>(part_count)};
    if (!write_state(state_path, state)) {
      return Result<UploadOutcome>::fail(local_error(fmt::format("{}: cannot write the upload state", state_path.string())));
    }
  }

  std::vector<size_t> missing;
  for (size_t i = 0; i < part_count; ++i) {
    if (state.part_ids[i].empty()) missing.push_back(i);
  }
  std::mutex mutex;  // guards state, first_error and the progress call
  std::optional<ApiError> first_error;
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  unsigned done = static_cast<unsigned>(part_count - missing.size());
  const auto report = [&] {
    if (!progress) return;
    progress(UploadProgress{std::min(bytes, done * part_bytes), bytes, done, static_cast<unsigned>(part_count)});
  };
  report();
  const auto worker = [&] {
    std::ifstream in(path, std::ios::binary);
    std::string buffer;
    while (!stop) {
      const size_t slot = next.fetch_add(1);
      if (slot >= missing.size()) break;
      const size_t index = missing[slot];
      const uint64_t offset = index * part_bytes;
      buffer.resize(static_cast<size_t>(std::min(part_bytes, bytes - offset)));
      in.seekg(static_cast<std::streamoff>(offset));
      if (!in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()))) {
        std::lock_guard lock(mutex);
        if (!first_error) first_error = local_error(fmt::format("{}: cannot read part {}", path.string(), index + 1));
        stop = true;
        break;
      }
      auto part = backend.add_upload_part(state.upload_id, buffer);
      std::lock_guard lock(mutex);
      if (!part) {
        if (!first_error) first_error = *part.error;
        stop = true;
        break;
      }
      state.part_ids[index] = *part.value;
      ++done;
      write_state(state_path, state);
      report();
    }
  };
  const unsigned threads = static_cast<unsigned>(std::min<size_t>(std::max(1u, options.parallel_parts), missing.size()));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  if (threads > 0) worker();
  for (std::thread& t : pool) t.join();
  if (first_error) {
    ApiError error = *first_error;
    error.message += fmt::format(" ({} of {} parts sent; run the same upload again to send only the missing ones)",
                                 done, part_count);
    return Result<UploadOutcome>::fail(std::move(error));
  }

  auto completed = backend.complete_upload(state.upload_id, state.part_ids, state.md5);
  if (!completed) return Result<UploadOutcome>::fail(*completed.error);
  if (!completed.value->file) {
    return Result<UploadOutcome>::fail(local_error("the completed upload names no file (status " +
                                                   completed.value->status + ")"));
  }
  std::error_code ec;
  std::filesystem::remove(state_path, ec);
  UploadOutcome outcome;
  outcome.file = *completed.value->file;
  outcome.multipart = true;
  outcome.parts_total = static_cast<unsigned>(part_count);
  outcome.parts_sent = static_cast<unsigned>(missing.size());
  outcome.upload_id = state.upload_id;
  outcome.md5 = state.md5;
  (void)resumed;
  return Result<UploadOutcome>::ok(std::move(outcome));
}

}  // namespace

Result<UploadOutcome> upload_dataset(Backend& backend, const std::filesystem::path& path, const UploadOptions& options,
                                     const std::function<void(const UploadProgress&)>& progress) {
  std::error_code ec;
  const uint64_t bytes = std::filesystem::file_size(path, ec);
  if (ec) return Result<UploadOutcome>::fail(local_error(fmt::format("{}: {}", path.string(), ec.message())));
  if (options.multipart || bytes > kMultipartThreshold) return multipart_upload(backend, path, bytes, options, progress);
  std::function<void(uint64_t)> sent;
  if (progress) sent = [&](uint64_t n) { progress(UploadProgress{n, bytes, 0, 0}); };
  auto file = backend.upload_file(path, options.purpose, sent);
  if (!file) return Result<UploadOutcome>::fail(*file.error);
  UploadOutcome outcome;
  outcome.file = *file.value;
  return Result<UploadOutcome>::ok(std::move(outcome));
}

}  // namespace tuneprep::backend
