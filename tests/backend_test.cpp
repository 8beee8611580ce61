// backend: redaction, the retry policy, request bodies and response parsing, profiles, and the
// upload and watch drivers over an in-memory Backend (the HTTP client is tested end to end in
// tests/e2e/backend_*.sh against tests/backend/fake_server.py).
#include "tuneprep/backend.hpp"

#include <map>

#include <catch2/catch.hpp>

#include "backend/backend_internal.hpp"
#include "temp_dir.hpp"
#include "tuneprep/config_file.hpp"

using namespace tuneprep::backend;

TEST_CASE("Key redaction keeps the kind and the last four characters only") {
  CHECK(redact_key("sk-proj-abcdefghijklmnopqrstuvwxyz1234") == "sk-…1234");
  CHECK(redact_key("abcdefghijklmnop9876") == "…9876");
  CHECK(redact_key("sk-short") == "…");
  CHECK(redact_key("") == "…");
}

TEST_CASE("Secret redaction replaces every occurrence of the key in a text") {
  const std::string key = "sk-test-0123456789abcdef";
  CHECK(redact_secret("Bearer sk-test-0123456789abcdef and sk-test-0123456789abcdef.", key) ==
        "Bearer sk-…cdef and sk-…cdef.");
  CHECK(redact_secret("nothing here", key) == "nothing here");
  CHECK(redact_secret("anything", "") == "anything");
}

TEST_CASE("Retryable statuses: 408, 409, 429 and 5xx, not other 4xx") {
  for (int status : {408, 409, 429, 500, 502, 503, 504}) CHECK(is_retryable_status(status));
  for (int status : {200, 400, 401, 403, 404, 422}) CHECK_FALSE(is_retryable_status(status));
}

TEST_CASE("Retry delay: exponential backoff capped, jitter only shortens it") {
  RetryPolicy policy;
  std::mt19937_64 rng(7);
  for (int attempt = 0; attempt < 8; ++attempt) {
    const double base = std::min(8.0, 0.5 * (1 << attempt));
    const double d = retry_delay(policy, attempt, "", "", rng);
    CHECK(d <= base);
    CHECK(d >= base * 0.75);
  }
}

TEST_CASE("Retry delay: the server's retry-after-ms, then Retry-After, win when reasonable") {
  RetryPolicy policy;
  std::mt19937_64 rng(1);
  CHECK(retry_delay(policy, 0, "250", "7", rng) == 0.25);
  CHECK(retry_delay(policy, 0, "", "7", rng) == 7.0);
  CHECK(retry_delay(policy, 0, "", " 2 ", rng) == 2.0);
  // Beyond max_retry_after, or not a number: backoff instead.
  CHECK(retry_delay(policy, 0, "", "3600", rng) <= 0.5);
  CHECK(retry_delay(policy, 0, "soon", "", rng) <= 0.5);
  // An HTTP date in the past means now.
  CHECK(retry_delay(policy, 3, "", "Wed, 21 Oct 2015 07:28:00 GMT", rng) <= 4.0);
}

TEST_CASE("Hyperparameters: auto, whole numbers where required, positive numbers") {
  CHECK(parse_hyperparameter("auto", true)->is_auto);
  CHECK(parse_hyperparameter("3", true)->value == 3);
  CHECK_FALSE(parse_hyperparameter("2.5", true));
  CHECK(parse_hyperparameter("0.1", false)->value == 0.1);
  CHECK_FALSE(parse_hyperparameter("0", false));
  CHECK_FALSE(parse_hyperparameter("-1", false));
  CHECK_FALSE(parse_hyperparameter("3x", false));
}

TEST_CASE("Job request body: hyperparameters under method, optional fields only when set") {
  JobRequest r;
  r.model = "gpt-4o-mini";
  r.training_file = "file-1";
  CHECK(job_request_json(r) ==
        R"({"model":"gpt-4o-mini","training_file":"file-1","method":{"type":"supervised","supervised":{"hyperparameters":{}}}})");
  r.validation_file = "file-2";
  r.suffix = "demo";
  r.seed = 42;
  r.method = "dpo";
  r.epochs = Hyperparameter{false, 3};
  r.batch_size = Hyperparameter{true, 0};
  r.lr_multiplier = Hyperparameter{false, 0.5};
  r.beta = Hyperparameter{false, 0.1};
  CHECK(job_request_json(r) ==
        R"({"model":"gpt-4o-mini","training_file":"file-1","validation_file":"file-2","suffix":"demo","seed":42,)"
        R"("method":{"type":"dpo","dpo":{"hyperparameters":{"n_epochs":3,"batch_size":"auto",)"
        R"("learning_rate_multiplier":0.5,"beta":0.1}}}})");
}

TEST_CASE("Upload bodies: create and complete with ordered part ids and md5") {
  CHECK(upload_request_json("a.jsonl", "fine-tune", 10, "text/jsonl") ==
        R"({"filename":"a.jsonl","purpose":"fine-tune","bytes":10,"mime_type":"text/jsonl"})");
  CHECK(complete_upload_json({"part_b", "part_a"}, "abc") == R"({"part_ids":["part_b","part_a"],"md5":"abc"})");
}

TEST_CASE("Job parsing: status, model, result files, error") {
  const auto job = parse_job(R"({"id":"ftjob-1","model":"m","status":"failed","fine_tuned_model":null,
    "result_files":["file-9"],"created_at":1700000000,"trained_tokens":null,
    "error":{"code":"invalid_training_file","message":"bad file","param":null},"extra":{"x":1}})");
  REQUIRE(job);
  CHECK(job.value->id == "ftjob-1");
  CHECK(job.value->status == "failed");
  CHECK(job.value->finished());
  CHECK(job.value->fine_tuned_model.empty());
  CHECK(job.value->result_files == std::vector<std::string>{"file-9"});
  CHECK(job.value->error_code == "invalid_training_file");
  CHECK(job.value->error_message == "bad file");
  CHECK_FALSE(job.value->trained_tokens);
  CHECK_FALSE(parse_job("[1]"));
  CHECK_FALSE(parse_job("not json"));
}

TEST_CASE("Event parsing: metrics data when present") {
  const auto events = parse_events(R"({"object":"list","data":[
    {"id":"e2","created_at":2,"level":"info","message":"Step 2/10","type":"metrics",
     "data":{"step":2,"train_loss":0.5,"valid_loss":0.7,"total_steps":10}},
    {"id":"e1","created_at":1,"level":"info","message":"started","type":"message","data":{}}],"has_more":false})");
  REQUIRE(events);
  REQUIRE(events.value->events.size() == 2);
  CHECK_FALSE(events.value->has_more);
  CHECK(*events.value->events[0].step == 2);
  CHECK(*events.value->events[0].total_steps == 10);
  CHECK(*events.value->events[0].valid_loss == 0.7);
  CHECK_FALSE(events.value->events[1].step);
}

TEST_CASE("API errors: message, code and problem details; format names status and request id") {
  ApiError e;
  e.what = "POST /files";
  e.status = 400;
  e.request_id = "req_1";
  fill_error_from_body(e, R"({"error":{"message":"Invalid file","type":"invalid_request_error","code":null}})");
  CHECK(e.message == "Invalid file");
  CHECK(e.code == "invalid_request_error");
  CHECK(e.format() == "POST /files: HTTP 400: Invalid file [invalid_request_error] (request id req_1)");
  ApiError p;
  fill_error_from_body(p, R"({"type":"x","title":"Invalid request","detail":"body is wrong"})");
  CHECK(p.message == "Invalid request: body is wrong");
  ApiError t;
  fill_error_from_body(t, "<html>Bad gateway</html>\nmore");
  CHECK(t.message == "<html>Bad gateway</html>");
}

namespace {

// find_profile over a tuneprep.toml text, parsed as the commands parse it (bounded, once).
Result<BackendProfile> profile_from_toml(std::string_view name, std::string_view toml_text, std::string_view source_name) {
  tuneprep::ConfigFile config;
  const auto error = tuneprep::parse_config_text(toml_text, source_name, config);
  REQUIRE_FALSE(error);
  return tuneprep::backend::find_profile(name, config);
}

}  // namespace

TEST_CASE("Profiles: openai built in, [backend.NAME] tables, unknown keys and names refused") {
  auto openai = profile_from_toml("openai", "", "");
  REQUIRE(openai);
  CHECK(openai.value->base_url == "https://api.openai.com/v1");
  CHECK(openai.value->auth_header == "Authorization");
  const std::string toml = R"(
[backend.local]
base_url = "http://127.0.0.1:8000/v1"
auth_header = "api-key"
auth_scheme = ""
path_prefix = "openai/"
api_key_env = "LOCAL_KEY"
models = ["llama-3-8b"]
)";
  auto local = profile_from_toml("local", toml, "tuneprep.toml");
  REQUIRE(local);
  CHECK(local.value->base_url == "http://127.0.0.1:8000/v1");
  CHECK(local.value->auth_header == "api-key");
  CHECK(local.value->auth_scheme.empty());
  CHECK(local.value->path_prefix == "/openai");
  CHECK(local.value->api_key_env == "LOCAL_KEY");
  CHECK(local.value->models == std::vector<std::string>{"llama-3-8b"});
  auto missing = profile_from_toml("other", toml, "tuneprep.toml");
  REQUIRE(missing.error);
  CHECK(missing.error->message.find("known: openai, local") != std::string::npos);
  auto bad = profile_from_toml("x", "[backend.x]\nbase_url = 3\n", "t.toml");
  REQUIRE(bad.error);
  CHECK(bad.error->message == "t.toml: backend.x.base_url must be a string");
  CHECK(profile_from_toml("x", "[backend.x]\nurl = \"u\"\n", "t.toml").error->message.find("url is not a known key") !=
        std::string::npos);
  // No file: the built-in profile, and a name it lacks points at tuneprep.toml.
  CHECK(tuneprep::backend::find_profile("openai", tuneprep::ConfigFile{}));
  CHECK(tuneprep::backend::find_profile("local", tuneprep::ConfigFile{}).error->message ==
        "unknown backend 'local' (known: openai; add a [backend.local] table to tuneprep.toml)");
}

TEST_CASE("Profiles come from the one bounded parse of tuneprep.toml: a profile too deep for it is refused there") {
  std::string nested = "[backend.x]\nmodels = " + std::string(40, '[') + "\n";
  tuneprep::ConfigFile config;
  const auto error = tuneprep::parse_config_text(nested, "t.toml", config);
  REQUIRE(error);
  CHECK(error->message == "t.toml:2:42: arrays, tables and inline tables are nested too deeply (at most 32)");
  CHECK(config.source.empty());  // left as it was: the absent file
}

namespace {

// An in-memory service: parts and jobs in maps; fails the Nth part request when told to.
class MemoryBackend final : public Backend {
 public:
  int fail_part_call = -1;  // 0-based index of the add_upload_part call that fails
  int part_calls = 0;
  std::map<std::string, std::string> parts;
  std::vector<std::string> completed_ids;
  std::string completed_md5;
  std::vector<Job> job_states;  // returned by successive get_job calls
  std::vector<std::vector<JobEvent>> event_pages;
  size_t polls = 0;

  Result<FileObject> upload_file(const std::filesystem::path&, std::string_view, const std::function<void(uint64_t)>&) override {
    return Result<FileObject>::ok(FileObject{"file-single", "f", "fine-tune", 1, "processed"});
  }
  Result<UploadObject> create_upload(std::string_view filename, std::string_view, uint64_t bytes, std::string_view) override {
    ++uploads_created;
    return Result<UploadObject>::ok(UploadObject{"upload_" + std::to_string(uploads_created), "pending",
                                                 std::string(filename), bytes, std::nullopt});
  }
  Result<std::string> add_upload_part(std::string_view, std::string_view data) override {
    if (part_calls++ == fail_part_call) {
      ApiError e;
      e.message = "connection reset";
      return Result<std::string>::fail(e);
    }
    const std::string id = "part_" + std::to_string(part_calls);
    parts[id] = std::string(data);
    return Result<std::string>::ok(id);
  }
  Result<UploadObject> complete_upload(std::string_view id, const std::vector<std::string>& ids, std::string_view md5) override {
    completed_ids = ids;
    completed_md5 = std::string(md5);
    UploadObject u{std::string(id), "completed", "f", 0, FileObject{"file-multi", "f", "fine-tune", 0, "processed"}};
    return Result<UploadObject>::ok(u);
  }
  Result<Job> create_job(const JobRequest&) override { return Result<Job>::ok(Job{}); }
  Result<Job> get_job(std::string_view) override {
    return Result<Job>::ok(job_states[std::min(polls, job_states.size() - 1)]);
  }
  // event_pages[poll] is everything the job has logged by that poll, newest first, served `limit`
  // at a time from `after` on, as the API pages.
  Result<EventPage> list_events(std::string_view, unsigned limit, std::string_view after) override {
    if (after.empty()) ++polls;
    const std::vector<JobEvent>& all = event_pages[std::min(polls - 1, event_pages.size() - 1)];
    size_t from = 0;
    if (!after.empty()) {
      while (from < all.size() && all[from].id != after) ++from;
      ++from;
    }
    EventPage page;
    for (size_t i = from; i < all.size() && page.events.size() < limit; ++i) page.events.push_back(all[i]);
    page.has_more = from + page.events.size() < all.size();
    return Result<EventPage>::ok(page);
  }
  Result<std::vector<Job>> list_jobs(unsigned) override { return Result<std::vector<Job>>::ok({}); }
  Result<Job> cancel_job(std::string_view) override { return Result<Job>::ok(Job{}); }
  Result<std::string> download_file(std::string_view) override { return Result<std::string>::ok(""); }
  int uploads_created = 0;
};

JobEvent event(std::string id) {
  JobEvent e;
  e.id = e.message = std::move(id);
  return e;
}

}  // namespace

TEST_CASE("Multipart upload: parts in order, md5 of the whole file, state removed at the end") {
  TempDir dir;
  const std::string path = dir.write("data.jsonl", "0123456789abcdefghij-");  // 21 bytes: 3 parts of 8
  MemoryBackend backend;
  UploadOptions options;
  options.multipart = true;
  options.part_bytes = 8;
  options.parallel_parts = 1;
  auto outcome = upload_dataset(backend, path, options);
  REQUIRE(outcome);
  CHECK(outcome.value->file.id == "file-multi");
  CHECK(outcome.value->parts_total == 3);
  CHECK(outcome.value->parts_sent == 3);
  REQUIRE(backend.completed_ids.size() == 3);
  std::string joined;
  for (const auto& id : backend.completed_ids) joined += backend.parts[id];
  CHECK(joined == "0123456789abcdefghij-");
  CHECK(backend.completed_md5 == "250892d57dbc3da487cec8b1c3aff407");
  CHECK_FALSE(std::filesystem::exists(path + ".upload.json"));
}

TEST_CASE("Multipart upload: an interrupted upload resumes with only the missing parts") {
  TempDir dir;
  const std::string path = dir.write("data.jsonl", std::string(40, 'x') + "yyyy");  // 44 bytes: 6 parts of 8
  MemoryBackend backend;
  UploadOptions options;
  options.multipart = true;
  options.part_bytes = 8;
  options.parallel_parts = 1;
  backend.fail_part_call = 3;  // parts 1-3 land, the 4th fails
  auto first = upload_dataset(backend, path, options);
  REQUIRE(first.error);
  CHECK(first.error->message.find("3 of 6 parts sent") != std::string::npos);
  CHECK(std::filesystem::exists(path + ".upload.json"));
  backend.fail_part_call = -1;
  const int calls_before = backend.part_calls;
  auto second = upload_dataset(backend, path, options);
  REQUIRE(second);
  CHECK(backend.uploads_created == 1);  // the same upload, continued
  CHECK(backend.part_calls - calls_before == 3);
  CHECK(second.value->parts_sent == 3);
  CHECK(second.value->parts_total == 6);
  std::string joined;
  for (const auto& id : backend.completed_ids) joined += backend.parts[id];
  CHECK(joined == std::string(40, 'x') + "yyyy");
}

TEST_CASE("Multipart upload: a changed file starts a new upload instead of resuming") {
  TempDir dir;
  const std::string path = dir.write("data.jsonl", std::string(24, 'a'));
  MemoryBackend backend;
  UploadOptions options;
  options.multipart = true;
  options.part_bytes = 8;
  options.parallel_parts = 1;
  backend.fail_part_call = 1;
  REQUIRE_FALSE(upload_dataset(backend, path, options));
  dir.write("data.jsonl", std::string(24, 'b'));
  backend.fail_part_call = -1;
  auto again = upload_dataset(backend, path, options);
  REQUIRE(again);
  CHECK(backend.uploads_created == 2);
  CHECK(again.value->parts_sent == 3);
}

TEST_CASE("Watch: every event once, oldest first, until the job finishes") {
  MemoryBackend backend;
  Job running;
  running.id = "ftjob-1";
  running.status = "running";
  Job done = running;
  done.status = "succeeded";
  backend.job_states = {running, running, done};
  // Newest first, overlapping pages, as the API lists them.
  backend.event_pages = {{event("b"), event("a")}, {event("c"), event("b"), event("a")}, {event("d"), event("c")}};
  std::vector<std::string> seen;
  std::vector<std::string> statuses;
  WatchOptions options;
  std::vector<double> sleeps;
  options.sleep = [&](double s) { sleeps.push_back(s); };
  auto job = watch_job(backend, "ftjob-1", options, [&](const JobEvent& e) { seen.push_back(e.id); },
                       [&](const Job& j) { statuses.push_back(j.status); });
  REQUIRE(job);
  CHECK(job.value->status == "succeeded");
  CHECK(seen == std::vector<std::string>{"a", "b", "c", "d"});
  CHECK(statuses == std::vector<std::string>{"running", "succeeded"});
  CHECK(sleeps.size() == 2);
}

TEST_CASE("Watch: a burst of more events than a page between two polls is paged back, none lost") {
  MemoryBackend backend;
  Job running;
  running.id = "ftjob-1";
  running.status = "running";
  Job done = running;
  done.status = "succeeded";
  backend.job_states = {running, done};
  backend.event_pages = {{event("a")},
                         {event("g"), event("f"), event("e"), event("d"), event("c"), event("b"), event("a")}};
  std::vector<std::string> seen;
  WatchOptions options;
  options.event_page = 2;
  options.sleep = [](double) {};
  auto job = watch_job(backend, "ftjob-1", options, [&](const JobEvent& e) { seen.push_back(e.id); }, {});
  REQUIRE(job);
  CHECK(seen == std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g"});
}

TEST_CASE("Watch: polls back off while nothing changes") {
  MemoryBackend backend;
  Job queued;
  queued.id = "ftjob-1";
  queued.status = "queued";
  Job done = queued;
  done.status = "cancelled";
  backend.job_states = {queued, queued, queued, queued, done};
  backend.event_pages = {{event("a")}};
  WatchOptions options;
  options.initial_poll = 1;
  options.max_poll = 4;
  std::vector<double> sleeps;
  options.sleep = [&](double s) { sleeps.push_back(s); };
  auto job = watch_job(backend, "ftjob-1", options, {}, {});
  REQUIRE(job);
  CHECK(sleeps == std::vector<double>{1, 2, 4, 4});
}

TEST_CASE("Prepared dir: files checked against the manifest's sha256") {
  TempDir dir;
  dir.write("train.jsonl", "abc\n");
  dir.write("validation.jsonl", "");
  // sha256("abc\n")
  dir.write("manifest.json", R"({"options":{"to":"openai-chat"},"outputs":[
    {"path":"train.jsonl","sha256":"edeaaff3f1774ad2888673770c6d64097e391bc362d7d6fb34982ddf0efd18cb","records":1},
    {"path":"validation.jsonl","sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","records":0}]})");
  auto ok = check_prepared_dir(dir.path);
  REQUIRE(ok);
  CHECK(ok.value->train == dir.path / "train.jsonl");
  CHECK_FALSE(ok.value->validation);
  CHECK(ok.value->format == "openai-chat");
  dir.write("train.jsonl", "abd\n");
  auto changed = check_prepared_dir(dir.path);
  REQUIRE(changed.error);
  CHECK(changed.error->message.find("changed since prepare wrote it") != std::string::npos);
  TempDir empty;
  CHECK(check_prepared_dir(empty.path).error->message.find("manifest.json: missing") != std::string::npos);
}
