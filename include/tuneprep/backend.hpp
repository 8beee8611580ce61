// backend: hand-off to a fine-tuning service. The Backend interface (files, uploads, jobs, events),
// its OpenAI-compatible HTTP implementation over libcurl, provider profiles from tuneprep.toml,
// the retry policy, key redaction, and the upload and watch drivers the commands run.
// Built as its own library (tuneprep_backend); nothing else in tuneprep depends on it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace tuneprep {
struct ConfigFile;
}  // namespace tuneprep

namespace tuneprep::backend {

// ---------------------------------------------------------------------------------------------
// Errors and results

// A failed request: what the user needs to act on it. `status` is 0 for transport failures
// (connection refused, reset, timeout), whose text is in `message`.
struct ApiError {
  int status = 0;
  std::string message;     // the API's error.message, curl's text, or our own
  std::string code;        // error.code (or error.type when there is no code)
  std::string request_id;  // x-request-id response header
  std::string what;        // "POST /files" (never carries the key)
  std::string format() const;  // one line for stderr
};

template <class T>
struct Result {
  std::optional<T> value;
  std::optional<ApiError> error;
  static Result ok(T v) { return Result{std::move(v), std::nullopt}; }
  static Result fail(ApiError e) { return Result{std::nullopt, std::move(e)}; }
  explicit operator bool() const { return value.has_value(); }
};

// ---------------------------------------------------------------------------------------------
// Secrets

// "sk-…abcd": enough to tell keys apart, never enough to use one. Keys of 12 bytes or fewer
// show only "…".
std::string redact_key(std::string_view key);
// `text` with every occurrence of `key` replaced by redact_key(key): applied to anything that
// might echo a request back (server error messages, verbose traces).
std::string redact_secret(std::string_view text, std::string_view key);

// ---------------------------------------------------------------------------------------------
// Profiles: what differs between OpenAI-compatible providers.

struct BackendProfile {
  std::string name = "openai";
  std::string base_url = "https://api.openai.com/v1";
  std::string auth_header = "Authorization";
  std::string auth_scheme = "Bearer";  // empty: the header carries the bare key
  std::string path_prefix;             // inserted between base URL and API path ("/openai")
  std::string api_key_env = "OPENAI_API_KEY";
  std::string organization;            // OpenAI-Organization header when set
  std::string project;                 // OpenAI-Project header when set
  std::vector<std::string> models;     // fine-tunable models the provider offers (informative)
};

// The built-in `openai` profile, or [backend.NAME] of `config` (which may also override the
// built-in one): the tuneprep.toml every command loads, bounded and parsed once
// (tuneprep/config_file.hpp). Unknown keys and wrong types are errors (in `message`, status 0),
// as in [rules].
Result<BackendProfile> find_profile(std::string_view name, const ConfigFile& config);

// ---------------------------------------------------------------------------------------------
// Retries

// Exponential backoff with jitter for connection errors, timeouts, 408, 409, 429 and 5xx, as the
// official OpenAI SDKs retry (initial 0.5 s, doubling, at most 8 s, up to 25% jitter below).
struct RetryPolicy {
  int max_retries = 5;
  double initial_delay = 0.5;  // seconds
  double max_delay = 8.0;      // seconds
  double jitter = 0.25;        // fraction taken off at random
  // A server's Retry-After longer than this is not honoured: backoff applies instead.
  double max_retry_after = 60.0;
};

bool is_retryable_status(int status);  // 408, 409, 429, >= 500
// The wait in seconds before retry number `attempt` (0 for the first retry). A valid
// `retry_after_ms` or `retry_after` (seconds, or an HTTP date) within max_retry_after wins; else
// min(max_delay, initial_delay * 2^attempt) less a random jitter fraction drawn from `rng`.
double retry_delay(const RetryPolicy& policy, int attempt, std::string_view retry_after_ms,
                   std::string_view retry_after, std::mt19937_64& rng);

// ---------------------------------------------------------------------------------------------
// Client options (the CLI fills them from flags, environment and tuneprep.toml).

struct ClientOptions {
  BackendProfile profile;
  std::string base_url;  // resolved: --base-url, OPENAI_BASE_URL (openai profile), profile
  std::string api_key;   // never printed
  RetryPolicy retry;
  double timeout = 600;  // seconds per request attempt
  // --verbose: one line per attempt on this sink (method, URL, status, time, request id);
  // headers shown with the key redacted.
  std::function<void(std::string_view)> trace;
  // Each retry, in one line ("POST /files failed (HTTP 429); retry 1 of 5 in 1.0 s").
  std::function<void(std::string_view)> notice;
};

// ---------------------------------------------------------------------------------------------
// API objects (only the fields tuneprep uses)

struct FileObject {
  std::string id;
  std::string filename;
  std::string purpose;
  uint64_t bytes = 0;
  std::string status;
};

struct UploadObject {
  std::string id;
  std::string status;  // pending, completed, cancelled, expired
  std::string filename;
  uint64_t bytes = 0;
  std::optional<FileObject> file;  // set once completed
};

// A hyperparameter that is a number or "auto"; nullopt leaves it to the server.
struct Hyperparameter {
  bool is_auto = false;
  double value = 0;
};
// "auto", an integer or a real; nullopt for anything else.
std::optional<Hyperparameter> parse_hyperparameter(std::string_view text, bool integer);

struct JobRequest {
  std::string model;
  std::string training_file;
  std::string validation_file;
  std::string method = "supervised";  // or "dpo"
  std::optional<Hyperparameter> epochs;
  std::optional<Hyperparameter> batch_size;
  std::optional<Hyperparameter> lr_multiplier;
  std::optional<Hyperparameter> beta;  // dpo only
  std::string suffix;
  std::optional<int64_t> seed;
};
// The request body of POST /fine_tuning/jobs (compact JSON).
std::string job_request_json(const JobRequest& request);

struct Job {
  std::string id;
  std::string model;
  std::string status;  // validating_files, queued, running, succeeded, failed, cancelled
  std::string fine_tuned_model;
  std::string training_file;
  std::string validation_file;
  std::vector<std::string> result_files;
  int64_t created_at = 0;
  std::optional<uint64_t> trained_tokens;
  std::string error_message;  // for failed jobs
  std::string error_code;
  bool finished() const { return status == "succeeded" || status == "failed" || status == "cancelled"; }
};

struct JobEvent {
  std::string id;
  int64_t created_at = 0;
  std::string level;
  std::string message;
  std::string type;  // "message" or "metrics"
  std::optional<uint64_t> step;
  std::optional<uint64_t> total_steps;
  std::optional<double> train_loss;
  std::optional<double> valid_loss;
};

// One page of a job's events, newest first as the API lists them; `has_more`: older ones follow
// (ask again with `after` = the last id of this page).
struct EventPage {
  std::vector<JobEvent> events;
  bool has_more = false;
};

// Parsers of response bodies, public for tests.
Result<Job> parse_job(std::string_view json);
Result<EventPage> parse_events(std::string_view json);  // in the server's order

// ---------------------------------------------------------------------------------------------
// The interface

class Backend {
 public:
  virtual ~Backend() = default;
  // POST /files (multipart): the whole file in one request.
  virtual Result<FileObject> upload_file(const std::filesystem::path& path, std::string_view purpose,
                                         const std::function<void(uint64_t sent)>& progress) = 0;
  // The Uploads API: create, add parts, complete with the ordered part ids and the md5 of it all.
  virtual Result<UploadObject> create_upload(std::string_view filename, std::string_view purpose, uint64_t bytes,
                                             std::string_view mime_type) = 0;
  virtual Result<std::string> add_upload_part(std::string_view upload_id, std::string_view data) = 0;
  virtual Result<UploadObject> complete_upload(std::string_view upload_id, const std::vector<std::string>& part_ids,
                                               std::string_view md5_hex) = 0;
  virtual Result<Job> create_job(const JobRequest& request) = 0;
  virtual Result<Job> get_job(std::string_view job_id) = 0;
  // Up to `limit` events older than the event `after` ("" = the most recent), newest first.
  virtual Result<EventPage> list_events(std::string_view job_id, unsigned limit, std::string_view after) = 0;
  virtual Result<std::vector<Job>> list_jobs(unsigned limit) = 0;
  virtual Result<Job> cancel_job(std::string_view job_id) = 0;
  virtual Result<std::string> download_file(std::string_view file_id) = 0;
};

// The OpenAI-compatible HTTP client. Thread-safe: every request uses its own curl handle.
std::unique_ptr<Backend> make_http_backend(ClientOptions options);

// ---------------------------------------------------------------------------------------------
// Drivers

inline constexpr uint64_t kMultipartThreshold = 512ull << 20;  // files above go through Uploads
inline constexpr uint64_t kMaxPartBytes = 64ull << 20;        // the Uploads API's part limit

struct UploadOptions {
  std::string purpose = "fine-tune";
  bool multipart = false;              // force the Uploads API
  uint64_t part_bytes = kMaxPartBytes;  // smaller only for tests
  unsigned parallel_parts = 4;
  // Where a multipart upload records its finished parts, so a rerun sends only the missing ones.
  // Empty: "<file>.upload.json" beside the file.
  std::filesystem::path state_path;
};

struct UploadProgress {
  uint64_t bytes_sent = 0;
  uint64_t bytes_total = 0;
  unsigned parts_done = 0;
  unsigned parts_total = 0;  // 0 for a single request
};

struct UploadOutcome {
  FileObject file;
  bool multipart = false;
  unsigned parts_total = 0;
  unsigned parts_sent = 0;     // this run (the rest were resumed)
  std::string upload_id;
  std::string md5;             // of the whole file (multipart)
};

Result<UploadOutcome> upload_dataset(Backend& backend, const std::filesystem::path& path, const UploadOptions& options,
                                     const std::function<void(const UploadProgress&)>& progress = {});

// A `prepare` output directory checked against its manifest.json: the files to train on.
struct PreparedFiles {
  std::filesystem::path train;
  std::optional<std::filesystem::path> validation;  // absent when prepare wrote no validation examples
  std::string format;                               // manifest options.to: openai-chat, prompt-completion, dpo
};
// Fails (status 0, message naming the file) when the manifest is missing or unreadable, or when
// train.jsonl or validation.jsonl is missing or its sha256 differs from the manifest's.
Result<PreparedFiles> check_prepared_dir(const std::filesystem::path& dir);

struct WatchOptions {
  double initial_poll = 1.0;  // seconds; doubles while nothing changes, up to max_poll
  double max_poll = 30.0;
  unsigned event_page = 100;
  // Tests shorten the waits; the real clock otherwise.
  std::function<void(double seconds)> sleep;
};

// Polls the job until it finishes, calling `on_event` once per new event, oldest first, and
// `on_status` when the status changes. Returns the final job.
Result<Job> watch_job(Backend& backend, std::string_view job_id, const WatchOptions& options,
                      const std::function<void(const JobEvent&)>& on_event,
                      const std::function<void(const Job&)>& on_status);

}  // namespace tuneprep::backend
