// api_json: request bodies (through the one JsonWriter) and response parsing (simdjson) of the
// OpenAI-compatible fine-tuning API. Unknown fields are ignored: providers add their own.
#include <charconv>
#include <cmath>

#include <simdjson.h>

#include "backend/backend_internal.hpp"
#include "tuneprep/json_writer.hpp"

namespace tuneprep::backend {
namespace {

using simdjson::dom::element;

std::string get_string(element object, std::string_view key) {
  std::string_view value;
  if (object[key].get_string().get(value) == simdjson::SUCCESS) return std::string(value);
  return {};
}

std::optional<int64_t> get_int(element object, std::string_view key) {
  element value;
  if (object[key].get(value) != simdjson::SUCCESS) return std::nullopt;
  int64_t i = 0;
  if (value.get_int64().get(i) == simdjson::SUCCESS) return i;
  uint64_t u = 0;
  if (value.get_uint64().get(u) == simdjson::SUCCESS) return static_cast<int64_t>(u);
  double d = 0;
  if (value.get_double().get(d) == simdjson::SUCCESS && std::isfinite(d)) return static_cast<int64_t>(d);
  return std::nullopt;
}

std::optional<double> get_double(element object, std::string_view key) {
  element value;
  if (object[key].get(value) != simdjson::SUCCESS) return std::nullopt;
  double d = 0;
  if (value.get_double().get(d) == simdjson::SUCCESS) return d;
  int64_t i = 0;
  if (value.get_int64().get(i) == simdjson::SUCCESS) return static_cast<double>(i);
  uint64_t u = 0;
  if (value.get_uint64().get(u) == simdjson::SUCCESS) return static_cast<double>(u);
  return std::nullopt;
}

ApiError bad_response(std::string_view what) {
  ApiError error;
  error.message = "the server's response is not the JSON expected (" + std::string(what) + ")";
  return error;
}

Job job_from(element object) {
  Job job;
  job.id = get_string(object, "id");
  job.model = get_string(object, "model");
  job.status = get_string(object, "status");
  job.fine_tuned_model = get_string(object, "fine_tuned_model");
  job.training_file = get_string(object, "training_file");
  job.validation_file = get_string(object, "validation_file");
  job.created_at = get_int(object, "created_at").value_or(0);
  if (auto tokens = get_int(object, "trained_tokens"); tokens && *tokens >= 0) {
    job.trained_tokens = static_cast<uint64_t>(*tokens);
  }
  simdjson::dom::array files;
  if (object["result_files"].get_array().get(files) == simdjson::SUCCESS) {
    for (element f : files) {
      std::string_view id;
      if (f.get_string().get(id) == simdjson::SUCCESS) job.result_files.emplace_back(id);
    }
  }
  element error;
  if (object["error"].get(error) == simdjson::SUCCESS && error.is_object()) {
    job.error_message = get_string(error, "message");
    job.error_code = get_string(error, "code");
  }
  return job;
}

template <class T, class F>
Result<T> parse_object(std::string_view json, std::string_view what, F&& from) {
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    return Result<T>::fail(bad_response(what));
  }
  return from(doc);
}

void write_hyperparameter(JsonWriter& w, std::string_view name, const std::optional<Hyperparameter>& h, bool integer) {
  if (!h) return;
  w.key(name);
  if (h->is_auto) {
    w.string("auto");
  } else if (integer) {
    w.number(static_cast<uint64_t>(h->value));
  } else {
    w.real(h->value, 6);
  }
}

}  // namespace

std::optional<Hyperparameter> parse_hyperparameter(std::string_view text, bool integer) {
  if (text == "auto") return Hyperparameter{true, 0};
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value) || value <= 0) {
    return std::nullopt;
  }
  if (integer && value != std::floor(value)) return std::nullopt;
  return Hyperparameter{false, value};
}

std::string job_request_json(const JobRequest& r) {
  std::string out;
  JsonWriter w(out, JsonLayout::kCompact);
  w.begin_object();
  w.field("model", r.model);
  w.field("training_file", r.training_file);
  if (!r.validation_file.empty()) w.field("validation_file", r.validation_file);
  if (!r.suffix.empty()) w.field("suffix", r.suffix);
  if (r.seed) w.field("seed", static_cast<uint64_t>(*r.seed));
  // Hyperparameters go under `method` (the top-level `hyperparameters` is deprecated).
  w.object("method", [&] {
    w.field("type", r.method);
    w.object(r.method, [&] {
      w.object("hyperparameters", [&] {
        write_hyperparameter(w, "n_epochs", r.epochs, true);
        write_hyperparameter(w, "batch_size", r.batch_size, true);
        write_hyperparameter(w, "learning_rate_multiplier", r.lr_multiplier, false);
        if (r.method == "dpo") write_hyperparameter(w, "beta", r.beta, false);
      });
    });
  });
  w.end_object();
  return out;
}

std::string upload_request_json(std::string_view filename, std::string_view purpose, uint64_t bytes,
                                std::string_view mime_type) {
  std::string out;
  JsonWriter w(out, JsonLayout::kCompact);
  w.begin_object();
  w.field("filename", filename);
  w.field("purpose", purpose);
  w.field("bytes", bytes);
  w.field("mime_type", mime_type);
  w.end_object();
  return out;
}

std::string complete_upload_json(const std::vector<std::string>& part_ids, std::string_view md5_hex) {
  std::string out;
  JsonWriter w(out, JsonLayout::kCompact);
  w.begin_object();
  w.key("part_ids");
  w.begin_array();
  for (const std::string& id : part_ids) w.string(id);
  w.end_array();
  if (!md5_hex.empty()) w.field("md5", md5_hex);
  w.end_object();
  return out;
}

Result<Job> parse_job(std::string_view json) {
  return parse_object<Job>(json, "a fine-tuning job", [](element doc) {
    Job job = job_from(doc);
    if (job.id.empty()) return Result<Job>::fail(bad_response("a fine-tuning job without an id"));
    return Result<Job>::ok(std::move(job));
  });
}

Result<std::vector<Job>> parse_job_list(std::string_view json) {
  return parse_object<std::vector<Job>>(json, "a list of jobs", [](element doc) {
    simdjson::dom::array data;
    if (doc["data"].get_array().get(data) != simdjson::SUCCESS) {
      return Result<std::vector<Job>>::fail(bad_response("a list without data"));
    }
    std::vector<Job> jobs;
    for (element item : data) {
      if (item.is_object()) jobs.push_back(job_from(item));
    }
    return Result<std::vector<Job>>::ok(std::move(jobs));
  });
}

Result<EventPage> parse_events(std::string_view json) {
  return parse_object<EventPage>(json, "a list of events", [](element doc) {
    simdjson::dom::array data;
    if (doc["data"].get_array().get(data) != simdjson::SUCCESS) {
      return Result<EventPage>::fail(bad_response("a list without data"));
    }
    EventPage page;
    bool has_more = false;
    if (doc["has_more"].get_bool().get(has_more) == simdjson::SUCCESS) page.has_more = has_more;
    std::vector<JobEvent>& events = page.events;
    for (element item : data) {
      if (!item.is_object()) continue;
      JobEvent e;
      e.id = get_string(item, "id");
      e.created_at = get_int(item, "created_at").value_or(0);
      e.level = get_string(item, "level");
      e.message = get_string(item, "message");
      e.type = get_string(item, "type");
      element d;
      if (item["data"].get(d) == simdjson::SUCCESS && d.is_object()) {
        if (auto step = get_int(d, "step"); step && *step >= 0) e.step = static_cast<uint64_t>(*step);
        if (auto total = get_int(d, "total_steps"); total && *total > 0) e.total_steps = static_cast<uint64_t>(*total);
        e.train_loss = get_double(d, "train_loss");
        e.valid_loss = get_double(d, "valid_loss");
      }
      events.push_back(std::move(e));
    }
    return Result<EventPage>::ok(std::move(page));
  });
}

Result<FileObject> parse_file(std::string_view json) {
  return parse_object<FileObject>(json, "a file", [](element doc) {
    FileObject f;
    f.id = get_string(doc, "id");
    f.filename = get_string(doc, "filename");
    f.purpose = get_string(doc, "purpose");
    f.status = get_string(doc, "status");
    f.bytes = static_cast<uint64_t>(std::max<int64_t>(0, get_int(doc, "bytes").value_or(0)));
    if (f.id.empty()) return Result<FileObject>::fail(bad_response("a file without an id"));
    return Result<FileObject>::ok(std::move(f));
  });
}

Result<UploadObject> parse_upload(std::string_view json) {
  return parse_object<UploadObject>(json, "an upload", [](element doc) {
    UploadObject u;
    u.id = get_string(doc, "id");
    u.status = get_string(doc, "status");
    u.filename = get_string(doc, "filename");
    u.bytes = static_cast<uint64_t>(std::max<int64_t>(0, get_int(doc, "bytes").value_or(0)));
    element file;
    if (doc["file"].get(file) == simdjson::SUCCESS && file.is_object()) {
      FileObject f;
      f.id = get_string(file, "id");
      f.filename = get_string(file, "filename");
      f.purpose = get_string(file, "purpose");
      f.bytes = static_cast<uint64_t>(std::max<int64_t>(0, get_int(file, "bytes").value_or(0)));
      if (!f.id.empty()) u.file = std::move(f);
    }
    if (u.id.empty()) return Result<UploadObject>::fail(bad_response("an upload without an id"));
    return Result<UploadObject>::ok(std::move(u));
  });
}

Result<std::string> parse_part_id(std::string_view json) {
  return parse_object<std::string>(json, "an upload part", [](element doc) {
    std::string id = get_string(doc, "id");
    if (id.empty()) return Result<std::string>::fail(bad_response("an upload part without an id"));
    return Result<std::string>::ok(std::move(id));
  });
}

void fill_error_from_body(ApiError& error, std::string_view body) {
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(body.data(), body.size()).get(doc) == simdjson::SUCCESS && doc.is_object()) {
    element e;
    if (doc["error"].get(e) == simdjson::SUCCESS && e.is_object()) {
      error.message = get_string(e, "message");
      error.code = get_string(e, "code");
      if (error.code.empty()) error.code = get_string(e, "type");
      return;
    }
    // Problem details (RFC 9457), as some gateways and mock servers answer.
    const std::string title = get_string(doc, "title");
    const std::string detail = get_string(doc, "detail");
    if (!title.empty() || !detail.empty()) {
      error.message = title.empty() ? detail : detail.empty() ? title : title + ": " + detail;
      return;
    }
  }
  // Not JSON: the first line of the body, short.
  std::string_view first = body.substr(0, body.find('\n'));
  if (first.size() > 200) first = first.substr(0, 200);
  error.message = std::string(first);
}

}  // namespace tuneprep::backend
