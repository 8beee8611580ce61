// http_backend: the OpenAI-compatible Backend over libcurl: one request function with the retry
// loop, the key only in the auth header, and errors that carry status, code and request id.
#include <curl/curl.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "backend/backend_internal.hpp"

namespace tuneprep::backend {
namespace {

struct MultipartFile {
  std::string field;  // "file" or "data"
  std::string filename;
  std::filesystem::path path;  // either a file on disk...
  std::string_view bytes;      // ...or bytes in memory
};

struct HttpRequest {
  std::string method;  // GET, POST
  std::string path;    // API path after the base URL and prefix, with its query
  std::string json_body;
  std::vector<std::pair<std::string, std::string>> form_fields;
  std::optional<MultipartFile> file;
  std::function<void(uint64_t)> upload_progress;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::string request_id;
  std::string retry_after;
  std::string retry_after_ms;
};

size_t collect_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

bool header_is(std::string_view line, std::string_view name, std::string& out) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  }
  std::string_view value = line.substr(name.size() + 1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
  out = std::string(value);
  return true;
}

size_t collect_header(char* data, size_t size, size_t n, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  const std::string_view line(data, size * n);
  header_is(line, "x-request-id", response->request_id) || header_is(line, "retry-after-ms", response->retry_after_ms) ||
      header_is(line, "retry-after", response->retry_after);
  return size * n;
}

struct ProgressContext {
  const std::function<void(uint64_t)>* callback;
};

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t ulnow) {
  auto* context = static_cast<ProgressContext*>(user);
  if (context->callback != nullptr && *context->callback) (*context->callback)(static_cast<uint64_t>(ulnow));
  return 0;
}

// Transport failures worth another attempt; anything else (bad URL, TLS setup) will not heal.
bool is_retryable_curl(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

std::string escape_segment(std::string_view segment) {
  std::string out;
  for (char c : segment) {
    const bool plain = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '~';
    if (plain) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

class HttpBackend final : public Backend {
 public:
  explicit HttpBackend(ClientOptions options) : options_(std::move(options)) {
    while (!options_.base_url.empty() && options_.base_url.back() == '/') options_.base_url.pop_back();
    std::random_device seed;
    rng_.seed((static_cast<uint64_t>(seed()) << 32) | seed());
  }

  Result<FileObject> upload_file(const std::filesystem::path& path, std::string_view purpose,
                                 const std::function<void(uint64_t)>& progress) override {
    HttpRequest request{"POST", "/files", {}, {{"purpose", std::string(purpose)}}, {}, progress};
    request.file = MultipartFile{"file", path.filename().string(), path, {}};
    auto response = send(request);
    if (!response) return Result<FileObject>::fail(*response.error);
    return parse_file(response.value->body);
  }

  Result<UploadObject> create_upload(std::string_view filename, std::string_view purpose, uint64_t bytes,
                                     std::string_view mime_type) override {
    HttpRequest request{"POST", "/uploads", upload_request_json(filename, purpose, bytes, mime_type), {}, {}, {}};
    auto response = send(request);
    if (!response) return Result<UploadObject>::fail(*response.error);
    return parse_upload(response.value->body);
  }

  Result<std::string> add_upload_part(std::string_view upload_id, std::string_view data) override {
    HttpRequest request{"POST", "/uploads/" + escape_segment(upload_id) + "/parts", {}, {}, {}, {}};
    request.file = MultipartFile{"data", "part", {}, data};
    auto response = send(request);
    if (!response) return Result<std::string>::fail(*response.error);
    return parse_part_id(response.value->body);
  }

  Result<UploadObject> complete_upload(std::string_view upload_id, const std::vector<std::string>& part_ids,
                                       std::string_view md5_hex) override {
    HttpRequest request{"POST", "/uploads/" + escape_segment(upload_id) + "/complete",
                        complete_upload_json(part_ids, md5_hex), {}, {}, {}};
    auto response = send(request);
    if (!response) return Result<UploadObject>::fail(*response.error);
    return parse_upload(response.value->body);
  }

  Result<Job> create_job(const JobRequest& job) override {
    return job_call(HttpRequest{"POST", "/fine_tuning/jobs", job_request_json(job), {}, {}, {}});
  }

  Result<Job> get_job(std::string_view job_id) override {
    return job_call(HttpRequest{"GET", "/fine_tuning/jobs/" + escape_segment(job_id), {}, {}, {}, {}});
  }

  Result<EventPage> list_events(std::string_view job_id, unsigned limit, std::string_view after) override {
    std::string path = fmt::format("/fine_tuning/jobs/{}/events?limit={}", escape_segment(job_id), limit);
    if (!after.empty()) path += "&after=" + escape_segment(after);
    auto response = send(HttpRequest{"GET", std::move(path), {}, {}, {}, {}});
    if (!response) return Result<EventPage>::fail(*response.error);
    return parse_events(response.value->body);
  }

  Result<std::vector<Job>> list_jobs(unsigned limit) override {
    auto response = send(HttpRequest{"GET", fmt::format("/fine_tuning/jobs?limit={}", limit), {}, {}, {}, {}});
    if (!response) return Result<std::vector<Job>>::fail(*response.error);
    return parse_job_list(response.value->body);
  }

  Result<Job> cancel_job(std::string_view job_id) override {
    return job_call(HttpRequest{"POST", "/fine_tuning/jobs/" + escape_segment(job_id) + "/cancel", {}, {}, {}, {}});
  }

  Result<std::string> download_file(std::string_view file_id) override {
    auto response = send(HttpRequest{"GET", "/files/" + escape_segment(file_id) + "/content", {}, {}, {}, {}});
    if (!response) return Result<std::string>::fail(*response.error);
    return Result<std::string>::ok(std::move(response.value->body));
  }

 private:
  Result<Job> job_call(const HttpRequest& request) {
    auto response = send(request);
    if (!response) return Result<Job>::fail(*response.error);
    return parse_job(response.value->body);
  }

  void trace(std::string_view line) const {
    if (options_.trace) options_.trace(redact_secret(line, options_.api_key));
  }

  // One attempt. Returns the curl code; `response` holds status, body and headers.
  CURLcode perform(const HttpRequest& request, const std::string& url, const std::string& idempotency_key,
                   HttpResponse& response) const {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) return CURLE_FAILED_INIT;
    curl_slist* headers = nullptr;
    const std::string auth = options_.profile.auth_header + ": " +
                             (options_.profile.auth_scheme.empty() ? "" : options_.profile.auth_scheme + " ") +
                             options_.api_key;
    if (!options_.api_key.empty()) headers = curl_slist_append(headers, auth.c_str());
    if (!options_.profile.organization.empty()) {
      headers = curl_slist_append(headers, ("OpenAI-Organization: " + options_.profile.organization).c_str());
    }
    if (!options_.profile.project.empty()) {
      headers = curl_slist_append(headers, ("OpenAI-Project: " + options_.profile.project).c_str());
    }
    if (!idempotency_key.empty()) headers = curl_slist_append(headers, ("Idempotency-Key: " + idempotency_key).c_str());
    headers = curl_slist_append(headers, "Accept: application/json");
    curl_mime* mime = nullptr;
    if (request.file) {
      // No "Expect: 100-continue": servers that never answer it cost a one-second stall per part.
      headers = curl_slist_append(headers, "Expect:");
      mime = curl_mime_init(curl);
      for (const auto& [name, value] : request.form_fields) {
        curl_mimepart* part = curl_mime_addpart(mime);
        curl_mime_name(part, name.c_str());
        curl_mime_data(part, value.c_str(), CURL_ZERO_TERMINATED);
      }
      curl_mimepart* part = curl_mime_addpart(mime);
      curl_mime_name(part, request.file->field.c_str());
      if (request.file->path.empty()) {
        curl_mime_data(part, request.file->bytes.data(), request.file->bytes.size());
      } else {
        curl_mime_filedata(part, request.file->path.c_str());
      }
      curl_mime_filename(part, request.file->filename.c_str());
      // An explicit type: some servers (and the Prism mock) reject file parts without one.
      curl_mime_type(part, "application/octet-stream");
      curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime);
    } else if (request.method == "POST") {
      headers = curl_slist_append(headers, "Content-Type: application/json");
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.json_body.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.json_body.size()));
    }
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "tuneprep/" TUNEPREP_VERSION);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // worker threads: no SIGALRM for timeouts
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout * 1000));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min(options_.timeout, 30.0) * 1000));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    // Redirects could carry the Authorization header to another host: refuse them.
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    ProgressContext progress{&request.upload_progress};
    if (request.upload_progress) {
      curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
      curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &progress);
      curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    }
    if (options_.trace) {
      trace(fmt::format("> {} {}", request.method, url));
      for (curl_slist* h = headers; h != nullptr; h = h->next) trace(fmt::format(">   {}", h->data));
    }
    const CURLcode code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    curl_mime_free(mime);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return code;
  }

  Result<HttpResponse> send(const HttpRequest& request) {
    const std::string url = options_.base_url + options_.profile.path_prefix + request.path;
    const std::string what = request.method + " " + request.path.substr(0, request.path.find('?'));
    std::string idempotency_key;
    double delay = 0;
    {
      std::lock_guard lock(rng_mutex_);
      // One key for all attempts of a POST: a server that saw the first attempt does not create twice.
      if (request.method == "POST") idempotency_key = fmt::format("tuneprep-{:016x}", rng_());
    }
    for (int attempt = 0;; ++attempt) {
      HttpResponse response;
      const auto start = std::chrono::steady_clock::now();
      const CURLcode code = perform(request, url, idempotency_key, response);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ApiError error;
      error.what = what;
      error.request_id = response.request_id;
      bool retryable = false;
      if (code != CURLE_OK) {
        error.message = curl_easy_strerror(code);
        if (code == CURLE_OPERATION_TIMEDOUT) error.message = fmt::format("timed out (--timeout {} s): {}", options_.timeout, curl_easy_strerror(code));
        retryable = is_retryable_curl(code);
        trace(fmt::format("< {} after {:.2f} s", error.message, seconds));
      } else {
        trace(fmt::format("< HTTP {} in {:.2f} s{}", response.status, seconds,
                          response.request_id.empty() ? "" : " (request id " + response.request_id + ")"));
        if (response.status >= 200 && response.status < 300) return Result<HttpResponse>::ok(std::move(response));
        error.status = static_cast<int>(response.status);
        fill_error_from_body(error, response.body);
        retryable = is_retryable_status(error.status);
      }
      error.message = redact_secret(error.message, options_.api_key);
      if (!retryable || attempt >= options_.retry.max_retries) return Result<HttpResponse>::fail(std::move(error));
      {
        std::lock_guard lock(rng_mutex_);
        delay = retry_delay(options_.retry, attempt, response.retry_after_ms, response.retry_after, rng_);
      }
      if (options_.notice) {
        options_.notice(fmt::format("{} failed ({}); retry {} of {} in {:.1f} s", what,
                                    error.status != 0 ? fmt::format("HTTP {}", error.status) : error.message,
                                    attempt + 1, options_.retry.max_retries, delay));
      }
      std::this_thread::sleep_for(std::chrono::duration<double>(delay));
    }
  }

  ClientOptions options_;
  std::mutex rng_mutex_;
  std::mt19937_64 rng_;
};

}  // namespace

std::string ApiError::format() const {
  std::string out = what.empty() ? std::string() : what + ": ";
  if (status != 0) out += fmt::format("HTTP {}: ", status);
  out += message.empty() ? std::string("no error message") : message;
  if (!code.empty()) out += " [" + code + "]";
  if (!request_id.empty()) out += " (request id " + request_id + ")";
  return out;
}

std::unique_ptr<Backend> make_http_backend(ClientOptions options) {
  static std::once_flag curl_ready;
  std::call_once(curl_ready, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return std::make_unique<HttpBackend>(std::move(options));
}

}  // namespace tuneprep::backend
